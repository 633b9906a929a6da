package policy_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/policy"
)

// hostRules adds host patterns, multi wildcards and {$} beside wildcards.
var hostRules = []policy.Rule{
	{Pattern: "GET /{a}/{b}", Access: policy.Public()},                 // 0
	{Pattern: "/y/{a}/{rest...}", Access: policy.AllOf("y")},           // 1
	{Pattern: "POST api.example.com/x/", Access: policy.AllOf("post")}, // 2
	{Pattern: "/a/b/{$}", Access: policy.Authenticated()},              // 3
	{Pattern: "api.example.com/a/", Access: policy.Deny()},             // 4
	{Pattern: "DELETE /{a}/b", Access: policy.AllOf("delete")},         // 5
	{Pattern: "DELETE /%41/b", Access: policy.AllOf("escaped")},        // 6
}

// refHandler stands for rule i in the reference ServeMux.
type refHandler int

func (refHandler) ServeHTTP(http.ResponseWriter, *http.Request) {}

// reference is a plain ServeMux holding the rules' patterns.
func reference(rules []policy.Rule) *http.ServeMux {
	mux := http.NewServeMux()
	for i, rule := range rules {
		mux.Handle(rule.Pattern, refHandler(i))
	}
	return mux
}

// serverRequest is the request a server builds from the request line
// "method target" with a Host header host: http.ReadRequest parses the
// target with url.ParseRequestURI. It returns nil for a target a server
// refuses before any handler runs.
func serverRequest(method, host, target string) *http.Request {
	if !strings.HasPrefix(target, "/") {
		return nil
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil
	}
	return &http.Request{Method: method, Host: host, URL: u, Header: http.Header{}}
}

// checkAgainstServeMux checks that p decides r as mux would route it: the
// rule whose pattern ServeMux picks, or the default when ServeMux would
// answer itself (redirect, 404, 405). A path Decide refuses as ambiguous
// is not compared. It reports whether Decide refused.
func checkAgainstServeMux(t *testing.T, p *policy.Policy, mux *http.ServeMux, r *http.Request) (refused bool) {
	t.Helper()
	got, err := p.Decide(r)
	if err != nil {
		require.ErrorIs(t, err, policy.ErrAmbiguousPath, "Decide(%s %s, Host %q)", r.Method, r.URL.EscapedPath(), r.Host)
		return true
	}
	h, pattern := mux.Handler(r)
	want, ok := h.(refHandler)
	if !ok {
		want, pattern = -1, ""
	}
	if got.Rule != int(want) || got.Pattern != pattern {
		t.Fatalf("Decide(%s %s, Host %q) = rule %d (%q); ServeMux.Handler picks %T %v (%q); want the same rule",
			r.Method, r.URL.EscapedPath(), r.Host, got.Rule, got.Pattern, h, h, pattern)
	}
	return false
}

// TestDecideAgreesWithServeMux compares Decide with a real ServeMux
// holding the same patterns, over every path of up to three segments from
// a small alphabet (with and without a trailing slash), several methods
// and hosts: this is the "exactly as ServeMux decides" guarantee.
func TestDecideAgreesWithServeMux(t *testing.T) {
	alphabet := []string{"", "items", "a", "b", "x", "y", "A", "me", "users", "profile", "static", "admin", "docs",
		"%41", "%2e", ".", "..", "%2F", "{id}", "a%20b", "..;x"}
	var paths []string
	var walk func(prefix string, depth int)
	walk = func(prefix string, depth int) {
		paths = append(paths, prefix)
		if depth == 3 {
			return
		}
		for _, seg := range alphabet {
			walk(prefix+"/"+seg, depth+1)
		}
	}
	for _, seg := range alphabet {
		walk("/"+seg, 1)
	}
	if testing.Short() {
		paths = paths[:len(paths)/10]
	}
	methods := []string{"GET", "HEAD", "POST", "PUT", "DELETE"}
	hosts := []string{"svc", "api.example.com:8443"}

	for name, rules := range map[string][]policy.Rule{"gateway": gatewayRules, "narrow": narrowRules, "host": hostRules} {
		t.Run(name, func(t *testing.T) {
			p := mustNew(t, policy.Deny(), rules...)
			mux := reference(rules)
			compared, refused, matched := 0, 0, 0
			for _, path := range paths {
				for _, method := range methods {
					for _, host := range hosts {
						r := serverRequest(method, host, path)
						if r == nil {
							continue
						}
						if checkAgainstServeMux(t, p, mux, r) {
							refused++
							continue
						}
						compared++
						if h, _ := mux.Handler(r); h != nil {
							if _, ok := h.(refHandler); ok {
								matched++
							}
						}
					}
				}
			}
			// The alphabet must exercise both sides: rules matched and
			// paths refused.
			require.Positive(t, matched, "requests a rule matched among %d compared", compared)
			require.Positive(t, refused, "requests refused as ambiguous")
			require.Greater(t, compared-matched, 0, "requests given the default among %d compared", compared)
			t.Logf("%d requests compared (%d matched a rule), %d refused as ambiguous", compared, matched, refused)
		})
	}
}

// FuzzDecideAgreesWithServeMux is the fuzzing form of
// TestDecideAgreesWithServeMux: any request target and host. Run with
//
//	go test ./policy/ -run '^$' -fuzz '^FuzzDecideAgreesWithServeMux$' -fuzztime 60s
func FuzzDecideAgreesWithServeMux(f *testing.F) {
	f.Add(uint8(0), "svc", "/items/%41")
	f.Add(uint8(1), "api.example.com", "/x/a/b/")
	f.Add(uint8(2), "api.example.com:80", "/items")
	f.Add(uint8(3), "", "/a/b/?q=/x")
	f.Add(uint8(4), "svc", "/users/me/profile")
	f.Add(uint8(5), "svc", "/static/%2e%2e/admin")
	methods := []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}
	sets := [][]policy.Rule{gatewayRules, narrowRules, hostRules}
	policies := make([]*policy.Policy, len(sets))
	muxes := make([]*http.ServeMux, len(sets))
	for i, rules := range sets {
		policies[i] = mustNew(f, policy.Deny(), rules...)
		muxes[i] = reference(rules)
	}
	f.Fuzz(func(t *testing.T, m uint8, host, target string) {
		r := serverRequest(methods[int(m)%len(methods)], host, target)
		if r == nil {
			return
		}
		for i := range sets {
			checkAgainstServeMux(t, policies[i], muxes[i], r)
		}
	})
}
