// Package claimheader passes a verified token's claims to the service behind
// a gateway as request headers, safely: every inbound header that could be
// taken for one of them is removed first.
//
// A [Mapping] names the header of each claim; [New] checks it once and
// returns [Headers]. On each request, [Headers.Set] removes every header the
// client sent under one of those names and sets the verified values, each
// exactly once: a value is replaced, never appended to.
//
// Names match in any ASCII case and with "_" and "-" taken as equal, since
// servers and frameworks behind a gateway differ in how they read them
// (CGI-style environments turn "X-Auth-Subject" and "X_Auth_Subject" into
// the same variable): a client's "x_auth-SUBJECT" is removed as surely as
// its "X-Auth-Subject".
//
// Values are sent as they are, UTF-8 included: Go's servers and clients
// pass bytes above 0x7F through unchanged (RFC 9110 section 5.5 calls them
// obs-text), although some services behind a gateway may mangle them. A
// value that a header cannot carry faithfully is refused rather than
// altered: one with a control character (0x00-0x1F or 0x7F, tab included),
// or with a leading or trailing space, which receivers trim. Empty values,
// and custom claims that are absent or null, are not sent.
package claimheader

import (
	"encoding/base64"
	"encoding/json/jsontext"
	"encoding/json/v2"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/jwtgate/jwtgate/verifier"
)

// ErrInvalidMapping is the class of the errors [New] returns.
var ErrInvalidMapping = errors.New("claimheader: invalid mapping")

// ErrInvalidValue is the class of the errors [Headers.Set] returns for a
// claim whose value a header cannot carry. The error names the claim, never
// its value.
var ErrInvalidValue = errors.New("claimheader: claim value cannot be sent in a header")

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

// custom is a claim of Mapping.Claims and its header.
type custom struct {
	claim string
	name  string // canonical
}

// Headers sets the headers of a [Mapping] on requests. It is immutable and
// safe for concurrent use.
type Headers struct {
	// The canonical header names of the fixed claims; "" sends nothing.
	subject, clientID, scopes, issuer, json string
	claims                                  []custom // sorted by claim name
	names                                   []string // canonical, in Names order
	folded                                  []string // folded names, for Strip
}

// New checks m and returns its Headers. It refuses an invalid header name,
// a name used twice (in any case, "_" or "-"), and names a gateway must
// not set from claims: hop-by-hop headers, Host, Authorization, Cookie,
// Content-*, Forwarded and X-Forwarded-*.
//
// The full list of refused names, compared in any case and with "_" and
// "-" taken as equal: Connection, Keep-Alive, Proxy-Connection, TE,
// Trailer, Transfer-Encoding, Upgrade, Proxy-Authenticate,
// Proxy-Authorization, Host, Authorization, DPoP, Cookie, Set-Cookie,
// Content-*, Forwarded, X-Forwarded-*, X-Real-Ip and X-Request-Id. A custom
// claim's name must not be empty. The zero Mapping is valid: its Headers
// set and strip nothing.
func New(m Mapping) (*Headers, error) {
	h := &Headers{}
	seen := map[string]string{} // folded name -> the name as configured
	add := func(what, name string) (string, error) {
		if name == "" {
			return "", nil
		}
		if !validName(name) {
			return "", fmt.Errorf("%w: %s header %q is not a valid header name", ErrInvalidMapping, what, name)
		}
		f := fold(name)
		if refused(f) {
			return "", fmt.Errorf("%w: %s header %q must not be set from claims", ErrInvalidMapping, what, name)
		}
		if prev, ok := seen[f]; ok {
			return "", fmt.Errorf("%w: %s header %q is the same header as %q", ErrInvalidMapping, what, name, prev)
		}
		seen[f] = name
		canon := http.CanonicalHeaderKey(name)
		h.names = append(h.names, canon)
		h.folded = append(h.folded, f)
		return canon, nil
	}
	var err error
	if h.subject, err = add("subject", m.Subject); err != nil {
		return nil, err
	}
	if h.clientID, err = add("client ID", m.ClientID); err != nil {
		return nil, err
	}
	if h.scopes, err = add("scopes", m.Scopes); err != nil {
		return nil, err
	}
	if h.issuer, err = add("issuer", m.Issuer); err != nil {
		return nil, err
	}
	claims := make([]string, 0, len(m.Claims))
	for c := range m.Claims {
		claims = append(claims, c)
	}
	slices.Sort(claims) // a stable order for names and errors
	for _, c := range claims {
		if c == "" {
			return nil, fmt.Errorf("%w: a custom claim has an empty name", ErrInvalidMapping)
		}
		name, err := add(fmt.Sprintf("claim %q", c), m.Claims[c])
		if err != nil {
			return nil, err
		}
		if name != "" {
			h.claims = append(h.claims, custom{claim: c, name: name})
		}
	}
	if h.json, err = add("JSON", m.JSON); err != nil {
		return nil, err
	}
	return h, nil
}

// Names returns the header names h sets, in canonical form: those of the
// subject, client ID, scopes and issuer, then of the custom claims in the
// order of their claim names, then the JSON header's. The slice is the
// caller's.
func (h *Headers) Names() []string { return slices.Clone(h.names) }

// Matches reports whether name is one of h's names when compared
// case-insensitively with "_" and "-" taken as equal: whether [Headers.Strip]
// removes a header of that name. A gateway can use it to check that a
// header it reads itself (such as a client certificate header set by a
// trusted proxy) is not one of the claim headers.
func (h *Headers) Matches(name string) bool {
	for _, f := range h.folded {
		if foldEqual(name, f) {
			return true
		}
	}
	return false
}

// Strip removes from hdr every header whose name matches one of h's names
// when compared case-insensitively with "_" and "-" taken as equal.
//
// Every key of hdr is compared, not only the canonical one, since a header
// map built by hand, or by a server that keeps names as sent, may hold
// several spellings. Strip allocates nothing.
func (h *Headers) Strip(hdr http.Header) {
	if len(h.folded) == 0 {
		return
	}
	for k := range hdr {
		for _, f := range h.folded {
			if foldEqual(k, f) {
				delete(hdr, k)
				break
			}
		}
	}
}

// Set strips hdr (see [Headers.Strip]) and sets the headers of claims. It
// returns an error, and sets nothing, if a claim value cannot be sent in a
// header (a control character); hdr is then stripped all the same.
//
// Each header set has exactly one value. A claim whose value is empty, and
// a custom claim that is absent or null, is not sent. A value is refused,
// with an error wrapping [ErrInvalidValue] that names the claim, if it has
// a control character (0x00-0x1F or 0x7F) or a leading or trailing space;
// other bytes, UTF-8 included, are sent as they are. The custom claims and
// the JSON header are read with one [verifier.Claims.Decode].
func (h *Headers) Set(hdr http.Header, claims *verifier.Claims) error {
	h.Strip(hdr)
	if len(h.names) == 0 {
		return nil
	}
	// vals[i] is the value of the header names[i]; "" sends nothing.
	vals := make([]string, len(h.names))
	i := 0
	next := func(claim, name, v string) error {
		if name == "" {
			return nil
		}
		if err := checkValue(claim, v); err != nil {
			return err
		}
		vals[i] = v
		i++
		return nil
	}
	if err := next("sub", h.subject, claims.Subject()); err != nil {
		return err
	}
	if err := next("client_id", h.clientID, claims.ClientID()); err != nil {
		return err
	}
	if err := next("scope", h.scopes, claims.Scopes().String()); err != nil {
		return err
	}
	if err := next("iss", h.issuer, claims.Issuer()); err != nil {
		return err
	}
	if len(h.claims) > 0 || h.json != "" {
		members, raw, err := h.decode(claims)
		if err != nil {
			return err
		}
		for _, c := range h.claims {
			v, err := claimValue(c.claim, members[c.claim])
			if err != nil {
				return err
			}
			if err := next(c.claim, c.name, v); err != nil {
				return err
			}
		}
		if h.json != "" {
			vals[i] = base64.RawURLEncoding.EncodeToString(raw)
			i++
		}
	}
	for j, name := range h.names {
		if vals[j] != "" {
			hdr[name] = vals[j : j+1 : j+1] // one value; an append copies
		}
	}
	return nil
}

// decode reads the claims JSON once: the members h's custom claims need,
// and, if h has a JSON header, the compact claims object.
func (h *Headers) decode(claims *verifier.Claims) (map[string]jsontext.Value, jsontext.Value, error) {
	var members map[string]jsontext.Value
	if h.json == "" {
		if err := claims.Decode(&members); err != nil {
			return nil, nil, fmt.Errorf("claimheader: %w", err)
		}
		return members, nil, nil
	}
	var raw jsontext.Value
	if err := claims.Decode(&raw); err != nil {
		return nil, nil, fmt.Errorf("claimheader: %w", err)
	}
	if err := raw.Compact(); err != nil {
		return nil, nil, fmt.Errorf("claimheader: compacting the claims: %w", err)
	}
	if len(h.claims) > 0 {
		if err := json.Unmarshal(raw, &members); err != nil {
			return nil, nil, fmt.Errorf("claimheader: decoding the claims: %w", err)
		}
	}
	return members, raw, nil
}

// claimValue returns the header value of a custom claim's JSON value v:
// a string's text, "" for an absent or null claim, else compact JSON.
func claimValue(claim string, v jsontext.Value) (string, error) {
	switch v.Kind() {
	case 0, 'n': // absent, null
		return "", nil
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", fmt.Errorf("claimheader: claim %q: %w", claim, err)
		}
		return s, nil
	}
	if err := v.Compact(); err != nil {
		return "", fmt.Errorf("claimheader: claim %q: %w", claim, err)
	}
	return string(v), nil
}

// checkValue refuses a value a header cannot carry faithfully; the error
// names the claim, not the value.
func checkValue(claim, v string) error {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c == 0x7f {
			return fmt.Errorf("%w: claim %q has a control character", ErrInvalidValue, claim)
		}
	}
	if v != "" && (v[0] == ' ' || v[len(v)-1] == ' ') {
		return fmt.Errorf("%w: claim %q has a leading or trailing space", ErrInvalidValue, claim)
	}
	return nil
}

// tchar marks the bytes of a token (RFC 9110 section 5.6.2):
//
//	tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
//	        "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
var tchar = func() (t [256]bool) {
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	return t
}()

// validName reports whether name is a field name: a non-empty token.
func validName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !tchar[name[i]] {
			return false
		}
	}
	return true
}

// foldByte lower-cases an ASCII letter and turns "_" into "-".
func foldByte(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c + 'a' - 'A'
	case c == '_':
		return '-'
	}
	return c
}

// fold returns name in lower case with every "_" turned into "-".
func fold(name string) string {
	b := []byte(name)
	for i, c := range b {
		b[i] = foldByte(c)
	}
	return string(b)
}

// foldEqual reports whether fold(k) == f, without allocating.
func foldEqual(k, f string) bool {
	if len(k) != len(f) {
		return false
	}
	for i := 0; i < len(k); i++ {
		if foldByte(k[i]) != f[i] {
			return false
		}
	}
	return true
}

// refusedNames are the folded names a gateway must not set from claims:
// hop-by-hop headers (RFC 9110 section 7.6.1, and the ones proxies know by
// custom), the target, credentials and forwarding headers.
var refusedNames = []string{
	"connection", "keep-alive", "proxy-connection", "te", "trailer",
	"transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization",
	"host", "authorization", "dpop", "cookie", "set-cookie",
	"forwarded", "x-real-ip", "x-request-id",
}

// refusedPrefixes are the folded prefixes of refused names.
var refusedPrefixes = []string{"content-", "x-forwarded-"}

// refused reports whether the folded name f is one a gateway must not set.
func refused(f string) bool {
	if slices.Contains(refusedNames, f) {
		return true
	}
	for _, p := range refusedPrefixes {
		if strings.HasPrefix(f, p) {
			return true
		}
	}
	return false
}
