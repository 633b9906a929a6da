package echo5mw_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/labstack/echo/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/echo5mw"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// verifierTrusting returns a verifier that trusts exactly the given
// issuers, each with its own keys.
func verifierTrusting(t *testing.T, issuers ...*verifiertest.Issuer) *verifier.Verifier {
	t.Helper()
	cfg := verifier.Config{Leeway: verifier.DefaultLeeway, Now: testClock}
	sources := map[string]jwks.Source{}
	for _, iss := range issuers {
		c := iss.VerifierConfig()
		cfg.Issuers = append(cfg.Issuers, c.Issuers...)
		cfg.Audiences = append(cfg.Audiences, c.Audiences...)
		sources[iss.URL] = c.Keys
	}
	keys, err := jwks.NewByIssuer(sources)
	require.NoError(t, err, "jwks.NewByIssuer over %d issuers", len(issuers))
	cfg.Keys = keys
	v, err := verifier.New(cfg)
	require.NoError(t, err, "verifier.New trusting %d issuers", len(issuers))
	return v
}

// An app behind Authenticate with verifier A (e.Use), and /admin guarded
// by route middleware whose verifier trusts only issuer B. The guard must
// not take A's claims for its own: it verifies the token itself, so a token
// from A gets B's 401, whatever its scopes.
func TestInnerMiddlewareDoesNotTrustAnotherVerifiersClaims(t *testing.T) {
	issuerA := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: testClock})
	issuerB := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: testClock})
	vA := verifierTrusting(t, issuerA)
	vAB := verifierTrusting(t, issuerA, issuerB)
	vB := verifierTrusting(t, issuerB)
	names := map[*verifier.Verifier]string{vA: "A", vAB: "AB", vB: "B"}

	adminA := "Bearer " + issuerA.MustMint(t, verifiertest.Token{Subject: "a-admin", Scope: "admin"})
	adminB := "Bearer " + issuerB.MustMint(t, verifiertest.Token{Subject: "b-admin", Scope: "admin"})
	plainB := "Bearer " + issuerB.MustMint(t, verifiertest.Token{Subject: "b-plain"})

	// handler names the subject and the verifier of the claims it sees.
	handler := func(c *echo.Context) error {
		claims, ok := echo5mw.ClaimsFrom(c)
		if !ok {
			return c.String(http.StatusOK, "no claims")
		}
		by := "another verifier"
		for v, name := range names {
			if claims.VerifiedBy(v) {
				by = name
			}
		}
		return c.String(http.StatusOK, fmt.Sprintf("sub=%s by=%s", claims.Subject(), by))
	}
	newMiddleware := func(v *verifier.Verifier, realm string) *echo5mw.Middleware {
		m, err := echo5mw.New(v, echo5mw.Options{Options: bearer.Options{Realm: realm}})
		require.NoError(t, err, "echo5mw.New(verifier %s, realm %q)", names[v], realm)
		return m
	}
	// app: outer.Authenticate for every route, /public, and /admin behind
	// the inner middleware of verifier B.
	app := func(outer *verifier.Verifier, innerRequire bool) *echo.Echo {
		inner := newMiddleware(vB, "admin")
		guard := echo.MiddlewareFunc(inner.Authenticate)
		if innerRequire {
			guard = inner.Require(scopes.AllOf("admin"))
		}
		e := echo.New()
		e.Use(newMiddleware(outer, "outer").Authenticate)
		e.GET("/public", handler)
		e.GET("/admin", handler, guard)
		return e
	}

	type outcome struct {
		status          int
		body, challenge string
	}
	passed := func(body string) outcome { return outcome{http.StatusOK, body, ""} }
	issuerRefused := func(realm string) outcome {
		return outcome{http.StatusUnauthorized, `{"error":"invalid_token","error_description":"issuer not accepted"}` + "\n",
			`Bearer realm="` + realm + `", error="invalid_token", error_description="issuer not accepted"`}
	}
	tests := []struct {
		name         string
		outer        *verifier.Verifier
		innerRequire bool // Require(admin) rather than a second Authenticate
		path, auth   string
		want         outcome
	}{
		{"outer A, inner Require(admin) B: A's admin token", vA, true, "/admin", adminA, issuerRefused("admin")},
		{"outer A, inner Require(admin) B: B's admin token, refused by A", vA, true, "/admin", adminB, issuerRefused("outer")},
		{"outer A, inner Require(admin) B: no token", vA, true, "/admin", "", outcome{http.StatusUnauthorized, "{}\n", `Bearer realm="outer"`}},
		{"outer A: A's admin token on the public path", vA, true, "/public", adminA, passed("sub=a-admin by=A")},
		{"outer AB, inner Require(admin) B: A's admin token", vAB, true, "/admin", adminA, issuerRefused("admin")},
		{"outer AB, inner Require(admin) B: B's admin token", vAB, true, "/admin", adminB, passed("sub=b-admin by=B")},
		{"outer AB, inner Require(admin) B: B's token without admin", vAB, true, "/admin", plainB,
			outcome{http.StatusForbidden, `{"error":"insufficient_scope","scope":"admin"}` + "\n", `Bearer realm="admin", error="insufficient_scope", scope="admin"`}},
		{"outer AB: B's token on the public path", vAB, true, "/public", plainB, passed("sub=b-plain by=AB")},
		{"outer A, inner Authenticate B: A's admin token", vA, false, "/admin", adminA, issuerRefused("admin")},
		{"outer AB, inner Authenticate B: A's admin token", vAB, false, "/admin", adminA, issuerRefused("admin")},
		{"outer AB, inner Authenticate B: B's token", vAB, false, "/admin", plainB, passed("sub=b-plain by=B")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := request{path: tt.path}
			if tt.auth != "" {
				q.auth = []string{tt.auth}
			}
			rec := serveRecorded(app(tt.outer, tt.innerRequire), q)
			call := fmt.Sprintf("%s through %s", q, tt.name)
			assert.Equal(t, tt.want.status, rec.Code, "%s: status; body %s", call, rec.Body)
			assert.Equal(t, tt.want.body, rec.Body.String(), "%s: body", call)
			if tt.want.challenge == "" {
				assert.Empty(t, rec.Header().Values("WWW-Authenticate"), "%s: WWW-Authenticate on success", call)
			} else {
				assert.Equal(t, []string{tt.want.challenge}, rec.Header().Values("WWW-Authenticate"), "%s: WWW-Authenticate", call)
			}
		})
	}
}
