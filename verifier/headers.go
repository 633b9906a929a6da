package verifier

import (
	"hash/maphash"
	"strings"
	"sync/atomic"
)

// An issuer signs all its tokens with a handful of keys, and the protected
// header of each token names the key and the algorithm: tokens that differ
// in every claim usually share their header byte for byte. headerMemo
// remembers the parsed headers of tokens that passed verification, keyed by
// the encoded header, so that the next token with the same header skips
// decoding and parsing it. Parsing is a function of the encoded bytes alone,
// so a remembered header is exactly what parsing would return, and nothing
// else about a token is trusted because of it: its signature and claims are
// checked as always. Only verified tokens are remembered, so a client
// cannot fill the memo with headers of its own.
//
// The memo is a fixed table of headerSlots entries, indexed by a hash of
// the encoded header; lookups take no lock and allocate nothing. A header
// displaces the one in its slot only when it is verified twice in a row
// while that slot holds another (the slot's last miss is remembered as a
// hash), so that a workload with more distinct headers than slots does not
// allocate a new entry on every token.
type headerMemo struct {
	seed  maphash.Seed
	slots [headerSlots]struct {
		entry    atomic.Pointer[memoHeader]
		lastMiss atomic.Uint64 // hash of the last header verified while another held the slot
	}
}

// headerSlots is the size of the table: far more keys than one issuer
// rotates through, and a few kilobytes per verifier.
const headerSlots = 64

// maxMemoHeader bounds the length of an encoded header the memo keeps.
// Real headers are well under 200 bytes.
const maxMemoHeader = 512

type memoHeader struct {
	encoded string
	header  header
}

func newHeaderMemo() *headerMemo { return &headerMemo{seed: maphash.MakeSeed()} }

// lookup returns the parsed header remembered for the encoded header enc,
// or ok == false, with the hash of enc for a later remember.
func (m *headerMemo) lookup(enc string) (h header, sum uint64, ok bool) {
	if m == nil || len(enc) > maxMemoHeader {
		return header{}, 0, false
	}
	sum = maphash.String(m.seed, enc)
	if e := m.slots[sum%headerSlots].entry.Load(); e != nil && e.encoded == enc {
		return e.header, sum, true
	}
	return header{}, sum, false
}

// remember records h as the parsed form of the encoded header enc, whose
// hash is sum, after a token with that header passed verification. The
// entry is a copy: it does not keep the token's memory alive.
func (m *headerMemo) remember(enc string, sum uint64, h header) {
	if m == nil || len(enc) > maxMemoHeader {
		return
	}
	slot := &m.slots[sum%headerSlots]
	if e := slot.entry.Load(); e != nil {
		if e.encoded == enc {
			return
		}
		if slot.lastMiss.Swap(sum) != sum {
			return
		}
	}
	// One allocation for the encoded header and the three parameters.
	var b strings.Builder
	b.Grow(len(enc) + len(h.alg) + len(h.kid) + len(h.typ))
	b.WriteString(enc)
	b.WriteString(h.alg)
	b.WriteString(h.kid)
	b.WriteString(h.typ)
	all := b.String()
	e := &memoHeader{encoded: all[:len(enc)]}
	all = all[len(enc):]
	e.header.alg, all = all[:len(h.alg)], all[len(h.alg):]
	e.header.kid, all = all[:len(h.kid)], all[len(h.kid):]
	e.header.typ = all
	slot.entry.Store(e)
}
