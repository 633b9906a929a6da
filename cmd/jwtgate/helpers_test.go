package main

import (
	"bytes"
	"context"
	"encoding/json/v2"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// syncBuffer is a bytes.Buffer safe for the server's concurrent log writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines returns the JSON log lines written so far, decoded.
func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), "log line %q is not a JSON object", line)
		out = append(out, m)
	}
	return out
}

// withMsg returns the log lines whose msg is msg.
func (b *syncBuffer) withMsg(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, m := range b.lines(t) {
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// accessLine waits for the access log line of the request with id and
// returns it: the line is written once the handler returns, which may be
// just after the client has its answer.
func (b *syncBuffer) accessLine(t *testing.T, id string) map[string]any {
	t.Helper()
	require.NotEmpty(t, id, "request id")
	var found map[string]any
	require.Eventually(t, func() bool {
		for _, m := range b.withMsg(t, "request") {
			if m["request_id"] == id {
				found = m
				return true
			}
		}
		return false
	}, 5*time.Second, time.Millisecond, "no access log line for request id %s in:\n%s", id, b)
	return found
}

// testGateway is a server started in-process on loopback port 0.
type testGateway struct {
	*server
	path string
	logs *syncBuffer
}

// startGateway writes text to a file and runs a server on it.
func startGateway(t *testing.T, text string) *testGateway {
	t.Helper()
	return startGatewayWatching(t, text, 0)
}

func startGatewayWatching(t *testing.T, text string, watch time.Duration) *testGateway {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jwtgate.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	logs := &syncBuffer{}
	s, err := newServer(serverOptions{Path: path, Logs: logs, WatchInterval: watch})
	require.NoError(t, err, "newServer on:\n%s", text)
	require.NoError(t, s.Start(), "Start")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, s.Shutdown(ctx), "Shutdown")
	})
	return &testGateway{server: s, path: path, logs: logs}
}

// rewrite replaces the configuration file atomically.
func (g *testGateway) rewrite(t *testing.T, text string) {
	t.Helper()
	tmp := g.path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte(text), 0o600))
	require.NoError(t, os.Rename(tmp, g.path))
}

func (g *testGateway) url(path string) string { return "http://" + g.Addr() + path }

func (g *testGateway) adminURL(path string) string { return "http://" + g.AdminAddr() + path }

// echoUpstream is an upstream answering with the request it got (echoed).
func echoUpstream(t *testing.T) *httptest.Server {
	t.Helper()
	up := httptest.NewServer(http.HandlerFunc(echo))
	t.Cleanup(up.Close)
	return up
}

// settings are the blanks of proxyConfig.
type settings struct {
	mode     string // proxy (default) or forward_auth
	issuer   *verifiertest.Issuer
	upstream string
	extra    string // more top-level keys
	rules    string // policy rules; default below
}

const defaultRules = `    - pattern: GET /public/
      allow: public
    - pattern: GET /items/
      any_scopes: [read, admin]
    - pattern: ["POST /items/", "DELETE /items/{id}"]
      scopes: [write]
`

// configText returns a configuration trusting s.issuer (by its JWKS URL).
func configText(s settings) string {
	mode := s.mode
	if mode == "" {
		mode = "proxy"
	}
	rules := s.rules
	if rules == "" {
		rules = defaultRules
	}
	var b strings.Builder
	fmt.Fprintf(&b, "mode: %s\nlisten: 127.0.0.1:0\nadmin_listen: 127.0.0.1:0\nshutdown_timeout: 5s\nrealm: test\n", mode)
	if mode == "proxy" {
		fmt.Fprintf(&b, "upstream:\n  url: %s\n", s.upstream)
	} else {
		b.WriteString("trusted_proxies: [127.0.0.1/32]\n")
	}
	fmt.Fprintf(&b, "issuers:\n  - issuer: %q\n    jwks_url: %q\naudiences: [%q]\n", s.issuer.URL, s.issuer.JWKSURL(), s.issuer.Audience())
	b.WriteString("headers:\n  subject: X-Auth-Subject\n  client_id: X-Auth-Client-Id\n  scopes: X-Auth-Scopes\n")
	b.WriteString(s.extra)
	fmt.Fprintf(&b, "policy:\n  default: deny\n  rules:\n%s", rules)
	return b.String()
}

// answer is what a test request got.
type answer struct {
	status int
	header http.Header
	echo   echoed // the upstream's echo, when it answered
}

// send sends a request to url with an optional bearer token and headers.
func send(t *testing.T, client *http.Client, method, url, token string, header map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header[k] = []string{v}
	}
	resp, err := client.Do(req)
	require.NoError(t, err, "%s %s", method, url)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "reading the answer to %s %s", method, url)
	a := answer{status: resp.StatusCode, header: resp.Header}
	if resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Type") == "application/json" {
		require.NoError(t, json.Unmarshal(body, &a.echo), "upstream echo %q", body)
	}
	return a
}

// get fetches url and returns the status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err, "GET %s", url)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
