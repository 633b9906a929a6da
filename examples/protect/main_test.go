package main

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// TestREADMEExample runs the README's first example against a test issuer
// and checks the answers the README promises.
func TestREADMEExample(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	api, err := newAPI(iss.URL, iss.Audience())
	require.NoError(t, err, "newAPI")

	reader := iss.MustMint(t, verifiertest.Token{Subject: "dashboard", Scope: "read"})
	writer := iss.MustMint(t, verifiertest.Token{Subject: "drone-fleet", Scope: "read write"})
	expired := iss.MustMint(t, verifiertest.Token{Scope: "read", ExpiresIn: -time.Hour})
	for _, tc := range []struct {
		method, path, token string
		status              int
		challenge, body     string
	}{
		{"GET", "/healthz", "", 200, "", "ok\n"},
		{"GET", "/items", "", 401, `Bearer realm="api"`, "{}\n"},
		{"GET", "/items", reader, 200, "", "items of dashboard\n"},
		{"POST", "/items", reader, 403, `Bearer realm="api", error="insufficient_scope", scope="read write"`,
			`{"error":"insufficient_scope","scope":"read write"}` + "\n"},
		{"POST", "/items", writer, 201, "", "item created by drone-fleet\n"},
		{"GET", "/items", expired, 401, `Bearer realm="api", error="invalid_token", error_description="token expired"`,
			`{"error":"invalid_token","error_description":"token expired"}` + "\n"},
	} {
		r := httptest.NewRequest(tc.method, tc.path, strings.NewReader(""))
		if tc.token != "" {
			r.Header.Set("Authorization", "Bearer "+tc.token)
		}
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		name := tc.method + " " + tc.path
		assert.Equal(t, tc.status, w.Code, "%s: status", name)
		assert.Equal(t, tc.challenge, w.Header().Get("WWW-Authenticate"), "%s: WWW-Authenticate", name)
		assert.Equal(t, tc.body, w.Body.String(), "%s: body", name)
	}
}
