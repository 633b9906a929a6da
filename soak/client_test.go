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

func TestSoakClientsGetTokens(t *testing.T) {
	ctx := context.Background()
	creds := soakClients(2, time.Minute)
	require.NotEqual(t, creds[0].Secret, creds[1].Secret, "clients share a secret")
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Clients: creds})
	v, err := verifier.New(iss.VerifierConfig())
	require.NoError(t, err)
	hc := &http.Client{Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()

	for _, auth := range []verifiertest.ClientAuth{verifiertest.ClientSecretBasic, verifiertest.ClientSecretPost} {
		tok, err := creds[0].RequestToken(ctx, hc, iss.TokenURL(), auth)
		require.NoError(t, err, "RequestToken (%v)", auth)
		c, err := v.Verify(ctx, tok)
		require.NoError(t, err, "Verify of the token from the token endpoint (%v)", auth)
		assert.Equal(t, creds[0].ID, c.Subject(), "subject (%v)", auth)
		assert.True(t, c.Scopes().Has(scope), "scopes %q (%v); want %q", c.Scopes(), auth, scope)
		assert.WithinDuration(t, time.Now().Add(time.Minute), c.ExpiresAt(), 5*time.Second, "expiry (%v)", auth)
	}

	wrong := creds[0]
	wrong.Secret = creds[1].Secret
	for _, auth := range []verifiertest.ClientAuth{verifiertest.ClientSecretBasic, verifiertest.ClientSecretPost} {
		_, err := wrong.RequestToken(ctx, hc, iss.TokenURL(), auth)
		require.Error(t, err, "RequestToken with another client's secret (%v)", auth)
		assert.ErrorContains(t, err, "status 401")
		assert.NotContains(t, err.Error(), wrong.Secret, "the error shows the secret")
	}
}
