package jwks_test

import (
	"context"
	"crypto/elliptic"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

// waitSignal is a context that sends on a channel the first time a caller
// asks for Done: a Remote lookup does so only once it waits for a fetch.
type waitSignal struct {
	context.Context
	once    sync.Once
	waiting chan<- struct{}
}

func (w *waitSignal) Done() <-chan struct{} {
	w.once.Do(func() { w.waiting <- struct{}{} })
	return w.Context.Done()
}

// liveHeap returns the bytes of live heap objects, after collecting garbage
// (twice, so that sync.Pool caches are emptied too).
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestRemoteUnknownKeyIDsDoNotPinMemory floods a Remote with lookups for key
// IDs it lacks, all waiting for one fetch, so that the Remote remembers each
// as unknown when the fetch ends. In the verifier a key ID is a view into the
// token it came from; remembering the view would keep the whole token alive
// (4,000 forged 8 KB tokens grew the retained heap by 26 MiB). The Remote
// must remember copies, and not remember key IDs over its bound of 256 bytes
// at all, so the live heap barely grows. The memory still works: a short
// unknown key ID is refused without a fetch after the cooldown, while a long
// one may cause a fetch.
func TestRemoteUnknownKeyIDsDoNotPinMemory(t *testing.T) {
	const (
		lookups   = 3000
		maxGrowth = 2 << 20 // bytes
	)
	tests := []struct {
		name string
		// kid returns the i-th key ID; each is a new allocation.
		kid        func(i int) string
		remembered bool
	}{
		{
			name: "short key IDs viewing 8 KB tokens",
			kid: func(i int) string {
				token := fmt.Sprintf(`{"alg":"ES256","kid":"forged-%08d"}.`, i) + strings.Repeat("A", 8<<10)
				start := strings.Index(token, "forged-")
				return token[start : start+len("forged-00000000")]
			},
			remembered: true,
		},
		{
			name:       "4 KB key IDs",
			kid:        func(i int) string { return fmt.Sprintf("long-%08d-", i) + strings.Repeat("k", 4<<10) },
			remembered: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks := newKeyServer(t, jwksJSON(t, ecJWK("a", genEC(t, elliptic.P256()))))
			clock := newFakeClock()
			r := ks.remote(t, jwks.RemoteConfig{Now: clock.Now, MaxWait: time.Minute})
			ctx := context.Background()
			_, err := r.Keys(ctx, q("a"))
			require.NoError(t, err, "Remote.Keys(kid a): the first fetch")
			before := liveHeap()

			// Hold the next fetch: every lookup joins it and waits.
			entered, release := ks.hold()
			waiting := make(chan struct{}, lookups)
			errs := make(chan error, lookups)
			var wg sync.WaitGroup
			for i := range lookups {
				wg.Go(func() {
					_, err := r.Keys(&waitSignal{Context: ctx, waiting: waiting}, q(tt.kid(i)))
					errs <- err
				})
			}
			waitFor(t, entered, "the held fetch to reach the server")
			for i := range lookups {
				waitFor(t, waiting, fmt.Sprintf("lookup %d of %d to wait for the fetch", i+1, lookups))
			}
			release()
			wg.Wait()
			close(errs)
			notFound := 0
			for err := range errs {
				if assert.ErrorIs(t, err, jwks.ErrKeyNotFound, "Remote.Keys(unknown kid) after the fetch") {
					notFound++
				}
			}
			require.Equal(t, lookups, notFound, "lookups for unknown key IDs answered ErrKeyNotFound")
			require.Equal(t, int64(2), ks.requests(), "requests: the first fetch and the one every lookup waited for")

			after := liveHeap()
			runtime.KeepAlive(r)
			growth := int64(after) - int64(before)
			assert.Less(t, growth, int64(maxGrowth),
				"live heap grew by %.1f MiB after %d lookups for unknown key IDs (%.1f MiB -> %.1f MiB); want under %d MiB: the Remote keeps the key IDs' tokens alive",
				float64(growth)/(1<<20), lookups, float64(before)/(1<<20), float64(after)/(1<<20), maxGrowth>>20)

			// After the cooldown, a remembered key ID fails without a fetch;
			// one not remembered is fetched for.
			clock.Advance(jwks.DefaultRefreshCooldown)
			_, err = r.Keys(ctx, q(tt.kid(7)))
			require.ErrorIs(t, err, jwks.ErrKeyNotFound, "Remote.Keys(unknown kid 7) after the cooldown")
			wantRequests := int64(3)
			if tt.remembered {
				wantRequests = 2
			}
			assert.Equal(t, wantRequests, ks.requests(),
				"requests after a lookup of unknown kid 7 (%d bytes) past the cooldown; remembered as unknown: %v", len(tt.kid(7)), tt.remembered)
		})
	}
}
