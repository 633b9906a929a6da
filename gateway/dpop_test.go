package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/gateway"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// TestDPoPForwarded: a DPoP proof signs the URL the client used, which
// forward auth rebuilds from the proxy's headers, and Handler from a
// trusted proxy's X-Forwarded-Proto and -Host.
func TestDPoPForwarded(t *testing.T) {
	checker, err := dpop.New(dpop.Config{})
	require.NoError(t, err, "dpop.New")
	f := newFixture(t, gateway.Config{TrustedProxies: loopback, Bearer: bearer.Options{DPoP: checker}})
	tok := f.iss.MustMint(t, verifiertest.Token{Subject: "alice", Scope: "read",
		Claims: map[string]any{"cnf": verifiertest.DPoPBound(f.iss.DPoPThumbprint())}})
	cases := []struct {
		name, mode, proofURL, proofMethod string
		status                            int
		outcome                           string
	}{
		{"forward auth", "forward_auth", "https://api.example.test/items/1", "GET", 200, gateway.OutcomeAllowed},
		{"forward auth, proof for another path", "forward_auth", "https://api.example.test/items/2", "GET", 401, gateway.OutcomeDPoPProof},
		{"forward auth, proof for another host", "forward_auth", "https://other.example.test/items/1", "GET", 401, gateway.OutcomeDPoPProof},
		{"forward auth, proof for the sub-request's method", "forward_auth", "https://api.example.test/items/1", "POST", 401, gateway.OutcomeDPoPProof},
		{"handler", "handler", "https://api.example.test/items/1", "GET", http.StatusNoContent, gateway.OutcomeAllowed}, // the capture's answer
		{"handler, proof for http", "handler", "http://api.example.test/items/1", "GET", 401, gateway.OutcomeDPoPProof},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.rec.results = nil
			var r *http.Request
			var h http.Handler
			if c.mode == "forward_auth" {
				r = httptest.NewRequest("POST", "/auth", nil)
				r.Header.Set("X-Original-Method", "GET")
				r.Header.Set("X-Original-Uri", "/items/1?page=2")
				h = f.g.ForwardAuth()
			} else {
				r = httptest.NewRequest("GET", "/items/1?page=2", nil)
				h = f.g.Handler(&capture{})
			}
			r.RemoteAddr = proxyAddr
			r.Header.Set("X-Forwarded-Host", "api.example.test")
			r.Header.Set("X-Forwarded-Proto", "https")
			r.Header.Set("Authorization", "DPoP "+tok)
			r.Header.Set("DPoP", f.iss.MustMintProof(t, verifiertest.Proof{URL: c.proofURL, Method: c.proofMethod, AccessToken: tok}))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			assert.Equal(t, c.status, w.Code, "%s: body %s", c.name, w.Body)
			assert.Equal(t, c.outcome, f.rec.only(t).Outcome, "Result.Outcome")
			if c.status == 401 {
				assert.Contains(t, w.Header().Get("WWW-Authenticate"), `DPoP `, "challenge")
			}
		})
	}
}
