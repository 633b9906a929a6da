package verifier

import (
	"hash/maphash"
	"strings"
	"sync/atomic"
)

// An issuer signs its tokens with a handful of keys, and the protected
// header of each token names only the key and the algorithm: tokens that
// differ in every claim share their header byte for byte. headerMemo
// remembers the parsed headers of tokens that passed verification, keyed by
// the encoded header, so that the next token with the same header skips
// decoding and reading it (about a fifth of the work of verifying an
// HS256 token; see BenchmarkVerifyHeaderMemo). Reading a header
// depends on its bytes alone, so a remembered header is exactly what
// reading it again would give, and nothing else about a token is trusted
// because of it: its signature and claims are checked as always. Only
// verified tokens are remembered, so a client cannot fill the memo with
// headers of its own, and every entry is a copy: the memo keeps no token's
// memory alive.
//
// The memo is a fixed table indexed by a hash of the encoded header;
// lookups take no lock and allocate nothing. A header takes a slot held by
// another only when it is verified twice in a row while the other holds it
// (the slot remembers the hash of its last miss), so that a workload with
// more distinct headers than slots does not allocate an entry per token.
type headerMemo struct {
	seed  maphash.Seed
	slots [headerSlots]struct {
		entry    atomic.Pointer[memoHeader]
		lastMiss atomic.Uint64
	}
}

// headerSlots is the size of the table: far more keys than an issuer
// rotates through, and a few kilobytes per verifier.
const headerSlots = 64

// maxMemoHeader bounds the encoded headers the memo keeps; real ones are
// well under 200 bytes.
const maxMemoHeader = 512

type memoHeader struct {
	encoded string
	header  header
}

func newHeaderMemo() *headerMemo { return &headerMemo{seed: maphash.MakeSeed()} }

// lookup returns the header remembered for the encoded header enc, if any,
// and the hash of enc for a later remember. A nil memo knows nothing.
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

// remember records h as what the encoded header enc, whose hash is sum,
// reads as, after a token with that header passed verification. It keeps
// a copy of enc; h's strings are copies made when the header was read.
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
			return // the first miss in a row: keep the slot's header
		}
	}
	slot.entry.Store(&memoHeader{encoded: strings.Clone(enc), header: h})
}
