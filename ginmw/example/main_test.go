package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

func TestRunSelfTest(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-selftest"}, &out)
	require.NoError(t, err, "run -selftest; output:\n%s", out.String())
	assert.Contains(t, out.String(), "self-test passed: 11 calls answered as expected")
}

func TestCheckFindsSurprises(t *testing.T) {
	demo := verifiertest.Start(t, verifiertest.IssuerConfig{})
	// Every route open and answering 200 "ok": most calls must be refused.
	open := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }))
	defer open.Close()
	var out bytes.Buffer
	err := check(open.URL, demoCalls(demo), &out)
	require.Error(t, err, "check against an API without authentication; output:\n%s", out.String())
	assert.Contains(t, err.Error(), "10 of 11 calls surprised the self-test", "only the health check expects 200 \"ok\"")
	assert.Contains(t, err.Error(), `cameras without a token: got 200 "ok", want 401`)
}

func TestRunPrintsCurlCommands(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // print, then stop at once
	var out bytes.Buffer
	require.NoError(t, run(ctx, []string{"-addr", "127.0.0.1:0"}, &out), "run with a cancelled context")
	s := out.String()
	assert.Contains(t, s, "Camera catalogue on http://127.0.0.1:")
	assert.Equal(t, 11, strings.Count(s, "\ncurl -i -X "), "curl commands:\n%s", s)
	assert.Contains(t, s, "/cameras -H 'Access-Control-Request-Method: POST' -H 'Origin: https://shop.example'\n")
	assert.Equal(t, 6, strings.Count(s, "-H 'Authorization: Bearer ey"), "curl commands with a minted token:\n%s", s)
}

func TestRunRefusesBadArguments(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	for _, args := range [][]string{{"-addr", busy.Addr().String()}, {"-addr", "nowhere"}, {"-verbose"}} {
		assert.Error(t, run(context.Background(), args, &bytes.Buffer{}), "run(%q)", args)
	}
}

// The handlers can also be tested without a server, with the test kit's
// requests.
func TestWelcomeInProcess(t *testing.T) {
	demo := verifiertest.Start(t, verifiertest.IssuerConfig{})
	router, err := newAPI(demo.VerifierConfig())
	require.NoError(t, err)
	for _, tc := range []struct {
		req  *http.Request
		want string
	}{
		{httptest.NewRequest("GET", "/welcome", nil), "welcome, guest\n"},
		{demo.Request("GET", "/welcome", verifiertest.Token{Subject: "ana"}), "welcome back, ana\n"},
	} {
		w := httptest.NewRecorder()
		router.ServeHTTP(w, tc.req)
		assert.Equal(t, http.StatusOK, w.Code, "GET /welcome with Authorization %q", tc.req.Header.Get("Authorization"))
		assert.Equal(t, tc.want, w.Body.String(), "GET /welcome with Authorization %q", tc.req.Header.Get("Authorization"))
	}
}
