package verifier

import (
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"sync"
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

// parser holds the buffers of one verification: a copy of the token, its
// decoded parts and a JSON reader. Parsers are pooled, so that reading a
// token allocates only what the claims keep. Nothing that outlives the
// verification points into a parser: the strings it returns are copies or
// substrings of a string made for the claims.
type parser struct {
	token   []byte // a copy of the token
	decoded []byte // the decoded header, payload and signature, one after another
	json    objectReader

	// Set by split:
	header header
	// headerEnc is the encoded header (a part of the caller's token),
	// headerSum its hash in the verifier's headerMemo, and headerKnown
	// whether the memo knew it, so that it was not read again.
	headerEnc    string
	headerSum    uint64
	headerKnown  bool
	signingInput []byte // BASE64URL(header) "." BASE64URL(payload), in token
	signature    []byte // decoded, in decoded
	payload      []byte // decoded, in decoded
	// payloadErr is why the payload did not decode, if it did not; it is
	// reported after the algorithm has been checked.
	payloadErr error
}

var parsers = sync.Pool{New: func() any { return new(parser) }}

// maxPooledBuffer bounds the buffers a pooled parser keeps: tokens over
// the default size limit (Config.MaxTokenSize may be larger) do not leave
// their large buffers in the pool.
const maxPooledBuffer = 2 * DefaultMaxTokenSize

func getParser() *parser { return parsers.Get().(*parser) }

func putParser(p *parser) {
	if cap(p.token) > maxPooledBuffer || cap(p.decoded) > maxPooledBuffer || p.json.BufferCap() > maxPooledBuffer {
		return
	}
	// Drop every reference to this verification's token and claims: the
	// pool keeps buffers, not a caller's strings.
	p.header, p.headerEnc, p.signingInput, p.signature, p.payload, p.payloadErr = header{}, "", nil, nil, nil, nil
	p.json.Clear()
	parsers.Put(p)
}

// split splits token into its three parts (RFC 7515 section 7.1), decodes
// and checks its header, and decodes its signature and payload. Every
// failure is an [*Error] with reason [ErrMalformed], [ErrAlgorithm] or
// [ErrUnsupportedHeader]; a token with a byte outside the base64url
// alphabet and the dot always fails with errAlphabet, whatever else is
// wrong with it. An error decoding the payload (such as non-zero trailing
// bits) is kept in p.payloadErr, so that a forbidden algorithm is reported
// first. allowed lists the algorithm names to reuse for "alg", so that an
// allowed algorithm costs no allocation. A header that memo (which may be
// nil) remembers is not decoded or read again.
func (p *parser) split(token string, allowed []string, memo *headerMemo) error {
	err := p.splitParts(token, allowed, memo)
	if err != nil && hasNonBase64URL(token) {
		return reject(CheckCompact, ErrMalformed, errAlphabet)
	}
	return err
}

// splitParts does the work of split without telling a byte outside the
// alphabet from other failures. It does not scan the token for such
// bytes: the strict base64url decoder rejects every one of them in the
// three parts (which hold no dot), except CR and LF, which it skips and
// which are looked for here with two fast byte searches. Only when the
// token fails does split scan it, to name the cause.
func (p *parser) splitParts(token string, allowed []string, memo *headerMemo) error {
	if strings.IndexByte(token, '\n') >= 0 || strings.IndexByte(token, '\r') >= 0 {
		return reject(CheckCompact, ErrMalformed, errAlphabet)
	}
	dot1 := strings.IndexByte(token, '.')
	if dot1 < 0 {
		return reject(CheckCompact, ErrMalformed, errParts)
	}
	dot2 := strings.IndexByte(token[dot1+1:], '.')
	if dot2 < 0 {
		return reject(CheckCompact, ErrMalformed, errParts)
	}
	dot2 += dot1 + 1
	if strings.IndexByte(token[dot2+1:], '.') >= 0 {
		return reject(CheckCompact, ErrMalformed, errParts) // JWE has five parts
	}
	if dot1 == 0 {
		return reject(CheckCompact, ErrMalformed, errEmptyHeader)
	}
	p.token = append(p.token[:0], token...)
	hEnc, pEnc, sEnc := p.token[:dot1], p.token[dot1+1:dot2], p.token[dot2+1:]
	p.signingInput = p.token[:dot2]
	p.headerEnc = token[:dot1]
	p.header, p.headerSum, p.headerKnown = memo.lookup(p.headerEnc)

	hLen, pLen, sLen := b64.DecodedLen(len(hEnc)), b64.DecodedLen(len(pEnc)), b64.DecodedLen(len(sEnc))
	if p.headerKnown {
		hLen = 0
	}
	p.decoded = slices.Grow(p.decoded[:0], hLen+pLen+sLen)[:hLen+pLen+sLen]
	hBuf, pBuf, sBuf := p.decoded[:hLen], p.decoded[hLen:hLen+pLen], p.decoded[hLen+pLen:]

	var n int
	var err error
	if !p.headerKnown {
		if n, err = b64.Decode(hBuf, hEnc); err != nil {
			return reject(CheckHeader, ErrMalformed, prefixed(errHeaderPrefix, err))
		}
		// The header is read before the signature is looked at, so that
		// {"alg":"none"} is reported as a forbidden algorithm whether or
		// not a signature follows.
		if p.header, err = parseHeader(&p.json, hBuf[:n], allowed); err != nil {
			return err
		}
	}
	if len(sEnc) == 0 {
		return reject(CheckSignatureEncoding, ErrMalformed, errNoSignature)
	}
	if n, err = b64.Decode(sBuf, sEnc); err != nil {
		return reject(CheckSignatureEncoding, ErrMalformed, prefixed("signature: ", err))
	}
	p.signature = sBuf[:n]
	if n, err = b64.Decode(pBuf, pEnc); err != nil {
		if hasNonBase64URL(token[dot1+1 : dot2]) {
			return reject(CheckCompact, ErrMalformed, errAlphabet)
		}
		p.payloadErr = reject(CheckClaims, ErrMalformed, prefixed("payload: ", err))
		return nil
	}
	p.payload = pBuf[:n]
	return nil
}

// hasNonBase64URL reports whether s holds a byte that is neither in the
// base64url alphabet nor a dot.
func hasNonBase64URL(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return !('A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '_' || r == '.')
	})
}

// commonTypes are "typ" values kept without a copy.
var commonTypes = []string{"JWT", "at+jwt", "application/at+jwt", "jwt"}

// parseHeader reads the protected header with r. Parameters that name keys
// ("jku", "x5u", "jwk", "x5c") are read past and never used. The "alg"
// value is one of allowed when it equals one, and "typ" one of
// commonTypes, without a copy.
func parseHeader(r *objectReader, data []byte, allowed []string) (header, error) {
	var h header
	var hasAlg, crit, unencoded bool
	r.Reset(data, "")
	err := r.Begin()
	for err == nil {
		var name []byte
		var ok bool
		if name, ok, err = r.Next(); !ok || err != nil {
			break
		}
		switch string(name) {
		case "alg":
			h.alg, err = internedString(r, "alg", allowed)
			hasAlg = true
		case "kid":
			h.kid, err = r.Str("kid")
		case "typ":
			h.typ, err = internedString(r, "typ", commonTypes)
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
		return h, reject(CheckHeader, ErrMalformed, prefixed(errHeaderPrefix, err))
	case !hasAlg:
		return h, reject(CheckHeader, ErrMalformed, errNoAlg)
	case strings.EqualFold(h.alg, "none"):
		return h, reject(CheckAlgNone, ErrAlgorithm, errAlgNone)
	case crit:
		// We implement no JWS extension, so every critical one is
		// unknown and RFC 7515 section 4.1.11 requires rejection.
		return h, reject(CheckCritical, ErrUnsupportedHeader, errCrit)
	case unencoded:
		return h, reject(CheckCritical, ErrUnsupportedHeader, errUnencoded)
	}
	return h, nil
}

// internedString reads a string value for member and returns the element of
// known it equals, or else a copy.
func internedString(r *objectReader, member string, known []string) (string, error) {
	b, _, err := r.RawString(member)
	if err != nil {
		return "", err
	}
	for _, s := range known {
		if s == string(b) {
			return s, nil
		}
	}
	return string(b), nil
}

type prefixedError struct {
	prefix string
	err    error
}

func (e *prefixedError) Error() string { return e.prefix + e.err.Error() }
func (e *prefixedError) Unwrap() error { return e.err }

func prefixed(prefix string, err error) error { return &prefixedError{prefix, err} }
