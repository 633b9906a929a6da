package verifiertest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha256" // SHA-256 for crypto.Hash
	_ "crypto/sha512" // SHA-384 and SHA-512 for crypto.Hash
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// Sign returns a compact JWS whose payload is claims (marshalled with
// encoding/json), signed with key under alg. key is an *rsa.PrivateKey (RS*,
// PS*), an *ecdsa.PrivateKey (ES*), an ed25519.PrivateKey (EdDSA, Ed25519) or
// an HMAC secret as []byte (HS*). The header holds "alg", then every entry of
// header (which may override "alg", to forge tokens for negative tests).
//
// Sign checks nothing about the claims, so tests can build any token,
// including invalid ones.
func Sign(alg string, key any, header map[string]any, claims any) (string, error) {
	h := map[string]any{"alg": alg}
	for k, v := range header {
		h[k] = v
	}
	hdr, err := json.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("verifiertest: header: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("verifiertest: claims: %w", err)
	}
	return SignRaw(alg, key, hdr, payload)
}

// SignRaw is like [Sign] but takes the header and payload as raw bytes, for
// tests that need exact JSON (duplicate members, odd whitespace, a payload
// that is not an object).
func SignRaw(alg string, key any, header, payload []byte) (string, error) {
	enc := base64.RawURLEncoding
	signingInput := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	sig, err := signature(alg, key, []byte(signingInput))
	if err != nil {
		return "", err
	}
	return signingInput + "." + enc.EncodeToString(sig), nil
}

func signature(alg string, key any, data []byte) ([]byte, error) {
	hash, ok := map[string]crypto.Hash{
		"RS256": crypto.SHA256, "RS384": crypto.SHA384, "RS512": crypto.SHA512,
		"PS256": crypto.SHA256, "PS384": crypto.SHA384, "PS512": crypto.SHA512,
		"ES256": crypto.SHA256, "ES384": crypto.SHA384, "ES512": crypto.SHA512,
		"HS256": crypto.SHA256, "HS384": crypto.SHA384, "HS512": crypto.SHA512,
		"EdDSA": 0, "Ed25519": 0,
	}[alg]
	if !ok {
		return nil, fmt.Errorf("verifiertest: cannot sign with algorithm %q", alg)
	}
	digest := func() []byte {
		h := hash.New()
		h.Write(data)
		return h.Sum(nil)
	}
	switch k := key.(type) {
	case []byte:
		if alg[:2] != "HS" {
			return nil, fmt.Errorf("verifiertest: %s needs a private key, not a secret", alg)
		}
		mac := hmac.New(hash.New, k)
		mac.Write(data)
		return mac.Sum(nil), nil
	case *rsa.PrivateKey:
		switch alg[:2] {
		case "RS":
			return rsa.SignPKCS1v15(nil, k, hash, digest())
		case "PS":
			return rsa.SignPSS(rand.Reader, k, hash, digest(), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
	case *ecdsa.PrivateKey:
		if alg[:2] == "ES" {
			r, s, err := ecdsa.Sign(rand.Reader, k, digest())
			if err != nil {
				return nil, err
			}
			n := (k.Curve.Params().BitSize + 7) / 8
			sig := make([]byte, 2*n)
			r.FillBytes(sig[:n])
			s.FillBytes(sig[n:])
			return sig, nil
		}
	case ed25519.PrivateKey:
		if alg == "EdDSA" || alg == "Ed25519" {
			return ed25519.Sign(k, data), nil
		}
	case nil:
		return nil, errors.New("verifiertest: no signing key")
	}
	return nil, fmt.Errorf("verifiertest: cannot sign %s with a %T", alg, key)
}

// GenerateKey returns a new private key suited to alg: RSA 2048 for RS* and
// PS*, ECDSA on the matching curve for ES*, Ed25519 for EdDSA, and a 64-byte
// random secret for HS*.
func GenerateKey(alg string) (any, error) {
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return rsa.GenerateKey(rand.Reader, 2048)
	case "ES256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ES384":
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ES512":
		return ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "EdDSA", "Ed25519":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	case "HS256", "HS384", "HS512":
		secret := make([]byte, 64)
		_, err := rand.Read(secret)
		return secret, err
	}
	return nil, fmt.Errorf("verifiertest: cannot generate a key for algorithm %q", alg)
}
