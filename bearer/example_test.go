package bearer_test

import (
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// Every adapter turns a failure into the same RFC 6750 answer with
// ResponseFor.
func ExampleAuth_Response() {
	key, _ := jwks.NewSecret("", []byte("an example secret of 32+ bytes!!"))
	keys, _ := jwks.NewStatic(key)
	v, _ := verifier.New(verifier.Config{Keys: keys, SkipIssuerCheck: true, SkipAudienceCheck: true})
	a, err := bearer.New(v, bearer.Options{Realm: "api"})
	if err != nil {
		panic(err)
	}

	r := httptest.NewRequest("GET", "/items", nil)
	_, noToken := a.Authenticate(r)
	for _, err := range []error{
		noToken,
		&verifier.Error{Reason: verifier.ErrExpired},
		scopes.AllOf("read write").Check(scopes.Parse("read")),
		fmt.Errorf("%w: issuer down", verifier.ErrKeysUnavailable),
		errors.New("anything else"),
	} {
		resp := a.Response(err)
		fmt.Printf("%d %q %v %s", resp.Status, resp.Challenges, resp.RetryAfter, resp.Body)
	}
	// Output:
	// 401 ["Bearer realm=\"api\""] 0s {}
	// 401 ["Bearer realm=\"api\", error=\"invalid_token\", error_description=\"token expired\""] 0s {"error":"invalid_token","error_description":"token expired"}
	// 403 ["Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"read write\""] 0s {"error":"insufficient_scope","scope":"read write"}
	// 503 [] 30s {"error":"temporarily_unavailable","error_description":"signing keys unavailable"}
	// 500 [] 0s {"error":"server_error"}
}
