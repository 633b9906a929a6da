package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/jwtgate/jwtgate/gateway"
	"github.com/jwtgate/jwtgate/policy"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// FuzzForwardAuth sends forward-auth requests from a trusted proxy with
// fuzzed forwarding headers and no token, to a policy whose only open door
// is GET /public/. Whatever the headers, the answer is never a panic, never
// a 5xx, and a 200 only for an original request that the policy itself
// makes public: a GET or HEAD whose URI's path, read the one way
// CanonicalPath reads it, lies under /public/.
func FuzzForwardAuth(f *testing.F) {
	f.Add("GET", "/public/a", "", "")
	f.Add("GET", "/public/..%2Fadmin", "", "")
	f.Add("GET", "/public/a", "/admin", "")
	f.Add("get", "/public/a?x=/admin", "/public/a?y", "example.com")
	f.Add("GET", "/admin?/public/", "", "")
	f.Add("", "", "", "")
	f.Add("GET", "http://h/public/a", "", "h")
	f.Add("HEAD", "/public/%2e%2e/admin", "/public/%2e%2e/admin", "")

	iss := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	f.Cleanup(iss.Close)
	v, err := verifier.New(iss.VerifierConfig())
	if err != nil {
		f.Fatal(err)
	}
	p, err := policy.New(policy.Deny(), policy.Rule{Pattern: "GET /public/", Access: policy.Public()})
	if err != nil {
		f.Fatal(err)
	}
	g, err := gateway.New(gateway.Config{Verifier: v, Policy: p, TrustedProxies: loopback})
	if err != nil {
		f.Fatal(err)
	}
	h := g.ForwardAuth()

	f.Fuzz(func(t *testing.T, method, fwdURI, origURI, host string) {
		r := httptest.NewRequest(http.MethodGet, "/auth", nil)
		r.RemoteAddr = proxyAddr
		set := func(name, v string) {
			if v != "" {
				r.Header[name] = []string{v}
			}
		}
		set("X-Forwarded-Method", method)
		set("X-Forwarded-Uri", fwdURI)
		set("X-Original-Uri", origURI)
		set("X-Forwarded-Host", host)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch {
		case w.Code >= 500:
			t.Fatalf("ForwardAuth(method %q, X-Forwarded-Uri %q, X-Original-Uri %q) = %d, want no 5xx without a token", method, fwdURI, origURI, w.Code)
		case w.Code == http.StatusOK:
			if method != http.MethodGet && method != http.MethodHead {
				t.Fatalf("ForwardAuth(method %q, URI %q) = 200, want a refusal: only GET /public/ is open", method, fwdURI)
			}
			for _, uri := range []string{fwdURI, origURI} {
				if uri == "" {
					continue
				}
				u, err := url.ParseRequestURI(uri)
				if err != nil {
					t.Fatalf("ForwardAuth(URI %q) = 200 for a URI url.ParseRequestURI refuses: %v", uri, err)
				}
				path, err := policy.CanonicalPath(u.EscapedPath())
				if err != nil || !strings.HasPrefix(path, "/public/") {
					t.Fatalf("ForwardAuth(URI %q) = 200, but its path %q (error %v) is not under /public/", uri, path, err)
				}
			}
			if fwdURI == "" && origURI == "" {
				t.Fatalf("ForwardAuth without a URI header = 200 for the sub-request's own path /auth, which the policy denies")
			}
		}
	})
}
