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
	assert.Contains(t, out.String(), "all 6 self-test checks passed")
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

func TestDemoPrintsHowToConnectAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := stopWhenReady{cancel: cancel}
	require.NoError(t, run(ctx, []string{"-addr", "127.0.0.1:0"}, &out))
	s := out.String()
	assert.Contains(t, s, "MCP server (streamable HTTP) at http://127.0.0.1:")
	assert.Regexp(t, `Protected resource metadata at http://127\.0\.0\.1:\d+/\.well-known/oauth-protected-resource/mcp\n`, s)
	assert.Equal(t, 2, strings.Count(s, "\neyJ"), "a read token and a read write token:\n%s", s)
	assert.Contains(t, s, "curl -s http://127.0.0.1:")
}

func TestResourceFlag(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := stopWhenReady{cancel: cancel}
	err := run(ctx, []string{"-addr", "127.0.0.1:0", "-resource", "https://mcp.example.com/tools/mcp"}, &out)
	require.NoError(t, err, "run -resource; output:\n%s", out.String())
	assert.Contains(t, out.String(), "MCP server (streamable HTTP) at https://mcp.example.com/tools/mcp\n")
	assert.Contains(t, out.String(), "Protected resource metadata at https://mcp.example.com/.well-known/oauth-protected-resource/tools/mcp\n")

	err = run(context.Background(), []string{"-addr", "127.0.0.1:0", "-resource", "http://mcp.example.com/mcp"}, &bytes.Buffer{})
	assert.ErrorContains(t, err, `resourcemeta: resource "http://mcp.example.com/mcp": must be an absolute https URL`, "-resource over http to a public host")
}

func TestRealIssuerFlags(t *testing.T) {
	err := run(context.Background(), []string{"-issuer", "https://auth.example.com", "-selftest"}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "demo issuer", "-selftest with a real issuer")

	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := stopWhenReady{cancel: cancel}
	err = run(ctx, []string{"-issuer", iss.URL, "-audience", "api", "-addr", "127.0.0.1:0"}, &out)
	require.NoError(t, err, "run against a reachable issuer; output:\n%s", out.String())
	assert.Contains(t, out.String(), "Trusting issuer "+iss.URL+` for audience "api"`)
	assert.Equal(t, 1, iss.JWKSRequests(), "keys are loaded at start-up to fail fast")

	down := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	down.Close()
	err = run(context.Background(), []string{"-issuer", down.URL, "-addr", "127.0.0.1:0"}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "cannot load the issuer's keys", "an unreachable issuer fails start-up")
}
