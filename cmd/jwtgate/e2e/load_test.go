package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// TestLoadShort runs wrk against jwtgate in proxy mode for 3 seconds (2
// threads, 50 connections, one token) and requires every request to have
// been answered 200. wrk is found as nginx and caddy are (lookGateway).
// The full comparison with a bare reverse proxy is loadtest (go run
// ./e2e/loadtest).
func TestLoadShort(t *testing.T) {
	lookGateway(t, "wrk")

	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Auth-Subject") == "" {
			w.WriteHeader(http.StatusInternalServerError) // counted by wrk
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(upstream.Close)
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256"})
	gate := startJwtgate(t, Gate{
		Mode: "proxy", Upstream: upstream.URL,
		Issuer: iss.URL, JWKSURL: iss.JWKSURL(), Audience: iss.Audience(),
		// No access log: the load test measures the gateway.
		LogLevel: "warn", Listen: freeAddr(t), AdminListen: "off", Rest: LoadRest,
	})
	token := iss.MustMint(t, verifiertest.Token{Scope: "read", ExpiresIn: time.Hour})

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	res, err := Wrk(ctx, WrkOptions{
		URL:      "http://" + gate.Addr + "/items/1",
		Header:   []string{"Authorization: Bearer " + token},
		Duration: 3 * time.Second, Threads: 2, Connections: 50,
	})
	require.NoError(t, err, "wrk against jwtgate")
	t.Logf("jwtgate: %d requests, %.0f requests/s, p50 %.0f µs, p99 %.0f µs", res.Requests, res.RequestsPerSecond(), res.P50Micros, res.P99Micros)
	assert.Positive(t, res.Requests, "requests wrk made")
	assert.Zero(t, res.Errors(), "failed requests (socket errors and non-2xx answers): %+v", res)
}
