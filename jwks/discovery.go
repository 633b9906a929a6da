package jwks

import (
	"context"
	"encoding/json/v2"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// endpoint returns the JWKS URL, discovering it from the issuer's metadata
// the first time if it was not configured.
func (r *Remote) endpoint(ctx context.Context) (string, error) {
	r.mu.Lock()
	u := r.jwksURL
	r.mu.Unlock()
	if u != "" {
		return u, nil
	}
	u, err := r.discover(ctx)
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	r.jwksURL = u
	r.mu.Unlock()
	return u, nil
}

// discover reads the issuer's metadata: first the OpenID Connect location
// (the issuer with "/.well-known/openid-configuration" appended), then, if
// that answers with an error status, the RFC 8414 location (the well-known
// segment inserted between host and path).
func (r *Remote) discover(ctx context.Context) (string, error) {
	oidc, oauth, err := metadataURLs(r.issuer)
	if err != nil {
		return "", err
	}
	body, err := r.getBody(ctx, oidc)
	if err != nil && errors.Is(err, errStatus) {
		body, err = r.getBody(ctx, oauth)
	}
	if err != nil {
		return "", fmt.Errorf("jwks: discovery for issuer %q: %w", r.issuer, err)
	}
	// encoding/json/v2 refuses duplicate members (two "issuer" values
	// would be ambiguous), invalid UTF-8 and trailing data, and matches the
	// names case-sensitively.
	var meta struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &meta); err != nil {
		return "", fmt.Errorf("jwks: discovery for issuer %q: metadata is not JSON: %w", r.issuer, err)
	}
	if meta.Issuer != r.issuer {
		return "", fmt.Errorf("jwks: discovery for issuer %q: metadata names issuer %q", r.issuer, meta.Issuer)
	}
	if meta.JWKSURI == "" {
		return "", fmt.Errorf("jwks: discovery for issuer %q: metadata has no jwks_uri", r.issuer)
	}
	if err := checkFetchURL(meta.JWKSURI, r.issuer); err != nil {
		return "", fmt.Errorf("jwks: discovery for issuer %q: jwks_uri: %w", r.issuer, err)
	}
	return meta.JWKSURI, nil
}

// metadataURLs returns the OpenID Connect Discovery 1.0 (section 4) and
// RFC 8414 (section 3) metadata locations of issuer.
func metadataURLs(issuer string) (oidc, oauth string, err error) {
	u, err := url.Parse(issuer)
	if err != nil {
		return "", "", fmt.Errorf("jwks: issuer %q is not a URL", issuer)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", "", fmt.Errorf("jwks: issuer %q has a query or fragment", issuer)
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	o := *u
	o.RawPath = ""
	o.Path = ""
	oidc = strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	oauth = o.String() + "/.well-known/oauth-authorization-server" + path
	return oidc, oauth, nil
}
