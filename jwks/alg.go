package jwks

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"hash"
	"slices"
	"sync"
)

// kind is the type of a verification key, fine enough to bind algorithms:
// ES256 needs a P-256 key, not just any EC key.
type kind uint8

const (
	kindRSA kind = iota + 1
	kindP256
	kindP384
	kindP521
	kindEd25519
	kindHMAC
)

// algorithm describes one JWS signature algorithm (RFC 7518 section 3,
// RFC 8037 section 3.1).
type algorithm struct {
	name string
	kind kind
	hash crypto.Hash // zero for EdDSA, which hashes internally
	pss  bool
}

// algorithms lists every algorithm this package verifies. "none" is not here
// and cannot be added.
var algorithms = []algorithm{
	{"RS256", kindRSA, crypto.SHA256, false},
	{"RS384", kindRSA, crypto.SHA384, false},
	{"RS512", kindRSA, crypto.SHA512, false},
	{"PS256", kindRSA, crypto.SHA256, true},
	{"PS384", kindRSA, crypto.SHA384, true},
	{"PS512", kindRSA, crypto.SHA512, true},
	{"ES256", kindP256, crypto.SHA256, false},
	{"ES384", kindP384, crypto.SHA384, false},
	{"ES512", kindP521, crypto.SHA512, false},
	{"EdDSA", kindEd25519, 0, false},
	{"Ed25519", kindEd25519, 0, false},
	{"HS256", kindHMAC, crypto.SHA256, false},
	{"HS384", kindHMAC, crypto.SHA384, false},
	{"HS512", kindHMAC, crypto.SHA512, false},
}

func lookupAlgorithm(name string) (*algorithm, bool) {
	for i := range algorithms {
		if algorithms[i].name == name {
			return &algorithms[i], true
		}
	}
	return nil, false
}

// Algorithms returns the names of every JWS algorithm the package can verify:
// RS256/384/512, PS256/384/512, ES256/384/512, EdDSA, Ed25519 and
// HS256/384/512. The caller owns the returned slice.
func Algorithms() []string {
	names := make([]string, len(algorithms))
	for i, a := range algorithms {
		names[i] = a.name
	}
	return names
}

// IsSupported reports whether alg names an algorithm the package can verify.
// It reports false for "none" in any letter case.
func IsSupported(alg string) bool {
	_, ok := lookupAlgorithm(alg)
	return ok
}

// ErrSignature is returned by [Key.Verify] when the signature does not match.
var ErrSignature = errors.New("jwks: signature mismatch")

// errAlgorithmMismatch is returned by [Key.Verify] for an algorithm the key
// may not be used with.
var errAlgorithmMismatch = errors.New("jwks: key cannot verify this algorithm")

// ecdsaFieldSize returns the byte length of r and s in a JWS ECDSA signature.
func ecdsaFieldSize(k kind) int {
	switch k {
	case kindP256:
		return 32
	case kindP384:
		return 48
	default: // kindP521
		return 66
	}
}

// verifySignature checks sig over signed with key material of a's kind.
func (k *Key) verifySignature(a *algorithm, signed, sig []byte) bool {
	switch a.kind {
	case kindHMAC:
		return k.verifyMAC(a, signed, sig)
	case kindEd25519:
		return ed25519.Verify(k.pub.(ed25519.PublicKey), signed, sig)
	}

	// The digest and the DER signature go to crypto/* through slices the
	// compiler cannot keep on the stack; a pooled buffer saves two
	// allocations per verification.
	scratch := scratchPool.Get().(*scratch)
	defer scratchPool.Put(scratch)
	digest := sum(a.hash, signed, &scratch.digest)

	switch a.kind {
	case kindRSA:
		pub := k.pub.(*rsa.PublicKey)
		if a.pss {
			// RFC 7518 section 3.5: the salt is as long as the hash output.
			opts := rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: a.hash}
			return rsa.VerifyPSS(pub, a.hash, digest, sig, &opts) == nil
		}
		return rsa.VerifyPKCS1v15(pub, a.hash, digest, sig) == nil
	default: // ECDSA
		// RFC 7518 section 3.4: the signature is R || S, each exactly as
		// long as the curve's field; DER or any other length is invalid.
		n := ecdsaFieldSize(a.kind)
		if len(sig) != 2*n {
			return false
		}
		return ecdsa.VerifyASN1(k.pub.(*ecdsa.PublicKey), digest, p1363ToASN1(scratch.der[:0], sig[:n], sig[n:]))
	}
}

// sum returns the digest of data under h, in buf.
func sum(h crypto.Hash, data []byte, buf *[64]byte) []byte {
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256(data)
		return buf[:copy(buf[:], d[:])]
	case crypto.SHA384:
		d := sha512.Sum384(data)
		return buf[:copy(buf[:], d[:])]
	default:
		d := sha512.Sum512(data)
		return buf[:copy(buf[:], d[:])]
	}
}

// verifyMAC checks an HMAC signature. The MAC states are pooled per key
// and algorithm: hmac.New costs several allocations.
func (k *Key) verifyMAC(a *algorithm, signed, sig []byte) bool {
	pool := &k.macs[a.hash.Size()/16-2] // 32, 48, 64 bytes -> 0, 1, 2
	mac, _ := pool.Get().(hash.Hash)
	if mac == nil {
		mac = hmac.New(a.hash.New, k.secret)
	}
	mac.Write(signed)
	scratch := scratchPool.Get().(*scratch)
	ok := hmac.Equal(mac.Sum(scratch.digest[:0]), sig)
	scratchPool.Put(scratch)
	mac.Reset()
	pool.Put(mac)
	return ok
}

// scratch holds the temporary buffers of one signature check.
type scratch struct {
	digest [64]byte
	der    [2*66 + 16]byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// p1363ToASN1 appends the DER encoding of the ECDSA signature (r, s), given as
// unsigned big-endian integers, to dst. Zero values encode as INTEGER 0, which
// ecdsa.VerifyASN1 rejects.
func p1363ToASN1(dst, r, s []byte) []byte {
	r, s = trimLeadingZeros(r), trimLeadingZeros(s)
	body := derIntLen(r) + derIntLen(s)
	dst = append(dst, 0x30)
	if body >= 0x80 {
		dst = append(dst, 0x81)
	}
	dst = append(dst, byte(body))
	dst = appendDERInt(dst, r)
	return appendDERInt(dst, s)
}

func trimLeadingZeros(b []byte) []byte {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// derIntLen is the encoded length (tag, length, content) of a non-negative
// INTEGER with magnitude v (no leading zeros); v is at most 66 bytes.
func derIntLen(v []byte) int {
	n := len(v)
	if n == 0 || v[0]&0x80 != 0 {
		n++ // a zero, or a sign byte
	}
	if n >= 0x80 {
		return 3 + n
	}
	return 2 + n
}

func appendDERInt(dst, v []byte) []byte {
	n := len(v)
	pad := n == 0 || v[0]&0x80 != 0
	if pad {
		n++
	}
	dst = append(dst, 0x02)
	if n >= 0x80 {
		dst = append(dst, 0x81)
	}
	dst = append(dst, byte(n))
	if pad {
		dst = append(dst, 0)
	}
	return append(dst, v...)
}

// algorithmsFor returns the algorithms a key of kind k may verify; for HMAC
// secrets only those whose hash is no longer than the secret (RFC 7518
// section 3.2).
func algorithmsFor(k kind, secretLen int) []string {
	var names []string
	for _, a := range algorithms {
		if a.kind != k {
			continue
		}
		if k == kindHMAC && secretLen < a.hash.Size() {
			continue
		}
		names = append(names, a.name)
	}
	return slices.Clip(names)
}
