package verifier_test

// One test per issuer style of DESIGN.md's table: tokens shaped as each
// issuer mints them, verified directly and through the net/http adapter.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
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

// vtEcho answers 200 with the subject of the claims the middleware stored.
var vtEcho = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	c, ok := nethttp.ClaimsFrom(r)
	if !ok {
		http.Error(w, "no claims in context", http.StatusInternalServerError)
		return
	}
	_, _ = fmt.Fprint(w, "hello ", c.Subject())
})

// vtHTTPCase is one request through a handler and the answer it must get.
type vtHTTPCase struct {
	name      string
	method    string
	path      string
	authz     string // Authorization header; "" for none
	status    int
	challenge string // WWW-Authenticate; "" means none expected
	body      string // JSON body for errors, or the text for 200
}

func vtServeHTTP(t *testing.T, h http.Handler, cases []vtHTTPCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.authz != "" {
				req.Header.Set("Authorization", tc.authz)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			res := rec.Result()
			defer res.Body.Close()
			got := rec.Body.String()
			assert.Equal(t, tc.status, res.StatusCode, "%s %s (%s): status; body %s", tc.method, tc.path, tc.name, got)
			assert.Equal(t, tc.challenge, res.Header.Get("WWW-Authenticate"), "%s %s (%s): WWW-Authenticate", tc.method, tc.path, tc.name)
			switch {
			case tc.status == http.StatusOK:
				assert.Equal(t, tc.body, got, "%s %s (%s): body", tc.method, tc.path, tc.name)
			case tc.body != "":
				assert.JSONEq(t, tc.body, got, "%s %s (%s): JSON body", tc.method, tc.path, tc.name)
			}
			if tc.status != http.StatusOK && len(tc.authz) > 20 {
				assert.NotContains(t, got, tc.authz[len(tc.authz)-20:], "%s (%s): the response body echoes the token", tc.path, tc.name)
			}
		})
	}
}

// TestStyleDroneMapping: OAuth 2.0 client credentials with token_format=jwt,
// RS256 via JWKS, scope "read write", expires_in 36000.
func TestStyleDroneMapping(t *testing.T) {
	ctx := context.Background()
	clock := vtNewClock()
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "RS256", Audience: "https://drones.example.test/api", Now: clock.Now})
	v := vtNew(t, iss.VerifierConfig())
	token := iss.MustMint(t, verifiertest.Token{Subject: "mapping-client", Scope: "read write", ExpiresIn: 36000 * time.Second})
	readOnly := iss.MustMint(t, verifiertest.Token{Subject: "viewer", Scope: "read", ExpiresIn: 36000 * time.Second})

	m, err := nethttp.New(v, nethttp.Options{Options: bearer.Options{Realm: "drones"}})
	require.NoError(t, err, "nethttp.New")
	mux := http.NewServeMux()
	mux.Handle("GET /maps", m.Require(scopes.AllOf("read"))(vtEcho))
	mux.Handle("POST /maps", m.Require(scopes.AllOf("write"))(vtEcho))
	const realm = `Bearer realm="drones"`

	t.Run("verify", func(t *testing.T) {
		c := vtMustVerify(t, v, token)
		assert.True(t, c.Scopes().HasAll("read", "write"), "Scopes() = %v, want read and write", c.Scopes())
		assert.Equal(t, 2, c.Scopes().Len(), "Scopes().Len() of scope \"read write\"")
		assert.Equal(t, 10*time.Hour, c.ExpiresAt().Sub(c.IssuedAt()), "ExpiresAt - IssuedAt of an expires_in 36000 token")
		assert.Equal(t, "RS256", c.Algorithm(), "Algorithm()")
		assert.Equal(t, "mapping-client", c.ClientID(), "ClientID()")
	})

	vtServeHTTP(t, mux, []vtHTTPCase{
		{"read route", "GET", "/maps", "Bearer " + token, 200, "", "hello mapping-client"},
		{"write route", "POST", "/maps", "Bearer " + token, 200, "", "hello mapping-client"},
		{"write route with read-only token", "POST", "/maps", "Bearer " + readOnly, 403,
			realm + `, error="insufficient_scope", scope="write"`, `{"error":"insufficient_scope","scope":"write"}`},
		{"no token", "GET", "/maps", "", 401, realm, `{}`},
	})

	// Nine hours and 59 minutes later the token still works.
	clock.Advance(10*time.Hour - time.Minute)
	vtMustVerify(t, v, token)

	// Past exp and the leeway it does not.
	clock.Advance(time.Minute + verifier.DefaultLeeway)
	_, err = v.Verify(ctx, token)
	vtRequireRejected(t, err, verifier.ErrExpired, token)

	expired := realm + `, error="invalid_token", error_description="token expired"`
	vtServeHTTP(t, mux, []vtHTTPCase{
		{"read route, expired", "GET", "/maps", "Bearer " + token, 401, expired, `{"error":"invalid_token","error_description":"token expired"}`},
		{"write route, expired", "POST", "/maps", "Bearer " + token, 401, expired, `{"error":"invalid_token","error_description":"token expired"}`},
	})
}

// TestStyleCameraCatalogue: Django-style "Authorization: JWT <token>",
// HS256 with the server's secret, 1 h expiry, no iss and no aud.
func TestStyleCameraCatalogue(t *testing.T) {
	ctx := context.Background()
	clock := vtNewClock()
	secret := []byte("django-insecure-k3y-0f-th3-c4m3r4-c4t4l0gu3-s3rv3r!") // 50 bytes, like a Django SECRET_KEY
	key, err := jwks.NewSecret("", secret)
	require.NoError(t, err, "jwks.NewSecret")
	keys, err := jwks.NewStatic(key)
	require.NoError(t, err, "jwks.NewStatic")
	v := vtNew(t, verifier.Config{Keys: keys, SkipIssuerCheck: true, SkipAudienceCheck: true, Leeway: verifier.DefaultLeeway, Now: clock.Now})

	now := clock.Now()
	django := func(secret []byte) string {
		tok, err := verifiertest.Sign("HS256", secret, map[string]any{"typ": "JWT"}, map[string]any{
			"user_id":  42,
			"username": "alice",
			"exp":      now.Add(time.Hour).Unix(),
			"orig_iat": now.Unix(),
		})
		require.NoError(t, err, "verifiertest.Sign(HS256)")
		return tok
	}
	token := django(secret)
	forged := django([]byte("another secret, also at least 32 bytes long"))

	t.Run("verify", func(t *testing.T) {
		c := vtMustVerify(t, v, token)
		var user struct {
			UserID   int    `json:"user_id"`
			Username string `json:"username"`
			OrigIAT  int64  `json:"orig_iat"`
		}
		require.NoError(t, c.Decode(&user), "Claims.Decode")
		assert.Equal(t, 42, user.UserID, "decoded user_id")
		assert.Equal(t, "alice", user.Username, "decoded username")
		assert.Equal(t, now.Unix(), user.OrigIAT, "decoded orig_iat")
		assert.Empty(t, c.Issuer(), "Issuer() of a Django token")
		assert.Empty(t, c.Audience(), "Audience() of a Django token")
	})

	t.Run("a config checking iss rejects it", func(t *testing.T) {
		strict := vtNew(t, verifier.Config{Issuers: []string{"https://cameras.example.test"}, Keys: keys, SkipAudienceCheck: true, Now: clock.Now})
		_, err := strict.Verify(ctx, token)
		vtRequireRejected(t, err, verifier.ErrIssuer, token)
	})

	m, err := nethttp.New(v, nethttp.Options{Options: bearer.Options{Realm: "cameras", Schemes: []string{"JWT"}}})
	require.NoError(t, err, "nethttp.New")
	h := m.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := nethttp.ClaimsFrom(r)
		if !ok {
			http.Error(w, "no claims", http.StatusInternalServerError)
			return
		}
		var user struct {
			Username string `json:"username"`
		}
		if err := c.Decode(&user); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = fmt.Fprint(w, "cameras for ", user.Username)
	}))
	const realm = `JWT realm="cameras"`
	vtServeHTTP(t, h, []vtHTTPCase{
		{"JWT scheme", "GET", "/cameras", "JWT " + token, 200, "", "cameras for alice"},
		{"JWT scheme in lower case", "GET", "/cameras", "jwt " + token, 200, "", "cameras for alice"},
		{"Bearer scheme is not accepted", "GET", "/cameras", "Bearer " + token, 401, realm, `{}`},
		{"no token", "GET", "/cameras", "", 401, realm, `{}`},
		{"wrong secret", "GET", "/cameras", "JWT " + forged, 401,
			realm + `, error="invalid_token", error_description="invalid signature"`,
			`{"error":"invalid_token","error_description":"invalid signature"}`},
	})

	clock.Advance(time.Hour + verifier.DefaultLeeway)
	_, err = v.Verify(ctx, token)
	vtRequireRejected(t, err, verifier.ErrExpired, token)
	vtServeHTTP(t, h, []vtHTTPCase{
		{"expired", "GET", "/cameras", "JWT " + token, 401,
			realm + `, error="invalid_token", error_description="token expired"`,
			`{"error":"invalid_token","error_description":"token expired"}`},
	})
}

// TestStyleGeospatialFinance: each client mints its own token, iss = sub =
// client_id, signed with its client_secret (HS256).
func TestStyleGeospatialFinance(t *testing.T) {
	ctx := context.Background()
	clock := vtNewClock()
	const api = "https://geo-finance.example.test/api"
	secrets := map[string][]byte{
		"client-a": []byte("client-a secret, thirty-two bytes or more"),
		"client-b": []byte("client-b secret, thirty-two bytes or more"),
	}
	src, err := jwks.SecretsByIssuer(secrets)
	require.NoError(t, err, "jwks.SecretsByIssuer")
	require.Equal(t, []string{"client-a", "client-b"}, src.Issuers(), "ByIssuer.Issuers()")
	v := vtNew(t, verifier.Config{Issuers: src.Issuers(), Audiences: []string{api}, Keys: src, Leeway: verifier.DefaultLeeway, Now: clock.Now})

	now := clock.Now()
	mint := func(iss string, secret []byte) string {
		tok, err := verifiertest.Sign("HS256", secret, map[string]any{"typ": "JWT"}, map[string]any{
			"iss": iss, "sub": iss, "aud": api,
			"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": "req-" + iss,
		})
		require.NoError(t, err, "verifiertest.Sign(HS256)")
		return tok
	}
	tokenA := mint("client-a", secrets["client-a"])
	tokenB := mint("client-b", secrets["client-b"])
	aAsB := mint("client-b", secrets["client-a"])
	unknown := mint("client-z", []byte("client-z secret, thirty-two bytes or more"))
	unknownWithA := mint("client-z", secrets["client-a"])

	tests := []struct {
		name    string
		token   string
		want    error
		subject string
	}{
		{"client A", tokenA, nil, "client-a"},
		{"client B", tokenB, nil, "client-b"},
		{"client A claiming to be B", aAsB, verifier.ErrSignature, ""},
		{"unknown client", unknown, verifier.ErrIssuer, ""},
		{"unknown client using A's secret", unknownWithA, verifier.ErrIssuer, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := v.Verify(ctx, tc.token)
			if tc.want != nil {
				vtRequireRejected(t, err, tc.want, tc.token)
				return
			}
			require.NoError(t, err, "Verify(%s) returned an error; want claims", tc.name)
			assert.Equal(t, tc.subject, c.Issuer(), "Issuer()")
			assert.Equal(t, tc.subject, c.Subject(), "Subject()")
		})
	}

	m, err := nethttp.New(v, nethttp.Options{Options: bearer.Options{Realm: "geo"}})
	require.NoError(t, err, "nethttp.New")
	const realm = `Bearer realm="geo"`
	vtServeHTTP(t, m.Authenticate(vtEcho), []vtHTTPCase{
		{"client A", "GET", "/quotes", "Bearer " + tokenA, 200, "", "hello client-a"},
		{"client A claiming to be B", "GET", "/quotes", "Bearer " + aAsB, 401,
			realm + `, error="invalid_token", error_description="invalid signature"`,
			`{"error":"invalid_token","error_description":"invalid signature"}`},
		{"unknown client", "GET", "/quotes", "Bearer " + unknown, 401,
			realm + `, error="invalid_token", error_description="issuer not accepted"`,
			`{"error":"invalid_token","error_description":"issuer not accepted"}`},
	})
}

// TestStyleTravelConnectivity: RFC-style bearer tokens from an OAuth
// service; invalid or expired → 401, valid without the scope → 403.
func TestStyleTravelConnectivity(t *testing.T) {
	clock := vtNewClock()
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Audience: "https://travel.example.test", Now: clock.Now})
	other := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: clock.Now})
	v := vtNew(t, iss.VerifierConfig())
	m, err := nethttp.New(v, nethttp.Options{Options: bearer.Options{Realm: "travel"}})
	require.NoError(t, err, "nethttp.New")
	mux := http.NewServeMux()
	mux.Handle("GET /bookings", m.Require(scopes.AllOf("bookings:read"))(vtEcho))
	mux.Handle("POST /bookings", m.Require(scopes.AllOf("bookings:write"))(vtEcho))
	mux.Handle("DELETE /bookings", m.Require(scopes.AllOf("bookings:write bookings:admin"))(vtEcho))

	reader := iss.MustMint(t, verifiertest.Token{Subject: "agency-1", Scope: "bookings:read", ExpiresIn: 15 * time.Minute})
	writer := iss.MustMint(t, verifiertest.Token{Subject: "agency-2", Scope: "bookings:read bookings:write", ExpiresIn: 15 * time.Minute})
	expired := iss.MustMint(t, verifiertest.Token{Scope: "bookings:read", ExpiresIn: -time.Hour})
	forged := other.MustMint(t, verifiertest.Token{Scope: "bookings:read bookings:write", Claims: map[string]any{"iss": iss.URL}, Header: map[string]any{"kid": iss.KeyID()}})
	wrongAud := iss.MustMint(t, verifiertest.Token{Scope: "bookings:read", Audience: []string{"https://hotels.example.test"}})

	const realm = `Bearer realm="travel"`
	invalid := func(desc string) (string, string) {
		return realm + `, error="invalid_token", error_description="` + desc + `"`,
			`{"error":"invalid_token","error_description":"` + desc + `"}`
	}
	sigChallenge, sigBody := invalid("invalid signature")
	expChallenge, expBody := invalid("token expired")
	audChallenge, audBody := invalid("audience not accepted")
	malChallenge, malBody := invalid("malformed token")

	vtServeHTTP(t, mux, []vtHTTPCase{
		{"reader reads", "GET", "/bookings", "Bearer " + reader, 200, "", "hello agency-1"},
		{"writer writes", "POST", "/bookings", "Bearer " + writer, 200, "", "hello agency-2"},
		{"reader writes", "POST", "/bookings", "Bearer " + reader, 403,
			realm + `, error="insufficient_scope", scope="bookings:write"`,
			`{"error":"insufficient_scope","scope":"bookings:write"}`},
		{"writer deletes without admin", "DELETE", "/bookings", "Bearer " + writer, 403,
			realm + `, error="insufficient_scope", scope="bookings:write bookings:admin"`,
			`{"error":"insufficient_scope","scope":"bookings:write bookings:admin"}`},
		{"expired", "GET", "/bookings", "Bearer " + expired, 401, expChallenge, expBody},
		{"expired on a route it lacks the scope for", "POST", "/bookings", "Bearer " + expired, 401, expChallenge, expBody},
		{"signed by another service", "GET", "/bookings", "Bearer " + forged, 401, sigChallenge, sigBody},
		{"for another audience", "GET", "/bookings", "Bearer " + wrongAud, 401, audChallenge, audBody},
		{"garbage", "GET", "/bookings", "Bearer not.a.jwt", 401, malChallenge, malBody},
		{"no token", "GET", "/bookings", "", 401, realm, `{}`},
		{"Basic credentials", "GET", "/bookings", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", 401, realm, `{}`},
	})
}
