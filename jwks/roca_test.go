package jwks

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	mathrand "math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wycheproofRSAModuli returns the RSA public keys of the Wycheproof vectors:
// name -> modulus, from the JWK suite (public sets) and the RSA signature
// suites.
func wycheproofRSAModuli(t *testing.T) map[string]*big.Int {
	t.Helper()
	out := map[string]*big.Int{}

	var jwkSuite struct {
		TestGroups []struct {
			Comment string `json:"comment"`
			Public  *struct {
				Keys []struct {
					Kty string `json:"kty"`
					Kid string `json:"kid"`
					N   string `json:"n"`
				} `json:"keys"`
			} `json:"public"`
		} `json:"testGroups"`
	}
	readJSON(t, "../testdata/wycheproof/json_web_key_test.json", &jwkSuite)
	for _, g := range jwkSuite.TestGroups {
		if g.Public == nil {
			continue
		}
		for _, k := range g.Public.Keys {
			if k.Kty != "RSA" {
				continue
			}
			n, err := base64.RawURLEncoding.DecodeString(k.N)
			require.NoError(t, err, "modulus of %s/%s", g.Comment, k.Kid)
			out["json_web_key_test.json "+g.Comment+"/"+k.Kid] = new(big.Int).SetBytes(n)
		}
	}

	for _, file := range []string{"rsa_signature_2048_sha256_test.json", "rsa_pss_2048_sha256_mgf1_32_test.json"} {
		var suite struct {
			TestGroups []struct {
				PublicKey struct {
					Modulus string `json:"modulus"`
				} `json:"publicKey"`
			} `json:"testGroups"`
		}
		readJSON(t, "../testdata/wycheproof/"+file, &suite)
		for i, g := range suite.TestGroups {
			n, err := hex.DecodeString(g.PublicKey.Modulus)
			require.NoError(t, err, "modulus of %s group %d", file, i)
			out[fmt.Sprintf("%s group %d", file, i)] = new(big.Int).SetBytes(n)
		}
	}
	return out
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err, "reading %s", path)
	require.NoError(t, json.Unmarshal(data, v), "decoding %s", path)
}

func TestROCAWycheproofKey(t *testing.T) {
	moduli := wycheproofRSAModuli(t)
	var roca *big.Int
	for name, n := range moduli {
		if strings.Contains(name, "jws_rsa_roca_key") {
			roca = n
		}
	}
	require.NotNil(t, roca, "the Wycheproof JWK suite should hold the jws_rsa_roca_key group")

	assert.True(t, hasROCAFingerprint(roca), "hasROCAFingerprint(Wycheproof ROCA modulus) = false; want true")
	k, err := NewPublicKey("roca", &rsa.PublicKey{N: roca, E: 65537})
	require.Error(t, err, "NewPublicKey(ROCA key) = %v; want a refusal", k)
	assert.Contains(t, err.Error(), "ROCA", "NewPublicKey(ROCA key) error")
	assert.Contains(t, err.Error(), "CVE-2017-15361", "NewPublicKey(ROCA key) error")

	jwk := rsaJWK("roca", &rsa.PublicKey{N: roca, E: 65537}).with("alg", "RS256").json(t)
	k, err = ParseJWK(jwk)
	require.Error(t, err, "ParseJWK(ROCA key) = %v; want a refusal", k)
	assert.Contains(t, err.Error(), "ROCA", "ParseJWK(ROCA key) error")

	// The fingerprint is a property of the modulus alone, not of its size.
	for name, n := range moduli {
		if n == roca {
			continue
		}
		assert.False(t, hasROCAFingerprint(n), "hasROCAFingerprint(%s) = true; want false", name)
	}
}

func TestROCANoFalsePositives(t *testing.T) {
	t.Parallel()
	// Real moduli: the shared test key and three fresh ones, generated in
	// parallel to keep the test cheap.
	moduli := []*big.Int{testRSAKey().N}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				t.Errorf("rsa.GenerateKey: %v", err)
				return
			}
			mu.Lock()
			moduli = append(moduli, k.N)
			mu.Unlock()
		})
	}
	wg.Wait()
	require.Len(t, moduli, 4)
	for i, n := range moduli {
		assert.False(t, hasROCAFingerprint(n), "hasROCAFingerprint(generated modulus %d) = true; want false", i)
		_, err := NewPublicKey("", &rsa.PublicKey{N: n, E: 65537})
		assert.NoError(t, err, "NewPublicKey(generated key %d)", i)
	}

	// Uniformly random odd numbers: the detector flags a random residue
	// with negligible probability, so none of these may be flagged.
	rng := mathrand.New(mathrand.NewPCG(3, 4))
	buf := make([]byte, 256)
	flagged := 0
	for range 5000 {
		for i := range buf {
			buf[i] = byte(rng.Uint32())
		}
		buf[0] |= 0x80
		buf[len(buf)-1] |= 1
		if hasROCAFingerprint(new(big.Int).SetBytes(buf)) {
			flagged++
		}
	}
	assert.Zero(t, flagged, "hasROCAFingerprint flagged %d of 5000 random odd 2048-bit numbers; want 0", flagged)
}

// TestROCAFingerprintSynthetic builds numbers with the RSALib structure
// (a power of 65537 modulo every small prime of the check) and checks they
// are flagged, and that breaking the structure at any one prime clears them.
func TestROCAFingerprintSynthetic(t *testing.T) {
	m := big.NewInt(1)
	for _, p := range rocaPrimes {
		m.Mul(m, big.NewInt(p))
	}
	g := big.NewInt(65537)
	base := new(big.Int).Lsh(big.NewInt(1), 2047)
	for _, a := range []int64{1, 2, 37, 1000, 123456789} {
		// n = k*M + 65537^a mod M, with k chosen so that n has 2048 bits.
		residue := new(big.Int).Exp(g, big.NewInt(a), m)
		k := new(big.Int).Div(base, m)
		n := new(big.Int).Add(new(big.Int).Mul(k.Add(k, big.NewInt(1)), m), residue)
		assert.True(t, hasROCAFingerprint(n), "hasROCAFingerprint(k*M + 65537^%d mod M) = false; want true", a)

		// Adding M/p changes the residue modulo p only (for p | M), to
		// residue + M/p mod p; whenever that is not a power of 65537 the
		// number must no longer be flagged.
		for i, p := range rocaPrimes {
			bp := big.NewInt(p)
			shifted := new(big.Int).Add(n, new(big.Int).Div(m, bp))
			r := new(big.Int).Mod(shifted, bp).Int64()
			if rocaTables()[i][r] {
				continue // still a power of 65537 modulo p
			}
			assert.False(t, hasROCAFingerprint(shifted), "hasROCAFingerprint with the residue mod %d changed to %d = true; want false", p, r)
		}
	}
}

func TestROCATables(t *testing.T) {
	tables := rocaTables()
	require.Len(t, tables, len(rocaPrimes))
	for i, p := range rocaPrimes {
		want := make([]bool, p)
		x := big.NewInt(1)
		g := big.NewInt(65537 % p)
		bp := big.NewInt(p)
		for range p {
			want[x.Int64()] = true
			x.Mul(x, g).Mod(x, bp)
		}
		assert.Equal(t, want, tables[i], "rocaTables()[%d] (p=%d): the powers of 65537 modulo p", i, p)
		assert.False(t, tables[i][0], "0 is never a power of 65537 modulo %d", p)
	}
}
