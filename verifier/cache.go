package verifier

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
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

// entryOverhead estimates the memory of an entry beyond its token and its
// Claims (see Claims.footprint): the map node, the entry, string headers.
const entryOverhead = 256

// tokenCache remembers tokens that verified, with their claims and the key
// that verified them, so that a token seen again skips the parsing and the
// signature check. It never weakens a check: the time claims are checked on
// every hit, an entry whose key is no longer usable (it left its key set, or
// the set went stale) is dropped, and everything else Verify checks depends
// only on the token and the configuration, which do not change.
//
// A token is admitted on its second verification, not its first: most
// tokens a server sees once it never sees again (or not before they would
// have been evicted), and storing each would cost every first sight an
// insert. seen remembers, by a hash, the tokens verified recently but not
// cached; a token whose hash is already there is cached. A hash collision
// only admits a token early, and a token evicted from seen is verified in
// full once more: neither weakens a check.
//
// Lookups take no lock (sync.Map reads are lock-free), so that a popular
// token read by every core does not make them contend. Inserts and
// removals, which happen only on a token's admission or when an entry
// turns invalid, take a mutex that also keeps the entries in insertion
// order: when the cache is over its bounds, the oldest go first.
type tokenCache struct {
	m sync.Map // token -> *cacheEntry

	seed maphash.Seed
	seen [seenSlots]atomic.Uint64 // hashes of tokens verified once

	mu         sync.Mutex
	order      []string // tokens in insertion order; may hold removed ones
	live       int      // entries in m
	bytes      int      // their estimated memory
	maxEntries int
	maxBytes   int
	leeway     time.Duration // the verifier's: a token is dead at "exp" plus this
}

type cacheEntry struct {
	claims *Claims
	key    *jwks.Key
	size   int
}

// seenSlots is the size of the table of tokens verified once: a token
// verified again before about this many other tokens were is admitted.
const seenSlots = 4096

// seenTail is how many bytes at the end of a token identify it in seen.
const seenTail = 24

func newTokenCache(entries, bytes int, leeway time.Duration) *tokenCache {
	return &tokenCache{maxEntries: max(1, entries), maxBytes: max(1, bytes), leeway: leeway, seed: maphash.MakeSeed()}
}

// add offers a token that just passed verification at now: it is cached
// if it was verified recently already, and otherwise remembered as
// verified once.
func (c *tokenCache) add(token string, claims *Claims, key *jwks.Key, now time.Time) {
	// The signature at the end of a token is what sets tokens apart; its
	// last bytes hash far faster than the whole token. Two tokens that end
	// alike only make one of them cached a verification early.
	tail := token[max(0, len(token)-seenTail):]
	h := maphash.String(c.seed, tail) | 1 // never 0, the empty slot
	slot := &c.seen[h%seenSlots]
	if slot.Load() != h {
		slot.Store(h)
		return
	}
	slot.Store(0)
	c.put(token, claims, key, now)
}

// get returns the cached claims of token if its key is still usable at now.
func (c *tokenCache) get(token string, now time.Time) (*Claims, bool) {
	v, ok := c.m.Load(token)
	if !ok {
		return nil, false
	}
	e := v.(*cacheEntry)
	if !e.key.Usable(now) {
		c.remove(token)
		return nil, false
	}
	return e.claims, true
}

// remove drops token from the cache.
func (c *tokenCache) remove(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deleteLocked(token)
}

// deleteLocked drops token and reports whether it was cached; c.mu is held.
func (c *tokenCache) deleteLocked(token string) bool {
	v, ok := c.m.LoadAndDelete(token)
	if ok {
		c.live--
		c.bytes -= v.(*cacheEntry).size
	}
	return ok
}

// put remembers a token verified at now, evicting the oldest entries to
// stay within bounds.
func (c *tokenCache) put(token string, claims *Claims, key *jwks.Key, now time.Time) {
	size := len(token) + claims.footprint() + entryOverhead
	if size > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m.Load(token); ok {
		return
	}
	// Clone the token: the caller's string may be part of a larger buffer
	// (a request header) that the cache should not keep alive.
	t := strings.Clone(token)
	c.dropExpiredLocked(now)
	c.m.Store(t, &cacheEntry{claims: claims, key: key, size: size})
	c.order = append(c.order, t)
	c.live++
	c.bytes += size
	for c.live > c.maxEntries || c.bytes > c.maxBytes {
		c.evictOldestLocked()
	}
	if len(c.order) > 2*c.live+64 {
		// Entries removed before their turn to be evicted leave their
		// token in c.order; drop them so that c.order stays bounded.
		kept := make([]string, 0, c.live)
		for _, t := range c.order {
			if _, ok := c.m.Load(t); ok {
				kept = append(kept, t)
			}
		}
		c.order = kept
	}
}

// expiredDropsPerPut bounds the expired entries one put drops, so that an
// insert costs little however many tokens expired at once.
const expiredDropsPerPut = 4

// dropExpiredLocked drops the oldest entries while they are expired for
// good (past "exp" plus the leeway at now: no later Verify can accept them),
// at most expiredDropsPerPut of them; c.mu is held. Tokens of a client
// population mostly expire in the order they arrived, so this keeps the
// cache near the tokens still in use instead of full of dead ones until
// the bounds push them out. Entries expired out of order wait for the
// bounds, as before.
func (c *tokenCache) dropExpiredLocked(now time.Time) {
	cutoff := now.Add(-c.leeway)
	for range expiredDropsPerPut {
		if len(c.order) == 0 {
			return
		}
		t := c.order[0]
		if v, ok := c.m.Load(t); ok {
			exp := v.(*cacheEntry).claims.expiresAt
			if exp.IsZero() || cutoff.Before(exp) {
				return
			}
			c.deleteLocked(t)
		}
		c.order[0] = ""
		c.order = c.order[1:]
	}
}

// evictOldestLocked drops the oldest cached token; c.mu is held.
func (c *tokenCache) evictOldestLocked() {
	for len(c.order) > 0 {
		t := c.order[0]
		c.order[0] = ""
		c.order = c.order[1:]
		if c.deleteLocked(t) {
			return
		}
	}
}
