package nethttp_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// testNow is the fake clock of the shared issuer and of the verifiers.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testClock() time.Time { return testNow }

// testIssuer is shared by every test in this file. Tests only mint tokens
// with it and read its JWKS, so they cannot disturb each other through it.
var testIssuer *verifiertest.Issuer

func TestMain(m *testing.M) {
	testIssuer = verifiertest.NewIssuer(verifiertest.IssuerConfig{Now: testClock})
	defer testIssuer.Close()
	m.Run()
}

// lookupCounter counts key lookups: the verifier makes one for every
// well-formed token of a trusted issuer it checks.
type lookupCounter struct {
	jwks.Source
	n atomic.Int64
}

func (c *lookupCounter) Keys(ctx context.Context, q jwks.Query) ([]*jwks.Key, error) {
	c.n.Add(1)
	return c.Source.Keys(ctx, q)
}

// newTestMiddleware returns a middleware whose verifier trusts testIssuer,
// and the counter of its key lookups.
func newTestMiddleware(t *testing.T, opts nethttp.Options) (*nethttp.Middleware, *lookupCounter) {
	t.Helper()
	cfg := testIssuer.VerifierConfig()
	counter := &lookupCounter{Source: cfg.Keys}
	cfg.Keys = counter
	// Key lookups count verifications here; the cache of verified tokens
	// would hide the repeated ones.
	cfg.DisableCache = true
	v, err := verifier.New(cfg)
	require.NoError(t, err, "verifier.New(testIssuer.VerifierConfig())")
	m, err := nethttp.New(v, opts)
	require.NoError(t, err, "nethttp.New(v, %+v)", opts)
	return m, counter
}

// claimsHandler answers 200 with the subject and scopes of the claims in
// the request context, and counts its calls.
type claimsHandler struct{ calls atomic.Int64 }

func (h *claimsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.calls.Add(1)
	claims, ok := nethttp.ClaimsFrom(r)
	if !ok {
		http.Error(w, "no claims in context", http.StatusTeapot)
		return
	}
	fmt.Fprintf(w, "sub=%s scope=%s", claims.Subject(), claims.Scopes())
}

func get(authorization ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/items", nil)
	for _, v := range authorization {
		r.Header.Add("Authorization", v)
	}
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// spliceSig returns the header and payload of a with the signature of b.
func spliceSig(a, b string) string {
	return a[:strings.LastIndexByte(a, '.')] + b[strings.LastIndexByte(b, '.'):]
}

// secrets returns the parts of an Authorization value that must never
// appear in a response: the credentials after the scheme and, for a JWS,
// each of its parts (the signature above all).
func secrets(authorization []string) []string {
	var out []string
	for _, v := range authorization {
		_, cred, _ := strings.Cut(v, " ")
		cred = strings.TrimSpace(cred)
		if cred == "" {
			continue
		}
		out = append(out, cred)
		for _, part := range strings.Split(cred, ".") {
			if len(part) >= 8 { // shorter pieces could match by chance
				out = append(out, part)
			}
		}
	}
	return out
}

func assertNoLeak(t *testing.T, rec *httptest.ResponseRecorder, authorization []string) {
	t.Helper()
	var sb strings.Builder
	for name, values := range rec.Header() {
		sb.WriteString(name + ": " + strings.Join(values, "\n") + "\n")
	}
	sb.WriteString(rec.Body.String())
	all := sb.String()
	for _, s := range secrets(authorization) {
		assert.NotContains(t, all, s, "response to Authorization %q echoes the token or a part of it", authorization)
	}
}

func TestAuthenticatePassesClaims(t *testing.T) {
	m, counter := newTestMiddleware(t, nethttp.Options{Options: bearer.Options{Realm: "api"}})
	tok := testIssuer.MustMint(t, verifiertest.Token{Subject: "drone-client", Scope: "read write"})

	var got *verifier.Claims
	h := m.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := nethttp.ClaimsFrom(r)
		require.True(t, ok, "ClaimsFrom(r) in a handler behind Authenticate = false, want true")
		got = c
		w.WriteHeader(http.StatusNoContent)
	}))
	rec := serve(h, get("Bearer "+tok))

	assert.Equal(t, http.StatusNoContent, rec.Code, "Authenticate(valid token) status; body %s", rec.Body)
	require.NotNil(t, got, "handler behind Authenticate was not called for a valid token")
	assert.Equal(t, "drone-client", got.Subject(), "ClaimsFrom(r).Subject()")
	assert.Equal(t, []string{"read", "write"}, got.Scopes().List(), "ClaimsFrom(r).Scopes()")
	assert.True(t, got.Scopes().HasAll("read", "write"), "ClaimsFrom(r).Scopes().HasAll(read, write)")
	assert.Equal(t, testIssuer.URL, got.Issuer(), "ClaimsFrom(r).Issuer()")
	assert.Equal(t, int64(1), counter.n.Load(), "key lookups for one request")
	assert.Empty(t, rec.Header().Values("WWW-Authenticate"), "WWW-Authenticate on success")
}

func TestClaimsFromWithoutMiddleware(t *testing.T) {
	c, ok := nethttp.ClaimsFrom(get())
	assert.False(t, ok, "ClaimsFrom(request never authenticated) ok")
	assert.Nil(t, c, "ClaimsFrom(request never authenticated) claims")
}

func TestFailures(t *testing.T) {
	m, _ := newTestMiddleware(t, nethttp.Options{Options: bearer.Options{Realm: "api"}})
	mint := func(tok verifiertest.Token) string { return testIssuer.MustMint(t, tok) }
	valid := mint(verifiertest.Token{Scope: "read"})
	other := mint(verifiertest.Token{Scope: "read"})

	authenticate := m.Authenticate
	requireWrite := m.Require(scopes.AllOf("read write"))
	requireAny := m.Require(scopes.AnyOf("admin", "write"))
	authThenRequire := func(h http.Handler) http.Handler { return m.Authenticate(requireWrite(h)) }

	invalid := func(desc string) (string, string) {
		return `Bearer realm="api", error="invalid_token", error_description="` + desc + `"`,
			`{"error":"invalid_token","error_description":"` + desc + `"}`
	}
	type failure struct {
		name       string
		chain      func(http.Handler) http.Handler
		header     []string
		wantStatus int
		wantAuth   string
		wantBody   string // JSON text; the body is this and a newline
	}
	tokenFailure := func(name, tok, desc string) failure {
		challenge, body := invalid(desc)
		return failure{name, authenticate, []string{"Bearer " + tok}, http.StatusUnauthorized, challenge, body}
	}
	tests := []failure{
		{"no header", authenticate, nil, 401, `Bearer realm="api"`, `{}`},
		{"no header, Require alone", requireWrite, nil, 401, `Bearer realm="api"`, `{}`},
		{"Basic credentials", authenticate, []string{"Basic dXNlcjpzZWNyZXRwYXNzd29yZA=="}, 401, `Bearer realm="api"`, `{}`},
		{"two Authorization headers", authenticate, []string{"Bearer " + valid, "Bearer " + other}, 400,
			`Bearer realm="api", error="invalid_request", error_description="more than one Authorization header"`,
			`{"error":"invalid_request","error_description":"more than one Authorization header"}`},
		{"empty token", authenticate, []string{"Bearer "}, 400,
			`Bearer realm="api", error="invalid_request", error_description="empty token"`,
			`{"error":"invalid_request","error_description":"empty token"}`},
		{"two tokens in one header", authenticate, []string{"Bearer " + valid + " " + other}, 401,
			`Bearer realm="api", error="invalid_token", error_description="malformed token"`,
			`{"error":"invalid_token","error_description":"malformed token"}`},
		tokenFailure("expired", mint(verifiertest.Token{ExpiresIn: -time.Hour}), "token expired"),
		tokenFailure("bad signature", spliceSig(valid, other), "invalid signature"),
		tokenFailure("wrong audience", mint(verifiertest.Token{Audience: []string{"https://other.example.test"}}), "audience not accepted"),
		tokenFailure("wrong issuer", mint(verifiertest.Token{Claims: map[string]any{"iss": "https://evil.example.test"}}), "issuer not accepted"),
		tokenFailure("unknown key", mint(verifiertest.Token{Header: map[string]any{"kid": "retired-key-id"}}), "unknown signing key"),
		tokenFailure("malformed", "not-a-jwt-but-a-secret-value", "malformed token"),
		tokenFailure("alg none", mint(verifiertest.Token{Header: map[string]any{"alg": "none"}}), "algorithm not allowed"),
		tokenFailure("no exp", mint(verifiertest.Token{Claims: map[string]any{"exp": nil}}), "required claim missing"),
		{"expired, Require alone", requireWrite, []string{"Bearer " + mint(verifiertest.Token{Scope: "read write", ExpiresIn: -time.Hour})}, 401,
			`Bearer realm="api", error="invalid_token", error_description="token expired"`,
			`{"error":"invalid_token","error_description":"token expired"}`},
		{"scope missing, Require alone", requireWrite, []string{"Bearer " + valid}, 403,
			`Bearer realm="api", error="insufficient_scope", scope="read write"`,
			`{"error":"insufficient_scope","scope":"read write"}`},
		{"scope missing, Authenticate then Require", authThenRequire, []string{"Bearer " + valid}, 403,
			`Bearer realm="api", error="insufficient_scope", scope="read write"`,
			`{"error":"insufficient_scope","scope":"read write"}`},
		{"no scope at all", requireWrite, []string{"Bearer " + mint(verifiertest.Token{})}, 403,
			`Bearer realm="api", error="insufficient_scope", scope="read write"`,
			`{"error":"insufficient_scope","scope":"read write"}`},
		{"none of any-of", requireAny, []string{"Bearer " + valid}, 403,
			`Bearer realm="api", error="insufficient_scope", error_description="any one of the listed scopes is required", scope="admin write"`,
			`{"error":"insufficient_scope","error_description":"any one of the listed scopes is required","scope":"admin write"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := &claimsHandler{}
			rec := serve(tt.chain(next), get(tt.header...))
			assert.Equal(t, int64(0), next.calls.Load(), "handler calls after a failure with Authorization %q", tt.header)
			assert.Equal(t, tt.wantStatus, rec.Code, "status for Authorization %q", tt.header)
			assert.Equal(t, []string{tt.wantAuth}, rec.Header().Values("WWW-Authenticate"), "WWW-Authenticate for Authorization %q", tt.header)
			assert.Equal(t, tt.wantBody+"\n", rec.Body.String(), "body for Authorization %q", tt.header)
			assert.Equal(t, "application/json", rec.Header().Get("Content-Type"), "Content-Type")
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "Cache-Control")
			assert.Empty(t, rec.Header().Values("Retry-After"), "Retry-After on a %d", rec.Code)
			assertNoLeak(t, rec, tt.header)
		})
	}
}

func TestRequireAlone(t *testing.T) {
	m, counter := newTestMiddleware(t, nethttp.Options{Options: bearer.Options{Realm: "api"}})
	next := &claimsHandler{}
	h := m.Require(scopes.AllOf("write"))(next)

	rec := serve(h, get("Bearer "+testIssuer.MustMint(t, verifiertest.Token{Subject: "writer", Scope: "read write"})))
	assert.Equal(t, http.StatusOK, rec.Code, "Require(write) alone with a write token: body %s", rec.Body)
	assert.Equal(t, "sub=writer scope=read write", rec.Body.String(), "claims seen by the handler behind Require alone")
	assert.Equal(t, int64(1), next.calls.Load(), "handler calls")
	assert.Equal(t, int64(1), counter.n.Load(), "key lookups: Require alone must authenticate")

	rec = serve(h, get("Bearer "+testIssuer.MustMint(t, verifiertest.Token{Subject: "reader", Scope: "read"})))
	assert.Equal(t, http.StatusForbidden, rec.Code, "Require(write) alone with a read token")
	assert.Equal(t, int64(1), next.calls.Load(), "handler calls after a 403")
}

func TestAuthenticateThenRequireVerifiesOnce(t *testing.T) {
	m, counter := newTestMiddleware(t, nethttp.Options{Options: bearer.Options{Realm: "api"}})
	tok := testIssuer.MustMint(t, verifiertest.Token{Subject: "writer", Scope: "read write"})

	// stripAuthorization removes the header between the two middlewares:
	// Require can then only succeed with the claims Authenticate stored.
	stripAuthorization := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r = r.Clone(r.Context())
			r.Header.Del("Authorization")
			next.ServeHTTP(w, r)
		})
	}
	tests := []struct {
		name  string
		chain func(http.Handler) http.Handler
	}{
		{"Authenticate then Require", func(h http.Handler) http.Handler {
			return m.Authenticate(m.Require(scopes.AllOf("write"))(h))
		}},
		{"Authenticate, header removed, then Require", func(h http.Handler) http.Handler {
			return m.Authenticate(stripAuthorization(m.Require(scopes.AllOf("write"))(h)))
		}},
		{"Require then Require", func(h http.Handler) http.Handler {
			return m.Require(scopes.AllOf("read"))(stripAuthorization(m.Require(scopes.AnyOf("write", "admin"))(h)))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := &claimsHandler{}
			before := counter.n.Load()
			rec := serve(tt.chain(next), get("Bearer "+tok))
			assert.Equal(t, http.StatusOK, rec.Code, "status; body %s", rec.Body)
			assert.Equal(t, "sub=writer scope=read write", rec.Body.String(), "claims seen by the handler")
			assert.Equal(t, int64(1), next.calls.Load(), "handler calls")
			assert.Equal(t, int64(1), counter.n.Load()-before, "key lookups for one request through two middlewares")
		})
	}
}

// unavailableMiddleware returns a middleware whose key source, another
// test issuer's JWKS endpoint, answers 503, and that issuer (whose
// JWKSRequests counts the attempts).
func unavailableMiddleware(t *testing.T, opts nethttp.Options) (*nethttp.Middleware, *verifiertest.Issuer) {
	t.Helper()
	down := verifiertest.Start(t, verifiertest.IssuerConfig{})
	down.SetFault(verifiertest.FaultDown)
	v, err := verifier.New(verifier.Config{
		Issuers:   []string{testIssuer.URL},
		Audiences: []string{testIssuer.Audience()},
		Keys:      down.NewRemote(jwks.RemoteConfig{Logger: slog.New(slog.DiscardHandler)}),
		Now:       testClock,
	})
	require.NoError(t, err, "verifier.New over a JWKS endpoint that is down")
	m, err := nethttp.New(v, opts)
	require.NoError(t, err, "nethttp.New(v, %+v)", opts)
	return m, down
}

func TestKeysUnavailable(t *testing.T) {
	tests := []struct {
		name      string
		retry     time.Duration
		wantRetry string
	}{
		{"default Retry-After", 0, "30"},
		{"configured Retry-After", 2 * time.Minute, "120"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, hits := unavailableMiddleware(t, nethttp.Options{Options: bearer.Options{Realm: "api", RetryAfter: tt.retry}})
			tok := testIssuer.MustMint(t, verifiertest.Token{Scope: "read"})
			for _, chain := range []func(http.Handler) http.Handler{m.Authenticate, m.Require(scopes.AllOf("read"))} {
				next := &claimsHandler{}
				rec := serve(chain(next), get("Bearer "+tok))
				assert.Equal(t, http.StatusServiceUnavailable, rec.Code, "status when the JWKS endpoint answers 500")
				assert.Empty(t, rec.Header().Values("WWW-Authenticate"), "WWW-Authenticate on a 503")
				assert.Equal(t, []string{tt.wantRetry}, rec.Header().Values("Retry-After"), "Retry-After on a 503")
				assert.Equal(t, "application/json", rec.Header().Get("Content-Type"), "Content-Type on a 503")
				assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "Cache-Control on a 503")
				assert.Equal(t, `{"error":"temporarily_unavailable","error_description":"signing keys unavailable"}`+"\n", rec.Body.String(), "body on a 503")
				assert.Equal(t, int64(0), next.calls.Load(), "handler calls on a 503")
				assertNoLeak(t, rec, []string{"Bearer " + tok})
			}
			assert.Positive(t, hits.JWKSRequests(), "requests to the failing JWKS endpoint")
		})
	}
}

func TestErrorHandler(t *testing.T) {
	type call struct {
		path string
		err  error
	}
	var (
		mu    sync.Mutex
		calls []call
	)
	record := func(r *http.Request, err error) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, call{r.URL.Path, err})
	}
	lastCall := func(t *testing.T) call {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		require.Len(t, calls, 1, "ErrorHandler calls for one failed request")
		c := calls[0]
		calls = nil
		return c
	}

	custom, _ := newTestMiddleware(t, nethttp.Options{Options: bearer.Options{Realm: "api"}, ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		record(r, err)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("custom"))
	}})
	var delegating *nethttp.Middleware
	delegating, _ = newTestMiddleware(t, nethttp.Options{Options: bearer.Options{Realm: "api"}, ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		record(r, err)
		w.Header().Set("X-Logged", "yes")
		delegating.WriteError(w, r, err)
	}})
	plain, _ := newTestMiddleware(t, nethttp.Options{Options: bearer.Options{Realm: "api"}})

	expired := testIssuer.MustMint(t, verifiertest.Token{ExpiresIn: -time.Hour})
	reader := testIssuer.MustMint(t, verifiertest.Token{Scope: "read"})
	tests := []struct {
		name   string
		header []string
		req    scopes.Requirement
		check  func(t *testing.T, err error)
	}{
		{"expired", []string{"Bearer " + expired}, scopes.Requirement{}, func(t *testing.T, err error) {
			var vErr *verifier.Error
			require.True(t, errors.As(err, &vErr), "ErrorHandler got %T %v, want *verifier.Error", err, err)
			assert.Equal(t, verifier.ErrExpired, vErr.Reason, "ErrorHandler got reason %v, want ErrExpired", vErr.Reason)
			assert.ErrorIs(t, err, verifier.ErrInvalidToken, "ErrorHandler error")
		}},
		{"bad signature", []string{"Bearer " + spliceSig(reader, expired)}, scopes.Requirement{}, func(t *testing.T, err error) {
			var vErr *verifier.Error
			require.True(t, errors.As(err, &vErr), "ErrorHandler got %T %v, want *verifier.Error", err, err)
			assert.Equal(t, verifier.ErrSignature, vErr.Reason, "ErrorHandler got reason %v, want ErrSignature", vErr.Reason)
		}},
		{"scope missing", []string{"Bearer " + reader}, scopes.AllOf("read", "write", "admin"), func(t *testing.T, err error) {
			var missing *scopes.MissingError
			require.True(t, errors.As(err, &missing), "ErrorHandler got %T %v, want *scopes.MissingError", err, err)
			assert.Equal(t, []string{"write", "admin"}, missing.Missing, "MissingError.Missing passed to ErrorHandler")
			assert.ErrorIs(t, err, scopes.ErrInsufficientScope, "ErrorHandler error")
		}},
		{"no credentials", nil, scopes.Requirement{}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, nethttp.ErrNoCredentials, "ErrorHandler error for a request without a token")
			assert.NotErrorIs(t, err, nethttp.ErrInvalidRequest, "ErrorHandler error for a request without a token")
		}},
		{"malformed request", []string{"Bearer " + reader, "Bearer " + expired}, scopes.Requirement{}, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, nethttp.ErrInvalidRequest, "ErrorHandler error for two Authorization headers")
			assert.NotErrorIs(t, err, nethttp.ErrNoCredentials, "ErrorHandler error for two Authorization headers")
			assert.NotErrorIs(t, err, verifier.ErrInvalidToken, "ErrorHandler error for two Authorization headers")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+", custom response", func(t *testing.T) {
			next := &claimsHandler{}
			rec := serve(custom.Require(tt.req)(next), get(tt.header...))
			c := lastCall(t)
			assert.Equal(t, "/items", c.path, "request passed to ErrorHandler")
			tt.check(t, c.err)
			assert.Equal(t, http.StatusTeapot, rec.Code, "status written by ErrorHandler")
			assert.Equal(t, "custom", rec.Body.String(), "body written by ErrorHandler")
			assert.Empty(t, rec.Header().Values("WWW-Authenticate"), "WWW-Authenticate added behind ErrorHandler's back")
			assert.Equal(t, int64(0), next.calls.Load(), "handler calls after a failure")
		})
		t.Run(tt.name+", delegating to WriteError", func(t *testing.T) {
			next := &claimsHandler{}
			rec := serve(delegating.Require(tt.req)(next), get(tt.header...))
			tt.check(t, lastCall(t).err)
			want := serve(plain.Require(tt.req)(&claimsHandler{}), get(tt.header...))
			assert.Equal(t, want.Code, rec.Code, "status after delegating to WriteError, want the default")
			assert.Equal(t, want.Header().Values("WWW-Authenticate"), rec.Header().Values("WWW-Authenticate"), "WWW-Authenticate after delegating to WriteError")
			assert.Equal(t, want.Body.String(), rec.Body.String(), "body after delegating to WriteError")
			assert.Equal(t, "yes", rec.Header().Get("X-Logged"), "header set by ErrorHandler before WriteError")
			assert.Equal(t, int64(0), next.calls.Load(), "handler calls after a failure")
		})
	}

	t.Run("not called on success", func(t *testing.T) {
		next := &claimsHandler{}
		rec := serve(custom.Require(scopes.AllOf("read"))(next), get("Bearer "+reader))
		assert.Equal(t, http.StatusOK, rec.Code, "status of a request that passes")
		mu.Lock()
		defer mu.Unlock()
		assert.Empty(t, calls, "ErrorHandler calls for a request that passes")
	})

	t.Run("keys unavailable", func(t *testing.T) {
		var got error
		m, _ := unavailableMiddleware(t, nethttp.Options{ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			got = err
			w.WriteHeader(http.StatusBadGateway)
		}})
		rec := serve(m.Authenticate(&claimsHandler{}), get("Bearer "+reader))
		assert.ErrorIs(t, got, verifier.ErrKeysUnavailable, "error passed to ErrorHandler when keys are unavailable")
		assert.NotErrorIs(t, got, verifier.ErrInvalidToken, "error passed to ErrorHandler when keys are unavailable")
		assert.Equal(t, http.StatusBadGateway, rec.Code, "status written by ErrorHandler")
	})
}

func TestWriteErrorDefault(t *testing.T) {
	m, _ := newTestMiddleware(t, nethttp.Options{Options: bearer.Options{Realm: "api"}})
	rec := httptest.NewRecorder()
	m.WriteError(rec, get(), &verifier.Error{Reason: verifier.ErrExpired})
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "WriteError(expired) status")
	assert.Equal(t, `Bearer realm="api", error="invalid_token", error_description="token expired"`, rec.Header().Get("WWW-Authenticate"), "WriteError(expired) WWW-Authenticate")
	assert.Equal(t, `{"error":"invalid_token","error_description":"token expired"}`+"\n", rec.Body.String(), "WriteError(expired) body")

	rec = httptest.NewRecorder()
	m.WriteError(rec, get(), errors.New("database down"))
	assert.Equal(t, http.StatusInternalServerError, rec.Code, "WriteError(other error) status")
	assert.Empty(t, rec.Header().Values("WWW-Authenticate"), "WriteError(other error) WWW-Authenticate")
	assert.NotContains(t, rec.Body.String(), "database", "WriteError(other error) body echoes the internal error")
}

func TestNew(t *testing.T) {
	v, err := verifier.New(testIssuer.VerifierConfig())
	require.NoError(t, err, "verifier.New")
	tests := []struct {
		name string
		v    *verifier.Verifier
		opts nethttp.Options
	}{
		{"nil verifier", nil, nethttp.Options{}},
		{"realm with CRLF", v, nethttp.Options{Options: bearer.Options{Realm: "api\r\nSet-Cookie: x=y"}}},
		{"scheme with a space", v, nethttp.Options{Options: bearer.Options{Schemes: []string{"Bearer token"}}}},
		{"empty scheme", v, nethttp.Options{Options: bearer.Options{Schemes: []string{"Bearer", ""}}}},
		{"retry-after below one second", v, nethttp.Options{Options: bearer.Options{RetryAfter: 100 * time.Millisecond}}},
		{"negative retry-after", v, nethttp.Options{Options: bearer.Options{RetryAfter: -time.Minute}}},
		{"cookie name with a space", v, nethttp.Options{Options: bearer.Options{Cookie: "access token"}}},
		{"cookie name with a semicolon", v, nethttp.Options{Options: bearer.Options{Cookie: "at;path=/"}}},
		{"cookie name with an equals sign", v, nethttp.Options{Options: bearer.Options{Cookie: "at=x"}}},
		{"cookie name with CRLF", v, nethttp.Options{Options: bearer.Options{Cookie: "at\r\nSet-Cookie"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := nethttp.New(tt.v, tt.opts)
			require.Error(t, err, "nethttp.New(%v, %+v) = nil error, want one", tt.v, tt.opts)
			assert.Nil(t, m, "nethttp.New(%v, %+v) returned a middleware with its error", tt.v, tt.opts)
			assert.True(t, strings.HasPrefix(err.Error(), "nethttp: "), "nethttp.New error %q lacks the package prefix", err)
		})
	}
	t.Run("zero options", func(t *testing.T) {
		m, err := nethttp.New(v, nethttp.Options{})
		require.NoError(t, err, "nethttp.New(v, Options{})")
		rec := serve(m.Authenticate(&claimsHandler{}), get())
		assert.Equal(t, http.StatusUnauthorized, rec.Code, "zero Options, no token: status")
		assert.Equal(t, "Bearer", rec.Header().Get("WWW-Authenticate"), "zero Options, no token: challenge without realm")
	})
}

func TestSchemes(t *testing.T) {
	tok := testIssuer.MustMint(t, verifiertest.Token{Subject: "camera", Scope: "read"})
	tests := []struct {
		name     string
		schemes  []string
		header   string
		want     int
		wantAuth string
	}{
		{"JWT accepted", []string{"JWT"}, "JWT " + tok, http.StatusOK, ""},
		{"jwt lower case accepted", []string{"JWT"}, "jwt " + tok, http.StatusOK, ""},
		{"Bearer refused when only JWT", []string{"JWT"}, "Bearer " + tok, http.StatusUnauthorized, `JWT realm="api"`},
		{"Bearer with Bearer and JWT", []string{"Bearer", "JWT"}, "Bearer " + tok, http.StatusOK, ""},
		{"JWT with Bearer and JWT", []string{"Bearer", "JWT"}, "JWT " + tok, http.StatusOK, ""},
		{"Basic with Bearer and JWT", []string{"Bearer", "JWT"}, "Basic dXNlcjpwYXNz", http.StatusUnauthorized, `Bearer realm="api"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTestMiddleware(t, nethttp.Options{Options: bearer.Options{Realm: "api", Schemes: tt.schemes}})
			next := &claimsHandler{}
			rec := serve(m.Authenticate(next), get(tt.header))
			assert.Equal(t, tt.want, rec.Code, "status with schemes %q; body %s", tt.schemes, rec.Body)
			if tt.want == http.StatusOK {
				assert.Equal(t, "sub=camera scope=read", rec.Body.String(), "claims seen by the handler")
				return
			}
			assert.Equal(t, tt.wantAuth, rec.Header().Get("WWW-Authenticate"), "challenge with schemes %q", tt.schemes)
			assert.Equal(t, int64(0), next.calls.Load(), "handler calls after a failure")
		})
	}
}

func TestConcurrentRequests(t *testing.T) {
	m, _ := newTestMiddleware(t, nethttp.Options{Options: bearer.Options{Realm: "api"}})
	next := &claimsHandler{}
	h := m.Require(scopes.AllOf("read"))(next)

	type request struct {
		header   string
		wantCode int
		wantBody string
	}
	const n = 50
	reqs := make([]request, n)
	wantCalls := 0
	for i := range reqs {
		sub := fmt.Sprintf("client-%02d", i)
		switch i % 5 {
		case 0, 1:
			reqs[i] = request{"Bearer " + testIssuer.MustMint(t, verifiertest.Token{Subject: sub, Scope: "read"}), http.StatusOK, "sub=" + sub + " scope=read"}
			wantCalls++
		case 2:
			reqs[i] = request{"Bearer " + testIssuer.MustMint(t, verifiertest.Token{Subject: sub, Scope: "read", ExpiresIn: -time.Hour}), http.StatusUnauthorized,
				`{"error":"invalid_token","error_description":"token expired"}` + "\n"}
		case 3:
			reqs[i] = request{"Bearer " + testIssuer.MustMint(t, verifiertest.Token{Subject: sub, Scope: "write"}), http.StatusForbidden,
				`{"error":"insufficient_scope","scope":"read"}` + "\n"}
		case 4:
			good := testIssuer.MustMint(t, verifiertest.Token{Subject: sub, Scope: "read"})
			reqs[i] = request{"Bearer " + spliceSig(good, testIssuer.MustMint(t, verifiertest.Token{Scope: "read"})), http.StatusUnauthorized,
				`{"error":"invalid_token","error_description":"invalid signature"}` + "\n"}
		}
	}

	recs := make([]*httptest.ResponseRecorder, n)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start.Wait()
			recs[i] = serve(h, get(reqs[i].header))
		}()
	}
	start.Done()
	wg.Wait()

	for i, rec := range recs {
		assert.Equal(t, reqs[i].wantCode, rec.Code, "request %d status", i)
		assert.Equal(t, reqs[i].wantBody, rec.Body.String(), "request %d body", i)
	}
	assert.Equal(t, int64(wantCalls), next.calls.Load(), "handler calls for %d requests with a valid token", wantCalls)
}

// whoHandler answers 200 with the subject of the claims in the request
// context, or "anonymous" without claims, and counts its calls.
type whoHandler struct{ calls atomic.Int64 }

func (h *whoHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.calls.Add(1)
	if claims, ok := nethttp.ClaimsFrom(r); ok {
		fmt.Fprintf(w, "sub=%s", claims.Subject())
		return
	}
	fmt.Fprint(w, "anonymous")
}

// req describes a request: method (GET if empty), target (/items if
// empty), Authorization and Cookie header values, and other headers.
type req struct {
	method, target string
	auth, cookies  []string
	extra          http.Header
}

func (q req) build() *http.Request {
	method, target := q.method, q.target
	if method == "" {
		method = http.MethodGet
	}
	if target == "" {
		target = "/items"
	}
	r := httptest.NewRequest(method, target, nil)
	for _, v := range q.auth {
		r.Header.Add("Authorization", v)
	}
	for _, v := range q.cookies {
		r.Header.Add("Cookie", v)
	}
	for k, vs := range q.extra {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	return r
}

func (q req) String() string {
	r := q.build()
	return fmt.Sprintf("%s %s, Authorization %q, Cookie %q", r.Method, r.URL, q.auth, q.cookies)
}

// outcome is what a request through a middleware chain should get: the
// status, and either the handler's body (200) or the challenge and JSON
// text of an error response.
type outcome struct {
	status    int
	body      string // handler body on 200, JSON text otherwise
	challenge string
}

// challenged is the answer to a request without a token.
var challenged = outcome{http.StatusUnauthorized, `{}`, `Bearer realm="api"`}

func badRequest(desc string) outcome {
	return outcome{http.StatusBadRequest, `{"error":"invalid_request","error_description":"` + desc + `"}`,
		`Bearer realm="api", error="invalid_request", error_description="` + desc + `"`}
}

func invalidToken(desc string) outcome {
	return outcome{http.StatusUnauthorized, `{"error":"invalid_token","error_description":"` + desc + `"}`,
		`Bearer realm="api", error="invalid_token", error_description="` + desc + `"`}
}

func insufficient(scope string) outcome {
	return outcome{http.StatusForbidden, `{"error":"insufficient_scope","scope":"` + scope + `"}`,
		`Bearer realm="api", error="insufficient_scope", scope="` + scope + `"`}
}

func passed(body string) outcome { return outcome{http.StatusOK, body, ""} }

// assertOutcome serves q through chain(handler) and checks the answer.
func assertOutcome(t *testing.T, chainName string, chain func(http.Handler) http.Handler, q req, want outcome) {
	t.Helper()
	next := &whoHandler{}
	rec := serve(chain(next), q.build())
	assert.Equal(t, want.status, rec.Code, "%s(%s) status; body %s", chainName, q, rec.Body)
	if want.status == http.StatusOK {
		assert.Equal(t, want.body, rec.Body.String(), "%s(%s) body written by the handler", chainName, q)
		assert.Equal(t, int64(1), next.calls.Load(), "%s(%s) handler calls", chainName, q)
		assert.Empty(t, rec.Header().Values("WWW-Authenticate"), "%s(%s) WWW-Authenticate on success", chainName, q)
		return
	}
	assert.Equal(t, int64(0), next.calls.Load(), "%s(%s) handler calls after a failure", chainName, q)
	assert.Equal(t, want.body+"\n", rec.Body.String(), "%s(%s) body", chainName, q)
	assert.Equal(t, []string{want.challenge}, rec.Header().Values("WWW-Authenticate"), "%s(%s) WWW-Authenticate", chainName, q)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"), "%s(%s) Content-Type", chainName, q)
}

func TestOptional(t *testing.T) {
	m, counter := newTestMiddleware(t, nethttp.Options{Options: bearer.Options{Realm: "api", Optional: true, Cookie: "at"}})
	valid := testIssuer.MustMint(t, verifiertest.Token{Subject: "reader", Scope: "read"})
	expired := testIssuer.MustMint(t, verifiertest.Token{Subject: "reader", Scope: "read", ExpiresIn: -time.Hour})

	authenticate := m.Authenticate
	requireRead := m.Require(scopes.AllOf("read"))
	authThenRequire := func(h http.Handler) http.Handler { return m.Authenticate(requireRead(h)) }
	tests := []struct {
		name        string
		chainName   string
		chain       func(http.Handler) http.Handler
		q           req
		want        outcome
		wantLookups int64
	}{
		{"no token", "Authenticate", authenticate, req{}, passed("anonymous"), 0},
		{"Basic credentials", "Authenticate", authenticate, req{auth: []string{"Basic dXNlcjpwYXNz"}}, passed("anonymous"), 0},
		{"empty cookie", "Authenticate", authenticate, req{cookies: []string{"at="}}, passed("anonymous"), 0},
		{"valid token", "Authenticate", authenticate, req{auth: []string{"Bearer " + valid}}, passed("sub=reader"), 1},
		{"valid cookie", "Authenticate", authenticate, req{cookies: []string{"at=" + valid}}, passed("sub=reader"), 1},
		{"expired token", "Authenticate", authenticate, req{auth: []string{"Bearer " + expired}}, invalidToken("token expired"), 1},
		{"garbage token", "Authenticate", authenticate, req{auth: []string{"Bearer garbage-token-value"}}, invalidToken("malformed token"), 0},
		{"empty bearer", "Authenticate", authenticate, req{auth: []string{"Bearer "}}, badRequest("empty token"), 0},
		{"token in header and cookie", "Authenticate", authenticate, req{auth: []string{"Bearer " + valid}, cookies: []string{"at=" + valid}},
			badRequest("token sent in more than one place"), 0},
		{"no token, Require alone", "Require(read)", requireRead, req{}, challenged, 0},
		{"no token, Authenticate then Require", "Authenticate+Require(read)", authThenRequire, req{}, challenged, 0},
		{"valid token, Authenticate then Require", "Authenticate+Require(read)", authThenRequire, req{auth: []string{"Bearer " + valid}}, passed("sub=reader"), 1},
		{"valid token lacking scope", "Require(write)", m.Require(scopes.AllOf("write")), req{auth: []string{"Bearer " + valid}}, insufficient("write"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := counter.n.Load()
			assertOutcome(t, tt.chainName+" with Optional", tt.chain, tt.q, tt.want)
			assert.Equal(t, tt.wantLookups, counter.n.Load()-before, "key lookups for %s(%s) with Optional", tt.chainName, tt.q)
		})
	}
}

func TestSkip(t *testing.T) {
	var skips atomic.Int64
	m, counter := newTestMiddleware(t, nethttp.Options{Options: bearer.Options{Realm: "api"}, Skip: func(r *http.Request) bool {
		skips.Add(1)
		return nethttp.IsPreflight(r) || r.URL.Path == "/healthz"
	}})
	valid := testIssuer.MustMint(t, verifiertest.Token{Subject: "writer", Scope: "read write"})
	preflight := http.Header{"Origin": {"https://app.example.test"}, "Access-Control-Request-Method": {"POST"}}
	chains := []struct {
		name  string
		chain func(http.Handler) http.Handler
	}{
		{"Authenticate", m.Authenticate},
		{"Require(admin)", m.Require(scopes.AllOf("admin"))},
		{"Authenticate+Require(admin)", func(h http.Handler) http.Handler { return m.Authenticate(m.Require(scopes.AllOf("admin"))(h)) }},
	}
	tests := []struct {
		name string
		q    req
		want outcome
	}{
		{"preflight without a token", req{method: http.MethodOptions, extra: preflight}, passed("anonymous")},
		{"preflight with a garbage header", req{method: http.MethodOptions, auth: []string{"Bearer a", "Bearer b"}, extra: preflight}, passed("anonymous")},
		{"preflight with a valid token", req{method: http.MethodOptions, auth: []string{"Bearer " + valid}, extra: preflight}, passed("anonymous")},
		{"health check without a token", req{target: "/healthz"}, passed("anonymous")},
		{"health check with a malformed token", req{target: "/healthz", auth: []string{"Bearer not-a-jwt"}}, passed("anonymous")},
		{"OPTIONS without Access-Control-Request-Method", req{method: http.MethodOptions}, challenged},
		{"GET with Access-Control-Request-Method", req{extra: preflight}, challenged},
		{"other path", req{target: "/healthz/deep"}, challenged},
	}
	for _, c := range chains {
		for _, tt := range tests {
			t.Run(c.name+", "+tt.name, func(t *testing.T) {
				beforeLookups, beforeSkips := counter.n.Load(), skips.Load()
				assertOutcome(t, c.name+" with Skip", c.chain, tt.q, tt.want)
				assert.Equal(t, int64(0), counter.n.Load()-beforeLookups, "key lookups for %s(%s) with Skip", c.name, tt.q)
				assert.Positive(t, skips.Load()-beforeSkips, "Skip calls for %s(%s)", c.name, tt.q)
			})
		}
		t.Run(c.name+", valid token on a route not skipped", func(t *testing.T) {
			before := counter.n.Load()
			want := insufficient("admin")
			if c.name == "Authenticate" {
				want = passed("sub=writer")
			}
			assertOutcome(t, c.name+" with Skip", c.chain, req{auth: []string{"Bearer " + valid}}, want)
			assert.Equal(t, int64(1), counter.n.Load()-before, "key lookups for %s(valid token) with Skip", c.name)
		})
	}
}

func TestCookie(t *testing.T) {
	m, counter := newTestMiddleware(t, nethttp.Options{Options: bearer.Options{Realm: "api", Cookie: "__Host-at"}})
	valid := testIssuer.MustMint(t, verifiertest.Token{Subject: "browser", Scope: "read"})
	expired := testIssuer.MustMint(t, verifiertest.Token{Subject: "browser", Scope: "read", ExpiresIn: -time.Hour})
	tests := []struct {
		name        string
		q           req
		want        outcome
		wantLookups int64
	}{
		{"valid cookie", req{cookies: []string{"__Host-at=" + valid}}, passed("sub=browser"), 1},
		{"valid cookie among others", req{cookies: []string{"theme=dark; __Host-at=" + valid + "; lang=en"}}, passed("sub=browser"), 1},
		{"valid cookie and Basic credentials", req{auth: []string{"Basic dXNlcjpwYXNz"}, cookies: []string{"__Host-at=" + valid}}, passed("sub=browser"), 1},
		{"header still works", req{auth: []string{"Bearer " + valid}}, passed("sub=browser"), 1},
		{"expired cookie", req{cookies: []string{"__Host-at=" + expired}}, invalidToken("token expired"), 1},
		{"empty cookie", req{cookies: []string{"__Host-at="}}, challenged, 0},
		{"cookie of another name", req{cookies: []string{"at=" + valid}}, challenged, 0},
		{"cookie and header", req{auth: []string{"Bearer " + valid}, cookies: []string{"__Host-at=" + valid}}, badRequest("token sent in more than one place"), 0},
		{"cookie twice", req{cookies: []string{"__Host-at=" + valid, "__Host-at=" + expired}}, badRequest("token cookie sent more than once"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				name  string
				chain func(http.Handler) http.Handler
			}{{"Authenticate", m.Authenticate}, {"Require(read)", m.Require(scopes.AllOf("read"))}} {
				before := counter.n.Load()
				assertOutcome(t, c.name+" with Cookie", c.chain, tt.q, tt.want)
				assert.Equal(t, tt.wantLookups, counter.n.Load()-before, "key lookups for %s(%s) with Cookie", c.name, tt.q)
				if tt.want.status != http.StatusOK {
					rec := serve(c.chain(&whoHandler{}), tt.q.build())
					assertNoLeak(t, rec, []string{"Bearer " + valid, "Bearer " + expired})
				}
			}
		})
	}
}

func TestQuery(t *testing.T) {
	m, counter := newTestMiddleware(t, nethttp.Options{Options: bearer.Options{Realm: "api", Query: "access_token"}})
	valid := testIssuer.MustMint(t, verifiertest.Token{Subject: "linker", Scope: "read"})
	expired := testIssuer.MustMint(t, verifiertest.Token{Subject: "linker", Scope: "read", ExpiresIn: -time.Hour})
	tests := []struct {
		name        string
		q           req
		want        outcome
		wantLookups int64
	}{
		{"valid token", req{target: "/items?access_token=" + valid}, passed("sub=linker"), 1},
		{"valid token among other parameters", req{target: "/items?page=2&access_token=" + valid + "&sort=asc"}, passed("sub=linker"), 1},
		{"header still works", req{auth: []string{"Bearer " + valid}}, passed("sub=linker"), 1},
		{"expired token", req{target: "/items?access_token=" + expired}, invalidToken("token expired"), 1},
		{"no query string", req{target: "/items"}, challenged, 0},
		{"other parameters only", req{target: "/items?page=2"}, challenged, 0},
		{"empty value", req{target: "/items?access_token="}, badRequest("empty token"), 0},
		{"parameter twice", req{target: "/items?access_token=" + valid + "&access_token=" + valid}, badRequest("token query parameter sent more than once"), 0},
		{"query and header", req{target: "/items?access_token=" + valid, auth: []string{"Bearer " + valid}}, badRequest("token sent in more than one place"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				name  string
				chain func(http.Handler) http.Handler
			}{{"Authenticate", m.Authenticate}, {"Require(read)", m.Require(scopes.AllOf("read"))}} {
				before := counter.n.Load()
				assertOutcome(t, c.name+" with Query", c.chain, tt.q, tt.want)
				assert.Equal(t, tt.wantLookups, counter.n.Load()-before, "key lookups for %s(%s) with Query", c.name, tt.q)
				if tt.want.status != http.StatusOK {
					rec := serve(c.chain(&whoHandler{}), tt.q.build())
					assertNoLeak(t, rec, []string{"Bearer " + valid, "Bearer " + expired})
				}
			}
		})
	}
}

func TestErrorHandlerSentinels(t *testing.T) {
	var (
		mu  sync.Mutex
		got []error
	)
	opts := nethttp.Options{Options: bearer.Options{Realm: "api", Cookie: "at", Query: "access_token"}}
	var m *nethttp.Middleware
	opts.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		mu.Lock()
		got = append(got, err)
		mu.Unlock()
		m.WriteError(w, r, err)
	}
	m, _ = newTestMiddleware(t, opts)
	optOpts := opts
	optOpts.Optional = true
	optional, _ := newTestMiddleware(t, optOpts)
	valid := testIssuer.MustMint(t, verifiertest.Token{Scope: "read"})

	tests := []struct {
		name       string
		m          *nethttp.Middleware
		q          req
		wantErr    error // nil: ErrorHandler not called
		wantStatus int
	}{
		{"no token", m, req{}, nethttp.ErrNoCredentials, http.StatusUnauthorized},
		{"Basic credentials", m, req{auth: []string{"Basic dXNlcjpwYXNz"}}, nethttp.ErrNoCredentials, http.StatusUnauthorized},
		{"empty cookie", m, req{cookies: []string{"at="}}, nethttp.ErrNoCredentials, http.StatusUnauthorized},
		{"header and cookie", m, req{auth: []string{"Bearer " + valid}, cookies: []string{"at=" + valid}}, nethttp.ErrInvalidRequest, http.StatusBadRequest},
		{"header and query", m, req{target: "/items?access_token=" + valid, auth: []string{"Bearer " + valid}}, nethttp.ErrInvalidRequest, http.StatusBadRequest},
		{"cookie and query", m, req{target: "/items?access_token=" + valid, cookies: []string{"at=" + valid}}, nethttp.ErrInvalidRequest, http.StatusBadRequest},
		{"cookie twice", m, req{cookies: []string{"at=a; at=b"}}, nethttp.ErrInvalidRequest, http.StatusBadRequest},
		{"query twice", m, req{target: "/items?access_token=a&access_token=b"}, nethttp.ErrInvalidRequest, http.StatusBadRequest},
		{"empty query value", m, req{target: "/items?access_token="}, nethttp.ErrInvalidRequest, http.StatusBadRequest},
		{"Optional, no token", optional, req{}, nil, http.StatusOK},
		{"Optional, two places", optional, req{auth: []string{"Bearer " + valid}, cookies: []string{"at=" + valid}}, nethttp.ErrInvalidRequest, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			got = nil
			mu.Unlock()
			rec := serve(tt.m.Authenticate(&whoHandler{}), tt.q.build())
			assert.Equal(t, tt.wantStatus, rec.Code, "Authenticate(%s) status with an ErrorHandler calling WriteError", tt.q)
			mu.Lock()
			defer mu.Unlock()
			if tt.wantErr == nil {
				assert.Empty(t, got, "ErrorHandler calls for Authenticate(%s)", tt.q)
				return
			}
			require.Len(t, got, 1, "ErrorHandler calls for Authenticate(%s)", tt.q)
			assert.ErrorIs(t, got[0], tt.wantErr, "error passed to ErrorHandler for Authenticate(%s)", tt.q)
			for _, other := range []error{nethttp.ErrNoCredentials, nethttp.ErrInvalidRequest, verifier.ErrInvalidToken} {
				if other != tt.wantErr {
					assert.NotErrorIs(t, got[0], other, "error passed to ErrorHandler for Authenticate(%s)", tt.q)
				}
			}
		})
	}
}

func TestWriteErrorSentinels(t *testing.T) {
	m, _ := newTestMiddleware(t, nethttp.Options{Options: bearer.Options{Realm: "api"}})
	rec := httptest.NewRecorder()
	m.WriteError(rec, get(), nethttp.ErrNoCredentials)
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "WriteError(ErrNoCredentials) status")
	assert.Equal(t, `Bearer realm="api"`, rec.Header().Get("WWW-Authenticate"), "WriteError(ErrNoCredentials) WWW-Authenticate")
	assert.Equal(t, "{}\n", rec.Body.String(), "WriteError(ErrNoCredentials) body")

	rec = httptest.NewRecorder()
	m.WriteError(rec, get(), fmt.Errorf("logged: %w", nethttp.ErrNoCredentials))
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "WriteError(wrapped ErrNoCredentials) status")
}

// The error handler of a scope guard gets the request with the claims, so
// it can log who was refused; on a refused token it gets none.
func TestErrorHandlerSeesClaimsOnScopeFailure(t *testing.T) {
	var subjects []string
	var found []bool
	m, _ := newTestMiddleware(t, nethttp.Options{ErrorHandler: func(w http.ResponseWriter, r *http.Request, _ error) {
		c, ok := nethttp.ClaimsFrom(r)
		found = append(found, ok)
		if ok {
			subjects = append(subjects, c.Subject())
		}
		w.WriteHeader(http.StatusForbidden)
	}})
	h := m.Require(scopes.AllOf("admin"))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("handler ran for a refused request")
	}))
	for _, tok := range []verifiertest.Token{
		{Subject: "reader", Scope: "read"},
		{Subject: "late", Scope: "admin", ExpiresIn: -time.Hour},
	} {
		r := httptest.NewRequest(http.MethodGet, "/admin", nil)
		r.Header.Set("Authorization", "Bearer "+testIssuer.MustMint(t, tok))
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	assert.Equal(t, []bool{true, false}, found, "claims found by ErrorHandler: scope refused, then token expired")
	assert.Equal(t, []string{"reader"}, subjects, "subjects of the claims ErrorHandler saw")
}
