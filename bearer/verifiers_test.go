package bearer_test

// Claims in a request context belong to the verifier that produced them: an
// Auth reuses only its own verifier's claims, and never passes on another
// verifier's.

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// newVerifierFor returns a verifier trusting only the given issuers (each
// with its own keys), with counted key lookups and no cache of verified
// tokens.
func newVerifierFor(t *testing.T, issuers ...*verifiertest.Issuer) (*verifier.Verifier, *countingSource) {
	t.Helper()
	cfg := verifier.Config{Leeway: verifier.DefaultLeeway, Now: fakeClock, DisableCache: true}
	sources := map[string]jwks.Source{}
	for _, iss := range issuers {
		c := iss.VerifierConfig()
		cfg.Issuers = append(cfg.Issuers, c.Issuers...)
		cfg.Audiences = append(cfg.Audiences, c.Audiences...)
		sources[iss.URL] = c.Keys
	}
	byIssuer, err := jwks.NewByIssuer(sources)
	require.NoError(t, err, "jwks.NewByIssuer over %d issuers", len(issuers))
	src := &countingSource{Source: byIssuer}
	cfg.Keys = src
	v, err := verifier.New(cfg)
	require.NoError(t, err, "verifier.New for %d issuers", len(issuers))
	return v, src
}

// verified returns the claims v produced for tok.
func verified(t *testing.T, v *verifier.Verifier, tok string) *verifier.Claims {
	t.Helper()
	c, err := v.Verify(context.Background(), tok)
	require.NoError(t, err, "Verify(valid token)")
	require.True(t, c.VerifiedBy(v), "claims of Verify: VerifiedBy(the verifier that produced them) = false")
	return c
}

func TestClaimsOfAnotherVerifier(t *testing.T) {
	// Issuer A is the shared issuer; verifier B trusts only issuer B.
	issuerB := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: fakeClock})
	vA, _ := newVerifier(t)
	vB, srcB := newVerifierFor(t, issuerB)
	// twinB has verifier B's configuration but is another Verifier: claims
	// are tied to a Verifier, not to a configuration.
	twinB, _ := newVerifierFor(t, issuerB)

	adminA := issuer.MustMint(t, verifiertest.Token{Subject: "a-admin", Scope: "admin"})
	adminB := issuerB.MustMint(t, verifiertest.Token{Subject: "b-admin", Scope: "admin"})
	plainB := issuerB.MustMint(t, verifiertest.Token{Subject: "b-plain"})
	expiredB := issuerB.MustMint(t, verifiertest.Token{Subject: "b-admin", Scope: "admin", ExpiresIn: -time.Hour})

	claimsA := verified(t, vA, adminA)
	claimsB := verified(t, vB, adminB)
	claimsTwin := verified(t, twinB, adminB)

	required := newAuth(t, vB, bearer.Options{Realm: "api"})
	optional := newAuth(t, vB, bearer.Options{Realm: "api", Optional: true})

	// An adapter's skipper matches /healthz, which then goes through Skip.
	skipHealth := func(a *bearer.Auth, check func(*http.Request) (*http.Request, error)) func(*http.Request) (*http.Request, error) {
		return func(r *http.Request) (*http.Request, error) {
			if r.URL.Path == "/healthz" {
				return a.Skip(r), nil
			}
			return check(r)
		}
	}
	admin := scopes.AllOf("admin")
	authenticate := func(a *bearer.Auth) func(*http.Request) (*http.Request, error) { return skipHealth(a, a.Authenticate) }
	authorize := func(a *bearer.Auth) func(*http.Request) (*http.Request, error) {
		return skipHealth(a, func(r *http.Request) (*http.Request, error) { return a.Authorize(r, admin) })
	}
	// request returns a GET of path ("" for /items) carrying the
	// Authorization values, with stored in its context if not nil.
	request := func(stored *verifier.Claims, path string, authorization ...string) *http.Request {
		r := requestWith(authorization...)
		if path != "" {
			r.URL.Path = path
		}
		if stored != nil {
			r = r.WithContext(verifier.NewContext(r.Context(), stored))
		}
		return r
	}

	tests := []struct {
		name    string
		call    string // what is called, for messages
		check   func(*http.Request) (*http.Request, error)
		req     *http.Request
		wantErr func(error) bool // nil: success
		// wantClaims are the claims the request returned must carry: nil
		// for none, stored for those found in the context, fresh for
		// claims verifier B produces now.
		wantClaims  *verifier.Claims
		fresh       string // subject of fresh claims, if wantClaims is nil and they are wanted
		wantLookups int64  // key lookups of verifier B
	}{
		{
			name: "A's claims and A's admin token: B refuses the token", call: "Authorize(admin)", check: authorize(required),
			req:     request(claimsA, "", "Bearer "+adminA),
			wantErr: func(err error) bool { return errors.Is(err, verifier.ErrIssuer) },
		},
		{
			name: "A's claims and A's token, Authenticate: B refuses the token", call: "Authenticate", check: authenticate(required),
			req:     request(claimsA, "", "Bearer "+adminA),
			wantErr: func(err error) bool { return errors.Is(err, verifier.ErrIssuer) },
		},
		{
			name: "A's claims and A's token, optional Authenticate: B refuses the token", call: "optional Authenticate", check: authenticate(optional),
			req:     request(claimsA, "", "Bearer "+adminA),
			wantErr: func(err error) bool { return errors.Is(err, verifier.ErrIssuer) },
		},
		{
			name: "A's claims and B's admin token: B's claims replace A's", call: "Authorize(admin)", check: authorize(required),
			req: request(claimsA, "", "Bearer "+adminB), fresh: "b-admin", wantLookups: 1,
		},
		{
			name: "A's claims and B's admin token, Authenticate", call: "Authenticate", check: authenticate(required),
			req: request(claimsA, "", "Bearer "+adminB), fresh: "b-admin", wantLookups: 1,
		},
		{
			name: "A's claims and B's token without admin: 403 with B's claims", call: "Authorize(admin)", check: authorize(required),
			req: request(claimsA, "", "Bearer "+plainB), fresh: "b-plain", wantLookups: 1,
			wantErr: isMissing("admin"),
		},
		{
			name: "A's claims and B's expired token", call: "Authorize(admin)", check: authorize(required),
			req: request(claimsA, "", "Bearer "+expiredB), wantLookups: 1,
			wantErr: func(err error) bool { return errors.Is(err, verifier.ErrExpired) },
		},
		{
			name: "A's claims and no token", call: "Authorize(admin)", check: authorize(required),
			req: request(claimsA, ""), wantErr: isNoCredentials,
		},
		{
			name: "A's claims and no token, Authenticate", call: "Authenticate", check: authenticate(required),
			req: request(claimsA, ""), wantErr: isNoCredentials,
		},
		{
			name: "A's claims and no token, optional Authenticate: passes without claims", call: "optional Authenticate", check: authenticate(optional),
			req: request(claimsA, ""),
		},
		{
			name: "A's claims and no token, optional Auth's Authorize still needs a token", call: "optional Authorize(admin)", check: authorize(optional),
			req: request(claimsA, ""), wantErr: isNoCredentials,
		},
		{
			name: "A's claims and two Authorization headers", call: "Authorize(admin)", check: authorize(required),
			req:     request(claimsA, "", "Bearer "+adminB, "Bearer "+adminB),
			wantErr: func(err error) bool { return errors.Is(err, bearer.ErrInvalidRequest) },
		},
		{
			name: "A's claims on a skipped path: passes without claims", call: "Authorize(admin)", check: authorize(required),
			req: request(claimsA, "/healthz", "Bearer "+adminA),
		},
		{
			name: "A's claims on a skipped path, Authenticate", call: "Authenticate", check: authenticate(required),
			req: request(claimsA, "/healthz"),
		},
		{
			name: "claims of a twin of B (same configuration) are re-verified", call: "Authorize(admin)", check: authorize(required),
			req: request(claimsTwin, "", "Bearer "+adminB), fresh: "b-admin", wantLookups: 1,
		},
		{
			name: "B's own claims are reused without a token", call: "Authorize(admin)", check: authorize(required),
			req: request(claimsB, ""), wantClaims: claimsB,
		},
		{
			name: "B's own claims are reused; A's token beside them is not read", call: "Authenticate", check: authenticate(required),
			req: request(claimsB, "", "Bearer "+adminA), wantClaims: claimsB,
		},
		{
			name: "B's own claims stay on a skipped path", call: "Authorize(admin)", check: authorize(required),
			req: request(claimsB, "/healthz"), wantClaims: claimsB,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored := claimsOf(tt.req)
			before := srcB.calls.Load()
			got, err := tt.check(tt.req)
			assert.Equal(t, tt.wantLookups, srcB.calls.Load()-before, "key lookups of verifier B made by %s", tt.call)
			if tt.wantErr == nil {
				assert.NoError(t, err, "%s", tt.call)
			} else {
				assert.True(t, tt.wantErr(err), "%s error = %T %v, not the error wanted", tt.call, err, err)
			}
			require.NotNil(t, got, "%s returned no request", tt.call)
			assert.Same(t, stored, claimsOf(tt.req), "%s changed the claims of the caller's request", tt.call)

			claims := claimsOf(got)
			switch {
			case tt.wantClaims != nil:
				assert.Same(t, tt.wantClaims, claims, "claims of the request %s returned, want the stored ones reused", tt.call)
				assert.Same(t, tt.req, got, "%s reusing the stored claims returned another request, want the same one", tt.call)
			case tt.fresh != "":
				require.NotNil(t, claims, "%s returned a request without claims, want B's claims for %s", tt.call, tt.fresh)
				assert.Equal(t, tt.fresh, claims.Subject(), "subject of the claims of the request %s returned", tt.call)
				assert.True(t, claims.VerifiedBy(vB), "claims of the request %s returned: VerifiedBy(B) = false", tt.call)
			default:
				assert.Nil(t, claims, "claims of the request %s returned: got subject %q from %s, want none",
					tt.call, subjectOf(claims), verifierName(claims, vA, vB, twinB))
			}
		})
	}
}

func subjectOf(c *verifier.Claims) string {
	if c == nil {
		return ""
	}
	return c.Subject()
}

// verifierName names the verifier of c among A, B and B's twin.
func verifierName(c *verifier.Claims, vA, vB, twinB *verifier.Verifier) string {
	switch {
	case c == nil:
		return "no verifier"
	case c.VerifiedBy(vA):
		return "verifier A"
	case c.VerifiedBy(vB):
		return "verifier B"
	case c.VerifiedBy(twinB):
		return "B's twin"
	}
	return "an unknown verifier"
}

// The same Auth, or two Auths with the same verifier, in one chain verify
// the token once; with different verifiers, each verifies it.
func TestChainVerifiesOncePerVerifier(t *testing.T) {
	issuerB := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: fakeClock})
	// vAB trusts both issuers; vB only issuer B.
	vAB, countAB := newVerifierFor(t, issuer, issuerB)
	vB, countB := newVerifierFor(t, issuerB)

	outer := newAuth(t, vAB, bearer.Options{Realm: "api"})
	sameVerifier := newAuth(t, vAB, bearer.Options{Realm: "inner"})
	other := newAuth(t, vB, bearer.Options{Realm: "api"})
	tok := issuerB.MustMint(t, verifiertest.Token{Subject: "b-admin", Scope: "admin"})

	for _, tc := range []struct {
		name           string
		inner          *bearer.Auth
		wantAB, wantB  int64
		wantInnerClaim bool // the inner Auth's verifier produced the final claims
	}{
		{"same Auth twice", outer, 1, 0, false},
		{"another Auth on the same verifier", sameVerifier, 1, 0, false},
		{"another verifier", other, 1, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			beforeAB, beforeB := countAB.calls.Load(), countB.calls.Load()
			r, err := outer.Authenticate(requestWith("Bearer " + tok))
			require.NoError(t, err, "outer Authenticate(B's token)")
			first := claimsOf(r)
			r, err = tc.inner.Authorize(r, scopes.AllOf("admin"))
			require.NoError(t, err, "inner Authorize(admin) after the outer Authenticate")
			assert.Equal(t, tc.wantAB, countAB.calls.Load()-beforeAB, "key lookups of the outer verifier")
			assert.Equal(t, tc.wantB, countB.calls.Load()-beforeB, "key lookups of verifier B")
			final := claimsOf(r)
			require.NotNil(t, final, "claims after the inner Authorize")
			if tc.wantInnerClaim {
				assert.True(t, final.VerifiedBy(vB), "claims after the inner Authorize: want those of the inner verifier")
			} else {
				assert.Same(t, first, final, "claims after the inner Authorize: want the outer ones reused")
			}
		})
	}
}

func isNoCredentials(err error) bool { return errors.Is(err, bearer.ErrNoCredentials) }
