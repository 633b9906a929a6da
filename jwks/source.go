package jwks

import (
	"context"
	"errors"
)

// Query describes the token a key is wanted for. The verifier fills it from
// the token's protected header and claims after checking the algorithm
// against its allowlist and the issuer against its list of trusted issuers.
type Query struct {
	// Issuer is the token's "iss" claim ("" if absent).
	Issuer string
	// KeyID is the token's "kid" header ("" if absent).
	KeyID string
	// Algorithm is the token's "alg" header, always a supported algorithm.
	Algorithm string
}

// Source finds the keys that may have signed a token. The verifier calls
// Keys for every token it has not verified before, so implementations must be
// fast and safe for concurrent use.
//
// Keys returns the candidate keys for q:
//
//   - when q.KeyID is set, the keys with that ID; for an ID it lacks, a
//     source may document a fallback ([Static] offers its keys without ID);
//   - otherwise, every key that supports q.Algorithm.
//
// It returns an error wrapping [ErrKeyNotFound] when there is none, and one
// wrapping [ErrUnavailable] when the keys cannot be obtained now (for
// example, the first fetch failed and nothing is cached). The returned slice
// belongs to the source and must not be modified.
//
// Every token costs the verifier at most one signature check. Of the
// candidates it keeps those that support q.Algorithm, and it checks the
// signature only when exactly one remains: a token that more than one
// candidate could verify is refused as signed by an unknown key, whether it
// has no "kid" or names one that the source lacks and answers with a
// fallback. So a token without "kid" verifies only against a source holding
// a single key for its algorithm, and key IDs should be unique within a
// source.
//
// A Source must not check the token itself: the verifier checks that each
// candidate supports the algorithm, verifies the signature, and never uses a
// key named by the token's "jku", "x5u", "jwk" or "x5c" headers.
type Source interface {
	Keys(ctx context.Context, q Query) ([]*Key, error)
}

// ErrKeyNotFound reports that a source holds no key matching a query.
var ErrKeyNotFound = errors.New("jwks: no matching key")

// ErrUnavailable reports that a source cannot provide the keys asked for
// now, for example because its key set could not be fetched and none is
// cached, or because the key ID asked for is not cached and the issuer
// cannot be asked for it ([Remote] while its issuer fails).
var ErrUnavailable = errors.New("jwks: keys unavailable")
