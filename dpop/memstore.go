package dpop

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"time"
)

// DefaultMemoryStoreSize is the number of proof IDs a [MemoryStore] holds
// by default: about 17 MB when full, holding no pointers for the garbage
// collector to scan. A checker remembers each proof for
// MaxAge + 2·Leeway after the moment it was issued (70 s with the
// defaults), so a full store of this size serves about 1,800 proofs a
// second, sustained.
const DefaultMemoryStoreSize = 1 << 17

// ErrStoreFull is returned by [MemoryStore.Remember] when the store holds
// as many live IDs as it may: the proof cannot be recorded, so it is not
// accepted ([Checker.Check] reports [ErrStoreUnavailable]).
var ErrStoreFull = errors.New("dpop: replay store full")

// MemoryStore is a [ReplayStore] in memory, for one server instance. It is
// safe for concurrent use and runs no goroutine: IDs whose time has passed
// are dropped when Remember is called.
//
// It holds at most a fixed number of IDs. When it is full of IDs that are
// still live, Remember refuses with [ErrStoreFull] rather than forget one:
// a forgotten ID is a proof that may be replayed, while a refusal is an
// error the client may retry (503) once older IDs expire. Size the store
// for the peak rate of proofs (see [DefaultMemoryStoreSize]), or share a
// store between instances for a fleet.
type MemoryStore struct {
	// Now is the store's clock, which decides when an ID has expired; nil
	// means time.Now. Set it before the first call to Remember. A checker
	// with a fake clock (Config.Now) and Config.Replay nil gives its own
	// store its clock.
	Now func() time.Time

	max int
	mu  sync.Mutex
	ids map[storeKey]int64 // ID -> until, in Unix nanoseconds
	// byTime orders the IDs by expiry: a binary min-heap on until.
	byTime []expiry
}

// storeKey is what a MemoryStore keeps of an ID: 32 bytes, so that its map
// and heap hold no pointers for the garbage collector to scan. The IDs of
// a checker, the base64url of a SHA-256, are kept as the digest they
// encode; any other ID as the SHA-256 of a prefix and the ID. Two IDs get
// the same key only if a SHA-256 collides or is inverted.
type storeKey [sha256.Size]byte

// keyOf returns the key of id.
func keyOf(id string) storeKey {
	var k storeKey
	if len(id) == replayIDLen {
		if n, err := b64.Decode(k[:], []byte(id)); err == nil && n == len(k) {
			return k
		}
	}
	h := sha256.New()
	h.Write([]byte("dpop.MemoryStore ID\x00"))
	h.Write([]byte(id))
	h.Sum(k[:0])
	return k
}

type expiry struct {
	until int64
	key   storeKey
}

// NewMemoryStore returns an empty store that holds at most max IDs; max <=
// 0 means [DefaultMemoryStoreSize].
func NewMemoryStore(max int) *MemoryStore {
	if max <= 0 {
		max = DefaultMemoryStoreSize
	}
	return &MemoryStore{max: max, ids: make(map[storeKey]int64)}
}

// Remember records id until the time given, and reports whether it was new.
// An ID whose time has passed counts as new. It fails with [ErrStoreFull]
// when the store is full of live IDs, and with ctx's error when ctx is
// done.
func (s *MemoryStore) Remember(ctx context.Context, id string, until time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	return s.remember(keyOf(id), until.UnixNano(), s.nowNano())
}

// nowNano reads the store's clock.
func (s *MemoryStore) nowNano() int64 {
	if s.Now != nil {
		return s.Now().UnixNano()
	}
	return time.Now().UnixNano()
}

// remember is Remember of the key k, until end, at t, in Unix nanoseconds;
// a checker calls it directly, with the ID it has not encoded.
func (s *MemoryStore) remember(k storeKey, end, t int64) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(t)
	if _, ok := s.ids[k]; ok {
		return false, nil
	}
	if end <= t {
		return true, nil // too old to be accepted again anyway
	}
	if len(s.ids) >= s.max {
		return false, ErrStoreFull
	}
	s.ids[k] = end
	s.push(expiry{end, k})
	return true, nil
}

// Len returns the number of IDs held, including expired ones not yet
// dropped.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ids)
}

// expire drops every ID whose time is at or before t. Each ID in the map
// has exactly one entry in the heap: Remember adds both together, and only
// expire removes them, together.
func (s *MemoryStore) expire(t int64) {
	for len(s.byTime) > 0 && s.byTime[0].until <= t {
		delete(s.ids, s.pop().key)
	}
}

// push adds e to the heap. Both heap operations move a hole rather than
// swap entries, so that each entry moved is written once.
func (s *MemoryStore) push(e expiry) {
	h := append(s.byTime, e)
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if h[parent].until <= e.until {
			break
		}
		h[i] = h[parent]
		i = parent
	}
	h[i] = e
	s.byTime = h
}

// pop removes and returns the earliest entry of the heap, which is not
// empty.
func (s *MemoryStore) pop() expiry {
	h := s.byTime
	top := h[0]
	last := len(h) - 1
	e := h[last]
	h = h[:last]
	i := 0
	for {
		child := 2*i + 1
		if child >= len(h) {
			break
		}
		if r := child + 1; r < len(h) && h[r].until < h[child].until {
			child = r
		}
		if e.until <= h[child].until {
			break
		}
		h[i] = h[child]
		i = child
	}
	if i < len(h) {
		h[i] = e
	}
	s.byTime = h
	return top
}
