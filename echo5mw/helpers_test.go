package echo5mw_test

// Test kit: an issuer with a fixed clock and verifiers trusting it, a router
// builder for Echo v5 and its net/http twin (the shape of the conformance
// table's router builders, so the shared table can run against this
// adapter), the translation of nethttp.Options to echo5mw.Options, and
// wire-level requests against httptest servers.

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/echo5mw"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testClock() time.Time { return testNow }

// fixture is an issuer, a verifier trusting it (counting its Verify calls),
// and a second issuer whose JWKS endpoint is down with a verifier trusting
// it.
type fixture struct {
	iss      *verifiertest.Issuer
	v        *verifier.Verifier
	verifies *atomic.Int64

	downIss *verifiertest.Issuer
	down    *verifier.Verifier
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{verifies: new(atomic.Int64)}
	f.iss = verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: testClock})
	cfg := f.iss.VerifierConfig()
	cfg.OnVerify = func(error) { f.verifies.Add(1) }
	var err error
	f.v, err = verifier.New(cfg)
	require.NoError(t, err, "verifier.New(iss.VerifierConfig())")

	f.downIss = verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: testClock})
	f.downIss.SetFault(verifiertest.FaultDown)
	downCfg := f.downIss.VerifierConfig()
	downCfg.Keys = f.downIss.NewRemote(jwks.RemoteConfig{Logger: slog.New(slog.DiscardHandler)})
	f.down, err = verifier.New(downCfg)
	require.NoError(t, err, "verifier.New for the issuer whose JWKS endpoint is down")
	return f
}

func (f *fixture) mint(t *testing.T, tok verifiertest.Token) string {
	t.Helper()
	return f.iss.MustMint(t, tok)
}

// badSignature returns tok with one character of its signature changed.
func badSignature(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3, "parts of a minted token")
	sig := []byte(parts[2])
	i := len(sig) / 2
	if sig[i] == 'A' {
		sig[i] = 'B'
	} else {
		sig[i] = 'A'
	}
	return parts[0] + "." + parts[1] + "." + string(sig)
}

// layer is one middleware of a router: Authenticate, or Require(req) when
// guard is set; router-wide (e.Use, around the mux) or on the route. Layers
// are listed outermost first, router-wide ones before the route's.
type layer[M any] struct {
	m      M
	guard  bool
	req    scopes.Requirement
	global bool
}

// routes are the paths every router serves, with GET and OPTIONS.
var routes = []string{"/r", "/healthz"}

// final is the body of every router's final handler: it answers with the
// subject of the claims the adapter's ClaimsFrom returned, through the
// plain http.ResponseWriter so that rendering helpers cannot make the
// answers differ.
func final(w http.ResponseWriter, claims *verifier.Claims, ok bool) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if !ok {
		_, _ = io.WriteString(w, "no claims\n")
		return
	}
	_, _ = io.WriteString(w, "sub="+claims.Subject()+"\n")
}

// newEchoRouter returns an Echo v5 router serving routes with GET and
// OPTIONS behind layers, ending in final; the integrator's conformance
// table builds its Echo v5 router the same way.
func newEchoRouter(layers []layer[*echo5mw.Middleware]) *echo.Echo {
	e := echo.New()
	var route []echo.MiddlewareFunc
	for _, l := range layers {
		mw := echo.MiddlewareFunc(l.m.Authenticate)
		if l.guard {
			mw = l.m.Require(l.req)
		}
		if l.global {
			e.Use(mw)
		} else {
			route = append(route, mw)
		}
	}
	h := func(c *echo.Context) error {
		claims, ok := echo5mw.ClaimsFrom(c)
		final(c.Response(), claims, ok)
		return nil
	}
	for _, p := range routes {
		e.GET(p, h, route...)
		e.OPTIONS(p, h, route...)
	}
	return e
}

// newNetHTTPRouter is newEchoRouter for package nethttp.
func newNetHTTPRouter(layers []layer[*nethttp.Middleware]) http.Handler {
	mw := func(l layer[*nethttp.Middleware]) func(http.Handler) http.Handler {
		if l.guard {
			return l.m.Require(l.req)
		}
		return l.m.Authenticate
	}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, ok := nethttp.ClaimsFrom(r)
		final(w, claims, ok)
	})
	for i := len(layers) - 1; i >= 0; i-- {
		if !layers[i].global {
			h = mw(layers[i])(h)
		}
	}
	mux := http.NewServeMux()
	for _, p := range routes {
		mux.Handle("GET "+p, h)
		mux.Handle("OPTIONS "+p, h)
	}
	var root http.Handler = mux
	for i := len(layers) - 1; i >= 0; i-- {
		if layers[i].global {
			root = mw(layers[i])(root)
		}
	}
	return root
}

// optionsFrom translates nethttp options to echo5mw options: the same
// shared settings, the hooks wrapped in Echo's types. The ErrorHandler
// writes its answer and returns nil.
func optionsFrom(o nethttp.Options) echo5mw.Options {
	out := echo5mw.Options{Options: o.Options}
	if skip := o.Skip; skip != nil {
		out.Skip = func(c *echo.Context) bool { return skip(c.Request()) }
	}
	if onError := o.ErrorHandler; onError != nil {
		out.ErrorHandler = func(c *echo.Context, err error) error {
			onError(c.Response(), c.Request(), err)
			return nil
		}
	}
	return out
}

// newEcho5 is echo5mw.New with nethttp options, for tables written in
// them.
func newEcho5(v *verifier.Verifier, o nethttp.Options) (*echo5mw.Middleware, error) {
	return echo5mw.New(v, optionsFrom(o))
}

// answer is what a client received, headers without Date and
// Content-Length.
type answer struct {
	status int
	header http.Header
	body   string
}

// request describes a request to send.
type request struct {
	method string   // "" means GET
	path   string   // "" means /r
	query  string   // raw query, without "?"
	auth   []string // Authorization header lines
	extra  map[string]string
}

func (q request) String() string {
	method, path := q.method, q.path
	if method == "" {
		method = http.MethodGet
	}
	if path == "" {
		path = "/r"
	}
	if q.query != "" {
		path += "?" + q.query
	}
	return method + " " + path
}

// serve starts h on loopback until the test ends and returns its URL.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// send sends q to the server at base and returns the answer.
func send(t *testing.T, base string, q request) answer {
	t.Helper()
	method, target, _ := strings.Cut(q.String(), " ")
	req, err := http.NewRequest(method, base+target, nil)
	require.NoError(t, err, "http.NewRequest for %s", q)
	for _, a := range q.auth {
		req.Header.Add("Authorization", a)
	}
	for k, v := range q.extra {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err, "%s to %s", q, base)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "reading the body of %s", q)
	h := resp.Header.Clone()
	h.Del("Date")
	h.Del("Content-Length")
	return answer{status: resp.StatusCode, header: h, body: string(body)}
}
