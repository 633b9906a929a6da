package gateway_test

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/jwtgate/jwtgate/claimheader"
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

// FuzzHandler sends requests with fuzzed targets, methods and claim-like
// headers through Handler, from an untrusted client, with a valid token or
// none, to a policy of GET /public/ (public), /private/ (a valid token)
// and deny for the rest. Whatever the request, the answer is never a 5xx,
// and a request reaches the service only if the policy lets its path (read
// the one way CanonicalPath reads it) through; what reaches the service
// carries neither the token nor a client's forwarding or claim header.
func FuzzHandler(f *testing.F) {
	f.Add("GET", "/public/a", true, "X-Auth-Subject", "admin")
	f.Add("GET", "/public/..%2Fprivate/x", false, "X_Auth_Subject", "admin")
	f.Add("POST", "/private/x?/public/", true, "X-Forwarded-Uri", "/public/")
	f.Add("GET", "/private/%2e%2e/admin", true, "x-auth-subject", "a")
	f.Add("GET", "//private/x", false, "Forwarded", "for=1.2.3.4")
	f.Add("HEAD", "/public/%41", false, "X-Original-Uri", "/admin")

	iss := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	f.Cleanup(iss.Close)
	v, err := verifier.New(iss.VerifierConfig())
	if err != nil {
		f.Fatal(err)
	}
	token, err := iss.Mint(verifiertest.Token{Subject: "alice"})
	if err != nil {
		f.Fatal(err)
	}
	p, err := policy.New(policy.Deny(),
		policy.Rule{Pattern: "GET /public/", Access: policy.Public()},
		policy.Rule{Pattern: "/private/", Access: policy.Authenticated()},
	)
	if err != nil {
		f.Fatal(err)
	}
	headers, err := claimheader.New(claimheader.Mapping{Subject: "X-Auth-Subject"})
	if err != nil {
		f.Fatal(err)
	}
	g, err := gateway.New(gateway.Config{Verifier: v, Policy: p, Headers: headers, TrustedProxies: loopback})
	if err != nil {
		f.Fatal(err)
	}
	var reached *http.Request
	h := g.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { reached = r }))

	f.Fuzz(func(t *testing.T, method, target string, withToken bool, name, value string) {
		raw := method + " " + target + " HTTP/1.1\r\nHost: api.test\r\n"
		if withToken {
			raw += "Authorization: Bearer " + token + "\r\n"
		}
		raw += name + ": " + value + "\r\n\r\n"
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return // a request net/http would refuse before any handler
		}
		r.RemoteAddr = untrustedAddr
		reached = nil
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("Handler(%q) = %d, want no 5xx", raw, w.Code)
		}
		if reached == nil {
			return
		}
		path, err := policy.CanonicalPath(r.URL.EscapedPath())
		switch {
		case err != nil:
			t.Fatalf("Handler(%q) passed an ambiguous path on: %v", raw, err)
		case strings.HasPrefix(path, "/public/") && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		case strings.HasPrefix(path, "/private/") && withToken:
		default:
			t.Fatalf("Handler(%q) passed %s %s on; the policy opens only GET /public/ and, with a token, /private/", raw, r.Method, path)
		}
		for hname := range reached.Header {
			folded := strings.ReplaceAll(strings.ToLower(hname), "_", "-")
			switch folded {
			case "authorization", "x-forwarded-uri", "x-original-uri", "forwarded", "x-forwarded-for":
				t.Fatalf("Handler(%q) passed %s on to the service", raw, hname)
			case "x-auth-subject":
				if got := reached.Header[hname]; len(got) != 1 || got[0] != "alice" || !withToken {
					t.Fatalf("Handler(%q) passed %s: %q on; want only the verified subject, set once", raw, hname, got)
				}
			}
		}
	})
}
