package config

import (
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/jwtgate/jwtgate/jwks"
)

// KeyCache holds the optional timers of a remote key source (an issuer
// with discovery or jwks_url), from the issuer's "keys" mapping. A zero
// field means the jwks package's default (jwks.DefaultRefreshInterval and
// the like); jwks/REFRESH.md explains each timer.
type KeyCache struct {
	RefreshInterval    time.Duration // lifetime of a set sent without caching headers
	MinRefreshInterval time.Duration // shortest lifetime, whatever the headers say
	MaxRefreshInterval time.Duration // longest lifetime, whatever the headers say
	MaxStale           time.Duration // how long past expiry the last good set serves while fetches fail
	RefreshCooldown    time.Duration // shortest time between fetches made for unknown key IDs
	UnknownKeyTTL      time.Duration // how long a key ID missing after a fetch fails at once
	MaxWait            time.Duration // how long a lookup waits for a fetch
	FetchTimeout       time.Duration // bound of one fetch, discovery included
	MaxBackoff         time.Duration // cap of the delay between retries after failures
}

// RemoteConfig returns the jwks.RemoteConfig fields k sets, on top of rc.
func (k KeyCache) RemoteConfig(rc jwks.RemoteConfig) jwks.RemoteConfig {
	rc.RefreshInterval = k.RefreshInterval
	rc.MinRefreshInterval = k.MinRefreshInterval
	rc.MaxRefreshInterval = k.MaxRefreshInterval
	rc.MaxStale = k.MaxStale
	rc.RefreshCooldown = k.RefreshCooldown
	rc.UnknownKeyTTL = k.UnknownKeyTTL
	rc.MaxWait = k.MaxWait
	rc.FetchTimeout = k.FetchTimeout
	rc.MaxBackoff = k.MaxBackoff
	return rc
}

// minBackoff is the first retry delay of jwks.Remote: a lower max_backoff
// would be a cap below the first step.
const minBackoff = time.Second

// keyCache decodes an issuer's "keys" mapping: every timer more than zero,
// and the ones that depend on each other consistent once the defaults are
// filled in.
func (d *decoder) keyCache(n *yaml.Node, issuer string) KeyCache {
	var k KeyCache
	lines := map[string]*yaml.Node{}
	timer := func(key string, dst *time.Duration) func(*yaml.Node) {
		return func(v *yaml.Node) {
			lines[key] = v
			*dst = d.positive(v, "keys."+key, 0)
		}
	}
	if !d.mapping(n, "keys", fields{
		"refresh_interval":     timer("refresh_interval", &k.RefreshInterval),
		"min_refresh_interval": timer("min_refresh_interval", &k.MinRefreshInterval),
		"max_refresh_interval": timer("max_refresh_interval", &k.MaxRefreshInterval),
		"max_stale":            timer("max_stale", &k.MaxStale),
		"refresh_cooldown":     timer("refresh_cooldown", &k.RefreshCooldown),
		"unknown_key_ttl":      timer("unknown_key_ttl", &k.UnknownKeyTTL),
		"max_wait":             timer("max_wait", &k.MaxWait),
		"fetch_timeout":        timer("fetch_timeout", &k.FetchTimeout),
		"max_backoff":          timer("max_backoff", &k.MaxBackoff),
	}) {
		return k
	}
	// or returns the value in effect and how to name it in a message.
	or := func(v, def time.Duration) (time.Duration, string) {
		if v == 0 {
			return def, "the default " + def.String()
		}
		return v, v.String()
	}
	// at returns the node to report a conflict at: the first of keys set.
	at := func(keys ...string) *yaml.Node {
		for _, key := range keys {
			if v := lines[key]; v != nil {
				return v
			}
		}
		return n
	}
	refresh, refreshS := or(k.RefreshInterval, jwks.DefaultRefreshInterval)
	lo, loS := or(k.MinRefreshInterval, jwks.DefaultMinRefreshInterval)
	hi, hiS := or(k.MaxRefreshInterval, jwks.DefaultMaxRefreshInterval)
	wait, waitS := or(k.MaxWait, jwks.DefaultMaxWait)
	timeout, timeoutS := or(k.FetchTimeout, jwks.DefaultFetchTimeout)
	switch {
	case lo > hi:
		d.errorf(at("min_refresh_interval", "max_refresh_interval"),
			"issuer %q: keys.min_refresh_interval (%s) exceeds keys.max_refresh_interval (%s)", issuer, loS, hiS)
	case refresh < lo:
		d.errorf(at("refresh_interval", "min_refresh_interval"),
			"issuer %q: keys.refresh_interval (%s) is below keys.min_refresh_interval (%s), which would win; set min_refresh_interval too", issuer, refreshS, loS)
	case refresh > hi:
		d.errorf(at("refresh_interval", "max_refresh_interval"),
			"issuer %q: keys.refresh_interval (%s) exceeds keys.max_refresh_interval (%s), which would win; set max_refresh_interval too", issuer, refreshS, hiS)
	}
	if wait > timeout {
		d.errorf(at("max_wait", "fetch_timeout"),
			"issuer %q: keys.max_wait (%s) exceeds keys.fetch_timeout (%s): no fetch lasts that long", issuer, waitS, timeoutS)
	}
	if k.MaxBackoff != 0 && k.MaxBackoff < minBackoff {
		d.errorf(lines["max_backoff"], "issuer %q: keys.max_backoff must be at least %v (the first retry delay)", issuer, minBackoff)
	}
	return k
}
