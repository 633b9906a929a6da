package policy_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/jwtgate/jwtgate/policy"
)

// BenchmarkDecide decides a mix of requests against a 20-rule policy of
// the kind an API gateway holds.
func BenchmarkDecide(b *testing.B) {
	p := mustNew(b, policy.Deny(),
		policy.Rule{Pattern: "/healthz", Access: policy.Public()},
		policy.Rule{Pattern: "/readyz", Access: policy.Public()},
		policy.Rule{Pattern: "GET /static/", Access: policy.Public()},
		policy.Rule{Pattern: "GET /.well-known/", Access: policy.Public()},
		policy.Rule{Pattern: "GET /items/", Access: policy.AnyOf("read", "admin")},
		policy.Rule{Pattern: "GET /items/{$}", Access: policy.Authenticated()},
		policy.Rule{Pattern: "POST /items/", Access: policy.AllOf("write")},
		policy.Rule{Pattern: "PUT /items/{id}", Access: policy.AllOf("write")},
		policy.Rule{Pattern: "PATCH /items/{id}", Access: policy.AllOf("write")},
		policy.Rule{Pattern: "DELETE /items/{id}", Access: policy.AllOf("admin")},
		policy.Rule{Pattern: "GET /items/{id}/history", Access: policy.AllOf("read", "audit")},
		policy.Rule{Pattern: "GET /users/{id}", Access: policy.AllOf("users:read")},
		policy.Rule{Pattern: "GET /users/me", Access: policy.Authenticated()},
		policy.Rule{Pattern: "PUT /users/{id}", Access: policy.AllOf("users:write")},
		policy.Rule{Pattern: "/admin/", Access: policy.AllOf("admin")},
		policy.Rule{Pattern: "/admin/metrics", Access: policy.AnyOf("admin", "metrics")},
		policy.Rule{Pattern: "GET /orders/{id}/lines/{line}", Access: policy.AllOf("orders")},
		policy.Rule{Pattern: "POST /orders/{$}", Access: policy.AllOf("orders", "write")},
		policy.Rule{Pattern: "internal.example.com/", Access: policy.Authenticated()},
		policy.Rule{Pattern: "/files/{path...}", Access: policy.AllOf("files")},
	)
	var reqs []*http.Request
	for _, target := range []struct{ method, host, path string }{
		{"GET", "api.example.com", "/healthz"},
		{"GET", "api.example.com", "/items/1234"},
		{"HEAD", "api.example.com", "/items/"},
		{"PUT", "api.example.com", "/items/caf%C3%A9"},
		{"GET", "api.example.com", "/users/me"},
		{"GET", "api.example.com:8443", "/orders/7/lines/3"},
		{"GET", "internal.example.com", "/anything"},
		{"DELETE", "api.example.com", "/files/a/b/c.txt"},
		{"GET", "api.example.com", "/unknown/path"},
		{"GET", "api.example.com", "/items/%2e%2e/admin"},
	} {
		u, err := url.ParseRequestURI(target.path)
		if err != nil {
			b.Fatalf("url.ParseRequestURI(%q): %v", target.path, err)
		}
		reqs = append(reqs, &http.Request{Method: target.method, Host: target.host, URL: u})
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, _ = p.Decide(reqs[i%len(reqs)])
	}
}
