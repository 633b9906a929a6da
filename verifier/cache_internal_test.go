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

func ciTotals(c *tokenCache) (entries, bytes int) {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		entries += len(s.entries)
		bytes += s.bytes
		s.mu.RUnlock()
	}
	return entries, bytes
}

func TestTokenCacheBoundedByEntries(t *testing.T) {
	const size = 128
	c := newTokenCache(size, 1<<30)
	key := ciKey(t)
	for i := range 10 * size {
		tok := fmt.Sprintf("header.payload.sig-%06d", i)
		c.put(tok, &Claims{raw: []byte(`{}`)}, key)
		entries, _ := ciTotals(c)
		require.LessOrEqual(t, entries, size, "entries after %d puts into a cache of %d", i+1, size)
	}
	entries, _ := ciTotals(c)
	assert.Greater(t, entries, size/2, "a full cache keeps most of its capacity in use")
}

func TestTokenCacheBoundedByBytes(t *testing.T) {
	const limit = 256 << 10
	c := newTokenCache(1_000_000, limit)
	key := ciKey(t)
	payload := []byte(strings.Repeat("x", 2000))
	for i := range 2000 {
		tok := fmt.Sprintf("%s.%06d", strings.Repeat("t", 1000), i)
		c.put(tok, &Claims{raw: payload}, key)
		_, bytes := ciTotals(c)
		require.LessOrEqual(t, bytes, limit, "bytes after %d puts into a cache of %d bytes", i+1, limit)
	}
	// A single entry larger than a shard's share is not cached at all.
	huge := strings.Repeat("h", limit)
	c.put(huge, &Claims{raw: payload}, key)
	_, ok := c.get(huge, time.Now())
	assert.False(t, ok, "an entry larger than a shard's share of the bytes")
}

func TestTokenCacheClonesTheToken(t *testing.T) {
	c := newTokenCache(100, 1<<20)
	header := fmt.Sprint("Bearer header.payload.signature") // a string built at run time, like a request header
	tok := header[len("Bearer "):]
	c.put(tok, &Claims{}, ciKey(t))
	s := c.shard(tok)
	for stored := range s.entries {
		assert.NotSame(t, unsafe.StringData(tok), unsafe.StringData(stored),
			"the cache keeps the caller's string, and with it the whole header it is part of")
	}
}

func TestTokenCacheSpreadsOverShards(t *testing.T) {
	c := newTokenCache(100000, 1<<30)
	used := map[*cacheShard]bool{}
	for i := range 1000 {
		used[c.shard(fmt.Sprintf("h.p.%016x", uint64(i)*0x9E3779B97F4A7C15))] = true
	}
	assert.Greater(t, len(used), cacheShards*3/4, "shards used by 1000 tokens")
}
