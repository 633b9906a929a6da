// Package policyyaml loads a [policy.Policy] from YAML, reporting every
// problem with the line it is on.
//
// The document is a mapping:
//
//	default: deny            # deny | public | authenticated; deny when absent
//	rules:
//	  - pattern: /healthz    # an http.ServeMux pattern, or a list of them
//	    allow: public        # public | authenticated | deny
//	  - pattern: ["POST /items/", "PUT /items/{id}"]
//	    scopes: [write]      # a token with all of these scopes
//	  - pattern: GET /items/
//	    any_scopes: [read, admin]   # a token with at least one of them
//
// Each rule has a pattern and exactly one of allow, scopes and any_scopes.
// A rule with a list of patterns becomes one [policy.Rule] per pattern, in
// order, each with the rule's access. Patterns follow [http.ServeMux]: the
// most specific pattern matching a request decides, whatever the order of
// the rules, and two patterns that match the same requests with neither
// more specific are an error. The rules may be absent or empty: every
// request then gets the default.
//
// The reading is strict: an unknown or repeated key, a value of the wrong
// type (a number or a list where a string belongs, a single string where a
// list belongs), an empty scope list, a scope that is not an RFC 6749
// scope token, and a pattern ServeMux refuses are all errors. So are
// anchors, aliases and merge keys (&x, *x, <<): a policy is read as it is
// written, each rule in one place. An empty document and a stream of more
// than one document are errors too.
//
// In a flow list ([...]), a pattern holding "{" or "}" must be quoted:
// ["GET /items/{id}"]; unquoted, it is invalid YAML. Outside brackets,
// pattern: GET /items/{id} needs no quotes.
//
// Errors come as an [Errors] list of [*Error] values, each with the line
// and column of the node at fault, so that a configuration check can show
// them all at once.
package policyyaml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/jwtgate/jwtgate/policy"
)

// Error is one problem in a policy document: its position (1-based) and
// what is wrong. For a YAML syntax error ("invalid YAML: ...") the line is
// the one go.yaml.in/yaml/v3 reports, which for some errors is the line
// before the fault (go-yaml/yaml#205), and the column is 0. Its message carries
// no package prefix, so that a caller can put the file name in front:
// fmt.Sprintf("%s:%d: %s", name, e.Line, e.Msg) gives
// `jwtgate.yaml:7: unknown key "scope"`.
type Error struct {
	Line, Column int
	Msg          string
}

// Error returns the message after the line: `line 7: unknown key "scope"`.
func (e *Error) Error() string {
	if e.Line <= 0 {
		return e.Msg
	}
	return "line " + strconv.Itoa(e.Line) + ": " + e.Msg
}

// Errors is every problem found in a document, in the order of their
// positions; [Parse] and [Decode] return it, never empty, as their error.
// errors.As finds the first [*Error] in it, or the whole list.
type Errors []*Error

// Error returns the messages of the errors, one a line.
func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap returns the errors, for errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// Parse reads a YAML document holding a policy (the mapping described in
// the package documentation). It returns an [Errors] list for a document
// with problems, or the error of [policy.New] that is no rule's fault
// (such as [policy.ErrServeMux121]).
func Parse(data []byte) (*policy.Policy, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{Line: 1, Column: 1, Msg: "empty document: want a policy mapping"}}
		}
		return nil, Errors{syntaxError(err)}
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		line, col := next.Line, next.Column
		if err != nil {
			return nil, Errors{syntaxError(err)}
		}
		return nil, Errors{{Line: line, Column: col, Msg: "more than one YAML document: want one policy"}}
	}
	return Decode(&doc)
}

// syntaxError turns an error of the YAML parser, "yaml: line 3: ...",
// into an *Error.
func syntaxError(err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(num); err == nil {
				return &Error{Line: line, Msg: "invalid YAML: " + text}
			}
		}
	}
	return &Error{Msg: "invalid YAML: " + msg}
}

// Decode reads a policy from a YAML node: the mapping described in the
// package documentation, such as the value of a "policy" key in a larger
// configuration file (or a document node holding that mapping). Lines in
// its errors are those of the node's own document. It returns what
// [Parse] returns.
func Decode(node *yaml.Node) (*policy.Policy, error) {
	if node == nil {
		return nil, Errors{{Msg: "no policy"}}
	}
	d := &decoder{}
	if node.Kind == yaml.DocumentNode {
		if len(node.Content) == 0 {
			return nil, Errors{{Line: max(node.Line, 1), Column: max(node.Column, 1), Msg: "empty document: want a policy mapping"}}
		}
		node = node.Content[0]
	}
	def, rules, origins := d.policy(node)
	var ruleErr *policy.RuleError
	if len(d.errs) == 0 {
		p, err := policy.New(def, rules...)
		if err == nil {
			return p, nil
		}
		if !errors.As(err, &ruleErr) {
			return nil, err
		}
	}
	// Report refused patterns also when the document has other problems,
	// and more than the first: each pattern ServeMux refuses on its own
	// syntax, then conflicts, leaving out each refused pattern and trying
	// again, up to maxConflicts of them.
	var valid []int
	for i, rule := range rules {
		if _, err := policy.New(def, rule); err != nil {
			if !errors.As(err, &ruleErr) {
				return nil, err
			}
			d.fail(origins[i], "bad pattern %q: %v", rule.Pattern, ruleErr.Err)
			continue
		}
		valid = append(valid, i)
	}
	for range maxConflicts {
		kept := make([]policy.Rule, len(valid))
		for k, i := range valid {
			kept[k] = rules[i]
		}
		_, err := policy.New(def, kept...)
		if err == nil {
			break
		}
		if !errors.As(err, &ruleErr) {
			return nil, err
		}
		i := valid[ruleErr.Index]
		d.fail(origins[i], "bad pattern %q: %v", rules[i].Pattern, ruleErr.Err)
		valid = slices.Delete(valid, ruleErr.Index, ruleErr.Index+1)
	}
	return nil, d.sorted()
}

// maxConflicts bounds the conflicting patterns reported for one document:
// finding each costs building the policy again.
const maxConflicts = 20

// decoder gathers the errors of one document.
type decoder struct {
	errs Errors
}

func (d *decoder) fail(n *yaml.Node, format string, args ...any) {
	d.errs = append(d.errs, &Error{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) sorted() Errors {
	slices.SortStableFunc(d.errs, func(a, b *Error) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	return d.errs
}

// plain reports a node that is not an anchor or alias, failing otherwise.
func (d *decoder) plain(n *yaml.Node) bool {
	switch {
	case n.Kind == yaml.AliasNode:
		d.fail(n, "aliases (*%s) are not allowed in a policy", n.Value)
		return false
	case n.Anchor != "":
		d.fail(n, "anchors (&%s) are not allowed in a policy", n.Anchor)
		return false
	}
	return true
}

// fields returns the values of a mapping's keys, failing on a key that is
// not one of known, not a string, or repeated. It returns false when n is
// not a mapping.
func (d *decoder) fields(n *yaml.Node, what string, known ...string) (map[string]*yaml.Node, bool) {
	if !d.plain(n) {
		return nil, false
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, "%s must be a mapping, not %s", what, describe(n))
		return nil, false
	}
	values := make(map[string]*yaml.Node, len(n.Content)/2)
	keys := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !d.plain(k) {
			continue
		}
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			d.fail(k, "merge keys (<<) are not allowed in a policy")
			continue
		}
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
			d.fail(k, "%s keys must be strings, not %s", what, describe(k))
			continue
		}
		if first, ok := keys[k.Value]; ok {
			d.fail(k, "duplicate key %q (first at line %d)", k.Value, first.Line)
			continue
		}
		keys[k.Value] = k
		if !slices.Contains(known, k.Value) {
			d.fail(k, "unknown key %q in %s (known: %s)", k.Value, what, strings.Join(known, ", "))
			continue
		}
		values[k.Value] = v
	}
	return values, true
}

// str returns a scalar string value, failing on any other node.
func (d *decoder) str(n *yaml.Node, what string) (string, bool) {
	if !d.plain(n) {
		return "", false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		d.fail(n, "%s must be a string, not %s", what, describe(n))
		return "", false
	}
	return n.Value, true
}

// describe names what a node holds, for errors.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "empty"
		case "!!str":
			return strconv.Quote(n.Value)
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		}
		return "a value tagged " + n.ShortTag()
	}
	return "nothing"
}

// policy reads the top-level mapping. origins holds the pattern node of
// each rule, for the errors of policy.New.
func (d *decoder) policy(n *yaml.Node) (def policy.Access, rules []policy.Rule, origins []*yaml.Node) {
	def = policy.Deny()
	fields, ok := d.fields(n, "policy", "default", "rules")
	if !ok {
		return def, nil, nil
	}
	if v, ok := fields["default"]; ok {
		if s, ok := d.str(v, "default"); ok {
			if a, ok := allowed(s); ok {
				def = a
			} else {
				d.fail(v, "default must be deny, public or authenticated, not %q", s)
			}
		}
	}
	v, ok := fields["rules"]
	if !ok || (v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null") {
		return def, nil, nil
	}
	if !d.plain(v) {
		return def, nil, nil
	}
	if v.Kind != yaml.SequenceNode {
		d.fail(v, "rules must be a list of rules, not %s", describe(v))
		return def, nil, nil
	}
	for _, r := range v.Content {
		rules, origins = d.rule(r, rules, origins)
	}
	return def, rules, origins
}

// allowed returns the access an "allow" or "default" value names.
func allowed(s string) (policy.Access, bool) {
	switch s {
	case "deny":
		return policy.Deny(), true
	case "public":
		return policy.Public(), true
	case "authenticated":
		return policy.Authenticated(), true
	}
	return policy.Access{}, false
}

// rule reads one rule, appending a policy.Rule per pattern.
func (d *decoder) rule(n *yaml.Node, rules []policy.Rule, origins []*yaml.Node) ([]policy.Rule, []*yaml.Node) {
	fields, ok := d.fields(n, "rule", "pattern", "allow", "scopes", "any_scopes")
	if !ok {
		return rules, origins
	}

	var given []string // the access keys, in the document's order
	for _, key := range []string{"allow", "scopes", "any_scopes"} {
		if _, ok := fields[key]; ok {
			given = append(given, key)
		}
	}
	slices.SortFunc(given, func(a, b string) int {
		if fields[a].Line != fields[b].Line {
			return fields[a].Line - fields[b].Line
		}
		return fields[a].Column - fields[b].Column
	})
	var access policy.Access
	var accessKey string
	for _, key := range given {
		v := fields[key]
		if accessKey != "" {
			d.fail(v, "rule has both %s and %s: give exactly one of allow, scopes, any_scopes", accessKey, key)
			continue
		}
		accessKey = key
		switch key {
		case "allow":
			if s, ok := d.str(v, "allow"); ok {
				if access, ok = allowed(s); !ok {
					d.fail(v, "allow must be public, authenticated or deny, not %q", s)
				}
			}
		case "scopes":
			if list, ok := d.scopes(v, key); ok {
				access = policy.AllOf(list...)
			}
		case "any_scopes":
			if list, ok := d.scopes(v, key); ok {
				access = policy.AnyOf(list...)
			}
		}
	}
	if accessKey == "" {
		d.fail(n, "rule needs one of allow, scopes, any_scopes")
	}

	p, ok := fields["pattern"]
	if !ok {
		d.fail(n, "rule needs a pattern")
		return rules, origins
	}
	var patterns []*yaml.Node
	switch {
	case !d.plain(p):
		return rules, origins
	case p.Kind == yaml.SequenceNode:
		if len(p.Content) == 0 {
			d.fail(p, "pattern must not be an empty list")
		}
		patterns = p.Content
	default:
		patterns = []*yaml.Node{p}
	}
	for _, pn := range patterns {
		// A pattern is kept even when the access is wrong, so that its own
		// problems are reported too.
		if s, ok := d.str(pn, "pattern"); ok {
			rules = append(rules, policy.Rule{Pattern: s, Access: access})
			origins = append(origins, pn)
		}
	}
	return rules, origins
}

// scopes reads a non-empty list of scope tokens.
func (d *decoder) scopes(n *yaml.Node, key string) ([]string, bool) {
	if !d.plain(n) {
		return nil, false
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, "%s must be a list of scopes, such as [read], not %s", key, describe(n))
		return nil, false
	}
	if len(n.Content) == 0 {
		d.fail(n, "%s must not be empty", key)
		return nil, false
	}
	list := make([]string, 0, len(n.Content))
	ok := true
	for _, v := range n.Content {
		s, good := d.str(v, "a scope")
		if good && !scopeToken(s) {
			d.fail(v, "%q is not a scope token (RFC 6749, section 3.3: printable ASCII without space, \" or \\)", s)
			good = false
		}
		ok = ok && good
		list = append(list, s)
	}
	return list, ok
}

// scopeToken reports whether s is a scope-token of RFC 6749, section 3.3:
// 1*( %x21 / %x23-5B / %x5D-7E ).
func scopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
