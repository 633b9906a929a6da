package jwks

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Static is a fixed set of keys, for public keys distributed out of band and
// for HMAC secrets. It is immutable and safe for concurrent use.
//
// [Static.Keys] answers a token with a "kid" header with the key that has
// that ID or, if none has it, with the keys that have no ID; a token without
// "kid" with every key that supports its algorithm. The verifier then checks
// the signature only if exactly one of those keys supports the token's
// algorithm, and refuses the token otherwise (see [Source]). So one key
// without an ID verifies any token signed by it, whatever kid the issuer
// wrote; several keys of one type need IDs, and tokens that name them.
type Static struct {
	all   []*Key
	byID  map[string][]*Key
	noID  []*Key
	byAlg map[string][]*Key
}

// NewStatic returns a source holding keys. It refuses an empty set, two keys
// with the same non-empty ID, and a set that mixes HMAC secrets with public
// keys (a token could otherwise pick which kind verifies it).
func NewStatic(keys ...*Key) (*Static, error) {
	if len(keys) == 0 {
		return nil, errors.New("jwks: static key set is empty")
	}
	s := &Static{all: slices.Clone(keys), byID: map[string][]*Key{}, byAlg: map[string][]*Key{}}
	var symmetric, asymmetric bool
	for i, k := range keys {
		if k == nil {
			return nil, fmt.Errorf("jwks: static key %d is nil", i)
		}
		if k.IsSymmetric() {
			symmetric = true
		} else {
			asymmetric = true
		}
		if k.id == "" {
			s.noID = append(s.noID, k)
		} else {
			if len(s.byID[k.id]) > 0 {
				return nil, fmt.Errorf("jwks: two static keys have ID %q", k.id)
			}
			s.byID[k.id] = []*Key{k}
		}
		for _, alg := range k.algs {
			s.byAlg[alg] = append(s.byAlg[alg], k)
		}
	}
	if symmetric && asymmetric {
		return nil, errors.New("jwks: a static key set must not mix HMAC secrets with public keys")
	}
	// Lookups hand these slices out; without spare capacity, a caller that
	// appends to one gets a copy instead of racing with other callers.
	s.noID = slices.Clip(s.noID)
	for alg, ks := range s.byAlg {
		s.byAlg[alg] = slices.Clip(ks)
	}
	return s, nil
}

// NewStaticJWKS returns a source holding the keys of a JSON Web Key Set,
// parsed strictly by [ParseJWKS].
func NewStaticJWKS(data []byte) (*Static, error) {
	keys, err := ParseJWKS(data)
	if err != nil {
		return nil, err
	}
	return NewStatic(keys...)
}

// Keys implements [Source]: for a query with a key ID, the key with that ID,
// else every key without ID; for a query without, every key that supports
// q.Algorithm. It never blocks and never fails with [ErrUnavailable].
func (s *Static) Keys(_ context.Context, q Query) ([]*Key, error) {
	var keys []*Key
	if q.KeyID != "" {
		keys = s.byID[q.KeyID]
		if keys == nil {
			keys = s.noID
		}
	} else {
		keys = s.byAlg[q.Algorithm]
	}
	if len(keys) == 0 {
		return nil, ErrKeyNotFound
	}
	return keys, nil
}

// All returns every key in the set. The caller owns the returned slice.
func (s *Static) All() []*Key { return slices.Clone(s.all) }

// Status reports the set as always ready, with its number of keys.
func (s *Static) Status() Status { return Status{Ready: true, Keys: len(s.all)} }
