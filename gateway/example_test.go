package gateway_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/claimheader"
	"github.com/jwtgate/jwtgate/gateway"
	"github.com/jwtgate/jwtgate/policy"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// exampleGateway returns a gateway for the examples: a policy with a
// public health check and items that need "read", the subject and scopes
// passed on as headers.
func exampleGateway(issuer *verifiertest.Issuer, trusted ...netip.Prefix) *gateway.Gateway {
	v, err := verifier.New(issuer.VerifierConfig())
	if err != nil {
		log.Fatal(err)
	}
	p, err := policy.New(policy.Deny(),
		policy.Rule{Pattern: "/healthz", Access: policy.Public()},
		policy.Rule{Pattern: "GET /items/", Access: policy.AllOf("read")},
	)
	if err != nil {
		log.Fatal(err)
	}
	h, err := claimheader.New(claimheader.Mapping{Subject: "X-Auth-Subject", Scopes: "X-Auth-Scopes"})
	if err != nil {
		log.Fatal(err)
	}
	g, err := gateway.New(gateway.Config{
		Verifier:       v,
		Policy:         p,
		Headers:        h,
		Bearer:         bearer.Options{Realm: "api"},
		TrustedProxies: trusted,
	})
	if err != nil {
		log.Fatal(err)
	}
	return g
}

// In reverse-proxy mode the gateway stands before the service (usually an
// httputil.ReverseProxy), which receives the verified claims as headers
// and never the token or the client's own attempts at those headers.
func ExampleGateway_Handler() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	g := exampleGateway(issuer)

	service := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Printf("service: subject %q, scopes %q, authorization %q\n",
			r.Header.Values("X-Auth-Subject"), r.Header.Get("X-Auth-Scopes"), r.Header.Get("Authorization"))
	})
	handler := g.Handler(service)

	send := func(target, scope string) {
		r := httptest.NewRequest("GET", target, nil)
		if scope != "" {
			r.Header.Set("Authorization", issuer.AuthorizationHeader(verifiertest.Token{Subject: "alice", Scope: scope}))
		}
		r.Header.Set("X-Auth-Subject", "mallory")
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		fmt.Println(strings.TrimSpace(fmt.Sprint(target, " ", w.Code, " ", w.Header().Get("WWW-Authenticate"))))
	}
	send("/items/1", "read")
	send("/items/1", "write")
	send("/healthz", "")
	send("/items/%2e%2e/admin", "read")
	send("/admin", "read")
	// Output:
	// service: subject ["alice"], scopes "read", authorization ""
	// /items/1 200
	// /items/1 403 Bearer realm="api", error="insufficient_scope", scope="read"
	// service: subject [], scopes "", authorization ""
	// /healthz 200
	// /items/%2e%2e/admin 400 Bearer realm="api", error="invalid_request", error_description="ambiguous request path: dot segment"
	// /admin 403
}

// In forward-auth mode, nginx's auth_request (or Caddy's forward_auth,
// Traefik's forwardAuth) asks the gateway about each request, naming the
// original method and URI in headers; the claim headers of a 200 answer
// are for the proxy to copy onto the request it passes on.
func ExampleGateway_ForwardAuth() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	g := exampleGateway(issuer, netip.MustParsePrefix("127.0.0.1/32"))
	auth := g.ForwardAuth()

	ask := func(from, method, uri, scope string) {
		r := httptest.NewRequest("GET", "/auth", nil)
		r.RemoteAddr = from
		r.Header.Set("X-Original-Method", method)
		r.Header.Set("X-Original-Uri", uri)
		if scope != "" {
			r.Header.Set("Authorization", issuer.AuthorizationHeader(verifiertest.Token{Subject: "alice", Scope: scope}))
		}
		w := httptest.NewRecorder()
		auth.ServeHTTP(w, r)
		line := fmt.Sprintf("%s %s: %d subject %q %s", method, uri, w.Code, w.Header().Get("X-Auth-Subject"), w.Header().Get("WWW-Authenticate"))
		fmt.Println(strings.TrimSpace(line))
	}
	ask("127.0.0.1:50000", "GET", "/items/1?next=/admin", "read")
	ask("127.0.0.1:50000", "GET", "/items/1", "")
	ask("127.0.0.1:50000", "POST", "/items/1", "read")
	ask("127.0.0.1:50000", "GET", "/healthz", "read")
	ask("192.0.2.1:50000", "GET", "/healthz", "")
	// Output:
	// GET /items/1?next=/admin: 200 subject "alice"
	// GET /items/1: 401 subject "" Bearer realm="api"
	// POST /items/1: 403 subject ""
	// GET /healthz: 200 subject ""
	// GET /healthz: 403 subject ""
}
