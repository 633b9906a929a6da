package echomw_test

// Echo-specific behaviour. What every adapter must answer alike is checked
// by the conformance table of package bearertest; this file checks how the
// answers travel through Echo: as *echo.HTTPError through middleware and
// HTTPErrorHandler, and claims in the request context.

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/echomw"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

var echoTestNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func echoTestClock() time.Time { return echoTestNow }

// lookups counts key lookups: one for every well-formed token of a trusted
// issuer the verifier checks.
type lookups struct {
	jwks.Source
	n atomic.Int64
}

func (l *lookups) Keys(ctx context.Context, q jwks.Query) ([]*jwks.Key, error) {
	l.n.Add(1)
	return l.Source.Keys(ctx, q)
}

// echoFixture is an issuer, a verifier trusting it (with counted key
// lookups) and a verifier whose JWKS endpoint answers 500.
type echoFixture struct {
	iss     *verifiertest.Issuer
	v       *verifier.Verifier
	lookups *lookups
	down    *verifier.Verifier
}

func newEchoFixture(t *testing.T) *echoFixture {
	t.Helper()
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: echoTestClock})
	cfg := iss.VerifierConfig()
	l := &lookups{Source: cfg.Keys}
	cfg.Keys = l
	v, err := verifier.New(cfg)
	require.NoError(t, err, "verifier.New(iss.VerifierConfig())")

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	src, err := jwks.NewRemote(jwks.RemoteConfig{URL: srv.URL, HTTPClient: srv.Client(), Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err, "jwks.NewRemote(URL: %s)", srv.URL)
	t.Cleanup(func() { _ = src.Close() })
	down, err := verifier.New(verifier.Config{
		Issuers: []string{iss.URL}, Audiences: []string{iss.Audience()}, Keys: src, Now: echoTestClock,
	})
	require.NoError(t, err, "verifier.New over a JWKS endpoint answering 500")
	return &echoFixture{iss: iss, v: v, lookups: l, down: down}
}

func (f *echoFixture) middleware(t *testing.T, v *verifier.Verifier, opts echomw.Options) *echomw.Middleware {
	t.Helper()
	m, err := echomw.New(v, opts)
	require.NoError(t, err, "echomw.New(v, %+v)", opts)
	return m
}

// verifierFor returns the verifier tc runs against: the one whose key
// source is down, or the working one.
func (f *echoFixture) verifierFor(tc echoFailure) *verifier.Verifier {
	if tc.down {
		return f.down
	}
	return f.v
}

func (f *echoFixture) mint(t *testing.T, tok verifiertest.Token) string {
	return f.iss.MustMint(t, tok)
}

func getWith(authorization ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/r", nil)
	for _, a := range authorization {
		r.Header.Add("Authorization", a)
	}
	return r
}

// echoFailure is a failing request and what Echo's error handler must get.
type echoFailure struct {
	name      string
	down      bool
	guard     scopes.Requirement // zero: Authenticate only
	auth      []string
	status    int
	reason    error // errors.Is(HTTPError.Internal, reason)
	challenge string
	retry     string
}

func echoFailures(t *testing.T, f *echoFixture) []echoFailure {
	good := f.mint(t, verifiertest.Token{Scope: "read"})
	return []echoFailure{
		{name: "no token", status: 401, reason: bearer.ErrNoCredentials, challenge: `Bearer realm="api"`},
		{name: "expired", auth: []string{"Bearer " + f.mint(t, verifiertest.Token{ExpiresIn: -time.Hour})},
			status: 401, reason: verifier.ErrExpired,
			challenge: `Bearer realm="api", error="invalid_token", error_description="token expired"`},
		{name: "wrong audience", auth: []string{"Bearer " + f.mint(t, verifiertest.Token{Audience: []string{"https://elsewhere.test"}})},
			status: 401, reason: verifier.ErrAudience,
			challenge: `Bearer realm="api", error="invalid_token", error_description="audience not accepted"`},
		{name: "malformed", auth: []string{"Bearer not.a.jwt"}, status: 401, reason: verifier.ErrMalformed,
			challenge: `Bearer realm="api", error="invalid_token", error_description="malformed token"`},
		{name: "two Authorization headers", auth: []string{"Bearer " + good, "Bearer " + good},
			status: 400, reason: bearer.ErrInvalidRequest,
			challenge: `Bearer realm="api", error="invalid_request", error_description="more than one Authorization header"`},
		{name: "insufficient scope", guard: scopes.AllOf("read", "write"), auth: []string{"Bearer " + good},
			status: 403, reason: scopes.ErrInsufficientScope,
			challenge: `Bearer realm="api", error="insufficient_scope", scope="read write"`},
		{name: "keys unavailable", down: true, auth: []string{"Bearer " + good},
			status: 503, reason: verifier.ErrKeysUnavailable, retry: "30"},
	}
}

// newEchoApp returns an Echo app serving GET /r behind Authenticate, or
// behind Require(guard) when guard has scopes, and a counter of handler
// runs.
func newEchoApp(m *echomw.Middleware, guard scopes.Requirement) (*echo.Echo, *atomic.Int64) {
	var ran atomic.Int64
	e := echo.New()
	mw := m.Authenticate
	if len(guard.Scopes()) > 0 {
		mw = m.Require(guard)
	}
	e.GET("/r", func(c echo.Context) error {
		ran.Add(1)
		return c.String(http.StatusOK, "ok")
	}, mw)
	return e, &ran
}

// A custom HTTPErrorHandler that honours *echo.HTTPError.Code keeps the
// status, finds the cause in Internal and sees the headers already set.
func TestCustomHTTPErrorHandler(t *testing.T) {
	f := newEchoFixture(t)
	for _, tc := range echoFailures(t, f) {
		t.Run(tc.name, func(t *testing.T) {
			v := f.verifierFor(tc)
			e, ran := newEchoApp(f.middleware(t, v, echomw.Options{Options: bearer.Options{Realm: "api"}}), tc.guard)

			var (
				calls                int
				got                  error
				challenge, retryHdr  string
				committedBeforeWrite bool
			)
			e.HTTPErrorHandler = func(err error, c echo.Context) {
				calls++
				got = err
				challenge = c.Response().Header().Get("WWW-Authenticate")
				retryHdr = c.Response().Header().Get("Retry-After")
				committedBeforeWrite = c.Response().Committed
				code := http.StatusInternalServerError
				var he *echo.HTTPError
				if errors.As(err, &he) {
					code = he.Code
				}
				_ = c.JSON(code, map[string]string{"app_error": http.StatusText(code)})
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, getWith(tc.auth...))

			require.Equal(t, 1, calls, "GET /r (%s): calls of e.HTTPErrorHandler", tc.name)
			var he *echo.HTTPError
			require.True(t, errors.As(got, &he), "GET /r (%s): e.HTTPErrorHandler got %T %v, want *echo.HTTPError", tc.name, got, got)
			assert.Equal(t, tc.status, he.Code, "GET /r (%s): HTTPError.Code", tc.name)
			assert.ErrorIs(t, he.Internal, tc.reason, "GET /r (%s): HTTPError.Internal", tc.name)
			assert.ErrorIs(t, got, tc.reason, "GET /r (%s): the error itself, through HTTPError.Unwrap", tc.name)
			assert.False(t, committedBeforeWrite, "GET /r (%s): response committed before e.HTTPErrorHandler ran", tc.name)
			assert.Equal(t, tc.challenge, challenge, "GET /r (%s): WWW-Authenticate when e.HTTPErrorHandler ran", tc.name)
			assert.Equal(t, tc.retry, retryHdr, "GET /r (%s): Retry-After when e.HTTPErrorHandler ran", tc.name)

			assert.Equal(t, tc.status, rec.Code, "GET /r (%s): status written by the custom handler", tc.name)
			assert.Equal(t, tc.challenge, rec.Header().Get("WWW-Authenticate"), "GET /r (%s): WWW-Authenticate sent", tc.name)
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "GET /r (%s): Cache-Control sent", tc.name)
			assert.JSONEq(t, `{"app_error":"`+http.StatusText(tc.status)+`"}`, rec.Body.String(), "GET /r (%s): body of the custom handler", tc.name)
			assert.Zero(t, ran.Load(), "GET /r (%s): handler runs", tc.name)
		})
	}
}

// Middleware registered before the auth middleware receives its error, as
// with any Echo middleware that fails.
func TestErrorReachesOuterMiddleware(t *testing.T) {
	f := newEchoFixture(t)
	for _, tc := range echoFailures(t, f) {
		t.Run(tc.name, func(t *testing.T) {
			v := f.verifierFor(tc)
			m := f.middleware(t, v, echomw.Options{Options: bearer.Options{Realm: "api"}})
			e := echo.New()
			var seen []error
			e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
				return func(c echo.Context) error {
					err := next(c)
					seen = append(seen, err)
					return err
				}
			})
			e.Use(m.Authenticate)
			var ran atomic.Int64
			e.GET("/r", func(c echo.Context) error { ran.Add(1); return c.NoContent(http.StatusOK) }, m.Require(tc.guard))
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, getWith(tc.auth...))

			require.Len(t, seen, 1, "GET /r (%s): errors seen by the outer middleware", tc.name)
			assert.ErrorIs(t, seen[0], tc.reason, "GET /r (%s): error seen by the outer middleware", tc.name)
			assert.Equal(t, tc.status, rec.Code, "GET /r (%s): status from Echo's default error handler", tc.name)
			assert.Zero(t, ran.Load(), "GET /r (%s): handler runs", tc.name)
		})
	}
}

// Echo's default error handler writes exactly what the net/http adapter
// writes.
func TestDefaultHTTPErrorHandlerMatchesNetHTTP(t *testing.T) {
	f := newEchoFixture(t)
	for _, tc := range echoFailures(t, f) {
		t.Run(tc.name, func(t *testing.T) {
			v := f.verifierFor(tc)
			e, _ := newEchoApp(f.middleware(t, v, echomw.Options{Options: bearer.Options{Realm: "api"}}), tc.guard)
			got := httptest.NewRecorder()
			e.ServeHTTP(got, getWith(tc.auth...))

			n, err := nethttp.New(v, nethttp.Options{Options: bearer.Options{Realm: "api"}})
			require.NoError(t, err, "nethttp.New")
			ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
			h := n.Authenticate(ok)
			if len(tc.guard.Scopes()) > 0 {
				h = n.Require(tc.guard)(ok)
			}
			want := httptest.NewRecorder()
			h.ServeHTTP(want, getWith(tc.auth...))

			assert.Equal(t, want.Code, got.Code, "GET /r (%s): Echo status, want the net/http one", tc.name)
			assert.Equal(t, want.Header(), got.Header(), "GET /r (%s): Echo headers, want the net/http ones", tc.name)
			assert.Equal(t, want.Body.String(), got.Body.String(), "GET /r (%s): Echo body, want the net/http one", tc.name)
			assert.Equal(t, tc.status, got.Code, "GET /r (%s): status", tc.name)
		})
	}
}

// Echo indents JSON when asked with ?pretty or in Debug mode, also for our
// error bodies (documented in the package). Status and headers stay; the
// JSON is the same.
func TestDefaultHTTPErrorHandlerPretty(t *testing.T) {
	f := newEchoFixture(t)
	m := f.middleware(t, f.v, echomw.Options{Options: bearer.Options{Realm: "api"}})
	expired := f.mint(t, verifiertest.Token{ExpiresIn: -time.Hour})
	const plain = `{"error":"invalid_token","error_description":"token expired"}` + "\n"
	for _, tc := range []struct {
		name   string
		debug  bool
		target string
	}{
		{"plain", false, "/r"},
		{"pretty query parameter", false, "/r?pretty"},
		{"debug mode", true, "/r"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := newEchoApp(m, scopes.Requirement{})
			e.Debug = tc.debug
			r := httptest.NewRequest(http.MethodGet, tc.target, nil)
			r.Header.Set("Authorization", "Bearer "+expired)
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, r)

			assert.Equal(t, http.StatusUnauthorized, rec.Code, "GET %s (debug %v): status", tc.target, tc.debug)
			assert.Equal(t, `Bearer realm="api", error="invalid_token", error_description="token expired"`,
				rec.Header().Get("WWW-Authenticate"), "GET %s (debug %v): WWW-Authenticate", tc.target, tc.debug)
			assert.JSONEq(t, plain, rec.Body.String(), "GET %s (debug %v): body", tc.target, tc.debug)
			if !tc.debug && !strings.Contains(tc.target, "pretty") {
				assert.Equal(t, plain, rec.Body.String(), "GET %s: exact body", tc.target)
			}
		})
	}
}

// With Options.ErrorHandler, that handler answers, and what it returns (here
// the cause itself) goes on to Echo's HTTPErrorHandler, which writes
// nothing over the committed answer.
func TestOptionsErrorHandler(t *testing.T) {
	f := newEchoFixture(t)
	for _, tc := range echoFailures(t, f) {
		t.Run(tc.name, func(t *testing.T) {
			v := f.verifierFor(tc)
			var got []error
			m := f.middleware(t, v, echomw.Options{Options: bearer.Options{Realm: "api"}, ErrorHandler: func(c echo.Context, err error) error {
				got = append(got, err)
				c.Response().Header().Set("X-Path", c.Request().URL.Path)
				if werr := c.String(http.StatusTeapot, "custom\n"); werr != nil {
					return werr
				}
				return err
			}})
			e, ran := newEchoApp(m, tc.guard)
			echoHandlerCalls := 0
			e.HTTPErrorHandler = func(err error, c echo.Context) {
				echoHandlerCalls++
				e.DefaultHTTPErrorHandler(err, c)
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, getWith(tc.auth...))

			// The error still reaches Echo (for logging middleware), but the
			// default handler writes nothing over the committed answer.
			assert.Equal(t, 1, echoHandlerCalls, "GET /r (%s): calls of e.HTTPErrorHandler with Options.ErrorHandler", tc.name)
			require.Len(t, got, 1, "GET /r (%s): calls of Options.ErrorHandler", tc.name)
			assert.ErrorIs(t, got[0], tc.reason, "GET /r (%s): error given to Options.ErrorHandler", tc.name)
			var he *echo.HTTPError
			assert.False(t, errors.As(got[0], &he), "GET /r (%s): Options.ErrorHandler got an *echo.HTTPError, want the plain cause", tc.name)
			assert.Equal(t, http.StatusTeapot, rec.Code, "GET /r (%s): status", tc.name)
			assert.Equal(t, "custom\n", rec.Body.String(), "GET /r (%s): body", tc.name)
			assert.Equal(t, "/r", rec.Header().Get("X-Path"), "GET /r (%s): header set by Options.ErrorHandler", tc.name)
			assert.Empty(t, rec.Header().Values("WWW-Authenticate"), "GET /r (%s): WWW-Authenticate beside a custom answer", tc.name)
			assert.Zero(t, ran.Load(), "GET /r (%s): handler runs", tc.name)

			// Called directly, the middleware returns what
			// Options.ErrorHandler returned (the cause), after it committed
			// the response.
			c := e.NewContext(getWith(tc.auth...), httptest.NewRecorder())
			mw := m.Authenticate
			if len(tc.guard.Scopes()) > 0 {
				mw = m.Require(tc.guard)
			}
			err := mw(func(echo.Context) error { return errors.New("next must not run") })(c)
			assert.ErrorIs(t, err, tc.reason, "middleware(next)(c) (%s): the error Options.ErrorHandler returned", tc.name)
			assert.False(t, errors.As(err, &he), "middleware(next)(c) (%s) returned an *echo.HTTPError, want the one Options.ErrorHandler returned", tc.name)
			assert.True(t, c.Response().Committed, "middleware(next)(c) (%s): response committed by Options.ErrorHandler", tc.name)
		})
	}
}

// Called directly without Options.ErrorHandler, the middleware returns an
// *echo.HTTPError whose Message is the JSON body, has set the headers, and
// has written nothing.
func TestMiddlewareReturnsHTTPError(t *testing.T) {
	f := newEchoFixture(t)
	m := f.middleware(t, f.v, echomw.Options{Options: bearer.Options{Realm: "api"}})
	e := echo.New()
	rec := httptest.NewRecorder()
	c := e.NewContext(getWith("Bearer "+f.mint(t, verifiertest.Token{ExpiresIn: -time.Hour})), rec)

	err := m.Authenticate(func(echo.Context) error { return errors.New("next must not run") })(c)
	var he *echo.HTTPError
	require.True(t, errors.As(err, &he), "Authenticate(next)(c) with an expired token = %T %v, want *echo.HTTPError", err, err)
	assert.Equal(t, http.StatusUnauthorized, he.Code, "HTTPError.Code")
	msg, ok := he.Message.(json.Marshaler)
	require.True(t, ok, "HTTPError.Message is %T, want a json.Marshaler so Echo writes it as is", he.Message)
	b, err := msg.MarshalJSON()
	require.NoError(t, err, "HTTPError.Message.MarshalJSON()")
	assert.JSONEq(t, `{"error":"invalid_token","error_description":"token expired"}`, string(b), "HTTPError.Message")
	assert.ErrorIs(t, he.Internal, verifier.ErrExpired, "HTTPError.Internal")
	var vErr *verifier.Error
	assert.True(t, errors.As(he.Internal, &vErr), "HTTPError.Internal is %T, want *verifier.Error", he.Internal)
	assert.Equal(t, `Bearer realm="api", error="invalid_token", error_description="token expired"`,
		c.Response().Header().Get("WWW-Authenticate"), "WWW-Authenticate after Authenticate(next)(c)")
	assert.False(t, c.Response().Committed, "response committed by Authenticate(next)(c), want Echo's error handler to write it")
	assert.Empty(t, rec.Body.String(), "body written by Authenticate(next)(c)")
}

// setRecorder is an echo.Context that records c.Set calls.
type setRecorder struct {
	echo.Context
	keys *[]string
}

func (s setRecorder) Set(key string, val any) {
	*s.keys = append(*s.keys, key)
	s.Context.Set(key, val)
}

// Claims live in the request context; the middleware stores nothing with
// c.Set. Authenticate then Require verifies once.
func TestClaimsInRequestContext(t *testing.T) {
	f := newEchoFixture(t)
	m := f.middleware(t, f.v, echomw.Options{Options: bearer.Options{Realm: "api"}})
	e := echo.New()
	var keys []string
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { return next(setRecorder{Context: c, keys: &keys}) }
	})
	e.Use(m.Authenticate)
	var (
		fromCtx, fromHelper *verifier.Claims
		ctxOK, helperOK     bool
	)
	e.GET("/r", func(c echo.Context) error {
		fromCtx, ctxOK = verifier.FromContext(c.Request().Context())
		fromHelper, helperOK = echomw.ClaimsFrom(c)
		return c.NoContent(http.StatusNoContent)
	}, m.Require(scopes.AllOf("read")))

	before := f.lookups.n.Load()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, getWith("Bearer "+f.mint(t, verifiertest.Token{Subject: "svc", Scope: "read"})))

	require.Equal(t, http.StatusNoContent, rec.Code, "GET /r with a valid token: status; body %s", rec.Body)
	require.True(t, ctxOK, "verifier.FromContext(c.Request().Context()) in the handler: no claims")
	require.True(t, helperOK, "echomw.ClaimsFrom(c) in the handler: no claims")
	assert.Equal(t, "svc", fromCtx.Subject(), "subject of the claims in the request context")
	assert.Same(t, fromCtx, fromHelper, "echomw.ClaimsFrom(c), want the claims of the request context")
	assert.Empty(t, keys, "keys stored with c.Set by the middleware")
	assert.Equal(t, int64(1), f.lookups.n.Load()-before, "key lookups for Authenticate + Require, want one verification")
}

func TestClaimsFromWithoutClaims(t *testing.T) {
	e := echo.New()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
	claims, ok := echomw.ClaimsFrom(c)
	assert.False(t, ok, "echomw.ClaimsFrom on a context without claims: ok")
	assert.Nil(t, claims, "echomw.ClaimsFrom on a context without claims: claims")
}

// Authenticate and Require are echo.MiddlewareFunc, usable with e.Use,
// groups and routes.
func TestMiddlewareFuncs(t *testing.T) {
	f := newEchoFixture(t)
	m := f.middleware(t, f.v, echomw.Options{Options: bearer.Options{Realm: "api"}})
	var (
		_ echo.MiddlewareFunc = m.Authenticate
		_ echo.MiddlewareFunc = m.Require(scopes.AllOf("write"))
		_ echo.MiddlewareFunc = m.Require(scopes.AnyOf("read", "write"))
	)

	e := echo.New()
	e.GET("/public", func(c echo.Context) error { return c.String(http.StatusOK, "public") })
	api := e.Group("/api", m.Authenticate)
	api.GET("/items", func(c echo.Context) error {
		claims, _ := echomw.ClaimsFrom(c)
		return c.String(http.StatusOK, "items for "+claims.Subject())
	})
	api.POST("/items", func(c echo.Context) error { return c.NoContent(http.StatusCreated) }, m.Require(scopes.AllOf("write")))

	reader := "Bearer " + f.mint(t, verifiertest.Token{Subject: "reader", Scope: "read"})
	writer := "Bearer " + f.mint(t, verifiertest.Token{Subject: "writer", Scope: "write"})
	for _, tc := range []struct {
		method, path, who, auth string
		status                  int
		body                    string
	}{
		{http.MethodGet, "/public", "anonymous", "", http.StatusOK, "public"},
		{http.MethodGet, "/api/items", "anonymous", "", http.StatusUnauthorized, "{}\n"},
		{http.MethodGet, "/api/items", "reader", reader, http.StatusOK, "items for reader"},
		{http.MethodPost, "/api/items", "reader", reader, http.StatusForbidden, `{"error":"insufficient_scope","scope":"write"}` + "\n"},
		{http.MethodPost, "/api/items", "writer", writer, http.StatusCreated, ""},
		{http.MethodGet, "/api/unknown", "anonymous", "", http.StatusUnauthorized, "{}\n"},
		{http.MethodGet, "/api/unknown", "reader", reader, http.StatusNotFound, `{"message":"Not Found"}` + "\n"},
	} {
		t.Run(tc.method+" "+tc.path+" as "+tc.who, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, r)
			assert.Equal(t, tc.status, rec.Code, "%s %s as %s: status", tc.method, tc.path, tc.who)
			assert.Equal(t, tc.body, rec.Body.String(), "%s %s as %s: body", tc.method, tc.path, tc.who)
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	f := newEchoFixture(t)
	for _, tc := range []struct {
		name string
		v    *verifier.Verifier
		opts echomw.Options
	}{
		{"nil verifier", nil, echomw.Options{}},
		{"realm with a newline", f.v, echomw.Options{Options: bearer.Options{Realm: "api\n"}}},
		{"scheme with a space", f.v, echomw.Options{Options: bearer.Options{Schemes: []string{"Bear er"}}}},
		{"empty scheme", f.v, echomw.Options{Options: bearer.Options{Schemes: []string{""}}}},
		{"cookie name with a semicolon", f.v, echomw.Options{Options: bearer.Options{Cookie: "a;b"}}},
		{"retry-after below a second", f.v, echomw.Options{Options: bearer.Options{RetryAfter: 500 * time.Millisecond}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := echomw.New(tc.v, tc.opts)
			require.Error(t, err, "echomw.New(%s) = %v, want an error", tc.name, m)
			assert.Nil(t, m, "echomw.New(%s): middleware beside the error", tc.name)
			assert.True(t, strings.HasPrefix(err.Error(), "echomw: "), "echomw.New(%s) error = %q, want the prefix \"echomw: \"", tc.name, err)
		})
	}
	m, err := echomw.New(f.v, echomw.Options{})
	require.NoError(t, err, "echomw.New(v, zero Options)")
	require.NotNil(t, m, "echomw.New(v, zero Options)")
}

// ClaimsAs decodes the claims a middleware stored into the handler's own
// type, and reports verifier.ErrNoClaims where there are none.
func TestClaimsAs(t *testing.T) {
	f := newEchoFixture(t)
	type tenant struct {
		Subject  string `json:"sub"`
		TenantID string `json:"tenant_id"`
	}
	m := f.middleware(t, f.v, echomw.Options{Options: bearer.Options{Optional: true}})
	var got tenant
	var gotErr error
	e := echo.New()
	e.GET("/r", func(c echo.Context) error {
		got, gotErr = echomw.ClaimsAs[tenant](c)
		return c.NoContent(http.StatusNoContent)
	}, m.Authenticate)

	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, getWith("Bearer "+f.mint(t, verifiertest.Token{Subject: "svc", Claims: map[string]any{"tenant_id": "t-1"}})))
	require.Equal(t, http.StatusNoContent, rec.Code, "GET /r with a valid token")
	require.NoError(t, gotErr, "ClaimsAs[tenant] behind Authenticate")
	assert.Equal(t, tenant{Subject: "svc", TenantID: "t-1"}, got, "ClaimsAs[tenant] behind Authenticate")

	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, getWith())
	require.Equal(t, http.StatusNoContent, rec.Code, "GET /r without a token, optional")
	assert.ErrorIs(t, gotErr, verifier.ErrNoClaims, "ClaimsAs[tenant] after optional Authenticate without a token")
	assert.Zero(t, got, "ClaimsAs[tenant] without claims")

	_, err := echomw.ClaimsAs[tenant](e.NewContext(nil, httptest.NewRecorder()))
	assert.ErrorIs(t, err, verifier.ErrNoClaims, "ClaimsAs[tenant] on a context without a request")
}
