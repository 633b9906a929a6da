package jwks_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

// The tests in this file run in testing/synctest bubbles: time is fake and
// advances only when every goroutine of the bubble is blocked, so timers,
// backoff and waiting bounds are checked exactly and without delay. The
// issuer is an http.Handler served through an in-memory transport, so that
// a fetch blocked in the handler is blocked inside the bubble.

// advance lets fake time pass inside a synctest bubble. (It is a sleep only
// in the bubble's fake time: the test does not wait.)
func advance(d time.Duration) { time.Sleep(d) }

// memTransport serves requests with a handler, in the caller's bubble,
// without the network. It honours the request's context, as a real
// transport does.
type memTransport struct{ h http.Handler }

func (t memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		t.h.ServeHTTP(rec, req)
	}()
	select {
	case <-done:
		return rec.Result(), nil
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
}

// stormIssuer is a scriptable JWKS endpoint that records its requests.
type stormIssuer struct {
	mu       sync.Mutex
	body     []byte
	status   int
	header   http.Header
	gate     chan struct{} // when set, requests wait for it to close
	times    []time.Time   // when each request arrived (fake time)
	inm      []string      // the If-None-Match of each request
	requests atomic.Int64
}

func newStormIssuer(body []byte) *stormIssuer {
	return &stormIssuer{body: body, status: http.StatusOK, header: http.Header{}}
}

func (s *stormIssuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	s.times = append(s.times, time.Now())
	s.inm = append(s.inm, r.Header.Get("If-None-Match"))
	gate, body, status := s.gate, s.body, s.status
	for k, v := range s.header {
		w.Header()[k] = v
	}
	etag := s.header.Get("ETag")
	s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
	}
	if status == http.StatusOK && etag != "" && r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *stormIssuer) set(f func(s *stormIssuer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (s *stormIssuer) arrivals() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.times...)
}

// stormRemote returns a Remote fetching from s (usually a *stormIssuer) in
// memory. It must be called inside the bubble, and closed there.
func stormRemote(t *testing.T, s http.Handler, cfg jwks.RemoteConfig) *jwks.Remote {
	t.Helper()
	cfg.URL = "https://issuer.test/jwks.json"
	cfg.HTTPClient = &http.Client{Transport: memTransport{s}}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r, err := jwks.NewRemote(cfg)
	require.NoError(t, err, "jwks.NewRemote")
	return r
}

func stormKey(t *testing.T) *ecdsa.PrivateKey { return genEC(t, elliptic.P256()) }

func TestRemoteRefreshesAheadOfExpiry(t *testing.T) {
	a := stormKey(t)
	s := newStormIssuer(jwksJSON(t, ecJWK("a", a)))
	s.header.Set("Cache-Control", "public, max-age=600")
	s.header.Set("ETag", `"v1"`)

	synctest.Test(t, func(t *testing.T) {
		r := stormRemote(t, s, jwks.RemoteConfig{})
		defer r.Close()
		start := time.Now()
		first, err := r.Keys(context.Background(), q("a"))
		require.NoError(t, err, "first lookup")
		st := r.Status()
		assert.Equal(t, start.Add(600*time.Second), st.ExpiresAt, "ExpiresAt from max-age=600")

		// The refresh comes at a random point between 75 % and 90 % of
		// the lifetime: not before 450 s, and by 540 s.
		advance(449 * time.Second)
		assert.Equal(t, int64(1), s.requests.Load(), "requests 449 s into a 600 s lifetime")
		advance(91 * time.Second)
		synctest.Wait()
		require.Equal(t, int64(2), s.requests.Load(), "requests 540 s into a 600 s lifetime; want the refresh")
		at := s.arrivals()[1].Sub(start)
		assert.True(t, at >= 450*time.Second && at <= 540*time.Second, "refresh at %v, want within [450 s, 540 s]", at)

		// The refresh was conditional and answered 304: same keys, newer
		// fetch time.
		s.set(func(s *stormIssuer) {
			assert.Equal(t, []string{"", `"v1"`}, s.inm, "If-None-Match of the two requests")
		})
		again, err := r.Keys(context.Background(), q("a"))
		require.NoError(t, err)
		assert.Same(t, first[0], again[0], "key after a 304 refresh")
		assert.Equal(t, start.Add(at), r.Status().FetchedAt, "FetchedAt after the 304")

		// Requests never waited: the refresh ran in the background while
		// the old set served lookups.
		assert.True(t, r.Status().Ready)
	})
}

func TestRemoteRefreshLifetimeIsClamped(t *testing.T) {
	a := stormKey(t)
	for _, tt := range []struct {
		name         string
		cacheControl string
		wantLifetime time.Duration
	}{
		{"tiny max-age uses the minimum", "max-age=1", jwks.DefaultMinRefreshInterval},
		{"no-store uses the minimum", "no-store", jwks.DefaultMinRefreshInterval},
		{"huge max-age uses the maximum", "max-age=99999999", jwks.DefaultMaxRefreshInterval},
		{"no header uses RefreshInterval", "", jwks.DefaultRefreshInterval},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStormIssuer(jwksJSON(t, ecJWK("a", a)))
			if tt.cacheControl != "" {
				s.header.Set("Cache-Control", tt.cacheControl)
			}
			synctest.Test(t, func(t *testing.T) {
				r := stormRemote(t, s, jwks.RemoteConfig{})
				defer r.Close()
				start := time.Now()
				_, err := r.Keys(context.Background(), q("a"))
				require.NoError(t, err)
				assert.Equal(t, start.Add(tt.wantLifetime), r.Status().ExpiresAt, "ExpiresAt for Cache-Control %q", tt.cacheControl)

				advance(tt.wantLifetime * 3 / 4)
				synctest.Wait()
				assert.Equal(t, int64(1), s.requests.Load(), "requests before 75 %% of the lifetime")
				advance(tt.wantLifetime * 15 / 100)
				synctest.Wait()
				assert.Equal(t, int64(2), s.requests.Load(), "requests by 90 %% of the lifetime")
			})
		})
	}
}

func TestRemoteBacksOffAfterFailures(t *testing.T) {
	s := newStormIssuer([]byte("down"))
	s.status = http.StatusInternalServerError
	const maxBackoff = 8 * time.Second
	synctest.Test(t, func(t *testing.T) {
		r := stormRemote(t, s, jwks.RemoteConfig{MaxBackoff: maxBackoff})
		defer r.Close()
		start := time.Now()
		err := r.Refresh(context.Background())
		require.Error(t, err, "Refresh against a failing issuer")

		advance(time.Minute)
		synctest.Wait()
		times := s.arrivals()
		require.Greater(t, len(times), 5, "retries in a minute after failures")
		// The n-th retry comes after d/2 to d, where d doubles from 1 s up
		// to MaxBackoff.
		d := time.Second
		for i := 1; i < len(times); i++ {
			gap := times[i].Sub(times[i-1])
			assert.True(t, gap >= d/2 && gap <= d, "gap before retry %d is %v, want within [%v, %v]", i, gap, d/2, d)
			d = min(2*d, maxBackoff)
		}
		// In a minute: gaps of at most 1+2+4+8+8+... s, at least
		// 0.5+1+2+4+4+... s.
		assert.LessOrEqual(t, len(times), 1+3+15, "attempts in a minute")
		assert.Equal(t, start, times[0])

		st := r.Status()
		assert.Equal(t, len(times), st.Failures, "Status().Failures after %d failed fetches", len(times))
		assert.False(t, st.Ready)
		assert.Error(t, st.LastError)

		// Lookups while failures back off fail at once with ErrUnavailable
		// and start no extra fetch.
		before := s.requests.Load()
		_, err = r.Keys(context.Background(), q("a"))
		assert.ErrorIs(t, err, jwks.ErrUnavailable, "lookup with nothing cached and the issuer down")
		assert.LessOrEqual(t, s.requests.Load(), before+1, "requests made by one lookup during backoff")

		// When the issuer comes back, the next retry recovers by itself.
		s.set(func(s *stormIssuer) {
			s.status = http.StatusOK
			s.body = jwksJSON(t, ecJWK("a", stormKey(t)))
		})
		advance(maxBackoff)
		synctest.Wait()
		assert.True(t, r.Status().Ready, "Status().Ready after the issuer recovered")
		_, err = r.Keys(context.Background(), q("a"))
		assert.NoError(t, err, "lookup after recovery")
	})
}

func TestRemoteCloseStopsBackgroundRefresh(t *testing.T) {
	a := stormKey(t)
	s := newStormIssuer(jwksJSON(t, ecJWK("a", a)))
	s.header.Set("Cache-Control", "max-age=600")
	synctest.Test(t, func(t *testing.T) {
		r := stormRemote(t, s, jwks.RemoteConfig{})
		_, err := r.Keys(context.Background(), q("a"))
		require.NoError(t, err)
		require.NoError(t, r.Close())
		advance(48 * time.Hour)
		assert.Equal(t, int64(1), s.requests.Load(), "requests in the 48 h after Close")
	})
}

func TestRemoteNewKidStormMakesOneFetch(t *testing.T) {
	a, b := stormKey(t), stormKey(t)
	s := newStormIssuer(jwksJSON(t, ecJWK("a", a)))
	synctest.Test(t, func(t *testing.T) {
		r := stormRemote(t, s, jwks.RemoteConfig{})
		defer r.Close()
		_, err := r.Keys(context.Background(), q("a"))
		require.NoError(t, err)

		// The issuer rotates: key b is published. Hold its answer until
		// every request is waiting.
		gate := make(chan struct{})
		s.set(func(s *stormIssuer) {
			s.body = jwksJSON(t, ecJWK("a", a), ecJWK("b", b))
			s.gate = gate
		})
		const n = 10000
		var wg sync.WaitGroup
		var failed atomic.Int64
		for range n {
			wg.Go(func() {
				if _, err := r.Keys(context.Background(), q("b")); err != nil {
					failed.Add(1)
				}
			})
		}
		synctest.Wait() // all n lookups are blocked: one in the fetch, the rest waiting for it
		assert.Equal(t, int64(2), s.requests.Load(), "requests while %d lookups for a new kid wait", n)
		close(gate)
		wg.Wait()
		assert.Zero(t, failed.Load(), "lookups for the new kid that failed")
		assert.Equal(t, int64(2), s.requests.Load(), "requests after %d lookups for one new kid", n)
	})
}

func TestRemoteBogusKidStormIsRateLimited(t *testing.T) {
	a := stormKey(t)
	s := newStormIssuer(jwksJSON(t, ecJWK("a", a)))
	const (
		n        = 10000
		cooldown = 30 * time.Second
		windows  = 4
	)
	synctest.Test(t, func(t *testing.T) {
		var refused atomic.Int64
		r := stormRemote(t, s, jwks.RemoteConfig{
			RefreshCooldown: cooldown,
			Hooks:           jwks.Hooks{OnCooldown: func() { refused.Add(1) }},
		})
		defer r.Close()
		_, err := r.Keys(context.Background(), q("a"))
		require.NoError(t, err)

		for w := range windows {
			var wg sync.WaitGroup
			var found atomic.Int64
			for i := range n {
				wg.Go(func() {
					if _, err := r.Keys(context.Background(), q(fmt.Sprintf("bogus-%d-%d", w, i))); err == nil {
						found.Add(1)
					} else {
						assert.ErrorIs(t, err, jwks.ErrKeyNotFound)
					}
				})
			}
			wg.Wait()
			assert.Zero(t, found.Load(), "bogus kids found")
			assert.Equal(t, int64(1+w+1), s.requests.Load(), "requests after %d windows of %d bogus kids", w+1, n)
			advance(cooldown)
		}
		assert.Positive(t, refused.Load(), "OnCooldown calls")
		// The known kid never stopped working.
		_, err = r.Keys(context.Background(), q("a"))
		assert.NoError(t, err)
	})
}

func TestRemoteWaitIsBounded(t *testing.T) {
	a := stormKey(t)
	s := newStormIssuer(jwksJSON(t, ecJWK("a", a)))
	const maxWait = 2 * time.Second
	synctest.Test(t, func(t *testing.T) {
		r := stormRemote(t, s, jwks.RemoteConfig{MaxWait: maxWait, FetchTimeout: time.Minute})
		defer r.Close()
		_, err := r.Keys(context.Background(), q("a"))
		require.NoError(t, err)

		// The issuer hangs. Lookups for unknown kids wait at most MaxWait,
		// then answer ErrUnavailable (the key may exist: try later); the
		// known kid never waits.
		gate := make(chan struct{})
		s.set(func(s *stormIssuer) { s.gate = gate })
		const n = 1000
		var wg sync.WaitGroup
		waited := make([]time.Duration, n)
		for i := range n {
			wg.Go(func() {
				start := time.Now()
				_, err := r.Keys(context.Background(), q(fmt.Sprintf("new-%d", i)))
				waited[i] = time.Since(start)
				assert.ErrorIs(t, err, jwks.ErrUnavailable, "lookup %d while the issuer hangs", i)
			})
		}
		synctest.Wait()
		start := time.Now()
		_, err = r.Keys(context.Background(), q("a"))
		assert.NoError(t, err, "lookup of the known kid while a fetch hangs")
		assert.Zero(t, time.Since(start), "time the known kid waited")
		wg.Wait()
		for i, w := range waited {
			if !assert.LessOrEqual(t, w, maxWait, "lookup %d waited", i) {
				break
			}
		}
		assert.Equal(t, int64(2), s.requests.Load(), "requests while %d lookups waited on a hung issuer", n)
		close(gate)
	})
}

func TestRemoteRotationThroughBackgroundRefresh(t *testing.T) {
	a, b := stormKey(t), stormKey(t)
	s := newStormIssuer(jwksJSON(t, ecJWK("a", a)))
	s.header.Set("Cache-Control", "max-age=3600")
	synctest.Test(t, func(t *testing.T) {
		r := stormRemote(t, s, jwks.RemoteConfig{})
		defer r.Close()
		_, err := r.Keys(context.Background(), q("a"))
		require.NoError(t, err)

		// New key published ahead of use: picked up by the next refresh,
		// with no request waiting.
		s.set(func(s *stormIssuer) { s.body = jwksJSON(t, ecJWK("a", a), ecJWK("b", b)) })
		advance(55 * time.Minute)
		synctest.Wait()
		_, err = r.Keys(context.Background(), q("b"))
		require.NoError(t, err, "new key after a background refresh")
		assert.Equal(t, int64(2), s.requests.Load())

		// Old key removed: its tokens fail once the next refresh has run.
		s.set(func(s *stormIssuer) { s.body = jwksJSON(t, ecJWK("b", b)) })
		_, err = r.Keys(context.Background(), q("a"))
		require.NoError(t, err, "old key before the next refresh")
		advance(55 * time.Minute)
		synctest.Wait()
		_, err = r.Keys(context.Background(), q("a"))
		assert.ErrorIs(t, err, jwks.ErrKeyNotFound, "old key after the refresh that removed it")
	})
}
