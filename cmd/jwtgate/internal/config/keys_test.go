package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

// withKeys is base with a keys mapping (lines from 8 on) under its issuer.
func withKeys(lines string) string {
	return strings.Replace(base, "    discovery: true\n", "    discovery: true\n    keys:\n"+lines, 1)
}

func TestParseKeyCache(t *testing.T) {
	tests := []struct {
		name string
		text string
		want KeyCache
	}{
		{"absent: every default", base, KeyCache{}},
		{"every timer", withKeys(`      refresh_interval: 4s
      min_refresh_interval: 2s
      max_refresh_interval: 1m
      max_stale: 40s
      refresh_cooldown: 3s
      unknown_key_ttl: 10s
      max_wait: 500ms
      fetch_timeout: 2s
      max_backoff: 2s
`), KeyCache{
			RefreshInterval: 4 * time.Second, MinRefreshInterval: 2 * time.Second, MaxRefreshInterval: time.Minute,
			MaxStale: 40 * time.Second, RefreshCooldown: 3 * time.Second, UnknownKeyTTL: 10 * time.Second,
			MaxWait: 500 * time.Millisecond, FetchTimeout: 2 * time.Second, MaxBackoff: 2 * time.Second,
		}},
		{"some timers, the rest default", withKeys("      max_stale: 1h\n      refresh_interval: 10m\n"),
			KeyCache{MaxStale: time.Hour, RefreshInterval: 10 * time.Minute}},
		{"refresh at the default minimum", withKeys("      refresh_interval: 5m\n"),
			KeyCache{RefreshInterval: 5 * time.Minute}},
		{"with jwks_url", strings.Replace(withKeys("      refresh_cooldown: 5s\n"), "discovery: true", "jwks_url: https://issuer.example.com/keys", 1),
			KeyCache{RefreshCooldown: 5 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(t, tt.text)
			require.NoError(t, err, "Parse(%q)", tt.text)
			require.Len(t, c.Issuers, 1)
			assert.Equal(t, tt.want, c.Issuers[0].Keys, "Issuers[0].Keys")
		})
	}
}

func TestParseKeyCacheErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"unknown timer", withKeys("      refresh: 5m\n"),
			[]string{`jwtgate.yaml:9: unknown key "refresh"`}},
		{"not a mapping", strings.Replace(base, "    discovery: true\n", "    discovery: true\n    keys: 5m\n", 1),
			[]string{`jwtgate.yaml:8: keys must be a mapping`}},
		{"wrong type", withKeys("      max_stale: true\n"),
			[]string{`jwtgate.yaml:9: keys.max_stale must be a string, not a boolean`}},
		{"not a duration", withKeys("      max_wait: 2\n"),
			[]string{`jwtgate.yaml:9: keys.max_wait: invalid duration "2" (write it as 30s, 5m or 1h30m)`}},
		{"negative", withKeys("      refresh_cooldown: -1s\n"),
			[]string{`jwtgate.yaml:9: keys.refresh_cooldown must not be negative`}},
		{"zero", withKeys("      fetch_timeout: 0s\n"),
			[]string{`jwtgate.yaml:9: keys.fetch_timeout must be more than 0s`}},
		{"given twice", withKeys("      max_stale: 1h\n      max_stale: 2h\n"),
			[]string{`jwtgate.yaml:10: key "max_stale" given twice`}},
		{"refresh below the default minimum", withKeys("      refresh_interval: 10s\n"),
			[]string{`jwtgate.yaml:9: issuer "https://issuer.example.com/": keys.refresh_interval (10s) is below keys.min_refresh_interval (the default 5m0s), which would win; set min_refresh_interval too`}},
		{"refresh above the maximum", withKeys("      max_refresh_interval: 2m\n      refresh_interval: 3m\n      min_refresh_interval: 1m\n"),
			[]string{`jwtgate.yaml:10: issuer "https://issuer.example.com/": keys.refresh_interval (3m0s) exceeds keys.max_refresh_interval (2m0s), which would win; set max_refresh_interval too`}},
		{"minimum above maximum", withKeys("      max_refresh_interval: 1m\n      min_refresh_interval: 2m\n"),
			[]string{`jwtgate.yaml:10: issuer "https://issuer.example.com/": keys.min_refresh_interval (2m0s) exceeds keys.max_refresh_interval (1m0s)`}},
		{"minimum above the default refresh", withKeys("      min_refresh_interval: 2h\n"),
			[]string{`jwtgate.yaml:9: issuer "https://issuer.example.com/": keys.refresh_interval (the default 1h0m0s) is below keys.min_refresh_interval (2h0m0s), which would win; set min_refresh_interval too`}},
		{"wait longer than the fetch", withKeys("      fetch_timeout: 1s\n"),
			[]string{`jwtgate.yaml:9: issuer "https://issuer.example.com/": keys.max_wait (the default 2s) exceeds keys.fetch_timeout (1s): no fetch lasts that long`}},
		{"backoff below the first retry", withKeys("      max_backoff: 500ms\n"),
			[]string{`jwtgate.yaml:9: issuer "https://issuer.example.com/": keys.max_backoff must be at least 1s (the first retry delay)`}},
		{"secret issuer", strings.Replace(base, "    discovery: true\n", "    secret_env: NOPE\n    keys:\n      max_stale: 1h\n", 1), []string{
			`jwtgate.yaml:7: issuer "https://issuer.example.com/": environment variable NOPE is not set`,
			`jwtgate.yaml:9: issuer "https://issuer.example.com/": keys (key-cache timers) apply only to discovery or jwks_url, not to a secret`,
		}},
		{"several at once", withKeys("      max_stale: soon\n      max_wait: 11s\n      colour: red\n"), []string{
			`jwtgate.yaml:9: keys.max_stale: invalid duration "soon" (write it as 30s, 5m or 1h30m)`,
			`jwtgate.yaml:10: issuer "https://issuer.example.com/": keys.max_wait (11s) exceeds keys.fetch_timeout (the default 10s): no fetch lasts that long`,
			`jwtgate.yaml:11: unknown key "colour"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(t, tt.text)
			require.Error(t, err, "Parse returned %+v, want errors %q", c, tt.want)
			var errs Errors
			require.True(t, errors.As(err, &errs), "Parse error %T, want Errors", err)
			got := make([]string, len(errs))
			for i, e := range errs {
				got[i] = e.Error()
			}
			assert.Equal(t, tt.want, got, "Parse errors")
		})
	}
}

func TestKeyCacheRemoteConfig(t *testing.T) {
	k := KeyCache{RefreshInterval: time.Minute, MinRefreshInterval: time.Second, MaxRefreshInterval: 2 * time.Minute,
		MaxStale: 3 * time.Minute, RefreshCooldown: 4 * time.Second, UnknownKeyTTL: 5 * time.Second,
		MaxWait: 6 * time.Millisecond, FetchTimeout: 7 * time.Second, MaxBackoff: 8 * time.Second}
	rc := k.RemoteConfig(jwks.RemoteConfig{URL: "https://issuer.example.com/keys", MaxBodySize: 99})
	want := jwks.RemoteConfig{URL: "https://issuer.example.com/keys", MaxBodySize: 99,
		RefreshInterval: time.Minute, MinRefreshInterval: time.Second, MaxRefreshInterval: 2 * time.Minute,
		MaxStale: 3 * time.Minute, RefreshCooldown: 4 * time.Second, UnknownKeyTTL: 5 * time.Second,
		MaxWait: 6 * time.Millisecond, FetchTimeout: 7 * time.Second, MaxBackoff: 8 * time.Second}
	assert.Equal(t, want, rc, "KeyCache.RemoteConfig")
	_, err := jwks.NewRemote(rc)
	require.NoError(t, err, "jwks.NewRemote(%+v)", rc)
	assert.Equal(t, jwks.RemoteConfig{URL: "u"}, KeyCache{}.RemoteConfig(jwks.RemoteConfig{URL: "u"}), "zero KeyCache keeps the defaults")
}
