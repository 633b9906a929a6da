package jwks_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"math/big"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

// collidingRSAPair returns an RSA private key A (e = 65537) and the public
// key B = (n_B, e_B) with n_B = n_A without its last byte and
// e_B = lastbyte(n_A)<<24 | 0x010001, so that B differs from A while the
// concatenations bytes(n)||bytes(e) of the two are equal. n_A is a little
// over 2048 bits, so that n_B still has at least 2048, and its second-to-last
// byte is odd, so that n_B is odd: B passes every check a key must pass.
func collidingRSAPair(t *testing.T) (*rsa.PrivateKey, *rsa.PublicKey) {
	t.Helper()
	for range 64 {
		a, err := rsa.GenerateKey(rand.Reader, 2064)
		require.NoError(t, err, "rsa.GenerateKey(2064)")
		n := a.N.Bytes()
		if n[len(n)-2]&1 == 0 || a.E != 65537 {
			continue
		}
		b := &rsa.PublicKey{N: new(big.Int).SetBytes(n[:len(n)-1]), E: int(n[len(n)-1])<<24 | 0x010001}
		require.Equal(t,
			append(a.N.Bytes(), big.NewInt(int64(a.E)).Bytes()...),
			append(b.N.Bytes(), big.NewInt(int64(b.E)).Bytes()...),
			"test setup: bytes(n)||bytes(e) of A and B differ")
		require.False(t, a.PublicKey.Equal(b), "test setup: B equals A")
		require.GreaterOrEqual(t, b.N.BitLen(), 2048, "test setup: n_B bits")
		return a, b
	}
	t.Fatal("no 2064-bit RSA key with an odd second-to-last modulus byte in 64 tries")
	return nil, nil
}

// rsaPublicJWK returns the JWK of pub with the given kid.
func rsaPublicJWK(kid string, pub *rsa.PublicKey) map[string]any {
	return map[string]any{"kty": "RSA", "kid": kid, "n": b64url(pub.N.Bytes()), "e": b64url(big.NewInt(int64(pub.E)).Bytes())}
}

// TestRemoteReplacedKeyIsNotMistakenForTheOld: the issuer replaces key A by
// key B under the same kid, where B's n and e are A's bytes cut at another
// place. A Remote keeps the identity of keys unchanged by a refresh; if it
// took B for A, tokens of A's private key would still verify, and A would
// stay usable (a cache of verified tokens would keep trusting its results).
func TestRemoteReplacedKeyIsNotMistakenForTheOld(t *testing.T) {
	a, b := collidingRSAPair(t)
	ks := newKeyServer(t, jwksJSON(t, rsaPublicJWK("k", &a.PublicKey)))
	clock := newFakeClock()
	r := ks.remote(t, jwks.RemoteConfig{Now: clock.Now})
	ctx := context.Background()
	query := jwks.Query{KeyID: "k", Algorithm: "RS256"}

	keys, err := r.Keys(ctx, query)
	require.NoError(t, err, "Remote.Keys(kid k) serving key A")
	require.Len(t, keys, 1, "Remote.Keys(kid k) serving key A")
	keyA := keys[0]
	signed, sig := signToken(t, "RS256", a, "k")
	require.NoError(t, keyA.Verify("RS256", signed, sig), "key A: Key.Verify of a token signed by A")
	require.True(t, keyA.Usable(clock.Now()), "key A: Key.Usable while in the set")

	ks.serve(http.StatusOK, jwksJSON(t, rsaPublicJWK("k", b)))
	require.NoError(t, r.Refresh(ctx), "Remote.Refresh after the issuer replaced A by B")
	keys, err = r.Keys(ctx, query)
	require.NoError(t, err, "Remote.Keys(kid k) serving key B")
	require.Len(t, keys, 1, "Remote.Keys(kid k) serving key B")
	keyB := keys[0]

	assert.NotSame(t, keyA, keyB, "Remote.Keys(kid k) after the refresh returned the old *Key of A; want the new key B")
	assert.ErrorIs(t, keyB.Verify("RS256", signed, sig), jwks.ErrSignature,
		"Key.Verify of a token signed by A with the key Remote returns for kid k after A was replaced by B; want a signature mismatch")
	assert.False(t, keyA.Usable(clock.Now()), "key A: Key.Usable after it left the set; want false")
	if pub, ok := keyB.Public().(*rsa.PublicKey); assert.True(t, ok, "Key.Public() of key B = %T", keyB.Public()) {
		assert.True(t, bytes.Equal(b.N.Bytes(), pub.N.Bytes()) && pub.E == b.E, "Key.Public() of the key for kid k after the refresh; want B (n_B, e_B = %#x), got e = %#x", b.E, pub.E)
	}
}
