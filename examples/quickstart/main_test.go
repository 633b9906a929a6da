package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

func TestSelfTestPasses(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-selftest"}, &out)
	require.NoError(t, err, "run -selftest; output:\n%s", out.String())
	assert.Contains(t, out.String(), "self-test requests answered as expected")
	assert.NotContains(t, out.String(), "FAIL")
}

// stopWhenReady records the output and cancels the run once it says it is
// serving.
type stopWhenReady struct {
	bytes.Buffer
	cancel context.CancelFunc
}

func (w *stopWhenReady) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	if strings.Contains(w.String(), "Press Ctrl-C") {
		w.cancel()
	}
	return n, err
}

func TestDemoPrintsCurlCommandsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := stopWhenReady{cancel: cancel}
	require.NoError(t, run(ctx, []string{"-addr", "127.0.0.1:0"}, &out))
	s := out.String()
	assert.Contains(t, s, "API listening on http://127.0.0.1:")
	assert.Equal(t, 4, strings.Count(s, "Authorization: Bearer ey"), "curl commands with read, read (403), read write and expired tokens:\n%s", s)
	assert.Contains(t, s, "# expired token (401)")
}

func TestRealIssuerFlags(t *testing.T) {
	err := run(context.Background(), []string{"-issuer", "https://auth.example.com"}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "-audience", "-issuer without -audience")

	err = run(context.Background(), []string{"-issuer", "https://auth.example.com", "-audience", "api", "-selftest"}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "demo issuer", "-selftest with a real issuer")

	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := stopWhenReady{cancel: cancel}
	err = run(ctx, []string{"-issuer", iss.URL, "-audience", "api", "-addr", "127.0.0.1:0"}, &out)
	require.NoError(t, err, "run against a reachable issuer; output:\n%s", out.String())
	assert.Contains(t, out.String(), "Trusting issuer "+iss.URL)
	assert.Equal(t, 1, iss.JWKSRequests(), "keys are loaded at start-up to fail fast")

	down := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	down.Close()
	err = run(context.Background(), []string{"-issuer", down.URL, "-audience", "api", "-addr", "127.0.0.1:0"}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "cannot load the issuer's keys", "an unreachable issuer fails start-up")
}
