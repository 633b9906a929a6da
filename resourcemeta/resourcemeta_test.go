package resourcemeta_test

import (
	"encoding/json/v2"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/resourcemeta"
)

// valid is a minimal valid Metadata; cases change one member.
func valid() resourcemeta.Metadata {
	return resourcemeta.Metadata{Resource: "https://api.example.com/v1/items"}
}

func TestNewChecksEveryMember(t *testing.T) {
	type tc struct {
		name    string
		change  func(*resourcemeta.Metadata)
		wantErr string // "" if New must accept
	}
	resource := func(v string) func(*resourcemeta.Metadata) {
		return func(m *resourcemeta.Metadata) { m.Resource = v }
	}
	servers := func(v ...string) func(*resourcemeta.Metadata) {
		return func(m *resourcemeta.Metadata) { m.AuthorizationServers = v }
	}
	jwksURI := func(v string) func(*resourcemeta.Metadata) {
		return func(m *resourcemeta.Metadata) { m.JWKSURI = v }
	}
	docs := func(v string) func(*resourcemeta.Metadata) {
		return func(m *resourcemeta.Metadata) { m.ResourceDocumentation = v }
	}
	policy := func(v string) func(*resourcemeta.Metadata) {
		return func(m *resourcemeta.Metadata) { m.ResourcePolicyURI = v }
	}
	tos := func(v string) func(*resourcemeta.Metadata) {
		return func(m *resourcemeta.Metadata) { m.ResourceTOSURI = v }
	}
	scopes := func(v ...string) func(*resourcemeta.Metadata) {
		return func(m *resourcemeta.Metadata) { m.ScopesSupported = v }
	}
	methods := func(v ...string) func(*resourcemeta.Metadata) {
		return func(m *resourcemeta.Metadata) { m.BearerMethodsSupported = v }
	}
	signing := func(v ...string) func(*resourcemeta.Metadata) {
		return func(m *resourcemeta.Metadata) { m.ResourceSigningAlgValuesSupported = v }
	}
	dpop := func(v ...string) func(*resourcemeta.Metadata) {
		return func(m *resourcemeta.Metadata) { m.DPoPSigningAlgValuesSupported = v }
	}
	name := func(v string) func(*resourcemeta.Metadata) {
		return func(m *resourcemeta.Metadata) { m.ResourceName = v }
	}
	details := func(v ...string) func(*resourcemeta.Metadata) {
		return func(m *resourcemeta.Metadata) { m.AuthorizationDetailsTypesSupported = v }
	}

	const (
		notHTTPS    = "must be an absolute https URL (http only for a loopback host)"
		badChar     = "contains a character that a URL must percent-encode"
		notAbsolute = notHTTPS
	)
	cases := []tc{
		// resource: what is accepted.
		{"resource without path", resource("https://api.example.com"), ""},
		{"resource with root path", resource("https://api.example.com/"), ""},
		{"resource with path", resource("https://api.example.com/v1/items"), ""},
		{"resource with trailing slash", resource("https://api.example.com/v1/items/"), ""},
		{"resource with port", resource("https://api.example.com:8443/v1"), ""},
		{"resource with encoded characters", resource("https://api.example.com/caf%C3%A9/a%2Fb"), ""},
		{"resource with sub-delims in path", resource("https://api.example.com/a;v=1/b:c@d!$&'()*+,="), ""},
		{"resource with IDNA host", resource("https://xn--bcher-kva.example/mcp"), ""},
		{"resource http on 127.0.0.1", resource("http://127.0.0.1:8080/mcp"), ""},
		{"resource http on 127.5.6.7", resource("http://127.5.6.7/mcp"), ""},
		{"resource http on localhost", resource("http://localhost:8080"), ""},
		{"resource http on ::1", resource("http://[::1]:8080/mcp"), ""},
		// resource: what is refused.
		{"resource missing", resource(""), "resourcemeta: resource is required"},
		{"resource relative", resource("/v1/items"), "resource \"/v1/items\": " + notAbsolute},
		{"resource without scheme", resource("api.example.com"), "resource \"api.example.com\": " + notAbsolute},
		{"resource http", resource("http://api.example.com"), "resource \"http://api.example.com\": " + notHTTPS},
		{"resource http on private address", resource("http://192.168.1.10/mcp"), notHTTPS},
		{"resource http on localhost lookalike", resource("http://localhost.example.com/mcp"), notHTTPS},
		{"resource http on 127.0.0.1 lookalike", resource("http://127.0.0.1.nip.io/mcp"), notHTTPS},
		{"resource ftp", resource("ftp://api.example.com"), notHTTPS},
		{"resource opaque", resource("https:api.example.com"), notHTTPS},
		{"resource without host", resource("https://"), "resource \"https://\": has no host"},
		{"resource without host, with path", resource("https:///v1"), "has no host"},
		{"resource with fragment", resource("https://api.example.com/v1#top"), "resource \"https://api.example.com/v1#top\": must not have a fragment"},
		{"resource with empty fragment", resource("https://api.example.com/#"), "must not have a fragment"},
		{"resource with query", resource("https://api.example.com/v1?tenant=a"), "resource \"https://api.example.com/v1?tenant=a\": must not have a query"},
		{"resource with empty query", resource("https://api.example.com/?"), "must not have a query"},
		{"resource with user information", resource("https://user:secret@api.example.com"), "resourcemeta: resource: must not contain user information"},
		{"resource with upper-case scheme", resource("HTTPS://api.example.com"), "must have its scheme in lower case"},
		{"resource with upper-case host", resource("https://API.example.com"), "must have its host in lower case"},
		{"resource with percent-encoded host", resource("https://b%C3%BCcher.example/mcp"), "must have its host written without percent-encoding"},
		{"resource with default https port", resource("https://api.example.com:443/v1"), "must leave out the default port"},
		{"resource with default http port", resource("http://localhost:80/v1"), "must leave out the default port"},
		{"resource with empty port", resource("https://api.example.com:/v1"), "has an empty port"},
		{"resource with port out of range", resource("https://api.example.com:65536"), "has a port that is not a number from 0 to 65535"},
		{"resource with port with leading zero", resource("https://api.example.com:0443"), "without leading zeros"},
		{"resource with space", resource("https://api.example.com/v1 items"), badChar},
		{"resource with non-ASCII", resource("https://api.example.com/café"), badChar},
		{"resource with brace", resource("https://api.example.com/{id}"), badChar},
		{"resource with control character", resource("https://api.example.com/\x7f"), badChar},
		{"resource with invalid escape", resource("https://api.example.com/%zz"), "resourcemeta: resource is not a URL: invalid URL escape"},
		{"resource with empty segment", resource("https://api.example.com/v1//items"), "has an empty path segment (//)"},
		{"resource with dot-dot segment", resource("https://api.example.com/v1/../admin"), `has a "." or ".." path segment`},
		{"resource with dot segment", resource("https://api.example.com/./v1"), `has a "." or ".." path segment`},
		{"resource with encoded dot-dot segment", resource("https://api.example.com/v1/%2E%2e/admin"), `has a "." or ".." path segment`},

		// authorization_servers.
		{"servers", servers("https://auth.example.com", "https://login.example.net/tenant1"), ""},
		{"servers on loopback http", servers("http://127.0.0.1:9000"), ""},
		{"servers empty list", servers(), ""},
		{"servers http", servers("https://auth.example.com", "http://auth.example.net"), `resourcemeta: authorization_servers[1] "http://auth.example.net": ` + notHTTPS},
		{"servers with query", servers("https://auth.example.com?x=1"), "authorization_servers[0] \"https://auth.example.com?x=1\": must not have a query"},
		{"servers with fragment", servers("https://auth.example.com#x"), "authorization_servers[0] \"https://auth.example.com#x\": must not have a fragment"},
		{"servers with upper-case host", servers("https://Auth.example.com"), "authorization_servers[0] \"https://Auth.example.com\": must have its host in lower case"},
		{"servers with user information", servers("https://client:secret@auth.example.com"), "resourcemeta: authorization_servers[0]: must not contain user information"},
		{"servers empty entry", servers("https://auth.example.com", ""), "resourcemeta: authorization_servers[1] is empty"},
		{"servers twice", servers("https://auth.example.com", "https://auth.example.com"), `authorization_servers[1] "https://auth.example.com": listed twice`},
		{"servers relative", servers("auth.example.com"), "authorization_servers[0] \"auth.example.com\": " + notAbsolute},

		// jwks_uri.
		{"jwks_uri", jwksURI("https://api.example.com/jwks.json"), ""},
		{"jwks_uri with query", jwksURI("https://api.example.com/keys?format=jwks"), ""},
		{"jwks_uri http", jwksURI("http://api.example.com/jwks.json"), `jwks_uri "http://api.example.com/jwks.json": ` + notHTTPS},
		{"jwks_uri with fragment", jwksURI("https://api.example.com/jwks.json#k1"), "jwks_uri \"https://api.example.com/jwks.json#k1\": must not have a fragment"},
		{"jwks_uri relative", jwksURI("/jwks.json"), "jwks_uri \"/jwks.json\": " + notAbsolute},
		{"jwks_uri with user information", jwksURI("https://u:secret@api.example.com/jwks.json"), "resourcemeta: jwks_uri: must not contain user information"},
		{"jwks_uri without host", jwksURI("https:///jwks.json"), "jwks_uri \"https:///jwks.json\": has no host"},

		// The documentation URLs.
		{"resource_documentation with query and fragment", docs("https://docs.example.com/api?lang=en#auth"), ""},
		{"resource_documentation on loopback", docs("http://localhost:3000/docs"), ""},
		{"resource_documentation http", docs("http://docs.example.com"), `resource_documentation "http://docs.example.com": ` + notHTTPS},
		{"resource_documentation javascript", docs("javascript:alert(1)"), "resource_documentation \"javascript:alert(1)\": " + notHTTPS},
		{"resource_documentation with space", docs("https://docs.example.com/my api"), "resource_documentation \"https://docs.example.com/my api\": " + badChar},
		{"resource_policy_uri", policy("https://example.com/policy"), ""},
		{"resource_policy_uri ftp", policy("ftp://example.com/policy"), `resource_policy_uri "ftp://example.com/policy": ` + notHTTPS},
		{"resource_tos_uri", tos("https://example.com/tos"), ""},
		{"resource_tos_uri without host", tos("https://"), `resource_tos_uri "https://": has no host`},
		{"resource_tos_uri with quote", tos(`https://example.com/"tos"`), "resource_tos_uri " + `"https://example.com/\"tos\""` + ": " + badChar},

		// scopes_supported.
		{"scopes", scopes("read", "write", "files:read", "a!#[]~"), ""},
		{"scopes with space", scopes("read write"), `scopes_supported[0] "read write": is not a scope token`},
		{"scopes empty entry", scopes("read", ""), "resourcemeta: scopes_supported[1] is empty"},
		{"scopes twice", scopes("read", "write", "read"), `scopes_supported[2] "read": listed twice`},
		{"scopes with double quote", scopes(`a"b`), `scopes_supported[0] "a\"b": is not a scope token`},
		{"scopes with backslash", scopes(`a\b`), `is not a scope token`},
		{"scopes with tab", scopes("a\tb"), `is not a scope token`},
		{"scopes with non-ASCII", scopes("café"), `scopes_supported[0] "café": is not a scope token`},

		// bearer_methods_supported.
		{"methods header", methods("header"), ""},
		{"methods all", methods("header", "body", "query"), ""},
		{"methods none", methods(), ""},
		{"methods capitalized", methods("Header"), `bearer_methods_supported[0] "Header": must be "header", "body" or "query"`},
		{"methods cookie", methods("header", "cookie"), `bearer_methods_supported[1] "cookie": must be`},
		{"methods twice", methods("header", "header"), `bearer_methods_supported[1] "header": listed twice`},
		{"methods empty entry", methods(""), "bearer_methods_supported[0] is empty"},

		// resource_signing_alg_values_supported.
		{"signing algs", signing("RS256", "PS384", "ES256", "ES256K", "EdDSA", "Ed25519", "Ed448", "HS256"), ""},
		{"signing none", signing("RS256", "none"), `resource_signing_alg_values_supported[1] "none": is never allowed`},
		{"signing None", signing("None"), `resource_signing_alg_values_supported[0] "None": is never allowed`},
		{"signing lower case", signing("rs256"), `resource_signing_alg_values_supported[0] "rs256": is not a registered JWS signature algorithm`},
		{"signing unknown", signing("RS1"), `"RS1": is not a registered JWS signature algorithm`},
		{"signing encryption alg", signing("RSA-OAEP"), `"RSA-OAEP": is not a registered JWS signature algorithm`},
		{"signing twice", signing("ES256", "ES256"), `resource_signing_alg_values_supported[1] "ES256": listed twice`},
		{"signing empty entry", signing(""), "resource_signing_alg_values_supported[0] is empty"},

		// dpop_signing_alg_values_supported.
		{"dpop algs", dpop("ES256", "RS256", "PS256", "EdDSA"), ""},
		{"dpop HMAC", dpop("ES256", "HS256"), `dpop_signing_alg_values_supported[1] "HS256": is a MAC algorithm`},
		{"dpop none", dpop("none"), `dpop_signing_alg_values_supported[0] "none": is never allowed`},
		{"dpop unknown", dpop("ES257"), `dpop_signing_alg_values_supported[0] "ES257": is not a registered JWS signature algorithm`},

		// resource_name and authorization_details_types_supported.
		{"name", name("Flight planner ✈"), ""},
		{"name with newline", name("Flights\nAPI"), `resource_name "Flights\nAPI": contains a control character`},
		{"name invalid UTF-8", name("Flights \xff"), "resourcemeta: resource_name is not valid UTF-8"},
		{"details", details("payment_initiation", "account_information"), ""},
		{"details empty entry", details(""), "authorization_details_types_supported[0] is empty"},
		{"details twice", details("a", "a"), `authorization_details_types_supported[1] "a": listed twice`},
		{"details control character", details("a\x01"), `authorization_details_types_supported[0] "a\x01": contains a control character`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := valid()
			c.change(&m)
			doc, err := resourcemeta.New(m)
			if c.wantErr == "" {
				require.NoError(t, err, "New(%+v)", m)
				require.NotNil(t, doc)
				return
			}
			require.Error(t, err, "New(%+v) accepted it; want an error containing %q", m, c.wantErr)
			assert.Nil(t, doc, "New returned a document with its error")
			assert.Contains(t, err.Error(), c.wantErr, "New(%+v)", m)
			assert.True(t, strings.HasPrefix(err.Error(), "resourcemeta: "), "error %q lacks the package prefix", err)
			assert.NotContains(t, err.Error(), "secret", "the error quotes a password")
		})
	}
}

func TestNewKeepsURLCauses(t *testing.T) {
	_, err := resourcemeta.New(resourcemeta.Metadata{Resource: "https://u:secret@api.example.com/%zz"})
	require.Error(t, err)
	var escapeErr url.EscapeError
	assert.ErrorAs(t, err, &escapeErr, "New(invalid escape) = %v; want a url.EscapeError in the chain", err)
	assert.NotContains(t, err.Error(), "secret", "the error quotes a password")
}

func TestURLAndPath(t *testing.T) {
	const wk = "/.well-known/oauth-protected-resource"
	cases := []struct {
		resource, url, path string
	}{
		{"https://api.example.com", "https://api.example.com" + wk, wk},
		{"https://api.example.com/", "https://api.example.com" + wk, wk},
		{"https://api.example.com/v1/items", "https://api.example.com" + wk + "/v1/items", wk + "/v1/items"},
		{"https://api.example.com/v1/items/", "https://api.example.com" + wk + "/v1/items", wk + "/v1/items"},
		{"https://api.example.com/mcp", "https://api.example.com" + wk + "/mcp", wk + "/mcp"},
		{"https://api.example.com:8443/mcp", "https://api.example.com:8443" + wk + "/mcp", wk + "/mcp"},
		{"https://api.example.com/caf%C3%A9/a%2Fb", "https://api.example.com" + wk + "/caf%C3%A9/a%2Fb", wk + "/caf%C3%A9/a%2Fb"},
		{"https://api.example.com/caf%c3%a9", "https://api.example.com" + wk + "/caf%c3%a9", wk + "/caf%c3%a9"},
		{"https://api.example.com/a%7Bid%7D", "https://api.example.com" + wk + "/a%7Bid%7D", wk + "/a%7Bid%7D"},
		{"http://127.0.0.1:8080/mcp", "http://127.0.0.1:8080" + wk + "/mcp", wk + "/mcp"},
		{"http://[::1]:8080", "http://[::1]:8080" + wk, wk},
	}
	for _, c := range cases {
		t.Run(c.resource, func(t *testing.T) {
			doc, err := resourcemeta.New(resourcemeta.Metadata{Resource: c.resource})
			require.NoError(t, err, "New(resource %q)", c.resource)
			assert.Equal(t, c.url, doc.URL(), "URL() of resource %q", c.resource)
			assert.Equal(t, c.path, doc.Path(), "Path() of resource %q", c.resource)

			u, err := url.Parse(doc.URL())
			require.NoError(t, err, "URL() %q does not parse", doc.URL())
			assert.Equal(t, doc.Path(), u.EscapedPath(), "Path() is not the path of URL() %q", doc.URL())
			assert.Equal(t, c.resource, doc.Metadata().Resource, "the resource identifier is published as configured")
		})
	}
}

// full sets every member.
func full() resourcemeta.Metadata {
	return resourcemeta.Metadata{
		Resource:                              "https://api.example.com/v1/items",
		AuthorizationServers:                  []string{"https://auth.example.com", "https://login.example.net/tenant1"},
		JWKSURI:                               "https://api.example.com/jwks.json",
		ScopesSupported:                       []string{"read", "write"},
		BearerMethodsSupported:                []string{"header", "body"},
		ResourceSigningAlgValuesSupported:     []string{"ES256", "RS256"},
		ResourceName:                          "Items API <beta> & co",
		ResourceDocumentation:                 "https://docs.example.com/items",
		ResourcePolicyURI:                     "https://example.com/policy",
		ResourceTOSURI:                        "https://example.com/tos",
		TLSClientCertificateBoundAccessTokens: true,
		AuthorizationDetailsTypesSupported:    []string{"payment_initiation"},
		DPoPSigningAlgValuesSupported:         []string{"ES256", "EdDSA"},
		DPoPBoundAccessTokensRequired:         true,
	}
}

func TestJSONRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		in   resourcemeta.Metadata
		json string
	}{
		{"only resource", valid(), `{"resource":"https://api.example.com/v1/items"}`},
		{"every member", full(), `{"resource":"https://api.example.com/v1/items",` +
			`"authorization_servers":["https://auth.example.com","https://login.example.net/tenant1"],` +
			`"jwks_uri":"https://api.example.com/jwks.json",` +
			`"scopes_supported":["read","write"],` +
			`"bearer_methods_supported":["header","body"],` +
			`"resource_signing_alg_values_supported":["ES256","RS256"],` +
			`"resource_name":"Items API <beta> & co",` +
			`"resource_documentation":"https://docs.example.com/items",` +
			`"resource_policy_uri":"https://example.com/policy",` +
			`"resource_tos_uri":"https://example.com/tos",` +
			`"tls_client_certificate_bound_access_tokens":true,` +
			`"authorization_details_types_supported":["payment_initiation"],` +
			`"dpop_signing_alg_values_supported":["ES256","EdDSA"],` +
			`"dpop_bound_access_tokens_required":true}`},
		{"no bearer method", resourcemeta.Metadata{Resource: "https://api.example.com", BearerMethodsSupported: []string{}},
			`{"resource":"https://api.example.com","bearer_methods_supported":[]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, err := resourcemeta.New(c.in)
			require.NoError(t, err, "New(%+v)", c.in)
			assert.Equal(t, c.json+"\n", string(doc.JSON()), "JSON() of %+v", c.in)

			var back resourcemeta.Metadata
			require.NoError(t, json.Unmarshal(doc.JSON(), &back, json.RejectUnknownMembers(true)), "decoding %s", doc.JSON())
			assert.Equal(t, c.in, back, "the document decodes to other metadata than it was made of")
			assert.Equal(t, c.in, doc.Metadata(), "Metadata() differs from the metadata given to New")
		})
	}
}

func TestEmptyListsAreLeftOut(t *testing.T) {
	m := resourcemeta.Metadata{
		Resource:                           "https://api.example.com",
		AuthorizationServers:               []string{},
		ScopesSupported:                    []string{},
		ResourceSigningAlgValuesSupported:  []string{},
		AuthorizationDetailsTypesSupported: []string{},
		DPoPSigningAlgValuesSupported:      []string{},
	}
	doc, err := resourcemeta.New(m)
	require.NoError(t, err)
	assert.Equal(t, `{"resource":"https://api.example.com"}`+"\n", string(doc.JSON()), "lists with no element must be left out (RFC 9728 section 3.2)")
	assert.Equal(t, resourcemeta.Metadata{Resource: "https://api.example.com"}, doc.Metadata(), "Metadata() after New with empty lists")
}

func TestDocumentIsImmutable(t *testing.T) {
	m := full()
	doc, err := resourcemeta.New(m)
	require.NoError(t, err)
	want := string(doc.JSON())

	// Changing what was given to New, or what the document hands out,
	// changes nothing in the document.
	m.AuthorizationServers[0] = "https://evil.example"
	m.ScopesSupported[0] = "admin"
	m.BearerMethodsSupported[0] = "query"
	got := doc.Metadata()
	got.ResourceSigningAlgValuesSupported[0] = "HS256"
	got.AuthorizationDetailsTypesSupported[0] = "x"
	got.DPoPSigningAlgValuesSupported[0] = "RS256"
	got.AuthorizationServers = append(got.AuthorizationServers[:0], "https://evil.example")
	body := doc.JSON()
	body[2] = 'X'

	assert.Equal(t, want, string(doc.JSON()), "the document changed")
	assert.Equal(t, full(), doc.Metadata(), "Metadata() changed")
}
