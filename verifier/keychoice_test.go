package verifier_test

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// kcKeys returns n ES256 private keys and their public keys under id(i).
func kcKeys(t *testing.T, n int, id func(i int) string) ([]*ecdsa.PrivateKey, []*jwks.Key) {
	t.Helper()
	var privs []*ecdsa.PrivateKey
	var keys []*jwks.Key
	for i := range n {
		priv, err := verifiertest.GenerateKey("ES256")
		require.NoError(t, err, "verifiertest.GenerateKey(ES256)")
		p := priv.(*ecdsa.PrivateKey)
		k, err := jwks.NewPublicKey(id(i), &p.PublicKey)
		require.NoError(t, err, "jwks.NewPublicKey")
		privs = append(privs, p)
		keys = append(keys, k)
	}
	return privs, keys
}

// TestAtMostOneSignatureCheck is the regression test for a defect found in
// review: a token without "kid" made the verifier try every key of the set
// that suits its algorithm (with 16 RSA keys, a forged no-kid PS256 token
// cost about 17 times a normal one). A token is now checked against a key
// only when exactly one candidate suits its algorithm; otherwise it is
// refused as signed by an unknown key, without any signature check.
func TestAtMostOneSignatureCheck(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	claims := map[string]any{"iss": "https://issuer.test", "aud": "api", "exp": now.Add(time.Hour).Unix()}
	withIDs, keysWithIDs := kcKeys(t, 16, func(i int) string { return fmt.Sprintf("key-%02d", i) })
	withoutIDs, keysWithoutIDs := kcKeys(t, 3, func(int) string { return "" })
	single, singleKey := kcKeys(t, 1, func(int) string { return "" })

	newVerifier := func(keys []*jwks.Key) *verifier.Verifier {
		src, err := jwks.NewStatic(keys...)
		require.NoError(t, err, "jwks.NewStatic")
		v, err := verifier.New(verifier.Config{
			Issuers: []string{"https://issuer.test"}, Audiences: []string{"api"}, Keys: src,
			Now: func() time.Time { return now }, DisableCache: true,
		})
		require.NoError(t, err, "verifier.New")
		return v
	}
	sign := func(priv *ecdsa.PrivateKey, kid string) string {
		header := map[string]any{}
		if kid != "" {
			header["kid"] = kid
		}
		tok, err := verifiertest.Sign("ES256", priv, header, claims)
		require.NoError(t, err, "verifiertest.Sign")
		return tok
	}
	forger, err := verifiertest.GenerateKey("ES256")
	require.NoError(t, err)

	tests := []struct {
		name  string
		keys  []*jwks.Key
		token string
		want  error // nil: accepted
	}{
		{"kid names one of 16 keys", keysWithIDs, sign(withIDs[15], "key-15"), nil},
		{"no kid, 16 keys with IDs, signed by the last", keysWithIDs, sign(withIDs[15], ""), verifier.ErrUnknownKey},
		{"no kid, 16 keys with IDs, forged", keysWithIDs, sign(forger.(*ecdsa.PrivateKey), ""), verifier.ErrUnknownKey},
		{"unknown kid, 3 keys without IDs, signed by the last", keysWithoutIDs, sign(withoutIDs[2], "other"), verifier.ErrUnknownKey},
		{"no kid, 3 keys without IDs", keysWithoutIDs, sign(withoutIDs[0], ""), verifier.ErrUnknownKey},
		{"no kid, one key", singleKey, sign(single[0], ""), nil},
		{"any kid, one key without ID", singleKey, sign(single[0], "whatever"), nil},
		{"no kid, one key, forged", singleKey, sign(forger.(*ecdsa.PrivateKey), ""), verifier.ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(tt.keys)
			_, err := v.Verify(context.Background(), tt.token)
			if tt.want == nil {
				assert.NoError(t, err, "Verify")
				return
			}
			require.ErrorIs(t, err, tt.want, "Verify returned %v; want %v", err, tt.want)
			if tt.want == verifier.ErrUnknownKey {
				var e *verifier.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, verifier.CheckKeyFound, e.Check, "Verify refused at check %v; want %v", e.Check, verifier.CheckKeyFound)
			}
		})
	}
}
