package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/gateway"
	"github.com/jwtgate/jwtgate/gateway/gatewaytest"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// newGateway returns a gateway of the table's policy and claim headers
// that trusts iss, with cfg's other settings.
func newGateway(t testing.TB, iss *verifiertest.Issuer, cfg gateway.Config) *gateway.Gateway {
	t.Helper()
	v, err := verifier.New(iss.VerifierConfig())
	require.NoError(t, err, "verifier.New")
	cfg.Verifier = v
	cfg.Policy = gatewaytest.Policy(t)
	cfg.Headers = gatewaytest.Headers(t)
	if cfg.Bearer.Realm == "" {
		cfg.Bearer.Realm = "gatewaytest"
	}
	g, err := gateway.New(cfg)
	require.NoError(t, err, "gateway.New")
	return g
}

// reverseProxy returns a reverse proxy to target, which sets the
// X-Forwarded headers from the connection.
func reverseProxy(t *testing.T, target string) *httputil.ReverseProxy {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	return &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(u)
		pr.SetXForwarded()
	}}
}

func startServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

// TestAcceptanceProxy runs the table through Gateway.Handler before an
// httputil.ReverseProxy, with the Authorization header stripped and
// forwarded. The gateway trusts no proxy: the table's client is untrusted.
func TestAcceptanceProxy(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := gatewaytest.StartUpstream(t)
	for _, forward := range []bool{false, true} {
		name := "authorization_stripped"
		if forward {
			name = "authorization_forwarded"
		}
		t.Run(name, func(t *testing.T) {
			g := newGateway(t, iss, gateway.Config{ForwardAuthorization: forward})
			front := startServer(t, g.Handler(reverseProxy(t, up.URL)))
			gatewaytest.Run(t, gatewaytest.Target{
				Mode:                 gatewaytest.ModeProxy,
				URL:                  front.URL,
				Issuer:               iss,
				ForwardAuthorization: forward,
			})
		})
	}
}

// TestAcceptanceForwardAuth runs the table through a Go proxy that does
// what nginx's auth_request does, asking Gateway.ForwardAuth.
func TestAcceptanceForwardAuth(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := gatewaytest.StartUpstream(t)
	g := newGateway(t, iss, gateway.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	auth := startServer(t, g.ForwardAuth())
	for _, forward := range []bool{false, true} {
		name := "authorization_stripped"
		if forward {
			name = "authorization_forwarded"
		}
		t.Run(name, func(t *testing.T) {
			front := startServer(t, &gatewaytest.AuthRequestFront{
				Auth:         auth.URL + "/auth",
				Upstream:     reverseProxy(t, up.URL),
				Copy:         gatewaytest.HeaderNames(),
				ForwardToken: forward,
			})
			gatewaytest.Run(t, gatewaytest.Target{
				Mode:                 gatewaytest.ModeForwardAuth,
				URL:                  front.URL,
				Issuer:               iss,
				ForwardAuthorization: forward,
			})
		})
	}
}
