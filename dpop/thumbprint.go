package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json/v2"
	"errors"
	"fmt"
	"math/big"
)

// Thumbprint returns the JWK SHA-256 thumbprint of pub (RFC 7638), in
// base64url without padding: the value of the "jkt" member of a DPoP-bound
// token's "cnf" claim (RFC 9449 section 6.1), and [Result.Thumbprint] for
// proofs signed with the private half of pub. pub is an *rsa.PublicKey, an
// *ecdsa.PublicKey on P-256, P-384 or P-521, or an ed25519.PublicKey.
//
// The thumbprint hashes the key's required JWK members in lexicographic
// order, without whitespace (RFC 7638 section 3.2; RFC 8037 section 2 for
// Ed25519), as they are written for the key (numbers in their shortest
// form, EC coordinates at the full length of the curve), so a key has one
// thumbprint however its JWK was written.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	var members any
	enc := base64.RawURLEncoding
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k == nil || k.N == nil || k.N.Sign() <= 0 || k.E <= 0 {
			return "", errors.New("dpop: thumbprint: incomplete RSA public key")
		}
		members = struct {
			E   string `json:"e"`
			Kty string `json:"kty"`
			N   string `json:"n"`
		}{enc.EncodeToString(big.NewInt(int64(k.E)).Bytes()), "RSA", enc.EncodeToString(k.N.Bytes())}
	case *ecdsa.PublicKey:
		if k == nil || k.Curve == nil {
			return "", errors.New("dpop: thumbprint: incomplete EC public key")
		}
		var crv string
		switch k.Curve {
		case elliptic.P256():
			crv = "P-256"
		case elliptic.P384():
			crv = "P-384"
		case elliptic.P521():
			crv = "P-521"
		default:
			return "", fmt.Errorf("dpop: thumbprint: unsupported curve %s", k.Curve.Params().Name)
		}
		point, err := ecPoint(k)
		if err != nil {
			return "", err
		}
		n := (len(point) - 1) / 2 // 0x04 || X || Y
		members = struct {
			Crv string `json:"crv"`
			Kty string `json:"kty"`
			X   string `json:"x"`
			Y   string `json:"y"`
		}{crv, "EC", enc.EncodeToString(point[1 : 1+n]), enc.EncodeToString(point[1+n:])}
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return "", fmt.Errorf("dpop: thumbprint: Ed25519 public key is %d bytes, want %d", len(k), ed25519.PublicKeySize)
		}
		members = struct {
			Crv string `json:"crv"`
			Kty string `json:"kty"`
			X   string `json:"x"`
		}{"Ed25519", "OKP", enc.EncodeToString(k)}
	default:
		return "", fmt.Errorf("dpop: thumbprint: unsupported public key type %T", pub)
	}
	// Every value is a base64url string or a fixed ASCII name, which JSON
	// writes without escapes, so this is the form RFC 7638 hashes.
	canonical, err := json.Marshal(members)
	if err != nil { // cannot happen for these structs
		return "", fmt.Errorf("dpop: thumbprint: %w", err)
	}
	sum := sha256.Sum256(canonical)
	return enc.EncodeToString(sum[:]), nil
}

// ecPoint returns the uncompressed encoding of k, refusing a point off its
// curve. Bytes reads X and Y as big.Int values and panics when one is nil;
// that is reported as an incomplete key.
func ecPoint(k *ecdsa.PublicKey) (point []byte, err error) {
	defer func() {
		if recover() != nil {
			point, err = nil, errors.New("dpop: thumbprint: incomplete EC public key")
		}
	}()
	point, err = k.Bytes()
	if err != nil {
		return nil, fmt.Errorf("dpop: thumbprint: invalid EC public key: %w", err)
	}
	return point, nil
}
