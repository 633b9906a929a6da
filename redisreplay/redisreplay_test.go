package redisreplay_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtgate/jwtgate/redisreplay"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// t0 is the servers' clock in these tests: far from the real time, so that
// a store that took Redis's clock for its own would show it.
var t0 = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

func fixedNow() time.Time { return t0 }

// newStore returns a Store on client whose clock stands at t0.
func newStore(t *testing.T, client redis.UniversalClient, prefix string) *redisreplay.Store {
	t.Helper()
	s, err := redisreplay.New(redisreplay.Config{Client: client, Prefix: prefix, Now: fixedNow})
	require.NoError(t, err, "New(Config{Client, Prefix: %q})", prefix)
	return s
}

// remember calls s.Remember for id with a one-minute window and fails t on
// an error.
func remember(t *testing.T, s *redisreplay.Store, id string) bool {
	t.Helper()
	fresh, err := s.Remember(t.Context(), id, t0.Add(time.Minute))
	require.NoError(t, err, "Remember(%q)", id)
	return fresh
}

// exists reports whether key is in srv's Redis.
func exists(t *testing.T, srv *redisServer, key string) bool {
	t.Helper()
	n, err := srv.client.Exists(t.Context(), key).Result()
	require.NoError(t, err, "EXISTS %s", key)
	return n == 1
}

func TestNew(t *testing.T) {
	opts := func(ctxTimeout bool) *redis.Options {
		return &redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: ctxTimeout}
	}
	tests := []struct {
		name    string
		client  func(t *testing.T) redis.UniversalClient
		wantErr string
	}{
		{
			name:    "nil client",
			client:  func(*testing.T) redis.UniversalClient { return nil },
			wantErr: "redisreplay: Config.Client is nil",
		},
		{
			name: "nil *redis.Client in the interface",
			client: func(*testing.T) redis.UniversalClient {
				var c *redis.Client
				return c
			},
			wantErr: "redisreplay: Config.Client is nil",
		},
		{
			name: "client that ignores deadlines",
			client: func(t *testing.T) redis.UniversalClient {
				c := redis.NewClient(opts(false))
				t.Cleanup(func() { _ = c.Close() })
				return c
			},
			wantErr: "redisreplay: the client ignores request deadlines; create it with ContextTimeoutEnabled: true",
		},
		{
			name: "cluster client that ignores deadlines",
			client: func(t *testing.T) redis.UniversalClient {
				c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
				t.Cleanup(func() { _ = c.Close() })
				return c
			},
			wantErr: "redisreplay: the client ignores request deadlines; create it with ContextTimeoutEnabled: true",
		},
		{
			name: "ring that ignores deadlines",
			client: func(t *testing.T) redis.UniversalClient {
				c := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
				t.Cleanup(func() { _ = c.Close() })
				return c
			},
			wantErr: "redisreplay: the client ignores request deadlines; create it with ContextTimeoutEnabled: true",
		},
		{
			name: "client",
			client: func(t *testing.T) redis.UniversalClient {
				c := redis.NewClient(opts(true))
				t.Cleanup(func() { _ = c.Close() })
				return c
			},
		},
		{
			name: "cluster client",
			client: func(t *testing.T) redis.UniversalClient {
				c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}, ContextTimeoutEnabled: true})
				t.Cleanup(func() { _ = c.Close() })
				return c
			},
		},
		{
			name: "universal client",
			client: func(t *testing.T) redis.UniversalClient {
				c := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{"127.0.0.1:1"}, ContextTimeoutEnabled: true})
				t.Cleanup(func() { _ = c.Close() })
				return c
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := redisreplay.New(redisreplay.Config{Client: tt.client(t)})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr, "New: error")
				assert.Nil(t, s, "New returned a store with its error")
				return
			}
			require.NoError(t, err, "New")
			assert.NotNil(t, s, "New returned no store and no error")
		})
	}
}

func TestRemember(t *testing.T) {
	srv := startRedis(t)

	t.Run("first fresh, then a replay", func(t *testing.T) {
		s := newStore(t, srv.client, "")
		assert.True(t, remember(t, s, "once"), "first Remember(once): not fresh, want fresh")
		assert.False(t, remember(t, s, "once"), "second Remember(once): fresh, want a replay")
		assert.False(t, remember(t, s, "once"), "third Remember(once): fresh, want a replay")
		assert.True(t, exists(t, srv, redisreplay.DefaultPrefix+"once"), "no key %q after Remember", redisreplay.DefaultPrefix+"once")
	})

	t.Run("two instances of a fleet", func(t *testing.T) {
		a := newStore(t, srv.newClient(t, redis.Options{ContextTimeoutEnabled: true}), "")
		b := newStore(t, srv.newClient(t, redis.Options{ContextTimeoutEnabled: true}), "")
		assert.True(t, remember(t, a, "fleet-1"), "instance a, Remember(fleet-1): not fresh, want fresh")
		assert.False(t, remember(t, b, "fleet-1"), "instance b, Remember(fleet-1) after a: fresh, want a replay")
		assert.True(t, remember(t, b, "fleet-2"), "instance b, Remember(fleet-2): not fresh, want fresh")
		assert.False(t, remember(t, a, "fleet-2"), "instance a, Remember(fleet-2) after b: fresh, want a replay")
	})

	t.Run("ids are independent", func(t *testing.T) {
		s := newStore(t, srv.client, "")
		ids := []string{"id-a", "id-b", "id-A", "id-a ", "id-ab"}
		for _, id := range ids {
			assert.True(t, remember(t, s, id), "first Remember(%q): not fresh, want fresh", id)
		}
		for _, id := range ids {
			assert.False(t, remember(t, s, id), "second Remember(%q): fresh, want a replay", id)
		}
	})

	t.Run("the prefix isolates stores", func(t *testing.T) {
		stores := map[string]*redisreplay.Store{
			"":          newStore(t, srv.client, ""),
			"tenant-a:": newStore(t, srv.client, "tenant-a:"),
			"tenant-b:": newStore(t, srv.client, "tenant-b:"),
		}
		for prefix, s := range stores {
			assert.True(t, remember(t, s, "shared"), "Remember(shared) with prefix %q: not fresh, want fresh", prefix)
		}
		for prefix, s := range stores {
			assert.False(t, remember(t, s, "shared"), "second Remember(shared) with prefix %q: fresh, want a replay", prefix)
		}
		for _, key := range []string{redisreplay.DefaultPrefix + "shared", "tenant-a:shared", "tenant-b:shared"} {
			assert.True(t, exists(t, srv, key), "no key %q after Remember", key)
		}
	})

	t.Run("empty id", func(t *testing.T) {
		s := newStore(t, srv.client, "")
		fresh, err := s.Remember(t.Context(), "", t0.Add(time.Minute))
		require.EqualError(t, err, "redisreplay: empty proof id", "Remember(\"\")")
		assert.False(t, fresh, "Remember(\"\"): fresh with an error")
		assert.False(t, exists(t, srv, redisreplay.DefaultPrefix), "Remember(\"\") wrote the bare prefix")
	})
}

// TestExpiry checks that each record expires when its proof's window ends,
// counted by Redis from the moment the SET arrives, whatever Redis's own
// clock says of t0.
func TestExpiry(t *testing.T) {
	srv := startRedis(t)
	s := newStore(t, srv.client, "")
	tests := []struct {
		window time.Duration
		wantMs int64 // the record's lifetime: window rounded up to a millisecond
	}{
		{window: time.Second, wantMs: 1000},
		{window: 250*time.Millisecond + 1, wantMs: 251},
		{window: 5 * time.Minute, wantMs: 300_000},
	}
	for _, tt := range tests {
		t.Run(tt.window.String(), func(t *testing.T) {
			id := "expiry-" + tt.window.String()
			key := redisreplay.DefaultPrefix + id
			before := redisMillis(t, srv)
			fresh, err := s.Remember(t.Context(), id, t0.Add(tt.window))
			require.NoError(t, err, "Remember(%q, now+%v)", id, tt.window)
			require.True(t, fresh, "Remember(%q, now+%v): not fresh", id, tt.window)
			after := redisMillis(t, srv)

			// PEXPIRETIME is the absolute expiry by Redis's clock: the
			// SET ran between before and after.
			at, err := srv.client.Do(t.Context(), "pexpiretime", key).Int64()
			require.NoError(t, err, "PEXPIRETIME %s", key)
			assert.GreaterOrEqual(t, at, before+tt.wantMs, "PEXPIRETIME %s: expires %d ms after Redis's time before the SET, want at least %d", key, at-before, tt.wantMs)
			assert.LessOrEqual(t, at, after+tt.wantMs, "PEXPIRETIME %s: expires %d ms after Redis's time after the SET, want at most %d", key, at-after, tt.wantMs)

			ttl, err := srv.client.PTTL(t.Context(), key).Result()
			require.NoError(t, err, "PTTL %s", key)
			assert.Positive(t, ttl, "PTTL %s: want a record that expires", key)
			assert.LessOrEqual(t, ttl, time.Duration(tt.wantMs)*time.Millisecond, "PTTL %s: longer than the window", key)
		})
	}
}

// redisMillis is Redis's clock in Unix milliseconds (TIME), rounded down.
func redisMillis(t *testing.T, srv *redisServer) int64 {
	t.Helper()
	now, err := srv.client.Time(t.Context()).Result()
	require.NoError(t, err, "TIME")
	return now.UnixMilli()
}

// TestWindowEnded checks that a proof whose window has ended is refused
// without a round trip and leaves nothing in Redis.
func TestWindowEnded(t *testing.T) {
	srv := startRedis(t)
	port, err := freePort()
	require.NoError(t, err, "finding a free port")
	nowhere := redis.NewClient(&redis.Options{
		Addr: "127.0.0.1:" + strconv.Itoa(port), ContextTimeoutEnabled: true, MaxRetries: -1,
	})
	t.Cleanup(func() { _ = nowhere.Close() })
	stores := map[string]*redisreplay.Store{
		"redis":          newStore(t, srv.client, ""),
		"no redis there": newStore(t, nowhere, ""),
	}
	tests := []struct {
		name  string
		until time.Time
	}{
		{"an hour ago", t0.Add(-time.Hour)},
		{"a nanosecond ago", t0.Add(-1)},
		{"now", t0},
		{"zero time", time.Time{}},
	}
	for where, s := range stores {
		for _, tt := range tests {
			t.Run(where+"/"+tt.name, func(t *testing.T) {
				id := "ended-" + tt.name
				fresh, err := s.Remember(t.Context(), id, tt.until)
				require.NoError(t, err, "Remember(%q, %s)", id, tt.name)
				assert.False(t, fresh, "Remember(%q, %s): fresh, want refused", id, tt.name)
				assert.False(t, exists(t, srv, redisreplay.DefaultPrefix+id), "Remember(%q, %s) left a key", id, tt.name)
			})
		}
	}
}

func TestRedisDown(t *testing.T) {
	srv := startRedis(t)
	s := newStore(t, srv.client, "")
	require.True(t, remember(t, s, "before"), "Remember(before) while Redis is up: not fresh")
	srv.stop()

	const id = "proof-id-while-down"
	fresh, err := s.Remember(t.Context(), id, t0.Add(time.Minute))
	require.Error(t, err, "Remember(%q) with Redis stopped: no error, fresh=%v", id, fresh)
	assert.False(t, fresh, "Remember with Redis stopped: fresh with an error")
	assert.Regexp(t, `^redisreplay: remember proof: `, err.Error(), "Remember with Redis stopped: error message")
	assert.NotContains(t, err.Error(), id, "the error names the proof id")
}

func TestContext(t *testing.T) {
	srv := startRedis(t)
	s := newStore(t, srv.client, "")

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		fresh, err := s.Remember(ctx, "cancelled", t0.Add(time.Minute))
		require.ErrorIs(t, err, context.Canceled, "Remember with a cancelled context")
		assert.False(t, fresh, "Remember with a cancelled context: fresh with an error")
		assert.False(t, exists(t, srv, redisreplay.DefaultPrefix+"cancelled"), "Remember with a cancelled context wrote its key")
	})

	t.Run("deadline while Redis stalls", func(t *testing.T) {
		// Redis holds every write for a minute; the caller waits 100 ms.
		require.NoError(t, srv.client.Do(t.Context(), "client", "pause", 60_000, "write").Err(), "CLIENT PAUSE")
		t.Cleanup(func() {
			assert.NoError(t, srv.client.Do(context.Background(), "client", "unpause").Err(), "CLIENT UNPAUSE")
		})
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		fresh, err := s.Remember(ctx, "stalled", t0.Add(time.Minute))
		elapsed := time.Since(start)
		require.ErrorIs(t, err, context.DeadlineExceeded, "Remember past its deadline")
		assert.False(t, fresh, "Remember past its deadline: fresh with an error")
		// The client's own read timeout (5 s) would end a call that ignored ctx.
		assert.Less(t, elapsed, 2*time.Second, "Remember with a 100 ms deadline returned after %v", elapsed)
	})
}

func TestConcurrentSameID(t *testing.T) {
	srv := startRedis(t)
	s := newStore(t, srv.client, "")
	const n = 50
	var (
		fresh atomic.Int32
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make(chan error, n)
	)
	for range n {
		wg.Go(func() {
			<-start
			ok, err := s.Remember(t.Context(), "raced", t0.Add(time.Minute))
			if err != nil {
				errs <- err
				return
			}
			if ok {
				fresh.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Remember(raced) from one of %d goroutines: %v", n, err)
	}
	assert.Equal(t, int32(1), fresh.Load(), "%d goroutines called Remember(raced): fresh answers, want exactly 1", n)
}
