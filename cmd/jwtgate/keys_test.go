package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/cmd/jwtgate/internal/config"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// TestCheckExampleKeys: the sample's keys section, uncommented, is valid
// and shows the jwks package's defaults.
func TestCheckExampleKeys(t *testing.T) {
	data, err := os.ReadFile("jwtgate.example.yaml")
	require.NoError(t, err)
	var out []string
	inKeys := false
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "    # keys:") {
			inKeys = true
		}
		if inKeys && !strings.HasPrefix(line, "    #") {
			inKeys = false
		}
		if inKeys {
			line = "    " + strings.TrimPrefix(line, "    # ")
			if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
		}
		out = append(out, line)
	}
	text := strings.Join(out, "\n")
	require.Contains(t, text, "\n    keys:", "the sample has a commented keys section")
	path := filepath.Join(t.TempDir(), "jwtgate.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-check", path}, &stdout, &stderr)
	require.Equal(t, 0, code, "run -check on the sample with its keys section; stderr:\n%s", stderr.String())

	cfg, err := config.Load(path)
	require.NoError(t, err, "config.Load of the sample with its keys section")
	require.Len(t, cfg.Issuers, 2)
	want := config.KeyCache{
		RefreshInterval: jwks.DefaultRefreshInterval, MinRefreshInterval: jwks.DefaultMinRefreshInterval,
		MaxRefreshInterval: jwks.DefaultMaxRefreshInterval, MaxStale: jwks.DefaultMaxStale,
		RefreshCooldown: jwks.DefaultRefreshCooldown, UnknownKeyTTL: jwks.DefaultUnknownKeyTTL,
		MaxWait: jwks.DefaultMaxWait, FetchTimeout: jwks.DefaultFetchTimeout, MaxBackoff: jwks.DefaultMaxBackoff,
	}
	assert.Equal(t, want, cfg.Issuers[1].Keys, "the sample's keys section lists the defaults")
}

// TestCheckKeys: -check reports key-cache timer errors with their lines.
func TestCheckKeys(t *testing.T) {
	text := `mode: proxy
listen: 127.0.0.1:0
admin_listen: "off"
upstream:
  url: http://127.0.0.1:9000
issuers:
  - issuer: https://issuer.example.com
    jwks_url: https://issuer.example.com/keys
    keys:
      refresh_interval: 5s
      max_backoff: -1s
skip_audience_check: true
policy:
  default: authenticated
`
	path := filepath.Join(t.TempDir(), "jwtgate.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-check", path}, &stdout, &stderr)
	assert.Equal(t, 1, code, "run -check; stdout %q", stdout.String())
	assert.Equal(t, path+`:10: issuer "https://issuer.example.com": keys.refresh_interval (5s) is below keys.min_refresh_interval (the default 5m0s), which would win; set min_refresh_interval too`+"\n"+
		path+":11: keys.max_backoff must not be negative\n", stderr.String(), "run -check stderr")

	good := strings.Replace(text, "      max_backoff: -1s\n", "      min_refresh_interval: 2s\n      max_backoff: 2s\n", 1)
	require.NoError(t, os.WriteFile(path, []byte(good), 0o600))
	stdout.Reset()
	stderr.Reset()
	code = run(context.Background(), []string{"-check", path}, &stdout, &stderr)
	assert.Equal(t, 0, code, "run -check on the fixed file; stderr:\n%s", stderr.String())
}

// TestKeysReachTheKeySource: the timers of the file are the key source's.
// The issuer hangs; with keys.fetch_timeout 200ms the first fetch gives up
// long before the caller's 5 s (the default fetch timeout is 10 s).
func TestKeysReachTheKeySource(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256"})
	iss.SetFault(verifiertest.FaultHang)
	text := fmt.Sprintf(`mode: proxy
listen: 127.0.0.1:0
admin_listen: "off"
upstream:
  url: http://127.0.0.1:9000
issuers:
  - issuer: %q
    jwks_url: %q
    keys:
      fetch_timeout: 200ms
      max_wait: 100ms
skip_audience_check: true
policy:
  default: authenticated
`, iss.URL, iss.JWKSURL())
	cfg, err := config.Parse("jwtgate.yaml", []byte(text), config.Options{})
	require.NoError(t, err, "config.Parse")
	rt, err := build(cfg, buildEnv{logger: discardLogger(), metrics: newCheckMetrics()})
	require.NoError(t, err, "build")
	defer rt.close()
	require.Len(t, rt.remotes, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = rt.remotes[0].remote.Refresh(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded, "Refresh against a hanging issuer")
	assert.NoError(t, ctx.Err(), "the fetch gave up before the caller's 5 s: keys.fetch_timeout applies")
	iss.SetFault(verifiertest.FaultNone)
}
