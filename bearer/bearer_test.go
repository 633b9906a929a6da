package bearer_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
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

func newAuth(t *testing.T, v *verifier.Verifier, s bearer.Options) *bearer.Auth {
	t.Helper()
	a, err := bearer.New(v, s)
	require.NoError(t, err, "bearer.New(v, %+v)", s)
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
		s    bearer.Options
	}{
		{"nil verifier", nil, bearer.Options{}},
		{"realm with CR", v, bearer.Options{Realm: "api\r"}},
		{"realm with LF", v, bearer.Options{Realm: "api\nX-Injected: 1"}},
		{"realm with CRLF", v, bearer.Options{Realm: "api\r\nX-Injected: 1"}},
		{"realm with NUL", v, bearer.Options{Realm: "a\x00pi"}},
		{"realm with DEL", v, bearer.Options{Realm: "api\x7f"}},
		{"realm with non-ASCII", v, bearer.Options{Realm: "réalm"}},
		{"realm with tab", v, bearer.Options{Realm: "a\tpi"}},
		{"scheme with a space", v, bearer.Options{Schemes: []string{"Bear er"}}},
		{"scheme with trailing space", v, bearer.Options{Schemes: []string{"Bearer "}}},
		{"empty scheme", v, bearer.Options{Schemes: []string{""}}},
		{"empty scheme after a good one", v, bearer.Options{Schemes: []string{"Bearer", ""}}},
		{"scheme with a quote", v, bearer.Options{Schemes: []string{`Bea"rer`}}},
		{"scheme with a comma", v, bearer.Options{Schemes: []string{"Bearer,JWT"}}},
		{"scheme with CRLF", v, bearer.Options{Schemes: []string{"Bearer\r\n"}}},
		{"scheme not ASCII", v, bearer.Options{Schemes: []string{"Bärer"}}},
		{"retry-after below one second", v, bearer.Options{RetryAfter: 999 * time.Millisecond}},
		{"retry-after negative", v, bearer.Options{RetryAfter: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := bearer.New(tt.v, tt.s)
			assert.Error(t, err, "bearer.New(%v, %+v) = nil error, want one", tt.v, tt.s)
			assert.Nil(t, a, "bearer.New(%v, %+v) returned an Auth along with its error", tt.v, tt.s)
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
		{bearer.DefaultRetryAfter, "30"},
		{time.Second, "1"},
		{2 * time.Minute, "120"},
		{1500 * time.Millisecond, "1"}, // whole seconds
	}
	for _, tt := range tests {
		t.Run(tt.retry.String(), func(t *testing.T) {
			a := newAuth(t, v, bearer.Options{RetryAfter: tt.retry})
			resp := a.Response(unavailable)
			assert.Equal(t, http.StatusServiceUnavailable, resp.Status, "Response(keys unavailable).Status with RetryAfter %v", tt.retry)
			h := http.Header{}
			resp.SetHeaders(h)
			assert.Equal(t, tt.want, h.Get("Retry-After"), "Retry-After of Response(keys unavailable) with RetryAfter %v", tt.retry)
		})
	}
}

func TestNewCopiesSchemes(t *testing.T) {
	v, _ := newVerifier(t)
	schemes := []string{"JWT"}
	a := newAuth(t, v, bearer.Options{Schemes: schemes})
	schemes[0] = "Bearer"
	tok, err := a.Token(requestWith("JWT abc"))
	assert.NoError(t, err, `Token("JWT abc") after the caller changed its Schemes slice to "Bearer"`)
	assert.Equal(t, "abc", tok, `Token("JWT abc") after the caller changed its Schemes slice`)
	_, err = a.Token(requestWith("Bearer abc"))
	assert.True(t, errors.Is(err, bearer.ErrNoCredentials), `Token("Bearer abc") = %v, want no credentials: the Auth must keep its own copy of Schemes`, err)
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
			a := newAuth(t, v, bearer.Options{Realm: "api", Schemes: tt.schemes})
			tok, err := a.Token(requestWith(tt.header...))
			switch tt.want {
			case ok:
				require.NoError(t, err, "Token(Authorization: %q) with schemes %q", tt.header, tt.schemes)
				assert.Equal(t, tt.wantTok, tok, "Token(Authorization: %q) with schemes %q", tt.header, tt.schemes)
			case noCredentials:
				require.Error(t, err, "Token(Authorization: %q) with schemes %q = %q, want no credentials", tt.header, tt.schemes, tok)
				assert.True(t, errors.Is(err, bearer.ErrNoCredentials), "IsNoCredentials(Token(Authorization: %q) error %v) = false, want true", tt.header, err)
				assert.Equal(t, http.StatusUnauthorized, a.Response(err).Status, "Response(no credentials).Status")
			case badRequest:
				require.Error(t, err, "Token(Authorization: %q) with schemes %q = %q, want a *RequestError", tt.header, tt.schemes, tok)
				var reqErr *bearer.RequestError
				require.True(t, errors.As(err, &reqErr), "Token(Authorization: %q) error = %T %v, want *bearer.RequestError", tt.header, err, err)
				assert.False(t, errors.Is(err, bearer.ErrNoCredentials), "IsNoCredentials(%v) = true for a malformed request, want false", err)
				assert.Equal(t, tt.wantDesc, reqErr.Description, "RequestError.Description for Authorization: %q", tt.header)
				assert.Equal(t, http.StatusBadRequest, a.Response(err).Status, "Response(%v).Status", err)
			}
			if tt.want != ok {
				assert.Empty(t, tok, "Token(Authorization: %q) returned a token along with an error", tt.header)
			}
		})
	}
}

func TestRequestErrorMessage(t *testing.T) {
	err := &bearer.RequestError{Description: "empty token"}
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
	a := newAuth(t, v, bearer.Options{Realm: "api"})

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
		assert.True(t, errors.Is(err, bearer.ErrNoCredentials), "Authenticate(no header) error = %v, want no credentials", err)
		assert.NotNil(t, got, "Authenticate(no header) request, want the request with its error")
		assert.Equal(t, int64(0), src.calls.Load()-before, "key lookups made by Authenticate(no header)")
	})
	t.Run("malformed request", func(t *testing.T) {
		got, err := a.Authenticate(requestWith("Bearer a", "Bearer b"))
		var reqErr *bearer.RequestError
		assert.True(t, errors.As(err, &reqErr), "Authenticate(two Authorization headers) error = %T %v, want *bearer.RequestError", err, err)
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
		a2 := newAuth(t, v2, bearer.Options{})
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
	a := newAuth(t, v, bearer.Options{Realm: "api"})

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
			wantErr:     func(err error) bool { return errors.Is(err, bearer.ErrNoCredentials) },
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
	cookieAndQuery := bearer.Options{Cookie: "at", Query: "access_token"}
	tests := []struct {
		name     string
		s        bearer.Options
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
		{"cookie only configured", bearer.Options{Cookie: "at"}, sourced{cookies: []string{"at=c"}}, ok, "c", ""},
		{"query alone", cookieAndQuery, sourced{target: "/items?access_token=q"}, ok, "q", ""},
		{"query among other parameters", cookieAndQuery, sourced{target: "/items?page=2&access_token=q&sort=asc"}, ok, "q", ""},
		{"query percent-encoded", cookieAndQuery, sourced{target: "/items?access_token=a%2Eb%2Bc"}, ok, "a.b+c", ""},
		{"query only configured", bearer.Options{Query: "access_token"}, sourced{target: "/items?access_token=q"}, ok, "q", ""},
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
		{"cookie not configured", bearer.Options{}, sourced{cookies: []string{"at=c"}}, noCredentials, "", ""},
		{"query not configured", bearer.Options{}, sourced{target: "/items?access_token=q"}, noCredentials, "", ""},
		{"cookie not configured, header and cookie", bearer.Options{}, sourced{headers: []string{"Bearer h"}, cookies: []string{"at=c"}}, ok, "h", ""},
		{"query not configured, header and query", bearer.Options{}, sourced{target: "/items?access_token=q", headers: []string{"Bearer h"}}, ok, "h", ""},

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
				assert.ErrorIs(t, err, bearer.ErrNoCredentials, "%s = %q, want no credentials", call(), tok)
				assert.Equal(t, http.StatusUnauthorized, a.Response(err).Status, "Response(%v).Status", err)
			case badRequest:
				var reqErr *bearer.RequestError
				require.True(t, errors.As(err, &reqErr), "%s = %q, %T %v, want *bearer.RequestError", call(), tok, err, err)
				assert.ErrorIs(t, err, bearer.ErrInvalidRequest, "%s error", call())
				assert.Equal(t, tt.wantDesc, reqErr.Description, "%s: RequestError.Description", call())
				assert.Equal(t, http.StatusBadRequest, a.Response(err).Status, "Response(%v).Status", err)
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
			a, err := bearer.New(v, bearer.Options{Cookie: name})
			assert.Error(t, err, "bearer.New(v, Settings{Cookie: %q}) = nil error, want one", name)
			assert.Nil(t, a, "bearer.New(v, Settings{Cookie: %q}) returned an Auth along with its error", name)
		})
	}
	for _, name := range []string{"at", "access_token", "__Host-token", "x.y", "TOKEN!#$%&'*+-.^_`|~"} {
		t.Run("accepts "+name, func(t *testing.T) {
			a := newAuth(t, v, bearer.Options{Cookie: name})
			r := requestWith()
			r.AddCookie(&http.Cookie{Name: name, Value: "tok"})
			tok, err := a.Token(r)
			require.NoError(t, err, "Token(request with cookie %q) with Cookie %q", name, name)
			assert.Equal(t, "tok", tok, "Token(request with cookie %q) with Cookie %q", name, name)
		})
	}
	t.Run("empty means disabled", func(t *testing.T) {
		a := newAuth(t, v, bearer.Options{Cookie: ""})
		r := requestWith()
		r.AddCookie(&http.Cookie{Name: "at", Value: "tok"})
		r.Header.Add("Cookie", "=tok")
		tok, err := a.Token(r)
		assert.ErrorIs(t, err, bearer.ErrNoCredentials, "Token(request with cookies) with Cookie \"\" = %q, %v, want no credentials", tok, err)
	})
}

func TestOptional(t *testing.T) {
	v, src := newVerifier(t)
	a := newAuth(t, v, bearer.Options{Realm: "api", Optional: true, Cookie: "at", Query: "access_token"})
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
			{"empty bearer", sourced{headers: []string{"Bearer "}}, bearer.ErrInvalidRequest, 0},
			{"empty query value", sourced{target: "/items?access_token="}, bearer.ErrInvalidRequest, 0},
			{"two places", sourced{headers: []string{"Bearer " + valid}, cookies: []string{"at=" + valid}}, bearer.ErrInvalidRequest, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := src.calls.Load()
				got, err := a.Authenticate(tt.req.request())
				assert.ErrorIs(t, err, tt.want, "Authenticate(%s) with Optional", tt.name)
				assert.NotErrorIs(t, err, bearer.ErrNoCredentials, "Authenticate(%s) with Optional", tt.name)
				assert.NotNil(t, got, "Authenticate(%s) with Optional returned no request with its error", tt.name)
				assert.Equal(t, tt.wantLookups, src.calls.Load()-before, "key lookups made by Authenticate(%s) with Optional", tt.name)
			})
		}
	})
	t.Run("Authorize requires a token", func(t *testing.T) {
		for _, req := range []scopes.Requirement{{}, scopes.AllOf("read")} {
			before := src.calls.Load()
			got, err := a.Authorize(requestWith(), req)
			assert.ErrorIs(t, err, bearer.ErrNoCredentials, "Authorize(no token, %q) with Optional", req)
			assert.NotNil(t, got, "Authorize(no token, %q) with Optional returned no request with its error", req)
			assert.Equal(t, int64(0), src.calls.Load()-before, "key lookups made by Authorize(no token, %q) with Optional", req)
		}
	})
	t.Run("Authorize after an anonymous Authenticate requires a token", func(t *testing.T) {
		passed, err := a.Authenticate(requestWith())
		require.NoError(t, err, "Authenticate(no token) with Optional")
		got, err := a.Authorize(passed, scopes.AllOf("read"))
		assert.ErrorIs(t, err, bearer.ErrNoCredentials, "Authorize(request Authenticate let through anonymously)")
		assert.NotNil(t, got, "Authorize(request Authenticate let through anonymously) returned no request with its error")
	})
	t.Run("Authorize verifies a token", func(t *testing.T) {
		got, err := a.Authorize(requestWith("Bearer "+valid), scopes.AllOf("read"))
		require.NoError(t, err, "Authorize(valid token, read) with Optional")
		assert.Equal(t, "client-1", claimsOf(got).Subject(), "claims subject after Authorize(valid token, read) with Optional")
	})
	t.Run("not optional by default", func(t *testing.T) {
		strict := newAuth(t, v, bearer.Options{})
		got, err := strict.Authenticate(requestWith())
		assert.ErrorIs(t, err, bearer.ErrNoCredentials, "Authenticate(no token) with zero Settings")
		assert.NotNil(t, got, "Authenticate(no token) with zero Settings returned no request with its error")
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
			assert.Equal(t, tt.want, bearer.IsPreflight(r), "IsPreflight(%s with Access-Control-Request-Method %q)", tt.method, tt.acrm)
			assert.Equal(t, tt.want, nethttp.IsPreflight(r), "nethttp.IsPreflight(%s with Access-Control-Request-Method %q)", tt.method, tt.acrm)
		})
	}
}

func TestSkip(t *testing.T) {
	v, src := newVerifier(t)
	other, _ := newVerifier(t)
	a := newAuth(t, v, bearer.Options{Realm: "api"})
	b := newAuth(t, other, bearer.Options{Realm: "api"})
	valid := issuer.MustMint(t, verifiertest.Token{Subject: "client-1", Scope: "read"})

	t.Run("no claims", func(t *testing.T) {
		r := requestWith("Bearer garbage")
		before := src.calls.Load()
		got := a.Skip(r)
		assert.Same(t, r, got, "Skip(request without claims) returned another request, want the same one")
		assert.Nil(t, claimsOf(got), "claims after Skip(request without claims)")
		assert.Zero(t, src.calls.Load()-before, "key lookups made by Skip")
	})
	t.Run("own claims kept", func(t *testing.T) {
		authenticated, err := a.Authenticate(requestWith("Bearer " + valid))
		require.NoError(t, err, "Authenticate(valid token)")
		got := a.Skip(authenticated)
		assert.Same(t, authenticated, got, "Skip(request with claims of its own verifier) returned another request, want the same one")
		assert.Equal(t, "client-1", claimsOf(got).Subject(), "claims after Skip(request with claims of its own verifier)")
	})
	t.Run("claims of another verifier hidden", func(t *testing.T) {
		authenticated, err := b.Authenticate(requestWith("Bearer " + valid))
		require.NoError(t, err, "Authenticate(valid token) with the other verifier")
		got := a.Skip(authenticated)
		assert.NotSame(t, authenticated, got, "Skip(request with claims of another verifier) returned the same request, want a copy without them")
		assert.Nil(t, claimsOf(got), "claims after Skip(request with claims of another verifier), want none")
		ctx := a.SkipContext(authenticated.Context())
		_, found := verifier.FromContext(ctx)
		assert.False(t, found, "claims in SkipContext(context with claims of another verifier), want none")
	})
}
