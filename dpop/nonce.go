package dpop

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"slices"
	"sync/atomic"
	"time"
)

// minNonceSecret is the shortest secret NewNonces accepts, in bytes.
const minNonceSecret = 32

// nonceLabel separates our MACs from any other use of the secret.
const nonceLabel = "jwtgate dpop nonce v1\x00"

// nonceLen is the length of a nonce: a base64url SHA-256 MAC.
const nonceLen = 43

// Nonces issues and accepts server nonces (RFC 9449 section 9) without
// state: time is cut into buckets of the given lifetime, and the nonce of a
// bucket is HMAC-SHA256(secret, bucket) in base64url. Every server instance
// configured with the same secret issues and accepts the same nonces, with
// no shared storage. A nonce is accepted during its own bucket and the
// next, so between one and two lifetimes after it is first issued.
//
// The nonce is the same for every client within a bucket: it bounds how
// long a proof may have been made in advance (RFC 9449 section 11.2), and
// the replay store still refuses each proof's second use.
//
// Nonces is safe for concurrent use. A Nonces in Config.Nonces makes the
// checker require a nonce in every proof; the server sends
// [Checker.Nonce] in a DPoP-Nonce header.
type Nonces struct {
	secret   []byte
	lifetime int64 // nanoseconds
	now      func() time.Time
	last     atomic.Pointer[nonceBucket]
}

// nonceBucket caches the nonces of one bucket and the one before it.
type nonceBucket struct {
	n         int64
	cur, prev string
}

// NewNonces returns nonces made with secret, which must be at least
// 32 bytes of random data, shared by every instance that must
// accept the same nonces, and kept secret (anyone who knows it can make
// nonces in advance). lifetime is the length of a bucket and must be
// positive; a minute or a few are typical. now is the clock; nil means
// time.Now. The secret is copied.
func NewNonces(secret []byte, lifetime time.Duration, now func() time.Time) (*Nonces, error) {
	if len(secret) < minNonceSecret {
		return nil, errors.New("dpop: nonce secret is shorter than 32 bytes")
	}
	if lifetime <= 0 {
		return nil, errors.New("dpop: nonce lifetime must be positive")
	}
	if now == nil {
		now = time.Now
	}
	return &Nonces{secret: slices.Clone(secret), lifetime: int64(lifetime), now: now}, nil
}

// Current returns the nonce to send now, in a DPoP-Nonce header.
func (n *Nonces) Current() string { return n.at(n.now()).cur }

// Valid reports whether nonce is the nonce of the current bucket or of the
// one before it. The comparison takes the same time whatever nonce is.
func (n *Nonces) Valid(nonce string) bool {
	if len(nonce) != nonceLen {
		return false
	}
	b := n.at(n.now())
	return equalConstantTime(nonce, b.cur)|equalConstantTime(nonce, b.prev) == 1
}

// at returns the nonces of the bucket of t, from the cache when it is that
// bucket.
func (n *Nonces) at(t time.Time) *nonceBucket {
	k := floorDiv(t.UnixNano(), n.lifetime)
	last := n.last.Load()
	if last != nil && last.n == k {
		return last
	}
	b := &nonceBucket{n: k, cur: n.mac(k)}
	if last != nil && last.n == k-1 {
		b.prev = last.cur
	} else {
		b.prev = n.mac(k - 1)
	}
	n.last.Store(b)
	return b
}

// mac returns the nonce of bucket k.
func (n *Nonces) mac(k int64) string {
	h := hmac.New(sha256.New, n.secret)
	var buf [len(nonceLabel) + 16]byte
	copy(buf[:], nonceLabel)
	binary.BigEndian.PutUint64(buf[len(nonceLabel):], uint64(n.lifetime))
	binary.BigEndian.PutUint64(buf[len(nonceLabel)+8:], uint64(k))
	h.Write(buf[:])
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// equalConstantTime returns 1 if a and b, of the same length, are equal,
// and 0 otherwise, in a time that depends only on their length.
func equalConstantTime(a, b string) int {
	var v byte
	for i := 0; i < len(a) && i < len(b); i++ {
		v |= a[i] ^ b[i]
	}
	return subtle.ConstantTimeByteEq(v, 0) & subtle.ConstantTimeEq(int32(len(a)), int32(len(b)))
}

// floorDiv returns a / b rounded towards minus infinity, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}
