package jwks_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

// wycheproofJWKSuite is the schema of json_web_key_test.json
// (json_web_key_schema_v1.json).
type wycheproofJWKSuite struct {
	NumberOfTests int `json:"numberOfTests"`
	TestGroups    []struct {
		Comment string          `json:"comment"`
		Public  json.RawMessage `json:"public"`
		Private json.RawMessage `json:"private"`
		Tests   []struct {
			TcID    int      `json:"tcId"`
			Comment string   `json:"comment"`
			JWS     string   `json:"jws"`
			Result  string   `json:"result"`
			Flags   []string `json:"flags"`
		} `json:"tests"`
	} `json:"testGroups"`
}

// verifyCompactJWS checks a compact JWS against a key source the way the
// verifier does at the JWS level: the header names alg and kid, the source
// returns candidates, and the token is accepted if one of them verifies the
// signature. It returns nil when accepted and the reason otherwise.
func verifyCompactJWS(src jwks.Source, token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return fmt.Errorf("%d parts, want 3", len(parts))
	}
	rawHeader, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(rawHeader, &header); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	if !jwks.IsSupported(header.Alg) {
		return fmt.Errorf("algorithm %q not supported", header.Alg)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	keys, err := src.Keys(context.Background(), jwks.Query{KeyID: header.Kid, Algorithm: header.Alg})
	if err != nil {
		return err
	}
	signed := []byte(parts[0] + "." + parts[1])
	var errs []error
	for _, k := range keys {
		err := k.Verify(header.Alg, signed, sig)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("no key verified: %v", errs)
}

func TestWycheproofJWK(t *testing.T) {
	data, err := os.ReadFile("../testdata/wycheproof/json_web_key_test.json")
	require.NoError(t, err)
	var suite wycheproofJWKSuite
	require.NoError(t, json.Unmarshal(data, &suite))

	var total, valid, invalid, validAccepted, invalidRejected, refusedAtParse int
	for _, g := range suite.TestGroups {
		// Our policy refuses private material, so the public set is used
		// when there is one; groups with only a "private" set hold HMAC
		// secrets, whose "k" is the key itself.
		set, which := g.Public, "public"
		if set == nil {
			set, which = g.Private, "private"
		}
		require.NotNil(t, set, "group %q has neither a public nor a private set", g.Comment)
		src, parseErr := jwks.NewStaticJWKS(set)

		for _, tc := range g.Tests {
			total++
			name := fmt.Sprintf("tc%d_%s_%s", tc.TcID, g.Comment, tc.Comment)
			t.Run(name, func(t *testing.T) {
				var err error
				if parseErr != nil {
					err = fmt.Errorf("key set refused: %w", parseErr)
					refusedAtParse++
				} else {
					err = verifyCompactJWS(src, tc.JWS)
				}
				switch tc.Result {
				case "valid":
					valid++
					if assert.NoError(t, err, "tc %d (%s, %s set, flags %v): valid vector rejected", tc.TcID, g.Comment, which, tc.Flags) {
						validAccepted++
					}
				case "invalid":
					invalid++
					if assert.Error(t, err, "tc %d (%s, %s set, flags %v): invalid vector accepted", tc.TcID, g.Comment, which, tc.Flags) {
						invalidRejected++
						t.Logf("tc %d rejected: %v", tc.TcID, err)
					}
				default:
					t.Errorf("tc %d: unexpected result %q", tc.TcID, tc.Result)
				}
			})
		}
	}
	t.Logf("Wycheproof JWK: %d vectors: valid accepted %d/%d, invalid rejected %d/%d (%d by refusing the key set)",
		total, validAccepted, valid, invalidRejected, invalid, refusedAtParse)
	assert.Equal(t, suite.NumberOfTests, total, "vectors run vs numberOfTests")
	assert.Equal(t, valid, validAccepted, "valid vectors accepted")
	assert.Equal(t, invalid, invalidRejected, "invalid vectors rejected")
	assert.Equal(t, total, valid+invalid)
}
