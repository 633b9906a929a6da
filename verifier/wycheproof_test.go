package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

// Project Wycheproof's JSON Web Signature vectors, run through the
// verifier's own JWS path: parseCompact, the algorithm allowlist, the strict
// payload decoding Verify does, and Verifier.checkSignature with a static
// key source holding the group's key. The payloads are not JWT claims, so
// Verify itself is not called.

const wpJWSFile = "../testdata/wycheproof/json_web_signature_test.json"

type wpFile struct {
	NumberOfTests int       `json:"numberOfTests"`
	TestGroups    []wpGroup `json:"testGroups"`
}

type wpGroup struct {
	Comment string          `json:"comment"`
	Public  json.RawMessage `json:"public"`
	Private json.RawMessage `json:"private"`
	Tests   []wpVector      `json:"tests"`
}

type wpVector struct {
	TcID    int             `json:"tcId"`
	Comment string          `json:"comment"`
	JWS     json.RawMessage `json:"jws"` // a string, or an object for JSON serialization
	Result  string          `json:"result"`
	Flags   []string        `json:"flags"`
}

// wpDeviation is a vector whose expected result we knowingly do not
// produce, and what we produce instead.
type wpDeviation struct {
	accept    bool  // we accept an "invalid" vector
	reason    error // or we reject a "valid" one for this reason
	keyPolicy bool  // or the group's key is refused
	why       string
}

// wpDeviations lists the vectors of json_web_signature_test.json (Wycheproof
// commit in testdata/wycheproof/SOURCE.txt) that are defective or that our
// stricter rules reject. Each is checked to behave exactly as stated.
var wpDeviations = map[int]wpDeviation{
	346: {reason: ErrAlgorithm, why: `RFC 7520 figure 20 is signed with PS384, but the group's key says "alg":"PS256"; a JWK's "alg" restricts the key to that algorithm`},
	350: {reason: ErrAlgorithm, why: `as 346, with "key_ops":["verify"]`},
	347: {keyPolicy: true, why: `the group's key says "alg":"ES521", which is no JWS algorithm (ES512 is), so the key is refused`},
	351: {keyPolicy: true, why: `as 347, with "key_ops":["verify"]`},
	367: {accept: true, why: `"invalidBase64Padding" is byte for byte the valid vector 357: the padding it is named for is not in the file`},
	370: {accept: true, why: `"invalidBase64PaddingInPayload" is byte for byte the valid vector 357`},
	372: {reason: ErrMalformed, why: `a '?' inside the header is outside the base64url alphabet; we do not skip characters`},
	373: {reason: ErrMalformed, why: `a '?' inside the payload is outside the base64url alphabet; we do not skip characters`},
}

// wpCheck runs token through the verifier's JWS path with v.
func wpCheck(ctx context.Context, v *Verifier, token string) error {
	j := new(parser)
	if err := j.split(token, jwks.Algorithms(), nil); err != nil {
		return err
	}
	if !slices.Contains(jwks.Algorithms(), j.header.alg) {
		return reject(CheckAlgorithm, ErrAlgorithm, fmt.Errorf("%q is not in the allowlist", j.header.alg))
	}
	// Verify decodes the payload strictly before it checks the signature.
	if j.payloadErr != nil {
		return j.payloadErr
	}
	q := jwks.Query{KeyID: j.header.kid, Algorithm: j.header.alg}
	_, err := v.checkSignature(ctx, j, q)
	return err
}

// wpReasonName names the reason an error matches, for the counts.
func wpReasonName(err error) string {
	for _, r := range jrReasons {
		if errors.Is(err, r) {
			return r.(*reason).desc
		}
	}
	return "not a rejection: " + err.Error()
}

// wpReferenceVerify verifies token with jwx, the reference implementation,
// under the group's key.
func wpReferenceVerify(keyJSON []byte, token string) error {
	key, err := jwk.ParseKey(keyJSON)
	if err != nil {
		return err
	}
	msg, err := jws.Parse([]byte(token), jws.WithCompact())
	if err != nil {
		return err
	}
	alg, ok := msg.Signatures()[0].ProtectedHeaders().Algorithm()
	if !ok {
		return errors.New("no alg")
	}
	if _, ok := jwa.LookupSignatureAlgorithm(alg.String()); !ok {
		return errors.New("unknown alg")
	}
	// jwx refuses a key whose "alg" differs from the token's; verify with
	// the bare key material, since our side already checked the binding.
	var raw any
	if err := jwk.Export(key, &raw); err != nil {
		return err
	}
	_, err = jws.Verify([]byte(token), jws.WithKey(alg, raw))
	return err
}

func TestWycheproofJWS(t *testing.T) {
	data, err := os.ReadFile(wpJWSFile)
	require.NoError(t, err, "reading the Wycheproof vectors")
	var file wpFile
	require.NoError(t, json.Unmarshal(data, &file), "decoding %s", wpJWSFile)
	require.NotEmpty(t, file.TestGroups, "%s holds no test groups", wpJWSFile)

	validByID := map[int]string{}
	for _, g := range file.TestGroups {
		for _, tc := range g.Tests {
			var s string
			if tc.Result == "valid" {
				require.NoError(t, json.Unmarshal(tc.JWS, &s), "vector %d: a valid vector must be a compact JWS string", tc.TcID)
				validByID[tc.TcID] = s
			}
		}
	}

	ctx := context.Background()
	total := map[string]int{}
	seenDeviations := map[int]bool{}
	vectors := 0
	for gi, g := range file.TestGroups {
		keyJSON, keyName := g.Public, "public"
		if len(keyJSON) == 0 {
			keyJSON, keyName = g.Private, "private"
			var fields map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(keyJSON, &fields), "group %d (%s): decoding its private key", gi, g.Comment)
			if _, ok := fields["d"]; ok {
				t.Errorf("group %d (%s) has no public key, only a private key with \"d\"; its vectors are run against a key we must refuse", gi, g.Comment)
			}
		}
		require.NotEmpty(t, keyJSON, "group %d (%s) has no key", gi, g.Comment)

		var v *Verifier
		key, keyErr := jwks.ParseJWK(keyJSON)
		if keyErr == nil {
			src, err := jwks.NewStatic(key)
			require.NoError(t, err, "group %d (%s): jwks.NewStatic", gi, g.Comment)
			v, err = New(Config{Keys: src, SkipIssuerCheck: true, SkipAudienceCheck: true})
			require.NoError(t, err, "group %d (%s): New", gi, g.Comment)
		}

		counts := map[string]int{}
		for _, tc := range g.Tests {
			vectors++
			name := fmt.Sprintf("%d/%s/tc%d_%s", gi, g.Comment, tc.TcID, tc.Comment)
			require.Contains(t, []string{"valid", "invalid"}, tc.Result, "%s: unknown result %q", name, tc.Result)
			dev, deviates := wpDeviations[tc.TcID]
			seenDeviations[tc.TcID] = deviates

			var token string
			if err := json.Unmarshal(tc.JWS, &token); err != nil {
				// An object: JSON serialization, which we do not accept.
				require.Equal(t, "invalid", tc.Result, "%s: a JSON-serialized vector marked valid", name)
				token = string(tc.JWS)
			}

			var outcome string
			switch {
			case keyErr != nil:
				outcome = "rejected by key policy"
				if deviates {
					assert.True(t, dev.keyPolicy, "%s: the group's %s key was refused (%v), which is not the documented deviation: %s", name, keyName, keyErr, dev.why)
				} else {
					assert.Equal(t, "invalid", tc.Result, "%s: jwks.ParseJWK refused the group's %s key (%v), so a valid vector cannot verify", name, keyName, keyErr)
				}
			default:
				err := wpCheck(ctx, v, token)
				if err == nil {
					outcome = "accepted"
				} else {
					outcome = "rejected: " + wpReasonName(err)
					var e *Error
					assert.ErrorAs(t, err, &e, "%s: the JWS path returned %T (%v); want *Error", name, err, err)
					assert.ErrorIs(t, err, ErrInvalidToken, "%s: the JWS path returned %v; want it to match ErrInvalidToken", name, err)
					if token != "" {
						assert.NotContains(t, err.Error(), token, "%s: the error message contains the token", name)
					}
				}
				switch {
				case deviates && dev.accept:
					assert.NoError(t, err, "%s: documented as accepted (%s)", name, dev.why)
				case deviates && dev.reason != nil:
					assert.ErrorIs(t, err, dev.reason, "%s: documented as rejected with %v (%s); got %v", name, dev.reason, dev.why, err)
				case deviates:
					t.Errorf("%s: documented as rejected by key policy (%s), but the key was accepted", name, dev.why)
				case tc.Result == "valid":
					assert.NoError(t, err, "%s: the JWS path rejected a valid vector", name)
				default:
					assert.Error(t, err, "%s: the JWS path accepted an invalid vector (flags %v)", name, tc.Flags)
				}
				if err == nil {
					assert.NoError(t, wpReferenceVerify(keyJSON, token), "%s: we accepted a token that jwx does not verify", name)
				}
			}
			if deviates && (dev.keyPolicy || dev.reason == ErrAlgorithm) {
				// The vector itself is sound: without the key's "alg",
				// the same path verifies it.
				k, err := jwks.ParseJWK(wpWithoutAlg(t, keyJSON))
				require.NoError(t, err, "%s: jwks.ParseJWK of the group key without \"alg\"", name)
				src, err := jwks.NewStatic(k)
				require.NoError(t, err, "%s: jwks.NewStatic", name)
				free, err := New(Config{Keys: src, SkipIssuerCheck: true, SkipAudienceCheck: true})
				require.NoError(t, err, "%s: New", name)
				assert.NoError(t, wpCheck(ctx, free, token), "%s: the JWS path rejected the vector even with the key's \"alg\" removed; the documented reason (%s) is not the whole story", name, dev.why)
				if keyErr != nil {
					assert.ErrorContains(t, keyErr, "ES521", "%s: the group key was refused for another reason than its \"alg\"", name)
				}
			}
			if deviates {
				outcome = "deviation, " + outcome
				switch {
				case dev.accept:
					assert.Equal(t, validByID[357], token, "%s: documented as identical to vector 357", name)
					assert.Equal(t, "invalid", tc.Result, "%s: documented deviation for an invalid vector", name)
				default:
					assert.Equal(t, "valid", tc.Result, "%s: documented deviation for a valid vector", name)
				}
			}
			counts[tc.Result+", "+outcome]++
			total[tc.Result+", "+outcome]++
		}
		t.Logf("group %d %-18s %2d vectors: %s", gi, g.Comment, len(g.Tests), wpFormatCounts(counts))
		if keyErr != nil {
			t.Logf("group %d: the %s key was refused: %v", gi, keyName, keyErr)
		}
	}
	t.Logf("all groups, %d vectors: %s", vectors, wpFormatCounts(total))

	sum := 0
	for _, n := range total {
		sum += n
	}
	assert.Equal(t, file.NumberOfTests, sum, "the counts add up to %d vectors; the file says numberOfTests is %d", sum, file.NumberOfTests)
	assert.Equal(t, file.NumberOfTests, vectors, "ran %d vectors; the file says numberOfTests is %d", vectors, file.NumberOfTests)
	for id := range wpDeviations {
		assert.True(t, seenDeviations[id], "documented deviation for vector %d, which is not in the file", id)
	}
	// Every invalid vector is rejected and every valid one accepted, but
	// for the documented deviations.
	devAccepted, devRejected := 0, 0
	for _, d := range wpDeviations {
		if d.accept {
			devAccepted++
		} else {
			devRejected++
		}
	}
	assert.Equal(t, devAccepted, total["invalid, deviation, accepted"], "invalid vectors accepted")
	assert.Zero(t, total["invalid, accepted"], "invalid vectors accepted without a documented reason")
	for k, n := range total {
		if strings.HasPrefix(k, "valid, rejected") {
			t.Errorf("%d valid vectors %s without a documented reason", n, strings.TrimPrefix(k, "valid, "))
		}
	}
	assert.Equal(t, len(validByID)-devRejected, total["valid, accepted"],
		"valid vectors accepted; want all %d valid vectors but the %d documented deviations", len(validByID), devRejected)
	ids := make([]int, 0, len(wpDeviations))
	for id := range wpDeviations {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		t.Logf("deviation, vector %d: %s", id, wpDeviations[id].why)
	}
}

// wpWithoutAlg returns the JWK keyJSON without its "alg" member.
func wpWithoutAlg(t *testing.T, keyJSON []byte) []byte {
	t.Helper()
	var fields map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(keyJSON, &fields), "decoding a group key")
	delete(fields, "alg")
	out, err := json.Marshal(fields)
	require.NoError(t, err, "encoding a group key")
	return out
}

func wpFormatCounts(counts map[string]int) string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, counts[k])
	}
	return strings.Join(parts, "; ")
}
