//go:build !race

package dpop

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Allocation bounds. The race detector changes how much code allocates
// (sync.Pool drops items at random), so these tests are built without it
// only; .ci/run runs them in a step of their own.

// TestCheckAllocs bounds the allocations of a check of a known client's
// fresh proof: the Result's ID and the replay ID, and now and then the
// store's map growing.
func TestCheckAllocs(t *testing.T) {
	s := newISigner(t)
	c, err := New(Config{Now: func() time.Time { return iNow }})
	require.NoError(t, err)
	token := strings.Repeat("t", 800)
	req := iRequest(t, token)
	const runs = 50
	proofs := make([]string, runs+2)
	for i := range proofs {
		proofs[i] = s.proof(t, "jti-"+strconv.Itoa(i), token, nil)
	}
	ctx := context.Background()
	_, err = c.Check(ctx, proofs[runs+1], req)
	require.NoError(t, err)
	c.verify = func(*jwks.Key, string, []byte, []byte) error { return nil }
	i := 0
	allocs := testing.AllocsPerRun(runs, func() {
		if _, err := c.Check(ctx, proofs[i], req); err != nil {
			t.Fatal(err)
		}
		i++
	})
	assert.LessOrEqual(t, allocs, 3.0, "allocations of Check without the signature check")
}

// TestMemoryStoreRememberAllocs: Remember of a checker's ID, encoded as
// other stores get it, allocates nothing but the store's own growth.
func TestMemoryStoreRememberAllocs(t *testing.T) {
	s := NewMemoryStore(0)
	s.Now = func() time.Time { return iNow }
	ctx := context.Background()
	ids := make([]string, 2000)
	w := new(work)
	for i := range ids {
		ids[i] = replayID(replayKey(w, &[32]byte{byte(i), byte(i >> 8)}, []byte("jti")))
	}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := s.Remember(ctx, ids[i], iNow.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		i++
	})
	assert.Less(t, allocs, 0.1, "allocations of MemoryStore.Remember of a 43-character ID, averaged")
}
