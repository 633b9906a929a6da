package jwks_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// Helpers shared by the external test files of this package.

// rsaTestKey is one 2048-bit RSA key for every external test (generation
// costs about 50 ms; no test needs a fresh one).
var rsaTestKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func genEC(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	require.NoError(t, err, "ecdsa.GenerateKey(%s)", c.Params().Name)
	return k
}

func genEd25519(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return k
}

func publicKey(t testing.TB, id string, pub crypto.PublicKey) *jwks.Key {
	t.Helper()
	k, err := jwks.NewPublicKey(id, pub)
	require.NoError(t, err, "NewPublicKey(%q, %T)", id, pub)
	return k
}

func secretKey(t testing.TB, id string, secret []byte) *jwks.Key {
	t.Helper()
	k, err := jwks.NewSecret(id, secret)
	require.NoError(t, err, "NewSecret(%q, %d bytes)", id, len(secret))
	return k
}

// signToken signs a small token with verifiertest.SignRaw and returns its
// signing input and decoded signature, the two arguments of Key.Verify.
func signToken(t testing.TB, alg string, priv any, kid string) (signed, sig []byte) {
	t.Helper()
	header := fmt.Sprintf(`{"alg":%q,"kid":%q}`, alg, kid)
	tok, err := verifiertest.SignRaw(alg, priv, []byte(header), []byte(`{"sub":"test"}`))
	require.NoError(t, err, "verifiertest.SignRaw(%s)", alg)
	i := strings.LastIndexByte(tok, '.')
	sig, err = base64.RawURLEncoding.DecodeString(tok[i+1:])
	require.NoError(t, err)
	return []byte(tok[:i]), sig
}

// verifiesWith reports whether any of keys verifies sig over signed.
func verifiesWith(keys []*jwks.Key, alg string, signed, sig []byte) bool {
	for _, k := range keys {
		if k.Verify(alg, signed, sig) == nil {
			return true
		}
	}
	return false
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

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

// ecBigCoordinates is ecCoordinates as big.Int values.
func ecBigCoordinates(pub *ecdsa.PublicKey) (x, y *big.Int) {
	xb, yb := ecCoordinates(pub)
	return new(big.Int).SetBytes(xb), new(big.Int).SetBytes(yb)
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

// ecJWK returns the public JWK of k with the given kid and extra members.
func ecJWK(kid string, k *ecdsa.PrivateKey, extra ...string) map[string]any {
	x, y := ecCoordinates(&k.PublicKey)
	m := map[string]any{"kty": "EC", "crv": k.Curve.Params().Name, "kid": kid, "x": b64url(x), "y": b64url(y)}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

func jwksJSON(t testing.TB, keys ...map[string]any) []byte {
	t.Helper()
	if keys == nil {
		keys = []map[string]any{}
	}
	b, err := json.Marshal(map[string]any{"keys": keys})
	require.NoError(t, err)
	return b
}

func ids(keys []*jwks.Key) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.ID()
	}
	return out
}

func TestStaticKeys(t *testing.T) {
	rsaPriv := rsaTestKey()
	ecB := genEC(t, elliptic.P256())
	ecNoID := genEC(t, elliptic.P256())
	ecC := genEC(t, elliptic.P384())
	a := publicKey(t, "a", &rsaPriv.PublicKey)
	b := publicKey(t, "b", &ecB.PublicKey)
	c := publicKey(t, "c", &ecC.PublicKey)
	noID := publicKey(t, "", &ecNoID.PublicKey)
	withNoID, err := jwks.NewStatic(a, b, c, noID)
	require.NoError(t, err)
	onlyIDs, err := jwks.NewStatic(a, b, c)
	require.NoError(t, err)

	tests := []struct {
		name    string
		src     *jwks.Static
		q       jwks.Query
		want    []*jwks.Key
		wantErr error
	}{
		{"kid a", withNoID, jwks.Query{KeyID: "a", Algorithm: "RS256"}, []*jwks.Key{a}, nil},
		{"kid b", withNoID, jwks.Query{KeyID: "b", Algorithm: "ES256"}, []*jwks.Key{b}, nil},
		// The source matches by kid only; the verifier checks the algorithm.
		{"kid a, alg of another key", withNoID, jwks.Query{KeyID: "a", Algorithm: "ES256"}, []*jwks.Key{a}, nil},
		{"unknown kid falls back to ID-less keys", withNoID, jwks.Query{KeyID: "zzz", Algorithm: "ES256"}, []*jwks.Key{noID}, nil},
		{"unknown kid without ID-less keys", onlyIDs, jwks.Query{KeyID: "zzz", Algorithm: "ES256"}, nil, jwks.ErrKeyNotFound},
		{"no kid: every key for ES256", withNoID, jwks.Query{Algorithm: "ES256"}, []*jwks.Key{b, noID}, nil},
		{"no kid: every key for RS256", withNoID, jwks.Query{Algorithm: "RS256"}, []*jwks.Key{a}, nil},
		{"no kid: every key for PS512", withNoID, jwks.Query{Algorithm: "PS512"}, []*jwks.Key{a}, nil},
		{"no kid: every key for ES384", withNoID, jwks.Query{Algorithm: "ES384"}, []*jwks.Key{c}, nil},
		{"no kid: no key for ES512", withNoID, jwks.Query{Algorithm: "ES512"}, nil, jwks.ErrKeyNotFound},
		{"no kid: no key for HS256", withNoID, jwks.Query{Algorithm: "HS256"}, nil, jwks.ErrKeyNotFound},
		{"no kid, no alg", withNoID, jwks.Query{}, nil, jwks.ErrKeyNotFound},
		{"issuer is ignored", withNoID, jwks.Query{Issuer: "https://other.example", KeyID: "b", Algorithm: "ES256"}, []*jwks.Key{b}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.src.Keys(context.Background(), tt.q)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr, "Static.Keys(%+v) = %v, %v", tt.q, ids(got), err)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err, "Static.Keys(%+v)", tt.q)
			assert.Equal(t, tt.want, got, "Static.Keys(%+v) = %v; want %v", tt.q, ids(got), ids(tt.want))
			for i := range got {
				assert.Same(t, tt.want[i], got[i], "Static.Keys should return the keys it was built with")
			}
		})
	}
}

func TestStaticVerifiesKidlessToken(t *testing.T) {
	// A key without ID verifies a token whatever kid the issuer wrote.
	priv := genEC(t, elliptic.P256())
	s, err := jwks.NewStatic(publicKey(t, "", &priv.PublicKey))
	require.NoError(t, err)
	for _, kid := range []string{"", "issuer-chose-this"} {
		signed, sig := signToken(t, "ES256", priv, kid)
		keys, err := s.Keys(context.Background(), jwks.Query{KeyID: kid, Algorithm: "ES256"})
		require.NoError(t, err, "Static.Keys(kid %q)", kid)
		assert.True(t, verifiesWith(keys, "ES256", signed, sig), "token with kid %q did not verify with the ID-less key", kid)
	}
}

func TestNewStaticRefuses(t *testing.T) {
	ec := genEC(t, elliptic.P256())
	k1 := publicKey(t, "k1", &ec.PublicKey)
	k1Again := publicKey(t, "k1", &genEC(t, elliptic.P256()).PublicKey)
	hs := secretKey(t, "hs", bytes.Repeat([]byte{1}, 32))

	tests := []struct {
		name    string
		keys    []*jwks.Key
		wantMsg string
	}{
		{"empty", nil, "empty"},
		{"nil key", []*jwks.Key{k1, nil}, "static key 1 is nil"},
		{"duplicate IDs", []*jwks.Key{k1, k1Again}, `two static keys have ID "k1"`},
		{"same key twice", []*jwks.Key{k1, k1}, `ID "k1"`},
		{"secret and public key", []*jwks.Key{k1, hs}, "must not mix HMAC secrets with public keys"},
		{"public key and secret", []*jwks.Key{hs, k1}, "must not mix HMAC secrets with public keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := jwks.NewStatic(tt.keys...)
			require.Error(t, err, "NewStatic(%v) = %v; want an error", tt.keys, s)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), tt.wantMsg, "NewStatic(%s) error", tt.name)
		})
	}

	t.Run("several ID-less keys are fine", func(t *testing.T) {
		s, err := jwks.NewStatic(publicKey(t, "", &ec.PublicKey), publicKey(t, "", &genEC(t, elliptic.P384()).PublicKey))
		require.NoError(t, err, "NewStatic of two keys without ID")
		assert.Len(t, s.All(), 2)
	})
	t.Run("secrets only", func(t *testing.T) {
		s, err := jwks.NewStatic(hs, secretKey(t, "hs2", bytes.Repeat([]byte{2}, 64)))
		require.NoError(t, err, "NewStatic of two secrets")
		keys, err := s.Keys(context.Background(), jwks.Query{Algorithm: "HS512"})
		require.NoError(t, err)
		assert.Equal(t, []string{"hs2"}, ids(keys), "Keys(HS512): only the 64-byte secret supports HS512")
	})
}

func TestNewStaticJWKS(t *testing.T) {
	priv := genEC(t, elliptic.P256())
	s, err := jwks.NewStaticJWKS(jwksJSON(t, ecJWK("e1", priv, "alg", "ES256")))
	require.NoError(t, err, "NewStaticJWKS of a valid set")
	keys, err := s.Keys(context.Background(), jwks.Query{KeyID: "e1", Algorithm: "ES256"})
	require.NoError(t, err)
	signed, sig := signToken(t, "ES256", priv, "e1")
	assert.True(t, verifiesWith(keys, "ES256", signed, sig), "key from NewStaticJWKS does not verify its token")

	for name, doc := range map[string][]byte{
		"empty set":    jwksJSON(t),
		"enc key":      jwksJSON(t, ecJWK("e1", priv, "use", "enc")),
		"one bad key":  jwksJSON(t, ecJWK("e1", priv), ecJWK("e2", priv, "alg", "ES384")),
		"not JSON":     []byte("nope"),
		"duplicate ID": jwksJSON(t, ecJWK("e1", priv), ecJWK("e1", genEC(t, elliptic.P256()))),
	} {
		s, err := jwks.NewStaticJWKS(doc)
		assert.Error(t, err, "NewStaticJWKS(%s) = %v; want an error", name, s)
		assert.Nil(t, s, "NewStaticJWKS(%s)", name)
	}
}

func TestStaticNeverBlocks(t *testing.T) {
	priv := genEC(t, elliptic.P256())
	s, err := jwks.NewStatic(publicKey(t, "k", &priv.PublicKey))
	require.NoError(t, err)

	// A cancelled context changes nothing: Static does no I/O.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	keys, err := s.Keys(ctx, jwks.Query{KeyID: "k", Algorithm: "ES256"})
	require.NoError(t, err, "Static.Keys with a cancelled context")
	assert.Equal(t, []string{"k"}, ids(keys))
	_, err = s.Keys(ctx, jwks.Query{KeyID: "other", Algorithm: "ES256"})
	assert.ErrorIs(t, err, jwks.ErrKeyNotFound, "Static.Keys(unknown kid) with a cancelled context")
	assert.NotErrorIs(t, err, jwks.ErrUnavailable, "Static.Keys never reports ErrUnavailable")
	assert.NotErrorIs(t, err, context.Canceled, "Static.Keys ignores its context")

	// Safe for concurrent use (run with -race).
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for range 100 {
				keys, err := s.Keys(context.Background(), jwks.Query{Algorithm: "ES256"})
				if err != nil || len(keys) != 1 {
					t.Errorf("concurrent Static.Keys = %v, %v; want one key", ids(keys), err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestStaticSlicesAreCopies(t *testing.T) {
	k1 := publicKey(t, "k1", &genEC(t, elliptic.P256()).PublicKey)
	k2 := publicKey(t, "k2", &genEC(t, elliptic.P256()).PublicKey)
	in := []*jwks.Key{k1, k2}
	s, err := jwks.NewStatic(in...)
	require.NoError(t, err)

	in[0] = nil // NewStatic copied its argument
	all := s.All()
	require.Equal(t, []*jwks.Key{k1, k2}, all, "Static.All() after the caller modified the slice given to NewStatic")

	all[0], all[1] = nil, nil // All returns a copy the caller owns
	assert.Equal(t, []*jwks.Key{k1, k2}, s.All(), "Static.All() after the caller modified an earlier result")

	// Keys returns a slice owned by the source: callers must not modify it
	// (see Source). Reading it twice gives the same keys.
	got1, err := s.Keys(context.Background(), jwks.Query{Algorithm: "ES256"})
	require.NoError(t, err)
	got2, err := s.Keys(context.Background(), jwks.Query{Algorithm: "ES256"})
	require.NoError(t, err)
	assert.Equal(t, got1, got2)
	assert.Equal(t, []string{"k1", "k2"}, ids(got1))
}
