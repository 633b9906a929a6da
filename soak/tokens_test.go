package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// TestInvalidTokensAreRefused: every kind of invalid token the load sends
// is refused by a verifier configured as the gateway is, and the valid
// ones pass.
func TestInvalidTokensAreRefused(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256"})
	cfg := iss.VerifierConfig()
	cfg.Leeway = 2 * time.Second
	v, err := verifier.New(cfg)
	require.NoError(t, err, "verifier.New")
	m, err := newMinter(iss)
	require.NoError(t, err, "newMinter")
	ctx := context.Background()

	tok, err := m.valid("soak-client-000", 20*time.Second)
	require.NoError(t, err)
	_, err = v.Verify(ctx, tok)
	require.NoError(t, err, "Verify of a valid token")

	for k := range numInvalid {
		t.Run(k.String(), func(t *testing.T) {
			tok, err := m.invalid(k)
			require.NoError(t, err, "minting %s", k)
			if k == InvalidMissing {
				assert.Empty(t, tok, "a missing token is no token")
			}
			claims, err := v.Verify(ctx, tok)
			require.Error(t, err, "Verify of a %s token returned claims %v, want an error", k, claims)
			assert.True(t, errors.Is(err, verifier.ErrInvalidToken), "Verify of a %s token: %v, want verifier.ErrInvalidToken", k, err)
		})
	}
}

func TestInvalidNames(t *testing.T) {
	seen := map[string]bool{}
	for k := range numInvalid {
		name := k.String()
		assert.NotContains(t, name, "Invalid(", "kind %d has a name", int(k))
		assert.False(t, seen[name], "name %q used twice", name)
		seen[name] = true
	}
	assert.Equal(t, "Invalid(99)", Invalid(99).String())
}
