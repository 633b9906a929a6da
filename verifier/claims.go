package verifier

import (
	"context"
	"encoding/json/jsontext"
	"encoding/json/v2"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

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
	// cnf holds the "cnf" (confirmation) claim's key bindings, or nil:
	// most tokens have none, and carry no room for them.
	cnf *confirmation

	algorithm string
	keyID     string
	typ       string

	raw string // the claims JSON, for Decode; the claims above are substrings of it

	// verifier is the Verifier that produced the claims; see VerifiedBy.
	verifier *Verifier
}

// claimsSize and stringSize are the sizes of a Claims value and of a
// string header, for footprint.
var (
	claimsSize = int(reflect.TypeFor[Claims]().Size())
	stringSize = int(reflect.TypeFor[string]().Size())
)

// footprint estimates the memory the Claims hold: the value, the claims
// JSON their strings point into, the key ID and an audience list.
func (c *Claims) footprint() int {
	n := claimsSize + len(c.raw) + len(c.keyID)
	if c.cnf != nil {
		n += int(reflect.TypeFor[confirmation]().Size()) + len(c.cnf.jkt) + len(c.cnf.x5t)
	}
	if len(c.audience) > len(c.audBuf) {
		n += cap(c.audience) * stringSize
	}
	return n
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

// KeyThumbprint returns the "jkt" member of the "cnf" claim: the RFC 7638
// thumbprint of the key a DPoP-bound token is bound to (RFC 9449 section
// 6), or "" for a token not bound to a DPoP key. Package bearer checks it
// against the request's DPoP proof.
func (c *Claims) KeyThumbprint() string {
	if c.cnf == nil {
		return ""
	}
	return c.cnf.jkt
}

// CertificateThumbprint returns the "x5t#S256" member of the "cnf" claim:
// the base64url SHA-256 of the client certificate a certificate-bound
// token is bound to (RFC 8705 section 3.1), or "" for a token not bound to
// a certificate. Package bearer checks it against the TLS client
// certificate.
func (c *Claims) CertificateThumbprint() string {
	if c.cnf == nil {
		return ""
	}
	return c.cnf.x5t
}

// Actor is the "act" claim of a token obtained by delegation (RFC 8693
// section 4.1): the party acting on behalf of the subject. Its own "act",
// if any, is the party that acted before it, and so on down the chain.
// Members other than "sub", "iss", "client_id" and "act" are in Claims.
type Actor struct {
	Subject  string
	Issuer   string
	ClientID string
	Act      *Actor
	Claims   map[string]any // the other members; nil if none
}

// UnmarshalJSON reads an actor object (RFC 8693 section 4.1).
func (a *Actor) UnmarshalJSON(data []byte) error {
	var known struct {
		Subject  string `json:"sub"`
		Issuer   string `json:"iss"`
		ClientID string `json:"client_id"`
		Act      *Actor `json:"act"`
	}
	if err := json.Unmarshal(data, &known); err != nil {
		return err
	}
	var rest map[string]any
	if err := json.Unmarshal(data, &rest); err != nil {
		return err
	}
	for _, name := range []string{"sub", "iss", "client_id", "act"} {
		delete(rest, name)
	}
	if len(rest) == 0 {
		rest = nil
	}
	*a = Actor{Subject: known.Subject, Issuer: known.Issuer, ClientID: known.ClientID, Act: known.Act, Claims: rest}
	return nil
}

// Actor returns the "act" claim (RFC 8693 section 4.1): who is acting for
// the subject, with the chain of earlier actors in Actor.Act. It returns
// nil and no error when the token has none, and an error when the claim
// is not an object of that form.
func (c *Claims) Actor() (*Actor, error) { return c.actorClaim("act") }

// MayAct returns the "may_act" claim (RFC 8693 section 4.4): the party
// allowed to act for the subject. It returns nil and no error when the
// token has none.
func (c *Claims) MayAct() (*Actor, error) { return c.actorClaim("may_act") }

func (c *Claims) actorClaim(name string) (*Actor, error) {
	var wrapper map[string]jsontext.Value
	if err := json.Unmarshal([]byte(c.raw), &wrapper); err != nil {
		return nil, fmt.Errorf("verifier: decoding claims: %w", err)
	}
	v, ok := wrapper[name]
	if !ok || v.Kind() == 'n' {
		return nil, nil
	}
	if v.Kind() != '{' {
		return nil, fmt.Errorf("verifier: the %q claim is not an object", name)
	}
	a := new(Actor)
	if err := json.Unmarshal(v, a); err != nil {
		return nil, fmt.Errorf("verifier: decoding the %q claim: %w", name, err)
	}
	return a, nil
}

// Algorithm returns the "alg" header the token was signed with.
func (c *Claims) Algorithm() string { return c.algorithm }

// KeyID returns the token's "kid" header, or "" if absent.
func (c *Claims) KeyID() string { return c.keyID }

// Type returns the token's "typ" header, such as "at+jwt", or "" if absent.
func (c *Claims) Type() string { return c.typ }

// Decode unmarshals the claims set into v, for claims that have no
// accessor:
//
//	var extra struct {
//		TenantID string `json:"tenant_id"`
//	}
//	err := claims.Decode(&extra)
//
// It uses encoding/json/v2 with its default, strict semantics, as Verify
// does: member names match struct fields exactly (case-sensitively), so
// Decode and the accessors never disagree about a claim. Members without a
// field are ignored. v receives a copy of the claims JSON: nothing it does
// (such as a custom UnmarshalJSON method) can change these Claims.
func (c *Claims) Decode(v any) error {
	if err := json.Unmarshal([]byte(c.raw), v); err != nil {
		return fmt.Errorf("verifier: decoding claims: %w", err)
	}
	return nil
}

// ErrNoClaims is returned by [ClaimsAs] when the context carries no
// verified claims: the request did not pass an authenticating middleware,
// or passed one that let it through without a token (optional
// authentication, a skipped route).
var ErrNoClaims = errors.New("verifier: no verified claims in the context")

// ClaimsAs decodes the claims that [FromContext] finds in ctx into a new T,
// as [Claims.Decode] does (strictly: member names match fields exactly), so
// a handler reads its own claims type in one call:
//
//	type appClaims struct {
//		TenantID string `json:"tenant_id"`
//	}
//	c, err := verifier.ClaimsAs[appClaims](ctx)
//
// It returns [ErrNoClaims] if ctx carries none. The adapters offer it for
// their own request types (nethttp.ClaimsAs, echomw.ClaimsAs, ...).
func ClaimsAs[T any](ctx context.Context) (T, error) {
	var v T
	c, ok := FromContext(ctx)
	if !ok {
		return v, ErrNoClaims
	}
	if err := c.Decode(&v); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

type claimsKey struct{}

// NewContext returns a copy of ctx that carries claims. A nil claims hides
// any claims ctx carried: FromContext then reports none. Whoever reads
// claims from a context should check who produced them with
// [Claims.VerifiedBy] before trusting them for a decision of its own.
func NewContext(ctx context.Context, claims *Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, claims)
}

// FromContext returns the claims stored in ctx by the innermost
// [NewContext], and whether there were any (a nil stored last counts as
// none).
func FromContext(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok && c != nil
}

// parse reads the claims set in payload into c, with r. raw is payload
// as a string, which c keeps, and of which its string claims are
// substrings.
func (c *Claims) parse(r *objectReader, payload []byte, raw string) error {
	c.raw = raw
	var scope string  // the "scope" claim as a string, the usual form
	var more []string // values from "scp", or from "scope" as an array
	r.Reset(payload, raw)
	err := r.Begin()
	for err == nil {
		var name []byte
		var ok bool
		if name, ok, err = r.Next(); !ok || err != nil {
			break
		}
		switch string(name) {
		case "iss":
			c.issuer, err = r.Str("iss")
		case "sub":
			c.subject, err = r.Str("sub")
		case "aud":
			c.audience, err = r.AppendStrings("aud", c.audBuf[:0])
		case "exp":
			c.expiresAt, err = r.Date("exp")
		case "nbf":
			c.notBefore, err = r.Date("nbf")
		case "iat":
			c.issuedAt, err = r.Date("iat")
		case "jti":
			c.id, err = r.Str("jti")
		case "client_id":
			c.clientID, err = r.Str("client_id")
		case "azp":
			c.azp, err = r.Str("azp")
		case "cnf":
			c.cnf, err = readConfirmation(r)
		case "scope", "scp":
			member := "scp"
			if string(name) == "scope" {
				member = "scope"
			}
			if more == nil && member == "scope" && r.PeekKind() == '"' {
				scope, err = r.Str("scope")
				break
			}
			// Several values: keep them in the order they appear.
			if more == nil && scope != "" {
				more = append(more, scope)
			}
			more, err = r.AppendStrings(member, more)
		default:
			err = r.Skip()
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

// confirmation holds the key bindings of a "cnf" claim (RFC 7800) that
// the library checks: a DPoP key thumbprint and a certificate thumbprint.
type confirmation struct {
	jkt string // RFC 9449 section 6.1
	x5t string // "x5t#S256", RFC 8705 section 3.1
}

// readConfirmation reads the "cnf" claim, which must be an object; "jkt"
// and "x5t#S256", when present, must be non-empty strings. Other members
// (such as "jwk" or "kid") are read past.
func readConfirmation(r *objectReader) (*confirmation, error) {
	v, err := r.Value("cnf", '{')
	if err != nil {
		return nil, err
	}
	var cnf struct {
		JKT jsontext.Value `json:"jkt"`
		X5T jsontext.Value `json:"x5t#S256"`
	}
	if err := json.Unmarshal(v, &cnf); err != nil {
		return nil, r.ValueError(errJSONType, v, "cnf")
	}
	out := new(confirmation)
	for _, m := range []struct {
		raw jsontext.Value
		dst *string
	}{{cnf.JKT, &out.jkt}, {cnf.X5T, &out.x5t}} {
		if m.raw == nil {
			continue
		}
		// Present, so a non-empty string: null, "" or another type would
		// leave a binding that cannot be checked.
		if m.raw.Kind() != '"' || json.Unmarshal(m.raw, m.dst) != nil || *m.dst == "" {
			return nil, r.ValueError(errJSONType, v, "cnf")
		}
	}
	return out, nil
}
