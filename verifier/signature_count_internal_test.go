package verifier

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

// scToken signs an HS256 token with secret.
func scToken(t *testing.T, kid string, secret []byte, exp time.Time) string {
	t.Helper()
	header := map[string]any{"alg": "HS256"}
	if kid != "" {
		header["kid"] = kid
	}
	h, err := json.Marshal(header)
	require.NoError(t, err)
	p, err := json.Marshal(map[string]any{"iss": "https://issuer.test", "aud": "api", "exp": exp.Unix()})
	require.NoError(t, err)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// TestSignatureChecksPerToken counts the signature checks Verify makes for
// every combination of key set and token "kid": never more than one, and
// exactly one when a token is accepted.
func TestSignatureChecksPerToken(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	secret := func(i int) []byte { return []byte(fmt.Sprintf("secret number %02d, long enough for HS256", i)) }
	sets := map[string][]*jwks.Key{}
	for _, shape := range []struct {
		name      string
		n         int
		withIDs   bool
		firstNoID bool
	}{{"one key with ID", 1, true, false}, {"one key without ID", 1, false, false}, {"16 keys with IDs", 16, true, false},
		{"16 keys without IDs", 16, false, false}, {"16 keys, the first without ID", 16, true, true}} {
		for i := range shape.n {
			id := ""
			if shape.withIDs && !(shape.firstNoID && i == 0) {
				id = fmt.Sprintf("k%02d", i)
			}
			k, err := jwks.NewSecret(id, secret(i))
			require.NoError(t, err)
			sets[shape.name] = append(sets[shape.name], k)
		}
	}
	kids := []string{"", "k00", "k01", "k15", "unknown"}
	for name, keys := range sets {
		src, err := jwks.NewStatic(keys...)
		require.NoError(t, err)
		v, err := New(Config{Issuers: []string{"https://issuer.test"}, Audiences: []string{"api"}, Keys: src,
			Now: func() time.Time { return now }, DisableCache: true})
		require.NoError(t, err)
		checks := 0
		v.verifySignature = func(k *jwks.Key, alg string, signed, sig []byte) error {
			checks++
			return k.Verify(alg, signed, sig)
		}
		for _, kid := range kids {
			for signer := range len(keys) + 1 { // the last is no key of the set
				t.Run(fmt.Sprintf("%s/kid %q/signer %d", name, kid, signer), func(t *testing.T) {
					key := secret(signer)
					if signer == len(keys) {
						key = []byte("a secret that no key of the set holds")
					}
					checks = 0
					_, err := v.Verify(context.Background(), scToken(t, kid, key, now.Add(time.Hour)))
					assert.LessOrEqual(t, checks, 1, "signature checks for one token; Verify returned %v", err)
					if err == nil {
						assert.Equal(t, 1, checks, "signature checks for an accepted token")
					}
				})
			}
		}
	}
}
