package httpauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/internal/httpauth"
	"github.com/jwtgate/jwtgate/jwks"
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
	v, err := verifier.New(cfg)
	require.NoError(t, err, "verifier.New(issuer.VerifierConfig())")
	return v, src
}

func newAuth(t *testing.T, v *verifier.Verifier, s httpauth.Settings) *httpauth.Auth {
	t.Helper()
	a, err := httpauth.New(v, s)
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
			a, err := httpauth.New(tt.v, tt.s)
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
		{"two tokens", nil, []string{"Bearer a b"}, badRequest, "", "token contains whitespace"},
		{"token with a tab", nil, []string{"Bearer a\tb"}, badRequest, "", "token contains whitespace"},
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

func TestAuthenticate(t *testing.T) {
	v, src := newVerifier(t)
	a := newAuth(t, v, httpauth.Settings{Realm: "api"})

	t.Run("valid token", func(t *testing.T) {
		tok := issuer.MustMint(t, verifiertest.Token{Subject: "client-1", Scope: "read write"})
		before := src.calls.Load()
		claims, err := a.Authenticate(requestWith("Bearer " + tok))
		require.NoError(t, err, "Authenticate(valid token)")
		assert.Equal(t, "client-1", claims.Subject(), "Authenticate(valid token).Subject()")
		assert.Equal(t, []string{"read", "write"}, claims.Scopes().List(), "Authenticate(valid token).Scopes()")
		assert.Equal(t, int64(1), src.calls.Load()-before, "key lookups made by Authenticate(valid token)")
	})
	t.Run("no credentials", func(t *testing.T) {
		before := src.calls.Load()
		claims, err := a.Authenticate(requestWith())
		assert.True(t, httpauth.IsNoCredentials(err), "Authenticate(no header) error = %v, want no credentials", err)
		assert.Nil(t, claims, "Authenticate(no header) claims")
		assert.Equal(t, int64(0), src.calls.Load()-before, "key lookups made by Authenticate(no header)")
	})
	t.Run("malformed request", func(t *testing.T) {
		claims, err := a.Authenticate(requestWith("Bearer a b"))
		var reqErr *httpauth.RequestError
		assert.True(t, errors.As(err, &reqErr), "Authenticate(Bearer a b) error = %T %v, want *httpauth.RequestError", err, err)
		assert.Nil(t, claims, "Authenticate(Bearer a b) claims")
	})
	t.Run("rejected token", func(t *testing.T) {
		tok := issuer.MustMint(t, verifiertest.Token{ExpiresIn: -time.Hour})
		claims, err := a.Authenticate(requestWith("Bearer " + tok))
		var vErr *verifier.Error
		require.True(t, errors.As(err, &vErr), "Authenticate(expired token) error = %T %v, want *verifier.Error", err, err)
		assert.ErrorIs(t, err, verifier.ErrExpired, "Authenticate(expired token) error")
		assert.Nil(t, claims, "Authenticate(expired token) claims")
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
		_, err = a2.Authenticate(r)
		assert.ErrorIs(t, err, verifier.ErrKeysUnavailable, "Authenticate with a source that fails")
		got := <-seen
		assert.ErrorIs(t, got.Err(), context.Canceled, "ctx the key source received: want the request's (cancelled) context")
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
	stored, err := a.Authenticate(requestWith("Bearer " + issuer.MustMint(t, verifiertest.Token{Subject: "stored", Scope: "read"})))
	require.NoError(t, err, "Authenticate(valid token)")
	withStored := func(r *http.Request) *http.Request {
		return r.WithContext(verifier.NewContext(r.Context(), stored))
	}
	fresh := issuer.MustMint(t, verifiertest.Token{Subject: "fresh", Scope: "read write"})

	tests := []struct {
		name        string
		req         *http.Request
		requirement scopes.Requirement
		wantSubject string // "" when an error is wanted
		wantFresh   bool
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
			claims, gotFresh, err := a.Authorize(tt.req, tt.requirement)
			assert.Equal(t, tt.wantLookups, src.calls.Load()-before, "key lookups made by Authorize")
			assert.Equal(t, tt.wantFresh, gotFresh, "Authorize fresh")
			if tt.wantErr != nil {
				assert.True(t, tt.wantErr(err), "Authorize(%q) error = %T %v, not the error wanted", tt.requirement, err, err)
				assert.Nil(t, claims, "Authorize(%q) returned claims along with an error", tt.requirement)
				return
			}
			require.NoError(t, err, "Authorize(%q)", tt.requirement)
			require.NotNil(t, claims, "Authorize(%q) claims", tt.requirement)
			assert.Equal(t, tt.wantSubject, claims.Subject(), "Authorize(%q) claims subject", tt.requirement)
			if !tt.wantFresh {
				assert.Same(t, stored, claims, "Authorize returned other claims than those in ctx")
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
