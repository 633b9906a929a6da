package jwks_test

import (
	"bytes"
	"context"
	"crypto/elliptic"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

// keyServer is a JWKS endpoint on loopback that counts its requests and can
// hold them until the test releases them.
type keyServer struct {
	*httptest.Server
	hits atomic.Int64

	mu      sync.Mutex
	status  int
	body    []byte
	accept  string
	gate    chan struct{} // requests wait for it to close, if set
	entered chan struct{} // told of each held request
	down    chan struct{} // closed when the test ends
	once    sync.Once
}

func newKeyServer(t *testing.T, body []byte) *keyServer {
	t.Helper()
	ks := &keyServer{status: http.StatusOK, body: body, down: make(chan struct{})}
	ks.Server = httptest.NewServer(ks)
	t.Cleanup(ks.Close)
	t.Cleanup(ks.shutdown) // runs before Close: frees held handlers
	return ks
}

func (ks *keyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ks.hits.Add(1)
	ks.mu.Lock()
	status, body, gate, entered := ks.status, ks.body, ks.gate, ks.entered
	ks.accept = r.Header.Get("Accept")
	ks.mu.Unlock()
	if gate != nil {
		entered <- struct{}{}
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		case <-ks.down:
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// serve sets the answer to later requests.
func (ks *keyServer) serve(status int, body []byte) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.status, ks.body = status, body
}

// hold makes later requests wait until release is called; entered receives
// a value as each held request arrives.
func (ks *keyServer) hold() (entered <-chan struct{}, release func()) {
	gate := make(chan struct{})
	ch := make(chan struct{}, 64)
	ks.mu.Lock()
	ks.gate, ks.entered = gate, ch
	ks.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			ks.mu.Lock()
			ks.gate, ks.entered = nil, nil
			ks.mu.Unlock()
			close(gate)
		})
	}
}

func (ks *keyServer) shutdown() { ks.once.Do(func() { close(ks.down) }) }

func (ks *keyServer) requests() int64 { return ks.hits.Load() }

// remote returns a Remote for the server, with a discarding logger unless
// cfg has one. The Remote is closed when the test ends, after held requests
// are freed.
func (ks *keyServer) remote(t *testing.T, cfg jwks.RemoteConfig) *jwks.Remote {
	t.Helper()
	if cfg.URL == "" && cfg.Issuer == "" {
		cfg.URL = ks.URL + "/jwks"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r, err := jwks.NewRemote(cfg)
	require.NoError(t, err, "NewRemote(%+v)", cfg)
	t.Cleanup(func() {
		ks.shutdown()
		_ = r.Close()
	})
	return r
}

// fakeClock is a clock the test advances by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// waitFor fails the test if ch does not deliver within a generous bound; it
// guards against a hang, it does not time anything.
func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// doneSpy is a context that reports when a caller starts waiting on Done.
type doneSpy struct {
	context.Context
	once    sync.Once
	waiting chan struct{}
}

func newDoneSpy(ctx context.Context) *doneSpy {
	return &doneSpy{Context: ctx, waiting: make(chan struct{})}
}

func (s *doneSpy) Done() <-chan struct{} {
	s.once.Do(func() { close(s.waiting) })
	return s.Context.Done()
}

type lookup struct {
	keys []*jwks.Key
	err  error
}

func q(kid string) jwks.Query { return jwks.Query{KeyID: kid, Algorithm: "ES256"} }

func TestNewRemoteConfig(t *testing.T) {
	ks := newKeyServer(t, nil)
	for name, cfg := range map[string]jwks.RemoteConfig{
		"empty":              {},
		"URL ftp":            {URL: "ftp://127.0.0.1/jwks"},
		"URL relative":       {URL: "/jwks"},
		"URL without host":   {URL: "https:///jwks"},
		"URL not a URL":      {URL: "http://[::1"},
		"issuer not a URL":   {Issuer: "my-issuer"},
		"issuer file":        {Issuer: "file:///etc"},
		"negative timeout":   {URL: ks.URL, FetchTimeout: -time.Second},
		"negative body size": {URL: ks.URL, MaxBodySize: -1},
		"negative cooldown":  {URL: ks.URL, RefreshCooldown: -time.Second},
		"negative interval":  {URL: ks.URL, RefreshInterval: -time.Second},
		"issuer mailto":      {Issuer: "mailto:a@b"},
	} {
		r, err := jwks.NewRemote(cfg)
		assert.Error(t, err, "NewRemote(%s) = %v; want an error", name, r)
		assert.Nil(t, r, "NewRemote(%s)", name)
	}
	for _, cfg := range []jwks.RemoteConfig{
		{URL: ks.URL + "/jwks"},
		{URL: "https://issuer.example/jwks"},
		{Issuer: ks.URL},
		{Issuer: "https://issuer.example/tenant1"},
	} {
		r, err := jwks.NewRemote(cfg)
		require.NoError(t, err, "NewRemote(%+v)", cfg)
		require.NoError(t, r.Close())
	}
	assert.Zero(t, ks.requests(), "NewRemote must do no I/O")
}

func TestRemoteLazyFirstFetchThenCache(t *testing.T) {
	a := genEC(t, elliptic.P256())
	ks := newKeyServer(t, jwksJSON(t, ecJWK("a", a)))
	r := ks.remote(t, jwks.RemoteConfig{Now: newFakeClock().Now})
	assert.Zero(t, ks.requests(), "requests after NewRemote")

	keys, err := r.Keys(context.Background(), q("a"))
	require.NoError(t, err, "first Remote.Keys(kid a)")
	require.Equal(t, []string{"a"}, ids(keys))
	assert.Equal(t, int64(1), ks.requests(), "requests after the first lookup")
	assert.Equal(t, "application/jwk-set+json, application/json", ks.accept, "Accept header of the fetch")
	signed, sig := signToken(t, "ES256", a, "a")
	assert.True(t, verifiesWith(keys, "ES256", signed, sig), "fetched key does not verify its token")

	for range 20 {
		got, err := r.Keys(context.Background(), q("a"))
		require.NoError(t, err)
		require.Same(t, keys[0], got[0], "a cached lookup should return the same key")
		got, err = r.Keys(context.Background(), jwks.Query{Algorithm: "ES256"})
		require.NoError(t, err, "Remote.Keys without kid")
		require.Equal(t, []string{"a"}, ids(got))
	}
	assert.Equal(t, int64(1), ks.requests(), "requests after 40 cached lookups; want no refetch")
}

func TestRemoteUnknownKidCooldown(t *testing.T) {
	a := genEC(t, elliptic.P256())
	ks := newKeyServer(t, jwksJSON(t, ecJWK("a", a)))
	clock := newFakeClock()
	r := ks.remote(t, jwks.RemoteConfig{Now: clock.Now, RefreshCooldown: time.Minute})
	ctx := context.Background()

	_, err := r.Keys(ctx, q("a"))
	require.NoError(t, err)
	require.Equal(t, int64(1), ks.requests())
	clock.Advance(time.Minute)

	_, err = r.Keys(ctx, q("unknown-1"))
	require.ErrorIs(t, err, jwks.ErrKeyNotFound, "Remote.Keys(unknown kid)")
	assert.NotErrorIs(t, err, jwks.ErrUnavailable, "Remote.Keys(unknown kid) with keys cached")
	assert.Equal(t, int64(2), ks.requests(), "requests after the first unknown kid; want exactly one refetch")

	// Within the cooldown unknown kids fail at once, without a fetch.
	for i := range 10 {
		_, err := r.Keys(ctx, q(fmt.Sprintf("bogus-%d", i)))
		require.ErrorIs(t, err, jwks.ErrKeyNotFound)
	}
	clock.Advance(59 * time.Second)
	_, err = r.Keys(ctx, q("unknown-2"))
	require.ErrorIs(t, err, jwks.ErrKeyNotFound)
	assert.Equal(t, int64(2), ks.requests(), "requests for unknown kids within the cooldown; want none")

	// Known keys are still served.
	keys, err := r.Keys(ctx, q("a"))
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, ids(keys))

	clock.Advance(time.Second)
	_, err = r.Keys(ctx, q("unknown-3"))
	require.ErrorIs(t, err, jwks.ErrKeyNotFound)
	assert.Equal(t, int64(3), ks.requests(), "requests for an unknown kid once the cooldown is over; want one more")
}

func TestRemoteRotation(t *testing.T) {
	a, b := genEC(t, elliptic.P256()), genEC(t, elliptic.P256())
	ks := newKeyServer(t, jwksJSON(t, ecJWK("a", a)))
	clock := newFakeClock()
	r := ks.remote(t, jwks.RemoteConfig{Now: clock.Now})
	ctx := context.Background()

	keysA, err := r.Keys(ctx, q("a"))
	require.NoError(t, err)

	// The issuer adds key b, then signs with it.
	ks.serve(http.StatusOK, jwksJSON(t, ecJWK("a", a), ecJWK("b", b)))
	clock.Advance(jwks.DefaultRefreshCooldown)
	keysB, err := r.Keys(ctx, q("b"))
	require.NoError(t, err, "Remote.Keys(kid b) after the issuer added b")
	assert.Equal(t, int64(2), ks.requests(), "requests; want one refetch for the new kid")
	signed, sig := signToken(t, "ES256", b, "b")
	assert.True(t, verifiesWith(keysB, "ES256", signed, sig), "the new key does not verify its token")

	again, err := r.Keys(ctx, q("a"))
	require.NoError(t, err)
	assert.Same(t, keysA[0], again[0], "key a unchanged by the refetch keeps its identity")

	// The issuer retires a; a forced refresh drops it.
	ks.serve(http.StatusOK, jwksJSON(t, ecJWK("b", b)))
	require.NoError(t, r.Refresh(ctx))
	_, err = r.Keys(ctx, q("a"))
	assert.ErrorIs(t, err, jwks.ErrKeyNotFound, "Remote.Keys(retired kid a)")
}

// A key rotated in right after a routine fetch is picked up at once: the
// unknown-kid cooldown counts from the last unknown-kid fetch.
func TestRemoteRotationRightAfterFirstFetch(t *testing.T) {
	a, b := genEC(t, elliptic.P256()), genEC(t, elliptic.P256())
	ks := newKeyServer(t, jwksJSON(t, ecJWK("a", a)))
	r := ks.remote(t, jwks.RemoteConfig{Now: newFakeClock().Now})
	ctx := context.Background()

	_, err := r.Keys(ctx, q("a"))
	require.NoError(t, err)
	ks.serve(http.StatusOK, jwksJSON(t, ecJWK("a", a), ecJWK("b", b)))
	keys, err := r.Keys(ctx, q("b"))
	require.NoError(t, err, "Remote.Keys(kid b) right after the first fetch")
	assert.Equal(t, []string{"b"}, ids(keys))
	_, err = r.Keys(ctx, q("c"))
	assert.ErrorIs(t, err, jwks.ErrKeyNotFound)
	assert.Equal(t, int64(2), ks.requests(), "requests: the first fetch, one for kid b, none for kid c within the cooldown")
}

func TestRemoteCoalescesConcurrentLookups(t *testing.T) {
	const n = 200
	a, b := genEC(t, elliptic.P256()), genEC(t, elliptic.P256())
	ks := newKeyServer(t, jwksJSON(t, ecJWK("a", a)))
	clock := newFakeClock()
	r := ks.remote(t, jwks.RemoteConfig{Now: clock.Now})
	_, err := r.Keys(context.Background(), q("a"))
	require.NoError(t, err)

	ks.serve(http.StatusOK, jwksJSON(t, ecJWK("a", a), ecJWK("b", b)))
	entered, release := ks.hold()
	clock.Advance(jwks.DefaultRefreshCooldown)

	results := make(chan lookup, n)
	spies := make([]*doneSpy, n)
	for i := range spies {
		spies[i] = newDoneSpy(context.Background())
		go func() {
			keys, err := r.Keys(spies[i], q("b"))
			results <- lookup{keys, err}
		}()
	}
	waitFor(t, entered, "the refetch to reach the server")
	// Every lookup is now waiting on the one fetch under way.
	for i, s := range spies {
		waitFor(t, s.waiting, fmt.Sprintf("lookup %d to wait", i))
	}
	assert.Empty(t, results, "lookups returned while the fetch was held")
	release()

	for i := range n {
		res := waitFor(t, results, fmt.Sprintf("lookup result %d", i))
		require.NoError(t, res.err, "concurrent Remote.Keys(kid b)")
		require.Equal(t, []string{"b"}, ids(res.keys))
	}
	assert.Equal(t, int64(2), ks.requests(), "requests for %d concurrent lookups of a new kid; want one fetch", n)
}

func TestRemoteWaiterCancelled(t *testing.T) {
	t.Run("with keys cached", func(t *testing.T) {
		a, b := genEC(t, elliptic.P256()), genEC(t, elliptic.P256())
		ks := newKeyServer(t, jwksJSON(t, ecJWK("a", a)))
		clock := newFakeClock()
		r := ks.remote(t, jwks.RemoteConfig{Now: clock.Now})
		_, err := r.Keys(context.Background(), q("a"))
		require.NoError(t, err)

		ks.serve(http.StatusOK, jwksJSON(t, ecJWK("a", a), ecJWK("b", b)))
		entered, release := ks.hold()
		clock.Advance(jwks.DefaultRefreshCooldown)

		ctx, cancel := context.WithCancel(context.Background())
		first := make(chan lookup, 1)
		go func() {
			keys, err := r.Keys(ctx, q("b"))
			first <- lookup{keys, err}
		}()
		waitFor(t, entered, "the refetch to reach the server")
		cancel()
		// The cancelled waiter returns while the fetch is still held.
		res := waitFor(t, first, "the cancelled lookup to return")
		assert.ErrorIs(t, res.err, context.Canceled, "Remote.Keys with a cancelled context")
		assert.ErrorIs(t, res.err, jwks.ErrUnavailable, "Remote.Keys with a cancelled context and keys cached: the refetch did not answer")

		// The fetch goes on and publishes for another waiter.
		spy := newDoneSpy(context.Background())
		second := make(chan lookup, 1)
		go func() {
			keys, err := r.Keys(spy, q("b"))
			second <- lookup{keys, err}
		}()
		waitFor(t, spy.waiting, "the second lookup to wait")
		release()
		res = waitFor(t, second, "the second lookup")
		require.NoError(t, res.err, "Remote.Keys(kid b) after another waiter gave up")
		assert.Equal(t, []string{"b"}, ids(res.keys))
		assert.Equal(t, int64(2), ks.requests(), "requests; the cancelled waiter must not have aborted or repeated the fetch")
	})

	t.Run("nothing cached", func(t *testing.T) {
		a := genEC(t, elliptic.P256())
		ks := newKeyServer(t, jwksJSON(t, ecJWK("a", a)))
		entered, release := ks.hold()
		r := ks.remote(t, jwks.RemoteConfig{Now: newFakeClock().Now})

		ctx, cancel := context.WithCancel(context.Background())
		first := make(chan lookup, 1)
		go func() {
			keys, err := r.Keys(ctx, q("a"))
			first <- lookup{keys, err}
		}()
		waitFor(t, entered, "the first fetch to reach the server")
		cancel()
		res := waitFor(t, first, "the cancelled lookup to return")
		assert.ErrorIs(t, res.err, context.Canceled, "Remote.Keys with a cancelled context")
		assert.ErrorIs(t, res.err, jwks.ErrUnavailable, "Remote.Keys with a cancelled context and nothing cached")

		release()
		keys, err := r.Keys(context.Background(), q("a"))
		require.NoError(t, err, "Remote.Keys after the detached fetch finished")
		assert.Equal(t, []string{"a"}, ids(keys))
		assert.Equal(t, int64(1), ks.requests(), "requests; the first fetch must have completed and been used")
	})
}

// padTo pads a JSON document with trailing spaces to exactly n bytes.
func padTo(t *testing.T, doc []byte, n int) []byte {
	t.Helper()
	require.LessOrEqual(t, len(doc), n)
	return append(bytes.Clone(doc), bytes.Repeat([]byte{' '}, n-len(doc))...)
}

func TestRemoteKeepsLastGoodKeysOnFailure(t *testing.T) {
	const maxBody = 4096
	a := genEC(t, elliptic.P256())
	other := genEC(t, elliptic.P256())
	good := jwksJSON(t, ecJWK("a", a))
	failures := []struct {
		name   string
		status int
		body   []byte
	}{
		{"500", http.StatusInternalServerError, []byte("oops")},
		{"404", http.StatusNotFound, good},
		{"204", http.StatusNoContent, nil},
		{"invalid JSON", http.StatusOK, []byte(`{"keys":[`)},
		{"HTML body", http.StatusOK, []byte(`<!doctype html><html><body>Please sign in</body></html>`)},
		{"body over MaxBodySize", http.StatusOK, padTo(t, good, maxBody+1)},
		{"empty set", http.StatusOK, []byte(`{"keys":[]}`)},
		{"no keys member", http.StatusOK, []byte(`{}`)},
		{"only an enc key", http.StatusOK, jwksJSON(t, ecJWK("e", other, "use", "enc"))},
		{"only a secret", http.StatusOK, []byte(`{"keys":[{"kty":"oct","kid":"h","k":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}]}`)},
		{"only duplicates", http.StatusOK, jwksJSON(t, ecJWK("d", other), ecJWK("d", a))},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			ks := newKeyServer(t, good)
			clock := newFakeClock()
			r := ks.remote(t, jwks.RemoteConfig{Now: clock.Now, MaxBodySize: maxBody})
			ctx := context.Background()
			before, err := r.Keys(ctx, q("a"))
			require.NoError(t, err)

			ks.serve(f.status, f.body)
			clock.Advance(jwks.DefaultRefreshCooldown)
			err = r.Refresh(ctx)
			require.Error(t, err, "Remote.Refresh against a %s answer; want an error", f.name)
			assert.Equal(t, int64(2), ks.requests())

			after, err := r.Keys(ctx, q("a"))
			require.NoError(t, err, "Remote.Keys(kid a) after a failed refresh (%s); want the last good key", f.name)
			assert.Same(t, before[0], after[0], "the key kept after a failed refresh")
			signed, sig := signToken(t, "ES256", a, "a")
			assert.True(t, verifiesWith(after, "ES256", signed, sig), "the kept key does not verify")

			// An unknown kid right after a failure: no fetch, and
			// unavailable rather than not found, since the issuer cannot
			// be asked whether the key exists.
			_, err = r.Keys(ctx, q("x"))
			assert.ErrorIs(t, err, jwks.ErrUnavailable, "Remote.Keys(unknown kid) after a failed refresh")
			assert.NotErrorIs(t, err, jwks.ErrKeyNotFound, "Remote.Keys(unknown kid) after a failed refresh, with keys cached")
			assert.Equal(t, int64(2), ks.requests(), "requests for an unknown kid within the cooldown after a failure")

			// After the cooldown an unknown kid tries again; the failure
			// still keeps the old set.
			clock.Advance(jwks.DefaultRefreshCooldown)
			_, err = r.Keys(ctx, q("y"))
			assert.ErrorIs(t, err, jwks.ErrUnavailable, "Remote.Keys(unknown kid) whose refetch failed")
			assert.Equal(t, int64(3), ks.requests(), "requests for an unknown kid after the cooldown")
			after, err = r.Keys(ctx, q("a"))
			require.NoError(t, err)
			assert.Same(t, before[0], after[0])
		})
	}
}

func TestRemoteFirstFetchFails(t *testing.T) {
	a := genEC(t, elliptic.P256())
	good := jwksJSON(t, ecJWK("a", a))
	for _, f := range []struct {
		name   string
		status int
		body   []byte
	}{
		{"500", http.StatusInternalServerError, nil},
		{"HTML", http.StatusOK, []byte("<html></html>")},
		{"no usable key", http.StatusOK, jwksJSON(t, ecJWK("a", a, "use", "enc"))},
	} {
		t.Run(f.name, func(t *testing.T) {
			ks := newKeyServer(t, nil)
			ks.serve(f.status, f.body)
			clock := newFakeClock()
			r := ks.remote(t, jwks.RemoteConfig{Now: clock.Now})
			ctx := context.Background()

			_, err := r.Keys(ctx, q("a"))
			require.ErrorIs(t, err, jwks.ErrUnavailable, "Remote.Keys when the first fetch fails (%s)", f.name)
			assert.Equal(t, int64(1), ks.requests())

			// Within the cooldown the issuer is not asked again.
			_, err = r.Keys(ctx, q("a"))
			require.ErrorIs(t, err, jwks.ErrUnavailable, "second Remote.Keys within the cooldown")
			assert.Equal(t, int64(1), ks.requests(), "requests within the cooldown after a failed first fetch")

			ks.serve(http.StatusOK, good)
			clock.Advance(jwks.DefaultRefreshCooldown)
			keys, err := r.Keys(ctx, q("a"))
			require.NoError(t, err, "Remote.Keys after the issuer recovered")
			assert.Equal(t, []string{"a"}, ids(keys))
			assert.Equal(t, int64(2), ks.requests())
		})
	}

	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close() // nothing listens there any more
		r, err := jwks.NewRemote(jwks.RemoteConfig{URL: url + "/jwks", Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		defer r.Close()
		_, err = r.Keys(context.Background(), q("a"))
		assert.ErrorIs(t, err, jwks.ErrUnavailable, "Remote.Keys with the issuer unreachable")
		assert.Error(t, r.Refresh(context.Background()), "Remote.Refresh with the issuer unreachable")
	})
}

func TestRemoteFetchTimeout(t *testing.T) {
	t.Run("no answer", func(t *testing.T) {
		a := genEC(t, elliptic.P256())
		ks := newKeyServer(t, jwksJSON(t, ecJWK("a", a)))
		_, _ = ks.hold() // never released: freed when the test ends
		r := ks.remote(t, jwks.RemoteConfig{FetchTimeout: 50 * time.Millisecond})
		_, err := r.Keys(context.Background(), q("a"))
		require.ErrorIs(t, err, jwks.ErrUnavailable, "Remote.Keys against a server that never answers")
		assert.ErrorIs(t, err, context.DeadlineExceeded, "Remote.Keys against a server that never answers")
		assert.Equal(t, int64(1), ks.requests())
	})

	t.Run("body never ends", func(t *testing.T) {
		down := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"keys":[`))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-down:
			}
		}))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(down) })
		r, err := jwks.NewRemote(jwks.RemoteConfig{URL: srv.URL, FetchTimeout: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		t.Cleanup(func() { _ = r.Close() })
		err = r.Refresh(context.Background())
		require.Error(t, err, "Remote.Refresh against a body that never ends")
		assert.ErrorIs(t, err, context.DeadlineExceeded, "Remote.Refresh against a body that never ends")
	})
}

func TestRemoteMaxBodySize(t *testing.T) {
	t.Parallel()
	a := genEC(t, elliptic.P256())
	doc := jwksJSON(t, ecJWK("a", a))
	for _, tc := range []struct {
		name    string
		limit   int64 // RemoteConfig.MaxBodySize
		size    int   // served body size
		wantErr bool
	}{
		{"exactly the limit", 2048, 2048, false},
		{"one byte over", 2048, 2049, true},
		{"default limit, exactly", 0, jwks.DefaultMaxBodySize, false},
		{"default limit, one byte over", 0, jwks.DefaultMaxBodySize + 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks := newKeyServer(t, padTo(t, doc, tc.size))
			r := ks.remote(t, jwks.RemoteConfig{MaxBodySize: tc.limit})
			keys, err := r.Keys(context.Background(), q("a"))
			if !tc.wantErr {
				require.NoError(t, err, "Remote.Keys with a %d-byte body and limit %d", tc.size, tc.limit)
				assert.Equal(t, []string{"a"}, ids(keys))
				return
			}
			require.ErrorIs(t, err, jwks.ErrUnavailable, "Remote.Keys with a %d-byte body and limit %d", tc.size, tc.limit)
			assert.Contains(t, err.Error(), "larger than", "Remote.Keys error for an oversized body")
		})
	}
}

func TestRemoteSkipsUnusableKeys(t *testing.T) {
	a := genEC(t, elliptic.P256())
	e := genEC(t, elliptic.P256())
	d1, d2 := genEC(t, elliptic.P256()), genEC(t, elliptic.P256())
	var logs syncBuffer
	ks := newKeyServer(t, jwksJSON(t,
		ecJWK("e", e, "use", "enc"),
		ecJWK("a", a, "use", "sig"),
		map[string]any{"kty": "oct", "kid": "h", "k": b64url(bytes.Repeat([]byte{9}, 32))},
		ecJWK("d", d1),
		ecJWK("d", d2),
		ecJWK("wrong-alg", a, "alg", "ES384"),
	))
	r := ks.remote(t, jwks.RemoteConfig{Now: newFakeClock().Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx := context.Background()

	keys, err := r.Keys(ctx, q("a"))
	require.NoError(t, err, "Remote.Keys(kid a) from a set with unusable keys")
	assert.Equal(t, []string{"a"}, ids(keys))
	for _, kid := range []string{"e", "h", "d", "wrong-alg"} {
		_, err := r.Keys(ctx, q(kid))
		assert.ErrorIs(t, err, jwks.ErrKeyNotFound, "Remote.Keys(kid %q) of a skipped key", kid)
	}
	all, err := r.Keys(ctx, jwks.Query{Algorithm: "ES256"})
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, ids(all), "every key for ES256")
	_, err = r.Keys(ctx, jwks.Query{Algorithm: "HS256"})
	assert.ErrorIs(t, err, jwks.ErrKeyNotFound, "a fetched secret must never be used")

	require.NoError(t, r.Close())
	out := logs.String()
	fetches := ks.requests()
	require.Equal(t, int64(2), fetches, "requests: the first fetch and one for the first unknown kid")
	assert.Equal(t, 4*int(fetches), strings.Count(out, "key skipped"), "log records per fetch for skipped keys (enc, secret, duplicate kid, wrong alg):\n%s", out)
	for _, frag := range []string{`\"e\" is for \"enc\"`, `(\"h\"): a published key set must not contain HMAC secrets`, `kid \"d\" is not unique`, `\"wrong-alg\": algorithm ES384`} {
		assert.Contains(t, out, frag, "log of skipped keys")
	}
}

func TestRemoteRefreshInterval(t *testing.T) {
	a, b := genEC(t, elliptic.P256()), genEC(t, elliptic.P256())
	ks := newKeyServer(t, jwksJSON(t, ecJWK("a", a)))
	clock := newFakeClock()
	r := ks.remote(t, jwks.RemoteConfig{Now: clock.Now, RefreshInterval: time.Hour})

	first, err := r.Keys(context.Background(), q("a"))
	require.NoError(t, err)

	// Before the interval: no refresh.
	clock.Advance(59 * time.Minute)
	_, err = r.Keys(context.Background(), q("a"))
	require.NoError(t, err)

	// Past the interval: the lookup answers from the cached set at once and
	// one refresh starts in the background, detached from its context.
	ks.serve(http.StatusOK, jwksJSON(t, ecJWK("a", a), ecJWK("b", b)))
	entered, release := ks.hold()
	clock.Advance(2 * time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	keys, err := r.Keys(ctx, q("a"))
	cancel()
	require.NoError(t, err, "Remote.Keys(kid a) with a stale set")
	assert.Same(t, first[0], keys[0], "a stale set is still used while it is refreshed")
	waitFor(t, entered, "the background refresh to reach the server")
	for range 10 {
		keys, err := r.Keys(context.Background(), q("a"))
		require.NoError(t, err, "Remote.Keys(kid a) during the background refresh")
		require.Same(t, first[0], keys[0])
	}
	release()
	require.NoError(t, r.Close(), "Remote.Close waits for the background refresh")

	keys, err = r.Keys(context.Background(), q("b"))
	require.NoError(t, err, "Remote.Keys(kid b) after the background refresh")
	assert.Equal(t, []string{"b"}, ids(keys))
	assert.Equal(t, int64(2), ks.requests(), "requests: the first fetch and exactly one background refresh")
}

func TestRemoteRefresh(t *testing.T) {
	a := genEC(t, elliptic.P256())
	ks := newKeyServer(t, jwksJSON(t, ecJWK("a", a)))
	r := ks.remote(t, jwks.RemoteConfig{Now: newFakeClock().Now})
	ctx := context.Background()

	require.NoError(t, r.Refresh(ctx), "Remote.Refresh")
	assert.Equal(t, int64(1), ks.requests())
	_, err := r.Keys(ctx, q("a"))
	require.NoError(t, err)
	assert.Equal(t, int64(1), ks.requests(), "Remote.Keys after Refresh should not fetch")

	// Refresh ignores the cooldown.
	require.NoError(t, r.Refresh(ctx), "second Remote.Refresh at the same instant")
	assert.Equal(t, int64(2), ks.requests(), "requests after a second Refresh within the cooldown")

	ks.serve(http.StatusServiceUnavailable, []byte("maintenance"))
	err = r.Refresh(ctx)
	require.Error(t, err, "Remote.Refresh against a 503")
	assert.Contains(t, err.Error(), "503", "Remote.Refresh error should give the status")
	assert.Equal(t, int64(3), ks.requests())
	_, err = r.Keys(ctx, q("a"))
	assert.NoError(t, err, "Remote.Keys after a failed Refresh keeps the last good keys")

	// A Refresh whose context ends returns; the fetch goes on.
	ks.serve(http.StatusOK, jwksJSON(t, ecJWK("a", a)))
	entered, release := ks.hold()
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Refresh(rctx) }()
	waitFor(t, entered, "the refresh to reach the server")
	cancel()
	assert.ErrorIs(t, waitFor(t, done, "the cancelled Refresh"), context.Canceled, "Remote.Refresh with a cancelled context")
	release()
	require.NoError(t, r.Close())
	assert.Equal(t, int64(4), ks.requests())
}

func TestRemoteClose(t *testing.T) {
	t.Run("waits for the fetch under way", func(t *testing.T) {
		a, b := genEC(t, elliptic.P256()), genEC(t, elliptic.P256())
		ks := newKeyServer(t, jwksJSON(t, ecJWK("a", a)))
		clock := newFakeClock()
		r := ks.remote(t, jwks.RemoteConfig{Now: clock.Now})
		ctx := context.Background()
		_, err := r.Keys(ctx, q("a"))
		require.NoError(t, err)

		ks.serve(http.StatusOK, jwksJSON(t, ecJWK("a", a), ecJWK("b", b)))
		entered, release := ks.hold()
		refreshed := make(chan error, 1)
		go func() { refreshed <- r.Refresh(ctx) }()
		waitFor(t, entered, "the refresh to reach the server")

		closed := make(chan error, 1)
		go func() { closed <- r.Close() }()
		// Let the Close goroutine run; it must stay blocked while the
		// fetch is held.
		for range 1000 {
			runtime.Gosched()
		}
		select {
		case <-closed:
			t.Fatal("Remote.Close returned while a fetch was under way")
		default:
		}
		release()
		require.NoError(t, waitFor(t, closed, "Remote.Close"))
		require.NoError(t, waitFor(t, refreshed, "Remote.Refresh"), "the fetch Close waited for")

		// The fetch Close waited for was published.
		keys, err := r.Keys(ctx, q("b"))
		require.NoError(t, err, "Remote.Keys(kid b) published by the last fetch")
		assert.Equal(t, []string{"b"}, ids(keys))

		// After Close no fetch starts, whatever the reason.
		assert.Error(t, r.Refresh(ctx), "Remote.Refresh after Close")
		clock.Advance(2 * jwks.DefaultRefreshInterval)
		_, err = r.Keys(ctx, q("unknown"))
		assert.ErrorIs(t, err, jwks.ErrKeyNotFound, "Remote.Keys(unknown kid) after Close")
		keys, err = r.Keys(ctx, q("a"))
		require.NoError(t, err, "Remote.Keys(kid a) after Close answers from the cache")
		assert.Equal(t, []string{"a"}, ids(keys))
		assert.Equal(t, int64(2), ks.requests(), "requests after Close")
		assert.NoError(t, r.Close(), "second Close")
	})

	t.Run("before any fetch", func(t *testing.T) {
		ks := newKeyServer(t, jwksJSON(t, ecJWK("a", genEC(t, elliptic.P256()))))
		r := ks.remote(t, jwks.RemoteConfig{})
		require.NoError(t, r.Close())
		_, err := r.Keys(context.Background(), q("a"))
		assert.ErrorIs(t, err, jwks.ErrUnavailable, "Remote.Keys after Close with nothing cached")
		assert.Zero(t, ks.requests(), "requests after Close")
	})
}

func TestRemoteKeyIdentityAcrossRefreshes(t *testing.T) {
	a, b, b2, c := genEC(t, elliptic.P256()), genEC(t, elliptic.P256()), genEC(t, elliptic.P256()), genEC(t, elliptic.P256())
	rsaPriv := rsaTestKey()
	rsaJWK := map[string]any{"kty": "RSA", "kid": "r", "n": b64url(rsaPriv.N.Bytes()), "e": b64url(big.NewInt(int64(rsaPriv.E)).Bytes())}
	rsaJWKRS256 := map[string]any{"alg": "RS256"}
	for k, v := range rsaJWK {
		rsaJWKRS256[k] = v
	}
	ks := newKeyServer(t, jwksJSON(t, ecJWK("a", a), ecJWK("b", b), rsaJWK))
	r := ks.remote(t, jwks.RemoteConfig{Now: newFakeClock().Now})
	ctx := context.Background()
	get := func(kid string) *jwks.Key {
		t.Helper()
		keys, err := r.Keys(ctx, jwks.Query{KeyID: kid})
		require.NoError(t, err, "Remote.Keys(kid %q)", kid)
		require.Len(t, keys, 1)
		return keys[0]
	}
	oldA, oldB, oldR := get("a"), get("b"), get("r")

	// Same a; b replaced under the same kid; c added; r restricted to RS256.
	ks.serve(http.StatusOK, jwksJSON(t, ecJWK("a", a), ecJWK("b", b2), ecJWK("c", c), rsaJWKRS256))
	require.NoError(t, r.Refresh(ctx))

	assert.Same(t, oldA, get("a"), "an unchanged key keeps its identity across refreshes")
	newB := get("b")
	assert.NotSame(t, oldB, newB, "a key whose material changed under the same kid must be a new *Key")
	newR := get("r")
	assert.NotSame(t, oldR, newR, "a key whose algorithms changed must be a new *Key")
	assert.Equal(t, []string{"RS256"}, newR.Algorithms())

	signedOld, sigOld := signToken(t, "ES256", b, "b")
	signedNew, sigNew := signToken(t, "ES256", b2, "b")
	assert.NoError(t, newB.Verify("ES256", signedNew, sigNew), "the new key b verifies tokens of the new private key")
	assert.ErrorIs(t, newB.Verify("ES256", signedOld, sigOld), jwks.ErrSignature, "the new key b must not verify tokens of the old private key")
	assert.Equal(t, "c", get("c").ID())
}

func TestRemoteLogsAndErrorsHideSecrets(t *testing.T) {
	a := genEC(t, elliptic.P256())
	p := genEC(t, elliptic.P256())
	octSecret := []byte("remote-oct-DO-NOT-LOG-0123456789abcdef")
	privD := b64url(ecScalar(p))
	ks := newKeyServer(t, jwksJSON(t,
		ecJWK("a", a),
		map[string]any{"kty": "oct", "kid": "h", "k": b64url(octSecret)},
		ecJWK("p", p, "d", privD),
		map[string]any{"kty": "EC", "kid": "broken", "crv": "P-256", "x": "AAAA"},
	))
	var logs syncBuffer
	u := strings.Replace(ks.URL, "http://", "http://user:p4ssw0rd-XYZ@", 1) + "/jwks?access_token=qs3cret-ABC"
	r := ks.remote(t, jwks.RemoteConfig{URL: u, Now: newFakeClock().Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx := context.Background()

	require.NoError(t, r.Refresh(ctx), "Remote.Refresh of a set with one good key")
	ks.serve(http.StatusInternalServerError, []byte("internal error with p4ssw0rd-XYZ echoed"))
	refreshErr := r.Refresh(ctx)
	require.Error(t, refreshErr)
	require.NoError(t, r.Close())

	out := logs.String()
	assert.Equal(t, 3, strings.Count(out, "key skipped"), "log records for the secret, the private key and the broken key:\n%s", out)
	assert.Contains(t, out, "fetch failed", "log record for the failed fetch")
	assert.Contains(t, out, "127.0.0.1", "the log should say which endpoint failed")
	for what, leak := range map[string]string{
		"URL password":  "p4ssw0rd-XYZ",
		"URL query":     "qs3cret-ABC",
		"oct secret":    b64url(octSecret),
		"oct marker":    "DO-NOT-LOG",
		"private d":     privD,
		"good key's x":  ecJWK("a", a)["x"].(string),
		"private key x": ecJWK("p", p)["x"].(string),
	} {
		assert.NotContains(t, out, leak, "log output contains the %s:\n%s", what, out)
		assert.NotContains(t, refreshErr.Error(), leak, "Remote.Refresh error contains the %s", what)
	}

	// The unreachable case: the error names the endpoint without its password.
	srv := httptest.NewServer(http.NotFoundHandler())
	dead := strings.Replace(srv.URL, "http://", "http://user:p4ssw0rd-XYZ@", 1) + "/jwks"
	srv.Close()
	var deadLogs syncBuffer
	r2, err := jwks.NewRemote(jwks.RemoteConfig{URL: dead, Logger: slog.New(slog.NewTextHandler(&deadLogs, nil))})
	require.NoError(t, err)
	_, err = r2.Keys(ctx, q("a"))
	require.ErrorIs(t, err, jwks.ErrUnavailable)
	require.NoError(t, r2.Close())
	assert.NotContains(t, err.Error(), "p4ssw0rd-XYZ", "Remote.Keys error for an unreachable issuer contains the URL password")
	assert.Contains(t, deadLogs.String(), "fetch failed", "log for an unreachable issuer")
	assert.NotContains(t, deadLogs.String(), "p4ssw0rd-XYZ", "log for an unreachable issuer contains the URL password")
}

// syncBuffer is a bytes.Buffer that a logger may write from a fetch
// goroutine while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
