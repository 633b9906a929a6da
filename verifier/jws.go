package verifier

import (
	"encoding/base64"
	"errors"
	"strings"
	"unsafe"
)

// b64 decodes base64url without padding (RFC 7515 section 2) and rejects
// non-zero trailing bits, so each token has exactly one encoding.
var b64 = base64.RawURLEncoding.Strict()

var (
	errTooLarge     = errors.New("token too large")
	errParts        = errors.New("not a compact JWS of three dot-separated parts")
	errAlphabet     = errors.New("character outside the base64url alphabet")
	errEmptyHeader  = errors.New("empty header")
	errNoSignature  = errors.New("empty signature")
	errNoAlg        = errors.New(`header has no "alg"`)
	errAlgNone      = errors.New(`"alg" is "none"`)
	errCrit         = errors.New(`header lists critical extensions in "crit"`)
	errUnencoded    = errors.New(`header asks for an unencoded payload ("b64": false)`)
	errHeaderPrefix = "header: "
	errClaimsPrefix = "claims: "
)

// header holds the protected-header parameters the verifier acts on.
type header struct {
	alg string
	kid string
	typ string
}

// compactJWS is a token split into its parts (RFC 7515 section 7.1).
type compactJWS struct {
	header header
	// headerEnc is the encoded header and headerSum its hash in the
	// headerMemo, which knew it already if headerKnown.
	headerEnc   string
	headerSum   uint64
	headerKnown bool

	signingInput string // BASE64URL(header) "." BASE64URL(payload)
	signature    []byte // decoded
	// payload is the decoded payload, in the buffer allocated with claims
	// that also holds the decoded signature (and the header, unless the
	// memo knew it), never modified afterwards, so that the strings read
	// from it can share its memory. payloadErr is why the payload did not decode, if it did not;
	// it is reported by decodePayload, after the algorithm has been
	// checked.
	payload    []byte
	payloadErr error
	// claims is the zero Claims allocated together with the buffer, for
	// the caller to fill.
	claims *Claims
}

// decodePayload returns the decoded payload, or why it could not be decoded.
func (j *compactJWS) decodePayload() ([]byte, error) {
	return j.payload, j.payloadErr
}

// parseCompact splits token, decodes and checks its header, and decodes its
// signature and payload, into one buffer allocated together with the
// Claims they will be read into: a single allocation. (A header the memo
// knows is neither decoded nor parsed.) Every failure is an [*Error] with reason
// [ErrMalformed], [ErrAlgorithm] or [ErrUnsupportedHeader]; a token with a
// byte outside the base64url alphabet and the dot always fails with
// errAlphabet, whatever else is wrong with it. An error decoding the
// payload (such as non-zero trailing bits) is kept for
// [compactJWS.decodePayload], so that a forbidden algorithm is reported
// first. The header is looked up in memo, which may be nil.
func parseCompact(token string, memo *headerMemo) (compactJWS, error) {
	j, err := splitCompact(token, memo)
	if err != nil && hasNonBase64URL(token) {
		err = reject(ErrMalformed, errAlphabet)
	}
	return j, err
}

// splitCompact does the work of parseCompact without telling a byte outside
// the alphabet from other failures. It does not scan the token for such
// bytes: the strict base64url decoder rejects every one of them in the
// three parts (which hold no dot), except CR and LF, which it skips and
// which are looked for here with two fast byte searches. Only when the
// token fails does parseCompact scan it, to name the cause.
func splitCompact(token string, memo *headerMemo) (compactJWS, error) {
	var j compactJWS
	if strings.IndexByte(token, '\n') >= 0 || strings.IndexByte(token, '\r') >= 0 {
		return j, reject(ErrMalformed, errAlphabet)
	}
	dot1 := strings.IndexByte(token, '.')
	if dot1 < 0 {
		return j, reject(ErrMalformed, errParts)
	}
	dot2 := strings.IndexByte(token[dot1+1:], '.')
	if dot2 < 0 {
		return j, reject(ErrMalformed, errParts)
	}
	dot2 += dot1 + 1
	if strings.IndexByte(token[dot2+1:], '.') >= 0 {
		return j, reject(ErrMalformed, errParts) // JWE has five parts
	}
	if dot1 == 0 {
		return j, reject(ErrMalformed, errEmptyHeader)
	}
	j.signingInput = token[:dot2]
	hEnc, pEnc, sEnc := token[:dot1], token[dot1+1:dot2], token[dot2+1:]
	j.headerEnc = hEnc
	j.header, j.headerSum, j.headerKnown = memo.lookup(hEnc)

	hLen, pLen := 0, b64.DecodedLen(len(pEnc))
	if !j.headerKnown {
		hLen = b64.DecodedLen(len(hEnc))
	}
	var buf []byte
	j.claims, buf = newClaims(hLen + pLen + b64.DecodedLen(len(sEnc)))
	if !j.headerKnown {
		n, err := b64.Decode(buf, bytesOf(hEnc))
		if err != nil {
			return j, reject(ErrMalformed, prefixed(errHeaderPrefix, err))
		}
		// The header is read before the signature is looked at, so that
		// {"alg":"none"} is reported as a forbidden algorithm whether or
		// not a signature follows.
		if j.header, err = parseHeader(buf[:n:n]); err != nil {
			return j, err
		}
	}
	if len(sEnc) == 0 {
		return j, reject(ErrMalformed, errNoSignature)
	}
	sig := buf[hLen+pLen:]
	n, err := b64.Decode(sig, bytesOf(sEnc))
	if err != nil {
		return j, reject(ErrMalformed, prefixed("signature: ", err))
	}
	j.signature = sig[:n:n]
	payload := buf[hLen : hLen+pLen : hLen+pLen]
	if n, err = b64.Decode(payload, bytesOf(pEnc)); err != nil {
		if hasNonBase64URL(pEnc) {
			return j, reject(ErrMalformed, errAlphabet)
		}
		j.payloadErr = reject(ErrMalformed, prefixed("payload: ", err))
		return j, nil
	}
	j.payload = payload[:n:n]
	return j, nil
}

// hasNonBase64URL reports whether s holds a byte that is neither in the
// base64url alphabet nor a dot.
func hasNonBase64URL(s string) bool {
	var bad byte
	for i := 0; i < len(s); i++ {
		bad |= notBase64URLOrDot[s[i]]
	}
	return bad != 0
}

// parseHeader reads the protected header, which must not be modified
// afterwards: the strings returned share its memory. Parameters that name
// keys ("jku", "x5u", "jwk", "x5c") are read past and never used.
func parseHeader(data []byte) (header, error) {
	var h header
	var hasAlg, crit, unencoded bool
	r := jsonReader{data: data, src: stringOf(data)}
	err := r.begin()
	for err == nil {
		var name []byte
		var ok bool
		if name, ok, err = r.next(); !ok || err != nil {
			break
		}
		switch string(name) {
		case "alg":
			h.alg, err = r.str("alg")
			hasAlg = true
		case "kid":
			h.kid, err = r.str("kid")
		case "typ":
			h.typ, err = r.str("typ")
		case "crit":
			crit = true
			err = r.skip()
		case "b64":
			var b bool
			b, err = r.boolean("b64")
			unencoded = !b
		default:
			err = r.skip()
		}
	}
	switch {
	case err != nil:
		return h, reject(ErrMalformed, prefixed(errHeaderPrefix, err))
	case !hasAlg:
		return h, reject(ErrMalformed, errNoAlg)
	case strings.EqualFold(h.alg, "none"):
		return h, reject(ErrAlgorithm, errAlgNone)
	case crit:
		// We implement no JWS extension, so every critical one is
		// unknown and RFC 7515 section 4.1.11 requires rejection.
		return h, reject(ErrUnsupportedHeader, errCrit)
	case unencoded:
		return h, reject(ErrUnsupportedHeader, errUnencoded)
	}
	return h, nil
}

// isBase64URL reports whether c is in the base64url alphabet (RFC 4648
// section 5).
func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// notBase64URLOrDot[c] is 1 for every byte that may not appear in a
// compact JWS, 0 for the base64url alphabet and the dot.
var notBase64URLOrDot = func() (t [256]byte) {
	for c := range t {
		if !isBase64URL(byte(c)) && c != '.' {
			t[c] = 1
		}
	}
	return t
}()

// bytesOf returns the bytes of s without copying. The result must only be
// read: the decoders and hashes it is passed to never write to their input.
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// stringOf returns b as a string without copying. b must never be modified
// afterwards; the verifier only uses it on buffers it decoded and keeps
// read-only.
func stringOf(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

type prefixedError struct {
	prefix string
	err    error
}

func (e *prefixedError) Error() string { return e.prefix + e.err.Error() }
func (e *prefixedError) Unwrap() error { return e.err }

func prefixed(prefix string, err error) error { return &prefixedError{prefix, err} }
