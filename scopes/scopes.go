// Package scopes parses the scopes an OAuth 2.0 access token grants and checks
// them against what a route requires.
//
// A token carries its scopes in the "scope" claim as one space-delimited
// string (RFC 6749 section 3.3, RFC 8693 section 4.2) or, with some issuers,
// in an "scp" claim holding an array of strings or a string. [Parse] and
// [FromList] turn either form into a [Set]; a [Requirement] built with
// [AllOf] or [AnyOf] checks a Set and, when it falls short, returns a
// [*MissingError] that names what is missing.
//
// Scope values are case-sensitive and compared byte for byte.
package scopes

import (
	"errors"
	"slices"
	"strings"
)

// Set is an immutable set of scope values, in the order they first appeared.
// The zero Set is empty. A Set is safe for concurrent use.
type Set struct {
	// s holds the values in order, separated by single spaces, each once:
	// the canonical scope string. Most tokens carry their "scope" claim in
	// this form already, so Parse usually keeps the string it is given and
	// costs no allocation.
	s string
}

// Parse returns the set of scopes in s, a space-delimited scope string such as
// "read write". Repeated spaces and duplicate values are ignored.
func Parse(s string) Set {
	if isCanonical(s) {
		return Set{s}
	}
	return Set{canonicalize([]string{s})}
}

// FromList returns the set of the given scope values. Each value is itself
// parsed as a space-delimited string, so FromList("read write") and
// FromList("read", "write") are the same set.
func FromList(values ...string) Set {
	if len(values) == 1 {
		return Parse(values[0])
	}
	return Set{canonicalize(values)}
}

// Union returns the set of scopes in s or in other.
func (s Set) Union(other Set) Set {
	if other.s == "" {
		return s
	}
	if s.s == "" {
		return other
	}
	return Set{canonicalize([]string{s.s, other.s})}
}

// maxLinear is the number of values up to which duplicates are found by
// comparing each value with those before it; longer lists use a map.
const maxLinear = 16

// isCanonical reports whether s is already in a Set's form: values separated
// by single spaces, no space at either end, no value twice. It gives up
// (reports false) past maxLinear values.
func isCanonical(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	rest := s
	for n := 0; rest != ""; n++ {
		v, after, _ := strings.Cut(rest, " ")
		if v == "" || n == maxLinear || hasValue(s[:len(s)-len(rest)], v) {
			return false
		}
		rest = after
	}
	return true
}

// canonicalize returns the canonical scope string of the space-delimited
// strings values.
func canonicalize(values []string) string {
	var list []string
	var seen map[string]struct{}
	for _, str := range values {
		for str != "" {
			var v string
			v, str, _ = strings.Cut(str, " ")
			if v == "" {
				continue
			}
			if seen == nil && len(list) == maxLinear {
				seen = make(map[string]struct{}, 2*maxLinear)
				for _, w := range list {
					seen[w] = struct{}{}
				}
			}
			if seen != nil {
				if _, dup := seen[v]; dup {
					continue
				}
				seen[v] = struct{}{}
			} else if slices.Contains(list, v) {
				continue
			}
			list = append(list, v)
		}
	}
	return strings.Join(list, " ")
}

// hasValue reports whether the space-delimited string s holds the value v.
func hasValue(s, v string) bool {
	for s != "" {
		var w string
		w, s, _ = strings.Cut(s, " ")
		if w == v {
			return true
		}
	}
	return false
}

// Has reports whether the set contains scope.
func (s Set) Has(scope string) bool {
	return scope != "" && hasValue(s.s, scope)
}

// HasAll reports whether the set contains every one of the given scopes.
// It reports true when no scope is given.
func (s Set) HasAll(scopes ...string) bool {
	for _, v := range scopes {
		if !s.Has(v) {
			return false
		}
	}
	return true
}

// HasAny reports whether the set contains at least one of the given scopes.
// It reports false when no scope is given.
func (s Set) HasAny(scopes ...string) bool {
	return slices.ContainsFunc(scopes, s.Has)
}

// Len returns the number of distinct scopes in the set.
func (s Set) Len() int {
	if s.s == "" {
		return 0
	}
	return strings.Count(s.s, " ") + 1
}

// List returns the scopes in the set, in the order they first appeared.
// The caller owns the returned slice.
func (s Set) List() []string {
	if s.s == "" {
		return nil
	}
	return strings.Split(s.s, " ")
}

// String returns the scopes as a space-delimited string, the form of the
// "scope" claim.
func (s Set) String() string { return s.s }

// ErrInsufficientScope is matched by every [*MissingError]:
// errors.Is(err, scopes.ErrInsufficientScope) reports whether a token was
// valid but lacked a required scope.
var ErrInsufficientScope = errors.New("scopes: insufficient scope")

// MissingError reports that a token lacks the scopes a route requires.
type MissingError struct {
	// Required is the requirement that was not met.
	Required Requirement
	// Missing lists the required scopes the token does not have. For an
	// any-of requirement it lists every alternative, since none was present.
	Missing []string
}

// Error returns a message naming the missing scopes.
func (e *MissingError) Error() string {
	if e.Required.anyOf {
		return "scopes: insufficient scope: need one of " + strings.Join(e.Missing, ", ")
	}
	return "scopes: insufficient scope: missing " + strings.Join(e.Missing, ", ")
}

// Is reports whether target is [ErrInsufficientScope].
func (e *MissingError) Is(target error) bool { return target == ErrInsufficientScope }

// Requirement is a condition on a token's scopes: all of a list, or any of a
// list. The zero Requirement is met by every token. A Requirement is
// immutable and safe for concurrent use.
type Requirement struct {
	scopes []string
	anyOf  bool
}

// AllOf returns a requirement met by a token that has every one of the given
// scopes. Each argument is parsed as a space-delimited string, so
// AllOf("read write") equals AllOf("read", "write").
func AllOf(scopes ...string) Requirement {
	return Requirement{scopes: FromList(scopes...).List()}
}

// AnyOf returns a requirement met by a token that has at least one of the
// given scopes. Each argument is parsed as a space-delimited string.
// AnyOf with no scope is met by every token, like the zero Requirement.
func AnyOf(scopes ...string) Requirement {
	return Requirement{scopes: FromList(scopes...).List(), anyOf: true}
}

// Scopes returns the scopes the requirement names.
func (r Requirement) Scopes() []string { return slices.Clone(r.scopes) }

// IsAnyOf reports whether the requirement is met by any one of its scopes
// rather than by all of them.
func (r Requirement) IsAnyOf() bool { return r.anyOf }

// String returns the required scopes as a space-delimited string, the form
// RFC 6750 uses in the "scope" attribute of a WWW-Authenticate challenge.
func (r Requirement) String() string { return strings.Join(r.scopes, " ") }

// Check returns nil if s meets the requirement, and otherwise a
// [*MissingError] naming what is missing.
func (r Requirement) Check(s Set) error {
	if len(r.scopes) == 0 {
		return nil
	}
	if r.anyOf {
		if s.HasAny(r.scopes...) {
			return nil
		}
		return &MissingError{Required: r, Missing: slices.Clone(r.scopes)}
	}
	var missing []string
	for _, v := range r.scopes {
		if !s.Has(v) {
			missing = append(missing, v)
		}
	}
	if missing == nil {
		return nil
	}
	return &MissingError{Required: r, Missing: missing}
}
