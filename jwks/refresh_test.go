package jwks

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCacheLifetime covers how the caching headers of a JWKS answer give its
// lifetime. Directive order and the split into header lines must not matter;
// no-store and no-cache win wherever they appear; invalid freshness
// information counts as stale (a lifetime of zero, which the Remote raises to
// MinRefreshInterval), as RFC 9111 sections 4.2.1 and 5.3 encourage, and never
// fails the fetch.
func TestCacheLifetime(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	httpDate := func(t time.Time) string { return t.Format(http.TimeFormat) }
	const deltaCap = (1 << 31) * time.Second // RFC 9111 section 1.2.2
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{"nothing", http.Header{}, 0, false},
		{"empty Cache-Control", http.Header{"Cache-Control": {""}}, 0, false},
		{"no freshness directive", http.Header{"Cache-Control": {"public, must-revalidate"}}, 0, false},
		{"s-maxage is for shared caches", http.Header{"Cache-Control": {"s-maxage=600"}}, 0, false},

		{"max-age", http.Header{"Cache-Control": {"max-age=600"}}, 600 * time.Second, true},
		{"max-age among directives", http.Header{"Cache-Control": {"public, max-age=300, must-revalidate"}}, 300 * time.Second, true},
		{"max-age with spaces", http.Header{"Cache-Control": {" public ,  max-age = 300 "}}, 300 * time.Second, true},
		{"max-age upper case", http.Header{"Cache-Control": {"Max-Age=60"}}, time.Minute, true},
		{"max-age in a second header line", http.Header{"Cache-Control": {"public", "max-age=60"}}, time.Minute, true},
		{"max-age zero", http.Header{"Cache-Control": {"max-age=0"}}, 0, true},
		{"max-age repeated: the smallest", http.Header{"Cache-Control": {"max-age=600, max-age=60"}}, time.Minute, true},
		{"max-age repeated, other order", http.Header{"Cache-Control": {"max-age=60, max-age=600"}}, time.Minute, true},
		{"max-age repeated across lines", http.Header{"Cache-Control": {"max-age=600", "max-age=60"}}, time.Minute, true},
		{"max-age over 2^31 s capped", http.Header{"Cache-Control": {"max-age=999999999999999999"}}, deltaCap, true},
		{"max-age beyond uint64 capped", http.Header{"Cache-Control": {"max-age=99999999999999999999999"}}, deltaCap, true},

		{"max-age less Age", http.Header{"Cache-Control": {"max-age=600"}, "Age": {"100"}}, 500 * time.Second, true},
		{"Age beyond max-age", http.Header{"Cache-Control": {"max-age=60"}, "Age": {"100"}}, -40 * time.Second, true},
		{"Age invalid ignored", http.Header{"Cache-Control": {"max-age=600"}, "Age": {"soon"}}, 600 * time.Second, true},
		{"Age negative ignored", http.Header{"Cache-Control": {"max-age=600"}, "Age": {"-100"}}, 600 * time.Second, true},
		{"Age huge", http.Header{"Cache-Control": {"max-age=600"}, "Age": {"99999999999999999999999"}}, 600*time.Second - deltaCap, true},
		{"Age without max-age ignored", http.Header{"Age": {"100"}}, 0, false},

		{"no-store", http.Header{"Cache-Control": {"no-store"}}, 0, true},
		{"no-cache", http.Header{"Cache-Control": {"no-cache"}}, 0, true},
		{"NO-STORE upper case", http.Header{"Cache-Control": {"NO-STORE"}}, 0, true},
		{"no-cache before max-age", http.Header{"Cache-Control": {"no-cache, max-age=600"}}, 0, true},
		{"no-cache after max-age", http.Header{"Cache-Control": {"max-age=600, no-cache"}}, 0, true},
		{"no-store before max-age", http.Header{"Cache-Control": {"no-store, max-age=600"}}, 0, true},
		{"no-store after max-age", http.Header{"Cache-Control": {"max-age=600, no-store"}}, 0, true},
		{"no-cache in a later line", http.Header{"Cache-Control": {"max-age=600", "no-cache"}}, 0, true},
		{"no-cache in an earlier line", http.Header{"Cache-Control": {"no-cache", "max-age=600"}}, 0, true},
		{"no-cache naming a field", http.Header{"Cache-Control": {`max-age=600, no-cache="Set-Cookie"`}}, 0, true},
		{"no-cache beats Expires", http.Header{"Cache-Control": {"no-cache"}, "Expires": {httpDate(now.Add(time.Hour))}}, 0, true},

		// Invalid freshness information: stale, whatever else is said.
		{"max-age not a number", http.Header{"Cache-Control": {"max-age=soon"}}, 0, true},
		{"max-age negative", http.Header{"Cache-Control": {"max-age=-5"}}, 0, true},
		{"max-age without value", http.Header{"Cache-Control": {"max-age"}}, 0, true},
		{"max-age with an empty value", http.Header{"Cache-Control": {"max-age="}}, 0, true},
		{"extension with an empty value", http.Header{"Cache-Control": {"max-age=600, foo="}}, 0, true},
		// httpcc takes max-age in token form only; a quoted value makes
		// the line unparsable.
		{"max-age quoted", http.Header{"Cache-Control": {`max-age="60"`}}, 0, true},
		{"unquoted argument to no-cache", http.Header{"Cache-Control": {"max-age=600, no-cache=Set-Cookie"}}, 0, true},
		{"argument to no-store", http.Header{"Cache-Control": {"no-store=1, max-age=600"}}, 0, true},
		{"bad line among good ones", http.Header{"Cache-Control": {"max-age=600", "max-age=soon"}}, 0, true},
		{"bad line beats Expires", http.Header{"Cache-Control": {"max-age="}, "Expires": {httpDate(now.Add(time.Hour))}}, 0, true},
		{"bad max-age beats a good one", http.Header{"Cache-Control": {"max-age=600, max-age=x"}}, 0, true},

		{"Expires against Date", http.Header{"Expires": {httpDate(now.Add(2 * time.Hour))}, "Date": {httpDate(now.Add(time.Hour))}}, time.Hour, true},
		{"Expires against now", http.Header{"Expires": {httpDate(now.Add(2 * time.Hour))}}, 2 * time.Hour, true},
		{"Expires against now, Date invalid", http.Header{"Expires": {httpDate(now.Add(2 * time.Hour))}, "Date": {"yesterday"}}, 2 * time.Hour, true},
		{"Expires in the past", http.Header{"Expires": {httpDate(now.Add(-time.Hour))}}, -time.Hour, true},
		{"invalid Expires means expired", http.Header{"Expires": {"0"}}, 0, true},
		{"max-age beats Expires", http.Header{"Cache-Control": {"max-age=60"}, "Expires": {httpDate(now.Add(time.Hour))}}, time.Minute, true},
		{"Expires with other directives", http.Header{"Cache-Control": {"public"}, "Expires": {httpDate(now.Add(time.Hour))}}, time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got time.Duration
			var ok bool
			require.NotPanics(t, func() { got, ok = cacheLifetime(tt.header, now) }, "cacheLifetime(%q)", tt.header)
			assert.Equal(t, tt.ok, ok, "cacheLifetime(%q) reported a lifetime", tt.header)
			assert.Equal(t, tt.want, got, "cacheLifetime(%q)", tt.header)
		})
	}
}

func TestLifetimeClamp(t *testing.T) {
	r, err := NewRemote(RemoteConfig{URL: "https://issuer.test/jwks", MinRefreshInterval: time.Minute, MaxRefreshInterval: time.Hour, RefreshInterval: 10 * time.Minute})
	require.NoError(t, err)
	now := time.Now()
	for _, tt := range []struct {
		cc   string
		want time.Duration
	}{
		{"", 10 * time.Minute},
		{"max-age=5", time.Minute},
		{"max-age=1800", 30 * time.Minute},
		{"max-age=86400", time.Hour},
		{"no-store", time.Minute},
		{"no-cache, max-age=1800", time.Minute},
		{"max-age=1800, no-cache", time.Minute},
		{"max-age=", time.Minute},
		{"max-age=-1800", time.Minute},
	} {
		h := http.Header{}
		if tt.cc != "" {
			h.Set("Cache-Control", tt.cc)
		}
		assert.Equal(t, tt.want, r.lifetime(h, now), "lifetime with Cache-Control %q", tt.cc)
	}

	_, err = NewRemote(RemoteConfig{URL: "https://issuer.test/jwks", MinRefreshInterval: time.Hour, MaxRefreshInterval: time.Minute})
	assert.ErrorContains(t, err, "MinRefreshInterval", "NewRemote with Min > Max")
}

func TestRefreshDelayIsJittered(t *testing.T) {
	const lifetime = time.Hour
	lo, hi := lifetime, time.Duration(0)
	for range 2000 {
		d := refreshDelay(lifetime)
		require.True(t, d >= lifetime*75/100 && d <= lifetime*90/100, "refreshDelay(%v) = %v, want within [75 %%, 90 %%]", lifetime, d)
		lo, hi = min(lo, d), max(hi, d)
	}
	// 2000 draws spread over the whole window: a fleet does not refresh
	// in the same second.
	assert.Less(t, lo, lifetime*76/100, "smallest of 2000 delays")
	assert.Greater(t, hi, lifetime*89/100, "largest of 2000 delays")
}

func TestBackoffDoublesToTheCap(t *testing.T) {
	r, err := NewRemote(RemoteConfig{URL: "https://issuer.test/jwks", MaxBackoff: 10 * time.Second})
	require.NoError(t, err)
	want := []time.Duration{1, 2, 4, 8, 10, 10, 10}
	for i, w := range want {
		r.failures = i + 1
		w *= time.Second
		for range 50 {
			d := r.backoff()
			require.True(t, d >= w/2 && d <= w, "backoff after %d failures = %v, want within [%v, %v]", i+1, d, w/2, w)
		}
	}
	r.failures = 1000 // no overflow
	d := r.backoff()
	assert.True(t, d >= 5*time.Second && d <= 10*time.Second, "backoff after 1000 failures = %v", d)
}

func TestUnknownKeyMemoryIsBounded(t *testing.T) {
	r, err := NewRemote(RemoteConfig{URL: "https://issuer.test/jwks"})
	require.NoError(t, err)
	// Simulate the bookkeeping of lookupAfterFetch for many distinct kids.
	now := time.Now()
	for i := range 3 * maxUnknownKeys {
		r.mu.Lock()
		if len(r.unknown) >= maxUnknownKeys {
			clear(r.unknown)
		}
		r.unknown[fmt.Sprint("kid-", i)] = now.Add(time.Minute)
		size := len(r.unknown)
		r.mu.Unlock()
		require.LessOrEqual(t, size, maxUnknownKeys, "unknown-kid memory after %d kids", i+1)
	}
}
