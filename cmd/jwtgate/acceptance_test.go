package main

import (
	"fmt"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/gateway/gatewaytest"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// acceptanceConfig is a jwtgate file for the shared acceptance table.
func acceptanceConfig(iss *verifiertest.Issuer, top string) string {
	return fmt.Sprintf("%slisten: 127.0.0.1:0\nadmin_listen: \"off\"\nissuers:\n  - issuer: %q\n    jwks_url: %q\naudiences: [%q]\n%s",
		top, iss.URL, iss.JWKSURL(), iss.Audience(), gatewaytest.ConfigYAML)
}

// TestAcceptanceProxy runs the shared acceptance table of package gateway
// through jwtgate in proxy mode.
func TestAcceptanceProxy(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := gatewaytest.StartUpstream(t)
	for _, forward := range []bool{false, true} {
		t.Run(fmt.Sprintf("forward_authorization=%v", forward), func(t *testing.T) {
			g := startGateway(t, acceptanceConfig(iss, fmt.Sprintf("mode: proxy\nupstream:\n  url: %s\n  forward_authorization: %v\n", up.URL, forward)))
			gatewaytest.Run(t, gatewaytest.Target{
				Mode:                 gatewaytest.ModeProxy,
				URL:                  "http://" + g.Addr(),
				Issuer:               iss,
				ForwardAuthorization: forward,
			})
		})
	}
}

// TestAcceptanceForwardAuth runs the table through a small Go front that
// asks jwtgate in forward_auth mode about each request, as nginx's
// auth_request does.
func TestAcceptanceForwardAuth(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := gatewaytest.StartUpstream(t)
	g := startGateway(t, acceptanceConfig(iss, "mode: forward_auth\ntrusted_proxies: [127.0.0.1/32]\n"))
	upURL, err := url.Parse(up.URL)
	require.NoError(t, err)
	front := httptest.NewServer(&gatewaytest.AuthRequestFront{
		Auth:     "http://" + g.Addr() + "/auth",
		Upstream: &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(upURL); pr.SetXForwarded() }},
		Copy:     gatewaytest.HeaderNames(),
	})
	t.Cleanup(front.Close)
	gatewaytest.Run(t, gatewaytest.Target{Mode: gatewaytest.ModeForwardAuth, URL: front.URL, Issuer: iss})
}
