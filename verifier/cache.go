package verifier

import (
	"strings"
	"sync"
	"time"

	"github.com/jwtgate/jwtgate/jwks"
)

// Defaults for the cache of verified tokens; see Config.CacheSize.
const (
	// DefaultCacheSize is the number of verified tokens remembered.
	DefaultCacheSize = 10_000
	// DefaultCacheBytes bounds the memory the remembered tokens hold.
	DefaultCacheBytes = 16 << 20
)

const (
	cacheShards = 64
	// entryOverhead estimates the memory of an entry beyond its token and
	// claims bytes: the Claims value, the map slot, string headers.
	entryOverhead = 512
)

// tokenCache remembers tokens that verified, with their claims and the key
// that verified them, so that a token seen again skips the parsing and the
// signature check. It never weakens a check: the time claims are checked on
// every hit, an entry whose key is no longer usable (it left its key set, or
// the set went stale) is dropped, and everything else Verify checks depends
// only on the token and the configuration, which do not change. It is
// sharded to keep lock contention low, and bounded in entries and bytes.
type tokenCache struct {
	shards     [cacheShards]cacheShard
	maxEntries int // per shard
	maxBytes   int // per shard
}

type cacheShard struct {
	mu      sync.RWMutex
	entries map[string]cacheEntry
	bytes   int
	_       [64]byte // keep shards on separate cache lines
}

type cacheEntry struct {
	claims *Claims
	key    *jwks.Key
	size   int
}

func newTokenCache(entries, bytes int) *tokenCache {
	c := &tokenCache{
		maxEntries: max(1, entries/cacheShards),
		maxBytes:   max(1, bytes/cacheShards),
	}
	for i := range c.shards {
		c.shards[i].entries = make(map[string]cacheEntry)
	}
	return c
}

// shard picks a shard from the last bytes of the token, which belong to the
// signature and so vary from token to token.
func (c *tokenCache) shard(token string) *cacheShard {
	h := uint32(2166136261)
	for i := max(0, len(token)-8); i < len(token); i++ {
		h = (h ^ uint32(token[i])) * 16777619
	}
	return &c.shards[h%cacheShards]
}

// get returns the cached claims of token if its key is still usable at now.
func (c *tokenCache) get(token string, now time.Time) (*Claims, bool) {
	s := c.shard(token)
	s.mu.RLock()
	e, ok := s.entries[token]
	s.mu.RUnlock()
	if !ok {
		return nil, false
	}
	if !e.key.Usable(now) {
		c.remove(token)
		return nil, false
	}
	return e.claims, true
}

func (c *tokenCache) remove(token string) {
	s := c.shard(token)
	s.mu.Lock()
	if e, ok := s.entries[token]; ok {
		delete(s.entries, token)
		s.bytes -= e.size
	}
	s.mu.Unlock()
}

// put remembers a verified token, evicting entries to stay within bounds.
func (c *tokenCache) put(token string, claims *Claims, key *jwks.Key) {
	size := len(token) + len(claims.raw) + entryOverhead
	if size > c.maxBytes {
		return
	}
	s := c.shard(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[token]; ok {
		return
	}
	for len(s.entries) >= c.maxEntries || s.bytes+size > c.maxBytes {
		// Evict an arbitrary entry: map iteration starts at a random
		// place, which is good enough and costs nothing to track.
		for t, e := range s.entries {
			delete(s.entries, t)
			s.bytes -= e.size
			break
		}
	}
	// Clone the token: the caller's string may be part of a larger buffer
	// (a request header) that the cache should not keep alive.
	s.entries[strings.Clone(token)] = cacheEntry{claims: claims, key: key, size: size}
	s.bytes += size
}
