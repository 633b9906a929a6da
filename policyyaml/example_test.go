package policyyaml_test

import (
	"errors"
	"fmt"

	"github.com/jwtgate/jwtgate/policyyaml"
)

func ExampleParse() {
	p, err := policyyaml.Parse([]byte(`
default: deny
rules:
  - pattern: /healthz
    allow: public
  - pattern: ["POST /items/", "PUT /items/{id}"]
    scopes: [write]
  - pattern: GET /items/
    any_scopes: [read, admin]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range [][2]string{{"GET", "/healthz"}, {"PUT", "/items/7"}, {"HEAD", "/items/7"}, {"DELETE", "/items/7"}} {
		d := p.Match(r[0], "", r[1])
		fmt.Printf("%s %s: %v\n", r[0], r[1], d.Access)
	}
	// Output:
	// GET /healthz: public
	// PUT /items/7: all of: write
	// HEAD /items/7: any of: read admin
	// DELETE /items/7: deny
}

// A configuration check prints every problem, each with the file name in
// front of its line.
func ExampleErrors() {
	_, err := policyyaml.Parse([]byte(`default: deny
rules:
  - pattern: /healthz
    allow: public
    scope: [read]
  - pattern: '/items/{'
    scopes: write
`))
	var list policyyaml.Errors
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Printf("jwtgate.yaml:%d: %s\n", e.Line, e.Msg)
		}
	}
	// Output:
	// jwtgate.yaml:5: unknown key "scope" in rule (known: pattern, allow, scopes, any_scopes)
	// jwtgate.yaml:6: bad pattern "/items/{": at offset 7: bad wildcard segment (must end with '}')
	// jwtgate.yaml:7: scopes must be a list of scopes, such as [read], not "write"
}
