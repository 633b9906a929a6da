package config

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// decoder walks a YAML document, collecting every problem with its line
// rather than stopping at the first.
type decoder struct {
	file string
	errs Errors
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is an explicit null ("~", "null" or nothing).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// fields describes the keys a mapping may hold: the function of each key
// decodes its value.
type fields map[string]func(value *yaml.Node)

// mapping checks that n is a mapping of known keys, each once, and calls the
// function of each key present, in the file's order. It reports whether n
// was a mapping.
func (d *decoder) mapping(n *yaml.Node, what string, fs fields) bool {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s must be a mapping", what)
		return false
	}
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, "%s: keys must be strings", what)
			continue
		}
		fn, ok := fs[k.Value]
		if !ok {
			d.errorf(k, "unknown key %q", k.Value)
			continue
		}
		if seen[k.Value] {
			d.errorf(k, "key %q given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		fn(resolve(v))
	}
	return true
}

// str decodes a string scalar.
func (d *decoder) str(n *yaml.Node, key string) (string, bool) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.errorf(n, "%s must be a string", key)
		return "", false
	}
	if n.Tag != "!!str" && n.Tag != "!!int" && n.Tag != "!!float" {
		// Keep "yes" or "true" from passing as a string by accident.
		d.errorf(n, "%s must be a string, not %s", key, tagName(n.Tag))
		return "", false
	}
	return n.Value, true
}

// boolean decodes a boolean scalar.
func (d *decoder) boolean(n *yaml.Node, key string) (bool, bool) {
	var b bool
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
		d.errorf(n, "%s must be true or false", key)
		return false, false
	}
	return b, true
}

// duration decodes a Go duration such as "30s" or "1m30s".
func (d *decoder) duration(n *yaml.Node, key string) (time.Duration, bool) {
	s, ok := d.str(n, key)
	if !ok {
		return 0, false
	}
	dur, err := time.ParseDuration(s)
	if err != nil {
		d.errorf(n, "%s: invalid duration %q (write it as 30s, 5m or 1h30m)", key, s)
		return 0, false
	}
	if dur < 0 {
		d.errorf(n, "%s must not be negative", key)
		return 0, false
	}
	return dur, true
}

// strings decodes a list of strings; a single string counts as a list of
// one.
func (d *decoder) strings(n *yaml.Node, key string) ([]string, bool) {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		s, ok := d.str(n, key)
		return []string{s}, ok
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "%s must be a list of strings", key)
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for _, item := range n.Content {
		s, good := d.str(resolve(item), key+" entry")
		ok = ok && good
		out = append(out, s)
	}
	return out, ok
}

// stringMap decodes a mapping of strings to strings.
func (d *decoder) stringMap(n *yaml.Node, key string) (map[string]string, bool) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s must be a mapping of names to names", key)
		return nil, false
	}
	out := make(map[string]string, len(n.Content)/2)
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		name, good := d.str(k, key+" key")
		if !good {
			ok = false
			continue
		}
		if _, dup := out[name]; dup {
			d.errorf(k, "%s: key %q given twice", key, name)
			ok = false
			continue
		}
		value, good := d.str(v, key+"."+name)
		ok = ok && good
		out[name] = value
	}
	return out, ok
}

func tagName(tag string) string {
	switch tag {
	case "!!bool":
		return "a boolean"
	case "!!null":
		return "null"
	case "!!timestamp":
		return "a timestamp"
	case "!!binary":
		return "binary data"
	}
	return tag
}
