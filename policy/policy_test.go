package policy_test

import (
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/policy"
	"github.com/jwtgate/jwtgate/scopes"
)

// gatewayRules is a policy with a catch-all, written to exercise
// ServeMux's precedence: method or none, host or none, prefix, wildcard,
// {$} and {path...} patterns. The comment on each rule is its index.
var gatewayRules = []policy.Rule{
	{Pattern: "/", Access: policy.Authenticated()},                      // 0
	{Pattern: "/healthz", Access: policy.Public()},                      // 1
	{Pattern: "GET /items/", Access: policy.AnyOf("read", "admin")},     // 2
	{Pattern: "POST /items/", Access: policy.AllOf("write")},            // 3
	{Pattern: "PUT /items/{id}", Access: policy.AllOf("write")},         // 4
	{Pattern: "GET /items/{$}", Access: policy.Public()},                // 5
	{Pattern: "DELETE /items/{id}", Access: policy.AllOf("admin")},      // 6
	{Pattern: "api.example.com/items/", Access: policy.Deny()},          // 7
	{Pattern: "/static/{path...}", Access: policy.Public()},             // 8
	{Pattern: "GET /users/{id}/profile", Access: policy.AllOf("users")}, // 9
	{Pattern: "GET /users/me/profile", Access: policy.Authenticated()},  // 10
	{Pattern: "/admin/", Access: policy.AllOf("admin")},                 // 11
}

// narrowRules has no catch-all, so that ServeMux's 404, 405 and
// redirects show through as the default.
var narrowRules = []policy.Rule{
	{Pattern: "GET /items/{id}", Access: policy.Public()},    // 0
	{Pattern: "/healthz", Access: policy.Public()},           // 1
	{Pattern: "/admin/", Access: policy.AllOf("admin")},      // 2
	{Pattern: "/docs", Access: policy.Authenticated()},       // 3
	{Pattern: "/docs/", Access: policy.AllOf("docs")},        // 4
	{Pattern: "POST /upload/{$}", Access: policy.AllOf("w")}, // 5
}

func mustNew(t testing.TB, def policy.Access, rules ...policy.Rule) *policy.Policy {
	t.Helper()
	p, err := policy.New(def, rules...)
	require.NoError(t, err, "policy.New(%v, %d rules)", def, len(rules))
	return p
}

// TestMatch is written by hand from net/http's ServeMux documentation: the
// most specific pattern wins, a pattern with a host beats one without that
// it would otherwise conflict with, GET also matches HEAD, a trailing "/"
// matches the subtree, {$} only the path itself, and ServeMux's own
// answers (redirect to add a "/", 404, 405) give the default.
func TestMatch(t *testing.T) {
	gateway := mustNew(t, policy.Deny(), gatewayRules...)
	narrow := mustNew(t, policy.AllOf("fallback"), narrowRules...)
	tests := []struct {
		name         string
		p            *policy.Policy
		method, host string
		path         string
		wantRule     int
	}{
		{"root goes to the catch-all", gateway, "GET", "", "/", 0},
		{"unknown path goes to the catch-all", gateway, "GET", "", "/anything/else", 0},
		{"exact path", gateway, "GET", "", "/healthz", 1},
		{"exact path, any method", gateway, "POST", "", "/healthz", 1},
		{"exact path does not match below it", gateway, "GET", "", "/healthz/", 0},
		{"exact path does not match a longer name", gateway, "GET", "", "/healthzz", 0},
		{"{$} beats the prefix it ends", gateway, "GET", "", "/items/", 5},
		{"GET pattern matches HEAD", gateway, "HEAD", "", "/items/", 5},
		{"method prefix", gateway, "GET", "", "/items/3", 2},
		{"method prefix, deep", gateway, "GET", "", "/items/3/parts/4", 2},
		{"HEAD uses the GET prefix", gateway, "HEAD", "", "/items/3", 2},
		{"POST prefix at its root", gateway, "POST", "", "/items/", 3},
		{"POST prefix below", gateway, "POST", "", "/items/3", 3},
		{"PUT wildcard", gateway, "PUT", "", "/items/3", 4},
		{"PUT wildcard is one segment", gateway, "PUT", "", "/items/3/4", 0},
		{"DELETE wildcard", gateway, "DELETE", "", "/items/3", 6},
		{"method with no item rule goes to the catch-all", gateway, "PATCH", "", "/items/3", 0},
		{"lowercase method is another method", gateway, "get", "", "/items/3", 0},
		{"empty method is GET", gateway, "", "", "/items/3", 2},
		{"GET without trailing slash is redirected: default", gateway, "GET", "", "/items", -1},
		{"POST without trailing slash is redirected: default", gateway, "POST", "", "/items", -1},
		{"PUT without trailing slash: only the catch-all, no redirect", gateway, "PUT", "", "/items", 0},
		{"host pattern beats method pattern", gateway, "GET", "api.example.com", "/items/3", 7},
		{"host pattern with a port in the request", gateway, "POST", "api.example.com:8443", "/items/3", 7},
		{"host pattern below {$}", gateway, "GET", "api.example.com", "/items/", 7},
		{"other host", gateway, "GET", "other.example.com", "/items/3", 2},
		{"host that only ends like the pattern's", gateway, "GET", "evilapi.example.com", "/items/3", 2},
		{"host pattern for another path", gateway, "GET", "api.example.com", "/healthz", 1},
		{"multi wildcard", gateway, "GET", "", "/static/css/site.css", 8},
		{"multi wildcard, empty rest", gateway, "POST", "", "/static/", 8},
		{"multi wildcard root is redirected: default", gateway, "GET", "", "/static", -1},
		{"literal segment beats wildcard", gateway, "GET", "", "/users/me/profile", 10},
		{"wildcard segment", gateway, "GET", "", "/users/42/profile", 9},
		{"HEAD of wildcard segment", gateway, "HEAD", "", "/users/42/profile", 9},
		{"wildcard rule's other method goes to the catch-all", gateway, "POST", "", "/users/42/profile", 0},
		{"wildcard does not match an empty segment at the end", gateway, "GET", "", "/users/42/profile/", 0},
		{"decoded space in a segment", gateway, "GET", "", "/items/a b", 2},
		{"braces in the path are literal", gateway, "PUT", "", "/items/{id}", 4},
		{"prefix rule", gateway, "GET", "", "/admin/users", 11},
		{"prefix root without slash is redirected: default", gateway, "GET", "", "/admin", -1},
		{"case matters", gateway, "GET", "", "/ADMIN/users", 0},

		{"no catch-all: 404 is the default", narrow, "GET", "", "/nothing", -1},
		{"no catch-all: 405 is the default", narrow, "POST", "", "/items/3", -1},
		{"no catch-all: 405 for {$} is the default", narrow, "GET", "", "/upload/", -1},
		{"{$} with its method", narrow, "POST", "", "/upload/", 5},
		{"{$} does not match below", narrow, "POST", "", "/upload/x", -1},
		{"no catch-all: wildcard match", narrow, "HEAD", "", "/items/3", 0},
		{"no catch-all: trailing slash after a wildcard", narrow, "GET", "", "/items/3/", -1},
		{"no catch-all: redirect to the prefix is the default", narrow, "GET", "", "/admin", -1},
		{"exact path registered beside its prefix: no redirect", narrow, "GET", "", "/docs", 3},
		{"prefix beside an exact path", narrow, "GET", "", "/docs/", 4},
		{"prefix beside an exact path, below", narrow, "GET", "", "/docs/intro", 4},
		{"not canonical: dot segments", narrow, "GET", "", "/admin/../healthz", -1},
		{"not canonical: backslash", gateway, "GET", "", `/x\..\admin`, -1},
		{"not canonical: dot segment with a parameter", gateway, "GET", "", "/x/..;/admin/", -1},
		{"not canonical: question mark", gateway, "GET", "", "/x?/admin", -1},
		{"not canonical: control character", gateway, "GET", "", "/a\x00", -1},
		{"not canonical: trailing dot", gateway, "GET", "", "/admin/.", -1},
		{"decoded percent sign is canonical", gateway, "GET", "", "/items/100%", 2},
		{"not canonical: empty segment", narrow, "GET", "", "/admin//x", -1},
		{"not canonical: no leading slash", narrow, "GET", "", "healthz", -1},
		{"not canonical: empty path", narrow, "GET", "", "", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.Match(tt.method, tt.host, tt.path)
			rules := tt.p.Rules()
			want := policy.Decision{Access: tt.p.Default(), Rule: -1}
			if tt.wantRule >= 0 {
				want = policy.Decision{Access: rules[tt.wantRule].Access, Rule: tt.wantRule, Pattern: rules[tt.wantRule].Pattern}
			}
			assert.Equal(t, want, got, "Match(%q, %q, %q): got rule %d (%q, %v); want rule %d (%q, %v)",
				tt.method, tt.host, tt.path, got.Rule, got.Pattern, got.Access, want.Rule, want.Pattern, want.Access)
		})
	}
}

func TestAccess(t *testing.T) {
	tests := []struct {
		access    policy.Access
		wantKind  policy.Kind
		wantText  string
		wantReq   []string
		wantAnyOf bool
	}{
		{policy.Access{}, policy.KindDeny, "deny", nil, false},
		{policy.Deny(), policy.KindDeny, "deny", nil, false},
		{policy.Public(), policy.KindPublic, "public", nil, false},
		{policy.Authenticated(), policy.KindAuthenticated, "authenticated", nil, false},
		{policy.AllOf("write", "read"), policy.KindScopes, "all of: write read", []string{"write", "read"}, false},
		{policy.AllOf("read write"), policy.KindScopes, "all of: read write", []string{"read", "write"}, false},
		{policy.AnyOf("read", "admin"), policy.KindScopes, "any of: read admin", []string{"read", "admin"}, true},
		{policy.AllOf(), policy.KindAuthenticated, "authenticated", nil, false},
		{policy.AnyOf(""), policy.KindAuthenticated, "authenticated", nil, false},
		{policy.Require(scopes.Requirement{}), policy.KindAuthenticated, "authenticated", nil, false},
		{policy.Require(scopes.AnyOf("x")), policy.KindScopes, "any of: x", []string{"x"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.wantText, func(t *testing.T) {
			assert.Equal(t, tt.wantKind, tt.access.Kind(), "Kind() of %v", tt.access)
			assert.Equal(t, tt.wantText, tt.access.String(), "String() of an access of kind %v", tt.access.Kind())
			assert.Equal(t, tt.wantReq, tt.access.Scopes().Scopes(), "Scopes().Scopes() of %v", tt.access)
			assert.Equal(t, tt.wantAnyOf, tt.access.Scopes().IsAnyOf(), "Scopes().IsAnyOf() of %v", tt.access)
		})
	}
	assert.Equal(t, "Kind(9)", policy.Kind(9).String(), "String() of an unknown Kind")
}

func TestPolicyAccessors(t *testing.T) {
	rules := []policy.Rule{{Pattern: "/a", Access: policy.Public()}, {Pattern: "/b/", Access: policy.AllOf("b")}}
	p := mustNew(t, policy.Authenticated(), rules...)
	got := p.Rules()
	assert.Equal(t, rules, got, "Rules() of New(_, %v)", rules)
	assert.Equal(t, policy.Authenticated(), p.Default(), "Default() of New(Authenticated(), ...)")

	// The policy keeps its own copies: changing the caller's slice or the
	// returned one changes no decision.
	rules[0].Access = policy.Deny()
	got[0].Access = policy.Deny()
	assert.Equal(t, policy.KindPublic, p.Match("GET", "", "/a").Access.Kind(), "Match of /a after changing the rule slices")
	assert.Equal(t, policy.KindPublic, p.Rules()[0].Access.Kind(), "Rules()[0] after changing the rule slices")

	empty := mustNew(t, policy.Deny())
	assert.Equal(t, policy.Decision{Access: policy.Deny(), Rule: -1}, empty.Match("GET", "", "/"), "Match on a policy with no rules")
}

func TestNewRuleError(t *testing.T) {
	tests := []struct {
		name      string
		rules     []string
		wantIndex int
		// wantReason is found in the text after "policy: rule N (pattern): ",
		// which is ServeMux's own reason.
		wantReason string
	}{
		{"empty", []string{"/a", ""}, 1, "empty pattern"},
		{"blank", []string{"   "}, 0, "empty pattern"},
		{"no slash", []string{"items"}, 0, `host/path missing /`},
		{"method only", []string{"GET"}, 0, `host/path missing /`},
		{"bad method", []string{"G(T /x"}, 0, `invalid method "G(T"`},
		{"unclosed wildcard", []string{"/{"}, 0, `at offset 1: bad wildcard segment (must end with '}')`},
		{"bad wildcard name", []string{"/{a-b}"}, 0, `at offset 1: bad wildcard name "a-b"`},
		{"wildcard inside a segment", []string{"/a{x}"}, 0, `at offset 1: bad wildcard segment (must start with '{')`},
		{"duplicate wildcard", []string{"/{x}/{x}"}, 0, `at offset 5: duplicate wildcard name "x"`},
		{"{$} not last", []string{"/{$}/x"}, 0, `at offset 1: {$} not at end`},
		{"multi not last", []string{"/{x...}/y"}, 0, `at offset 1: {...} wildcard not at end`},
		{"identical patterns", []string{"/a", "/healthz", "/a"}, 2,
			`pattern "/a" conflicts with pattern "/a": /a matches the same requests as /a`},
		{"same pattern, other wildcard names", []string{"/items/{id}", "/items/{name}"}, 1,
			`pattern "/items/{name}" conflicts with pattern "/items/{id}": /items/{name} matches the same requests as /items/{id}`},
		{"method against path specificity", []string{"GET /", "/index.html"}, 1,
			`pattern "/index.html" conflicts with pattern "GET /": `},
		{"crossing wildcards", []string{"/posts/{id}", "/{resource}/latest"}, 1,
			`pattern "/{resource}/latest" conflicts with pattern "/posts/{id}": /{resource}/latest and /posts/{id} both match some paths, like "/posts/latest".`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules := make([]policy.Rule, len(tt.rules))
			for i, pattern := range tt.rules {
				rules[i] = policy.Rule{Pattern: pattern, Access: policy.Public()}
			}
			p, err := policy.New(policy.Deny(), rules...)
			require.Error(t, err, "New(Deny(), %q) = %v, nil; want a *RuleError", tt.rules, p)
			assert.Nil(t, p, "New(Deny(), %q) returned a policy with its error", tt.rules)

			var ruleErr *policy.RuleError
			require.True(t, errors.As(err, &ruleErr), "New(Deny(), %q) = %T %v; want a *policy.RuleError", tt.rules, err, err)
			assert.Equal(t, tt.wantIndex, ruleErr.Index, "RuleError.Index of New(Deny(), %q)", tt.rules)
			assert.Equal(t, tt.rules[tt.wantIndex], ruleErr.Pattern, "RuleError.Pattern of New(Deny(), %q)", tt.rules)
			require.Error(t, errors.Unwrap(err), "errors.Unwrap of %v", err)

			msg := err.Error()
			wantPrefix := "policy: rule " + strconv.Itoa(tt.wantIndex+1) + " (" + strconv.Quote(tt.rules[tt.wantIndex]) + "): "
			assert.True(t, strings.HasPrefix(msg, wantPrefix), "New(Deny(), %q).Error() = %q; want the prefix %q", tt.rules, msg, wantPrefix)
			assert.Contains(t, strings.TrimPrefix(msg, wantPrefix), tt.wantReason, "New(Deny(), %q).Error() = %q; want ServeMux's reason", tt.rules, msg)
			for _, leak := range []string{".go:", "registered at", "\n", "policy.go", "parsing "} {
				assert.NotContains(t, msg, leak, "New(Deny(), %q).Error() = %q; want no source location or ServeMux wrapper", tt.rules, msg)
			}
		})
	}
}

// TestNewRefusesServeMux121 runs the test binary again with
// GODEBUG=httpmuxgo121=1, under which ServeMux reads "GET /admin/" as a
// literal host and path that no request matches: New must refuse to build
// such a policy rather than let /admin/ fall to a public catch-all.
func TestNewRefusesServeMux121(t *testing.T) {
	const marker = "POLICY_TEST_MUX121"
	if os.Getenv(marker) == "1" {
		p, err := policy.New(policy.Deny(),
			policy.Rule{Pattern: "/", Access: policy.Public()},
			policy.Rule{Pattern: "GET /admin/", Access: policy.AllOf("admin")})
		require.ErrorIs(t, err, policy.ErrServeMux121, "New(...) under GODEBUG=httpmuxgo121=1 = %v, %v", p, err)
		require.Nil(t, p, "New(...) under GODEBUG=httpmuxgo121=1 returned a policy")
		t.Log("refused under httpmuxgo121: " + err.Error())
		return
	}
	_, err := policy.New(policy.Deny(), policy.Rule{Pattern: "GET /admin/", Access: policy.AllOf("admin")})
	require.NoError(t, err, "New(...) with the default ServeMux")

	cmd := exec.Command(os.Args[0], "-test.run=^TestNewRefusesServeMux121$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), marker+"=1", "GODEBUG=httpmuxgo121=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the test binary under GODEBUG=httpmuxgo121=1 failed:\n%s", out)
	assert.Contains(t, string(out), "refused under httpmuxgo121: policy: net/http ServeMux runs with GODEBUG httpmuxgo121=1",
		"output of the test binary under GODEBUG=httpmuxgo121=1; want the refusal logged")
}

// TestConcurrentDecide shares one policy between goroutines; run with -race.
func TestConcurrentDecide(t *testing.T) {
	p := mustNew(t, policy.Deny(), gatewayRules...)
	done := make(chan policy.Decision)
	for i := range 8 {
		go func() {
			var last policy.Decision
			for range 200 {
				last = p.Match(http.MethodGet, "", "/items/"+strconv.Itoa(i))
			}
			done <- last
		}()
	}
	for range 8 {
		got := <-done
		assert.Equal(t, 2, got.Rule, "Match(GET, /items/N) from a goroutine: got rule %d (%q)", got.Rule, got.Pattern)
	}
}
