package verifiertest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

func TestClientRequestToken(t *testing.T) {
	ctx := context.Background()
	clients := verifiertest.DemoClients()
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Clients: clients})
	v, err := verifier.New(iss.VerifierConfig())
	require.NoError(t, err)
	drone := clients[0]

	for _, auth := range []verifiertest.ClientAuth{verifiertest.ClientSecretBasic, verifiertest.ClientSecretPost} {
		tok, err := drone.RequestToken(ctx, nil, iss.TokenURL(), auth)
		require.NoError(t, err, "RequestToken(%v)", auth)
		c, err := v.Verify(ctx, tok)
		require.NoError(t, err, "Verify of the token RequestToken(%v) got", auth)
		assert.Equal(t, drone.ID, c.Subject(), "subject (%v)", auth)
		assert.WithinDuration(t, time.Now().Add(drone.ExpiresIn), c.ExpiresAt(), 5*time.Second, "expiry (%v)", auth)
	}
	assert.Equal(t, 2, iss.TokenRequests(), "token requests made")

	wrong := drone
	wrong.Secret = clients[1].Secret
	for _, auth := range []verifiertest.ClientAuth{verifiertest.ClientSecretBasic, verifiertest.ClientSecretPost} {
		_, err := wrong.RequestToken(ctx, nil, iss.TokenURL(), auth)
		require.Error(t, err, "RequestToken(%v) with another client's secret", auth)
		assert.ErrorContains(t, err, "status 401: invalid_client", "RequestToken(%v) with another client's secret", auth)
		assert.NotContains(t, err.Error(), wrong.Secret, "the error shows the secret")
	}

	_, err = drone.RequestToken(ctx, nil, iss.TokenURL(), verifiertest.ClientAuth(7))
	assert.ErrorContains(t, err, "unknown client authentication ClientAuth(7)")
	assert.Equal(t, "client_secret_post", verifiertest.ClientSecretPost.String())

	iss.SetTokenFault(verifiertest.FaultGarbage)
	_, err = drone.RequestToken(ctx, nil, iss.TokenURL(), verifiertest.ClientSecretBasic)
	assert.ErrorContains(t, err, "not JSON", "RequestToken against an HTML page")
	iss.SetTokenFault(verifiertest.FaultEmptyKeySet)
	_, err = drone.RequestToken(ctx, nil, iss.TokenURL(), verifiertest.ClientSecretBasic)
	assert.ErrorContains(t, err, "no bearer token", "RequestToken against a 200 without a token")
	iss.SetTokenFault(verifiertest.FaultNone)

	// An answer that echoes what it got never brings the secret or a
	// token into the error: only the status and a short error code.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_request","error_description":"` + r.PostForm.Get("client_secret") + `"}`))
	}))
	defer echo.Close()
	_, err = drone.RequestToken(ctx, echo.Client(), echo.URL, verifiertest.ClientSecretPost)
	require.Error(t, err)
	assert.Equal(t, `verifiertest: token request for client "drone-mapping": status 400: invalid_request`, err.Error())

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = drone.RequestToken(cancelled, nil, iss.TokenURL(), verifiertest.ClientSecretBasic)
	assert.ErrorIs(t, err, context.Canceled)
}
