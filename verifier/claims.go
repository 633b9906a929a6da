package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
	"unsafe"

	"github.com/jwtgate/jwtgate/scopes"
)

// Claims are the verified claims of an access token. The registered claims
// are decoded once into fields; [Claims.Decode] reads any other claim into a
// struct of the caller's. Claims are immutable and safe for concurrent use:
// the same value may be handed to several requests that carry the same token.
type Claims struct {
	issuer    string
	subject   string
	audience  []string
	audBuf    [1]string // holds a single audience without another allocation
	expiresAt time.Time
	issuedAt  time.Time
	notBefore time.Time
	id        string
	clientID  string
	azp       string
	scopes    scopes.Set

	algorithm string
	keyID     string
	typ       string

	raw []byte // the claims JSON, for Decode

	// verifier is the Verifier that produced the claims; see VerifiedBy.
	verifier *Verifier

	// mem is the size of the allocation that holds the Claims and the
	// buffer raw is in, when newClaims made it.
	mem int
}

// footprint estimates the memory the Claims hold: their allocation, or
// the Claims value and raw's buffer.
func (c *Claims) footprint() int {
	if c.mem > 0 {
		return c.mem
	}
	return int(unsafe.Sizeof(*c)) + cap(c.raw)
}

// VerifiedBy reports whether v produced c. Claims found in a request
// context were put there by some middleware; one configured with another
// verifier (other issuers, audiences or keys) must not vouch for them, so a
// guard reuses claims only when its own verifier produced them.
func (c *Claims) VerifiedBy(v *Verifier) bool { return c != nil && v != nil && c.verifier == v }

// Issuer returns the "iss" claim.
func (c *Claims) Issuer() string { return c.issuer }

// Subject returns the "sub" claim: the user, or for client-credentials tokens
// usually the client.
func (c *Claims) Subject() string { return c.subject }

// Audience returns the "aud" claim as a list, whether the token held one
// string or an array. The caller owns the returned slice.
func (c *Claims) Audience() []string { return slices.Clone(c.audience) }

// ExpiresAt returns the "exp" claim. Verified tokens always have one.
func (c *Claims) ExpiresAt() time.Time { return c.expiresAt }

// IssuedAt returns the "iat" claim, or the zero time if absent.
func (c *Claims) IssuedAt() time.Time { return c.issuedAt }

// NotBefore returns the "nbf" claim, or the zero time if absent.
func (c *Claims) NotBefore() time.Time { return c.notBefore }

// ID returns the "jti" claim, the token's unique identifier.
func (c *Claims) ID() string { return c.id }

// ClientID returns the OAuth 2.0 client the token was issued to: the
// "client_id" claim (RFC 9068), or else the "azp" claim used by OpenID
// Connect issuers.
func (c *Claims) ClientID() string {
	if c.clientID != "" {
		return c.clientID
	}
	return c.azp
}

// Scopes returns the scopes granted by the token: the union of the "scope"
// claim (a space-delimited string) and the "scp" claim (an array of strings
// or a string).
func (c *Claims) Scopes() scopes.Set { return c.scopes }

// Algorithm returns the "alg" header the token was signed with.
func (c *Claims) Algorithm() string { return c.algorithm }

// KeyID returns the token's "kid" header, or "" if absent.
func (c *Claims) KeyID() string { return c.keyID }

// Type returns the token's "typ" header, such as "at+jwt", or "" if absent.
func (c *Claims) Type() string { return c.typ }

// Decode unmarshals the claims set into v with encoding/json, for claims
// that have no accessor:
//
//	var extra struct {
//		TenantID string `json:"tenant_id"`
//	}
//	err := claims.Decode(&extra)
func (c *Claims) Decode(v any) error {
	if err := json.Unmarshal(c.raw, v); err != nil {
		return fmt.Errorf("verifier: decoding claims: %w", err)
	}
	return nil
}

// Claims and the buffer their strings are read from are allocated together:
// newClaims returns a zero Claims and a zeroed buffer of n bytes from one
// allocation, in size classes up to 4 KiB of decoded bytes.
// (Both live as long as the Claims do in any case, and the garbage
// collector does not scan the bytes, which hold no pointers.)
func newClaims(n int) (*Claims, []byte) {
	switch {
	case n <= 256:
		return claimsWith[[256]byte](n)
	case n <= 384:
		return claimsWith[[384]byte](n)
	case n <= 512:
		return claimsWith[[512]byte](n)
	case n <= 768:
		return claimsWith[[768]byte](n)
	case n <= 1024:
		return claimsWith[[1024]byte](n)
	case n <= 1536:
		return claimsWith[[1536]byte](n)
	case n <= 2048:
		return claimsWith[[2048]byte](n)
	case n <= 3072:
		return claimsWith[[3072]byte](n)
	case n <= 4096:
		return claimsWith[[4096]byte](n)
	}
	c := new(Claims)
	c.mem = int(unsafe.Sizeof(*c)) + n
	return c, make([]byte, n)
}

// buffer lists the buffer sizes of newClaims: steps of a half or a third,
// so that no more than about a third of a buffer goes unused.
type buffer interface {
	[256]byte | [384]byte | [512]byte | [768]byte | [1024]byte | [1536]byte | [2048]byte | [3072]byte | [4096]byte
}

// claimsWith allocates Claims followed by a buffer of type B, and returns
// the first n bytes of the buffer (n at most its size).
func claimsWith[B buffer](n int) (*Claims, []byte) {
	x := new(struct {
		c   Claims
		buf B
	})
	x.c.mem = int(unsafe.Sizeof(*x))
	return &x.c, unsafe.Slice((*byte)(unsafe.Pointer(&x.buf)), len(x.buf))[:n:n]
}

type claimsKey struct{}

// NewContext returns a copy of ctx that carries claims.
func NewContext(ctx context.Context, claims *Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, claims)
}

// FromContext returns the claims stored in ctx by [NewContext], and whether
// there were any.
func FromContext(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok && c != nil
}

// NumericDate bounds: RFC 7519 dates are seconds since 1970; anything before
// that or after the year 9999 is not a date an issuer meant.
const maxNumericDate = 253402300799 // 9999-12-31T23:59:59Z

var errDateRange = errors.New("date out of range")

// parse reads the claims set in payload into c. payload must not be
// modified afterwards: the strings read share its memory.
func (c *Claims) parse(payload []byte) error {
	c.raw = payload
	var scope string  // the "scope" claim as a string, the usual form
	var more []string // values from "scp", or from "scope" as an array
	r := jsonReader{data: payload, src: stringOf(payload)}
	err := r.begin()
	for err == nil {
		var name []byte
		var ok bool
		if name, ok, err = r.next(); !ok || err != nil {
			break
		}
		switch string(name) {
		case "iss":
			c.issuer, err = r.str("iss")
		case "sub":
			c.subject, err = r.str("sub")
		case "aud":
			c.audience, err = r.appendStrings("aud", c.audBuf[:0])
		case "exp":
			c.expiresAt, err = r.date("exp")
		case "nbf":
			c.notBefore, err = r.date("nbf")
		case "iat":
			c.issuedAt, err = r.date("iat")
		case "jti":
			c.id, err = r.str("jti")
		case "client_id":
			c.clientID, err = r.str("client_id")
		case "azp":
			c.azp, err = r.str("azp")
		case "scope", "scp":
			if more == nil && r.peek() == '"' && string(name) == "scope" {
				scope, err = r.str("scope")
				break
			}
			// Several values: keep them in the order they appear.
			if more == nil && scope != "" {
				more = append(more, scope)
			}
			member := "scp"
			if name[1] == 'c' { // "scope"
				member = "scope"
			}
			more, err = r.appendStrings(member, more)
		default:
			err = r.skip()
		}
	}
	if err != nil {
		return err
	}
	if more == nil {
		c.scopes = scopes.Parse(scope)
	} else {
		c.scopes = scopes.FromList(more...)
	}
	return nil
}

// date reads a NumericDate: seconds since the epoch, possibly fractional.
func (r *jsonReader) date(member string) (time.Time, error) {
	start := r.pos
	f, err := r.number(member)
	if err != nil {
		return time.Time{}, err
	}
	if f < 0 || f > maxNumericDate {
		return time.Time{}, &jsonError{err: errDateRange, offset: start, member: member}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}
