package jwks

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	mathrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests of this file are internal because they exercise p1363ToASN1 and
// errAlgorithmMismatch; the helpers below are shared by the other internal
// test files (parse, roca, discovery).

// testRSAKey is one 2048-bit RSA key for every internal test: generating one
// costs about 50 ms, and no test depends on having a fresh one.
var testRSAKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func newECKey(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	require.NoError(t, err, "ecdsa.GenerateKey(%s)", c.Params().Name)
	return k
}

// ecCoordinates returns the coordinates of pub as fixed-width big-endian
// bytes, read from its uncompressed encoding. pub must be valid.
func ecCoordinates(pub *ecdsa.PublicKey) (x, y []byte) {
	raw, err := pub.Bytes()
	if err != nil {
		panic(fmt.Sprintf("ecdsa.PublicKey.Bytes of a test key: %v", err))
	}
	size := (len(raw) - 1) / 2
	return raw[1 : 1+size], raw[1+size:]
}

// ecScalar returns the private scalar of priv as fixed-width big-endian
// bytes, the "d" of a JWK.
func ecScalar(priv *ecdsa.PrivateKey) []byte {
	d, err := priv.Bytes()
	if err != nil {
		panic(fmt.Sprintf("ecdsa.PrivateKey.Bytes of a test key: %v", err))
	}
	return d
}

// handMadeECKey returns the key a user gets by setting the fields of an
// ecdsa.PublicKey by hand, which is how the refusal tests build invalid
// points (off the curve, out of range, missing coordinates).
func handMadeECKey(c elliptic.Curve, x, y *big.Int) *ecdsa.PublicKey {
	//lint:ignore SA1019 users may still set X and Y by hand; NewPublicKey must check what they set.
	return &ecdsa.PublicKey{Curve: c, X: x, Y: y}
}

// ecBigCoordinates is ecCoordinates as big.Int values, for building
// hand-made keys.
func ecBigCoordinates(pub *ecdsa.PublicKey) (x, y *big.Int) {
	xb, yb := ecCoordinates(pub)
	return new(big.Int).SetBytes(xb), new(big.Int).SetBytes(yb)
}

func newEd25519Key(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err, "ed25519.GenerateKey")
	return k
}

var testHash = map[string]crypto.Hash{
	"RS256": crypto.SHA256, "RS384": crypto.SHA384, "RS512": crypto.SHA512,
	"PS256": crypto.SHA256, "PS384": crypto.SHA384, "PS512": crypto.SHA512,
	"ES256": crypto.SHA256, "ES384": crypto.SHA384, "ES512": crypto.SHA512,
	"HS256": crypto.SHA256, "HS384": crypto.SHA384, "HS512": crypto.SHA512,
}

// signJWS signs data as a JWS signer would (RFC 7518 section 3): PKCS #1 v1.5
// or PSS with a salt as long as the hash for RSA, fixed-width R || S for
// ECDSA, plain Ed25519 and HMAC.
func signJWS(t testing.TB, alg string, priv any, data []byte) []byte {
	t.Helper()
	if alg == "EdDSA" || alg == "Ed25519" {
		return ed25519.Sign(priv.(ed25519.PrivateKey), data)
	}
	hash, ok := testHash[alg]
	require.True(t, ok, "signJWS: no hash known for %q", alg)
	if strings.HasPrefix(alg, "HS") {
		mac := hmac.New(hash.New, priv.([]byte))
		mac.Write(data)
		return mac.Sum(nil)
	}
	h := hash.New()
	h.Write(data)
	digest := h.Sum(nil)
	var sig []byte
	var err error
	switch {
	case strings.HasPrefix(alg, "RS"):
		sig, err = rsa.SignPKCS1v15(rand.Reader, priv.(*rsa.PrivateKey), hash, digest)
	case strings.HasPrefix(alg, "PS"):
		sig, err = rsa.SignPSS(rand.Reader, priv.(*rsa.PrivateKey), hash, digest,
			&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case strings.HasPrefix(alg, "ES"):
		k := priv.(*ecdsa.PrivateKey)
		var der []byte
		der, err = ecdsa.SignASN1(rand.Reader, k, digest)
		require.NoError(t, err, "ecdsa.SignASN1")
		var rs struct{ R, S *big.Int }
		_, err = asn1.Unmarshal(der, &rs)
		size := (k.Curve.Params().BitSize + 7) / 8
		sig = make([]byte, 2*size)
		rs.R.FillBytes(sig[:size])
		rs.S.FillBytes(sig[size:])
	default:
		t.Fatalf("signJWS: cannot sign %q", alg)
	}
	require.NoError(t, err, "signJWS(%s)", alg)
	return sig
}

func TestNewPublicKeyAccepts(t *testing.T) {
	rsaKey := testRSAKey()
	p256 := newECKey(t, elliptic.P256())
	p384 := newECKey(t, elliptic.P384())
	p521 := newECKey(t, elliptic.P521())
	handMade := func(priv *ecdsa.PrivateKey) *ecdsa.PublicKey {
		x, y := ecBigCoordinates(&priv.PublicKey)
		return handMadeECKey(priv.Curve, x, y)
	}
	ed := newEd25519Key(t)
	e3 := &rsa.PublicKey{N: rsaKey.N, E: 3}
	// 8192 bits is the upper limit; the modulus is odd, a multiple of 3 and
	// so free of the ROCA fingerprint. NewPublicKey does not test primality.
	n8192 := new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 8191), big.NewInt(1))

	rsaAlgs := []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	tests := []struct {
		name     string
		pub      crypto.PublicKey
		wantType string
		wantAlgs []string
	}{
		{"RSA 2048", &rsaKey.PublicKey, "RSA", rsaAlgs},
		{"RSA e=3", e3, "RSA", rsaAlgs},
		{"RSA 8192", &rsa.PublicKey{N: n8192, E: 65537}, "RSA", rsaAlgs},
		{"P-256", &p256.PublicKey, "EC", []string{"ES256"}},
		{"P-384", &p384.PublicKey, "EC", []string{"ES384"}},
		{"P-521", &p521.PublicKey, "EC", []string{"ES512"}},
		{"P-256 set by hand", handMade(p256), "EC", []string{"ES256"}},
		{"P-384 set by hand", handMade(p384), "EC", []string{"ES384"}},
		{"P-521 set by hand", handMade(p521), "EC", []string{"ES512"}},
		{"Ed25519", ed.Public(), "OKP", []string{"EdDSA", "Ed25519"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := NewPublicKey("kid-1", tt.pub)
			require.NoError(t, err, "NewPublicKey(%s) failed; want a key", tt.name)
			assert.Equal(t, "kid-1", k.ID(), "Key.ID()")
			assert.Equal(t, tt.wantType, k.Type(), "Key.Type()")
			assert.Equal(t, tt.wantAlgs, k.Algorithms(), "Key.Algorithms()")
			assert.False(t, k.IsSymmetric(), "Key.IsSymmetric() of a public key")
			assert.Equal(t, tt.pub, k.Public(), "Key.Public() should return the key given")
			for _, alg := range Algorithms() {
				assert.Equal(t, slices.Contains(tt.wantAlgs, alg), k.Supports(alg), "Key.Supports(%q)", alg)
			}
			// Algorithms returns a copy.
			algs := k.Algorithms()
			algs[0] = "none"
			assert.Equal(t, tt.wantAlgs, k.Algorithms(), "Key.Algorithms() after modifying an earlier result")
		})
	}
}

func TestNewPublicKeyCopiesEd25519(t *testing.T) {
	priv := newEd25519Key(t)
	pub := slices.Clone(priv.Public().(ed25519.PublicKey))
	k, err := NewPublicKey("", pub)
	require.NoError(t, err, "NewPublicKey(Ed25519)")
	pub[0] ^= 0xff
	data := []byte("payload")
	assert.NoError(t, k.Verify("EdDSA", data, ed25519.Sign(priv, data)),
		"Verify after the caller modified its ed25519.PublicKey; want the key unaffected")
}

func TestNewPublicKeyCopiesRSAAndEC(t *testing.T) {
	data := []byte("payload")
	digest := sha256Sum(data)

	rsaPriv := testRSAKey()
	rsaPub := &rsa.PublicKey{N: new(big.Int).Set(rsaPriv.N), E: rsaPriv.E}
	rk, err := NewPublicKey("", rsaPub)
	require.NoError(t, err, "NewPublicKey(RSA)")
	rsaPub.N.SetInt64(3) // the caller reuses its key
	rsaPub.E = 5
	sig, err := rsa.SignPKCS1v15(nil, rsaPriv, crypto.SHA256, digest)
	require.NoError(t, err)
	assert.NoError(t, rk.Verify("RS256", data, sig), "Verify after the caller modified its *rsa.PublicKey; want the key unaffected")

	ecPriv := newECKey(t, elliptic.P256())
	ecX, ecY := ecBigCoordinates(&ecPriv.PublicKey)
	ecPub := handMadeECKey(elliptic.P256(), ecX, ecY)
	ek, err := NewPublicKey("", ecPub)
	require.NoError(t, err, "NewPublicKey(EC)")
	//lint:ignore SA1019 the test changes the caller's key after the call, as a user may.
	ecPub.X.SetInt64(1) // the caller reuses its key
	r, s, err := ecdsa.Sign(rand.Reader, ecPriv, digest)
	require.NoError(t, err)
	p1363 := make([]byte, 64)
	r.FillBytes(p1363[:32])
	s.FillBytes(p1363[32:])
	assert.NoError(t, ek.Verify("ES256", data, p1363), "Verify after the caller modified its *ecdsa.PublicKey; want the key unaffected")
}

func sha256Sum(data []byte) []byte {
	h := crypto.SHA256.New()
	h.Write(data)
	return h.Sum(nil)
}

func TestNewPublicKeyRefuses(t *testing.T) {
	rsaKey := testRSAKey()
	n := rsaKey.N
	odd := func(x *big.Int) *big.Int { return new(big.Int).SetBit(x, 0, 1) }
	one := big.NewInt(1)
	p256 := newECKey(t, elliptic.P256())
	p256Params := elliptic.P256().Params()
	x, y := ecBigCoordinates(&p256.PublicKey)
	p521 := newECKey(t, elliptic.P521())
	x521, y521 := ecBigCoordinates(&p521.PublicKey)
	p224 := elliptic.P224().Params()
	customP256 := *p256Params // same parameters, but not the crypto/elliptic implementation
	x25519, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	ed := newEd25519Key(t)

	tests := []struct {
		name    string
		pub     crypto.PublicKey
		wantMsg string
	}{
		{"nil", nil, "no public key"},
		{"typed nil RSA", (*rsa.PublicKey)(nil), "RSA modulus missing"},
		{"typed nil ECDSA", (*ecdsa.PublicKey)(nil), "incomplete EC public key"},
		{"RSA 1024 bits", &rsa.PublicKey{N: odd(new(big.Int).Rsh(n, 1024)), E: 65537}, "1024 bits"},
		{"RSA 2047 bits", &rsa.PublicKey{N: odd(new(big.Int).Rsh(n, 1)), E: 65537}, "2047 bits"},
		{"RSA 8193 bits", &rsa.PublicKey{N: new(big.Int).Add(new(big.Int).Lsh(one, 8192), one), E: 65537}, "8193 bits"},
		{"RSA even modulus", &rsa.PublicKey{N: new(big.Int).Add(n, one), E: 65537}, "even"},
		{"RSA nil modulus", &rsa.PublicKey{E: 65537}, "modulus missing"},
		{"RSA zero modulus", &rsa.PublicKey{N: new(big.Int), E: 65537}, "modulus missing"},
		{"RSA negative modulus", &rsa.PublicKey{N: new(big.Int).Neg(n), E: 65537}, "modulus missing"},
		{"RSA exponent 1", &rsa.PublicKey{N: n, E: 1}, "exponent 1"},
		{"RSA exponent 2", &rsa.PublicKey{N: n, E: 2}, "exponent 2"},
		{"RSA exponent 65536", &rsa.PublicKey{N: n, E: 65536}, "exponent 65536"},
		{"RSA exponent 0", &rsa.PublicKey{N: n, E: 0}, "exponent 0"},
		{"RSA negative exponent", &rsa.PublicKey{N: n, E: -65537}, "exponent -65537"},
		{"RSA value, not pointer", rsaKey.PublicKey, "unsupported public key type"},
		{"RSA private key", rsaKey, "unsupported public key type"},
		{"EC point off the curve", handMadeECKey(elliptic.P256(), x, new(big.Int).Add(y, one)), "not a valid P-256 point"},
		{"EC point at infinity", handMadeECKey(elliptic.P256(), new(big.Int), new(big.Int)), "not a valid P-256 point"},
		{"EC x not reduced", handMadeECKey(elliptic.P256(), new(big.Int).Add(x, p256Params.P), y), "not a valid P-256 point"},
		{"EC y not reduced", handMadeECKey(elliptic.P256(), x, new(big.Int).Add(y, p256Params.P)), "not a valid P-256 point"},
		{"EC negative x", handMadeECKey(elliptic.P256(), new(big.Int).Neg(x), y), "not a valid P-256 point"},
		{"EC negative y", handMadeECKey(elliptic.P256(), x, new(big.Int).Neg(y)), "not a valid P-256 point"},
		{"EC x of 257 bits", handMadeECKey(elliptic.P256(), new(big.Int).SetBit(x, 256, 1), y), "not a valid P-256 point"},
		{"EC P-521 x of 528 bits", handMadeECKey(elliptic.P521(), new(big.Int).SetBit(x521, 527, 1), y521), "not a valid P-521 point"},
		{"EC P-521 y not reduced", handMadeECKey(elliptic.P521(), x521, new(big.Int).Add(y521, elliptic.P521().Params().P)), "not a valid P-521 point"},
		{"EC x missing", handMadeECKey(elliptic.P256(), nil, y), "incomplete"},
		{"EC y missing", handMadeECKey(elliptic.P256(), x, nil), "incomplete"},
		{"EC x and y missing", &ecdsa.PublicKey{Curve: elliptic.P256()}, "incomplete"},
		{"EC curve missing", handMadeECKey(nil, x, y), "incomplete"},
		{"EC empty", &ecdsa.PublicKey{}, "incomplete"},
		{"EC P-224", handMadeECKey(elliptic.P224(), p224.Gx, p224.Gy), "unsupported EC curve P-224"},
		{"EC generic CurveParams", handMadeECKey(&customP256, x, y), "unsupported EC curve"},
		{"EC private key", p256, "unsupported public key type"},
		{"Ed25519 31 bytes", ed25519.PublicKey(make([]byte, 31)), "31 bytes"},
		{"Ed25519 33 bytes", ed25519.PublicKey(make([]byte, 33)), "33 bytes"},
		{"Ed25519 empty", ed25519.PublicKey{}, "0 bytes"},
		{"Ed25519 private key", ed, "unsupported public key type"},
		{"X25519", x25519.PublicKey(), "unsupported public key type"},
		{"raw bytes", []byte("0123456789abcdef0123456789abcdef"), "unsupported public key type"},
		{"string", "-----BEGIN PUBLIC KEY-----", "unsupported public key type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var k *Key
			var err error
			require.NotPanics(t, func() { k, err = NewPublicKey("bad-kid", tt.pub) }, "NewPublicKey(%s)", tt.name)
			require.Error(t, err, "NewPublicKey(%s) = %v; want an error", tt.name, k)
			assert.Nil(t, k, "NewPublicKey(%s) returned a key with its error", tt.name)
			assert.Contains(t, err.Error(), tt.wantMsg, "NewPublicKey(%s) error", tt.name)
			assert.Contains(t, err.Error(), `"bad-kid"`, "NewPublicKey(%s) error should name the key", tt.name)
			for _, c := range []*big.Int{x, y} {
				for _, form := range []string{c.String(), c.Text(16), b64(c.Bytes())} {
					assert.NotContains(t, err.Error(), form, "NewPublicKey(%s) error quotes a coordinate of the key", tt.name)
				}
			}
			assert.True(t, strings.HasPrefix(err.Error(), "jwks: "), "error %q should start with the package name", err)
		})
	}
}

func TestNewSecret(t *testing.T) {
	tests := []struct {
		size     int
		wantAlgs []string // nil: refused
	}{
		{0, nil},
		{1, nil},
		{31, nil},
		{32, []string{"HS256"}},
		{47, []string{"HS256"}},
		{48, []string{"HS256", "HS384"}},
		{63, []string{"HS256", "HS384"}},
		{64, []string{"HS256", "HS384", "HS512"}},
		{200, []string{"HS256", "HS384", "HS512"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d bytes", tt.size), func(t *testing.T) {
			// A recognisable pattern, so that a leak into a message shows.
			secret := []byte(strings.Repeat("Zq9", tt.size)[:tt.size])
			k, err := NewSecret("hmac-kid", secret)
			if tt.wantAlgs == nil {
				require.Error(t, err, "NewSecret(%d bytes) = %v; want an error", tt.size, k)
				assert.Nil(t, k)
				assert.Contains(t, err.Error(), fmt.Sprintf("%d bytes", tt.size), "NewSecret error should give the length")
				assert.Contains(t, err.Error(), `"hmac-kid"`, "NewSecret error should name the key")
				if tt.size >= 16 {
					assert.NotContains(t, err.Error(), string(secret), "NewSecret error must not contain the secret")
				}
				return
			}
			require.NoError(t, err, "NewSecret(%d bytes)", tt.size)
			assert.Equal(t, tt.wantAlgs, k.Algorithms(), "NewSecret(%d bytes).Algorithms()", tt.size)
			assert.Equal(t, "oct", k.Type(), "Key.Type()")
			assert.True(t, k.IsSymmetric(), "Key.IsSymmetric()")
			assert.Nil(t, k.Public(), "Key.Public() of a secret must be nil")
			assert.Equal(t, "hmac-kid", k.ID())
			for _, alg := range []string{"HS256", "HS384", "HS512"} {
				want := slices.Contains(tt.wantAlgs, alg)
				err := k.Verify(alg, []byte("x"), signJWS(t, alg, secret, []byte("x")))
				if want {
					assert.NoError(t, err, "Verify(%s) with a %d-byte secret", alg, tt.size)
				} else {
					assert.ErrorIs(t, err, errAlgorithmMismatch, "Verify(%s) with a %d-byte secret", alg, tt.size)
				}
			}
		})
	}
}

func TestNewSecretCopiesSecret(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	original := slices.Clone(secret)
	k, err := NewSecret("", secret)
	require.NoError(t, err)
	data := []byte("header.payload")
	for i := range secret {
		secret[i] = 'x'
	}
	assert.NoError(t, k.Verify("HS256", data, signJWS(t, "HS256", original, data)),
		"Verify with the original secret after the caller overwrote its slice; want success")
	assert.ErrorIs(t, k.Verify("HS256", data, signJWS(t, "HS256", secret, data)), ErrSignature,
		"Verify with the caller's overwritten secret; want ErrSignature")
}

// testKeyFor returns a private key (or secret) and the matching *Key for alg.
func testKeyFor(t testing.TB, alg string) (any, *Key) {
	t.Helper()
	var priv any
	var pub crypto.PublicKey
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		k := testRSAKey()
		priv, pub = k, &k.PublicKey
	case "ES256", "ES384", "ES512":
		c := map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}[alg]
		k := newECKey(t, c)
		priv, pub = k, &k.PublicKey
	case "EdDSA", "Ed25519":
		k := newEd25519Key(t)
		priv, pub = k, k.Public()
	case "HS256", "HS384", "HS512":
		secret := make([]byte, 64)
		_, _ = rand.Read(secret)
		k, err := NewSecret("k", secret)
		require.NoError(t, err)
		return secret, k
	default:
		t.Fatalf("testKeyFor: unknown algorithm %q", alg)
	}
	k, err := NewPublicKey("k", pub)
	require.NoError(t, err, "NewPublicKey for %s", alg)
	return priv, k
}

func TestVerifyEveryAlgorithm(t *testing.T) {
	data := []byte("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0")
	for _, alg := range Algorithms() {
		t.Run(alg, func(t *testing.T) {
			priv, k := testKeyFor(t, alg)
			sig := signJWS(t, alg, priv, data)
			require.NoError(t, k.Verify(alg, data, sig), "Verify(%s) of a fresh signature", alg)

			tamperedData := slices.Clone(data)
			tamperedData[len(tamperedData)-1] ^= 0x01
			assert.ErrorIs(t, k.Verify(alg, tamperedData, sig), ErrSignature, "Verify(%s) of a modified input", alg)
			assert.ErrorIs(t, k.Verify(alg, append(slices.Clone(data), '.'), sig), ErrSignature, "Verify(%s) of an extended input", alg)

			for _, i := range []int{0, len(sig) / 2, len(sig) - 1} {
				bad := slices.Clone(sig)
				bad[i] ^= 0x80
				assert.ErrorIs(t, k.Verify(alg, data, bad), ErrSignature, "Verify(%s) with byte %d of the signature flipped", alg, i)
			}
			assert.ErrorIs(t, k.Verify(alg, data, sig[:len(sig)-1]), ErrSignature, "Verify(%s) of a truncated signature", alg)
			assert.ErrorIs(t, k.Verify(alg, data, append(slices.Clone(sig), 0)), ErrSignature, "Verify(%s) of an extended signature", alg)
			assert.ErrorIs(t, k.Verify(alg, data, nil), ErrSignature, "Verify(%s) of an empty signature", alg)
			assert.ErrorIs(t, k.Verify(alg, data, make([]byte, len(sig))), ErrSignature, "Verify(%s) of an all-zero signature", alg)
		})
	}
}

func TestVerifyRSAWrongPadding(t *testing.T) {
	// A PKCS #1 v1.5 signature must not verify as PSS, nor the reverse.
	priv, k := testKeyFor(t, "RS256")
	data := []byte("a.b")
	assert.ErrorIs(t, k.Verify("PS256", data, signJWS(t, "RS256", priv, data)), ErrSignature, "Verify(PS256) of an RS256 signature")
	assert.ErrorIs(t, k.Verify("RS256", data, signJWS(t, "PS256", priv, data)), ErrSignature, "Verify(RS256) of a PS256 signature")
	assert.ErrorIs(t, k.Verify("RS384", data, signJWS(t, "RS256", priv, data)), ErrSignature, "Verify(RS384) of an RS256 signature")
}

func TestVerifyRefusesAlgorithmNotSuitingKey(t *testing.T) {
	rsaKey := testRSAKey()
	rsaPub, err := NewPublicKey("rsa", &rsaKey.PublicKey)
	require.NoError(t, err)
	p256, err := NewPublicKey("p256", &newECKey(t, elliptic.P256()).PublicKey)
	require.NoError(t, err)
	p384, err := NewPublicKey("p384", &newECKey(t, elliptic.P384()).PublicKey)
	require.NoError(t, err)
	ed, err := NewPublicKey("ed", newEd25519Key(t).Public())
	require.NoError(t, err)
	secret32 := bytes.Repeat([]byte{7}, 32)
	hs32, err := NewSecret("hs32", secret32)
	require.NoError(t, err)
	hs64, err := NewSecret("hs64", bytes.Repeat([]byte{7}, 64))
	require.NoError(t, err)
	rsaRestricted, err := newPublicKey("rsa-rs256", &rsaKey.PublicKey, "RS256")
	require.NoError(t, err)

	// The classic key-confusion forgery: HMAC keyed with the public key's
	// published bytes. It must be refused for the algorithm, not compared.
	der, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	require.NoError(t, err)
	data := []byte("h.p")
	confused := signJWS(t, "HS256", der, data)

	tests := []struct {
		key *Key
		alg string
		sig []byte
	}{
		{rsaPub, "HS256", confused},
		{rsaPub, "ES256", make([]byte, 64)},
		{rsaPub, "EdDSA", make([]byte, 64)},
		{rsaPub, "none", nil},
		{rsaPub, "", nil},
		{rsaPub, "rs256", make([]byte, 256)},
		{rsaRestricted, "PS256", make([]byte, 256)},
		{rsaRestricted, "RS384", make([]byte, 256)},
		{p256, "ES384", make([]byte, 96)},
		{p256, "ES512", make([]byte, 132)},
		{p256, "RS256", make([]byte, 256)},
		{p256, "HS256", make([]byte, 32)},
		{p384, "ES256", make([]byte, 64)},
		{ed, "ES256", make([]byte, 64)},
		{ed, "HS512", make([]byte, 64)},
		{hs32, "HS384", make([]byte, 48)},
		{hs32, "HS512", make([]byte, 64)},
		{hs32, "RS256", make([]byte, 256)},
		{hs64, "EdDSA", make([]byte, 64)},
		{hs64, "none", nil},
	}
	for _, tt := range tests {
		t.Run(tt.key.ID()+"/"+tt.alg, func(t *testing.T) {
			err := tt.key.Verify(tt.alg, data, tt.sig)
			require.Error(t, err, "Verify(%q) with %v = nil; want a refusal", tt.alg, tt.key)
			assert.ErrorIs(t, err, errAlgorithmMismatch, "Verify(%q) with %v", tt.alg, tt.key)
			assert.NotErrorIs(t, err, ErrSignature, "Verify(%q) with %v: an unsuitable algorithm is not a signature mismatch", tt.alg, tt.key)
			assert.False(t, tt.key.Supports(tt.alg), "Supports(%q) with %v", tt.alg, tt.key)
		})
	}
}

func TestVerifyECDSASignatureForm(t *testing.T) {
	for _, tc := range []struct {
		alg   string
		curve elliptic.Curve
	}{
		{"ES256", elliptic.P256()},
		{"ES384", elliptic.P384()},
		{"ES512", elliptic.P521()},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			priv := newECKey(t, tc.curve)
			k, err := NewPublicKey("", &priv.PublicKey)
			require.NoError(t, err)
			data := []byte("header.payload")
			sig := signJWS(t, tc.alg, priv, data)
			require.NoError(t, k.Verify(tc.alg, data, sig), "Verify(%s) of a fresh R || S signature", tc.alg)

			size := len(sig) / 2
			nBytes := tc.curve.Params().N.FillBytes(make([]byte, size))
			r, s := sig[:size], sig[size:]
			join := func(a, b []byte) []byte { return slices.Concat(a, b) }
			zero := make([]byte, size)
			ff := bytes.Repeat([]byte{0xff}, size)
			der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(r), new(big.Int).SetBytes(s)})
			require.NoError(t, err)

			bad := map[string][]byte{
				"DER":                  der,
				"leading zero byte":    join([]byte{0}, sig),
				"trailing zero byte":   join(sig, []byte{0}),
				"r and s padded":       join(join([]byte{0}, r), join([]byte{0}, s)),
				"one byte short":       sig[:len(sig)-1],
				"r only":               r,
				"doubled":              join(sig, sig),
				"r=0 s=0 (psychic)":    join(zero, zero),
				"r=0":                  join(zero, s),
				"s=0":                  join(r, zero),
				"r=N":                  join(nBytes, s),
				"s=N":                  join(r, nBytes),
				"r=N s=N":              join(nBytes, nBytes),
				"r all ones":           join(ff, s),
				"s all ones":           join(r, ff),
				"r and s swapped":      join(s, r),
				"signature of another": signJWS(t, tc.alg, newECKey(t, tc.curve), data),
			}
			// r+N and s+N reduce to the valid values modulo N; they fit the
			// field width only when N is well below 2^(8*size) (P-521).
			rPlusN := new(big.Int).Add(new(big.Int).SetBytes(r), tc.curve.Params().N)
			if rPlusN.BitLen() <= 8*size {
				bad["r+N"] = join(rPlusN.FillBytes(make([]byte, size)), s)
			}
			sPlusN := new(big.Int).Add(new(big.Int).SetBytes(s), tc.curve.Params().N)
			if sPlusN.BitLen() <= 8*size {
				bad["s+N"] = join(r, sPlusN.FillBytes(make([]byte, size)))
			}
			if tc.alg == "ES512" {
				require.Contains(t, bad, "r+N", "for P-521 r+N always fits 66 bytes")
			}
			for name, b := range bad {
				assert.ErrorIs(t, k.Verify(tc.alg, data, b), ErrSignature, "Verify(%s) of a %s signature", tc.alg, name)
			}
		})
	}
}

func TestP1363ToASN1MatchesEncodingASN1(t *testing.T) {
	type ecSig struct{ R, S *big.Int }
	check := func(t *testing.T, r, s []byte) {
		t.Helper()
		prefix := []byte{0xde, 0xad}
		got := p1363ToASN1(slices.Clone(prefix), r, s)
		require.Equal(t, prefix, got[:len(prefix)], "p1363ToASN1 must append to dst")
		got = got[len(prefix):]
		want, err := asn1.Marshal(ecSig{new(big.Int).SetBytes(r), new(big.Int).SetBytes(s)})
		require.NoError(t, err)
		require.Equal(t, want, got, "p1363ToASN1(%x, %x) differs from asn1.Marshal", r, s)
		var back ecSig
		rest, err := asn1.Unmarshal(got, &back)
		require.NoError(t, err, "asn1.Unmarshal(p1363ToASN1(%x, %x))", r, s)
		require.Empty(t, rest, "asn1.Unmarshal left trailing bytes")
		require.Zero(t, back.R.Cmp(new(big.Int).SetBytes(r)), "r round trip: got %x, want %x", back.R, r)
		require.Zero(t, back.S.Cmp(new(big.Int).SetBytes(s)), "s round trip: got %x, want %x", back.S, s)
	}

	edges := [][]byte{
		{},
		{0},
		make([]byte, 32),
		make([]byte, 66),
		{1},
		{0x7f},
		{0x80},
		{0xff},
		{0, 0x80},
		{0, 0, 0, 1},
		{0, 0x7f, 0xff},
		append([]byte{0}, bytes.Repeat([]byte{0xff}, 31)...),
		bytes.Repeat([]byte{0xff}, 32),
		bytes.Repeat([]byte{0x80}, 48),
		append([]byte{0x01}, bytes.Repeat([]byte{0xff}, 65)...), // a P-521 sized value
		bytes.Repeat([]byte{0xff}, 66),                          // long-form sequence length
		append(make([]byte, 65), 0x80),
	}
	t.Run("edges", func(t *testing.T) {
		for _, r := range edges {
			for _, s := range edges {
				check(t, r, s)
			}
		}
	})
	t.Run("random", func(t *testing.T) {
		rng := mathrand.New(mathrand.NewPCG(1, 2))
		value := func() []byte {
			b := make([]byte, []int{32, 48, 66}[rng.IntN(3)])
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			// Force leading zeros or a high bit now and then.
			switch rng.IntN(4) {
			case 0:
				clear(b[:rng.IntN(len(b))])
			case 1:
				b[0] |= 0x80
			}
			return b
		}
		for range 2000 {
			check(t, value(), value())
		}
	})
}

// syncBuffer is a bytes.Buffer safe for a logger writing from another goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// secretForms returns the ways a secret could leak into text.
func secretForms(secret []byte) map[string]string {
	return map[string]string{
		"raw":            string(secret),
		"hex":            hex.EncodeToString(secret),
		"HEX":            strings.ToUpper(hex.EncodeToString(secret)),
		"base64":         base64.StdEncoding.EncodeToString(secret),
		"base64url":      base64.RawURLEncoding.EncodeToString(secret),
		"decimal bytes":  strings.Trim(fmt.Sprint(secret), "[]"),
		"quoted":         fmt.Sprintf("%q", secret),
		"go syntax":      fmt.Sprintf("%#v", secret),
		"marker (plain)": "DO-NOT-PRINT",
	}
}

func TestKeyNeverPrintsSecret(t *testing.T) {
	secret := []byte("jwtgate-test-DO-NOT-PRINT-secret-0123456789")
	k, err := NewSecret("hmac-kid", secret)
	require.NoError(t, err)

	var textLog, jsonLog syncBuffer
	slog.New(slog.NewTextHandler(&textLog, nil)).Info("key", "key", k, "keys", []*Key{k})
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("key", "key", k, "keys", []*Key{k})
	//lint:ignore SA9005 Key has no exported fields on purpose; the test checks that JSON shows none of its material.
	jsonKey, err := json.Marshal(k)
	require.NoError(t, err)
	verr := k.Verify("RS256", []byte("x"), nil)
	require.Error(t, verr)

	outputs := map[string]string{
		"String()":          k.String(),
		"Sprint":            fmt.Sprint(k),
		"%v":                fmt.Sprintf("%v", k),
		"%+v":               fmt.Sprintf("%+v", k),
		"%#v":               fmt.Sprintf("%#v", k),
		"%s":                fmt.Sprintf("%s", k),
		"%q":                fmt.Sprintf("%q", k),
		"%x":                fmt.Sprintf("%x", k),
		"%X":                fmt.Sprintf("%X", k),
		"%d":                fmt.Sprintf("%d", k),
		"value %v":          fmt.Sprintf("%v", *k),
		"value %+v":         fmt.Sprintf("%+v", *k),
		"value %#v":         fmt.Sprintf("%#v", *k),
		"value %x":          fmt.Sprintf("%x", *k),
		"slice %+v":         fmt.Sprintf("%+v", []*Key{k}),
		"value slice %#v":   fmt.Sprintf("%#v", []Key{*k}),
		"map %v":            fmt.Sprintf("%v", map[string]*Key{"k": k}),
		"struct %+v":        fmt.Sprintf("%+v", struct{ K *Key }{k}),
		"struct value %#v":  fmt.Sprintf("%#v", struct{ K Key }{*k}),
		"slog text":         textLog.String(),
		"slog json":         jsonLog.String(),
		"json.Marshal":      string(jsonKey),
		"Verify error":      verr.Error(),
		"Verify error %+v":  fmt.Sprintf("%+v", verr),
		"Algorithms %v":     fmt.Sprint(k.Algorithms()),
		"Public %v":         fmt.Sprint(k.Public()),
		"pointer to key %v": fmt.Sprintf("%v", &k),
	}
	for name, out := range outputs {
		for form, leak := range secretForms(secret) {
			assert.NotContains(t, out, leak, "%s of an HMAC key contains the secret (%s form): %s", name, form, out)
		}
	}
	assert.Equal(t, "<nil>", fmt.Sprint((*Key)(nil)), "fmt.Sprint of a nil *Key")
	// The description is still useful.
	assert.Equal(t, `43-byte HMAC secret "hmac-kid" [HS256]`, k.String(), "Key.String()")
	assert.Equal(t, k.String(), fmt.Sprintf("%#v", *k), "fmt %%#v of a Key value should print Key.String()")
}
