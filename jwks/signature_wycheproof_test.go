package jwks_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

// wycheproofSigSuite covers the schemas of the signature files used here:
// ecdsa_p1363_verify_schema_v1, eddsa_verify_schema_v1,
// rsassa_pkcs1_verify_schema_v1 and rsassa_pss_verify_schema_v1. Messages
// and signatures are hex; keys are an uncompressed point (ECDSA), the raw
// 32-byte key (EdDSA) or a DER SubjectPublicKeyInfo (RSA).
type wycheproofSigSuite struct {
	Algorithm     string `json:"algorithm"`
	NumberOfTests int    `json:"numberOfTests"`
	TestGroups    []struct {
		PublicKey struct {
			Curve        string `json:"curve"`
			Uncompressed string `json:"uncompressed"` // ECDSA
			PK           string `json:"pk"`           // EdDSA
		} `json:"publicKey"`
		PublicKeyDer string `json:"publicKeyDer"`
		SHA          string `json:"sha"`
		MGFSha       string `json:"mgfSha"`
		SLen         *int   `json:"sLen"`
		Tests        []struct {
			TcID    int      `json:"tcId"`
			Comment string   `json:"comment"`
			Flags   []string `json:"flags"`
			Msg     string   `json:"msg"`
			Sig     string   `json:"sig"`
			Result  string   `json:"result"`
		} `json:"tests"`
	} `json:"testGroups"`
}

func TestWycheproofSignatures(t *testing.T) {
	t.Parallel()
	files := []struct {
		file string
		alg  string
		sha  string
		key  func(t *testing.T, uncompressed, pk, der []byte) (crypto.PublicKey, error)
	}{
		{"ecdsa_secp256r1_sha256_p1363_test.json", "ES256", "SHA-256", func(_ *testing.T, u, _, _ []byte) (crypto.PublicKey, error) {
			return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), u)
		}},
		{"ecdsa_secp384r1_sha384_p1363_test.json", "ES384", "SHA-384", func(_ *testing.T, u, _, _ []byte) (crypto.PublicKey, error) {
			return ecdsa.ParseUncompressedPublicKey(elliptic.P384(), u)
		}},
		{"ed25519_test.json", "EdDSA", "", func(_ *testing.T, _, pk, _ []byte) (crypto.PublicKey, error) {
			return ed25519.PublicKey(pk), nil
		}},
		{"rsa_signature_2048_sha256_test.json", "RS256", "SHA-256", func(_ *testing.T, _, _, der []byte) (crypto.PublicKey, error) {
			return x509.ParsePKIXPublicKey(der)
		}},
		{"rsa_pss_2048_sha256_mgf1_32_test.json", "PS256", "SHA-256", func(_ *testing.T, _, _, der []byte) (crypto.PublicKey, error) {
			return x509.ParsePKIXPublicKey(der)
		}},
	}
	for _, f := range files {
		t.Run(f.file, func(t *testing.T) {
			t.Parallel() // the files are independent; this keeps -race runs short
			data, err := os.ReadFile("../testdata/wycheproof/" + f.file)
			require.NoError(t, err)
			var suite wycheproofSigSuite
			require.NoError(t, json.Unmarshal(data, &suite))

			var total, valid, validOK, invalid, invalidOK, acceptable, acceptableVerified, keyRefused, keyRefusedValid int
			for gi, g := range suite.TestGroups {
				if f.sha != "" {
					require.Equal(t, f.sha, g.SHA, "group %d hash; %s needs %s", gi, f.alg, f.sha)
				}
				if g.SLen != nil {
					// PS256 (RFC 7518 section 3.5): MGF1 with SHA-256 and a
					// salt as long as the hash.
					require.Equal(t, 32, *g.SLen, "group %d salt length", gi)
					require.Equal(t, "SHA-256", g.MGFSha, "group %d MGF hash", gi)
				}
				u, err := hex.DecodeString(g.PublicKey.Uncompressed)
				require.NoError(t, err)
				pk, err := hex.DecodeString(g.PublicKey.PK)
				require.NoError(t, err)
				der, err := hex.DecodeString(g.PublicKeyDer)
				require.NoError(t, err)
				pub, err := f.key(t, u, pk, der)
				require.NoError(t, err, "group %d: building the public key with crypto/*", gi)

				key, keyErr := jwks.NewPublicKey("", pub)
				if keyErr != nil {
					// Our policy refuses this key: none of its vectors may
					// be one that must verify.
					for _, tc := range g.Tests {
						total++
						keyRefused++
						if tc.Result == "valid" {
							keyRefusedValid++
							t.Errorf("tc %d: key refused (%v) but the vector is valid", tc.TcID, keyErr)
						}
					}
					t.Logf("group %d: key refused by policy: %v", gi, keyErr)
					continue
				}
				require.True(t, key.Supports(f.alg), "key of group %d does not support %s", gi, f.alg)

				for _, tc := range g.Tests {
					total++
					msg, err := hex.DecodeString(tc.Msg)
					require.NoError(t, err, "tc %d msg", tc.TcID)
					sig, err := hex.DecodeString(tc.Sig)
					require.NoError(t, err, "tc %d sig", tc.TcID)
					verr := key.Verify(f.alg, msg, sig)
					switch tc.Result {
					case "valid":
						valid++
						if assert.NoError(t, verr, "tc %d (%s, flags %v): Key.Verify(%s) of a valid vector", tc.TcID, tc.Comment, tc.Flags, f.alg) {
							validOK++
						}
					case "invalid":
						invalid++
						if assert.ErrorIs(t, verr, jwks.ErrSignature, "tc %d (%s, flags %v): Key.Verify(%s) of an invalid vector", tc.TcID, tc.Comment, tc.Flags, f.alg) {
							invalidOK++
						}
					case "acceptable":
						acceptable++
						outcome := "rejected"
						if verr == nil {
							acceptableVerified++
							outcome = "verified"
						}
						t.Logf("acceptable tc %d (%s, flags %v): %s", tc.TcID, tc.Comment, tc.Flags, outcome)
					default:
						t.Errorf("tc %d: unknown result %q", tc.TcID, tc.Result)
					}
				}
			}
			t.Logf("%s (%s): %d vectors: valid verified %d/%d, invalid rejected %d/%d, acceptable %d (%d verified, %d rejected), key refused %d (%d of them valid)",
				f.file, f.alg, total, validOK, valid, invalidOK, invalid,
				acceptable, acceptableVerified, acceptable-acceptableVerified, keyRefused, keyRefusedValid)
			assert.Equal(t, suite.NumberOfTests, total, "vectors run vs numberOfTests")
			assert.Equal(t, total, valid+invalid+acceptable+keyRefused, "every vector counted once")
			assert.Equal(t, valid, validOK, "valid vectors verified")
			assert.Equal(t, invalid, invalidOK, "invalid vectors rejected")
			assert.Zero(t, keyRefusedValid, "valid vectors whose key our policy refuses")
			assert.Positive(t, valid, "a suite without valid vectors tests nothing")
			assert.Positive(t, invalid, "a suite without invalid vectors tests nothing")
		})
	}
}

// TestWycheproofSignaturesFormat checks that the fixtures are what this test
// expects; a silently empty suite would make the test above pass vacuously.
func TestWycheproofSignaturesFormat(t *testing.T) {
	for file, wantAlg := range map[string]string{
		"ecdsa_secp256r1_sha256_p1363_test.json": "ECDSA",
		"ecdsa_secp384r1_sha384_p1363_test.json": "ECDSA",
		"ed25519_test.json":                      "EDDSA",
		"rsa_signature_2048_sha256_test.json":    "RSASSA-PKCS1-v1_5",
		"rsa_pss_2048_sha256_mgf1_32_test.json":  "RSASSA-PSS",
	} {
		data, err := os.ReadFile("../testdata/wycheproof/" + file)
		require.NoError(t, err)
		var suite wycheproofSigSuite
		require.NoError(t, json.Unmarshal(data, &suite))
		assert.Equal(t, wantAlg, suite.Algorithm, "%s algorithm", file)
		n := 0
		for _, g := range suite.TestGroups {
			n += len(g.Tests)
		}
		assert.Equal(t, suite.NumberOfTests, n, fmt.Sprintf("%s: tests listed vs numberOfTests", file))
		assert.Positive(t, n, "%s has no tests", file)
	}
}
