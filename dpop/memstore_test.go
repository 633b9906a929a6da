package dpop_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/dpop"
)

// t0 is where the fake clocks of the store and nonce tests start.
var t0 = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

// fakeClock is a clock tests move by hand.
type fakeClock struct{ t atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := new(fakeClock)
	c.t.Store(t.UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.t.Add(int64(d)) }

func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock(t0)
	s := dpop.NewMemoryStore(3)
	s.Now = clock.Now
	remember := func(id string, until time.Duration) (bool, error) {
		return s.Remember(ctx, id, clock.Now().Add(until))
	}

	fresh, err := remember("a", time.Minute)
	require.NoError(t, err)
	assert.True(t, fresh, "Remember(a) the first time")
	fresh, err = remember("a", time.Minute)
	require.NoError(t, err)
	assert.False(t, fresh, "Remember(a) again")

	fresh, err = remember("past", -time.Second)
	require.NoError(t, err)
	assert.True(t, fresh, "Remember(past) with a time that has passed")
	assert.Equal(t, 1, s.Len(), "Len after remembering an ID whose time had passed")

	_, err = remember("b", 2*time.Minute)
	require.NoError(t, err)
	_, err = remember("c", 3*time.Minute)
	require.NoError(t, err)
	fresh, err = remember("d", time.Minute)
	require.ErrorIs(t, err, dpop.ErrStoreFull, "Remember(d) with 3 live IDs in a store of 3")
	assert.False(t, fresh)
	fresh, err = remember("a", time.Minute)
	require.NoError(t, err, "Remember(a) in a full store")
	assert.False(t, fresh, "Remember(a) in a full store: still a replay")

	// A minute on, a has expired and makes room.
	clock.Advance(time.Minute)
	fresh, err = remember("d", time.Minute)
	require.NoError(t, err, "Remember(d) once a has expired")
	assert.True(t, fresh)
	fresh, err = remember("a", time.Minute)
	require.ErrorIs(t, err, dpop.ErrStoreFull, "Remember(a) once it has expired, in a store full of b, c, d")
	assert.False(t, fresh)
	clock.Advance(time.Minute) // b and d expire
	fresh, err = remember("a", time.Minute)
	require.NoError(t, err)
	assert.True(t, fresh, "Remember(a) once it has expired")
	assert.Equal(t, 2, s.Len(), "Len: a and c")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.Remember(cctx, "e", clock.Now().Add(time.Minute))
	require.ErrorIs(t, err, context.Canceled, "Remember with a canceled context")
}

// TestMemoryStoreModel compares the store with a plain map over random
// operations, so that the expiry heap drops exactly the expired IDs.
func TestMemoryStoreModel(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	clock := newFakeClock(t0)
	const max = 64
	s := dpop.NewMemoryStore(max)
	s.Now = clock.Now
	model := map[string]time.Time{}
	for i := range 5000 {
		now := clock.Now()
		for id, until := range model {
			if !until.After(now) {
				delete(model, id)
			}
		}
		id := fmt.Sprint(rng.IntN(200))
		until := now.Add(time.Duration(rng.IntN(120)-10) * time.Second)
		_, known := model[id]
		wantFresh := !known
		var wantErr error
		switch {
		case known:
		case !until.After(now):
		case len(model) >= max:
			wantFresh, wantErr = false, dpop.ErrStoreFull
		default:
			model[id] = until
		}
		fresh, err := s.Remember(ctx, id, until)
		if wantErr != nil {
			require.ErrorIs(t, err, wantErr, "step %d: Remember(%s)", i, id)
		} else {
			require.NoError(t, err, "step %d: Remember(%s)", i, id)
		}
		require.Equal(t, wantFresh, fresh, "step %d: Remember(%s) fresh", i, id)
		require.Equal(t, len(model), s.Len(), "step %d: Len", i)
		clock.Advance(time.Duration(rng.IntN(2000)) * time.Millisecond)
	}
}

// TestMemoryStoreConcurrent: of many concurrent calls with one ID, exactly
// one reports it new.
func TestMemoryStoreConcurrent(t *testing.T) {
	s := dpop.NewMemoryStore(0)
	until := time.Now().Add(time.Hour)
	var fresh atomic.Int32
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for i := range 100 {
				ok, err := s.Remember(context.Background(), fmt.Sprint(i), until)
				assert.NoError(t, err)
				if ok {
					fresh.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(100), fresh.Load(), "fresh answers for 100 IDs remembered by 32 goroutines")
	assert.Equal(t, 100, s.Len())
}
