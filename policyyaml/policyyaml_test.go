package policyyaml_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/jwtgate/jwtgate/policy"
	"github.com/jwtgate/jwtgate/policyyaml"
)

// configPolicy is the policy section of the jwtgate configuration example
// (docs: jwtgate-config), as a document of its own.
const configPolicy = `default: deny                  # deny | public | authenticated
rules:
  - pattern: /healthz          # an http.ServeMux pattern, or a list of them
    allow: public              # public | authenticated | deny
  - pattern: ["POST /items/", "PUT /items/{id}"]
    scopes: [write]            # all of
  - pattern: GET /items/
    any_scopes: [read, admin]
`

type request struct {
	method, path string
	want         string // Access.String() and the pattern: "public /healthz", "deny" for the default
}

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		wantDef  string
		wantRule []string // "pattern: access" per policy.Rule
		requests []request
	}{
		{
			name:     "the configuration example",
			doc:      configPolicy,
			wantDef:  "deny",
			wantRule: []string{"/healthz: public", "POST /items/: all of: write", "PUT /items/{id}: all of: write", "GET /items/: any of: read admin"},
			requests: []request{
				{"GET", "/healthz", "public /healthz"},
				{"POST", "/items/", "all of: write POST /items/"},
				{"POST", "/items/7", "all of: write POST /items/"},
				{"PUT", "/items/7", "all of: write PUT /items/{id}"},
				{"GET", "/items/7", "any of: read admin GET /items/"},
				{"HEAD", "/items/", "any of: read admin GET /items/"},
				{"DELETE", "/items/7", "deny"},
				{"GET", "/", "deny"},
			},
		},
		{
			name:     "no default means deny",
			doc:      "rules:\n  - pattern: /a\n    allow: authenticated\n",
			wantDef:  "deny",
			wantRule: []string{"/a: authenticated"},
			requests: []request{{"GET", "/a", "authenticated /a"}, {"GET", "/b", "deny"}},
		},
		{
			name:     "unquoted braces outside a flow list",
			doc:      "rules:\n  - pattern: GET /items/{id}\n    allow: authenticated\n",
			wantDef:  "deny",
			wantRule: []string{"GET /items/{id}: authenticated"},
			requests: []request{{"GET", "/items/7", "authenticated GET /items/{id}"}, {"GET", "/items/7/x", "deny"}},
		},
		{
			name:     "public default, no rules",
			doc:      "default: public\n",
			wantDef:  "public",
			requests: []request{{"GET", "/anything", "public"}},
		},
		{
			name:     "authenticated default, empty rules",
			doc:      "default: authenticated\nrules: []\n",
			wantDef:  "authenticated",
			requests: []request{{"POST", "/x", "authenticated"}},
		},
		{
			name:     "null rules",
			doc:      "default: deny\nrules:\n",
			wantDef:  "deny",
			requests: []request{{"GET", "/", "deny"}},
		},
		{
			name: "block style lists, quoted strings, explicit deny",
			doc: `default: "authenticated"
rules:
  - pattern:
      - 'GET /admin/'
      - "POST /admin/{$}"
    scopes:
      - admin
      - "audit:write"
  - pattern: GET /admin/public/
    allow: deny
  - allow: public
    pattern: /
`,
			wantDef: "authenticated",
			wantRule: []string{"GET /admin/: all of: admin audit:write", "POST /admin/{$}: all of: admin audit:write",
				"GET /admin/public/: deny", "/: public"},
			requests: []request{
				{"GET", "/admin/x", "all of: admin audit:write GET /admin/"},
				{"POST", "/admin/", "all of: admin audit:write POST /admin/{$}"},
				{"POST", "/admin/x", "public /"},
				{"GET", "/admin/public/x", "deny GET /admin/public/"},
				{"GET", "/elsewhere", "public /"},
			},
		},
		{
			name:     "scope tokens with every allowed punctuation",
			doc:      "rules:\n  - pattern: /a\n    any_scopes: [\"!#$%&'()*+,-./:;<=>?@[]^_`{|}~\", 'https://api.example.com/read']\n",
			wantDef:  "deny",
			wantRule: []string{"/a: any of: !#$%&'()*+,-./:;<=>?@[]^_`{|}~ https://api.example.com/read"},
			requests: []request{{"GET", "/a", "any of: !#$%&'()*+,-./:;<=>?@[]^_`{|}~ https://api.example.com/read /a"}},
		},
		{
			name:     "repeated scope",
			doc:      "rules:\n  - pattern: /a\n    scopes: [read, read]\n",
			wantDef:  "deny",
			wantRule: []string{"/a: all of: read"},
		},
		{
			name:     "explicit document start and end",
			doc:      "---\ndefault: public\n...\n",
			wantDef:  "public",
			requests: []request{{"GET", "/", "public"}},
		},
		{
			name:     "flow mapping",
			doc:      "{default: deny, rules: [{pattern: /x, allow: public}]}",
			wantDef:  "deny",
			wantRule: []string{"/x: public"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policyyaml.Parse([]byte(tt.doc))
			require.NoError(t, err, "Parse(%q)", tt.doc)
			assert.Equal(t, tt.wantDef, p.Default().String(), "Parse(%q).Default()", tt.doc)
			var rules []string
			for _, r := range p.Rules() {
				rules = append(rules, r.Pattern+": "+r.Access.String())
			}
			assert.Equal(t, tt.wantRule, rules, "Parse(%q).Rules()", tt.doc)
			for _, r := range tt.requests {
				d := p.Match(r.method, "", r.path)
				got := strings.TrimSpace(d.Access.String() + " " + d.Pattern)
				assert.Equal(t, r.want, got, "Parse(%q).Match(%s %s)", tt.doc, r.method, r.path)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string // Error() of each *Error, in order
	}{
		{"empty", "", []string{"line 1: empty document: want a policy mapping"}},
		{"comments only", "# nothing\n\n", []string{"line 1: empty document: want a policy mapping"}},
		{"null document", "---\n", []string{"line 2: policy must be a mapping, not empty"}},
		{"two documents", "default: deny\n---\ndefault: public\n", []string{"line 2: more than one YAML document: want one policy"}},
		{"syntax", "default: deny\nrules: [\n", []string{"line 2: invalid YAML: did not find expected node content"}},
		{"tab indentation", "default: deny\nrules:\n\t- pattern: /a\n", []string{"line 3: invalid YAML: found character that cannot start any token"}},
		{"a list", "- pattern: /a\n", []string{`line 1: policy must be a mapping, not a list`}},
		{"a string", "deny\n", []string{`line 1: policy must be a mapping, not "deny"`}},
		{"unknown top-level key", "default: deny\nrule:\n  - pattern: /a\n", []string{`line 2: unknown key "rule" in policy (known: default, rules)`}},
		{"bad default", "default: allow\n", []string{`line 1: default must be deny, public or authenticated, not "allow"`}},
		{"scopes default", "default: [read]\n", []string{`line 1: default must be a string, not a list`}},
		{"empty default", "default:\n", []string{`line 1: default must be a string, not empty`}},
		{"rules a mapping", "rules:\n  pattern: /a\n", []string{`line 2: rules must be a list of rules, not a mapping`}},
		{"rule a string", "rules:\n  - /a\n", []string{`line 2: rule must be a mapping, not "/a"`}},
		{"unknown rule key", "rules:\n  - pattern: /a\n    scope: [read]\n", []string{
			`line 2: rule needs one of allow, scopes, any_scopes`,
			`line 3: unknown key "scope" in rule (known: pattern, allow, scopes, any_scopes)`}},
		{"duplicate key", "rules:\n  - pattern: /a\n    allow: public\n    allow: deny\n", []string{
			`line 4: duplicate key "allow" (first at line 3)`}},
		{"duplicate top-level key", "default: deny\nrules: []\ndefault: public\n", []string{
			`line 3: duplicate key "default" (first at line 1)`}},
		{"two accesses", "rules:\n  - pattern: /a\n    allow: public\n    scopes: [read]\n", []string{
			`line 4: rule has both allow and scopes: give exactly one of allow, scopes, any_scopes`}},
		{"three accesses", "rules:\n  - pattern: /a\n    any_scopes: [a]\n    scopes: [b]\n    allow: public\n", []string{
			`line 4: rule has both any_scopes and scopes: give exactly one of allow, scopes, any_scopes`,
			`line 5: rule has both any_scopes and allow: give exactly one of allow, scopes, any_scopes`}},
		{"no access", "rules:\n  - pattern: /a\n", []string{`line 2: rule needs one of allow, scopes, any_scopes`}},
		{"no pattern", "rules:\n  - allow: public\n", []string{`line 2: rule needs a pattern`}},
		{"bad allow", "rules:\n  - pattern: /a\n    allow: yes\n", []string{`line 3: allow must be public, authenticated or deny, not "yes"`}},
		{"allow true", "rules:\n  - pattern: /a\n    allow: true\n", []string{`line 3: allow must be a string, not the boolean true`}},
		{"allow scopes", "rules:\n  - pattern: /a\n    allow: scopes\n", []string{`line 3: allow must be public, authenticated or deny, not "scopes"`}},
		{"number pattern", "rules:\n  - pattern: 5\n    allow: public\n", []string{`line 2: pattern must be a string, not the number 5`}},
		{"null pattern", "rules:\n  - pattern:\n    allow: public\n", []string{`line 2: pattern must be a string, not empty`}},
		{"mapping pattern", "rules:\n  - pattern: {GET: /a}\n    allow: public\n", []string{`line 2: pattern must be a string, not a mapping`}},
		{"empty pattern list", "rules:\n  - pattern: []\n    allow: public\n", []string{`line 2: pattern must not be an empty list`}},
		{"number in pattern list", "rules:\n  - pattern: [/a, 7]\n    allow: public\n", []string{`line 2: pattern must be a string, not the number 7`}},
		{"string scopes", "rules:\n  - pattern: /a\n    scopes: write\n", []string{`line 3: scopes must be a list of scopes, such as [read], not "write"`}},
		{"string any_scopes", "rules:\n  - pattern: /a\n    any_scopes: read admin\n", []string{`line 3: any_scopes must be a list of scopes, such as [read], not "read admin"`}},
		{"empty scopes", "rules:\n  - pattern: /a\n    scopes: []\n", []string{`line 3: scopes must not be empty`}},
		{"null scopes", "rules:\n  - pattern: /a\n    scopes:\n", []string{`line 3: scopes must be a list of scopes, such as [read], not empty`}},
		{"number scope", "rules:\n  - pattern: /a\n    scopes: [1]\n", []string{`line 3: a scope must be a string, not the number 1`}},
		{"scope with a space", "rules:\n  - pattern: /a\n    scopes: [\"read write\"]\n", []string{
			`line 3: "read write" is not a scope token (RFC 6749, section 3.3: printable ASCII without space, " or \)`}},
		{"empty scope", "rules:\n  - pattern: /a\n    any_scopes:\n      - read\n      - ''\n", []string{
			`line 5: "" is not a scope token (RFC 6749, section 3.3: printable ASCII without space, " or \)`}},
		{"scope with a quote", "rules:\n  - pattern: /a\n    scopes: ['a\"b']\n", []string{
			`line 3: "a\"b" is not a scope token (RFC 6749, section 3.3: printable ASCII without space, " or \)`}},
		{"scope with a backslash", "rules:\n  - pattern: /a\n    scopes: ['a\\b']\n", []string{
			`line 3: "a\\b" is not a scope token (RFC 6749, section 3.3: printable ASCII without space, " or \)`}},
		{"non-ASCII scope", "rules:\n  - pattern: /a\n    scopes: [lécture]\n", []string{
			`line 3: "lécture" is not a scope token (RFC 6749, section 3.3: printable ASCII without space, " or \)`}},
		{"invalid pattern", "rules:\n  - pattern: /healthz\n    allow: public\n  - pattern: /{\n    allow: public\n", []string{
			`line 4: bad pattern "/{": at offset 1: bad wildcard segment (must end with '}')`}},
		{"invalid pattern in a list", "rules:\n  - pattern:\n      - GET /a\n      - items\n    allow: public\n", []string{
			`line 4: bad pattern "items": at offset 0: host/path missing /`}},
		// The YAML parser reports some syntax errors a line early
		// (go-yaml/yaml#205): this one is on line 2.
		{"unquoted braces in a flow list", "rules:\n  - pattern: [GET /items/{id}]\n    allow: public\n", []string{
			`line 1: invalid YAML: did not find expected ',' or ']'`}},
		{"empty pattern", "rules:\n  - pattern: ''\n    allow: public\n", []string{`line 2: bad pattern "": empty pattern`}},
		{"conflicting patterns", "rules:\n  - pattern: /items/{id}\n    allow: public\n  - pattern: [GET /a, '/items/{name}']\n    scopes: [x]\n", []string{
			`line 4: bad pattern "/items/{name}": pattern "/items/{name}" conflicts with pattern "/items/{id}": /items/{name} matches the same requests as /items/{id}`}},
		{"every bad pattern at once", "rules:\n  - pattern: ['/{', /a, /a, '/b/{x}/{x}']\n    allow: public\n", []string{
			`line 2: bad pattern "/{": at offset 1: bad wildcard segment (must end with '}')`,
			`line 2: bad pattern "/a": pattern "/a" conflicts with pattern "/a": /a matches the same requests as /a`,
			`line 2: bad pattern "/b/{x}/{x}": at offset 7: duplicate wildcard name "x"`}},
		{"bad pattern beside other errors", "default: nope\nrules:\n  - pattern: /{\n    scopes: []\n", []string{
			`line 1: default must be deny, public or authenticated, not "nope"`,
			`line 3: bad pattern "/{": at offset 1: bad wildcard segment (must end with '}')`,
			`line 4: scopes must not be empty`}},
		{"anchor", "rules:\n  - &r\n    pattern: /a\n    allow: public\n", []string{`line 2: anchors (&r) are not allowed in a policy`}},
		{"alias", "x: &p /a\nrules:\n  - pattern: *p\n    allow: public\n", []string{
			`line 1: unknown key "x" in policy (known: default, rules)`,
			`line 3: aliases (*p) are not allowed in a policy`}},
		{"merge key", "rules:\n  - <<: {allow: public}\n    pattern: /a\n", []string{
			`line 2: merge keys (<<) are not allowed in a policy`,
			`line 2: rule needs one of allow, scopes, any_scopes`}},
		{"number key", "rules:\n  - pattern: /a\n    allow: public\n    1: x\n", []string{`line 4: rule keys must be strings, not the number 1`}},
		{"tagged value", "default: !!binary ZGVueQ==\n", []string{`line 1: default must be a string, not a value tagged !!binary`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policyyaml.Parse([]byte(tt.doc))
			require.Error(t, err, "Parse(%q) = %v, nil; want errors %q", tt.doc, p, tt.want)
			assert.Nil(t, p, "Parse(%q) returned a policy with its error", tt.doc)

			var list policyyaml.Errors
			require.True(t, errors.As(err, &list), "Parse(%q) = %T %v; want policyyaml.Errors", tt.doc, err, err)
			var got []string
			for _, e := range list {
				got = append(got, e.Error())
				assert.Positive(t, e.Line, "Parse(%q): %q has no line", tt.doc, e.Error())
				if !strings.Contains(e.Msg, "invalid YAML") {
					assert.Positive(t, e.Column, "Parse(%q): %q has no column", tt.doc, e.Error())
				}
			}
			assert.Equal(t, tt.want, got, "Parse(%q): the errors", tt.doc)
			assert.Equal(t, strings.Join(tt.want, "\n"), err.Error(), "Parse(%q).Error()", tt.doc)

			var first *policyyaml.Error
			require.True(t, errors.As(err, &first), "errors.As(Parse(%q), *policyyaml.Error)", tt.doc)
			assert.Equal(t, tt.want[0], first.Error(), "the first *Error of Parse(%q)", tt.doc)
			assert.NotContains(t, err.Error(), "policy:", "Parse(%q).Error() holds another package's prefix", tt.doc)
		})
	}
}

func TestErrorFormat(t *testing.T) {
	e := &policyyaml.Error{Line: 7, Column: 5, Msg: `unknown key "scope"`}
	assert.Equal(t, `line 7: unknown key "scope"`, e.Error(), "Error() of %+v", *e)
	noLine := &policyyaml.Error{Msg: "invalid YAML: something"}
	assert.Equal(t, "invalid YAML: something", noLine.Error(), "Error() of %+v", *noLine)
}

// TestDecode reads the policy of a larger configuration file: the errors
// carry the lines of the whole file.
func TestDecode(t *testing.T) {
	config := `mode: proxy
listen: 127.0.0.1:0
policy:
  default: deny
  rules:
    - pattern: /healthz
      allow: public
    - pattern: GET /items/
      scopes: [read]
`
	var file struct {
		Mode   string    `yaml:"mode"`
		Listen string    `yaml:"listen"`
		Policy yaml.Node `yaml:"policy"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(config), &file), "yaml.Unmarshal of the configuration")
	p, err := policyyaml.Decode(&file.Policy)
	require.NoError(t, err, "Decode(the policy node)")
	assert.Equal(t, 1, p.Match("GET", "", "/items/3").Rule, "Decode(...).Match(GET /items/3)")

	bad := strings.Replace(config, "scopes: [read]", "scope: [read]", 1)
	require.NoError(t, yaml.Unmarshal([]byte(bad), &file), "yaml.Unmarshal of the bad configuration")
	_, err = policyyaml.Decode(&file.Policy)
	assert.EqualError(t, err, "line 8: rule needs one of allow, scopes, any_scopes\n"+
		`line 9: unknown key "scope" in rule (known: pattern, allow, scopes, any_scopes)`, "Decode of the bad policy node")

	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(configPolicy), &doc), "yaml.Unmarshal of the policy")
	_, err = policyyaml.Decode(&doc)
	assert.NoError(t, err, "Decode(a document node)")

	_, err = policyyaml.Decode(nil)
	assert.EqualError(t, err, "no policy", "Decode(nil)")
	_, err = policyyaml.Decode(&yaml.Node{Kind: yaml.DocumentNode})
	assert.EqualError(t, err, "line 1: empty document: want a policy mapping", "Decode(an empty document node)")
	_, err = policyyaml.Decode(&yaml.Node{})
	assert.EqualError(t, err, "policy must be a mapping, not nothing", "Decode(a zero node)")
}

// FuzzParse checks that Parse never panics, returns a policy or an error
// and never both, and that every *Error in its Errors has a message. Run
// with
//
//	go test ./ -run '^$' -fuzz '^FuzzParse$' -fuzztime 60s
func FuzzParse(f *testing.F) {
	f.Add(configPolicy)
	f.Add("")
	f.Add("default: public\n")
	f.Add("rules:\n  - pattern: [/{, /a, /a]\n    scopes: []\n")
	f.Add("x: &a [*a]\n")
	f.Add("rules:\n  - <<: {allow: public}\n    pattern: /a\n")
	f.Add("{default: deny, rules: [{pattern: GET api.example.com/x/{y...}, any_scopes: [r]}]}\n---\n")
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := policyyaml.Parse([]byte(doc))
		if (p == nil) == (err == nil) {
			t.Fatalf("Parse(%q) = %v, %v; want a policy or an error", doc, p, err)
		}
		if err == nil {
			return
		}
		var list policyyaml.Errors
		if !errors.As(err, &list) {
			if !errors.Is(err, policy.ErrServeMux121) {
				t.Fatalf("Parse(%q) = %T %v; want policyyaml.Errors", doc, err, err)
			}
			return
		}
		if len(list) == 0 {
			t.Fatalf("Parse(%q) returned an empty Errors", doc)
		}
		for _, e := range list {
			if e == nil || e.Msg == "" {
				t.Fatalf("Parse(%q) = %q holds an empty error", doc, err.Error())
			}
		}
	})
}

// TestParseManyConflicts checks that a document of many conflicting
// patterns gets a bounded list of errors, each at its pattern's line.
func TestParseManyConflicts(t *testing.T) {
	var doc strings.Builder
	doc.WriteString("rules:\n  - pattern: /a\n    allow: public\n  - allow: deny\n    pattern:\n")
	const n = 100
	for range n {
		doc.WriteString("      - /a\n")
	}
	_, err := policyyaml.Parse([]byte(doc.String()))
	var list policyyaml.Errors
	require.ErrorAs(t, err, &list, "Parse(a document with %d patterns conflicting with /a)", n)
	require.Len(t, list, 20, "Parse(a document with %d patterns conflicting with /a): errors %v", n, err)
	for i, e := range list {
		assert.Equal(t, 6+i, e.Line, "line of error %d: %v", i, e)
		assert.Equal(t, `bad pattern "/a": pattern "/a" conflicts with pattern "/a": /a matches the same requests as /a`, e.Msg, "error %d", i)
	}
}
