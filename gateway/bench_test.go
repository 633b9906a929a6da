package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jwtgate/jwtgate/claimheader"
	"github.com/jwtgate/jwtgate/gateway"
	"github.com/jwtgate/jwtgate/gateway/gatewaytest"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// discard is a ResponseWriter that keeps nothing but its header map,
// cleared for each request by the benchmark.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// benchFixture returns a gateway of the table's policy and claim headers,
// and a token with scope read, already verified once (in the cache).
func benchFixture(b *testing.B) (*gateway.Gateway, string) {
	iss := verifiertest.Start(b, verifiertest.IssuerConfig{})
	g := newGateway(b, iss, gateway.Config{TrustedProxies: loopback})
	tok := gatewaytest.MintToken(b, iss, gatewaytest.Valid, "read", nil)
	return g, tok
}

// BenchmarkHandler is one request with a token seen before through
// Handler, to a service that does nothing: with the table's claim headers
// (a custom claim among them), with the four standard ones only, and with
// none.
func BenchmarkHandler(b *testing.B) {
	iss := verifiertest.Start(b, verifiertest.IssuerConfig{})
	tok := gatewaytest.MintToken(b, iss, gatewaytest.Valid, "read", nil)
	standard := gatewaytest.Mapping()
	standard.Claims = nil
	for _, bc := range []struct {
		name    string
		mapping *claimheader.Mapping
	}{{"headers=table", nil}, {"headers=standard", &standard}, {"headers=none", &claimheader.Mapping{}}} {
		b.Run(bc.name, func(b *testing.B) {
			var g *gateway.Gateway
			if bc.mapping == nil {
				g = newGateway(b, iss, gateway.Config{})
			} else {
				h, err := claimheader.New(*bc.mapping)
				if err != nil {
					b.Fatal(err)
				}
				g = newGatewayHeaders(b, iss, h)
			}
			benchmarkHandler(b, g, tok)
		})
	}
}

func benchmarkHandler(b *testing.B, g *gateway.Gateway, tok string) {
	h := g.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := httptest.NewRequest("GET", "/items/42?x=1", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	r.Header.Set("Accept", "application/json")
	r.Header.Set("User-Agent", "bench")
	w := &discard{h: http.Header{}}
	h.ServeHTTP(w, r) // verify once
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// BenchmarkForwardAuth is one nginx auth_request sub-request with a token
// seen before.
func BenchmarkForwardAuth(b *testing.B) {
	g, tok := benchFixture(b)
	h := g.ForwardAuth()
	r := httptest.NewRequest("GET", "/auth", nil)
	r.RemoteAddr = proxyAddr
	r.Header.Set("Authorization", "Bearer "+tok)
	r.Header.Set("X-Original-Method", "GET")
	r.Header.Set("X-Original-Uri", "/items/42?x=1")
	r.Header.Set("X-Forwarded-Host", "api.example")
	r.Header.Set("X-Forwarded-Proto", "https")
	w := &discard{h: http.Header{}}
	h.ServeHTTP(w, r)
	if w.h.Get(gatewaytest.SubjectHeader) != gatewaytest.Subject {
		b.Fatalf("ForwardAuth answered without the subject header: %v", w.h)
	}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// newGatewayHeaders returns a gateway of the table's policy with the
// given claim headers.
func newGatewayHeaders(b *testing.B, iss *verifiertest.Issuer, h *claimheader.Headers) *gateway.Gateway {
	v, err := verifier.New(iss.VerifierConfig())
	if err != nil {
		b.Fatal(err)
	}
	g, err := gateway.New(gateway.Config{Verifier: v, Policy: gatewaytest.Policy(b), Headers: h})
	if err != nil {
		b.Fatal(err)
	}
	return g
}
