package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

func TestRequestToken(t *testing.T) {
	ctx := context.Background()
	creds := soakClients(2, time.Minute)
	require.NotEqual(t, creds[0].Secret, creds[1].Secret, "clients share a secret")
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Clients: creds})
	v, err := verifier.New(iss.VerifierConfig())
	require.NoError(t, err)
	hc := &http.Client{Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()

	for _, basic := range []bool{true, false} {
		tok, err := requestToken(ctx, hc, iss.TokenURL(), creds[0], basic)
		require.NoError(t, err, "requestToken (HTTP Basic %v)", basic)
		c, err := v.Verify(ctx, tok)
		require.NoError(t, err, "Verify of the token from the token endpoint (HTTP Basic %v)", basic)
		assert.Equal(t, creds[0].ID, c.Subject(), "subject (HTTP Basic %v)", basic)
		assert.True(t, c.Scopes().Has(scope), "scopes %q (HTTP Basic %v); want %q", c.Scopes(), basic, scope)
		assert.WithinDuration(t, time.Now().Add(time.Minute), c.ExpiresAt(), 5*time.Second, "expiry (HTTP Basic %v)", basic)
	}

	wrong := creds[0]
	wrong.Secret = creds[1].Secret
	for _, basic := range []bool{true, false} {
		_, err := requestToken(ctx, hc, iss.TokenURL(), wrong, basic)
		require.Error(t, err, "requestToken with another client's secret (HTTP Basic %v)", basic)
		assert.ErrorContains(t, err, "status 401")
		assert.NotContains(t, err.Error(), wrong.Secret, "the error shows the secret")
	}
}
