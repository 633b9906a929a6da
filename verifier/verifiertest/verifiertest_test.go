package verifiertest_test

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// decodePart returns the JSON object in part n (0 header, 1 claims) of token.
func decodePart(t *testing.T, token string, n int) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3, "token %q has %d parts, want 3", token, len(parts))
	raw, err := base64.RawURLEncoding.DecodeString(parts[n])
	require.NoError(t, err, "decoding part %d", n)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m), "part %d is not a JSON object: %s", n, raw)
	return m
}

func TestSignVerifiesWithJWKSKeys(t *testing.T) {
	for _, alg := range jwks.Algorithms() {
		t.Run(alg, func(t *testing.T) {
			priv, err := verifiertest.GenerateKey(alg)
			require.NoError(t, err, "GenerateKey(%q)", alg)
			var key *jwks.Key
			if secret, ok := priv.([]byte); ok {
				key, err = jwks.NewSecret("k", secret)
			} else {
				key, err = jwks.NewPublicKey("k", priv.(crypto.Signer).Public())
			}
			require.NoError(t, err)

			token, err := verifiertest.Sign(alg, priv, map[string]any{"kid": "k"}, map[string]any{"sub": "x"})
			require.NoError(t, err, "Sign(%q)", alg)
			assert.Equal(t, alg, decodePart(t, token, 0)["alg"])
			assert.Equal(t, "k", decodePart(t, token, 0)["kid"])

			i := strings.LastIndexByte(token, '.')
			sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
			require.NoError(t, err)
			assert.NoError(t, key.Verify(alg, []byte(token[:i]), sig), "Verify(%s) of a token from Sign", alg)
		})
	}
}

func TestSignRefusesMismatchedKeys(t *testing.T) {
	rsaKey, err := verifiertest.GenerateKey("RS256")
	require.NoError(t, err)
	edKey, err := verifiertest.GenerateKey("EdDSA")
	require.NoError(t, err)
	for _, tc := range []struct {
		alg string
		key any
	}{
		{"HS256", rsaKey},
		{"ES256", rsaKey},
		{"RS256", []byte("a secret that is long enough, 32b")},
		{"RS256", edKey},
		{"none", rsaKey},
		{"RS256", nil},
	} {
		_, err := verifiertest.Sign(tc.alg, tc.key, nil, map[string]any{})
		assert.Error(t, err, "Sign(%q, %T) should fail", tc.alg, tc.key)
	}
	_, err = verifiertest.GenerateKey("none")
	assert.Error(t, err, `GenerateKey("none")`)
}

func TestSignHeaderOverridesAlg(t *testing.T) {
	secret := []byte("a secret that is long enough, 32b")
	token, err := verifiertest.Sign("HS256", secret, map[string]any{"alg": "none", "typ": "JWT"}, map[string]any{})
	require.NoError(t, err)
	h := decodePart(t, token, 0)
	assert.Equal(t, "none", h["alg"], "header alg should be overridden for negative tests")
	assert.Equal(t, "JWT", h["typ"])
}

func TestSignRawKeepsExactBytes(t *testing.T) {
	secret := []byte("a secret that is long enough, 32b")
	payload := []byte(`{"a":1,"a":2}`)
	token, err := verifiertest.SignRaw("HS256", secret, []byte(`{"alg":"HS256"}`), payload)
	require.NoError(t, err)
	got, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	require.NoError(t, err)
	assert.Equal(t, payload, got)
}

func TestIssuerEndpoints(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256"})

	resp, err := http.Get(iss.URL + "/.well-known/openid-configuration")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var meta map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&meta))
	assert.Equal(t, iss.URL, meta["issuer"])
	assert.Equal(t, iss.JWKSURL(), meta["jwks_uri"])
	assert.Equal(t, 1, iss.DiscoveryRequests())

	doc, err := iss.JWKS()
	require.NoError(t, err)
	keys, err := jwks.ParseJWKS(doc)
	require.NoError(t, err, "the issuer's JWKS must parse strictly: %s", doc)
	require.Len(t, keys, 1)
	assert.Equal(t, iss.KeyID(), keys[0].ID())
	assert.Equal(t, []string{"ES256"}, keys[0].Algorithms())

	resp2, err := http.Get(iss.JWKSURL())
	require.NoError(t, err)
	resp2.Body.Close()
	assert.Equal(t, "application/jwk-set+json", resp2.Header.Get("Content-Type"))
	assert.Equal(t, 1, iss.JWKSRequests())
}

func TestIssuerRotateAndRetire(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "EdDSA"})
	first := iss.KeyID()
	second := iss.Rotate()
	require.NotEqual(t, first, second)
	assert.Equal(t, second, iss.KeyID())
	assert.Equal(t, second, decodePart(t, iss.MustMint(t, verifiertest.Token{}), 0)["kid"])

	ids := func() []string {
		doc, err := iss.JWKS()
		require.NoError(t, err)
		keys, err := jwks.ParseJWKS(doc)
		require.NoError(t, err)
		var out []string
		for _, k := range keys {
			out = append(out, k.ID())
		}
		return out
	}
	assert.ElementsMatch(t, []string{first, second}, ids())
	iss.Retire(first)
	assert.Equal(t, []string{second}, ids())
	iss.Retire("no-such-key")
	assert.Equal(t, []string{second}, ids())
}

func TestIssuerPublishThenUse(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256"})
	first := iss.KeyID()
	next := iss.Publish()
	require.NotEqual(t, first, next)
	assert.Equal(t, first, iss.KeyID(), "Publish must not change the signing key")
	assert.Equal(t, first, decodePart(t, iss.MustMint(t, verifiertest.Token{}), 0)["kid"])

	doc, err := iss.JWKS()
	require.NoError(t, err)
	keys, err := jwks.ParseJWKS(doc)
	require.NoError(t, err)
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.ID())
	}
	assert.ElementsMatch(t, []string{first, next}, ids, "JWKS after Publish")

	require.NoError(t, iss.Use(next))
	assert.Equal(t, next, iss.KeyID())
	assert.Equal(t, next, decodePart(t, iss.MustMint(t, verifiertest.Token{}), 0)["kid"])

	iss.Retire(first)
	err = iss.Use(first)
	require.Error(t, err, "Use of a retired key")
	assert.Contains(t, err.Error(), "no published key")
	assert.Equal(t, next, iss.KeyID(), "a failed Use must keep the signing key")
}

func TestMintDefaultsAndOverrides(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Audience: "aud-1", Now: func() time.Time { return now }})

	c := decodePart(t, iss.MustMint(t, verifiertest.Token{}), 1)
	assert.Equal(t, iss.URL, c["iss"])
	assert.Equal(t, verifiertest.DefaultSubject, c["sub"])
	assert.Equal(t, verifiertest.DefaultSubject, c["client_id"])
	assert.Equal(t, []any{"aud-1"}, c["aud"])
	assert.EqualValues(t, now.Unix(), c["iat"])
	assert.EqualValues(t, now.Add(verifiertest.DefaultExpiresIn).Unix(), c["exp"])
	assert.NotEmpty(t, c["jti"])
	assert.NotContains(t, c, "scope")
	h := decodePart(t, iss.MustMint(t, verifiertest.Token{}), 0)
	assert.Equal(t, "at+jwt", h["typ"])

	c = decodePart(t, iss.MustMint(t, verifiertest.Token{
		Subject:   "svc",
		Audience:  []string{"a", "b"},
		Scope:     "read write",
		ExpiresIn: -time.Minute,
		Claims:    map[string]any{"exp": nil, "tenant": "t1", "iss": "other"},
		Header:    map[string]any{"typ": nil, "kid": "forced"},
	}), 1)
	assert.Equal(t, "svc", c["sub"])
	assert.Equal(t, []any{"a", "b"}, c["aud"])
	assert.Equal(t, "read write", c["scope"])
	assert.NotContains(t, c, "exp", "a nil claim removes it")
	assert.Equal(t, "t1", c["tenant"])
	assert.Equal(t, "other", c["iss"])
	h = decodePart(t, iss.MustMint(t, verifiertest.Token{Header: map[string]any{"typ": nil, "kid": "forced"}}), 0)
	assert.NotContains(t, h, "typ")
	assert.Equal(t, "forced", h["kid"])

	c = decodePart(t, iss.MustMint(t, verifiertest.Token{ExpiresIn: -time.Minute}), 1)
	assert.EqualValues(t, now.Add(-time.Minute).Unix(), c["exp"], "negative ExpiresIn mints an expired token")
}

func TestIssuerRefusesHMAC(t *testing.T) {
	assert.Panics(t, func() { verifiertest.NewIssuer(verifiertest.IssuerConfig{Algorithm: "HS256"}) },
		"an Issuer publishes public keys, so HS256 must be refused")
}

func TestVerifierConfigTrustsIssuer(t *testing.T) {
	now := time.Now()
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Now: func() time.Time { return now }})
	cfg := iss.VerifierConfig()
	assert.Equal(t, []string{iss.URL}, cfg.Issuers)
	assert.Equal(t, []string{iss.Audience()}, cfg.Audiences)
	v, err := verifier.New(cfg)
	require.NoError(t, err)

	claims, err := v.Verify(context.Background(), iss.MustMint(t, verifiertest.Token{Scope: "read"}))
	require.NoError(t, err)
	assert.True(t, claims.Scopes().Has("read"))
	assert.Equal(t, 1, iss.DiscoveryRequests(), "VerifierConfig finds the keys by discovery")
	assert.Equal(t, 1, iss.JWKSRequests())

	other := verifiertest.Start(t, verifiertest.IssuerConfig{})
	_, err = v.Verify(context.Background(), other.MustMint(t, verifiertest.Token{}))
	assert.ErrorIs(t, err, verifier.ErrIssuer, "a token of another issuer")
}
