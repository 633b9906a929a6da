package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/claimheader"
	"github.com/jwtgate/jwtgate/gateway"
	"github.com/jwtgate/jwtgate/policy"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// proxyBench is the setup of BenchmarkProxy: one loopback upstream, and
// in front of it a bare httputil.ReverseProxy and the same proxy behind a
// gateway.Handler, each served on a loopback port.
type proxyBench struct {
	bare, gated string // base URLs
	token       string // authorizes GET /items/1 at the gateway
}

// newProxy returns a ReverseProxy to upstream with a transport that keeps
// enough idle connections for parallel benchmarks.
func newProxy(upstream *url.URL) *httputil.ReverseProxy {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 256
	tr.MaxIdleConnsPerHost = 256
	return &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(upstream); r.SetXForwarded() },
		Transport: tr,
	}
}

func setupProxyBench(tb testing.TB) proxyBench {
	tb.Helper()
	body := []byte(`{"id":1,"name":"item"}`)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	tb.Cleanup(upstream.Close)
	u, err := url.Parse(upstream.URL)
	require.NoError(tb, err)

	iss := verifiertest.Start(tb, verifiertest.IssuerConfig{Algorithm: "ES256"})
	v, err := verifier.New(iss.VerifierConfig())
	require.NoError(tb, err, "verifier.New")
	pol, err := policy.New(policy.Deny(),
		policy.Rule{Pattern: "GET /items/", Access: policy.AnyOf("read", "admin")},
		policy.Rule{Pattern: "/healthz", Access: policy.Public()},
	)
	require.NoError(tb, err, "policy.New")
	hdrs, err := claimheader.New(claimheader.Mapping{
		Subject: "X-Auth-Subject", ClientID: "X-Auth-Client-Id", Scopes: "X-Auth-Scopes", Issuer: "X-Auth-Issuer",
	})
	require.NoError(tb, err, "claimheader.New")
	g, err := gateway.New(gateway.Config{Verifier: v, Policy: pol, Headers: hdrs})
	require.NoError(tb, err, "gateway.New")

	bare := httptest.NewServer(newProxy(u))
	tb.Cleanup(bare.Close)
	gated := httptest.NewServer(g.Handler(newProxy(u)))
	tb.Cleanup(gated.Close)
	return proxyBench{
		bare:  bare.URL,
		gated: gated.URL,
		token: iss.MustMint(tb, verifiertest.Token{Scope: "read write"}),
	}
}

// get sends GET base/items/1 with the token and reads the whole answer.
func get(client *http.Client, base, token string) (int, error) {
	req, err := http.NewRequest(http.MethodGet, base+"/items/1", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// BenchmarkProxy compares, over loopback HTTP, a bare httputil.ReverseProxy
// (proxy=bare) with the same proxy behind gateway.Handler (proxy=jwtgate;
// benchstat -col /proxy puts them side by side) for a
// request whose token the gateway has seen before (its verifier's cache
// holds it): the cost of the gateway on the hot path, including the
// policy match and the claim headers. Both send the token; the bare proxy
// ignores it.
func BenchmarkProxy(b *testing.B) {
	pb := setupProxyBench(b)
	for _, bc := range []struct{ name, base string }{{"proxy=bare", pb.bare}, {"proxy=jwtgate", pb.gated}} {
		b.Run(bc.name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
			defer client.CloseIdleConnections()
			// Warm up: connections, and the token into the cache.
			status, err := get(client, bc.base, pb.token)
			if err != nil || status != http.StatusOK {
				b.Fatalf("GET %s/items/1 = %d, %v; want 200", bc.base, status, err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(p *testing.PB) {
				for p.Next() {
					status, err := get(client, bc.base, pb.token)
					if err != nil || status != http.StatusOK {
						b.Errorf("GET %s/items/1 = %d, %v; want 200", bc.base, status, err)
						return
					}
				}
			})
		})
	}
}
