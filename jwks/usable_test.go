package jwks_test

import (
	"context"
	"crypto/elliptic"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

func TestStaticKeysAreAlwaysUsable(t *testing.T) {
	k := publicKey(t, "a", &genEC(t, elliptic.P256()).PublicKey)
	_, err := jwks.NewStatic(k)
	require.NoError(t, err)
	for _, at := range []time.Time{{}, time.Now(), time.Now().Add(100 * 365 * 24 * time.Hour)} {
		assert.True(t, k.Usable(at), "Usable(%v) of a static key", at)
	}
}

func TestRemoteKeyLifetime(t *testing.T) {
	a, b := genEC(t, elliptic.P256()), genEC(t, elliptic.P256())
	ks := newKeyServer(t, jwksJSON(t, ecJWK("a", a), ecJWK("b", b)))
	clock := newFakeClock()
	r := ks.remote(t, jwks.RemoteConfig{Now: clock.Now, RefreshInterval: 10 * time.Minute, MaxStale: time.Hour})
	ctx := context.Background()

	ka, err := r.Keys(ctx, q("a"))
	require.NoError(t, err)
	kb, err := r.Keys(ctx, q("b"))
	require.NoError(t, err)
	start := clock.Now()
	assert.True(t, ka[0].Usable(start), "a freshly fetched key")

	// Key a leaves the set: a is retired at once; b, unchanged, keeps its
	// identity and stays usable.
	ks.serve(http.StatusOK, jwksJSON(t, ecJWK("b", b)))
	require.NoError(t, r.Refresh(ctx))
	assert.False(t, ka[0].Usable(start), "a key removed from the set")
	kb2, err := r.Keys(ctx, q("b"))
	require.NoError(t, err)
	assert.Same(t, kb[0], kb2[0], "an unchanged key keeps its identity across refreshes")
	assert.True(t, kb[0].Usable(start), "a key still in the set")

	// The set goes stale when the issuer stops answering: usable until its
	// expiry plus MaxStale, not after.
	ks.serve(http.StatusInternalServerError, nil)
	refreshed := clock.Now()
	assert.True(t, kb[0].Usable(refreshed.Add(10*time.Minute+time.Hour-time.Nanosecond)), "a key just within MaxStale past its set's expiry")
	assert.False(t, kb[0].Usable(refreshed.Add(10*time.Minute+time.Hour)), "a key of a set past MaxStale")

	// A successful refresh (here a 304 would do the same) extends the life.
	ks.serve(http.StatusOK, jwksJSON(t, ecJWK("b", b)))
	clock.Advance(30 * time.Minute)
	require.NoError(t, r.Refresh(ctx))
	assert.True(t, kb[0].Usable(refreshed.Add(10*time.Minute+time.Hour)), "a key after a later successful refresh")
}
