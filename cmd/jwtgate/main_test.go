package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckExampleFile(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-check", "jwtgate.example.yaml"}, &stdout, &stderr)
	require.Equal(t, 0, code, "run -check jwtgate.example.yaml; stderr:\n%s", stderr.String())
	assert.Equal(t, "ok: jwtgate.example.yaml: mode proxy, listen 127.0.0.1:8080, upstream http://127.0.0.1:9000, admin 127.0.0.1:9091, 2 issuers, 4 policy rules (default deny), DPoP off\n", stdout.String())
	assert.Empty(t, stderr.String())
}

// TestCheckExampleDPoP: the sample's dpop section, uncommented, is valid.
func TestCheckExampleDPoP(t *testing.T) {
	data, err := os.ReadFile("jwtgate.example.yaml")
	require.NoError(t, err)
	var out []string
	inDPoP := false
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "# dpop:") {
			inDPoP = true
		}
		if inDPoP && !strings.HasPrefix(line, "#") {
			inDPoP = false
		}
		if inDPoP {
			line = strings.TrimPrefix(line, "# ")
		}
		out = append(out, line)
	}
	text := strings.Join(out, "\n")
	require.Contains(t, text, "\ndpop:", "the sample has a commented dpop section")
	path := filepath.Join(t.TempDir(), "jwtgate.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-check", path}, &stdout, &stderr)
	require.Equal(t, 0, code, "run -check on the sample with its dpop section; stderr:\n%s", stderr.String())
	assert.True(t, strings.HasSuffix(stdout.String(), ", DPoP allowed\n"), "summary %q", stdout.String())
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "hmac")
	require.NoError(t, os.WriteFile(secret, []byte("a secret that is long enough, 32+ bytes"), 0o600))
	short := filepath.Join(dir, "short")
	require.NoError(t, os.WriteFile(short, []byte("short-secret"), 0o600))
	good := `mode: forward_auth
listen: 127.0.0.1:0
admin_listen: "off"
trusted_proxies: [127.0.0.1]
issuers:
  - issuer: my-client
    secret_file: hmac
skip_audience_check: true
policy:
  default: authenticated
`
	tests := []struct {
		name       string
		text       string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"valid", good, 0, "ok: %s: mode forward_auth, listen 127.0.0.1:0, admin off, 1 issuer, 0 policy rules (default authenticated), DPoP off\n", ""},
		{"DPoP allowed", good + "dpop:\n  mode: allowed\n", 0, "ok: %s: mode forward_auth, listen 127.0.0.1:0, admin off, 1 issuer, 0 policy rules (default authenticated), DPoP allowed\n", ""},
		{"DPoP required with nonces", good + "dpop:\n  mode: required\n  nonce: true\n", 0, "ok: %s: mode forward_auth, listen 127.0.0.1:0, admin off, 1 issuer, 0 policy rules (default authenticated), DPoP required (with nonces)\n", ""},
		{"DPoP allowed with nonces", good + "dpop:\n  nonce: true\n  algorithms: [ES256, Ed25519]\n", 0, "ok: %s: mode forward_auth, listen 127.0.0.1:0, admin off, 1 issuer, 0 policy rules (default authenticated), DPoP allowed (with nonces)\n", ""},
		{"DPoP bad mode", good + "dpop:\n  mode: optional\n", 1, "", "%s:12: dpop.mode must be allowed or required, not \"optional\"\n"},
		{"several errors", strings.Replace(good, "listen: 127.0.0.1:0\n", "", 1) + "scope: read\n", 1, "",
			"%[1]s:1: missing key \"listen\"\n%[1]s:10: unknown key \"scope\"\n"},
		{"secret too short", strings.Replace(good, "secret_file: hmac", "secret_file: short", 1), 1, "",
			"%s:7: issuer \"my-client\": the secret of secret_file has 12 bytes; at least 32 are needed\n"},
		{"bad header name", good + "headers:\n  subject: \"X Subject\"\n", 1, "", "%s:12: headers: "},
		{"tls files missing", good + "tls:\n  cert_file: none.crt\n  key_file: none.key\n", 1, "",
			"%s: tls: cannot load the certificate and key: open "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".yaml")
			require.NoError(t, os.WriteFile(path, []byte(tt.text), 0o600))
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"-check", path}, &stdout, &stderr)
			assert.Equal(t, tt.wantCode, code, "run -check; stdout %q, stderr %q", stdout.String(), stderr.String())
			if tt.wantStdout != "" {
				assert.Equal(t, strings.ReplaceAll(tt.wantStdout, "%s", path), stdout.String())
			} else {
				assert.Empty(t, stdout.String())
			}
			want := strings.ReplaceAll(strings.ReplaceAll(tt.wantStderr, "%[1]s", path), "%s", path)
			if strings.HasSuffix(want, "\n") {
				assert.Equal(t, want, stderr.String())
			} else {
				assert.True(t, strings.HasPrefix(stderr.String(), want), "stderr %q, want it to start with %q", stderr.String(), want)
			}
			assert.NotContains(t, stderr.String(), "short-secret", "a secret in the output")
		})
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "give exactly one of -config, -check and -demo"},
		{[]string{"-config", "a", "-check", "b"}, "give exactly one of -config, -check and -demo"},
		{[]string{"-selftest", "-config", "a"}, "-selftest works only with -demo"},
		{[]string{"-check", "a", "extra"}, `unexpected argument "extra"`},
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tt.args, &stdout, &stderr)
		assert.Equal(t, 2, code, "run(%q)", tt.args)
		assert.Contains(t, stderr.String(), tt.want, "run(%q) stderr", tt.args)
	}
}

func TestRunServesUntilCancelled(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "jwtgate.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`mode: forward_auth
listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
trusted_proxies: [127.0.0.1]
issuers:
  - issuer: my-client
    secret_env: JWTGATE_TEST_SECRET
skip_audience_check: true
policy:
  default: authenticated
`), 0o600))
	t.Setenv("JWTGATE_TEST_SECRET", strings.Repeat("x", 32))
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"-config", path}, &bytes.Buffer{}, logs) }()
	var admin string
	require.Eventually(t, func() bool {
		for _, m := range logs.lines(t) {
			if m["msg"] == "listening" {
				admin, _ = m["admin"].(string)
				return true
			}
		}
		return false
	}, 10*time.Second, time.Millisecond, "no listening line in %s", logs)
	status, body := get(t, "http://"+admin+"/readyz")
	assert.Equal(t, 200, status, "/readyz with static keys: %s", body)

	self, err := os.FindProcess(os.Getpid())
	require.NoError(t, err)
	require.NoError(t, self.Signal(syscall.SIGHUP), "sending SIGHUP")
	require.Eventually(t, func() bool { return len(logs.withMsg(t, "reloaded")) == 1 }, 10*time.Second, time.Millisecond,
		"no reload after SIGHUP; logs:\n%s", logs)
	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, "run's exit code after cancel; logs:\n%s", logs)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context was cancelled")
	}
	assert.Len(t, logs.withMsg(t, "stopped"), 1, "logs:\n%s", logs)
	assert.NotContains(t, logs.String(), strings.Repeat("x", 32), "the secret in the logs")
}

func TestDemoSelfTest(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-demo", "-selftest"}, &stdout, &stderr)
	require.Equal(t, 0, code, "run -demo -selftest; stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	assert.Contains(t, stdout.String(), "self-test requests answered as expected")
	assert.NotContains(t, stdout.String(), "FAIL")
}

// stopWhenReady cancels the demo once it has printed its instructions.
type stopWhenReady struct {
	syncBuffer
	cancel context.CancelFunc
}

func (w *stopWhenReady) Write(p []byte) (int, error) {
	n, err := w.syncBuffer.Write(p)
	if strings.Contains(w.String(), "Press Ctrl-C") {
		w.cancel()
	}
	return n, err
}

func TestDemoPrintsCurlCommands(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &stopWhenReady{cancel: cancel}
	code := run(ctx, []string{"-demo", "-addr", "127.0.0.1:0"}, out, &syncBuffer{})
	assert.Equal(t, 0, code)
	text := out.String()
	for _, want := range []string{"READ=$(curl -s -u travel-connect:", "/oauth2/token -d grant_type=client_credentials -d client_id=drone-mapping -d client_secret=", "curl -i http://127.0.0.1:", "/items/ -H \"Authorization: Bearer $READ\"", "/readyz"} {
		assert.Contains(t, text, want, "demo output")
	}
}
