package verifier_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// vtConfigSecret is a 32-byte HMAC secret for configuration tests.
var vtConfigSecret = []byte("config-test secret of 32 bytes!!")

// vtSecretSource returns a static source holding vtConfigSecret.
func vtSecretSource(t *testing.T) *jwks.Static {
	t.Helper()
	k, err := jwks.NewSecret("", vtConfigSecret)
	require.NoError(t, err, "jwks.NewSecret")
	src, err := jwks.NewStatic(k)
	require.NoError(t, err, "jwks.NewStatic")
	return src
}

func TestNewRefuses(t *testing.T) {
	keys := vtSecretSource(t)
	byIssuer, err := jwks.NewByIssuer(map[string]jwks.Source{"https://a.example.test": keys})
	require.NoError(t, err, "jwks.NewByIssuer")
	good := verifier.Config{Issuers: []string{vtStaticIssuer}, Audiences: []string{vtAudience}, Keys: keys}
	with := func(change func(*verifier.Config)) verifier.Config {
		c := good
		change(&c)
		return c
	}

	tests := []struct {
		name string
		cfg  verifier.Config
		want []string // substrings of the error message
	}{
		{"nil Keys", with(func(c *verifier.Config) { c.Keys = nil }), []string{"Config.Keys"}},
		{"typed nil Keys", with(func(c *verifier.Config) { c.Keys = (*jwks.Remote)(nil) }), []string{"Config.Keys"}},
		{"zero Config", verifier.Config{}, []string{"Config.Keys"}},
		{"no Issuers", with(func(c *verifier.Config) { c.Issuers = nil }), []string{"Config.Issuers", "SkipIssuerCheck"}},
		{"empty Issuers slice", with(func(c *verifier.Config) { c.Issuers = []string{} }), []string{"Config.Issuers", "SkipIssuerCheck"}},
		{"Issuers with SkipIssuerCheck", with(func(c *verifier.Config) { c.SkipIssuerCheck = true }), []string{"Config.Issuers", "SkipIssuerCheck"}},
		{"empty issuer", with(func(c *verifier.Config) { c.Issuers = []string{""} }), []string{"Config.Issuers", "empty"}},
		{"empty issuer among others", with(func(c *verifier.Config) { c.Issuers = []string{vtStaticIssuer, ""} }), []string{"Config.Issuers", "empty"}},
		{"no Audiences", with(func(c *verifier.Config) { c.Audiences = nil }), []string{"Config.Audiences", "SkipAudienceCheck"}},
		{"Audiences with SkipAudienceCheck", with(func(c *verifier.Config) { c.SkipAudienceCheck = true }), []string{"Config.Audiences", "SkipAudienceCheck"}},
		{"empty audience", with(func(c *verifier.Config) { c.Audiences = []string{""} }), []string{"Config.Audiences", "empty"}},
		{"empty audience among others", with(func(c *verifier.Config) { c.Audiences = []string{vtAudience, ""} }), []string{"Config.Audiences", "empty"}},
		{"unknown algorithm", with(func(c *verifier.Config) { c.Algorithms = []string{"RS1"} }), []string{"Config.Algorithms", `"RS1"`}},
		{"unknown algorithm among known", with(func(c *verifier.Config) { c.Algorithms = []string{"HS256", "XS256"} }), []string{"Config.Algorithms", `"XS256"`}},
		{"algorithm in lower case", with(func(c *verifier.Config) { c.Algorithms = []string{"hs256"} }), []string{"Config.Algorithms", `"hs256"`}},
		{"empty algorithm", with(func(c *verifier.Config) { c.Algorithms = []string{""} }), []string{"Config.Algorithms"}},
		{"none", with(func(c *verifier.Config) { c.Algorithms = []string{"HS256", "none"} }), []string{"Config.Algorithms", `"none"`}},
		{"NONE", with(func(c *verifier.Config) { c.Algorithms = []string{"NONE"} }), []string{"Config.Algorithms", `"NONE"`}},
		{"negative leeway", with(func(c *verifier.Config) { c.Leeway = -time.Second }), []string{"Config.Leeway"}},
		{"leeway over 5 minutes", with(func(c *verifier.Config) { c.Leeway = 5*time.Minute + time.Nanosecond }), []string{"Config.Leeway"}},
		{"leeway of an hour", with(func(c *verifier.Config) { c.Leeway = time.Hour }), []string{"Config.Leeway"}},
		{"negative MaxTokenSize", with(func(c *verifier.Config) { c.MaxTokenSize = -1 }), []string{"Config.MaxTokenSize"}},
		{
			"trusted issuer missing from ByIssuer",
			with(func(c *verifier.Config) {
				c.Keys = byIssuer
				c.Issuers = []string{"https://a.example.test", "https://b.example.test"}
			}),
			[]string{`"https://b.example.test"`, "Config.Keys"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := verifier.New(tc.cfg)
			require.Error(t, err, "verifier.New(%s) succeeded; want an error", tc.name)
			assert.Nil(t, v, "verifier.New(%s) returned a verifier along with error %v", tc.name, err)
			msg := err.Error()
			assert.True(t, strings.HasPrefix(msg, "verifier: "), "verifier.New(%s) error %q lacks the \"verifier: \" prefix", tc.name, msg)
			for _, w := range tc.want {
				assert.Contains(t, msg, w, "verifier.New(%s) error %q should name %s", tc.name, msg, w)
			}
		})
	}
}

func TestNewAccepts(t *testing.T) {
	keys := vtSecretSource(t)
	ctx := context.Background()
	clock := vtNewClock()
	byIssuer, err := jwks.NewByIssuer(map[string]jwks.Source{vtStaticIssuer: keys, "https://b.example.test": keys})
	require.NoError(t, err, "jwks.NewByIssuer")

	sign := func(claims map[string]any) string {
		tok, err := verifiertest.Sign("HS256", vtConfigSecret, nil, claims)
		require.NoError(t, err, "verifiertest.Sign(HS256)")
		return tok
	}
	// Now nil must mean the real clock, so that token uses time.Now.
	realTime := sign(vtClaims(vtStaticIssuer, time.Now(), nil))
	fakeTime := sign(vtClaims(vtStaticIssuer, clock.Now(), nil))
	bare := sign(map[string]any{"exp": clock.Now().Add(time.Hour).Unix()})

	tests := []struct {
		name  string
		cfg   verifier.Config
		token string
	}{
		{"minimal", verifier.Config{Issuers: []string{vtStaticIssuer}, Audiences: []string{vtAudience}, Keys: keys}, realTime},
		{"skip issuer and audience checks", verifier.Config{Keys: keys, SkipIssuerCheck: true, SkipAudienceCheck: true, Now: clock.Now}, bare},
		{"skip checks, token with iss and aud", verifier.Config{Keys: keys, SkipIssuerCheck: true, SkipAudienceCheck: true, Now: clock.Now}, fakeTime},
		{"leeway of exactly 5 minutes", verifier.Config{Issuers: []string{vtStaticIssuer}, Audiences: []string{vtAudience}, Keys: keys, Leeway: 5 * time.Minute, Now: clock.Now}, fakeTime},
		{"explicit algorithm list", verifier.Config{Issuers: []string{vtStaticIssuer}, Audiences: []string{vtAudience}, Keys: keys, Algorithms: []string{"HS256"}, Now: clock.Now}, fakeTime},
		{"ByIssuer covering every issuer", verifier.Config{Issuers: []string{vtStaticIssuer, "https://b.example.test"}, Audiences: []string{vtAudience}, Keys: byIssuer, Now: clock.Now}, fakeTime},
		{"ByIssuer with a subset of its issuers", verifier.Config{Issuers: []string{vtStaticIssuer}, Audiences: []string{vtAudience}, Keys: byIssuer, Now: clock.Now}, fakeTime},
		{"ByIssuer with SkipIssuerCheck", verifier.Config{Audiences: []string{vtAudience}, Keys: byIssuer, SkipIssuerCheck: true, Now: clock.Now}, fakeTime},
		{"large MaxTokenSize", verifier.Config{Issuers: []string{vtStaticIssuer}, Audiences: []string{vtAudience}, Keys: keys, MaxTokenSize: 1 << 20, Now: clock.Now}, fakeTime},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := verifier.New(tc.cfg)
			require.NoError(t, err, "verifier.New(%s) failed; want a verifier", tc.name)
			require.NotNil(t, v, "verifier.New(%s) returned nil and no error", tc.name)
			c, err := v.Verify(ctx, tc.token)
			require.NoError(t, err, "Verify with config %s returned an error; want claims", tc.name)
			assert.NotNil(t, c, "Verify with config %s returned nil claims", tc.name)
		})
	}

	t.Run("Now nil is the real clock", func(t *testing.T) {
		v := vtNew(t, verifier.Config{Issuers: []string{vtStaticIssuer}, Audiences: []string{vtAudience}, Keys: keys})
		_, err := v.Verify(ctx, fakeTime) // minted in 2030, so iat is in the future
		vtRequireRejected(t, err, verifier.ErrNotYetValid, fakeTime)
	})

	t.Run("SkipIssuerCheck accepts a ByIssuer source but its routing still applies", func(t *testing.T) {
		v := vtNew(t, verifier.Config{Audiences: []string{vtAudience}, Keys: byIssuer, SkipIssuerCheck: true, Now: clock.Now})
		tok := sign(vtClaims("https://unknown.example.test", clock.Now(), nil))
		_, err := v.Verify(ctx, tok)
		vtRequireRejected(t, err, verifier.ErrUnknownKey, tok)
	})
}

// TestNewCopiesConfig checks that changing the caller's slices after New
// changes nothing.
func TestNewCopiesConfig(t *testing.T) {
	ctx := context.Background()
	clock := vtNewClock()
	// 64 bytes, so that the key itself would verify HS384 too: only the
	// allowlist stands between an HS384 token and acceptance.
	secret := []byte(strings.Repeat("copy-test secret", 4))
	k, err := jwks.NewSecret("", secret)
	require.NoError(t, err, "jwks.NewSecret(64 bytes)")
	keys, err := jwks.NewStatic(k)
	require.NoError(t, err, "jwks.NewStatic")
	sign := func(alg string, claims map[string]any) string {
		tok, err := verifiertest.Sign(alg, secret, nil, claims)
		require.NoError(t, err, "verifiertest.Sign(%s)", alg)
		return tok
	}
	const evilIss, evilAud = "https://evil.example.test", "https://evil-api.example.test"

	cfg := verifier.Config{
		Issuers:    []string{vtStaticIssuer},
		Audiences:  []string{vtAudience},
		Algorithms: []string{"HS256"},
		Keys:       keys,
		Now:        clock.Now,
	}
	v := vtNew(t, cfg)
	token := sign("HS256", vtClaims(vtStaticIssuer, clock.Now(), nil))
	hs384 := sign("HS384", vtClaims(vtStaticIssuer, clock.Now(), nil))
	otherIss := sign("HS256", vtClaims(evilIss, clock.Now(), nil))
	otherAud := sign("HS256", vtClaims(vtStaticIssuer, clock.Now(), map[string]any{"aud": evilAud}))

	vtMustVerify(t, v, token)
	_, err = v.Verify(ctx, hs384)
	vtRequireRejected(t, err, verifier.ErrAlgorithm, hs384)

	cfg.Issuers[0] = evilIss
	cfg.Audiences[0] = evilAud
	cfg.Algorithms[0] = "HS384"

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"original token", token, nil},
		{"issuer written into the caller's slice", otherIss, verifier.ErrIssuer},
		{"audience written into the caller's slice", otherAud, verifier.ErrAudience},
		{"algorithm written into the caller's slice", hs384, verifier.ErrAlgorithm},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(ctx, tc.token)
			if tc.want == nil {
				require.NoError(t, err, "Verify(%s) after mutating the caller's Config slices; want claims", tc.name)
				return
			}
			vtRequireRejected(t, err, tc.want, tc.token)
		})
	}
}
