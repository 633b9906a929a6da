package jwks_test

import (
	"context"
	"crypto/elliptic"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

// hkFetchTime is how long every fetch takes on the fake clock: the server
// advances the clock by this much while answering.
const hkFetchTime = 250 * time.Millisecond

// hkServer is a JWKS endpoint that answers with a configurable status, body
// and headers, honours If-None-Match with a 304 when asked to, records the
// headers of each request, and advances a fake clock while answering.
type hkServer struct {
	*httptest.Server
	clock *fakeClock

	mu       sync.Mutex
	status   int
	body     []byte
	header   http.Header   // sent with 200 and 304 answers
	honour   bool          // answer 304 when If-None-Match equals the ETag
	requests []http.Header // headers of each request, in order
}

func hkNewServer(t *testing.T, clock *fakeClock, body []byte) *hkServer {
	t.Helper()
	s := &hkServer{clock: clock, status: http.StatusOK, body: body, header: http.Header{}}
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

func (s *hkServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.clock.Advance(hkFetchTime)
	s.mu.Lock()
	s.requests = append(s.requests, r.Header.Clone())
	status, body, honour := s.status, s.body, s.honour
	for name, values := range s.header {
		w.Header()[name] = values
	}
	etag := s.header.Get("ETag")
	s.mu.Unlock()
	if honour && etag != "" && r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// serve sets the answer to later requests: status, body and headers given
// as name, value pairs.
func (s *hkServer) serve(status int, body []byte, header ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body, s.header = status, body, http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		s.header.Add(header[i], header[i+1])
	}
}

func (s *hkServer) setHonour304(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.honour = on
}

// count returns the number of requests so far.
func (s *hkServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// request returns the headers of the n-th request (from 0).
func (s *hkServer) request(t *testing.T, n int) http.Header {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	require.Greater(t, len(s.requests), n, "the server saw %d requests; want request %d", len(s.requests), n)
	return s.requests[n]
}

// hkRecorder collects the events of a Remote's hooks.
type hkRecorder struct {
	mu        sync.Mutex
	fetches   []jwks.FetchEvent
	cooldowns atomic.Int64
}

func (h *hkRecorder) hooks() jwks.Hooks {
	return jwks.Hooks{
		OnFetch: func(ev jwks.FetchEvent) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.fetches = append(h.fetches, ev)
		},
		OnCooldown: func() { h.cooldowns.Add(1) },
	}
}

func (h *hkRecorder) events() []jwks.FetchEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]jwks.FetchEvent(nil), h.fetches...)
}

// last returns the last fetch event, requiring that there are n in all.
func (h *hkRecorder) last(t *testing.T, n int) jwks.FetchEvent {
	t.Helper()
	evs := h.events()
	require.Len(t, evs, n, "OnFetch calls: got %d (%+v), want %d", len(evs), evs, n)
	return evs[n-1]
}

func hkRemote(t *testing.T, cfg jwks.RemoteConfig) *jwks.Remote {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r, err := jwks.NewRemote(cfg)
	require.NoError(t, err, "NewRemote(%+v)", cfg)
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func TestHooksOnFetch(t *testing.T) {
	ctx := context.Background()
	a, b, e := genEC(t, elliptic.P256()), genEC(t, elliptic.P256()), genEC(t, elliptic.P256())
	clock := newFakeClock()
	t0 := clock.Now()
	doc := jwksJSON(t,
		ecJWK("a", a),
		ecJWK("enc", e, "use", "enc"),
		ecJWK("b", b),
		map[string]any{"kty": "EC", "kid": "broken", "crv": "P-256", "x": "AAAA"},
	)
	s := hkNewServer(t, clock, doc)
	s.serve(http.StatusOK, doc, "ETag", `"v1"`)
	var rec hkRecorder
	// The URL carries a password and a query; events must carry neither.
	u := strings.Replace(s.URL, "http://", "http://user:hunter2@", 1) + "/jwks?token=s3cret"
	r := hkRemote(t, jwks.RemoteConfig{URL: u, Now: clock.Now, Hooks: rec.hooks()})
	wantURL := s.URL + "/jwks" // user information and query removed

	// 200 with a new set.
	require.NoError(t, r.Refresh(ctx), "Remote.Refresh against a healthy issuer")
	ev := rec.last(t, 1)
	assert.Equal(t, jwks.FetchEvent{URL: wantURL, Result: jwks.FetchUpdated, Duration: hkFetchTime, Keys: 2, Skipped: 2}, ev,
		"OnFetch event of a 200 with two good keys, an enc key and a broken key")
	assert.Equal(t, "updated", string(jwks.FetchUpdated), "label of FetchUpdated")
	first := otKey(t, r, "a", "after the first fetch")
	assert.Equal(t, t0.Add(hkFetchTime), r.Status().FetchedAt, "Remote.Status().FetchedAt after the first fetch")

	// 304: the cached set is confirmed, keys keep their identity.
	s.setHonour304(true)
	clock.Advance(time.Minute)
	require.NoError(t, r.Refresh(ctx), "Remote.Refresh answered 304")
	ev = rec.last(t, 2)
	assert.Equal(t, jwks.FetchEvent{URL: wantURL, Result: jwks.FetchNotModified, Duration: hkFetchTime, Keys: 2}, ev,
		"OnFetch event of a 304; want the cached key count")
	assert.Equal(t, "not_modified", string(jwks.FetchNotModified), "label of FetchNotModified")
	assert.Equal(t, `"v1"`, s.request(t, 1).Get("If-None-Match"), "If-None-Match of the second request")
	assert.Same(t, first, otKey(t, r, "a", "after a 304"), "key after a 304")
	st := r.Status()
	assert.Equal(t, clock.Now(), st.FetchedAt, "Remote.Status().FetchedAt after a 304; want the time of the 304")
	assert.Equal(t, clock.Now().Add(jwks.DefaultRefreshInterval), st.ExpiresAt, "Remote.Status().ExpiresAt after a 304")
	assert.Equal(t, 2, st.Keys, "Remote.Status().Keys after a 304")

	// A failure.
	s.setHonour304(false)
	s.serve(http.StatusInternalServerError, []byte("down"))
	clock.Advance(time.Minute)
	err := r.Refresh(ctx)
	require.Error(t, err, "Remote.Refresh against a 500")
	ev = rec.last(t, 3)
	assert.Equal(t, jwks.FetchFailed, ev.Result, "OnFetch Result of a 500")
	assert.Equal(t, "failed", string(jwks.FetchFailed), "label of FetchFailed")
	assert.Equal(t, wantURL, ev.URL, "OnFetch URL of a 500")
	assert.Equal(t, hkFetchTime, ev.Duration, "OnFetch Duration of a 500")
	assert.Zero(t, ev.Keys, "OnFetch Keys of a failed fetch")
	require.Error(t, ev.Err, "OnFetch Err of a 500")
	assert.Equal(t, err.Error(), ev.Err.Error(), "OnFetch Err should be the error Refresh returned")

	// A body that is not a key set fails too, with the reason.
	s.serve(http.StatusOK, []byte("<html></html>"))
	require.Error(t, r.Refresh(ctx), "Remote.Refresh against an HTML page")
	ev = rec.last(t, 4)
	assert.Equal(t, jwks.FetchFailed, ev.Result, "OnFetch Result of an HTML page")
	assert.ErrorContains(t, ev.Err, "not a JSON object", "OnFetch Err of an HTML page")

	// Lookups of known keys make no fetch and no event.
	for range 5 {
		otKey(t, r, "b", "after failures")
	}
	assert.Len(t, rec.events(), 4, "OnFetch calls after lookups of known keys")
	for _, ev := range rec.events() {
		assert.NotContains(t, ev.URL, "hunter2", "OnFetch URL contains the password")
		assert.NotContains(t, ev.URL, "s3cret", "OnFetch URL contains the query")
		if ev.Err != nil {
			assert.NotContains(t, ev.Err.Error(), "hunter2", "OnFetch Err contains the password")
			assert.NotContains(t, ev.Err.Error(), "s3cret", "OnFetch Err contains the query")
		}
	}
}

func TestHooksOnFetchUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/jwks"
	srv.Close()
	var rec hkRecorder
	r := hkRemote(t, jwks.RemoteConfig{URL: url, Now: newFakeClock().Now, Hooks: rec.hooks()})
	_, err := r.Keys(context.Background(), q("a"))
	require.ErrorIs(t, err, jwks.ErrUnavailable, "Remote.Keys with the issuer unreachable")
	ev := rec.last(t, 1)
	assert.Equal(t, jwks.FetchFailed, ev.Result, "OnFetch Result with the issuer unreachable")
	assert.Equal(t, url, ev.URL, "OnFetch URL with the issuer unreachable")
	assert.Error(t, ev.Err, "OnFetch Err with the issuer unreachable")
	assert.True(t, errors.Is(err, ev.Err), "Remote.Keys error %q should wrap the fetch error %q", err, ev.Err)
}

func TestHooksOnCooldown(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock()
	ks := newKeyServer(t, jwksJSON(t, ecJWK("a", genEC(t, elliptic.P256()))))
	var rec hkRecorder
	r := ks.remote(t, jwks.RemoteConfig{Now: clock.Now, Hooks: rec.hooks()})
	require.NoError(t, r.Refresh(ctx), "Remote.Refresh")

	steps := []struct {
		name          string
		advance       time.Duration
		kid           string
		wantErr       error
		wantRequests  int64 // in all, after the step
		wantCooldowns int64 // in all, after the step
	}{
		{"known kid", 0, "a", nil, 1, 0},
		{"unknown kid x: fetches", 0, "x", jwks.ErrKeyNotFound, 2, 0},
		{"unknown kid y within the cooldown", time.Second, "y", jwks.ErrKeyNotFound, 2, 1},
		{"again y within the cooldown", time.Second, "y", jwks.ErrKeyNotFound, 2, 2},
		{"x within the cooldown", 0, "x", jwks.ErrKeyNotFound, 2, 3},
		{"known kid within the cooldown", 0, "a", nil, 2, 3},
		{"x after the cooldown: remembered as unknown", jwks.DefaultRefreshCooldown, "x", jwks.ErrKeyNotFound, 2, 4},
		{"y after the cooldown: fetches", 0, "y", jwks.ErrKeyNotFound, 3, 4},
		{"z right after y's fetch", 0, "z", jwks.ErrKeyNotFound, 3, 5},
		{"x after UnknownKeyTTL: fetches", jwks.DefaultUnknownKeyTTL, "x", jwks.ErrKeyNotFound, 4, 5},
	}
	for _, st := range steps {
		clock.Advance(st.advance)
		_, err := r.Keys(ctx, q(st.kid))
		if st.wantErr == nil {
			assert.NoError(t, err, "%s: Remote.Keys(kid %q)", st.name, st.kid)
		} else {
			assert.ErrorIs(t, err, st.wantErr, "%s: Remote.Keys(kid %q)", st.name, st.kid)
		}
		assert.Equal(t, st.wantRequests, ks.requests(), "%s: requests in all", st.name)
		assert.Equal(t, st.wantCooldowns, rec.cooldowns.Load(), "%s: OnCooldown calls in all", st.name)
	}

	t.Run("after a failed fetch", func(t *testing.T) {
		clock := newFakeClock()
		ks := newKeyServer(t, jwksJSON(t, ecJWK("a", genEC(t, elliptic.P256()))))
		var rec hkRecorder
		r := ks.remote(t, jwks.RemoteConfig{Now: clock.Now, Hooks: rec.hooks()})
		require.NoError(t, r.Refresh(ctx))
		ks.serve(http.StatusInternalServerError, nil)
		require.Error(t, r.Refresh(ctx), "Remote.Refresh against a 500")
		_, err := r.Keys(ctx, q("new"))
		assert.ErrorIs(t, err, jwks.ErrUnavailable, "Remote.Keys(unknown kid) right after a failed fetch: the issuer cannot be asked")
		assert.Equal(t, int64(2), ks.requests(), "requests for an unknown kid right after a failed fetch")
		assert.Equal(t, int64(1), rec.cooldowns.Load(), "OnCooldown calls for an unknown kid right after a failed fetch")
	})
}

func TestRemoteStatus(t *testing.T) {
	ctx := context.Background()
	doc := jwksJSON(t, ecJWK("a", genEC(t, elliptic.P256())), ecJWK("b", genEC(t, elliptic.P256())))

	t.Run("before any fetch", func(t *testing.T) {
		s := hkNewServer(t, newFakeClock(), doc)
		r := hkRemote(t, jwks.RemoteConfig{URL: s.URL, Now: s.clock.Now})
		assert.Equal(t, jwks.Status{}, r.Status(), "Remote.Status() before any fetch; want the zero Status")
		assert.Zero(t, s.count(), "requests made by Remote.Status(); want none")
	})

	// The lifetime of a set comes from the answer's caching headers,
	// clamped to [MinRefreshInterval, MaxRefreshInterval].
	const minI, interval, maxI = 2 * time.Minute, 20 * time.Minute, time.Hour
	for _, tc := range []struct {
		name   string
		header []string
		want   time.Duration
	}{
		{"no caching headers", nil, interval},
		{"max-age within the bounds", []string{"Cache-Control", "public, max-age=600"}, 10 * time.Minute},
		{"max-age below the minimum", []string{"Cache-Control", "max-age=30"}, minI},
		{"max-age zero", []string{"Cache-Control", "max-age=0"}, minI},
		{"max-age above the maximum", []string{"Cache-Control", "max-age=86400"}, maxI},
		{"max-age less Age", []string{"Cache-Control", "max-age=600", "Age", "100"}, 500 * time.Second},
		{"no-cache", []string{"Cache-Control", "no-cache"}, minI},
		{"no-cache before max-age", []string{"Cache-Control", "no-cache, max-age=1800"}, minI},
		{"no-cache after max-age", []string{"Cache-Control", "max-age=1800, no-cache"}, minI},
		{"no-store in a second line", []string{"Cache-Control", "max-age=1800", "Cache-Control", "no-store"}, minI},
		{"max-age in a second line", []string{"Cache-Control", "public", "Cache-Control", "max-age=1800"}, 30 * time.Minute},
		// An unparsable Cache-Control does not fail the fetch: the set is
		// used, and refreshed soon.
		{"max-age without a value", []string{"Cache-Control", "max-age="}, minI},
		{"max-age not a number", []string{"Cache-Control", "max-age=soon"}, minI},
		{"Expires against Date", []string{"Date", hkHTTPDate(newFakeClock().Now()), "Expires", hkHTTPDate(newFakeClock().Now().Add(30 * time.Minute))}, 30 * time.Minute},
		{"invalid Expires", []string{"Expires", "0"}, minI},
	} {
		t.Run("lifetime: "+tc.name, func(t *testing.T) {
			clock := newFakeClock()
			s := hkNewServer(t, clock, doc)
			s.serve(http.StatusOK, doc, tc.header...)
			r := hkRemote(t, jwks.RemoteConfig{URL: s.URL, Now: clock.Now, RefreshInterval: interval, MinRefreshInterval: minI, MaxRefreshInterval: maxI})
			require.NoError(t, r.Refresh(ctx), "Remote.Refresh")
			fetched := clock.Now()
			clock.Advance(90 * time.Second)
			st := r.Status()
			assert.Equal(t, jwks.Status{Ready: true, Keys: 2, FetchedAt: fetched, ExpiresAt: fetched.Add(tc.want), Age: 90 * time.Second}, st,
				"Remote.Status() 90 s after a fetch answered with %q", tc.header)
		})
	}

	t.Run("failure, then past staleness", func(t *testing.T) {
		clock := newFakeClock()
		s := hkNewServer(t, clock, doc)
		r := hkRemote(t, jwks.RemoteConfig{URL: s.URL, Now: clock.Now, RefreshInterval: 10 * time.Minute, MaxStale: time.Hour})
		require.NoError(t, r.Refresh(ctx), "Remote.Refresh")
		fetched := clock.Now()

		s.serve(http.StatusServiceUnavailable, nil)
		clock.Advance(time.Minute)
		refreshErr := r.Refresh(ctx)
		require.Error(t, refreshErr, "Remote.Refresh against a 503")
		st := r.Status()
		assert.True(t, st.Ready, "Remote.Status().Ready after one failure; want true, the set is still usable")
		assert.Equal(t, 2, st.Keys, "Remote.Status().Keys after one failure")
		assert.Equal(t, 1, st.Failures, "Remote.Status().Failures after one failure")
		require.Error(t, st.LastError, "Remote.Status().LastError after one failure")
		assert.Equal(t, refreshErr.Error(), st.LastError.Error(), "Remote.Status().LastError; want the error of the failed fetch")
		assert.Equal(t, fetched, st.FetchedAt, "Remote.Status().FetchedAt after a failure; want the last good fetch")
		assert.Equal(t, clock.Now().Sub(fetched), st.Age, "Remote.Status().Age after a failure")

		require.Error(t, r.Refresh(ctx), "second Remote.Refresh against a 503")
		assert.Equal(t, 2, r.Status().Failures, "Remote.Status().Failures after two failures")

		// Just before and at fetchedAt + lifetime + MaxStale.
		clock.Advance(fetched.Add(70*time.Minute).Sub(clock.Now()) - time.Nanosecond)
		assert.True(t, r.Status().Ready, "Remote.Status().Ready 1 ns before MaxStale past expiry")
		clock.Advance(time.Nanosecond)
		st = r.Status()
		assert.False(t, st.Ready, "Remote.Status().Ready MaxStale past expiry; want false")
		assert.Zero(t, st.Keys, "Remote.Status().Keys MaxStale past expiry")
		assert.Equal(t, fetched, st.FetchedAt, "Remote.Status().FetchedAt MaxStale past expiry")
		assert.Equal(t, 70*time.Minute, st.Age, "Remote.Status().Age MaxStale past expiry")
		assert.Equal(t, 2, st.Failures, "Remote.Status().Failures MaxStale past expiry")
	})
}

// hkHTTPDate formats t for a Date or Expires header.
func hkHTTPDate(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// hkOpaque is a source that reports no status.
type hkOpaque struct{}

func (hkOpaque) Keys(context.Context, jwks.Query) ([]*jwks.Key, error) {
	return nil, jwks.ErrKeyNotFound
}

func TestByIssuerStatus(t *testing.T) {
	ctx := context.Background()
	const issA, issB, issS, issO = "https://a.test", "https://b.test", "https://static.test", "https://opaque.test"
	clock := newFakeClock()
	t0 := clock.Now()
	srvA := hkNewServer(t, clock, jwksJSON(t, ecJWK("a1", genEC(t, elliptic.P256())), ecJWK("a2", genEC(t, elliptic.P256()))))
	docB := jwksJSON(t, ecJWK("b1", genEC(t, elliptic.P256())))
	srvB := hkNewServer(t, clock, docB)
	srvB.serve(http.StatusInternalServerError, nil)
	remoteA := hkRemote(t, jwks.RemoteConfig{URL: srvA.URL, Now: clock.Now})
	remoteB := hkRemote(t, jwks.RemoteConfig{URL: srvB.URL, Now: clock.Now})
	static, err := jwks.NewStatic(publicKey(t, "s1", &genEC(t, elliptic.P256()).PublicKey))
	require.NoError(t, err)
	b, err := jwks.NewByIssuer(map[string]jwks.Source{issA: remoteA, issB: remoteB, issS: static, issO: hkOpaque{}})
	require.NoError(t, err)

	assert.Equal(t, jwks.Status{Keys: 1}, b.Status(), "ByIssuer.Status() before any fetch: want not ready, the static key counted")

	require.NoError(t, remoteA.Refresh(ctx), "Remote.Refresh for A")
	fetchedA := clock.Now()
	require.Error(t, remoteB.Refresh(ctx), "Remote.Refresh for B against a 500")
	clock.Advance(time.Minute)

	st := b.Status()
	assert.False(t, st.Ready, "ByIssuer.Status().Ready with B never fetched; want false")
	assert.Equal(t, 3, st.Keys, "ByIssuer.Status().Keys: A's 2 + the static 1")
	assert.Equal(t, 1, st.Failures, "ByIssuer.Status().Failures")
	require.Error(t, st.LastError, "ByIssuer.Status().LastError with B failing")
	assert.Contains(t, st.LastError.Error(), `issuer "`+issB+`"`, "ByIssuer.Status().LastError should name the failing issuer")
	assert.Contains(t, st.LastError.Error(), "500", "ByIssuer.Status().LastError should carry the cause")
	assert.Equal(t, fetchedA, st.FetchedAt, "ByIssuer.Status().FetchedAt")
	assert.Equal(t, clock.Now().Sub(fetchedA), st.Age, "ByIssuer.Status().Age: A's")

	// B recovers a minute later: everything is ready; the oldest fetch is
	// reported.
	srvB.serve(http.StatusOK, docB)
	require.NoError(t, remoteB.Refresh(ctx), "Remote.Refresh for B after recovery")
	st = b.Status()
	assert.True(t, st.Ready, "ByIssuer.Status().Ready with every source ready: %+v", st)
	assert.Equal(t, 4, st.Keys, "ByIssuer.Status().Keys: 2 + 1 + 1")
	assert.Zero(t, st.Failures, "ByIssuer.Status().Failures after recovery")
	assert.NoError(t, st.LastError, "ByIssuer.Status().LastError after recovery")
	assert.Equal(t, fetchedA, st.FetchedAt, "ByIssuer.Status().FetchedAt: want the oldest fetch, A's")
	assert.Equal(t, fetchedA.Add(jwks.DefaultRefreshInterval), st.ExpiresAt, "ByIssuer.Status().ExpiresAt: A's")
	assert.Equal(t, clock.Now().Sub(fetchedA), st.Age, "ByIssuer.Status().Age: A's")
	assert.Equal(t, t0.Add(hkFetchTime), fetchedA, "time of A's fetch: the fetch took hkFetchTime")
}

func TestStaticStatus(t *testing.T) {
	for _, n := range []int{1, 3} {
		keys := make([]*jwks.Key, n)
		for i := range keys {
			keys[i] = publicKey(t, string(rune('a'+i)), &genEC(t, elliptic.P256()).PublicKey)
		}
		s, err := jwks.NewStatic(keys...)
		require.NoError(t, err)
		assert.Equal(t, jwks.Status{Ready: true, Keys: n}, s.Status(), "Static.Status() of %d keys", n)
	}
}

func TestRemoteConditionalRequests(t *testing.T) {
	ctx := context.Background()
	const lastModified = "Fri, 02 Jan 2026 03:00:00 GMT"
	doc := jwksJSON(t, ecJWK("a", genEC(t, elliptic.P256())))

	for _, tc := range []struct {
		name        string
		header      []string // validators of the first answer
		wantINM     string
		wantIMS     string
		wantUpdated jwks.FetchResult // result of the second fetch
	}{
		{"ETag and Last-Modified", []string{"ETag", `"v1"`, "Last-Modified", lastModified}, `"v1"`, lastModified, jwks.FetchNotModified},
		{"weak ETag only", []string{"ETag", `W/"v1"`}, `W/"v1"`, "", jwks.FetchNotModified},
		{"Last-Modified only", []string{"Last-Modified", lastModified}, "", lastModified, jwks.FetchUpdated},
		{"no validators", nil, "", "", jwks.FetchUpdated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			s := hkNewServer(t, clock, doc)
			s.serve(http.StatusOK, doc, tc.header...)
			s.setHonour304(true)
			var rec hkRecorder
			r := hkRemote(t, jwks.RemoteConfig{URL: s.URL, Now: clock.Now, Hooks: rec.hooks()})

			require.NoError(t, r.Refresh(ctx), "first Remote.Refresh")
			first := s.request(t, 0)
			assert.Empty(t, first.Values("If-None-Match"), "If-None-Match of the first request")
			assert.Empty(t, first.Values("If-Modified-Since"), "If-Modified-Since of the first request")

			require.NoError(t, r.Refresh(ctx), "second Remote.Refresh")
			second := s.request(t, 1)
			assert.Equal(t, tc.wantINM, second.Get("If-None-Match"), "If-None-Match of the second request after an answer with %q", tc.header)
			assert.Equal(t, tc.wantIMS, second.Get("If-Modified-Since"), "If-Modified-Since of the second request after an answer with %q", tc.header)
			assert.Equal(t, tc.wantUpdated, rec.last(t, 2).Result, "OnFetch Result of the second fetch")
		})
	}

	t.Run("new validators replace the old", func(t *testing.T) {
		clock := newFakeClock()
		s := hkNewServer(t, clock, doc)
		s.serve(http.StatusOK, doc, "ETag", `"v1"`, "Last-Modified", lastModified)
		r := hkRemote(t, jwks.RemoteConfig{URL: s.URL, Now: clock.Now})
		require.NoError(t, r.Refresh(ctx))
		const later = "Sat, 03 Jan 2026 03:00:00 GMT"
		s.serve(http.StatusOK, doc, "ETag", `"v2"`, "Last-Modified", later)
		require.NoError(t, r.Refresh(ctx))
		require.NoError(t, r.Refresh(ctx))
		third := s.request(t, 2)
		assert.Equal(t, `"v2"`, third.Get("If-None-Match"), "If-None-Match after the ETag changed")
		assert.Equal(t, later, third.Get("If-Modified-Since"), "If-Modified-Since after Last-Modified changed")

		// A failed fetch leaves the validators of the cached set.
		s.serve(http.StatusInternalServerError, nil)
		require.Error(t, r.Refresh(ctx))
		s.serve(http.StatusOK, doc)
		require.NoError(t, r.Refresh(ctx))
		assert.Equal(t, `"v2"`, s.request(t, 4).Get("If-None-Match"), "If-None-Match after a failed fetch")
	})
}
