package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/gateway"
	"github.com/jwtgate/jwtgate/gateway/gatewaytest"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// newGateway returns a gateway of the table's policy and claim headers
// that trusts iss, with cfg's other settings.
func newGateway(t *testing.T, iss *verifiertest.Issuer, cfg gateway.Config) *gateway.Gateway {
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
			front := startServer(t, &authRequestProxy{
				auth:         auth.URL + "/auth",
				upstream:     reverseProxy(t, up.URL),
				copy:         gatewaytest.HeaderNames(),
				forwardToken: forward,
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

// authRequestProxy does what nginx does with this configuration:
//
//	location / {
//	    auth_request /auth;
//	    auth_request_set $sub $upstream_http_x_auth_subject;   # one per claim header
//	    proxy_set_header X-Auth-Subject $sub;
//	    proxy_set_header Authorization "";                    # unless forwardToken
//	    proxy_pass http://upstream;
//	}
//	location = /auth {
//	    internal;
//	    proxy_pass http://gateway;
//	    proxy_pass_request_body off;
//	    proxy_set_header Content-Length "";
//	    proxy_set_header X-Original-Method $request_method;
//	    proxy_set_header X-Original-URI $request_uri;
//	    proxy_set_header X-Forwarded-Host $host;
//	    proxy_set_header X-Forwarded-Proto $scheme;
//	}
//
// with nginx's default of dropping request headers whose names have an
// underscore. Unlike nginx, it passes every refusal on as it is (nginx
// turns statuses other than 401 and 403 into 500), as Caddy does.
type authRequestProxy struct {
	auth         string
	upstream     http.Handler
	copy         []string
	forwardToken bool
}

func (p *authRequestProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for name := range r.Header {
		if strings.Contains(name, "_") {
			delete(r.Header, name)
		}
	}
	sub, err := http.NewRequestWithContext(r.Context(), http.MethodGet, p.auth, nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sub.Header = r.Header.Clone()
	sub.Header.Set("X-Original-Method", r.Method)
	sub.Header.Set("X-Original-Uri", r.RequestURI)
	sub.Header.Set("X-Forwarded-Host", r.Host)
	sub.Header.Set("X-Forwarded-Proto", "http")
	resp, err := http.DefaultClient.Do(sub)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if resp.StatusCode/100 != 2 {
		for _, name := range []string{"Www-Authenticate", "Content-Type", "Retry-After"} {
			if v := resp.Header.Values(name); v != nil {
				w.Header()[name] = v
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
		return
	}
	for _, name := range p.copy {
		r.Header.Del(name)
		if v := resp.Header.Get(name); v != "" {
			r.Header.Set(name, v)
		}
	}
	if !p.forwardToken {
		r.Header.Del("Authorization")
	}
	p.upstream.ServeHTTP(w, r)
}
