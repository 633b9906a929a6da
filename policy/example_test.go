package policy_test

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/jwtgate/jwtgate/policy"
)

func Example() {
	p, err := policy.New(policy.Deny(),
		policy.Rule{Pattern: "/healthz", Access: policy.Public()},
		policy.Rule{Pattern: "GET /items/", Access: policy.AnyOf("read", "admin")},
		policy.Rule{Pattern: "POST /items/", Access: policy.AllOf("write")},
		policy.Rule{Pattern: "PUT /items/{id}", Access: policy.AllOf("write")},
		policy.Rule{Pattern: "/admin/", Access: policy.AllOf("admin")},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, line := range []string{
		"GET /healthz",
		"HEAD /items/42",
		"PUT /items/42",
		"DELETE /items/42",
		"GET /private?to=/healthz",
		"GET /healthz/..%2Fadmin/",
	} {
		raw := line + " HTTP/1.1\r\nHost: api.example.com\r\n\r\n"
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			fmt.Println(err)
			return
		}
		d, err := p.Decide(r)
		switch {
		case errors.Is(err, policy.ErrAmbiguousPath):
			fmt.Printf("%-26s 400 (%v)\n", line, err)
		case d.Rule < 0:
			fmt.Printf("%-26s %s (default)\n", line, d.Access)
		default:
			fmt.Printf("%-26s %s (rule %q)\n", line, d.Access, d.Pattern)
		}
	}
	// Output:
	// GET /healthz               public (rule "/healthz")
	// HEAD /items/42             any of: read admin (rule "GET /items/")
	// PUT /items/42              all of: write (rule "PUT /items/{id}")
	// DELETE /items/42           deny (default)
	// GET /private?to=/healthz   deny (default)
	// GET /healthz/..%2Fadmin/   400 (policy: ambiguous request path: encoded slash)
}

func ExampleCanonicalPath() {
	for _, escaped := range []string{"/items/%41%20b", "/public/%2e%2e/admin", "/a//b"} {
		path, err := policy.CanonicalPath(escaped)
		fmt.Printf("%q %v\n", path, err)
	}
	// Output:
	// "/items/A b" <nil>
	// "" policy: ambiguous request path: dot segment
	// "" policy: ambiguous request path: empty path segment
}

func ExampleNew_conflict() {
	_, err := policy.New(policy.Deny(),
		policy.Rule{Pattern: "/items/{id}", Access: policy.AllOf("read")},
		policy.Rule{Pattern: "/items/{name}", Access: policy.AllOf("write")},
	)
	var ruleErr *policy.RuleError
	if errors.As(err, &ruleErr) {
		fmt.Println(ruleErr.Index, ruleErr.Pattern)
	}
	// Output: 1 /items/{name}
}
