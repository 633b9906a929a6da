package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
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
	assert.Contains(t, out.String(), "all 13 self-test requests answered as expected", "run -selftest output")
	assert.NotContains(t, out.String(), "FAIL", "run -selftest output")
}

// Against a server that is not the API, every request fails, and the
// report says how.
func TestSelfTestReportsSurprises(t *testing.T) {
	demo := verifiertest.Start(t, verifiertest.IssuerConfig{})
	wrong := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not the API", http.StatusTeapot)
	}))
	defer wrong.Close()
	var out bytes.Buffer
	err := selfTest(wrong.URL, demoRequests(demo), &out)
	assert.EqualError(t, err, "13 of 13 self-test requests got an unexpected answer", "selfTest against a server that is not the API")
	assert.Equal(t, 13, strings.Count(out.String(), "FAIL"), "selfTest output:\n%s", out.String())
	assert.Contains(t, out.String(), "FAIL GET     /flights no token: status 418, want 401; WWW-Authenticate \"\", want \"Bearer realm=\\\"drones\\\"\"",
		"selfTest output:\n%s", out.String())
}

// An answer right in status and body but without the challenge fails.
func TestSelfTestChecksChallenge(t *testing.T) {
	noChallenge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("{}\n"))
	}))
	defer noChallenge.Close()
	var out bytes.Buffer
	err := selfTest(noChallenge.URL, []demoRequest{{about: "no token", method: "GET", path: "/flights", status: 401, challenge: `Bearer realm="drones"`, body: "{}"}}, &out)
	assert.EqualError(t, err, "1 of 1 self-test requests got an unexpected answer", "selfTest against an answer without challenge")
	assert.Contains(t, out.String(), `WWW-Authenticate "", want "Bearer realm=\"drones\""`, "selfTest output")
}

func TestPrintsCurlCommands(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // print the commands, then stop at once
	var out bytes.Buffer
	require.NoError(t, run(ctx, []string{"-addr", "127.0.0.1:0"}, &out), "run with a cancelled context")
	s := out.String()
	assert.Contains(t, s, "API listening on http://127.0.0.1:", "run output")
	assert.Equal(t, 13, strings.Count(s, "\ncurl -i -X "), "one curl command per demo request:\n%s", s)
	assert.Equal(t, 7, strings.Count(s, "-H 'Authorization: Bearer ey"), "curl commands with a minted token:\n%s", s)
	assert.Contains(t, s, "# scopes read write (201)\ncurl -i -X POST http://127.0.0.1:", "run output")
	assert.Contains(t, s, "-H 'Origin: https://map.example' -H 'Access-Control-Request-Method: POST'", "run output")
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{{"-addr", "127.0.0.1:-1"}, {"-no-such-flag"}, {"-selftest=maybe"}} {
		err := run(context.Background(), args, &bytes.Buffer{})
		assert.Error(t, err, "run(%q)", args)
	}
}
