package jwks

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
)

// ByIssuer routes each query to the key source of the token's issuer, so
// that a key of one issuer never verifies a token of another. A query for an
// issuer it does not know fails with [ErrKeyNotFound] without touching any
// source. It is immutable and safe for concurrent use.
type ByIssuer struct {
	sources map[string]Source
}

// NewByIssuer returns a router over sources, keyed by issuer ("iss" value).
// The map is copied. It refuses an empty map, an empty issuer and a nil
// source.
func NewByIssuer(sources map[string]Source) (*ByIssuer, error) {
	if len(sources) == 0 {
		return nil, errors.New("jwks: no issuers given")
	}
	m := make(map[string]Source, len(sources))
	for iss, src := range sources {
		if iss == "" {
			return nil, errors.New("jwks: empty issuer in ByIssuer")
		}
		if isNil(src) {
			return nil, fmt.Errorf("jwks: issuer %q has no key source", iss)
		}
		m[iss] = src
	}
	return &ByIssuer{sources: m}, nil
}

// SecretsByIssuer returns a router for tokens that clients sign themselves
// with their own HMAC secret, such as client-minted JWTs whose "iss" is the
// client ID: each issuer's tokens verify only with that issuer's secret.
// Secrets are checked as by [NewSecret] and copied.
func SecretsByIssuer(secrets map[string][]byte) (*ByIssuer, error) {
	sources := make(map[string]Source, len(secrets))
	for iss, secret := range secrets {
		k, err := NewSecret("", secret)
		if err != nil {
			return nil, fmt.Errorf("%w (issuer %q)", err, iss)
		}
		s, err := NewStatic(k)
		if err != nil {
			return nil, err
		}
		sources[iss] = s
	}
	return NewByIssuer(sources)
}

// isNil reports whether src is nil or a typed nil pointer, which would
// panic on first use.
func isNil(src Source) bool {
	v := reflect.ValueOf(src)
	return !v.IsValid() || v.Kind() == reflect.Pointer && v.IsNil()
}

// Keys implements [Source] by asking the source registered for q.Issuer.
func (b *ByIssuer) Keys(ctx context.Context, q Query) ([]*Key, error) {
	src, ok := b.sources[q.Issuer]
	if !ok {
		return nil, ErrKeyNotFound
	}
	return src.Keys(ctx, q)
}

// IssuerLister is implemented by a key source that holds keys for a known
// list of issuers, such as [ByIssuer]. verifier.New checks its Config.Issuers
// against the list: it refuses a trusted issuer that the source does not
// list, since no token of that issuer could ever find a key. A source that
// does not implement IssuerLister is not checked.
//
// Issuers returns the issuers, sorted; the caller owns the slice.
type IssuerLister interface {
	Issuers() []string
}

var _ IssuerLister = (*ByIssuer)(nil)

// Issuers implements [IssuerLister]: it returns the issuers the router
// knows, sorted. Pass it as the verifier's list of trusted issuers. The
// caller owns the returned slice.
func (b *ByIssuer) Issuers() []string {
	names := make([]string, 0, len(b.sources))
	for iss := range b.sources {
		names = append(names, iss)
	}
	slices.Sort(names)
	return names
}

// statusReporter is implemented by sources that can report their state:
// [Remote], [Static] and [ByIssuer].
type statusReporter interface {
	Status() Status
}

// Status sums up the statuses of the issuers' sources that have a
// Status() Status method ([Remote], [Static], [ByIssuer]): ready only if
// every one is, the total number of keys, the oldest fetch, the total
// failures and the first error found. Sources without that method are left
// out.
func (b *ByIssuer) Status() Status {
	total := Status{Ready: true}
	for _, iss := range b.Issuers() {
		sr, ok := b.sources[iss].(statusReporter)
		if !ok {
			continue
		}
		st := sr.Status()
		total.Ready = total.Ready && st.Ready
		total.Keys += st.Keys
		total.Failures += st.Failures
		if !st.FetchedAt.IsZero() && (total.FetchedAt.IsZero() || st.FetchedAt.Before(total.FetchedAt)) {
			total.FetchedAt, total.ExpiresAt, total.Age = st.FetchedAt, st.ExpiresAt, st.Age
		}
		if total.LastError == nil && st.LastError != nil {
			total.LastError = fmt.Errorf("issuer %q: %w", iss, st.LastError)
		}
	}
	return total
}
