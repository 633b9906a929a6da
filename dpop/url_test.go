package dpop_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/dpop"
)

func TestCanonicalURL(t *testing.T) {
	cases := []struct{ in, want string }{
		// RFC 3986 section 6.2.2.1: case of scheme, host and percent-encodings.
		{"HTTP://www.EXAMPLE.com/", "http://www.example.com/"},
		{"http://example.com/%3a%2f", "http://example.com/%3A%2F"},
		// Section 6.2.2.2: percent-encoded unreserved characters decoded.
		{"http://example.com/%7Euser/%41%62%2D%2e%5F", "http://example.com/~user/Ab-._"},
		// Section 6.2.2.3 and 5.2.4: dot segments.
		{"http://example.com/a/b/c/./../../g", "http://example.com/a/g"},
		{"http://example.com/a/b/..", "http://example.com/a/"},
		{"http://example.com/a/.", "http://example.com/a/"},
		{"http://example.com/..", "http://example.com/"},
		{"http://example.com/../../a", "http://example.com/a"},
		{"http://example.com/a/..//b", "http://example.com//b"},
		{"http://example.com/a/%2E%2E/b", "http://example.com/b"},
		{"http://example.com/a/.b/..c", "http://example.com/a/.b/..c"},
		// Section 6.2.2, the example with all three, over http.
		{"hTTp://a/./b/../b/%63/%7bfoo%7d", "http://a/b/c/%7Bfoo%7D"},
		// Section 6.2.3: the scheme's default port and an empty path.
		{"http://example.com", "http://example.com/"},
		{"http://example.com/", "http://example.com/"},
		{"http://example.com:/", "http://example.com/"},
		{"http://example.com:80/", "http://example.com/"},
		{"http://example.com:0080/", "http://example.com/"},
		{"https://example.com:443/", "https://example.com/"},
		{"https://example.com:80/", "https://example.com:80/"},
		{"http://example.com:443/", "http://example.com:443/"},
		{"http://example.com:08080/", "http://example.com:8080/"},
		{"http://example.com:0/", "http://example.com:0/"},
		// Query and fragment dropped.
		{"https://example.com/p?q=1#f", "https://example.com/p"},
		{"https://example.com?q", "https://example.com/"},
		{"https://example.com/p#", "https://example.com/p"},
		// Reserved characters stay as they are, raw or encoded.
		{"https://example.com/a%2Fb", "https://example.com/a%2Fb"},
		{"https://example.com/a!b$&'()*+,;=:@", "https://example.com/a!b$&'()*+,;=:@"},
		{"https://example.com/a%21b", "https://example.com/a%21b"},
		// Characters a path may not hold raw are encoded.
		{"https://example.com/é", "https://example.com/%C3%A9"},
		{"https://example.com/%c3%a9", "https://example.com/%C3%A9"},
		{"https://example.com/a%20b", "https://example.com/a%20b"},
		// Hosts.
		{"https://ex%C3%A9mple.COM/", "https://ex%C3%A9mple.com/"},
		{"https://exémple.com/", "https://ex%C3%A9mple.com/"},
		{"http://[FE80::1]:8080/x", "http://[fe80::1]:8080/x"},
		{"http://[::1]:80/x", "http://[::1]/x"},
		{"http://[fe80::1%25EN0]/", "http://[fe80::1%25en0]/"},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			u, err := url.Parse(tc.in)
			require.NoError(t, err, "url.Parse(%q)", tc.in)
			got, err := dpop.CanonicalURL(u)
			require.NoError(t, err, "CanonicalURL(%q)", tc.in)
			assert.Equal(t, tc.want, got, "CanonicalURL(%q)", tc.in)

			// The canonical form is its own canonical form.
			again, err := url.Parse(got)
			require.NoError(t, err, "url.Parse(%q)", got)
			got2, err := dpop.CanonicalURL(again)
			require.NoError(t, err, "CanonicalURL(%q)", got)
			assert.Equal(t, got, got2, "CanonicalURL of the canonical %q", got)
		})
	}
}

func TestCanonicalURLErrors(t *testing.T) {
	parsed := map[string]string{
		"relative":          "/items",
		"no scheme":         "//example.com/items",
		"ftp":               "ftp://example.com/items",
		"opaque":            "http:example.com",
		"userinfo":          "https://user:secret@example.com/",
		"empty userinfo":    "https://@example.com/",
		"no host":           "http:///items",
		"port only":         "http://:8080/",
		"port out of range": "http://example.com:65536/",
		"quote in host":     "http://exa\"mple.com/",
	}
	for name, s := range parsed {
		t.Run(name, func(t *testing.T) {
			u, err := url.Parse(s)
			require.NoError(t, err, "url.Parse(%q)", s)
			got, err := dpop.CanonicalURL(u)
			assert.Error(t, err, "CanonicalURL(%q) = %q; want an error", s, got)
			assert.NotContains(t, err.Error(), "secret", "CanonicalURL error leaks the userinfo")
		})
	}
	built := map[string]*url.URL{
		"nil":             nil,
		"port not digits": {Scheme: "http", Host: "example.com:port", Path: "/"},
		"bad escape":      {Scheme: "http", Host: "example.com", Path: "/a%zz", RawPath: "/a%zz"},
	}
	for name, u := range built {
		t.Run(name, func(t *testing.T) {
			got, err := dpop.CanonicalURL(u)
			if name == "bad escape" {
				// RawPath is not a valid encoding of Path, so EscapedPath
				// encodes Path itself: the "%" becomes "%25".
				require.NoError(t, err, "CanonicalURL(%#v)", u)
				assert.Equal(t, "http://example.com/a%25zz", got)
				return
			}
			assert.Error(t, err, "CanonicalURL(%#v) = %q; want an error", u, got)
		})
	}
}

// TestCanonicalURLBuilt: a URL built from a server request (path as
// received, scheme and host added) has the canonical form of the URL the
// client used.
func TestCanonicalURLBuilt(t *testing.T) {
	target, err := url.ParseRequestURI("/a%2Fb/%7Ec?x=1")
	require.NoError(t, err)
	target.Scheme, target.Host = "https", "API.example.com:443"
	got, err := dpop.CanonicalURL(target)
	require.NoError(t, err)
	assert.Equal(t, "https://api.example.com/a%2Fb/~c", got)
}
