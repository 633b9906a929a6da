// Package claimheader passes a verified token's claims to the service behind
// a gateway as request headers, safely: every inbound header that could be
// taken for one of them is removed first.
//
// SKELETON: the API below is the contract; the implementation is to come.
package claimheader

import (
	"errors"
	"net/http"

	"github.com/jwtgate/jwtgate/verifier"
)

// Mapping names the request header that carries each claim. An empty name
// sends nothing.
type Mapping struct {
	Subject  string // the "sub" claim
	ClientID string // the client ID ("client_id", else "azp"; see verifier.Claims.ClientID)
	Scopes   string // the granted scopes, space-delimited
	Issuer   string // the "iss" claim
	// Claims maps other claim names to header names: a string claim is
	// sent as it is, any other JSON value as its compact JSON text.
	Claims map[string]string
	// JSON, if set, names a header carrying every verified claim: the
	// claims JSON object, base64url-encoded without padding.
	JSON string
}

// Headers sets the headers of a [Mapping] on requests. It is immutable and
// safe for concurrent use.
type Headers struct{}

// New checks m and returns its Headers. It refuses an invalid header name,
// a name used twice (in any case, "_" or "-"), and names a gateway must
// not set from claims: hop-by-hop headers, Host, Authorization, Cookie,
// Content-*, Forwarded and X-Forwarded-*.
func New(m Mapping) (*Headers, error) { return nil, errors.New("claimheader: not implemented") }

// Names returns the header names h sets, in canonical form.
func (h *Headers) Names() []string { return nil }

// Strip removes from hdr every header whose name matches one of h's names
// when compared case-insensitively with "_" and "-" taken as equal.
func (h *Headers) Strip(hdr http.Header) {}

// Set strips hdr (see [Headers.Strip]) and sets the headers of claims. It
// returns an error, and sets nothing, if a claim value cannot be sent in a
// header (a control character); hdr is then stripped all the same.
func (h *Headers) Set(hdr http.Header, claims *verifier.Claims) error {
	return errors.New("claimheader: not implemented")
}
