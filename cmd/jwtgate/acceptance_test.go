package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
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
	front := httptest.NewServer(&askFirst{
		auth:     "http://" + g.Addr() + "/auth",
		upstream: &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(upURL); pr.SetXForwarded() }},
		names:    gatewaytest.HeaderNames(),
	})
	t.Cleanup(front.Close)
	gatewaytest.Run(t, gatewaytest.Target{Mode: gatewaytest.ModeForwardAuth, URL: front.URL, Issuer: iss})
}

// askFirst is a front proxy that asks a forward-auth endpoint about each
// request (nginx style: X-Original-Method and X-Original-Uri, headers with
// "_" dropped), answers its refusals as they are, and passes allowed
// requests on with the claim headers of the answer in place of the
// client's and without the token.
type askFirst struct {
	auth     string
	upstream http.Handler
	names    []string
}

func (p *askFirst) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for name := range r.Header {
		if strings.ContainsRune(name, '_') {
			delete(r.Header, name)
		}
	}
	ask, err := http.NewRequestWithContext(r.Context(), http.MethodGet, p.auth, nil)
	if err != nil {
		http.Error(w, "front: bad auth request", http.StatusInternalServerError)
		return
	}
	ask.Header = r.Header.Clone()
	ask.Header.Set("X-Original-Method", r.Method)
	ask.Header.Set("X-Original-Uri", r.RequestURI)
	ask.Header.Set("X-Forwarded-Host", r.Host)
	ask.Header.Set("X-Forwarded-Proto", "http")
	resp, err := http.DefaultClient.Do(ask)
	if err != nil {
		http.Error(w, "front: auth unreachable", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		for _, name := range []string{"Www-Authenticate", "Content-Type", "Retry-After"} {
			if v := resp.Header.Values(name); v != nil {
				w.Header()[name] = v
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
		return
	}
	for _, name := range p.names {
		r.Header.Del(name)
		if v := resp.Header.Get(name); v != "" {
			r.Header.Set(name, v)
		}
	}
	r.Header.Del("Authorization")
	p.upstream.ServeHTTP(w, r)
}
