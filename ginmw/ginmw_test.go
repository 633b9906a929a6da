package ginmw_test

// Gin-specific behaviour. What every adapter must answer alike is checked
// by the conformance table of package bearertest; this file checks how a
// failure travels through Gin: the chain aborted, the error in c.Errors for
// logging middleware, and claims in the request context rather than c.Keys.

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/ginmw"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

var ginTestNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func ginTestClock() time.Time { return ginTestNow }

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

// ginFixture is an issuer, a verifier trusting it (with counted key
// lookups) and a verifier whose JWKS endpoint answers 500.
type ginFixture struct {
	iss     *verifiertest.Issuer
	v       *verifier.Verifier
	lookups *lookups
	down    *verifier.Verifier
}

func newGinFixture(t *testing.T) *ginFixture {
	t.Helper()
	gin.SetMode(gin.TestMode)
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: ginTestClock})
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
		Issuers: []string{iss.URL}, Audiences: []string{iss.Audience()}, Keys: src, Now: ginTestClock,
	})
	require.NoError(t, err, "verifier.New over a JWKS endpoint answering 500")
	return &ginFixture{iss: iss, v: v, lookups: l, down: down}
}

func (f *ginFixture) middleware(t *testing.T, v *verifier.Verifier, opts ginmw.Options) *ginmw.Middleware {
	t.Helper()
	m, err := ginmw.New(v, opts)
	require.NoError(t, err, "ginmw.New(v, %+v)", opts)
	return m
}

func (f *ginFixture) mint(t *testing.T, tok verifiertest.Token) string {
	return f.iss.MustMint(t, tok)
}

func getWith(authorization ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/r", nil)
	for _, a := range authorization {
		r.Header.Add("Authorization", a)
	}
	return r
}

// chainRecord is what a middleware registered before the auth middleware
// saw after c.Next(), and what ran after the auth middleware.
type chainRecord struct {
	aborted     bool
	errs        []*gin.Error
	keys        int
	laterRan    bool
	handlerRan  bool
	subject     string
	claimsFound bool
	ctxClaims   *verifier.Claims
	helper      *verifier.Claims
}

// newGinApp returns a router serving GET /r through: a recording
// middleware, Authenticate, a later middleware, Require(guard) when guard
// has scopes, and the handler.
func newGinApp(m *ginmw.Middleware, guard scopes.Requirement) (*gin.Engine, *chainRecord) {
	rec := &chainRecord{}
	r := gin.New()
	r.Use(func(c *gin.Context) {
		c.Next()
		rec.aborted = c.IsAborted()
		rec.errs = append([]*gin.Error(nil), c.Errors...)
		rec.keys = len(c.Keys)
	})
	r.Use(m.Authenticate)
	r.Use(func(c *gin.Context) {
		rec.laterRan = true
		c.Next()
	})
	var route []gin.HandlerFunc
	if len(guard.Scopes()) > 0 {
		route = append(route, m.Require(guard))
	}
	route = append(route, func(c *gin.Context) {
		rec.handlerRan = true
		rec.ctxClaims, _ = verifier.FromContext(c.Request.Context())
		rec.helper, rec.claimsFound = ginmw.ClaimsFrom(c)
		if rec.claimsFound {
			rec.subject = rec.helper.Subject()
		}
		c.String(http.StatusOK, "ok")
	})
	r.GET("/r", route...)
	return r, rec
}

// ginFailure is a failing request and what the chain must record.
type ginFailure struct {
	name      string
	down      bool
	guard     scopes.Requirement
	auth      []string
	status    int
	reason    error
	laterRuns bool // the failure comes from Require, after the later middleware
}

func ginFailures(t *testing.T, f *ginFixture) []ginFailure {
	good := f.mint(t, verifiertest.Token{Scope: "read"})
	return []ginFailure{
		{name: "no token", status: 401, reason: bearer.ErrNoCredentials},
		{name: "expired", auth: []string{"Bearer " + f.mint(t, verifiertest.Token{ExpiresIn: -time.Hour})},
			status: 401, reason: verifier.ErrExpired},
		{name: "bad signature", auth: []string{"Bearer " + good[:len(good)-4] + "AAAA"}, status: 401, reason: verifier.ErrSignature},
		{name: "unknown kid", auth: []string{"Bearer " + f.mint(t, verifiertest.Token{Header: map[string]any{"kid": "gone"}})},
			status: 401, reason: verifier.ErrUnknownKey},
		{name: "two Authorization headers", auth: []string{"Bearer " + good, "Bearer " + good},
			status: 400, reason: bearer.ErrInvalidRequest},
		{name: "insufficient scope", guard: scopes.AllOf("read", "write"), auth: []string{"Bearer " + good},
			status: 403, reason: scopes.ErrInsufficientScope, laterRuns: true},
		{name: "keys unavailable", down: true, auth: []string{"Bearer " + good},
			status: 503, reason: verifier.ErrKeysUnavailable},
	}
}

// A failure answers, aborts the chain and records exactly one error.
func TestFailureAbortsAndRecordsError(t *testing.T) {
	f := newGinFixture(t)
	for _, tc := range ginFailures(t, f) {
		t.Run(tc.name, func(t *testing.T) {
			v := f.v
			if tc.down {
				v = f.down
			}
			r, rec := newGinApp(f.middleware(t, v, ginmw.Options{Options: bearer.Options{Realm: "api"}}), tc.guard)
			w := httptest.NewRecorder()
			r.ServeHTTP(w, getWith(tc.auth...))

			assert.Equal(t, tc.status, w.Code, "GET /r (%s): status", tc.name)
			assert.NotEmpty(t, w.Body.String(), "GET /r (%s): body", tc.name)
			assert.True(t, rec.aborted, "GET /r (%s): c.IsAborted() after c.Next()", tc.name)
			assert.False(t, rec.handlerRan, "GET /r (%s): handler ran", tc.name)
			assert.Equal(t, tc.laterRuns, rec.laterRan, "GET /r (%s): middleware after Authenticate ran", tc.name)
			require.Len(t, rec.errs, 1, "GET /r (%s): c.Errors = %v, want one error", tc.name, rec.errs)
			assert.ErrorIs(t, rec.errs[0].Err, tc.reason, "GET /r (%s): c.Errors[0].Err", tc.name)
			assert.Equal(t, gin.ErrorTypePrivate, rec.errs[0].Type, "GET /r (%s): c.Errors[0].Type", tc.name)
			assert.Zero(t, rec.keys, "GET /r (%s): len(c.Keys)", tc.name)
		})
	}
}

// Success leaves c.Errors empty and the claims in the request context, not
// in c.Keys. Authenticate then Require verifies once.
func TestSuccess(t *testing.T) {
	f := newGinFixture(t)
	for _, tc := range []struct {
		name  string
		guard scopes.Requirement
	}{
		{"Authenticate", scopes.Requirement{}},
		{"Authenticate then Require all-of", scopes.AllOf("read", "write")},
		{"Authenticate then Require any-of", scopes.AnyOf("admin", "write")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, rec := newGinApp(f.middleware(t, f.v, ginmw.Options{Options: bearer.Options{Realm: "api"}}), tc.guard)
			before := f.lookups.n.Load()
			w := httptest.NewRecorder()
			r.ServeHTTP(w, getWith("Bearer "+f.mint(t, verifiertest.Token{Subject: "svc", Scope: "read write"})))

			require.Equal(t, http.StatusOK, w.Code, "GET /r (%s) with a valid token: status; body %s", tc.name, w.Body)
			assert.Equal(t, "ok", w.Body.String(), "GET /r (%s): body", tc.name)
			assert.False(t, rec.aborted, "GET /r (%s): c.IsAborted()", tc.name)
			assert.Empty(t, rec.errs, "GET /r (%s): c.Errors", tc.name)
			assert.Zero(t, rec.keys, "GET /r (%s): len(c.Keys), want claims only in the request context", tc.name)
			assert.True(t, rec.laterRan, "GET /r (%s): middleware after Authenticate ran", tc.name)
			require.True(t, rec.claimsFound, "GET /r (%s): ginmw.ClaimsFrom(c) in the handler found no claims", tc.name)
			assert.Equal(t, "svc", rec.subject, "GET /r (%s): subject from ginmw.ClaimsFrom(c)", tc.name)
			assert.Same(t, rec.ctxClaims, rec.helper, "GET /r (%s): ginmw.ClaimsFrom(c), want the claims of c.Request.Context()", tc.name)
			assert.Equal(t, int64(1), f.lookups.n.Load()-before, "GET /r (%s): key lookups, want one verification", tc.name)
		})
	}
}

// Requests that pass without a token record no error: optional
// authentication and skipped paths.
func TestPassWithoutToken(t *testing.T) {
	f := newGinFixture(t)
	for _, tc := range []struct {
		name string
		opts ginmw.Options
		auth []string
	}{
		{"optional, no token", ginmw.Options{Options: bearer.Options{Optional: true}}, nil},
		{"optional, Basic scheme", ginmw.Options{Options: bearer.Options{Optional: true}}, []string{"Basic dXNlcjpwYXNz"}},
		{"skipped, garbage token", ginmw.Options{Skip: func(*gin.Context) bool { return true }}, []string{"Bearer garbage"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, rec := newGinApp(f.middleware(t, f.v, tc.opts), scopes.Requirement{})
			w := httptest.NewRecorder()
			r.ServeHTTP(w, getWith(tc.auth...))

			assert.Equal(t, http.StatusOK, w.Code, "GET /r (%s): status; body %s", tc.name, w.Body)
			assert.True(t, rec.handlerRan, "GET /r (%s): handler ran", tc.name)
			assert.False(t, rec.claimsFound, "GET /r (%s): ginmw.ClaimsFrom(c) found claims", tc.name)
			assert.Empty(t, rec.errs, "GET /r (%s): c.Errors", tc.name)
			assert.False(t, rec.aborted, "GET /r (%s): c.IsAborted()", tc.name)
		})
	}
}

// With Options.ErrorHandler the failure is still recorded and the chain
// aborted; the custom answer is sent.
func TestOptionsErrorHandler(t *testing.T) {
	f := newGinFixture(t)
	var got []error
	m := f.middleware(t, f.v, ginmw.Options{ErrorHandler: func(c *gin.Context, err error) {
		got = append(got, err)
		c.String(http.StatusTeapot, "custom\n")
	}})
	r, rec := newGinApp(m, scopes.Requirement{})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, getWith("Bearer "+f.mint(t, verifiertest.Token{ExpiresIn: -time.Hour})))

	assert.Equal(t, http.StatusTeapot, w.Code, "GET /r with an expired token: status from Options.ErrorHandler")
	assert.Equal(t, "custom\n", w.Body.String(), "GET /r with an expired token: body from Options.ErrorHandler")
	require.Len(t, got, 1, "calls of Options.ErrorHandler")
	assert.ErrorIs(t, got[0], verifier.ErrExpired, "error given to Options.ErrorHandler")
	require.Len(t, rec.errs, 1, "c.Errors = %v, want one error", rec.errs)
	assert.ErrorIs(t, rec.errs[0].Err, verifier.ErrExpired, "c.Errors[0].Err")
	assert.True(t, rec.aborted, "c.IsAborted()")
	assert.False(t, rec.handlerRan, "handler ran")
}

// gin.Logger sees the failure and does not log the token.
func TestLoggerSeesError(t *testing.T) {
	f := newGinFixture(t)
	m := f.middleware(t, f.v, ginmw.Options{Options: bearer.Options{Realm: "api"}})
	for _, tc := range []struct {
		name   string
		token  string
		auth   []string
		status int
		logged string
	}{
		{name: "expired", token: f.mint(t, verifiertest.Token{ExpiresIn: -time.Hour}), status: 401, logged: "verifier: token expired"},
		{name: "wrong audience", token: f.mint(t, verifiertest.Token{Audience: []string{"https://elsewhere.test"}}),
			status: 401, logged: "verifier: audience not accepted"},
		{name: "two headers", token: f.mint(t, verifiertest.Token{}), status: 400,
			logged: "invalid request: more than one Authorization header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			r := gin.New()
			r.Use(gin.LoggerWithWriter(&buf))
			r.GET("/r", m.Authenticate, func(c *gin.Context) { c.Status(http.StatusOK) })
			auth := []string{"Bearer " + tc.token}
			if tc.name == "two headers" {
				auth = append(auth, auth[0])
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, getWith(auth...))

			log := buf.String()
			assert.Equal(t, tc.status, w.Code, "GET /r (%s): status", tc.name)
			assert.Contains(t, log, tc.logged, "GET /r (%s): gin.Logger output, want the error", tc.name)
			assert.Contains(t, log, "Error #01", "GET /r (%s): gin.Logger output, want the error block", tc.name)
			assert.NotContains(t, log, tc.token, "GET /r (%s): gin.Logger output contains the token", tc.name)
			sig := tc.token[strings.LastIndexByte(tc.token, '.')+1:]
			assert.NotContains(t, log, sig, "GET /r (%s): gin.Logger output contains the signature", tc.name)
		})
	}
}

func TestClaimsFromWithoutClaims(t *testing.T) {
	gin.SetMode(gin.TestMode)
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
	claims, ok := ginmw.ClaimsFrom(c)
	assert.False(t, ok, "ginmw.ClaimsFrom on a context without claims: ok")
	assert.Nil(t, claims, "ginmw.ClaimsFrom on a context without claims: claims")
}

// Authenticate and Require are gin.HandlerFunc, usable with Use, groups
// and routes; Require alone authenticates.
func TestHandlerFuncs(t *testing.T) {
	f := newGinFixture(t)
	m := f.middleware(t, f.v, ginmw.Options{Options: bearer.Options{Realm: "api"}})
	var (
		_ gin.HandlerFunc = m.Authenticate
		_ gin.HandlerFunc = m.Require(scopes.AllOf("write"))
		_ gin.HandlerFunc = m.Require(scopes.AnyOf("read", "write"))
	)

	r := gin.New()
	r.GET("/public", func(c *gin.Context) { c.String(http.StatusOK, "public") })
	r.DELETE("/items", m.Require(scopes.AnyOf("admin", "write")), func(c *gin.Context) { c.Status(http.StatusNoContent) })
	api := r.Group("/api", m.Authenticate)
	api.GET("/items", func(c *gin.Context) {
		claims, _ := ginmw.ClaimsFrom(c)
		c.String(http.StatusOK, "items for "+claims.Subject())
	})
	api.POST("/items", m.Require(scopes.AllOf("write")), func(c *gin.Context) { c.Status(http.StatusCreated) })

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
		{http.MethodDelete, "/items", "anonymous", "", http.StatusUnauthorized, "{}\n"},
		{http.MethodDelete, "/items", "reader", reader, http.StatusForbidden, `{"error":"insufficient_scope","error_description":"any one of the listed scopes is required","scope":"admin write"}` + "\n"},
		{http.MethodDelete, "/items", "writer", writer, http.StatusNoContent, ""},
	} {
		t.Run(tc.method+" "+tc.path+" as "+tc.who, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			assert.Equal(t, tc.status, w.Code, "%s %s as %s: status", tc.method, tc.path, tc.who)
			assert.Equal(t, tc.body, w.Body.String(), "%s %s as %s: body", tc.method, tc.path, tc.who)
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	f := newGinFixture(t)
	for _, tc := range []struct {
		name string
		v    *verifier.Verifier
		opts ginmw.Options
	}{
		{"nil verifier", nil, ginmw.Options{}},
		{"realm with a newline", f.v, ginmw.Options{Options: bearer.Options{Realm: "api\n"}}},
		{"realm with non-ASCII", f.v, ginmw.Options{Options: bearer.Options{Realm: "apí"}}},
		{"scheme with a space", f.v, ginmw.Options{Options: bearer.Options{Schemes: []string{"Bear er"}}}},
		{"cookie name with a space", f.v, ginmw.Options{Options: bearer.Options{Cookie: "access token"}}},
		{"retry-after below a second", f.v, ginmw.Options{Options: bearer.Options{RetryAfter: time.Millisecond}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ginmw.New(tc.v, tc.opts)
			require.Error(t, err, "ginmw.New(%s) = %v, want an error", tc.name, m)
			assert.Nil(t, m, "ginmw.New(%s): middleware beside the error", tc.name)
			assert.True(t, strings.HasPrefix(err.Error(), "ginmw: "), "ginmw.New(%s) error = %q, want the prefix \"ginmw: \"", tc.name, err)
		})
	}
	m, err := ginmw.New(f.v, ginmw.Options{})
	require.NoError(t, err, "ginmw.New(v, zero Options)")
	require.NotNil(t, m, "ginmw.New(v, zero Options)")
}

// ClaimsAs decodes the claims a middleware stored into the handler's own
// type, and reports verifier.ErrNoClaims where there are none.
func TestClaimsAs(t *testing.T) {
	f := newGinFixture(t)
	type tenant struct {
		Subject  string `json:"sub"`
		TenantID string `json:"tenant_id"`
	}
	m := f.middleware(t, f.v, ginmw.Options{Options: bearer.Options{Optional: true}})
	var got tenant
	var gotErr error
	r := gin.New()
	r.GET("/r", m.Authenticate, func(c *gin.Context) {
		got, gotErr = ginmw.ClaimsAs[tenant](c)
		c.Status(http.StatusNoContent)
	})

	w := httptest.NewRecorder()
	r.ServeHTTP(w, getWith("Bearer "+f.mint(t, verifiertest.Token{Subject: "svc", Claims: map[string]any{"tenant_id": "t-1"}})))
	require.Equal(t, http.StatusNoContent, w.Code, "GET /r with a valid token")
	require.NoError(t, gotErr, "ClaimsAs[tenant] behind Authenticate")
	assert.Equal(t, tenant{Subject: "svc", TenantID: "t-1"}, got, "ClaimsAs[tenant] behind Authenticate")

	w = httptest.NewRecorder()
	r.ServeHTTP(w, getWith())
	require.Equal(t, http.StatusNoContent, w.Code, "GET /r without a token, optional")
	assert.ErrorIs(t, gotErr, verifier.ErrNoClaims, "ClaimsAs[tenant] after optional Authenticate without a token")
	assert.Zero(t, got, "ClaimsAs[tenant] without claims")

	_, err := ginmw.ClaimsAs[tenant](&gin.Context{})
	assert.ErrorIs(t, err, verifier.ErrNoClaims, "ClaimsAs[tenant] on a context without a request")
}
