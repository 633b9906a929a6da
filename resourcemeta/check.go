package resourcemeta

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// check checks every member of m and returns the location of its document.
func check(m Metadata) (location, error) {
	loc, err := checkIdentifier("resource", m.Resource)
	if err != nil {
		return location{}, err
	}
	if err := checkList("authorization_servers", m.AuthorizationServers, func(name, v string) error {
		_, err := checkIdentifier(name, v)
		return err
	}); err != nil {
		return location{}, err
	}
	for _, u := range []struct {
		name, value   string
		allowFragment bool
	}{
		{"jwks_uri", m.JWKSURI, false},
		{"resource_documentation", m.ResourceDocumentation, true},
		{"resource_policy_uri", m.ResourcePolicyURI, true},
		{"resource_tos_uri", m.ResourceTOSURI, true},
	} {
		if u.value == "" {
			continue
		}
		if err := checkURL(u.name, u.value, u.allowFragment); err != nil {
			return location{}, err
		}
	}
	if err := checkList("scopes_supported", m.ScopesSupported, checkScope); err != nil {
		return location{}, err
	}
	if err := checkList("bearer_methods_supported", m.BearerMethodsSupported, checkBearerMethod); err != nil {
		return location{}, err
	}
	if err := checkList("resource_signing_alg_values_supported", m.ResourceSigningAlgValuesSupported, checkAlg(false)); err != nil {
		return location{}, err
	}
	if err := checkText("resource_name", m.ResourceName); err != nil {
		return location{}, err
	}
	if err := checkList("authorization_details_types_supported", m.AuthorizationDetailsTypesSupported, checkText); err != nil {
		return location{}, err
	}
	if err := checkList("dpop_signing_alg_values_supported", m.DPoPSigningAlgValuesSupported, checkAlg(true)); err != nil {
		return location{}, err
	}
	return loc, nil
}

// invalid returns the error for member name, quoting its value unless the
// value may hold a secret: a URL with an "@", which may carry user
// information such as a password.
func invalid(name, value, why string) error {
	if strings.Contains(value, "://") && strings.Contains(value, "@") {
		return fmt.Errorf("resourcemeta: %s: %s", name, why)
	}
	return fmt.Errorf("resourcemeta: %s %q: %s", name, value, why)
}

// checkList checks each element of a list with checkOne and refuses empty
// and repeated elements. name[i] names the element in errors.
func checkList(name string, list []string, checkOne func(name, v string) error) error {
	seen := make(map[string]bool, len(list))
	for i, v := range list {
		elem := name + "[" + strconv.Itoa(i) + "]"
		if v == "" {
			return fmt.Errorf("resourcemeta: %s is empty", elem)
		}
		if seen[v] {
			return invalid(elem, v, "listed twice")
		}
		seen[v] = true
		if err := checkOne(elem, v); err != nil {
			return err
		}
	}
	return nil
}

// checkText refuses invalid UTF-8 and control characters in a
// human-readable string.
func checkText(name, v string) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("resourcemeta: %s is not valid UTF-8", name)
	}
	if strings.ContainsFunc(v, unicode.IsControl) {
		return invalid(name, v, "contains a control character")
	}
	return nil
}

// notInURL are the printable ASCII characters that RFC 3986 allows nowhere
// in a URL; they must be percent-encoded.
const notInURL = "\"<>\\^`{|}"

// parseURL parses an absolute http(s) URL with a host and without user
// information; http only for a loopback host. It returns the URL and
// whether its scheme is https.
func parseURL(name, v string) (*url.URL, error) {
	if strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r >= 0x7f }) || strings.ContainsAny(v, notInURL) {
		return nil, invalid(name, v, "contains a character that a URL must percent-encode (a space, a control or non-ASCII character, or one of "+notInURL+")")
	}
	u, err := url.Parse(v)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the url.Error's message quotes the URL, which may carry a password
		}
		return nil, fmt.Errorf("resourcemeta: %s is not a URL: %w", name, err)
	}
	if u.User != nil {
		return nil, invalid(name, v, "must not contain user information")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return nil, invalid(name, v, "must be an absolute https URL (http only for a loopback host)")
	}
	if u.Opaque != "" || !strings.HasPrefix(v[len(u.Scheme)+1:], "//") {
		return nil, invalid(name, v, "must be an absolute https URL (http only for a loopback host)")
	}
	if u.Host == "" {
		return nil, invalid(name, v, "has no host")
	}
	if strings.HasSuffix(u.Host, ":") {
		return nil, invalid(name, v, "has an empty port")
	}
	return u, nil
}

// isLoopback reports whether host (without port or brackets) is localhost
// or a loopback IP address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkURL checks a URL member other than an identifier.
func checkURL(name, v string, allowFragment bool) error {
	if _, err := parseURL(name, v); err != nil {
		return err
	}
	if !allowFragment && strings.Contains(v, "#") {
		return invalid(name, v, "must not have a fragment")
	}
	return nil
}

// checkIdentifier checks a resource or issuer identifier: an https URL
// without query and fragment, written as clients compare it, since they
// compare it character for character (RFC 9728 section 3.3, RFC 8414
// section 3.3). For the resource identifier, it returns the location of
// the document.
func checkIdentifier(name, v string) (location, error) {
	if v == "" {
		return location{}, fmt.Errorf("resourcemeta: %s is required", name)
	}
	u, err := parseURL(name, v)
	if err != nil {
		return location{}, err
	}
	if strings.Contains(v, "#") {
		return location{}, invalid(name, v, "must not have a fragment")
	}
	if strings.Contains(v, "?") {
		return location{}, invalid(name, v, "must not have a query")
	}
	// Clients compare identifiers as strings, after their URL library has
	// normalized them (WHATWG URL and others lower-case scheme and host and
	// drop a default port): only a normalized identifier compares equal.
	// url.Parse lower-cases the scheme and decodes a percent-encoded host.
	if !strings.HasPrefix(v, u.Scheme+"://") {
		return location{}, invalid(name, v, "must have its scheme in lower case")
	}
	origin := u.Scheme + "://" + u.Host
	if !strings.HasPrefix(v, origin) {
		return location{}, invalid(name, v, "must have its host written without percent-encoding")
	}
	if u.Host != strings.ToLower(u.Host) {
		return location{}, invalid(name, v, "must have its host in lower case")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		switch {
		case err != nil || n > 65535 || strconv.Itoa(n) != p:
			return location{}, invalid(name, v, "has a port that is not a number from 0 to 65535 without leading zeros")
		case u.Scheme == "https" && n == 443 || u.Scheme == "http" && n == 80:
			return location{}, invalid(name, v, "must leave out the default port")
		}
	}
	rawPath := v[len(origin):]
	if rawPath != u.EscapedPath() {
		return location{}, invalid(name, v, "has a path that is not a valid URL path")
	}
	if rawPath != "" && rawPath != "/" {
		segments := strings.Split(strings.TrimSuffix(rawPath[1:], "/"), "/")
		for _, seg := range segments {
			s, _ := url.PathUnescape(seg) // cannot fail: url.Parse accepted the path
			switch s {
			case "":
				return location{}, invalid(name, v, "has an empty path segment (//)")
			case ".", "..":
				return location{}, invalid(name, v, `has a "." or ".." path segment`)
			}
		}
	}
	return locate(origin, rawPath), nil
}

// checkScope checks an RFC 6749 scope-token (section 3.3): one or more of
// %x21 / %x23-5B / %x5D-7E.
func checkScope(name, v string) error {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return invalid(name, v, `is not a scope token (printable ASCII without space, '"' or '\')`)
		}
	}
	return nil
}

// checkBearerMethod checks a method of sending a bearer token (RFC 9728
// section 2).
func checkBearerMethod(name, v string) error {
	switch v {
	case "header", "body", "query":
		return nil
	}
	return invalid(name, v, `must be "header", "body" or "query"`)
}

// jwsAlgorithms are the digital signature and MAC algorithms registered
// for JWS in the IANA "JSON Web Signature and Encryption Algorithms"
// registry (RFC 7518, RFC 8037, RFC 8812, RFC 9864), with whether they are
// MACs. "none" is not one of them.
var jwsAlgorithms = map[string]bool{
	"HS256": true, "HS384": true, "HS512": true,
	"RS256": false, "RS384": false, "RS512": false,
	"PS256": false, "PS384": false, "PS512": false,
	"ES256": false, "ES384": false, "ES512": false, "ES256K": false,
	"EdDSA": false, "Ed25519": false, "Ed448": false,
}

// checkAlg returns a check of a JWS algorithm name; for DPoP proofs,
// asymmetric algorithms only (RFC 9449 section 4.2).
func checkAlg(dpop bool) func(name, v string) error {
	return func(name, v string) error {
		if strings.EqualFold(v, "none") {
			return invalid(name, v, "is never allowed (RFC 9728 section 2, RFC 9449 section 4.2)")
		}
		mac, ok := jwsAlgorithms[v]
		switch {
		case !ok:
			return invalid(name, v, "is not a registered JWS signature algorithm (names are case-sensitive)")
		case dpop && mac:
			return invalid(name, v, "is a MAC algorithm; DPoP proofs are signed with asymmetric keys (RFC 9449 section 4.2)")
		}
		return nil
	}
}
