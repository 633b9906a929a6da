package verifier

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

func ciKey(t *testing.T) *jwks.Key {
	t.Helper()
	k, err := jwks.NewSecret("", []byte("the internal cache tests' secret!!"))
	require.NoError(t, err)
	return k
}

func ciTotals(c *tokenCache) (entries, bytes, order int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	c.m.Range(func(any, any) bool { n++; return true })
	if n != c.live {
		panic(fmt.Sprintf("tokenCache counts %d live entries but holds %d", c.live, n))
	}
	return c.live, c.bytes, len(c.order)
}

func TestTokenCacheBoundedByEntries(t *testing.T) {
	const size = 128
	c := newTokenCache(size, 1<<30, 0)
	key := ciKey(t)
	for i := range 10 * size {
		tok := fmt.Sprintf("header.payload.sig-%06d", i)
		c.put(tok, &Claims{raw: `{}`}, key, time.Time{})
		entries, _, _ := ciTotals(c)
		require.LessOrEqual(t, entries, size, "entries after %d puts into a cache of %d", i+1, size)
	}
	entries, _, _ := ciTotals(c)
	assert.Equal(t, size, entries, "a full cache keeps its whole capacity in use")
	// The oldest went first: the last size tokens are the ones cached.
	for i := 9 * size; i < 10*size; i++ {
		_, ok := c.get(fmt.Sprintf("header.payload.sig-%06d", i), time.Now())
		require.True(t, ok, "token %d of the last %d put", i, size)
	}
	_, ok := c.get(fmt.Sprintf("header.payload.sig-%06d", 9*size-1), time.Now())
	assert.False(t, ok, "the newest evicted token")
}

func TestTokenCacheBoundedByBytes(t *testing.T) {
	const limit = 256 << 10
	c := newTokenCache(1_000_000, limit, 0)
	key := ciKey(t)
	payload := strings.Repeat("x", 2000)
	for i := range 2000 {
		tok := fmt.Sprintf("%s.%06d", strings.Repeat("t", 1000), i)
		c.put(tok, &Claims{raw: payload}, key, time.Time{})
		_, bytes, _ := ciTotals(c)
		require.LessOrEqual(t, bytes, limit, "bytes after %d puts into a cache of %d bytes", i+1, limit)
	}
	// A single entry larger than the whole cache is not cached at all.
	huge := strings.Repeat("h", limit)
	c.put(huge, &Claims{raw: payload}, key, time.Time{})
	_, ok := c.get(huge, time.Now())
	assert.False(t, ok, "an entry larger than the cache")
}

func TestTokenCacheRemovalsKeepOrderBounded(t *testing.T) {
	const size = 64
	c := newTokenCache(size, 1<<30, 0)
	key := ciKey(t)
	for i := range 50 * size {
		tok := fmt.Sprintf("h.p.%06d", i)
		c.put(tok, &Claims{}, key, time.Time{})
		if i%2 == 0 {
			c.remove(tok) // as when a cached token expires
		}
		_, _, order := ciTotals(c)
		require.LessOrEqual(t, order, 2*size+64+1, "tokens remembered for ordering after %d puts and %d removals", i+1, i/2+1)
	}
	entries, bytes, _ := ciTotals(c)
	assert.LessOrEqual(t, entries, size)
	assert.Equal(t, entries*(len("h.p.000000")+claimsSize+entryOverhead), bytes, "bytes of the live entries")
}

func TestTokenCacheClonesTheToken(t *testing.T) {
	c := newTokenCache(100, 1<<20, 0)
	header := "Bearer header.payload.signature" // the token is part of a longer string, as in a request header
	tok := header[len("Bearer "):]
	c.put(tok, &Claims{}, ciKey(t), time.Time{})
	n := 0
	c.m.Range(func(k, _ any) bool {
		n++
		assert.NotSame(t, unsafe.StringData(tok), unsafe.StringData(k.(string)),
			"the cache keeps the caller's string, and with it the whole header it is part of")
		return true
	})
	assert.Equal(t, 1, n)
}

// TestTokenCacheAdmitsOnSecondSight checks that a verified token is cached
// the second time it is offered, not the first, so that tokens seen once
// cost no insert.
func TestTokenCacheAdmitsOnSecondSight(t *testing.T) {
	c := newTokenCache(100, 1<<20, 0)
	key := ciKey(t)
	claims := &Claims{raw: `{}`}
	c.add("h.p.first", claims, key, time.Time{})
	_, ok := c.get("h.p.first", time.Now())
	require.False(t, ok, "tokenCache.add cached a token offered once; want it cached on its second offer")
	entries, _, _ := ciTotals(c)
	require.Zero(t, entries, "entries after one offer")

	c.add("h.p.first", claims, key, time.Time{})
	got, ok := c.get("h.p.first", time.Now())
	require.True(t, ok, "tokenCache.add did not cache a token offered twice")
	assert.Same(t, claims, got, "tokenCache.get returned other claims than those added")

	// Tokens offered once each, many more than the table of first
	// sightings holds, leave the cache empty.
	for i := range 4 * seenSlots {
		c.add(fmt.Sprintf("h.p.%06d", i), claims, key, time.Time{})
	}
	entries, _, _ = ciTotals(c)
	assert.Equal(t, 1, entries, "entries after %d tokens offered once each (the first token was cached before)", 4*seenSlots)
}

func TestTokenCacheDropsExpiredOldest(t *testing.T) {
	const leeway = 30 * time.Second
	c := newTokenCache(10_000, 1<<30, leeway)
	key := ciKey(t)
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	// Clients whose tokens live one minute arrive one per second for ten
	// minutes, as a population of client-credentials clients renews them.
	const lifetime, n = time.Minute, 600
	for i := range n {
		now := t0.Add(time.Duration(i) * time.Second)
		c.put(fmt.Sprintf("h.p.%06d", i), &Claims{expiresAt: now.Add(lifetime)}, key, now)
	}
	entries, _, order := ciTotals(c)
	// At the end, tokens issued more than lifetime+leeway ago are dead;
	// about 90 are alive (or within the leeway).
	alive := int((lifetime + leeway) / time.Second)
	assert.LessOrEqual(t, entries, alive+1, "entries after %d puts of 1-minute tokens, one per second (leeway %v); want only the live ones", n, leeway)
	assert.GreaterOrEqual(t, entries, alive-1, "entries after %d puts: live tokens must stay", n)
	assert.Equal(t, entries, order, "order holds only live tokens")

	end := t0.Add(n * time.Second)
	newest := fmt.Sprintf("h.p.%06d", n-1)
	_, ok := c.get(newest, end)
	assert.True(t, ok, "the newest token is still cached")

	// A token without "exp" is never taken for expired, and stops the
	// drop: entries behind it wait for the bounds.
	d := newTokenCache(10_000, 1<<30, 0)
	d.put("h.p.noexp", &Claims{}, key, t0)
	d.put("h.p.old", &Claims{expiresAt: t0.Add(time.Second)}, key, t0)
	d.put("h.p.new", &Claims{expiresAt: t0.Add(time.Hour)}, key, t0.Add(time.Minute))
	entries, _, _ = ciTotals(d)
	assert.Equal(t, 3, entries, "entries behind a token without exp are kept until the bounds")
}
