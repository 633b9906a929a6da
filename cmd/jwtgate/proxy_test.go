package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// upgradeEcho switches to the "echo" protocol and sends back every line it
// reads, as a websocket server would after its handshake.
func upgradeEcho(t *testing.T) *httptest.Server {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "echo" {
			http.Error(w, "upgrade required", http.StatusUpgradeRequired)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprintf(brw, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\nX-Seen-Subject: %s\r\n\r\n", r.Header.Get("X-Auth-Subject"))
		if brw.Flush() != nil {
			return
		}
		for {
			line, err := brw.ReadString('\n')
			if err != nil {
				return
			}
			if _, err := brw.WriteString("echo: " + line); err != nil || brw.Flush() != nil {
				return
			}
		}
	}))
	t.Cleanup(up.Close)
	return up
}

func TestUpgradeThroughTheProxy(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := upgradeEcho(t)
	g := startGateway(t, configText(settings{issuer: iss, upstream: up.URL, rules: "    - pattern: GET /ws\n      scopes: [read]\n"}))
	token := iss.MustMint(t, verifiertest.Token{Subject: "socket-user", Scope: "read"})

	dial := func(t *testing.T, auth string) (net.Conn, *bufio.Reader, *http.Response) {
		conn, err := net.DialTimeout("tcp", g.Addr(), 5*time.Second)
		require.NoError(t, err)
		t.Cleanup(func() { conn.Close() })
		require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
		fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: echo\r\n%s\r\n", g.Addr(), auth)
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err, "reading the handshake answer")
		return conn, br, resp
	}

	t.Run("with a token", func(t *testing.T) {
		conn, br, resp := dial(t, "Authorization: Bearer "+token+"\r\n")
		require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode, "upgrade through the gateway")
		assert.Equal(t, "socket-user", resp.Header.Get("X-Seen-Subject"), "the upstream got the claim header")
		for _, msg := range []string{"hello\n", "second message\n"} {
			_, err := io.WriteString(conn, msg)
			require.NoError(t, err)
			got, err := br.ReadString('\n')
			require.NoError(t, err, "reading the echo of %q", msg)
			assert.Equal(t, "echo: "+msg, got)
		}
		conn.Close()
		line := g.logs.accessLine(t, resp.Header.Get("X-Request-Id"))
		assert.Equal(t, float64(101), line["status"], "access log of the upgraded request")
		assert.Equal(t, "socket-user", line["subject"])
	})
	t.Run("without a token", func(t *testing.T) {
		_, _, resp := dial(t, "")
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "upgrade without a token")
	})
}

func TestStreamingReachesTheClientBeforeTheUpstreamEnds(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "data: second\n\n")
	}))
	t.Cleanup(up.Close)
	g := startGateway(t, configText(settings{issuer: iss, upstream: up.URL}))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", g.url("/items/stream"), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", iss.AuthorizationHeader(verifiertest.Token{Scope: "read"}))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	br := bufio.NewReader(resp.Body)
	first, err := br.ReadString('\n')
	require.NoError(t, err, "reading the first event while the upstream still holds the rest")
	assert.Equal(t, "data: first\n", first)
	close(release)
	rest, err := io.ReadAll(br)
	require.NoError(t, err)
	assert.Equal(t, "\ndata: second\n\n", string(rest))
}

func TestRequestID(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := echoUpstream(t)
	trusted := startGateway(t, configText(settings{issuer: iss, upstream: up.URL, extra: "trusted_proxies: [127.0.0.1/32]\n"}))
	untrusted := startGateway(t, configText(settings{issuer: iss, upstream: up.URL, extra: "trusted_proxies: [10.0.0.0/8]\n"}))
	token := iss.MustMint(t, verifiertest.Token{Subject: "svc", Scope: "read"})
	long := strings.Repeat("a", 129)
	tests := []struct {
		name    string
		g       *testGateway
		inbound string
		keep    bool
	}{
		{"trusted proxy, valid id", trusted, "req-1.A_b", true},
		{"trusted proxy, id of 128 bytes", trusted, long[:128], true},
		{"trusted proxy, id too long", trusted, long, false},
		{"trusted proxy, id with a space", trusted, "a b", false},
		{"trusted proxy, id with a quote", trusted, `a"b`, false},
		{"untrusted client, valid id", untrusted, "req-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, http.DefaultClient, "GET", tt.g.url("/items/"), token, map[string]string{"X-Request-Id": tt.inbound})
			require.Equal(t, http.StatusOK, a.status)
			id := a.header.Get("X-Request-Id")
			if tt.keep {
				assert.Equal(t, tt.inbound, id, "the trusted proxy's request id is kept")
			} else {
				assert.NotEqual(t, tt.inbound, id, "the inbound request id is replaced")
				assert.Regexp(t, "^[0-9a-f]{32}$", id, "a new random request id")
			}
			assert.Equal(t, []string{id}, a.echo.Headers["X-Request-Id"], "the upstream gets the same id, once")
			line := tt.g.logs.accessLine(t, id)
			assert.Equal(t, "svc", line["subject"])
			assert.Equal(t, "/items/", line["path"])
		})
	}
}

func TestAdminEndpoints(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := echoUpstream(t)
	g := startGateway(t, configText(settings{issuer: iss, upstream: up.URL}))
	require.Eventually(t, func() bool {
		status, _ := get(t, g.adminURL("/readyz"))
		return status == http.StatusOK
	}, 10*time.Second, 5*time.Millisecond, "/readyz never turned ready")
	status, body := get(t, g.adminURL("/healthz"))
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ok\n", body)

	token := iss.MustMint(t, verifiertest.Token{Scope: "read"})
	for range 3 {
		a := send(t, http.DefaultClient, "GET", g.url("/items/"), token, nil)
		require.Equal(t, http.StatusOK, a.status)
		g.logs.accessLine(t, a.header.Get("X-Request-Id"))
	}
	a := send(t, http.DefaultClient, "GET", g.url("/items/"), "", nil)
	require.Equal(t, http.StatusUnauthorized, a.status)
	g.logs.accessLine(t, a.header.Get("X-Request-Id"))

	status, body = get(t, g.adminURL("/metrics"))
	require.Equal(t, http.StatusOK, status)
	for _, want := range []string{
		`jwtgate_requests_total{outcome="allowed"} 3`,
		`jwtgate_requests_total{outcome="no_credentials"} 1`,
		`jwtgate_request_duration_seconds_count{outcome="allowed"} 3`,
		`jwtgate_upstream_duration_seconds_count 3`,
		fmt.Sprintf(`jwtgate_key_fetches_total{issuer=%q,result="updated"} 1`, iss.URL),
		`jwtgate_config_reloads_total{result="success"} 0`,
		`jwtgate_config_reloads_total{result="failure"} 0`,
		`jwtgate_config_last_reload_success_timestamp_seconds `,
		`go_goroutines `,
	} {
		assert.Contains(t, body, want, "/metrics")
	}
	assert.NotContains(t, body, token, "/metrics shows a token")
}
