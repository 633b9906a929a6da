// Package resourcemeta publishes OAuth 2.0 Protected Resource Metadata
// (RFC 9728): the JSON document that tells a client which authorization
// servers issue tokens for an API, which scopes it knows and how it takes a
// bearer token, served at a well-known location derived from the API's
// resource identifier.
//
// [New] checks a [Metadata] once, at start-up, and returns an immutable
// [Document] holding the JSON, encoded once. [Document.URL] is where clients
// find it, and the value of the resource_metadata attribute of a 401
// challenge (RFC 9728 section 5.1); [Document.Handler] serves it, mounted at
// [Document.Path]:
//
//	doc, err := resourcemeta.New(resourcemeta.Metadata{
//		Resource:             "https://api.example.com/v1/items",
//		AuthorizationServers: []string{"https://auth.example.com"},
//		ScopesSupported:      []string{"read", "write"},
//	})
//	...
//	mux.Handle(doc.Path(), doc.Handler())
//	// doc.URL() == "https://api.example.com/.well-known/oauth-protected-resource/v1/items"
//
// # Where the document lives
//
// RFC 9728 section 3 puts the document at the resource identifier with
// "/.well-known/oauth-protected-resource" ([WellKnownPath]) inserted
// between the host and the path: https://api.example.com has its metadata
// at https://api.example.com/.well-known/oauth-protected-resource, and
// https://api.example.com/v1/items at
// https://api.example.com/.well-known/oauth-protected-resource/v1/items.
// A path's terminating "/" is removed first (section 3.1, read as RFC 8414
// section 3.1 is): https://api.example.com/ and
// https://api.example.com/v1/items/ have the same locations as the forms
// without the slash. Clients compare the "resource" member with the
// identifier they started from, character for character (section 3.3), so
// configure it exactly as clients write it; for MCP servers, that is the
// server's URL, usually without a trailing slash.
//
// # Behind a reverse proxy
//
// The URL comes from the configured resource identifier only: neither the
// document nor the handler ever looks at the request's Host,
// X-Forwarded-Host, X-Forwarded-Proto, Forwarded or any other header, which
// a client or a misconfigured proxy could set to anything. Configure the
// public identifier (https://api.example.com/v1/items), and mount the
// handler at the path at which the proxy forwards the public metadata URL
// to your server: [Document.Path] when the proxy passes paths on unchanged;
// otherwise the path the proxy rewrites it to (a proxy that strips "/v1"
// forwards /.well-known/oauth-protected-resource/v1/items as
// /.well-known/oauth-protected-resource/items, say). The handler answers
// wherever it is mounted and does not check the request's path.
//
// # Checks
//
// [New] refuses, with an error naming the member:
//
//   - a resource identifier that is not an absolute https URL with a host;
//     that has a query or a fragment (section 1.2 discourages a query; we
//     refuse it), user information, an empty, "." or ".." path segment or
//     characters that are not allowed in a URL; or that is not written the
//     way clients compare it (upper-case letters in the scheme or host, or
//     the default port written out);
//   - authorization_servers entries that are not such URLs as well (issuer
//     identifiers, RFC 8414 section 2), or listed twice;
//   - jwks_uri, resource_documentation, resource_policy_uri and
//     resource_tos_uri values that are not absolute https URLs with a host,
//     or that carry user information (jwks_uri also a fragment);
//   - scope values that are not RFC 6749 scope tokens (section 3.3:
//     printable ASCII without space, '"' or '\'), and bearer methods other
//     than "header", "body" and "query";
//   - algorithm names that are not registered JWS algorithms, "none" in any
//     case, and, in dpop_signing_alg_values_supported, MAC algorithms (RFC
//     9449 section 4.2);
//   - empty strings and duplicates in any list, and control characters or
//     invalid UTF-8 in any string.
//
// http instead of https is accepted only for a loopback host (localhost,
// 127.0.0.0/8, ::1), for tests and local development, in every URL.
//
// # Not supported
//
// Signed metadata (signed_metadata, section 2.2), language-tagged
// human-readable members such as "resource_name#de" (section 2.1) and
// members that RFC 9728 does not define.
package resourcemeta

import (
	"encoding/json/v2"
	"fmt"
	"slices"
	"strings"
)

// WellKnownPath is the well-known URI path of RFC 9728 section 3, inserted
// between the host and the path of a resource identifier to locate its
// metadata.
const WellKnownPath = "/.well-known/oauth-protected-resource"

// Metadata holds the members of a protected resource metadata document (RFC
// 9728 section 2). Resource is required; every other member is optional and
// left out of the document when it is zero: an empty string, false, or a
// list with no element (section 3.2), except BearerMethodsSupported, for
// which an empty, non-nil list means "no bearer method" and is published as
// [] (section 2).
type Metadata struct {
	// Resource is the protected resource's resource identifier: an https
	// URL with no query and no fragment, such as
	// "https://api.example.com/v1/items". Required.
	Resource string `json:"resource"`

	// AuthorizationServers lists the issuer identifiers (RFC 8414) of the
	// authorization servers whose tokens the resource accepts.
	AuthorizationServers []string `json:"authorization_servers,omitempty"`

	// JWKSURI is the URL of the resource's own JWK Set, with the keys it
	// signs responses with (not the authorization server's keys).
	JWKSURI string `json:"jwks_uri,omitempty"`

	// ScopesSupported lists the scope values used to request access to the
	// resource (RECOMMENDED by RFC 9728).
	ScopesSupported []string `json:"scopes_supported,omitempty"`

	// BearerMethodsSupported lists how a bearer token may be sent: "header",
	// "body" or "query" (RFC 6750 sections 2.1 to 2.3). Nil leaves the
	// member out; an empty, non-nil list publishes [], "none".
	BearerMethodsSupported []string `json:"bearer_methods_supported,omitzero"`

	// ResourceSigningAlgValuesSupported lists the JWS algorithms the
	// resource signs responses with.
	ResourceSigningAlgValuesSupported []string `json:"resource_signing_alg_values_supported,omitempty"`

	// ResourceName is a human-readable name for end users (RECOMMENDED by
	// RFC 9728).
	ResourceName string `json:"resource_name,omitempty"`

	// ResourceDocumentation is the URL of documentation for developers.
	ResourceDocumentation string `json:"resource_documentation,omitempty"`

	// ResourcePolicyURI is the URL of the resource's policy on the use of
	// its data.
	ResourcePolicyURI string `json:"resource_policy_uri,omitempty"`

	// ResourceTOSURI is the URL of the resource's terms of service.
	ResourceTOSURI string `json:"resource_tos_uri,omitempty"`

	// TLSClientCertificateBoundAccessTokens says that the resource supports
	// mutual-TLS certificate-bound access tokens (RFC 8705).
	TLSClientCertificateBoundAccessTokens bool `json:"tls_client_certificate_bound_access_tokens,omitzero"`

	// AuthorizationDetailsTypesSupported lists the authorization_details
	// types the resource supports (RFC 9396).
	AuthorizationDetailsTypesSupported []string `json:"authorization_details_types_supported,omitempty"`

	// DPoPSigningAlgValuesSupported lists the JWS algorithms the resource
	// accepts for DPoP proofs (RFC 9449): asymmetric ones only.
	DPoPSigningAlgValuesSupported []string `json:"dpop_signing_alg_values_supported,omitempty"`

	// DPoPBoundAccessTokensRequired says that the resource always requires
	// DPoP-bound access tokens (RFC 9449).
	DPoPBoundAccessTokensRequired bool `json:"dpop_bound_access_tokens_required,omitzero"`
}

// Document is a checked metadata document, encoded once. It is immutable
// and safe for concurrent use.
type Document struct {
	meta Metadata // a private copy
	body []byte   // the JSON document and a newline
	url  string
	path string
}

// New checks m and returns its document. It refuses metadata that breaks
// a rule of RFC 9728 or of the package documentation's list, with an error
// naming the member. The Document keeps its own copy of m.
func New(m Metadata) (*Document, error) {
	loc, err := check(m)
	if err != nil {
		return nil, err
	}
	m = normalize(m)
	body, err := json.Marshal(&m)
	if err != nil { // cannot happen: every string was checked to be valid UTF-8
		return nil, fmt.Errorf("resourcemeta: cannot encode the document: %w", err)
	}
	return &Document{
		meta: m,
		body: append(body, '\n'),
		url:  loc.origin + loc.path,
		path: loc.path,
	}, nil
}

// URL returns the absolute URL of the document: the resource identifier
// with [WellKnownPath] inserted between host and path, such as
// "https://api.example.com/.well-known/oauth-protected-resource/v1/items"
// for "https://api.example.com/v1/items". It is the value of the
// resource_metadata attribute of WWW-Authenticate challenges (RFC 9728
// section 5.1).
func (d *Document) URL() string { return d.url }

// Path returns the path of [Document.URL], percent-encoded as it is there,
// such as "/.well-known/oauth-protected-resource/v1/items": the pattern to
// mount [Document.Handler] at on an http.ServeMux when requests reach the
// server with the public paths.
func (d *Document) Path() string { return d.path }

// Metadata returns a copy of the metadata the document holds: the Metadata
// given to [New], except that lists with no element (other than
// BearerMethodsSupported) are nil.
func (d *Document) Metadata() Metadata { return clone(d.meta) }

// JSON returns a copy of the document's JSON, as the handler serves it
// (ending in a newline).
func (d *Document) JSON() []byte { return slices.Clone(d.body) }

// normalize returns a copy of m in which every list is a copy, and lists
// with no element are nil, as the document leaves them out (RFC 9728
// section 3.2); BearerMethodsSupported keeps an empty list, which the
// document publishes.
func normalize(m Metadata) Metadata {
	m = clone(m)
	for _, l := range []*[]string{
		&m.AuthorizationServers,
		&m.ScopesSupported,
		&m.ResourceSigningAlgValuesSupported,
		&m.AuthorizationDetailsTypesSupported,
		&m.DPoPSigningAlgValuesSupported,
	} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	return m
}

// clone returns m with its own copies of the lists.
func clone(m Metadata) Metadata {
	m.AuthorizationServers = slices.Clone(m.AuthorizationServers)
	m.ScopesSupported = slices.Clone(m.ScopesSupported)
	m.BearerMethodsSupported = slices.Clone(m.BearerMethodsSupported)
	m.ResourceSigningAlgValuesSupported = slices.Clone(m.ResourceSigningAlgValuesSupported)
	m.AuthorizationDetailsTypesSupported = slices.Clone(m.AuthorizationDetailsTypesSupported)
	m.DPoPSigningAlgValuesSupported = slices.Clone(m.DPoPSigningAlgValuesSupported)
	return m
}

// location is where the document of a resource identifier lives: origin
// ("https://api.example.com") and path
// ("/.well-known/oauth-protected-resource/v1/items").
type location struct{ origin, path string }

// locate builds the location of the document of a checked resource
// identifier whose scheme and authority are origin and whose path is
// rawPath, as written.
func locate(origin, rawPath string) location {
	// RFC 9728 section 3.1: a terminating "/" is removed before the
	// well-known path is inserted, so https://api.example.com/ has no
	// path at all.
	return location{origin: origin, path: WellKnownPath + strings.TrimSuffix(rawPath, "/")}
}
