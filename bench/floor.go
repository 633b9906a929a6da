package bench

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"hash"
)

// The floor functions copy the token into a buffer they keep and take the
// signing input and signature out of that copy, and keep their other
// scratch buffers (which crypto/* lets escape) in the closure too, so that
// after the first call they allocate nothing and measure the crypto plus
// one copy of the token (no unsafe view of the string: unsafe is not allowed
// outside tests). They are not safe for concurrent use.

// splitSigned returns the signing input (header.payload) of token and its
// decoded signature, in buf.
func splitSigned(token, buf []byte) (signed, sig []byte, ok bool) {
	i := bytes.LastIndexByte(token, '.')
	if i < 0 {
		return nil, nil, false
	}
	n, err := base64.RawURLEncoding.Decode(buf, token[i+1:])
	if err != nil {
		return nil, nil, false
	}
	return token[:i], buf[:n], true
}

func floorRSA(pub *rsa.PublicKey, pss bool) func(string) bool {
	opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	var digest [sha256.Size]byte
	var in []byte
	return func(token string) bool {
		var buf [512]byte
		in = append(in[:0], token...)
		signed, sig, ok := splitSigned(in, buf[:])
		if !ok {
			return false
		}
		digest = sha256.Sum256(signed)
		if pss {
			return rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, opts) == nil
		}
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) == nil
	}
}

func floorECDSA(pub *ecdsa.PublicKey) func(string) bool {
	var digest [sha256.Size]byte
	var der [80]byte
	var in []byte
	return func(token string) bool {
		var buf [128]byte
		in = append(in[:0], token...)
		signed, sig, ok := splitSigned(in, buf[:])
		if !ok || len(sig) != 64 {
			return false
		}
		digest = sha256.Sum256(signed)
		// ecdsa.Verify with big.Int values re-encodes them as ASN.1; encode
		// R || S directly, the cheapest way in.
		return ecdsa.VerifyASN1(pub, digest[:], appendASN1Sig(der[:0], sig[:32], sig[32:]))
	}
}

// appendASN1Sig appends the DER SEQUENCE of INTEGERs r and s (each at most
// 32 bytes, unsigned big-endian).
func appendASN1Sig(dst, r, s []byte) []byte {
	r, s = trimZeros(r), trimZeros(s)
	lr, ls := intLen(r), intLen(s)
	dst = append(dst, 0x30, byte(2+lr+2+ls))
	dst = appendInt(dst, r, lr)
	return appendInt(dst, s, ls)
}

func trimZeros(b []byte) []byte {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

func intLen(v []byte) int {
	if v[0]&0x80 != 0 {
		return len(v) + 1
	}
	return len(v)
}

func appendInt(dst, v []byte, n int) []byte {
	dst = append(dst, 0x02, byte(n))
	if n > len(v) {
		dst = append(dst, 0)
	}
	return append(dst, v...)
}

func floorEd25519(pub ed25519.PublicKey) func(string) bool {
	var in []byte
	return func(token string) bool {
		var buf [64]byte
		in = append(in[:0], token...)
		signed, sig, ok := splitSigned(in, buf[:])
		return ok && ed25519.Verify(pub, signed, sig)
	}
}

// floorHMAC reuses one HMAC state, which a serial benchmark allows: the
// cheapest possible check.
func floorHMAC(secret []byte) func(string) bool {
	var mac hash.Hash = hmac.New(sha256.New, secret)
	var sum [sha256.Size]byte
	var in []byte
	return func(token string) bool {
		var buf [64]byte
		in = append(in[:0], token...)
		signed, sig, ok := splitSigned(in, buf[:])
		if !ok {
			return false
		}
		mac.Reset()
		mac.Write(signed)
		return hmac.Equal(mac.Sum(sum[:0]), sig)
	}
}
