package dpop_test

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/jwks"
)

// The RSA key of RFC 7638 section 3.1 and its thumbprint.
const (
	rfc7638N          = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
	rfc7638Thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
)

// The RFC 9449 example key (section 4.2, figure 4) and its thumbprint
// (section 6.1, figure 9).
const (
	rfc9449JWK        = `{"kty":"EC","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA","crv":"P-256"}`
	rfc9449Thumbprint = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
)

func TestThumbprintRFC7638(t *testing.T) {
	n, err := base64.RawURLEncoding.DecodeString(rfc7638N)
	require.NoError(t, err)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537}
	got, err := dpop.Thumbprint(pub)
	require.NoError(t, err, "Thumbprint(RFC 7638 key)")
	assert.Equal(t, rfc7638Thumbprint, got, "Thumbprint of the key of RFC 7638 section 3.1")
}

func TestThumbprintRFC9449(t *testing.T) {
	k, err := jwks.ParseJWK([]byte(rfc9449JWK))
	require.NoError(t, err, "jwks.ParseJWK(RFC 9449 key)")
	got, err := dpop.Thumbprint(k.Public())
	require.NoError(t, err, "Thumbprint(RFC 9449 key)")
	assert.Equal(t, rfc9449Thumbprint, got, "Thumbprint of the key of RFC 9449 figure 4; want the jkt of figure 9")
}

// TestThumbprintJWX compares Thumbprint with jwx's for keys of every type,
// many times for EC keys, whose coordinates are sometimes shorter than the
// field and must be padded.
func TestThumbprintJWX(t *testing.T) {
	keys := map[string]func() crypto.PublicKey{
		"RSA": func() crypto.PublicKey {
			k, _ := rsa.GenerateKey(rand.Reader, 2048)
			return &k.PublicKey
		},
		"P-256": func() crypto.PublicKey {
			k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			return &k.PublicKey
		},
		"P-384": func() crypto.PublicKey {
			k, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
			return &k.PublicKey
		},
		"P-521": func() crypto.PublicKey {
			k, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
			return &k.PublicKey
		},
		"Ed25519": func() crypto.PublicKey {
			pub, _, _ := ed25519.GenerateKey(rand.Reader)
			return pub
		},
	}
	for name, gen := range keys {
		t.Run(name, func(t *testing.T) {
			n := 50
			if name == "RSA" {
				n = 1
			}
			for range n {
				pub := gen()
				got, err := dpop.Thumbprint(pub)
				require.NoError(t, err, "Thumbprint(%s key)", name)
				k, err := jwk.Import(pub)
				require.NoError(t, err)
				sum, err := k.Thumbprint(crypto.SHA256)
				require.NoError(t, err)
				require.Equal(t, base64.RawURLEncoding.EncodeToString(sum), got, "Thumbprint(%s key); want jwx's", name)
			}
		})
	}
}

func TestThumbprintErrors(t *testing.T) {
	x25519, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	cases := map[string]crypto.PublicKey{
		"nil":                  nil,
		"nil RSA":              (*rsa.PublicKey)(nil),
		"RSA without modulus":  &rsa.PublicKey{E: 65537},
		"RSA without exponent": &rsa.PublicKey{N: big.NewInt(12345)},
		"nil EC":               (*ecdsa.PublicKey)(nil),
		"EC without curve":     &ecdsa.PublicKey{},
		"EC without point":     &ecdsa.PublicKey{Curve: elliptic.P256()},
		//lint:ignore SA1019 an invalid key can only be built from raw coordinates
		"EC off the curve": &ecdsa.PublicKey{Curve: elliptic.P256(), X: big.NewInt(1), Y: big.NewInt(1)},
		//lint:ignore SA1019 an invalid key can only be built from raw coordinates
		"EC P-224":      &ecdsa.PublicKey{Curve: elliptic.P224(), X: big.NewInt(1), Y: big.NewInt(1)},
		"short Ed25519": ed25519.PublicKey(make([]byte, 31)),
		"X25519":        x25519.PublicKey(),
		"private key":   p256,
		"secret":        []byte("secret"),
	}
	for name, pub := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := dpop.Thumbprint(pub)
			require.Error(t, err, "Thumbprint(%s) = %q; want an error", name, got)
			assert.Regexp(t, "^dpop: thumbprint: ", err.Error(), "Thumbprint(%s) error", name)
		})
	}
}
