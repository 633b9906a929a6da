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
// safe for concurrent use. A nil *Headers, like that of the zero Mapping,
// strips and sets nothing.
type Headers struct {
	// The canonical header names of the fixed claims; "" sends nothing.
	subject, clientID, scopes, issuer, json string
	claims                                  []custom // sorted by claim name
	names                                   []string // canonical, in Names order
	folded                                  []string // folded names, for Strip
	// lengths has bit n set if a folded name is n bytes long (bit 63: 63
	// or more), so that Strip passes most keys over at one glance.
	lengths uint64
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
		h.lengths |= lengthBit(len(f))
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
func (h *Headers) Names() []string {
	if h == nil {
		return nil
	}
	return slices.Clone(h.names)
}

// Matches reports whether name is one of h's names when compared
// case-insensitively with "_" and "-" taken as equal: whether [Headers.Strip]
// removes a header of that name. A gateway can use it to check that a
// header it reads itself (such as a client certificate header set by a
// trusted proxy) is not one of the claim headers.
func (h *Headers) Matches(name string) bool {
	if h == nil {
		return false
	}
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
	if h == nil || len(h.folded) == 0 {
		return
	}
	for k := range hdr {
		if h.lengths&lengthBit(len(k)) == 0 {
			continue
		}
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
// header (a control character, or a space at either end); hdr is then
// stripped all the same.
//
// Each header set has exactly one value. A claim whose value is empty, and
// a custom claim that is absent or null, is not sent. A value is refused,
// with an error wrapping [ErrInvalidValue] that names the claim, if it has
// a control character (0x00-0x1F or 0x7F) or a leading or trailing space;
// other bytes, UTF-8 included, are sent as they are. The custom claims and
// the JSON header are read with one [verifier.Claims.Decode], and only if
// the mapping has them.
//
// Nil claims (a request without a token, such as one on a public route)
// only strip hdr. A nil hdr is an error unless there is nothing to set.
func (h *Headers) Set(hdr http.Header, claims *verifier.Claims) error {
	h.Strip(hdr)
	if h == nil || len(h.names) == 0 || claims == nil {
		return nil
	}
	if hdr == nil {
		return errors.New("claimheader: nil header")
	}
	// vals[i] is the value of the header names[i]; "" sends nothing.
	vals := make([]string, len(h.names))
	i := 0
	for _, f := range [...]struct{ claim, name, value string }{
		{"sub", h.subject, claims.Subject()},
		{"client_id", h.clientID, claims.ClientID()},
		{"scope", h.scopes, claims.Scopes().String()},
		{"iss", h.issuer, claims.Issuer()},
	} {
		if f.name == "" {
			continue
		}
		if err := checkValue(f.claim, f.value); err != nil {
			return err
		}
		vals[i] = f.value
		i++
	}
	if len(h.claims) > 0 || h.json != "" {
		custom := vals[i : i+len(h.claims)]
		raw, err := h.decode(claims, custom)
		if err != nil {
			return err
		}
		for j, c := range h.claims {
			if err := checkValue(c.claim, custom[j]); err != nil {
				return err
			}
		}
		if h.json != "" {
			vals[len(vals)-1] = base64.RawURLEncoding.EncodeToString(raw)
		}
	}
	for j, name := range h.names {
		if vals[j] != "" {
			hdr[name] = vals[j : j+1 : j+1] // one value; an append copies
		}
	}
	return nil
}

// decode reads the claims JSON with one claims.Decode: the values of h's
// custom claims into custom, and, if h has a JSON header, the compact
// claims object, which it returns.
func (h *Headers) decode(claims *verifier.Claims, custom []string) (jsontext.Value, error) {
	p := &picker{claims: h.claims, vals: custom}
	if h.json == "" {
		if err := claims.Decode(p); err != nil {
			return nil, fmt.Errorf("claimheader: %w", err)
		}
		return nil, nil
	}
	var raw jsontext.Value
	if err := claims.Decode(&raw); err != nil {
		return nil, fmt.Errorf("claimheader: %w", err)
	}
	if err := raw.Compact(); err != nil {
		return nil, fmt.Errorf("claimheader: compacting the claims: %w", err)
	}
	if len(h.claims) > 0 {
		if err := json.Unmarshal(raw, p); err != nil {
			return nil, fmt.Errorf("claimheader: decoding the claims: %w", err)
		}
	}
	return raw, nil
}

// picker reads the header values of custom claims from the claims object,
// without keeping (or allocating for) the members it does not need.
type picker struct {
	claims []custom // sorted by claim name
	vals   []string // vals[i] receives the value of claims[i]
	buf    [64]byte // room for a member name, not to allocate one
}

// UnmarshalJSONFrom reads the claims object from dec.
func (p *picker) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	if tok.Kind() != '{' {
		return errors.New("claimheader: the claims are not a JSON object")
	}
	for dec.PeekKind() != '}' {
		quoted, err := dec.ReadValue()
		if err != nil {
			return err
		}
		name, err := jsontext.AppendUnquote(p.buf[:0], quoted)
		if err != nil {
			return err
		}
		i, found := slices.BinarySearchFunc(p.claims, name, func(c custom, name []byte) int {
			switch { // string(name) in a comparison does not allocate
			case c.claim < string(name):
				return -1
			case c.claim > string(name):
				return 1
			}
			return 0
		})
		if !found {
			if err := dec.SkipValue(); err != nil {
				return err
			}
			continue
		}
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		if p.vals[i], err = claimValue(v); err != nil {
			return fmt.Errorf("claimheader: claim %q: %w", p.claims[i].claim, err)
		}
	}
	_, err = dec.ReadToken()
	return err
}

// claimValue returns the header value of a custom claim's JSON value v:
// a string's text, "" for null, else compact JSON.
func claimValue(v jsontext.Value) (string, error) {
	switch v.Kind() {
	case 'n':
		return "", nil
	case '"':
		var buf [128]byte
		s, err := jsontext.AppendUnquote(buf[:0], v)
		return string(s), err
	}
	c := v.Clone() // v belongs to the decoder
	if err := c.Compact(); err != nil {
		return "", err
	}
	return string(c), nil
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

// lengthBit returns the bit of Headers.lengths for a name of n bytes.
func lengthBit(n int) uint64 { return 1 << min(n, 63) }

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
