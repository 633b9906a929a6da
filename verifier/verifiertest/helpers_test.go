package verifiertest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

func TestAuthorizationHeader(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	h := iss.AuthorizationHeader(verifiertest.Token{Subject: "svc", Scope: "read"})
	token, ok := strings.CutPrefix(h, "Bearer ")
	require.True(t, ok, "AuthorizationHeader() = %q; want it to start with \"Bearer \"", h)
	c := decodePart(t, token, 1)
	assert.Equal(t, "svc", c["sub"])
	assert.Equal(t, "read", c["scope"])
	assert.NotEqual(t, h, iss.AuthorizationHeader(verifiertest.Token{Subject: "svc", Scope: "read"}),
		"each call mints a fresh token (its own jti)")

	assert.Panics(t, func() {
		iss.AuthorizationHeader(verifiertest.Token{Claims: map[string]any{"bad": make(chan int)}})
	}, "AuthorizationHeader with a claim encoding/json cannot marshal")
}

func TestRequest(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	r := iss.Request("POST", "/items?x=1", verifiertest.Token{Scope: "write"})
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, "/items", r.URL.Path)
	assert.Equal(t, "x=1", r.URL.RawQuery)
	require.Len(t, r.Header.Values("Authorization"), 1, "Request() should set one Authorization header")
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	require.True(t, ok, "Authorization = %q; want a Bearer token", r.Header.Get("Authorization"))
	assert.Equal(t, "write", decodePart(t, token, 1)["scope"])
	assert.Panics(t, func() { iss.Request("GET", "::not a target", verifiertest.Token{}) }, "Request with a bad target")
}

// TestRequestReachesEveryAdapter serves a route with the net/http adapter
// (the other adapters' modules test theirs) and checks that Request and AuthorizationHeader build requests they
// accept, and that the minted token's scope reaches the scope guard.
func TestRequestReachesEveryAdapter(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	v, err := verifier.New(iss.VerifierConfig())
	require.NoError(t, err)
	read := scopes.AllOf("read")

	routers := map[string]func(t *testing.T) http.Handler{
		"nethttp": func(t *testing.T) http.Handler {
			auth, err := nethttp.New(v, nethttp.Options{})
			require.NoError(t, err)
			mux := http.NewServeMux()
			mux.Handle("/items", auth.Require(read)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c, _ := nethttp.ClaimsFrom(r)
				_, _ = w.Write([]byte(c.Subject()))
			})))
			return mux
		},
	}
	withBody := func(tok verifiertest.Token) *http.Request {
		r := httptest.NewRequest("POST", "/items", strings.NewReader(`{"name":"lens"}`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", iss.AuthorizationHeader(tok))
		return r
	}
	for name, router := range routers {
		t.Run(name, func(t *testing.T) {
			h := router(t)
			for _, tc := range []struct {
				name   string
				req    *http.Request
				status int
				body   string
			}{
				{"Request, scope read", iss.Request("GET", "/items", verifiertest.Token{Subject: "svc", Scope: "read"}), 200, "svc"},
				{"Request, scope write only", iss.Request("GET", "/items", verifiertest.Token{Scope: "write"}), 403, ""},
				{"Request, expired", iss.Request("GET", "/items", verifiertest.Token{Scope: "read", ExpiresIn: -time.Hour}), 401, ""},
				{"AuthorizationHeader on a request with a body", withBody(verifiertest.Token{Subject: "writer", Scope: "read"}), 200, "writer"},
			} {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, tc.req)
				assert.Equal(t, tc.status, w.Code, "%s: %s %s answered %s", tc.name, tc.req.Method, tc.req.URL, w.Body)
				if tc.body != "" {
					assert.Equal(t, tc.body, w.Body.String(), "%s: body", tc.name)
				}
			}
		})
	}
}
