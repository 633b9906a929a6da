package dpop

import (
	"encoding/base64"
	"errors"
	"slices"
	"time"

	"github.com/jwtgate/jwtgate/jwks"
)

// b64 decodes base64url without padding (RFC 7515 section 2) and refuses
// non-zero trailing bits, so that a proof has one encoding.
var b64 = base64.RawURLEncoding.Strict()

// The details of refusals: fixed texts.
var (
	errAlphabet     = errors.New("character outside the base64url alphabet")
	errParts        = errors.New("not a compact JWS of three dot-separated parts")
	errEmptyPart    = errors.New("empty header, payload or signature")
	errBase64       = errors.New("invalid base64url")
	errNoAlg        = errors.New(`header has no "alg"`)
	errAlg          = errors.New(`"alg" is not one of the accepted algorithms`)
	errCrit         = errors.New(`header lists critical extensions in "crit"`)
	errUnencoded    = errors.New(`header asks for an unencoded payload ("b64": false)`)
	errJWKType      = errors.New(`"jwk" is not a JSON object`)
	errJWKPrivate   = errors.New("jwk holds private or symmetric key members")
	errJWKSymmetric = errors.New("jwk is a symmetric key")
	errJWKParse     = errors.New("jwk is not a public key jwks.ParseJWK accepts")
	errNoJTI        = errors.New(`no "jti", or an empty one`)
	errLongJTI      = errors.New(`"jti" is longer than 256 bytes`)
	errHTUParse     = errors.New("htu is not a URL")
)

// decode decodes the payload and the signature of a proof into w.decoded.
func (w *work) decode(pEnc, sEnc []byte) (payload, sig []byte, err error) {
	pLen, sLen := b64.DecodedLen(len(pEnc)), b64.DecodedLen(len(sEnc))
	w.decoded = slices.Grow(w.decoded[:0], pLen+sLen)[:pLen+sLen]
	n, err := b64.Decode(w.decoded[:pLen], pEnc)
	if err != nil {
		return nil, nil, refuse(descMalformed, errBase64)
	}
	payload = w.decoded[:n:n]
	m, err := b64.Decode(w.decoded[pLen:], sEnc)
	if err != nil {
		return nil, nil, refuse(descMalformed, errBase64)
	}
	return payload, w.decoded[pLen : pLen+m], nil
}

// readHeader decodes and checks a proof header that the cache does not
// know: "typ" is "dpop+jwt", "alg" one of the checker's, no "crit" and no
// unencoded payload, and "jwk" a public key suited to "alg".
func (c *Checker) readHeader(w *work, enc []byte) (*header, error) {
	n := b64.DecodedLen(len(enc))
	w.decoded = slices.Grow(w.decoded[:0], n)[:n]
	n, err := b64.Decode(w.decoded, enc)
	if err != nil {
		return nil, refuse(descMalformed, errBase64)
	}
	r := &w.json
	r.Reset(w.decoded[:n], "")

	var (
		typOK, hasAlg, crit, unencoded bool
		alg                            string
		jwk                            []byte
		jwkErr                         error
	)
	err = r.Begin()
	for err == nil {
		var name []byte
		var ok bool
		if name, ok, err = r.Next(); !ok || err != nil {
			break
		}
		var v []byte
		switch string(name) {
		case "typ":
			v, err = stringValue(r, "typ")
			typOK = string(v) == "dpop+jwt"
		case "alg":
			v, err = stringValue(r, "alg")
			hasAlg = true
			if i := slices.Index(c.algs, string(v)); i >= 0 {
				alg = c.algs[i]
			}
		case "jwk":
			if r.PeekKind() == '{' {
				jwk, err = rawValue(r, "jwk", '{')
			} else {
				jwkErr = errJWKType
				err = r.Skip()
			}
		case "crit":
			crit = true
			err = r.Skip()
		case "b64":
			var b bool
			b, err = r.Boolean("b64")
			unencoded = !b
		default:
			err = r.Skip()
		}
	}
	switch {
	case err != nil:
		return nil, refuse(descMalformedHeader, err)
	case !typOK:
		return nil, refuse(descTyp, nil)
	case !hasAlg:
		return nil, refuse(descAlgorithm, errNoAlg)
	case alg == "":
		return nil, refuse(descAlgorithm, errAlg)
	case crit:
		// We implement no JWS extension, so every critical one is unknown
		// (RFC 7515 section 4.1.11).
		return nil, refuse(descCrit, errCrit)
	case unencoded:
		return nil, refuse(descCrit, errUnencoded)
	case jwkErr != nil:
		return nil, refuse(descBadJWK, jwkErr)
	case jwk == nil:
		return nil, refuse(descNoJWK, nil)
	}
	return readJWK(r, jwk, alg)
}

// privateMembers are the JWK members that hold private or symmetric key
// material (RFC 7518 sections 6.2.2, 6.3.2 and 6.4.1; RFC 8037 section 2).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// readJWK parses the "jwk" of a proof header: a public key, never a
// private or a symmetric one (RFC 9449 section 4.2), that may verify alg.
func readJWK(r *objectReader, jwk []byte, alg string) (*header, error) {
	r.Reset(jwk, "")
	err := r.Begin()
	for err == nil {
		var name []byte
		var ok bool
		if name, ok, err = r.Next(); !ok || err != nil {
			break
		}
		if slices.Contains(privateMembers, string(name)) {
			return nil, refuse(descPrivateJWK, errJWKPrivate)
		}
		if string(name) == "kty" && r.PeekKind() == '"' {
			var kty []byte
			if kty, err = stringValue(r, "kty"); err == nil && string(kty) == "oct" {
				return nil, refuse(descPrivateJWK, errJWKSymmetric)
			}
			continue
		}
		err = r.Skip()
	}
	if err != nil {
		return nil, refuse(descMalformedHeader, err)
	}
	key, err := jwks.ParseJWK(jwk)
	if err != nil {
		return nil, refuse(descBadJWK, errJWKParse)
	}
	if key.IsSymmetric() {
		return nil, refuse(descPrivateJWK, errJWKSymmetric)
	}
	if !key.Supports(alg) {
		return nil, refuse(descKeyAlgorithm, nil)
	}
	thumbprint, err := Thumbprint(key.Public())
	if err != nil { // cannot happen for a key jwks accepted
		return nil, refuse(descBadJWK, errJWKParse)
	}
	h := &header{alg: alg, key: key, thumbprint: thumbprint}
	if _, err := base64.RawURLEncoding.Decode(h.rawThumbprint[:], []byte(thumbprint)); err != nil {
		return nil, refuse(descBadJWK, errJWKParse) // cannot happen
	}
	return h, nil
}

// The claims a checker reads, with a bit each in claims.has.
const (
	hasJTI uint8 = 1 << iota
	hasHTM
	hasHTU
	hasIAT
	hasATH
	hasNonce
)

// claims are the claims of a proof that a checker acts on. The byte
// slices point into the work's arena.
type claims struct {
	has                       uint8
	jti, htm, htu, ath, nonce []byte
	iat                       time.Time
}

// readClaims reads the claims of payload into w.claims.
func (w *work) readClaims(payload []byte) (*claims, error) {
	cl := &w.claims
	*cl = claims{}
	w.arena = w.arena[:0]
	r := &w.json
	r.Reset(payload, "")
	err := r.Begin()
	for err == nil {
		var name []byte
		var ok bool
		if name, ok, err = r.Next(); !ok || err != nil {
			break
		}
		switch string(name) {
		case "jti":
			cl.jti, err = r.AppendString("jti", &w.arena)
			cl.has |= hasJTI
		case "htm":
			cl.htm, err = r.AppendString("htm", &w.arena)
			cl.has |= hasHTM
		case "htu":
			cl.htu, err = r.AppendString("htu", &w.arena)
			cl.has |= hasHTU
		case "iat":
			cl.iat, err = r.Date("iat")
			cl.has |= hasIAT
		case "ath":
			cl.ath, err = r.AppendString("ath", &w.arena)
			cl.has |= hasATH
		case "nonce":
			cl.nonce, err = r.AppendString("nonce", &w.arena)
			cl.has |= hasNonce
		default:
			err = r.Skip()
		}
	}
	if err != nil {
		return nil, refuse(descMalformedClaims, err)
	}
	return cl, nil
}
