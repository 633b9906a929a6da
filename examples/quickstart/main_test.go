package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

func TestSelfTestPasses(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-selftest"}, &out)
	require.NoError(t, err, "run -selftest; output:\n%s", out.String())
	assert.Contains(t, out.String(), "self-test requests answered as expected")
	assert.NotContains(t, out.String(), "FAIL")
	for _, path := range []string{"/oauth2/token", "/api-token-auth/", "/items", "/cameras", "/ledger"} {
		assert.Contains(t, out.String(), " "+path+" ", "run -selftest sends a request to %s; output:\n%s", path, out.String())
	}
}

// readyWriter records the output of a run and closes ready once the run
// says it is serving.
type readyWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
	once  sync.Once
}

func newReadyWriter() *readyWriter { return &readyWriter{ready: make(chan struct{})} }

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), "Press Ctrl-C") {
		w.once.Do(func() { close(w.ready) })
	}
	return n, err
}

func (w *readyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// serve runs the quickstart with args until the test ends, and returns its
// output once it is serving.
func serve(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := newReadyWriter()
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, out) }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done, "run %v after cancelling", args)
	})
	select {
	case <-out.ready:
	case err := <-done:
		done <- err
		require.FailNow(t, "run stopped before serving", "run %v = %v; output:\n%s", args, err, out.String())
	}
	return out.String()
}

// TestDemoCommandsWork runs the commands the demo prints, as a shell would
// but with net/http: each style's token request, then the API call with
// the token.
func TestDemoCommandsWork(t *testing.T) {
	s := serve(t, "-addr", "127.0.0.1:0")
	assert.Contains(t, s, "API listening on http://127.0.0.1:")

	var token string
	type call struct {
		line   string
		status int
		body   string
	}
	var calls []call
	tokens := 0
	for _, line := range strings.Split(s, "\n") {
		switch {
		case strings.HasPrefix(line, "TOKEN=$("):
			token = tokenFrom(t, line)
			tokens++
		case strings.HasPrefix(line, "curl "):
			status, body := curl(t, strings.ReplaceAll(line, "$TOKEN", token))
			calls = append(calls, call{line, status, body})
		}
	}
	assert.Equal(t, 4, tokens, "token commands printed, one per issuer style:\n%s", s)
	want := []struct {
		status int
		body   string
	}{
		{201, "item created by " + verifiertest.DemoDroneMappingClient},
		{200, "items for " + verifiertest.DemoTravelClient},
		{200, "cameras for " + verifiertest.DemoCameraCatalogueClient},
		{200, "ledger of " + verifiertest.DemoGeoFinanceClient},
		{401, "{}"},
	}
	require.Len(t, calls, len(want), "API calls printed:\n%s", s)
	for n, w := range want {
		assert.Equal(t, w.status, calls[n].status, "status of %s; body %s", calls[n].line, calls[n].body)
		assert.Contains(t, calls[n].body, w.body, "body of %s", calls[n].line)
	}
}

// tokenFrom performs TOKEN=$(...) and returns the token.
func tokenFrom(t *testing.T, line string) string {
	t.Helper()
	inner, ok := strings.CutPrefix(line, "TOKEN=$(")
	require.True(t, ok && strings.HasSuffix(inner, ")"), "a line %q of the form TOKEN=$(...)", line)
	inner = strings.TrimSuffix(inner, ")")
	if rest, ok := strings.CutPrefix(inner, "go run ./examples/quickstart "); ok {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), shellWords(t, rest), &out), "quickstart %s", rest)
		return strings.TrimSpace(out.String())
	}
	curlPart, sedPart, ok := strings.Cut(inner, " | ")
	require.True(t, ok, "a pipe from curl to sed in %q", line)
	sed := shellWords(t, sedPart)
	require.Len(t, sed, 3, "sed -E EXPR in %q", sedPart)
	require.Equal(t, []string{"sed", "-E"}, sed[:2], "sed -E in %q", sedPart)
	expr, ok := strings.CutPrefix(sed[2], "s/")
	require.True(t, ok, "sed expression %q starts with s/", sed[2])
	pattern, ok := strings.CutSuffix(expr, `/\1/`)
	require.True(t, ok, "sed expression %q ends with /\\1/", sed[2])
	status, body := curl(t, curlPart)
	require.Equal(t, http.StatusOK, status, "%s: status; body %s", curlPart, body)
	m := regexp.MustCompile(pattern).FindStringSubmatch(strings.TrimSpace(body))
	require.Len(t, m, 2, "sed pattern %q on %s", pattern, body)
	return m[1]
}

// curl performs a curl command line with the options the demo prints.
func curl(t *testing.T, line string) (int, string) {
	t.Helper()
	words := shellWords(t, line)
	require.Equal(t, "curl", words[0], "a curl command: %q", line)
	var (
		method, target, user string
		data                 []string
		header               = http.Header{}
	)
	for n := 1; n < len(words); n++ {
		arg := func() string {
			n++
			require.Less(t, n, len(words), "an argument after %s in %q", words[n-1], line)
			return words[n]
		}
		switch w := words[n]; w {
		case "-s", "-i":
		case "-X":
			method = arg()
		case "-d":
			data = append(data, arg())
		case "-u":
			user = arg()
		case "-H":
			name, value, ok := strings.Cut(arg(), ": ")
			require.True(t, ok, "a header Name: value in %q", line)
			header.Add(name, value)
		default:
			require.False(t, strings.HasPrefix(w, "-"), "option %s of %q is not one the demo prints", w, line)
			target = w
		}
	}
	var body io.Reader
	if data != nil {
		body = strings.NewReader(strings.Join(data, "&"))
		header.Set("Content-Type", "application/x-www-form-urlencoded")
		if method == "" {
			method = "POST"
		}
	}
	if method == "" {
		method = "GET"
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(t, err, "http.NewRequest for %q", line)
	req.Header = header
	if user != "" {
		id, secret, ok := strings.Cut(user, ":")
		require.True(t, ok, "-u id:secret in %q", line)
		req.SetBasicAuth(id, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err, "performing %q", line)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "reading the answer to %q", line)
	return resp.StatusCode, string(b)
}

// shellWords splits a command line as a shell does, for the quoting the
// demo prints: words separated by spaces, single or double quotes around
// a part of a word, no escapes.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	var word strings.Builder
	inWord := false
	var quote rune
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			require.NotContains(t, `\$|;&<>()`+"`", string(r), "a character the test's shell does not interpret in %q", line)
			word.WriteRune(r)
			inWord = true
		}
	}
	require.Zero(t, quote, "an unclosed quote in %q", line)
	if inWord {
		words = append(words, word.String())
	}
	return words
}

func TestMintClientTokenFlag(t *testing.T) {
	clients := verifiertest.DemoClients()
	geo := clients[geoClient]
	keys, err := jwks.SecretsByIssuer(map[string][]byte{geo.ID: []byte(geo.Secret)})
	require.NoError(t, err, "jwks.SecretsByIssuer")
	v, err := verifier.New(verifier.Config{Issuers: keys.Issuers(), Audiences: []string{ledgerAudience}, Keys: keys, Algorithms: []string{"HS256"}})
	require.NoError(t, err, "verifier.New")

	var out bytes.Buffer
	args := []string{"-mint-client-token", "-client-id", geo.ID, "-client-secret", geo.Secret, "-audience", ledgerAudience, "-expires-in", "2m"}
	require.NoError(t, run(context.Background(), args, &out), "run -mint-client-token")
	claims, err := v.Verify(context.Background(), strings.TrimSpace(out.String()))
	require.NoError(t, err, "Verify(the printed token)")
	assert.Equal(t, geo.ID, claims.Issuer(), "iss")
	assert.Equal(t, geo.ID, claims.Subject(), "sub")
	assert.Equal(t, 2*time.Minute, claims.ExpiresAt().Sub(claims.IssuedAt()), "exp - iat with -expires-in 2m")
	assert.NotContains(t, out.String(), geo.Secret, "the output repeats the secret")

	for _, bad := range [][]string{
		{"-mint-client-token", "-client-secret", "s", "-audience", "a"},
		{"-mint-client-token", "-client-id", "c", "-audience", "a"},
		{"-mint-client-token", "-client-id", "c", "-client-secret", "s"},
		{"-mint-client-token", "-client-id", "c", "-client-secret", "s", "-audience", "a", "-expires-in", "-1m"},
	} {
		err := run(context.Background(), bad, &bytes.Buffer{})
		assert.Error(t, err, "run %v", bad)
	}
}

func TestRealIssuerFlags(t *testing.T) {
	err := run(context.Background(), []string{"-issuer", "https://auth.example.com"}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "-audience", "-issuer without -audience")

	err = run(context.Background(), []string{"-issuer", "https://auth.example.com", "-audience", "api", "-selftest"}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "demo issuer", "-selftest with a real issuer")

	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	s := serve(t, "-issuer", iss.URL, "-audience", "api", "-addr", "127.0.0.1:0")
	assert.Contains(t, s, "Trusting issuer "+iss.URL)
	assert.Equal(t, 1, iss.JWKSRequests(), "keys are loaded at start-up to fail fast")
	assert.NotContains(t, s, "TOKEN=", "no demo clients with a real issuer")

	down := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	down.Close()
	err = run(context.Background(), []string{"-issuer", down.URL, "-audience", "api", "-addr", "127.0.0.1:0"}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "cannot load the issuer's keys", "an unreachable issuer fails start-up")
	assert.False(t, errors.Is(err, context.Canceled), "the start-up error is the issuer's, not a cancellation")
}
