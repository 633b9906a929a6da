package jwks_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

// equaler is what the public key types of crypto/* implement.
type equaler interface {
	Equal(crypto.PublicKey) bool
}

// TestPublicReturnsACopy changes what Key.Public returned into an attacker's
// key, in each way a caller could, and checks that the key still verifies
// exactly what it verified before: the owner's signatures, not the
// attacker's. A key that handed out its own material would let any code
// holding a *Key change verification for every request.
func TestPublicReturnsACopy(t *testing.T) {
	rsaOwner := rsaTestKey()
	rsaAttacker, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err, "rsa.GenerateKey")
	ecOwner, ecAttacker := genEC(t, elliptic.P256()), genEC(t, elliptic.P256())
	edOwner, edAttacker := genEd25519(t), genEd25519(t)

	tests := []struct {
		name            string
		alg             string
		owner, attacker any // private keys
		pub             crypto.PublicKey
		becomeAttacker  func(pub crypto.PublicKey)
	}{
		{
			name: "RSA: new N and E set", alg: "RS256", owner: rsaOwner, attacker: rsaAttacker, pub: &rsaOwner.PublicKey,
			becomeAttacker: func(pub crypto.PublicKey) {
				p := pub.(*rsa.PublicKey)
				p.N, p.E = rsaAttacker.N, rsaAttacker.E
			},
		},
		{
			name: "RSA: N changed in place", alg: "PS256", owner: rsaOwner, attacker: rsaAttacker, pub: &rsaOwner.PublicKey,
			becomeAttacker: func(pub crypto.PublicKey) { pub.(*rsa.PublicKey).N.Set(rsaAttacker.N) },
		},
		{
			name: "ECDSA: coordinates changed in place", alg: "ES256", owner: ecOwner, attacker: ecAttacker, pub: &ecOwner.PublicKey,
			becomeAttacker: func(pub crypto.PublicKey) {
				p := pub.(*ecdsa.PublicKey)
				x, y := ecBigCoordinates(&ecAttacker.PublicKey)
				//lint:ignore SA1019 a caller may still change the coordinates in place; the key must not follow.
				p.X.Set(x)
				//lint:ignore SA1019 as above, for Y.
				p.Y.Set(y)
			},
		},
		{
			name: "ECDSA: new coordinates set", alg: "ES256", owner: ecOwner, attacker: ecAttacker, pub: &ecOwner.PublicKey,
			becomeAttacker: func(pub crypto.PublicKey) {
				p := pub.(*ecdsa.PublicKey)
				x, y := ecBigCoordinates(&ecAttacker.PublicKey)
				//lint:ignore SA1019 a caller may still set new coordinates; the key must not follow.
				p.X, p.Y = x, y
			},
		},
		{
			name: "Ed25519: slice overwritten", alg: "EdDSA", owner: edOwner, attacker: edAttacker, pub: edOwner.Public(),
			becomeAttacker: func(pub crypto.PublicKey) { copy(pub.(ed25519.PublicKey), edAttacker.Public().(ed25519.PublicKey)) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := publicKey(t, "k", tt.pub)
			good, goodSig := signToken(t, tt.alg, tt.owner, "k")
			forged, forgedSig := signToken(t, tt.alg, tt.attacker, "k")
			require.NoError(t, k.Verify(tt.alg, good, goodSig), "Key.Verify(%s) of the owner's token before any change", tt.alg)
			require.ErrorIs(t, k.Verify(tt.alg, forged, forgedSig), jwks.ErrSignature, "Key.Verify(%s) of a forged token before any change", tt.alg)

			got := k.Public()
			require.True(t, got.(equaler).Equal(tt.pub), "Key.Public() = %v; want the key it was made from", got)
			tt.becomeAttacker(got)
			require.False(t, got.(equaler).Equal(tt.pub), "test setup: the change did not alter what Key.Public returned")

			assert.NoError(t, k.Verify(tt.alg, good, goodSig),
				"Key.Verify(%s) of the owner's token after the caller changed what Key.Public returned; want it still accepted", tt.alg)
			assert.ErrorIs(t, k.Verify(tt.alg, forged, forgedSig), jwks.ErrSignature,
				"Key.Verify(%s) of the attacker's token after the caller made Key.Public's result the attacker's key; want it still refused", tt.alg)
			again := k.Public()
			assert.True(t, again.(equaler).Equal(tt.pub), "second Key.Public() after the caller changed the first = %v; want the original key", again)
		})
	}

	t.Run("HMAC secret", func(t *testing.T) {
		assert.Nil(t, secretKey(t, "s", make([]byte, 32)).Public(), "Key.Public() of an HMAC secret; want nil")
	})
}
