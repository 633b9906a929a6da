// Package policy decides what a request needs before it reaches a service:
// nothing (public), a valid token (authenticated), a token with certain
// scopes, or nothing at all will do (deny).
//
// A [Policy] is a list of [Rule] values, each an [http.ServeMux] pattern
// ("[METHOD ][HOST]/[PATH]", such as "POST /items/{id}" or "/healthz") and
// the [Access] it grants. A request gets the access of the rule whose
// pattern matches it, and when several match, of the most specific one,
// decided by an http.ServeMux the policy builds from the patterns: the
// standard library's precedence, not a re-implementation of it. A request
// no pattern matches (including one that a ServeMux would redirect, or
// answer 405) gets the policy's default access, which should be [Deny].
//
// Paths are matched after one canonical cleaning ([CanonicalPath]):
// percent-escapes of characters that need none are decoded, and a path
// whose meaning depends on who reads it is refused rather than guessed:
// an encoded "/" or "\" (which one server splits on and another does not),
// a "." or ".." segment (encoded or not, or before a ";"), an empty
// segment ("//"), an invalid escape, or a control character. The
// [ErrAmbiguousPath] they return is answered with 400. The query string
// never takes part in matching.
//
// Rules can also be loaded from YAML with package
// github.com/jwtgate/jwtgate/policyyaml (a module of its own, so that this
// module needs no YAML library).
package policy

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/jwtgate/jwtgate/scopes"
)

// Kind is what an [Access] asks of a request.
type Kind uint8

// The kinds of access. The zero Kind is KindDeny.
const (
	// KindDeny refuses every request, token or not.
	KindDeny Kind = iota
	// KindPublic lets every request through without a token.
	KindPublic
	// KindAuthenticated requires a valid token.
	KindAuthenticated
	// KindScopes requires a valid token with scopes meeting a
	// scopes.Requirement.
	KindScopes
)

// String returns "deny", "public", "authenticated" or "scopes".
func (k Kind) String() string {
	switch k {
	case KindDeny:
		return "deny"
	case KindPublic:
		return "public"
	case KindAuthenticated:
		return "authenticated"
	case KindScopes:
		return "scopes"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Access is what a rule asks of the requests it matches: build it with
// [Deny], [Public], [Authenticated], [AllOf], [AnyOf] or [Require]. The
// zero Access denies.
type Access struct {
	kind     Kind
	required scopes.Requirement
}

// Deny refuses every request.
func Deny() Access { return Access{kind: KindDeny} }

// Public lets every request through, with or without a token.
func Public() Access { return Access{kind: KindPublic} }

// Authenticated requires a valid token.
func Authenticated() Access { return Access{kind: KindAuthenticated} }

// AllOf requires a valid token granting every one of the scopes.
func AllOf(scope ...string) Access { return Require(scopes.AllOf(scope...)) }

// AnyOf requires a valid token granting at least one of the scopes.
func AnyOf(scope ...string) Access { return Require(scopes.AnyOf(scope...)) }

// Require requires a valid token whose scopes meet req. A requirement
// naming no scope is [Authenticated].
func Require(req scopes.Requirement) Access {
	if len(req.Scopes()) == 0 {
		return Authenticated()
	}
	return Access{kind: KindScopes, required: req}
}

// Kind returns what the access asks.
func (a Access) Kind() Kind { return a.kind }

// Scopes returns the scope requirement: met by every token unless the
// Kind is KindScopes.
func (a Access) Scopes() scopes.Requirement { return a.required }

// String describes the access: "deny", "public", "authenticated",
// "all of: read write" or "any of: read admin".
func (a Access) String() string {
	if a.kind != KindScopes {
		return a.kind.String()
	}
	if a.required.IsAnyOf() {
		return "any of: " + a.required.String()
	}
	return "all of: " + a.required.String()
}

// Rule grants an access to the requests a pattern matches.
type Rule struct {
	// Pattern is an http.ServeMux pattern, "[METHOD ][HOST]/[PATH]":
	// "GET /items/{id}", "/healthz", "POST api.example.com/items/". As
	// with ServeMux, a pattern ending in "/" matches every path below it,
	// "{$}" anchors one that should not, and GET also matches HEAD.
	Pattern string
	// Access is what the matched requests need.
	Access Access
}

// RuleError reports a rule that [New] refuses: an invalid pattern, or one
// that conflicts with an earlier rule's (matches the same requests with
// neither more specific), which ServeMux refuses too.
type RuleError struct {
	Index   int    // the rule's position in the list given to New
	Pattern string // its pattern
	Err     error  // why it is refused
}

// Error returns "policy: rule N (pattern): reason", N counting from 1.
func (e *RuleError) Error() string {
	return fmt.Sprintf("policy: rule %d (%q): %v", e.Index+1, e.Pattern, e.Err)
}

// Unwrap returns the reason, Err.
func (e *RuleError) Unwrap() error { return e.Err }

// Policy maps requests to the access they need. It is immutable and safe
// for concurrent use.
type Policy struct {
	mux   *http.ServeMux
	rules []Rule
	def   Access
}

// ruleHandler marks the rule a ServeMux match stands for. Handlers the mux
// makes itself (redirects, 404, 405) are not ruleHandlers, which is how a
// Policy tells them from a match.
type ruleHandler int

func (ruleHandler) ServeHTTP(http.ResponseWriter, *http.Request) {}

// New returns the policy of the rules, giving def to requests none
// matches. It returns a [*RuleError] for the first rule whose pattern is
// invalid or conflicts with an earlier one, and [ErrServeMux121] when the
// program runs ServeMux with Go 1.21's rules.
func New(def Access, rules ...Rule) (*Policy, error) {
	if !muxGo122() {
		return nil, ErrServeMux121
	}
	p := &Policy{mux: http.NewServeMux(), rules: append([]Rule(nil), rules...), def: def}
	for i, rule := range p.rules {
		if err := register(p.mux, rule.Pattern, ruleHandler(i)); err != nil {
			return nil, &RuleError{Index: i, Pattern: rule.Pattern, Err: err}
		}
	}
	return p, nil
}

// ErrServeMux121 is returned by [New] when the program's http.ServeMux
// follows Go 1.21's rules (GODEBUG httpmuxgo121=1, set in the environment,
// a go.mod godebug line or a //go:debug directive). Those rules read
// methods and wildcards as literal text, so "GET /admin/" would match no
// request and its requests would fall to a more general, maybe public,
// rule: no policy is built rather than one that decides otherwise than its
// rules say.
var ErrServeMux121 = errors.New("policy: net/http ServeMux runs with GODEBUG httpmuxgo121=1 (Go 1.21 patterns); policies need Go 1.22 patterns")

// muxGo122 reports whether ServeMux follows Go 1.22's pattern rules. The
// GODEBUG setting is read once, at program start, so one probe will do.
var muxGo122 = sync.OnceValue(func() bool {
	mux := http.NewServeMux()
	mux.Handle("GET /{probe}", ruleHandler(0))
	h, _ := mux.Handler(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/x"}})
	_, ok := h.(ruleHandler)
	return ok
})

// register adds a pattern to mux, turning ServeMux's panic on an invalid
// or conflicting pattern into an error: the standard library offers no
// other way to ask it.
func register(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	if strings.TrimSpace(pattern) == "" {
		return errors.New("empty pattern")
	}
	defer func() {
		if v := recover(); v != nil {
			msg := fmt.Sprint(v)
			// ServeMux's messages repeat the pattern and where it was
			// registered; keep the reason.
			if _, after, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "parsing ") {
				msg = after
			}
			err = errors.New(withoutOrigins(msg))
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// withoutOrigins removes the " (registered at file:line)" notes of a
// ServeMux conflict message, which name this package's source, not the
// user's rule.
func withoutOrigins(msg string) string {
	const note = " (registered at "
	for {
		i := strings.Index(msg, note)
		if i < 0 {
			return strings.Join(strings.Fields(msg), " ")
		}
		j := strings.IndexByte(msg[i:], ')')
		if j < 0 {
			return strings.Join(strings.Fields(msg), " ")
		}
		msg = msg[:i] + msg[i+j+1:]
	}
}

// Rules returns a copy of the policy's rules.
func (p *Policy) Rules() []Rule { return append([]Rule(nil), p.rules...) }

// Default returns the access of requests no rule matches.
func (p *Policy) Default() Access { return p.def }

// Decision is the outcome of matching a request.
type Decision struct {
	// Access is what the request needs.
	Access Access
	// Rule is the index of the matching rule, or -1 when the default
	// applies.
	Rule int
	// Pattern is the matching rule's pattern, or "" for the default.
	Pattern string
}

// Match returns the decision for a request of method to host (a
// host[:port], "" for none) at path, which must be a canonical path as
// [CanonicalPath] returns it. A path that is not canonical gets the
// default.
func (p *Policy) Match(method, host, path string) Decision {
	if !isCanonical(path) {
		return Decision{Access: p.def, Rule: -1}
	}
	return p.match(method, host, path)
}

// match is Match for a path known to be canonical.
func (p *Policy) match(method, host, path string) Decision {
	if method == "" {
		method = http.MethodGet
	}
	r := &http.Request{Method: method, Host: host, URL: &url.URL{Path: path}}
	if h, _ := p.mux.Handler(r); h != nil {
		if i, ok := h.(ruleHandler); ok {
			return Decision{Access: p.rules[i].Access, Rule: int(i), Pattern: p.rules[i].Pattern}
		}
	}
	return Decision{Access: p.def, Rule: -1}
}

// Decide returns the decision for r, matched on r.Method, r.Host and the
// canonical form of r.URL's path. It returns an error matching
// [ErrAmbiguousPath] for a path it will not guess about.
func (p *Policy) Decide(r *http.Request) (Decision, error) {
	path, err := CanonicalPath(r.URL.EscapedPath())
	if err != nil {
		return Decision{}, err
	}
	return p.match(r.Method, r.Host, path), nil
}

// ErrAmbiguousPath is matched by the errors of [CanonicalPath] and
// [Policy.Decide]: the request's path could be read in more than one way,
// and is to be refused with 400 Bad Request.
var ErrAmbiguousPath = errors.New("policy: ambiguous request path")

// PathError is the error of a path [CanonicalPath] refuses. It matches
// [ErrAmbiguousPath].
type PathError struct {
	Reason string // such as "encoded slash" or "dot segment"
}

// Error returns "policy: ambiguous request path: " and the reason.
func (e *PathError) Error() string { return "policy: ambiguous request path: " + e.Reason }

// Is reports whether target is ErrAmbiguousPath.
func (e *PathError) Is(target error) bool { return target == ErrAmbiguousPath }

// CanonicalPath returns the one reading of an escaped request path (as
// url.URL.EscapedPath returns it, without query or fragment) that the
// policy matches: segments percent-decoded, nothing else changed. It
// refuses, with a [*PathError], a path that does not start with "/", has
// an empty segment ("//"), a "." or ".." segment (also encoded, or before
// a ";" parameter, as some servers read "/..;/"), an invalid percent
// escape, or that decodes to "/", "\", "#", "?" or a control character
// inside a segment. "\" is refused even unescaped, since some servers take
// it for "/".
func CanonicalPath(escaped string) (string, error) {
	if !strings.HasPrefix(escaped, "/") {
		return "", &PathError{"path does not start with /"}
	}
	// Without a percent sign nothing is decoded: the path is checked and
	// returned as it is, with no copy.
	decode := strings.IndexByte(escaped, '%') >= 0
	var b strings.Builder
	if decode {
		b.Grow(len(escaped))
	}
	rest := escaped[1:]
	for {
		seg, more, found := strings.Cut(rest, "/")
		if seg == "" && found {
			return "", &PathError{"empty path segment"}
		}
		dec, err := segment(seg)
		if err != nil {
			return "", err
		}
		if decode {
			b.WriteByte('/')
			b.WriteString(dec)
		}
		if !found {
			break
		}
		rest = more
	}
	if !decode {
		return escaped, nil
	}
	return b.String(), nil
}

// isCanonical reports whether path is one CanonicalPath can return: a
// decoded path with none of the segments CanonicalPath refuses.
func isCanonical(path string) bool {
	if !strings.HasPrefix(path, "/") {
		return false
	}
	rest := path[1:]
	for {
		seg, more, found := strings.Cut(rest, "/")
		if seg == "" && found {
			return false
		}
		if checkSegment(seg) != nil {
			return false
		}
		if !found {
			return true
		}
		rest = more
	}
}

// segment decodes one path segment, refusing what CanonicalPath refuses.
func segment(seg string) (string, error) {
	dec := seg
	if strings.IndexByte(seg, '%') >= 0 {
		var err error
		if dec, err = url.PathUnescape(seg); err != nil {
			return "", &PathError{"invalid percent escape"}
		}
	}
	if err := checkSegment(dec); err != nil {
		return "", err
	}
	return dec, nil
}

// checkSegment refuses a decoded segment holding "/", "\", "#", "?" or a
// control character, or that is a dot segment.
func checkSegment(dec string) error {
	for i := 0; i < len(dec); i++ {
		switch c := dec[i]; {
		case c == '/':
			return &PathError{"encoded slash"}
		case c == '\\':
			return &PathError{"backslash"}
		case c == '#' || c == '?':
			return &PathError{"encoded delimiter"}
		case c < 0x20 || c == 0x7f:
			return &PathError{"control character"}
		}
	}
	name, _, _ := strings.Cut(dec, ";")
	if name == "." || name == ".." {
		return &PathError{"dot segment"}
	}
	return nil
}
