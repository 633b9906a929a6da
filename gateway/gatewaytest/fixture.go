// Package gatewaytest is the shared acceptance table of package gateway:
// requests sent through a gateway's front door, in reverse-proxy or
// forward-auth mode, and the status and upstream headers each must get.
//
// It fixes what the table assumes: a policy ([Rules], [Policy] and its
// YAML text [PolicyYAML]), a claim header mapping ([Mapping], [HeadersYAML]),
// the tokens' claims ([Subject], [ClientID], [Tenant]), and an upstream
// ([StartUpstream]) that echoes what it receives. A test builds a gateway
// from these (in Go, or as a jwtgate configuration file), puts whatever
// front it tests in front of it (the gateway's own Handler, or nginx,
// Caddy, a Go proxy using the gateway's ForwardAuth), and calls [Run] with
// a [Target] that says where the front door is and which issuer to mint
// tokens with:
//
//	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
//	up := gatewaytest.StartUpstream(t)
//	// ... start the gateway, trusting iss, with gatewaytest.Policy(t) and
//	// gatewaytest.Mapping(), in front of up.URL ...
//	gatewaytest.Run(t, gatewaytest.Target{Mode: gatewaytest.ModeProxy, URL: front, Issuer: iss})
//
// Requests are written on a raw TCP connection, exactly as the table gives
// them: request targets are not cleaned and header names keep their
// spelling.
package gatewaytest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jwtgate/jwtgate/claimheader"
	"github.com/jwtgate/jwtgate/policy"
)

// Rules returns the rules of the test policy, whose default is
// [policy.Deny]. [PolicyYAML] is the same policy in the jwtgate
// configuration file's syntax.
func Rules() []policy.Rule {
	return []policy.Rule{
		{Pattern: "/healthz", Access: policy.Public()},
		{Pattern: "/public/", Access: policy.Public()},
		{Pattern: "/me", Access: policy.Authenticated()},
		{Pattern: "GET /items/", Access: policy.AnyOf("read", "admin")},
		{Pattern: "POST /items/", Access: policy.AllOf("write")},
		{Pattern: "DELETE /items/{id}", Access: policy.AllOf("write", "admin")},
		{Pattern: "/admin/", Access: policy.AllOf("admin")},
		{Pattern: "/internal/", Access: policy.Deny()},
	}
}

// PolicyYAML is the test policy ([Rules], default deny) as the value of
// the "policy:" key of a jwtgate configuration file (package policyyaml's
// syntax), unindented: indent it under "policy:", or use [ConfigYAML].
const PolicyYAML = `default: deny
rules:
  - pattern: /healthz
    allow: public
  - pattern: /public/
    allow: public
  - pattern: /me
    allow: authenticated
  - pattern: GET /items/
    any_scopes: [read, admin]
  - pattern: POST /items/
    scopes: [write]
  - pattern: "DELETE /items/{id}"
    scopes: [write, admin]
  - pattern: /admin/
    scopes: [admin]
  - pattern: /internal/
    allow: deny
`

// Policy returns the test policy: [Rules], default deny. It fails t if
// package policy refuses them.
func Policy(t testing.TB) *policy.Policy {
	t.Helper()
	p, err := policy.New(policy.Deny(), Rules()...)
	if err != nil {
		t.Fatalf("gatewaytest: policy.New of the test rules: %v", err)
	}
	return p
}

// The claim headers of the test mapping.
const (
	SubjectHeader  = "X-Auth-Subject"
	ClientIDHeader = "X-Auth-Client-Id"
	ScopesHeader   = "X-Auth-Scopes"
	IssuerHeader   = "X-Auth-Issuer"
	TenantHeader   = "X-Auth-Tenant" // the custom claim "tenant_id"
)

// Mapping returns the test claim header mapping: subject, client ID,
// scopes, issuer and the "tenant_id" claim. [HeadersYAML] is the same
// mapping in the jwtgate configuration file's syntax.
func Mapping() claimheader.Mapping {
	return claimheader.Mapping{
		Subject:  SubjectHeader,
		ClientID: ClientIDHeader,
		Scopes:   ScopesHeader,
		Issuer:   IssuerHeader,
		Claims:   map[string]string{"tenant_id": TenantHeader},
	}
}

// HeaderNames returns the names of the test mapping's headers.
func HeaderNames() []string {
	return []string{SubjectHeader, ClientIDHeader, ScopesHeader, IssuerHeader, TenantHeader}
}

// Headers returns the claimheader.Headers of [Mapping]. It fails t if
// package claimheader refuses the mapping.
func Headers(t testing.TB) *claimheader.Headers {
	t.Helper()
	h, err := claimheader.New(Mapping())
	if err != nil {
		t.Fatalf("gatewaytest: claimheader.New of the test mapping: %v", err)
	}
	return h
}

// HeadersYAML is the test mapping ([Mapping]) as the value of the
// "headers:" key of a jwtgate configuration file, unindented.
const HeadersYAML = `subject: X-Auth-Subject
client_id: X-Auth-Client-Id
scopes: X-Auth-Scopes
issuer: X-Auth-Issuer
claims: {tenant_id: X-Auth-Tenant}
`

// ConfigYAML holds the "headers:" and "policy:" sections of a jwtgate
// configuration file for the table: [HeadersYAML] and [PolicyYAML],
// indented under their keys. Append it to a file that names the mode,
// addresses and the issuer.
var ConfigYAML = "headers:\n" + indent(HeadersYAML) + "policy:\n" + indent(PolicyYAML)

// indent puts two spaces before every line of text.
func indent(text string) string {
	var b strings.Builder
	for line := range strings.Lines(text) {
		b.WriteString("  ")
		b.WriteString(line)
	}
	return b.String()
}

// The claims of the table's tokens (besides iss, aud, exp, ... and the
// scope each case names).
const (
	Subject  = "alice"
	ClientID = "app-7"
	Tenant   = "acme"
)

// UpstreamMarker is the header the upstream of [StartUpstream] sets on
// every answer, with the value "reached": a response without it did not
// come from the upstream.
const UpstreamMarker = "X-Gatewaytest-Upstream"

// Echo is what the upstream of [StartUpstream] answers: the request as it
// received it.
type Echo struct {
	Method      string              `json:"method"`
	Host        string              `json:"host"`
	RequestURI  string              `json:"request_uri"`  // the request target as sent
	Path        string              `json:"path"`         // URL.Path, decoded
	RawPath     string              `json:"raw_path"`     // URL.RawPath
	EscapedPath string              `json:"escaped_path"` // URL.EscapedPath()
	Query       string              `json:"query"`        // URL.RawQuery
	Header      map[string][]string `json:"header"`       // every header, names as Go's server keys them
}

// UpstreamHandler answers every request with 200, the [UpstreamMarker]
// header and the [Echo] of the request as JSON.
func UpstreamHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e := Echo{
			Method:      r.Method,
			Host:        r.Host,
			RequestURI:  r.RequestURI,
			Path:        r.URL.Path,
			RawPath:     r.URL.RawPath,
			EscapedPath: r.URL.EscapedPath(),
			Query:       r.URL.RawQuery,
			Header:      r.Header,
		}
		w.Header().Set(UpstreamMarker, "reached")
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(e)
	})
}

// StartUpstream starts the upstream of the table on 127.0.0.1, a free
// port: an httptest server of [UpstreamHandler], closed when t ends.
func StartUpstream(t testing.TB) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(UpstreamHandler())
	t.Cleanup(s.Close)
	return s
}
