package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden from the current output")

// The fixed settings of the golden cases.
const (
	testIssuer   = "https://issuer.test"
	testAudience = "https://api.test"
	nowFlag      = "2026-01-01T12:00:00Z"
	jwksFile     = "testdata/keys/jwks.json"
	// rotationJWKSFile holds three RSA keys for RS256, test-rsa-1 among
	// them.
	rotationJWKSFile = "testdata/keys/jwks-rotation.json"
	rsaKid           = "test-rsa-1"
	// testSecret is the HMAC secret of the HS256 cases, passed in the
	// environment variable JWT_SECRET.
	testSecret = "test-only-hmac-secret-for-jwtdoctor-0123456789"
	// stableURL replaces the random address of the httptest servers in
	// golden output.
	stableURL = "http://127.0.0.1:PORT"
)

var testNow = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// testKeys are the private keys of testdata/keys, which exist only to sign
// test tokens.
type testKeys struct {
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
	// pemLines are the base64 lines of the private key files, which must
	// never appear in output.
	pemLines []string
}

func loadTestKeys(t *testing.T) testKeys {
	t.Helper()
	var k testKeys
	for _, name := range []string{"test-only-rsa-private.pem", "test-only-ec-private.pem"} {
		data, err := os.ReadFile(filepath.Join("testdata", "keys", name))
		require.NoError(t, err, "reading test key %s", name)
		block, _ := pem.Decode(data)
		require.NotNil(t, block, "pem.Decode(%s) found no block", name)
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		require.NoError(t, err, "x509.ParsePKCS8PrivateKey(%s)", name)
		switch key := key.(type) {
		case *rsa.PrivateKey:
			k.rsa = key
		case *ecdsa.PrivateKey:
			k.ec = key
		}
		for _, l := range strings.Split(string(data), "\n") {
			if len(l) >= 32 && !strings.HasPrefix(l, "-----") {
				k.pemLines = append(k.pemLines, l)
			}
		}
	}
	require.NotNil(t, k.rsa, "no RSA key in testdata/keys")
	require.NotNil(t, k.ec, "no EC key in testdata/keys")
	return k
}

// claims returns the claims of a valid token at testNow, changed by
// changes: a nil value removes a claim.
func claims(changes map[string]any) map[string]any {
	c := map[string]any{
		"iss":       testIssuer,
		"sub":       "client-42",
		"aud":       testAudience,
		"client_id": "client-42",
		"jti":       "token-0001",
		"iat":       testNow.Add(-5 * time.Minute).Unix(),
		"exp":       testNow.Add(55 * time.Minute).Unix(),
		"scope":     "read write",
	}
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func sign(t *testing.T, alg string, key any, header map[string]any, c map[string]any) string {
	t.Helper()
	tok, err := verifiertest.Sign(alg, key, header, c)
	require.NoError(t, err, "verifiertest.Sign(%s)", alg)
	return tok
}

func signRaw(t *testing.T, alg string, key any, header, payload string) string {
	t.Helper()
	tok, err := verifiertest.SignRaw(alg, key, []byte(header), []byte(payload))
	require.NoError(t, err, "verifiertest.SignRaw(%s)", alg)
	return tok
}

func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// goldenCase is one run of the doctor whose output is kept in
// testdata/golden/<name>.txt.
type goldenCase struct {
	name  string
	args  []string // "$TOKEN" stands for token
	token string
	stdin string // "$TOKEN" stands for token
	env   map[string]string
	want  int // exit status
}

// goldenCases builds the cases: tokens signed with the test keys at the
// fixed time, and loopback servers for the network cases.
func goldenCases(t *testing.T, k testKeys) []goldenCase {
	t.Helper()
	rsaHeader := map[string]any{"kid": rsaKid, "typ": "at+jwt"}
	valid := sign(t, "RS256", k.rsa, rsaHeader, claims(nil))
	base := []string{"-issuer", testIssuer, "-audience", testAudience, "-jwks-file", jwksFile, "-now", nowFlag, "-realm", "api"}
	with := func(extra ...string) []string {
		return append(append(append([]string(nil), base...), extra...), "$TOKEN")
	}

	// A JWKS endpoint that always fails.
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "internal error", http.StatusInternalServerError)
	}))
	t.Cleanup(failing.Close)
	// A tampered token: the payload of one token with the signature of
	// another.
	other := sign(t, "RS256", k.rsa, rsaHeader, claims(map[string]any{"scope": "read write admin"}))
	vp, op := strings.Split(valid, "."), strings.Split(other, ".")
	tampered := vp[0] + "." + op[1] + "." + vp[2]

	hmacNoIss := claims(map[string]any{"iss": nil, "aud": nil})
	big := claims(map[string]any{"padding": strings.Repeat("x", 9000)})

	return []goldenCase{
		{name: "valid", args: with("-scope", "read"), token: valid, want: 0},
		{
			name: "valid_authorization_line_from_stdin", args: append(base, "-"), token: valid,
			stdin: "Authorization: Bearer $TOKEN\n", want: 0,
		},
		{
			name:  "valid_pem_es256",
			args:  []string{"-issuer", testIssuer, "-audience", testAudience, "-pem-file", "testdata/keys/ec-public.pem", "-alg", "ES256", "-now", nowFlag, "$TOKEN"},
			token: sign(t, "ES256", k.ec, nil, claims(nil)), want: 0,
		},
		{
			name:  "valid_hmac_jwt_scheme",
			args:  []string{"-skip-issuer-check", "-skip-audience-check", "-hmac-secret-env", "JWT_SECRET", "-scheme", "JWT", "-now", nowFlag, "$TOKEN"},
			token: "JWT " + sign(t, "HS256", []byte(testSecret), nil, hmacNoIss),
			env:   map[string]string{"JWT_SECRET": testSecret}, want: 0,
		},
		{
			name: "valid_header_names_keys",
			args: with(),
			token: sign(t, "RS256", k.rsa, map[string]any{
				"kid": rsaKid, "jku": "https://attacker.test/jwks", "x5u": "https://attacker.test/cert",
				"jwk": map[string]any{"kty": "oct", "k": "c2VjcmV0"}, "x5c": []string{"MIIB"},
			}, claims(nil)),
			want: 0,
		},
		{name: "malformed_two_parts", args: with(), token: vp[0] + "." + vp[1], want: 1},
		{name: "malformed_header_json", args: with(), token: enc(`{"alg":"RS256",`) + "." + vp[1] + "." + vp[2], want: 1},
		{
			name: "malformed_claims_duplicate", args: with(),
			token: signRaw(t, "RS256", k.rsa, `{"alg":"RS256","kid":"test-rsa-1"}`,
				fmt.Sprintf(`{"iss":%q,"aud":%q,"exp":%d,"exp":%d}`, testIssuer, testAudience, testNow.Add(time.Hour).Unix(), testNow.Add(-time.Hour).Unix())),
			want: 1,
		},
		{name: "malformed_too_large", args: with(), token: sign(t, "RS256", k.rsa, rsaHeader, big), want: 1},
		{name: "algorithm_none", args: with(), token: enc(`{"alg":"none"}`) + "." + vp[1] + ".", want: 1},
		{name: "algorithm_not_allowed", args: with("-alg", "ES256,EdDSA"), token: valid, want: 1},
		{
			name: "unsupported_header_crit", args: with(),
			token: sign(t, "RS256", k.rsa, map[string]any{"kid": rsaKid, "crit": []string{"exp"}, "exp": 1}, claims(nil)), want: 1,
		},
		{name: "unknown_key", args: with(), token: sign(t, "RS256", k.rsa, map[string]any{"kid": "retired-key"}, claims(nil)), want: 1},
		{
			name:  "unknown_key_no_kid_several_keys_suit",
			args:  []string{"-issuer", testIssuer, "-audience", testAudience, "-jwks-file", rotationJWKSFile, "-now", nowFlag, "-realm", "api", "$TOKEN"},
			token: sign(t, "RS256", k.rsa, map[string]any{"typ": "at+jwt"}, claims(nil)), want: 1,
		},
		{
			name: "algorithm_key_mismatch_hs256_with_rsa_kid", args: with(),
			token: sign(t, "HS256", []byte(testSecret), map[string]any{"kid": rsaKid}, claims(nil)), want: 1,
		},
		{name: "bad_signature", args: with(), token: tampered, want: 1},
		{name: "missing_exp", args: with(), token: sign(t, "RS256", k.rsa, rsaHeader, claims(map[string]any{"exp": nil})), want: 1},
		{
			name: "expired", args: with(),
			token: sign(t, "RS256", k.rsa, rsaHeader, claims(map[string]any{"iat": testNow.Add(-3 * time.Hour).Unix(), "exp": testNow.Add(-2 * time.Hour).Unix()})),
			want:  1,
		},
		{
			name: "not_yet_valid_nbf", args: with(),
			token: sign(t, "RS256", k.rsa, rsaHeader, claims(map[string]any{"nbf": testNow.Add(10 * time.Minute).Unix()})), want: 1,
		},
		{
			name: "iat_in_future", args: with(),
			token: sign(t, "RS256", k.rsa, rsaHeader, claims(map[string]any{"iat": testNow.Add(2 * time.Minute).Unix()})), want: 1,
		},
		{
			name: "wrong_issuer", args: with(),
			token: sign(t, "RS256", k.rsa, rsaHeader, claims(map[string]any{"iss": "https://other-issuer.test"})), want: 1,
		},
		{
			name: "wrong_audience", args: with(),
			token: sign(t, "RS256", k.rsa, rsaHeader, claims(map[string]any{"aud": []string{"https://other-api.test", "account"}})), want: 1,
		},
		{
			name: "strict_typ", args: with("-strict"),
			token: sign(t, "RS256", k.rsa, map[string]any{"kid": rsaKid, "typ": "JWT"}, claims(nil)), want: 1,
		},
		{
			name: "strict_missing_jti", args: with("-strict"),
			token: sign(t, "RS256", k.rsa, rsaHeader, claims(map[string]any{"jti": nil})), want: 1,
		},
		{
			name: "max_age", args: with("-max-age", "1h"),
			token: sign(t, "RS256", k.rsa, rsaHeader, claims(map[string]any{"iat": testNow.Add(-3 * time.Hour).Unix(), "exp": testNow.Add(7 * time.Hour).Unix()})),
			want:  1,
		},
		{name: "missing_scope_all_of", args: with("-scope", "read,write admin"), token: valid, want: 1},
		{name: "missing_scope_any_of", args: with("-any-scope", "admin,ops"), token: valid, want: 1},
		{
			name:  "keys_unavailable",
			args:  []string{"-issuer", testIssuer, "-audience", testAudience, "-jwks-url", failing.URL + "/jwks", "-now", nowFlag, "-realm", "api", "$TOKEN"},
			token: valid, want: 1,
		},
		{name: "no_credentials_basic", args: with(), token: "Basic dXNlcjpwYXNzd29yZA==", want: 1},
		{name: "usage_help", args: []string{"-h"}, want: 0},
		{name: "usage_no_token", args: base, want: 2},
		{name: "usage_two_tokens", args: with("$TOKEN"), token: valid, want: 2},
		{name: "usage_unknown_flag", args: with("-audiance", "x"), token: valid, want: 2},
		{name: "usage_bad_now", args: []string{"-now", "yesterday", "$TOKEN"}, token: valid, want: 2},
		{name: "usage_two_key_sources", args: with("-pem-file", "testdata/keys/ec-public.pem"), token: valid, want: 2},
		{
			name: "usage_no_audience", args: []string{"-issuer", testIssuer, "-jwks-file", jwksFile, "$TOKEN"},
			token: valid, want: 2,
		},
		{
			name: "usage_secret_env_unset", args: []string{"-skip-issuer-check", "-skip-audience-check", "-hmac-secret-env", "NO_SUCH_VAR", "$TOKEN"},
			token: valid, want: 2,
		},
		{name: "usage_missing_jwks_file", args: []string{"-issuer", testIssuer, "-audience", testAudience, "-jwks-file", "testdata/keys/missing.json", "$TOKEN"}, token: valid, want: 2},
	}
}

// runCase runs the doctor for c and returns its output, with the random
// addresses of loopback servers replaced by stableURL, and its exit status.
func runCase(t *testing.T, c goldenCase) (string, int) {
	t.Helper()
	args := make([]string, len(c.args))
	for i, a := range c.args {
		args[i] = strings.ReplaceAll(a, "$TOKEN", c.token)
	}
	env := func(name string) string { return c.env[name] }
	var out bytes.Buffer
	code := run(args, strings.NewReader(strings.ReplaceAll(c.stdin, "$TOKEN", c.token)), &out, env)
	return stabilise(out.String()), code
}

// loopback matches the address of an httptest server.
var loopback = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)

// stabilise replaces loopback addresses such as http://127.0.0.1:41234.
func stabilise(s string) string { return loopback.ReplaceAllString(s, stableURL) }

// transcript is the golden file's content: the command line, the output
// and the exit status.
func transcript(c goldenCase, out string, code int) string {
	var b strings.Builder
	b.WriteString("$ ")
	if c.stdin != "" {
		fmt.Fprintf(&b, "printf %s | ", strconv.Quote(c.stdin))
	}
	b.WriteString("jwtdoctor")
	for _, a := range c.args {
		a = stabilise(a)
		if a == "" || strings.ContainsAny(a, " \"'$") && a != "$TOKEN" {
			a = strconv.Quote(a)
		}
		b.WriteString(" " + a)
	}
	b.WriteString("\n")
	b.WriteString(out)
	fmt.Fprintf(&b, "(exit status %d)\n", code)
	return b.String()
}

func TestGolden(t *testing.T) {
	k := loadTestKeys(t)
	for _, c := range goldenCases(t, k) {
		t.Run(c.name, func(t *testing.T) {
			out, code := runCase(t, c)
			got := transcript(c, out, code)
			path := filepath.Join("testdata", "golden", c.name+".txt")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644), "writing %s", path)
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "reading %s (run go test ./cmd/jwtdoctor -update to create it)", path)
			assert.Equal(t, c.want, code, "run(%q) exited with %d, want %d; output:\n%s", c.name, code, c.want, out)
			assert.Equal(t, string(want), got, "run for case %q printed output that differs from %s (go test ./cmd/jwtdoctor -update rewrites it)", c.name, path)
		})
	}
}

// TestGoldenFilesHaveCases fails on a golden file no case writes, so that a
// renamed case leaves no stale file behind.
func TestGoldenFilesHaveCases(t *testing.T) {
	names := map[string]bool{}
	for _, c := range goldenCases(t, loadTestKeys(t)) {
		require.False(t, names[c.name], "two golden cases are named %q", c.name)
		names[c.name] = true
	}
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.txt"))
	require.NoError(t, err, "listing testdata/golden")
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		assert.True(t, names[name], "golden file %s has no case in goldenCases; delete it or add the case", f)
	}
	assert.Len(t, files, len(names), "testdata/golden holds %d files for %d cases", len(files), len(names))
}

// TestOutputNeverLeaks checks every golden case: the output holds neither
// the token nor any of its encoded parts, nor the signature in any common
// encoding, nor the HMAC secret, nor a line of the private test keys.
func TestOutputNeverLeaks(t *testing.T) {
	k := loadTestKeys(t)
	for _, c := range goldenCases(t, k) {
		t.Run(c.name, func(t *testing.T) {
			out, _ := runCase(t, c)
			secrets := map[string]string{"HMAC secret": testSecret}
			if c.token != "" {
				tok := c.token
				if _, rest, ok := strings.Cut(tok, " "); ok {
					tok = rest // "JWT xxx", "Basic xxx": the credentials
				}
				secrets["token"] = tok
				for i, part := range strings.Split(tok, ".") {
					if len(part) >= 8 {
						secrets[fmt.Sprintf("token part %d", i)] = part
					}
				}
				if parts := strings.Split(tok, "."); len(parts) == 3 && len(parts[2]) > 0 {
					sig, err := base64.RawURLEncoding.DecodeString(parts[2])
					require.NoError(t, err, "decoding the signature of case %q", c.name)
					secrets["signature (hex)"] = hex.EncodeToString(sig)
					secrets["signature (std base64)"] = base64.StdEncoding.EncodeToString(sig)
				}
			}
			for i, l := range k.pemLines {
				secrets[fmt.Sprintf("private key line %d", i)] = l
			}
			for what, s := range secrets {
				assert.NotContains(t, out, s, "run for case %q printed the %s; it must never appear in output", c.name, what)
			}
		})
	}
}

// TestREADMESample: the doctor output quoted in the repository README
// (section "Troubleshoot 401, 403 and 503") is an excerpt of the golden
// output of the expired case: each of its lines appears there, in order.
func TestREADMESample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err, "reading README.md")
	_, section, ok := strings.Cut(string(readme), "### Troubleshoot 401, 403 and 503")
	require.True(t, ok, "README.md has no section \"Troubleshoot 401, 403 and 503\"")
	var sample []string
	for block := range strings.SplitSeq(section, "```") {
		if strings.Contains(block, "refused at check") {
			sample = strings.Split(strings.Trim(block, "\n"), "\n")
			break
		}
	}
	require.NotEmpty(t, sample, "README.md section \"Troubleshoot 401, 403 and 503\" quotes no doctor output")
	golden, err := os.ReadFile(filepath.Join("testdata", "golden", "expired.txt"))
	require.NoError(t, err, "reading the golden output of the expired case")
	lines := strings.Split(string(golden), "\n")
	at := 0
	for _, l := range sample {
		i := slices.Index(lines[at:], l)
		require.GreaterOrEqual(t, i, 0, "README.md quotes the doctor line %q, which testdata/golden/expired.txt does not have after line %d", l, at)
		at += i + 1
	}
}
