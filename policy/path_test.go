package policy_test

import (
	"bufio"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/policy"
)

func TestCanonicalPathAccepts(t *testing.T) {
	tests := []struct {
		escaped, want string
	}{
		{"/", "/"},
		{"/a", "/a"},
		{"/a/", "/a/"},
		{"/a/b/c", "/a/b/c"},
		{"/items/%41", "/items/A"},
		{"/items/%61%62", "/items/ab"},
		{"/a%20b", "/a b"},
		{"/a+b", "/a+b"},
		{"/%7Bid%7D", "/{id}"},
		{"/a%25b", "/a%b"},
		{"/a%252F", "/a%2F"},
		{"/a;b", "/a;b"},
		{"/a%3Bb", "/a;b"},
		{"/...", "/..."},
		{"/%2e%2e%2e", "/..."},
		{"/a..b", "/a..b"},
		{"/.well-known/openid-configuration", "/.well-known/openid-configuration"},
		{"/%2ewell-known", "/.well-known"},
		{"/..a", "/..a"},
		{"/.a;b", "/.a;b"},
		{"/a:b@c!$&'()*,=", "/a:b@c!$&'()*,="},
		{"/caf%C3%A9", "/café"},
		{"/café", "/café"},
		{"/%FF", "/\xff"},
		{"/~user/", "/~user/"},
	}
	for _, tt := range tests {
		t.Run(tt.escaped, func(t *testing.T) {
			got, err := policy.CanonicalPath(tt.escaped)
			require.NoError(t, err, "CanonicalPath(%q)", tt.escaped)
			assert.Equal(t, tt.want, got, "CanonicalPath(%q)", tt.escaped)
		})
	}
}

func TestCanonicalPathRefuses(t *testing.T) {
	tests := []struct {
		escaped, reason string
	}{
		{"/a%2Fb", "encoded slash"},
		{"/a%2fb", "encoded slash"},
		{"/a%2F", "encoded slash"},
		{"/%2F", "encoded slash"},
		{"/public%2F..%2Fadmin", "encoded slash"},
		{"/a%5Cb", "backslash"},
		{"/a%5cb", "backslash"},
		{`/a\b`, "backslash"},
		{`/public\..\admin`, "backslash"},
		{"/.", "dot segment"},
		{"/./a", "dot segment"},
		{"/a/.", "dot segment"},
		{"/a/./b", "dot segment"},
		{"/a/./", "dot segment"},
		{"/..", "dot segment"},
		{"/a/../b", "dot segment"},
		{"/a/..", "dot segment"},
		{"/%2e", "dot segment"},
		{"/%2E", "dot segment"},
		{"/%2e%2E", "dot segment"},
		{"/.%2e", "dot segment"},
		{"/%2e./admin", "dot segment"},
		{"/..;x", "dot segment"},
		{"/..;", "dot segment"},
		{"/.;", "dot segment"},
		{"/a/..;/b", "dot segment"},
		{"/%2e%2e;x", "dot segment"},
		{"/..%3Bx", "dot segment"},
		{"//", "empty path segment"},
		{"//a", "empty path segment"},
		{"/a//b", "empty path segment"},
		{"/a//", "empty path segment"},
		{"/a/b//", "empty path segment"},
		{"/%", "invalid percent escape"},
		{"/%z", "invalid percent escape"},
		{"/%zz", "invalid percent escape"},
		{"/a%2", "invalid percent escape"},
		{"/%G0", "invalid percent escape"},
		{"/%u0041", "invalid percent escape"},
		{"/%00", "control character"},
		{"/a%0Ab", "control character"},
		{"/a%0d", "control character"},
		{"/%1F", "control character"},
		{"/%7F", "control character"},
		{"/a\x00b", "control character"},
		{"/a\tb", "control character"},
		{"/a\x7f", "control character"},
		{"/a%23b", "encoded delimiter"},
		{"/a%3Fb", "encoded delimiter"},
		{"/a%3fb", "encoded delimiter"},
		{"/a?b", "encoded delimiter"},
		{"/a#b", "encoded delimiter"},
		{"", "path does not start with /"},
		{"a/b", "path does not start with /"},
		{"*", "path does not start with /"},
		{"http://example.com/a", "path does not start with /"},
		{"%2Fa", "path does not start with /"},
	}
	for _, tt := range tests {
		t.Run(tt.escaped, func(t *testing.T) {
			got, err := policy.CanonicalPath(tt.escaped)
			require.Error(t, err, "CanonicalPath(%q) = %q, nil; want an error", tt.escaped, got)
			assert.Empty(t, got, "CanonicalPath(%q) returned a path with its error", tt.escaped)
			assert.ErrorIs(t, err, policy.ErrAmbiguousPath, "CanonicalPath(%q) = %v", tt.escaped, err)
			var pathErr *policy.PathError
			require.True(t, errors.As(err, &pathErr), "CanonicalPath(%q) = %T; want a *policy.PathError", tt.escaped, err)
			assert.Equal(t, tt.reason, pathErr.Reason, "CanonicalPath(%q).Reason", tt.escaped)
			assert.Equal(t, "policy: ambiguous request path: "+tt.reason, err.Error(), "CanonicalPath(%q).Error()", tt.escaped)
			if rest := strings.TrimPrefix(tt.escaped, "/"); len(rest) >= 2 {
				assert.NotContains(t, err.Error(), rest, "CanonicalPath(%q).Error() repeats the path", tt.escaped)
			}
		})
	}
}

// readRequest parses a raw request as a server does, so that URL.Path,
// URL.RawPath and EscapedPath are what a handler would see.
func readRequest(t *testing.T, method, target, host string) *http.Request {
	t.Helper()
	raw := method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	require.NoError(t, err, "http.ReadRequest(%q)", raw)
	return r
}

func TestDecide(t *testing.T) {
	p := mustNew(t, policy.Deny(),
		policy.Rule{Pattern: "/public/", Access: policy.Public()},                // 0
		policy.Rule{Pattern: "/admin/", Access: policy.AllOf("admin")},           // 1
		policy.Rule{Pattern: "GET /items/{id}", Access: policy.AllOf("read")},    // 2
		policy.Rule{Pattern: "GET /items/A", Access: policy.Public()},            // 3
		policy.Rule{Pattern: "api.example.com/", Access: policy.Authenticated()}, // 4
	)
	tests := []struct {
		method, target, host string
		wantRule             int    // -1: the default
		wantReason           string // non-empty: refused as ambiguous
	}{
		{"GET", "/public/index.html", "svc", 0, ""},
		{"GET", "/admin/users", "svc", 1, ""},
		{"GET", "/public%2F..%2Fadmin", "svc", 0, "encoded slash"},
		{"GET", "/public%2f..%2fadmin", "svc", 0, "encoded slash"},
		{"GET", "/public/../admin/users", "svc", 0, "dot segment"},
		{"GET", "/public/%2e%2e/admin/users", "svc", 0, "dot segment"},
		{"GET", "/public/..;/admin/users", "svc", 0, "dot segment"},
		{"GET", "/public/./x", "svc", 0, "dot segment"},
		{"GET", "/public//x", "svc", 0, "empty path segment"},
		{"GET", `/public/..\admin`, "svc", 0, "backslash"},
		{"GET", "/public/..%5Cadmin", "svc", 0, "backslash"},
		{"GET", "/public/%00", "svc", 0, "control character"},
		{"GET", "/public/x%3F/admin", "svc", 0, "encoded delimiter"},
		{"GET", "/public/x#/../admin", "svc", 0, "encoded delimiter"},
		{"GET", "/admin/users?x=/public/", "svc", 1, ""},
		{"GET", "/private?x=/public/", "svc", -1, ""},
		{"GET", "/private?/public/", "svc", -1, ""},
		{"GET", "/admin/?next=/public/../x", "svc", 1, ""},
		{"GET", "/public/x?/admin/", "svc", 0, ""},
		{"GET", "/items/%41", "svc", 3, ""},
		{"GET", "/items/A", "svc", 3, ""},
		{"HEAD", "/items/%41", "svc", 3, ""},
		{"GET", "/items/B", "svc", 2, ""},
		{"GET", "/items/%7Bid%7D", "svc", 2, ""},
		{"GET", "/items/%2541", "svc", 2, ""},
		{"POST", "/items/B", "svc", -1, ""},
		{"GET", "/PUBLIC/x", "svc", -1, ""},
		{"GET", "/public", "svc", -1, ""},
		{"GET", "/private", "svc", -1, ""},
		{"GET", "/private", "api.example.com", 4, ""},
		{"GET", "/private", "api.example.com:443", 4, ""},
		{"GET", "http://api.example.com/private", "api.example.com", 4, ""},
		// The host pattern's path is more general, so the two would
		// conflict; ServeMux then prefers the pattern with the host.
		{"GET", "/public/x", "api.example.com", 4, ""},
		{"OPTIONS", "*", "svc", 0, "path does not start with /"},
		{"GET", "http://api.example.com", "api.example.com", 0, "path does not start with /"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target+" "+tt.host, func(t *testing.T) {
			r := readRequest(t, tt.method, tt.target, tt.host)
			got, err := p.Decide(r)
			if tt.wantReason != "" {
				require.ErrorIs(t, err, policy.ErrAmbiguousPath, "Decide(%s %s) = %+v, %v", tt.method, tt.target, got, err)
				var pathErr *policy.PathError
				require.ErrorAs(t, err, &pathErr, "Decide(%s %s)", tt.method, tt.target)
				assert.Equal(t, tt.wantReason, pathErr.Reason, "Decide(%s %s) refused for", tt.method, tt.target)
				assert.Equal(t, policy.Decision{}, got, "Decide(%s %s) returned a decision with its error", tt.method, tt.target)
				return
			}
			require.NoError(t, err, "Decide(%s %s, Host %s)", tt.method, tt.target, tt.host)
			assert.Equal(t, tt.wantRule, got.Rule, "Decide(%s %s, Host %s) = rule %d (%q, %v); want rule %d",
				tt.method, tt.target, tt.host, got.Rule, got.Pattern, got.Access, tt.wantRule)
		})
	}
}

// FuzzCanonicalPath checks that CanonicalPath never panics, that Match
// takes the paths it returns (and, for paths without escapes, only those),
// and that what it accepts is a fixed point: the output escaped again (as url.URL does
// for a server's handler) canonicalises to itself, starts with "/", and has
// no empty, "." or ".." segment, no "/" or "\" inside a segment and no
// control character. Run with
//
//	go test ./policy/ -run '^$' -fuzz '^FuzzCanonicalPath$' -fuzztime 60s
func FuzzCanonicalPath(f *testing.F) {
	for _, s := range []string{"/", "/a/b/", "/items/%41", "/a%2Fb", "/%2e%2E/x", "/..;x", "//", "/a//", "/%", "/%zz",
		"/%00", "/a%23b", "a", `/a\b`, "/caf%C3%A9", "/%FF", "/a%25b", "/.;", "/...", "/%2e%2e%2e"} {
		f.Add(s)
	}
	catchAll := mustNew(f, policy.Deny(), policy.Rule{Pattern: "/", Access: policy.Public()})
	f.Fuzz(func(t *testing.T, escaped string) {
		out, err := policy.CanonicalPath(escaped)
		// Without escapes, the decoded path is the escaped one: Match
		// takes it exactly when CanonicalPath does.
		if !strings.Contains(escaped, "%") {
			if got := catchAll.Match("GET", "", escaped).Rule; (got == 0) != (err == nil) {
				t.Fatalf("Match(GET, %q) on a catch-all = rule %d, CanonicalPath = %v; want the catch-all exactly for a canonical path", escaped, got, err)
			}
		}
		if err != nil {
			if !errors.Is(err, policy.ErrAmbiguousPath) {
				t.Fatalf("CanonicalPath(%q) = %v; want an error matching ErrAmbiguousPath", escaped, err)
			}
			if out != "" {
				t.Fatalf("CanonicalPath(%q) = %q with error %v; want no path", escaped, out, err)
			}
			return
		}
		if !strings.HasPrefix(out, "/") || strings.Contains(out, "//") || strings.ContainsAny(out, "\\?#") {
			t.Fatalf("CanonicalPath(%q) = %q; want a path starting with / without //, \\, ? or #", escaped, out)
		}
		for seg := range strings.SplitSeq(out[1:], "/") {
			name, _, _ := strings.Cut(seg, ";")
			if name == "." || name == ".." {
				t.Fatalf("CanonicalPath(%q) = %q holds the dot segment %q", escaped, out, seg)
			}
		}
		for i := 0; i < len(out); i++ {
			if out[i] < 0x20 || out[i] == 0x7f {
				t.Fatalf("CanonicalPath(%q) = %q holds the control character %#x", escaped, out, out[i])
			}
		}
		if strings.Count(out, "/") != strings.Count(escaped, "/") {
			t.Fatalf("CanonicalPath(%q) = %q changed the number of segments", escaped, out)
		}
		if got := catchAll.Match("GET", "", out).Rule; got != 0 {
			t.Fatalf("Match(GET, CanonicalPath(%q) = %q) on a catch-all = rule %d; want 0", escaped, out, got)
		}
		again := (&url.URL{Path: out}).EscapedPath()
		out2, err := policy.CanonicalPath(again)
		if err != nil || out2 != out {
			t.Fatalf("CanonicalPath(%q) = %q, escaped again %q, canonicalises to %q, %v; want %q, nil", escaped, out, again, out2, err, out)
		}
		if out3, err := policy.CanonicalPath(out); !strings.Contains(out, "%") && (err != nil || out3 != out) {
			t.Fatalf("CanonicalPath(CanonicalPath(%q) = %q) = %q, %v; want %q, nil for an output without %%", escaped, out, out3, err, out)
		}
	})
}
