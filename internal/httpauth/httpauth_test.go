package httpauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/internal/httpauth"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// fixedNow is the fake clock of the shared issuer and of every verifier in
// this package's tests.
var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func fakeClock() time.Time { return fixedNow }

// issuer is shared by every test of the package; it only mints tokens and
// serves its JWKS, so tests cannot disturb each other through it.
var issuer *verifiertest.Issuer

func TestMain(m *testing.M) {
	issuer = verifiertest.NewIssuer(verifiertest.IssuerConfig{Algorithm: "ES256", Now: fakeClock})
	defer issuer.Close()
	m.Run()
}

// countingSource counts key lookups: the verifier makes one for every
// well-formed token of a trusted issuer it checks.
type countingSource struct {
	jwks.Source
	calls atomic.Int64
}

func (c *countingSource) Keys(ctx context.Context, q jwks.Query) ([]*jwks.Key, error) {
	c.calls.Add(1)
	return c.Source.Keys(ctx, q)
}

// newVerifier returns a verifier trusting the shared issuer, and the key
// source whose lookups it counts.
func newVerifier(t *testing.T) (*verifier.Verifier, *countingSource) {
	t.Helper()
	cfg := issuer.VerifierConfig()
	src := &countingSource{Source: cfg.Keys}
	cfg.Keys = src
	// Key lookups count verifications here; the cache of verified tokens
	// would hide the repeated ones.
	cfg.DisableCache = true
	v, err := verifier.New(cfg)
	require.NoError(t, err, "verifier.New(issuer.VerifierConfig())")
	return v, src
}

func newAuth(t *testing.T, v *verifier.Verifier, s httpauth.Settings) *httpauth.Auth {
	t.Helper()
	a, err := httpauth.New("test", v, s)
	require.NoError(t, err, "httpauth.New(v, %+v)", s)
	return a
}

// requestWith returns a GET request carrying one Authorization header per
// value.
func requestWith(authorization ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/items", nil)
	for _, v := range authorization {
		r.Header.Add("Authorization", v)
	}
	return r
}

func TestNewRefusesBadSettings(t *testing.T) {
	v, _ := newVerifier(t)
	tests := []struct {
		name string
		v    *verifier.Verifier
		s    httpauth.Settings
	}{
		{"nil verifier", nil, httpauth.Settings{}},
		{"realm with CR", v, httpauth.Settings{Realm: "api\r"}},
		{"realm with LF", v, httpauth.Settings{Realm: "api\nX-Injected: 1"}},
		{"realm with CRLF", v, httpauth.Settings{Realm: "api\r\nX-Injected: 1"}},
		{"realm with NUL", v, httpauth.Settings{Realm: "a\x00pi"}},
		{"realm with DEL", v, httpauth.Settings{Realm: "api\x7f"}},
		{"realm with non-ASCII", v, httpauth.Settings{Realm: "réalm"}},
		{"realm with tab", v, httpauth.Settings{Realm: "a\tpi"}},
		{"scheme with a space", v, httpauth.Settings{Schemes: []string{"Bear er"}}},
		{"scheme with trailing space", v, httpauth.Settings{Schemes: []string{"Bearer "}}},
		{"empty scheme", v, httpauth.Settings{Schemes: []string{""}}},
		{"empty scheme after a good one", v, httpauth.Settings{Schemes: []string{"Bearer", ""}}},
		{"scheme with a quote", v, httpauth.Settings{Schemes: []string{`Bea"rer`}}},
		{"scheme with a comma", v, httpauth.Settings{Schemes: []string{"Bearer,JWT"}}},
		{"scheme with CRLF", v, httpauth.Settings{Schemes: []string{"Bearer\r\n"}}},
		{"scheme not ASCII", v, httpauth.Settings{Schemes: []string{"Bärer"}}},
		{"retry-after below one second", v, httpauth.Settings{RetryAfter: 999 * time.Millisecond}},
		{"retry-after negative", v, httpauth.Settings{RetryAfter: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := httpauth.New("test", tt.v, tt.s)
			assert.Error(t, err, "httpauth.New(%v, %+v) = nil error, want one", tt.v, tt.s)
			assert.Nil(t, a, "httpauth.New(%v, %+v) returned an Auth along with its error", tt.v, tt.s)
		})
	}
}

func TestNewRetryAfter(t *testing.T) {
	v, _ := newVerifier(t)
	unavailable := errors.Join(verifier.ErrKeysUnavailable, jwks.ErrUnavailable)
	tests := []struct {
		retry time.Duration
		want  string
	}{
		{0, "30"},
		{httpauth.DefaultRetryAfter, "30"},
		{time.Second, "1"},
		{2 * time.Minute, "120"},
	}
	for _, tt := range tests {
		t.Run(tt.retry.String(), func(t *testing.T) {
			a := newAuth(t, v, httpauth.Settings{RetryAfter: tt.retry})
			resp := a.ResponseFor(unavailable)
			assert.Equal(t, http.StatusServiceUnavailable, resp.Status, "ResponseFor(keys unavailable).Status with RetryAfter %v", tt.retry)
			assert.Equal(t, tt.want, resp.RetryAfter, "ResponseFor(keys unavailable).RetryAfter with RetryAfter %v", tt.retry)
		})
	}
}

func TestNewCopiesSchemes(t *testing.T) {
	v, _ := newVerifier(t)
	schemes := []string{"JWT"}
	a := newAuth(t, v, httpauth.Settings{Schemes: schemes})
	schemes[0] = "Bearer"
	tok, err := a.Token(requestWith("JWT abc"))
	assert.NoError(t, err, `Token("JWT abc") after the caller changed its Schemes slice to "Bearer"`)
	assert.Equal(t, "abc", tok, `Token("JWT abc") after the caller changed its Schemes slice`)
	_, err = a.Token(requestWith("Bearer abc"))
	assert.True(t, httpauth.IsNoCredentials(err), `Token("Bearer abc") = %v, want no credentials: the Auth must keep its own copy of Schemes`, err)
}

func TestToken(t *testing.T) {
	v, _ := newVerifier(t)
	const (
		ok = iota
		noCredentials
		badRequest
	)
	tests := []struct {
		name     string
		schemes  []string
		header   []string
		want     int
		wantTok  string
		wantDesc string // description of a *RequestError
	}{
		{"no header", nil, nil, noCredentials, "", ""},
		{"bearer token", nil, []string{"Bearer x"}, ok, "x", ""},
		{"realistic token", nil, []string{"Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"}, ok, "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln", ""},
		{"token68 padding and symbols", nil, []string{"Bearer a-b_c.d~e+f/g=="}, ok, "a-b_c.d~e+f/g==", ""},
		{"scheme lower case", nil, []string{"bearer x"}, ok, "x", ""},
		{"scheme upper case", nil, []string{"BEARER x"}, ok, "x", ""},
		{"scheme mixed case", nil, []string{"BeArEr x"}, ok, "x", ""},
		{"several spaces after scheme", nil, []string{"Bearer    x"}, ok, "x", ""},
		{"Bearer and JWT: Bearer", []string{"Bearer", "JWT"}, []string{"Bearer x"}, ok, "x", ""},
		{"Bearer and JWT: JWT", []string{"Bearer", "JWT"}, []string{"JWT x"}, ok, "x", ""},
		{"Bearer and JWT: jwt lower case", []string{"Bearer", "JWT"}, []string{"jwt x"}, ok, "x", ""},
		{"JWT only: JWT", []string{"JWT"}, []string{"JWT x"}, ok, "x", ""},
		{"JWT only: Bearer is no credentials", []string{"JWT"}, []string{"Bearer x"}, noCredentials, "", ""},
		{"Basic is no credentials", nil, []string{"Basic dXNlcjpwYXNz"}, noCredentials, "", ""},
		{"Digest is no credentials", nil, []string{`Digest username="u", realm="r"`}, noCredentials, "", ""},
		{"scheme prefix is no credentials", nil, []string{"Bearerx"}, noCredentials, "", ""},
		{"empty header value is no credentials", nil, []string{""}, noCredentials, "", ""},
		{"two Authorization headers", nil, []string{"Bearer x", "Bearer y"}, badRequest, "", "more than one Authorization header"},
		{"two headers of which one Basic", nil, []string{"Basic dXNlcjpwYXNz", "Bearer y"}, badRequest, "", "more than one Authorization header"},
		{"Bearer without token", nil, []string{"Bearer"}, badRequest, "", "empty token"},
		{"Bearer and a space", nil, []string{"Bearer "}, badRequest, "", "empty token"},
		{"Bearer and spaces", nil, []string{"Bearer    "}, badRequest, "", "empty token"},
		{"JWT without token", []string{"JWT"}, []string{"JWT"}, badRequest, "", "empty token"},
		// Whitespace inside the token makes a malformed token, left to the
		// verifier (401 invalid_token), not a malformed request.
		{"two tokens", nil, []string{"Bearer a b"}, ok, "a b", ""},
		{"token with a tab", nil, []string{"Bearer a\tb"}, ok, "a\tb", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuth(t, v, httpauth.Settings{Realm: "api", Schemes: tt.schemes})
			tok, err := a.Token(requestWith(tt.header...))
			switch tt.want {
			case ok:
				require.NoError(t, err, "Token(Authorization: %q) with schemes %q", tt.header, tt.schemes)
				assert.Equal(t, tt.wantTok, tok, "Token(Authorization: %q) with schemes %q", tt.header, tt.schemes)
			case noCredentials:
				require.Error(t, err, "Token(Authorization: %q) with schemes %q = %q, want no credentials", tt.header, tt.schemes, tok)
				assert.True(t, httpauth.IsNoCredentials(err), "IsNoCredentials(Token(Authorization: %q) error %v) = false, want true", tt.header, err)
				assert.Equal(t, http.StatusUnauthorized, a.ResponseFor(err).Status, "ResponseFor(no credentials).Status")
			case badRequest:
				require.Error(t, err, "Token(Authorization: %q) with schemes %q = %q, want a *RequestError", tt.header, tt.schemes, tok)
				var reqErr *httpauth.RequestError
				require.True(t, errors.As(err, &reqErr), "Token(Authorization: %q) error = %T %v, want *httpauth.RequestError", tt.header, err, err)
				assert.False(t, httpauth.IsNoCredentials(err), "IsNoCredentials(%v) = true for a malformed request, want false", err)
				assert.Equal(t, tt.wantDesc, reqErr.Description, "RequestError.Description for Authorization: %q", tt.header)
				assert.Equal(t, http.StatusBadRequest, a.ResponseFor(err).Status, "ResponseFor(%v).Status", err)
			}
			if tt.want != ok {
				assert.Empty(t, tok, "Token(Authorization: %q) returned a token along with an error", tt.header)
			}
		})
	}
}

func TestIsNoCredentials(t *testing.T) {
	v, _ := newVerifier(t)
	a := newAuth(t, v, httpauth.Settings{})
	_, noCreds := a.Token(requestWith())
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"no credentials", noCreds, true},
		{"wrapped no credentials", errors.Join(errors.New("context"), noCreds), true},
		{"nil", nil, false},
		{"request error", &httpauth.RequestError{Description: "empty token"}, false},
		{"same text, other error", errors.New(noCreds.Error()), false},
		{"verifier error", &verifier.Error{Reason: verifier.ErrExpired}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, httpauth.IsNoCredentials(tt.err), "IsNoCredentials(%v)", tt.err)
		})
	}
}

func TestRequestErrorMessage(t *testing.T) {
	err := &httpauth.RequestError{Description: "empty token"}
	assert.EqualError(t, err, "invalid request: empty token", "RequestError.Error()")
}

// claimsOf returns the claims in r's context, or nil if r is nil or carries
// none.
func claimsOf(r *http.Request) *verifier.Claims {
	if r == nil {
		return nil
	}
	c, _ := verifier.FromContext(r.Context())
	return c
}

func TestAuthenticate(t *testing.T) {
	v, src := newVerifier(t)
	a := newAuth(t, v, httpauth.Settings{Realm: "api"})

	t.Run("valid token", func(t *testing.T) {
		tok := issuer.MustMint(t, verifiertest.Token{Subject: "client-1", Scope: "read write"})
		r := requestWith("Bearer " + tok)
		before := src.calls.Load()
		got, err := a.Authenticate(r)
		require.NoError(t, err, "Authenticate(valid token)")
		require.NotNil(t, got, "Authenticate(valid token) returned no request")
		assert.NotSame(t, r, got, "Authenticate(valid token) returned the request it was given, want one carrying the claims")
		claims, ok := verifier.FromContext(got.Context())
		require.True(t, ok, "verifier.FromContext(Authenticate(valid token).Context()) found no claims")
		assert.Equal(t, "client-1", claims.Subject(), "claims of Authenticate(valid token): Subject()")
		assert.Equal(t, []string{"read", "write"}, claims.Scopes().List(), "claims of Authenticate(valid token): Scopes()")
		assert.Equal(t, int64(1), src.calls.Load()-before, "key lookups made by Authenticate(valid token)")
		_, ok = verifier.FromContext(r.Context())
		assert.False(t, ok, "Authenticate(valid token) stored claims in the caller's request, want them only in the returned one")
		assert.Equal(t, r.URL, got.URL, "URL of the request Authenticate returned")
		assert.Equal(t, r.Header, got.Header, "headers of the request Authenticate returned")
	})
	t.Run("claims already in the context", func(t *testing.T) {
		stored, err := a.Authenticate(requestWith("Bearer " + issuer.MustMint(t, verifiertest.Token{Subject: "stored"})))
		require.NoError(t, err, "Authenticate(valid token)")
		// A bad header after authentication is not even read.
		r := requestWith("Bearer a b").WithContext(stored.Context())
		before := src.calls.Load()
		got, err := a.Authenticate(r)
		require.NoError(t, err, "Authenticate(request whose context holds claims)")
		assert.Same(t, r, got, "Authenticate(request whose context holds claims) returned another request, want the same one")
		assert.Same(t, claimsOf(stored), claimsOf(got), "claims after Authenticate(request whose context holds claims)")
		assert.Equal(t, int64(0), src.calls.Load()-before, "key lookups made by Authenticate(request whose context holds claims)")
	})
	t.Run("no credentials", func(t *testing.T) {
		before := src.calls.Load()
		got, err := a.Authenticate(requestWith())
		assert.True(t, httpauth.IsNoCredentials(err), "Authenticate(no header) error = %v, want no credentials", err)
		assert.NotNil(t, got, "Authenticate(no header) request, want the request with its error")
		assert.Equal(t, int64(0), src.calls.Load()-before, "key lookups made by Authenticate(no header)")
	})
	t.Run("malformed request", func(t *testing.T) {
		got, err := a.Authenticate(requestWith("Bearer a", "Bearer b"))
		var reqErr *httpauth.RequestError
		assert.True(t, errors.As(err, &reqErr), "Authenticate(two Authorization headers) error = %T %v, want *httpauth.RequestError", err, err)
		assert.NotNil(t, got, "Authenticate(two Authorization headers) request, want the request with its error")
	})
	t.Run("whitespace in the token", func(t *testing.T) {
		_, err := a.Authenticate(requestWith("Bearer a b"))
		assert.ErrorIs(t, err, verifier.ErrMalformed, "Authenticate(Bearer a b): a malformed token, for the verifier to reject")
	})
	t.Run("rejected token", func(t *testing.T) {
		tok := issuer.MustMint(t, verifiertest.Token{ExpiresIn: -time.Hour})
		got, err := a.Authenticate(requestWith("Bearer " + tok))
		var vErr *verifier.Error
		require.True(t, errors.As(err, &vErr), "Authenticate(expired token) error = %T %v, want *verifier.Error", err, err)
		assert.ErrorIs(t, err, verifier.ErrExpired, "Authenticate(expired token) error")
		assert.NotNil(t, got, "Authenticate(expired token) request, want the request with its error")
	})
	t.Run("uses the request context", func(t *testing.T) {
		// An unavailable key source must see the request's context: a
		// cancelled request does not wait for keys.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		seen := make(chan context.Context, 1)
		cfg := issuer.VerifierConfig()
		cfg.Keys = ctxSource(func(ctx context.Context) { seen <- ctx })
		v2, err := verifier.New(cfg)
		require.NoError(t, err, "verifier.New")
		a2 := newAuth(t, v2, httpauth.Settings{})
		r := requestWith("Bearer " + issuer.MustMint(t, verifiertest.Token{})).WithContext(ctx)
		got, err := a2.Authenticate(r)
		assert.ErrorIs(t, err, verifier.ErrKeysUnavailable, "Authenticate with a source that fails")
		assert.NotNil(t, got, "Authenticate with a source that fails: request, want the request with its error")
		ctxSeen := <-seen
		assert.ErrorIs(t, ctxSeen.Err(), context.Canceled, "ctx the key source received: want the request's (cancelled) context")
	})
}

// ctxSource is a key source that reports the ctx it is called with and has
// no keys to offer.
type ctxSource func(context.Context)

func (f ctxSource) Keys(ctx context.Context, _ jwks.Query) ([]*jwks.Key, error) {
	f(ctx)
	return nil, jwks.ErrUnavailable
}

func TestAuthorize(t *testing.T) {
	v, src := newVerifier(t)
	a := newAuth(t, v, httpauth.Settings{Realm: "api"})

	// Claims obtained by an earlier Authenticate.
	authenticated, err := a.Authenticate(requestWith("Bearer " + issuer.MustMint(t, verifiertest.Token{Subject: "stored", Scope: "read"})))
	require.NoError(t, err, "Authenticate(valid token)")
	stored := claimsOf(authenticated)
	require.NotNil(t, stored, "claims in the context of the request Authenticate(valid token) returned")
	withStored := func(r *http.Request) *http.Request {
		return r.WithContext(verifier.NewContext(r.Context(), stored))
	}
	fresh := issuer.MustMint(t, verifiertest.Token{Subject: "fresh", Scope: "read write"})

	tests := []struct {
		name        string
		req         *http.Request
		requirement scopes.Requirement
		wantSubject string // "" when an error is wanted
		wantFresh   bool   // claims verified now rather than found in ctx
		wantLookups int64
		wantErr     func(error) bool
	}{
		{
			name:        "claims in ctx reused without any Authorization header",
			req:         withStored(requestWith()),
			wantSubject: "stored",
		},
		{
			name:        "claims in ctx reused; a bad header is not even read",
			req:         withStored(requestWith("Bearer a b")),
			requirement: scopes.AllOf("read"),
			wantSubject: "stored",
		},
		{
			name:        "claims in ctx reused; another valid token is not verified",
			req:         withStored(requestWith("Bearer " + fresh)),
			requirement: scopes.AllOf("read"),
			wantSubject: "stored",
		},
		{
			name:        "claims in ctx lacking a scope",
			req:         withStored(requestWith("Bearer " + fresh)),
			requirement: scopes.AllOf("write"),
			wantErr:     isMissing("write"),
		},
		{
			name:        "authenticates when ctx has no claims",
			req:         requestWith("Bearer " + fresh),
			requirement: scopes.AllOf("read write"),
			wantSubject: "fresh",
			wantFresh:   true,
			wantLookups: 1,
		},
		{
			name:        "authenticates, zero requirement",
			req:         requestWith("Bearer " + fresh),
			wantSubject: "fresh",
			wantFresh:   true,
			wantLookups: 1,
		},
		{
			name:        "authenticates, scope missing",
			req:         requestWith("Bearer " + fresh),
			requirement: scopes.AllOf("read", "admin"),
			wantLookups: 1,
			wantErr:     isMissing("admin"),
		},
		{
			name:        "authenticates, any-of none present",
			req:         requestWith("Bearer " + fresh),
			requirement: scopes.AnyOf("admin", "delete"),
			wantLookups: 1,
			wantErr:     isMissing("admin", "delete"),
		},
		{
			name:        "no credentials",
			req:         requestWith(),
			requirement: scopes.AllOf("read"),
			wantErr:     httpauth.IsNoCredentials,
		},
		{
			name:        "token rejected",
			req:         requestWith("Bearer " + issuer.MustMint(t, verifiertest.Token{Scope: "read", ExpiresIn: -time.Hour})),
			requirement: scopes.AllOf("read"),
			wantLookups: 1,
			wantErr:     func(err error) bool { return errors.Is(err, verifier.ErrExpired) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := src.calls.Load()
			got, err := a.Authorize(tt.req, tt.requirement)
			assert.Equal(t, tt.wantLookups, src.calls.Load()-before, "key lookups made by Authorize(%q)", tt.requirement)
			if tt.wantErr != nil {
				assert.True(t, tt.wantErr(err), "Authorize(%q) error = %T %v, not the error wanted", tt.requirement, err, err)
				require.NotNil(t, got, "Authorize(%q) returned no request with its error", tt.requirement)
				if errors.Is(err, scopes.ErrInsufficientScope) {
					assert.NotNil(t, claimsOf(got), "Authorize(%q) refused for scope: the request returned should carry the claims", tt.requirement)
				} else {
					assert.Same(t, tt.req, got, "Authorize(%q) failed before any claims: want the request it was given", tt.requirement)
				}
				return
			}
			require.NoError(t, err, "Authorize(%q)", tt.requirement)
			require.NotNil(t, got, "Authorize(%q) request", tt.requirement)
			claims := claimsOf(got)
			require.NotNil(t, claims, "Authorize(%q) returned a request without claims in its context", tt.requirement)
			assert.Equal(t, tt.wantSubject, claims.Subject(), "Authorize(%q) claims subject", tt.requirement)
			if tt.wantFresh {
				assert.NotSame(t, tt.req, got, "Authorize(%q) of a request without claims returned it unchanged, want a request carrying the fresh claims", tt.requirement)
				assert.Nil(t, claimsOf(tt.req), "Authorize(%q) stored claims in the caller's request", tt.requirement)
			} else {
				assert.Same(t, tt.req, got, "Authorize(%q) of a request whose ctx holds claims returned another request, want the same one", tt.requirement)
				assert.Same(t, stored, claims, "Authorize(%q) returned other claims than those in ctx", tt.requirement)
			}
		})
	}
}

// isMissing returns a check that err is a *scopes.MissingError naming
// exactly the given scopes.
func isMissing(want ...string) func(error) bool {
	return func(err error) bool {
		var missing *scopes.MissingError
		return errors.As(err, &missing) && errors.Is(err, scopes.ErrInsufficientScope) &&
			assert.ObjectsAreEqual(want, missing.Missing)
	}
}

// sourced is a request for TestTokenSources: its target (path and query),
// Authorization header values and Cookie header values.
type sourced struct {
	target  string
	headers []string
	cookies []string
}

func (s sourced) request() *http.Request {
	target := s.target
	if target == "" {
		target = "/items"
	}
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for _, v := range s.headers {
		r.Header.Add("Authorization", v)
	}
	for _, v := range s.cookies {
		r.Header.Add("Cookie", v)
	}
	return r
}

func TestTokenSources(t *testing.T) {
	v, _ := newVerifier(t)
	const (
		ok = iota
		noCredentials
		badRequest
	)
	cookieAndQuery := httpauth.Settings{Cookie: "at", Query: "access_token"}
	tests := []struct {
		name     string
		s        httpauth.Settings
		req      sourced
		want     int
		wantTok  string
		wantDesc string // description of a *RequestError
	}{
		// One place.
		{"header alone", cookieAndQuery, sourced{headers: []string{"Bearer h"}}, ok, "h", ""},
		{"cookie alone", cookieAndQuery, sourced{cookies: []string{"at=c"}}, ok, "c", ""},
		{"cookie among others", cookieAndQuery, sourced{cookies: []string{"session=s; at=c; theme=dark"}}, ok, "c", ""},
		{"quoted cookie", cookieAndQuery, sourced{cookies: []string{`at="c"`}}, ok, "c", ""},
		{"cookie only configured", httpauth.Settings{Cookie: "at"}, sourced{cookies: []string{"at=c"}}, ok, "c", ""},
		{"query alone", cookieAndQuery, sourced{target: "/items?access_token=q"}, ok, "q", ""},
		{"query among other parameters", cookieAndQuery, sourced{target: "/items?page=2&access_token=q&sort=asc"}, ok, "q", ""},
		{"query percent-encoded", cookieAndQuery, sourced{target: "/items?access_token=a%2Eb%2Bc"}, ok, "a.b+c", ""},
		{"query only configured", httpauth.Settings{Query: "access_token"}, sourced{target: "/items?access_token=q"}, ok, "q", ""},
		{"Basic header and a token cookie", cookieAndQuery, sourced{headers: []string{"Basic dXNlcjpwYXNz"}, cookies: []string{"at=c"}}, ok, "c", ""},
		{"Basic header and a token query", cookieAndQuery, sourced{target: "/items?access_token=q", headers: []string{"Basic dXNlcjpwYXNz"}}, ok, "q", ""},
		{"empty cookie and a header token", cookieAndQuery, sourced{headers: []string{"Bearer h"}, cookies: []string{"at="}}, ok, "h", ""},
		{"empty cookie and a query token", cookieAndQuery, sourced{target: "/items?access_token=q", cookies: []string{"at="}}, ok, "q", ""},

		// No token.
		{"nothing", cookieAndQuery, sourced{}, noCredentials, "", ""},
		{"empty cookie", cookieAndQuery, sourced{cookies: []string{"at="}}, noCredentials, "", ""},
		{"empty quoted cookie", cookieAndQuery, sourced{cookies: []string{`at=""`}}, noCredentials, "", ""},
		{"other cookies only", cookieAndQuery, sourced{cookies: []string{"session=s; AT=c; att=c"}}, noCredentials, "", ""},
		{"query configured, no query string", cookieAndQuery, sourced{target: "/items"}, noCredentials, "", ""},
		{"query configured, other parameters only", cookieAndQuery, sourced{target: "/items?page=2&Access_Token=q"}, noCredentials, "", ""},
		{"Basic header and an empty cookie", cookieAndQuery, sourced{headers: []string{"Basic dXNlcjpwYXNz"}, cookies: []string{"at="}}, noCredentials, "", ""},
		{"cookie not configured", httpauth.Settings{}, sourced{cookies: []string{"at=c"}}, noCredentials, "", ""},
		{"query not configured", httpauth.Settings{}, sourced{target: "/items?access_token=q"}, noCredentials, "", ""},
		{"cookie not configured, header and cookie", httpauth.Settings{}, sourced{headers: []string{"Bearer h"}, cookies: []string{"at=c"}}, ok, "h", ""},
		{"query not configured, header and query", httpauth.Settings{}, sourced{target: "/items?access_token=q", headers: []string{"Bearer h"}}, ok, "h", ""},

		// More than one place.
		{"header and cookie", cookieAndQuery, sourced{headers: []string{"Bearer h"}, cookies: []string{"at=c"}}, badRequest, "", "token sent in more than one place"},
		{"header and query", cookieAndQuery, sourced{target: "/items?access_token=q", headers: []string{"Bearer h"}}, badRequest, "", "token sent in more than one place"},
		{"cookie and query", cookieAndQuery, sourced{target: "/items?access_token=q", cookies: []string{"at=c"}}, badRequest, "", "token sent in more than one place"},
		{"all three", cookieAndQuery, sourced{target: "/items?access_token=q", headers: []string{"Bearer h"}, cookies: []string{"at=c"}}, badRequest, "", "token sent in more than one place"},
		{"same token in header and cookie", cookieAndQuery, sourced{headers: []string{"Bearer t"}, cookies: []string{"at=t"}}, badRequest, "", "token sent in more than one place"},

		// One place used twice, or badly.
		{"cookie twice in one header", cookieAndQuery, sourced{cookies: []string{"at=a; at=b"}}, badRequest, "", "token cookie sent more than once"},
		{"cookie twice in two headers", cookieAndQuery, sourced{cookies: []string{"at=a", "at=b"}}, badRequest, "", "token cookie sent more than once"},
		{"cookie twice, one empty", cookieAndQuery, sourced{cookies: []string{"at=; at=b"}}, badRequest, "", "token cookie sent more than once"},
		{"query parameter twice", cookieAndQuery, sourced{target: "/items?access_token=a&access_token=b"}, badRequest, "", "token query parameter sent more than once"},
		{"query parameter twice, same value", cookieAndQuery, sourced{target: "/items?access_token=a&access_token=a"}, badRequest, "", "token query parameter sent more than once"},
		{"empty query value", cookieAndQuery, sourced{target: "/items?access_token="}, badRequest, "", "empty token"},
		{"query parameter without value", cookieAndQuery, sourced{target: "/items?access_token"}, badRequest, "", "empty token"},
		{"empty query value and a header token", cookieAndQuery, sourced{target: "/items?access_token=", headers: []string{"Bearer h"}}, badRequest, "", "empty token"},
		{"query token with a space", cookieAndQuery, sourced{target: "/items?access_token=a+b"}, ok, "a b", ""},
		{"cookie token with a space", cookieAndQuery, sourced{cookies: []string{`at="a b"`}}, ok, "a b", ""},
		{"two Authorization headers and a cookie", cookieAndQuery, sourced{headers: []string{"Bearer h", "Bearer i"}, cookies: []string{"at=c"}}, badRequest, "", "more than one Authorization header"},
		{"empty bearer and a cookie", cookieAndQuery, sourced{headers: []string{"Bearer "}, cookies: []string{"at=c"}}, badRequest, "", "empty token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuth(t, v, tt.s)
			r := tt.req.request()
			call := func() string {
				return fmt.Sprintf("Token(%s, Authorization %q, Cookie %q) with Settings.Cookie %q, Settings.Query %q",
					r.URL, tt.req.headers, tt.req.cookies, tt.s.Cookie, tt.s.Query)
			}
			tok, err := a.Token(r)
			switch tt.want {
			case ok:
				require.NoError(t, err, "%s", call())
				assert.Equal(t, tt.wantTok, tok, "%s", call())
			case noCredentials:
				assert.ErrorIs(t, err, httpauth.ErrNoCredentials, "%s = %q, want no credentials", call(), tok)
				assert.Equal(t, http.StatusUnauthorized, a.ResponseFor(err).Status, "ResponseFor(%v).Status", err)
			case badRequest:
				var reqErr *httpauth.RequestError
				require.True(t, errors.As(err, &reqErr), "%s = %q, %T %v, want *httpauth.RequestError", call(), tok, err, err)
				assert.ErrorIs(t, err, httpauth.ErrInvalidRequest, "%s error", call())
				assert.Equal(t, tt.wantDesc, reqErr.Description, "%s: RequestError.Description", call())
				assert.Equal(t, http.StatusBadRequest, a.ResponseFor(err).Status, "ResponseFor(%v).Status", err)
			}
			if tt.want != ok {
				assert.Empty(t, tok, "%s returned a token along with an error", call())
			}
		})
	}
}

func TestNewCookieName(t *testing.T) {
	v, _ := newVerifier(t)
	for _, name := range []string{"a b", " at", "at ", "a;b", "a=b", "a,b", `a"b`, "a\tb", "a\r\nb", "a\x00b", "ä", "(at)", "a/b"} {
		t.Run("refuses "+name, func(t *testing.T) {
			a, err := httpauth.New("test", v, httpauth.Settings{Cookie: name})
			assert.Error(t, err, "httpauth.New(v, Settings{Cookie: %q}) = nil error, want one", name)
			assert.Nil(t, a, "httpauth.New(v, Settings{Cookie: %q}) returned an Auth along with its error", name)
		})
	}
	for _, name := range []string{"at", "access_token", "__Host-token", "x.y", "TOKEN!#$%&'*+-.^_`|~"} {
		t.Run("accepts "+name, func(t *testing.T) {
			a := newAuth(t, v, httpauth.Settings{Cookie: name})
			r := requestWith()
			r.AddCookie(&http.Cookie{Name: name, Value: "tok"})
			tok, err := a.Token(r)
			require.NoError(t, err, "Token(request with cookie %q) with Cookie %q", name, name)
			assert.Equal(t, "tok", tok, "Token(request with cookie %q) with Cookie %q", name, name)
		})
	}
	t.Run("empty means disabled", func(t *testing.T) {
		a := newAuth(t, v, httpauth.Settings{Cookie: ""})
		r := requestWith()
		r.AddCookie(&http.Cookie{Name: "at", Value: "tok"})
		r.Header.Add("Cookie", "=tok")
		tok, err := a.Token(r)
		assert.ErrorIs(t, err, httpauth.ErrNoCredentials, "Token(request with cookies) with Cookie \"\" = %q, %v, want no credentials", tok, err)
	})
}

func TestOptional(t *testing.T) {
	v, src := newVerifier(t)
	a := newAuth(t, v, httpauth.Settings{Realm: "api", Optional: true, Cookie: "at", Query: "access_token"})
	valid := issuer.MustMint(t, verifiertest.Token{Subject: "client-1", Scope: "read"})
	expired := issuer.MustMint(t, verifiertest.Token{Scope: "read", ExpiresIn: -time.Hour})

	t.Run("Authenticate passes requests without a token", func(t *testing.T) {
		for _, req := range []sourced{
			{},
			{headers: []string{"Basic dXNlcjpwYXNz"}},
			{cookies: []string{"at="}},
			{target: "/items?page=2"},
		} {
			r := req.request()
			before := src.calls.Load()
			got, err := a.Authenticate(r)
			require.NoError(t, err, "Authenticate(%+v) with Optional", req)
			assert.Same(t, r, got, "Authenticate(%+v) with Optional returned another request, want the same one", req)
			assert.Nil(t, claimsOf(got), "claims after Authenticate(%+v) with Optional, want none", req)
			assert.Equal(t, int64(0), src.calls.Load()-before, "key lookups made by Authenticate(%+v) with Optional", req)
		}
	})
	t.Run("Authenticate verifies a token", func(t *testing.T) {
		for _, req := range []sourced{
			{headers: []string{"Bearer " + valid}},
			{cookies: []string{"at=" + valid}},
			{target: "/items?access_token=" + valid},
		} {
			before := src.calls.Load()
			got, err := a.Authenticate(req.request())
			require.NoError(t, err, "Authenticate(valid token) with Optional")
			require.NotNil(t, claimsOf(got), "Authenticate(valid token) with Optional returned a request without claims")
			assert.Equal(t, "client-1", claimsOf(got).Subject(), "claims subject after Authenticate(valid token) with Optional")
			assert.Equal(t, int64(1), src.calls.Load()-before, "key lookups made by Authenticate(valid token) with Optional")
		}
	})
	t.Run("Authenticate still rejects bad requests and tokens", func(t *testing.T) {
		tests := []struct {
			name        string
			req         sourced
			want        error
			wantLookups int64
		}{
			{"expired token", sourced{headers: []string{"Bearer " + expired}}, verifier.ErrExpired, 1},
			{"expired cookie", sourced{cookies: []string{"at=" + expired}}, verifier.ErrExpired, 1},
			{"garbage token", sourced{headers: []string{"Bearer garbage"}}, verifier.ErrMalformed, 0},
			{"empty bearer", sourced{headers: []string{"Bearer "}}, httpauth.ErrInvalidRequest, 0},
			{"empty query value", sourced{target: "/items?access_token="}, httpauth.ErrInvalidRequest, 0},
			{"two places", sourced{headers: []string{"Bearer " + valid}, cookies: []string{"at=" + valid}}, httpauth.ErrInvalidRequest, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := src.calls.Load()
				got, err := a.Authenticate(tt.req.request())
				assert.ErrorIs(t, err, tt.want, "Authenticate(%s) with Optional", tt.name)
				assert.NotErrorIs(t, err, httpauth.ErrNoCredentials, "Authenticate(%s) with Optional", tt.name)
				assert.NotNil(t, got, "Authenticate(%s) with Optional returned no request with its error", tt.name)
				assert.Equal(t, tt.wantLookups, src.calls.Load()-before, "key lookups made by Authenticate(%s) with Optional", tt.name)
			})
		}
	})
	t.Run("Authorize requires a token", func(t *testing.T) {
		for _, req := range []scopes.Requirement{{}, scopes.AllOf("read")} {
			before := src.calls.Load()
			got, err := a.Authorize(requestWith(), req)
			assert.ErrorIs(t, err, httpauth.ErrNoCredentials, "Authorize(no token, %q) with Optional", req)
			assert.NotNil(t, got, "Authorize(no token, %q) with Optional returned no request with its error", req)
			assert.Equal(t, int64(0), src.calls.Load()-before, "key lookups made by Authorize(no token, %q) with Optional", req)
		}
	})
	t.Run("Authorize after an anonymous Authenticate requires a token", func(t *testing.T) {
		passed, err := a.Authenticate(requestWith())
		require.NoError(t, err, "Authenticate(no token) with Optional")
		got, err := a.Authorize(passed, scopes.AllOf("read"))
		assert.ErrorIs(t, err, httpauth.ErrNoCredentials, "Authorize(request Authenticate let through anonymously)")
		assert.NotNil(t, got, "Authorize(request Authenticate let through anonymously) returned no request with its error")
	})
	t.Run("Authorize verifies a token", func(t *testing.T) {
		got, err := a.Authorize(requestWith("Bearer "+valid), scopes.AllOf("read"))
		require.NoError(t, err, "Authorize(valid token, read) with Optional")
		assert.Equal(t, "client-1", claimsOf(got).Subject(), "claims subject after Authorize(valid token, read) with Optional")
	})
	t.Run("not optional by default", func(t *testing.T) {
		strict := newAuth(t, v, httpauth.Settings{})
		got, err := strict.Authenticate(requestWith())
		assert.ErrorIs(t, err, httpauth.ErrNoCredentials, "Authenticate(no token) with zero Settings")
		assert.NotNil(t, got, "Authenticate(no token) with zero Settings returned no request with its error")
	})
}

func TestSkip(t *testing.T) {
	v, src := newVerifier(t)
	var skipCalls atomic.Int64
	var lastSeen atomic.Pointer[http.Request]
	a := newAuth(t, v, httpauth.Settings{
		Realm:  "api",
		Cookie: "at",
		Query:  "access_token",
		Skip: func(r *http.Request) bool {
			skipCalls.Add(1)
			lastSeen.Store(r)
			return r.URL.Path == "/healthz" || httpauth.IsPreflight(r)
		},
	})
	valid := issuer.MustMint(t, verifiertest.Token{Subject: "client-1", Scope: "read"})
	preflight := func(r *http.Request) *http.Request {
		r.Method = http.MethodOptions
		r.Header.Set("Access-Control-Request-Method", "POST")
		return r
	}
	health := func(r *http.Request) *http.Request {
		r.URL.Path = "/healthz"
		return r
	}
	garbage := []struct {
		name string
		req  func() *http.Request
	}{
		{"no token", func() *http.Request { return requestWith() }},
		{"two Authorization headers", func() *http.Request { return requestWith("Bearer a", "Bearer b") }},
		{"token with whitespace", func() *http.Request { return requestWith("Bearer a b") }},
		{"malformed token", func() *http.Request { return requestWith("Bearer garbage") }},
		{"token in three places", func() *http.Request {
			return sourced{target: "/items?access_token=q", headers: []string{"Bearer h"}, cookies: []string{"at=c"}}.request()
		}},
		{"valid token", func() *http.Request { return requestWith("Bearer " + valid) }},
	}
	checks := []struct {
		name string
		run  func(*http.Request) (*http.Request, error)
	}{
		{"Authenticate", a.Authenticate},
		{"Authorize(zero)", func(r *http.Request) (*http.Request, error) { return a.Authorize(r, scopes.Requirement{}) }},
		{"Authorize(admin)", func(r *http.Request) (*http.Request, error) { return a.Authorize(r, scopes.AllOf("admin")) }},
	}
	for _, c := range checks {
		for _, skipped := range []struct {
			name string
			mark func(*http.Request) *http.Request
		}{{"health check", health}, {"preflight", preflight}} {
			for _, g := range garbage {
				t.Run(c.name+", "+skipped.name+", "+g.name, func(t *testing.T) {
					r := skipped.mark(g.req())
					beforeLookups, beforeSkips := src.calls.Load(), skipCalls.Load()
					got, err := c.run(r)
					require.NoError(t, err, "%s(skipped %s with %s)", c.name, skipped.name, g.name)
					assert.Same(t, r, got, "%s(skipped %s with %s) returned another request, want the same one", c.name, skipped.name, g.name)
					assert.Nil(t, claimsOf(got), "claims after %s(skipped %s with %s), want none", c.name, skipped.name, g.name)
					assert.Equal(t, int64(0), src.calls.Load()-beforeLookups, "key lookups made by %s(skipped %s with %s)", c.name, skipped.name, g.name)
					assert.Equal(t, int64(1), skipCalls.Load()-beforeSkips, "Skip calls made by %s(skipped %s)", c.name, skipped.name)
					assert.Same(t, r, lastSeen.Load(), "request passed to Skip by %s", c.name)
				})
			}
		}
		t.Run(c.name+", not skipped", func(t *testing.T) {
			// The same garbage on a route the skipper does not match fails.
			for _, g := range garbage[:len(garbage)-1] {
				beforeSkips := skipCalls.Load()
				got, err := c.run(g.req())
				assert.Error(t, err, "%s(not skipped, %s)", c.name, g.name)
				assert.NotNil(t, got, "%s(not skipped, %s) returned no request with its error", c.name, g.name)
				assert.Equal(t, int64(1), skipCalls.Load()-beforeSkips, "Skip calls made by %s(not skipped, %s)", c.name, g.name)
			}
		})
	}
	t.Run("OPTIONS without Access-Control-Request-Method is not skipped", func(t *testing.T) {
		r := requestWith()
		r.Method = http.MethodOptions
		got, err := a.Authenticate(r)
		assert.ErrorIs(t, err, httpauth.ErrNoCredentials, "Authenticate(OPTIONS without Access-Control-Request-Method)")
		assert.NotNil(t, got, "Authenticate(OPTIONS without Access-Control-Request-Method) returned no request with its error")
	})
	t.Run("skipped request keeps claims already in its context", func(t *testing.T) {
		authenticated, err := a.Authenticate(requestWith("Bearer " + valid))
		require.NoError(t, err, "Authenticate(valid token)")
		r := health(requestWith("Bearer a b").WithContext(authenticated.Context()))
		got, err := a.Authorize(r, scopes.AllOf("admin"))
		require.NoError(t, err, "Authorize(skipped request with claims lacking admin, admin)")
		assert.Same(t, r, got, "Authorize(skipped request with claims) returned another request, want the same one")
	})
}

func TestIsPreflight(t *testing.T) {
	tests := []struct {
		name   string
		method string
		acrm   []string // Access-Control-Request-Method values
		want   bool
	}{
		{"OPTIONS with Access-Control-Request-Method", http.MethodOptions, []string{"POST"}, true},
		{"OPTIONS with Access-Control-Request-Method DELETE", http.MethodOptions, []string{"DELETE"}, true},
		{"OPTIONS without the header", http.MethodOptions, nil, false},
		{"OPTIONS with an empty header", http.MethodOptions, []string{""}, false},
		{"GET with Access-Control-Request-Method", http.MethodGet, []string{"POST"}, false},
		{"POST with Access-Control-Request-Method", http.MethodPost, []string{"POST"}, false},
		{"options in lower case", "options", []string{"POST"}, false},
		{"GET without the header", http.MethodGet, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/items", nil)
			r.Header.Set("Origin", "https://app.example.test")
			for _, v := range tt.acrm {
				r.Header.Add("Access-Control-Request-Method", v)
			}
			assert.Equal(t, tt.want, httpauth.IsPreflight(r), "IsPreflight(%s with Access-Control-Request-Method %q)", tt.method, tt.acrm)
			assert.Equal(t, tt.want, nethttp.IsPreflight(r), "nethttp.IsPreflight(%s with Access-Control-Request-Method %q)", tt.method, tt.acrm)
		})
	}
}

func TestFail(t *testing.T) {
	v, _ := newVerifier(t)
	errs := []struct {
		name string
		err  error
	}{
		{"no credentials", httpauth.ErrNoCredentials},
		{"invalid request", &httpauth.RequestError{Description: "token sent in more than one place"}},
		{"invalid token", &verifier.Error{Reason: verifier.ErrExpired}},
		{"insufficient scope", scopes.AllOf("write").Check(scopes.Set{})},
		{"keys unavailable", errors.Join(verifier.ErrKeysUnavailable, jwks.ErrUnavailable)},
		{"other", errors.New("database down")},
	}

	t.Run("without ErrorHandler", func(t *testing.T) {
		a := newAuth(t, v, httpauth.Settings{Realm: "api"})
		assert.False(t, a.HasErrorHandler(), "HasErrorHandler() without Settings.ErrorHandler")
		for _, e := range errs {
			rec := httptest.NewRecorder()
			a.Fail(rec, requestWith(), e.err)
			want := httptest.NewRecorder()
			a.ResponseFor(e.err).Write(want)
			assert.Equal(t, want.Code, rec.Code, "status written by Fail(%s), want that of ResponseFor", e.name)
			assert.Equal(t, want.Header(), rec.Header(), "headers written by Fail(%s), want those of ResponseFor", e.name)
			assert.Equal(t, want.Body.String(), rec.Body.String(), "body written by Fail(%s), want that of ResponseFor", e.name)
		}
	})

	t.Run("with ErrorHandler", func(t *testing.T) {
		type call struct {
			w   http.ResponseWriter
			r   *http.Request
			err error
		}
		var calls []call
		a := newAuth(t, v, httpauth.Settings{Realm: "api", ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			calls = append(calls, call{w, r, err})
			w.WriteHeader(http.StatusTeapot)
		}})
		assert.True(t, a.HasErrorHandler(), "HasErrorHandler() with Settings.ErrorHandler")
		for _, e := range errs {
			calls = nil
			rec := httptest.NewRecorder()
			r := requestWith()
			a.Fail(rec, r, e.err)
			require.Len(t, calls, 1, "ErrorHandler calls made by Fail(%s)", e.name)
			assert.Same(t, rec, calls[0].w, "ResponseWriter passed to ErrorHandler by Fail(%s)", e.name)
			assert.Same(t, r, calls[0].r, "request passed to ErrorHandler by Fail(%s)", e.name)
			assert.Equal(t, e.err, calls[0].err, "error passed to ErrorHandler by Fail(%s)", e.name)
			assert.Equal(t, http.StatusTeapot, rec.Code, "status after Fail(%s) with an ErrorHandler", e.name)
			assert.Empty(t, rec.Header(), "headers Fail(%s) added behind the ErrorHandler's back", e.name)
			assert.Empty(t, rec.Body.String(), "body Fail(%s) wrote behind the ErrorHandler's back", e.name)
		}
	})
}

func TestSettingsFromOptions(t *testing.T) {
	// Adapters build Settings with httpauth.Settings(opts); every field of
	// nethttp.Options must survive the conversion, both ways.
	var skipped, handled []*http.Request
	opts := nethttp.Options{
		Realm:      "api",
		Schemes:    []string{"JWT", "Bearer"},
		RetryAfter: 2 * time.Minute,
		Optional:   true,
		Skip: func(r *http.Request) bool {
			skipped = append(skipped, r)
			return r.URL.Path == "/healthz"
		},
		Cookie: "at",
		Query:  "access_token",
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, _ error) {
			handled = append(handled, r)
			w.WriteHeader(http.StatusTeapot)
		},
	}
	ov := reflect.ValueOf(opts)
	for i := range ov.NumField() {
		require.False(t, ov.Field(i).IsZero(), "test Options leave field %s zero: set every field so the round trip covers it", ov.Type().Field(i).Name)
	}

	s := httpauth.Settings(opts)
	back := nethttp.Options(s)
	sv, bv := reflect.ValueOf(s), reflect.ValueOf(back)
	require.Equal(t, ov.NumField(), sv.NumField(), "fields of httpauth.Settings and nethttp.Options")
	for i := range ov.NumField() {
		name := ov.Type().Field(i).Name
		assert.Equal(t, name, sv.Type().Field(i).Name, "field %d of Settings", i)
		of, sf, bf := ov.Field(i), sv.Field(i), bv.Field(i)
		if of.Kind() == reflect.Func {
			assert.Equal(t, of.Pointer(), sf.Pointer(), "Settings(opts).%s is another func than opts.%s", name, name)
			assert.Equal(t, of.Pointer(), bf.Pointer(), "Options(Settings(opts)).%s is another func than opts.%s", name, name)
			continue
		}
		assert.Equal(t, of.Interface(), sf.Interface(), "Settings(opts).%s", name)
		assert.Equal(t, of.Interface(), bf.Interface(), "Options(Settings(opts)).%s", name)
	}

	// And the converted Settings behave as configured.
	v, _ := newVerifier(t)
	a := newAuth(t, v, s)
	healthz := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	got, err := a.Authenticate(healthz)
	require.NoError(t, err, "Authenticate(/healthz) with Skip matching it")
	assert.Same(t, healthz, got, "Authenticate(/healthz) with Skip matching it")
	assert.Equal(t, []*http.Request{healthz}, skipped, "requests passed to Skip")

	anonymous := requestWith()
	got, err = a.Authenticate(anonymous)
	require.NoError(t, err, "Authenticate(no token) with Optional")
	assert.Same(t, anonymous, got, "Authenticate(no token) with Optional")

	tok, err := a.Token(sourced{cookies: []string{"at=c"}}.request())
	require.NoError(t, err, "Token(cookie at=c) with Cookie at")
	assert.Equal(t, "c", tok, "Token(cookie at=c) with Cookie at")
	tok, err = a.Token(sourced{target: "/items?access_token=q"}.request())
	require.NoError(t, err, "Token(?access_token=q) with Query access_token")
	assert.Equal(t, "q", tok, "Token(?access_token=q) with Query access_token")
	tok, err = a.Token(requestWith("JWT j"))
	require.NoError(t, err, "Token(JWT j) with Schemes JWT, Bearer")
	assert.Equal(t, "j", tok, "Token(JWT j) with Schemes JWT, Bearer")

	assert.Equal(t, `JWT realm="api"`, a.ResponseFor(httpauth.ErrNoCredentials).Challenge, "challenge with Realm api and Schemes JWT, Bearer")
	assert.Equal(t, "120", a.ResponseFor(verifier.ErrKeysUnavailable).RetryAfter, "Retry-After with RetryAfter 2m")

	rec := httptest.NewRecorder()
	failed := requestWith()
	a.Fail(rec, failed, httpauth.ErrNoCredentials)
	assert.Equal(t, []*http.Request{failed}, handled, "requests passed to ErrorHandler by Fail")
	assert.Equal(t, http.StatusTeapot, rec.Code, "status written through the converted ErrorHandler")
}
