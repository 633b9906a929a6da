package httpauth_test

import (
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/jwtgate/jwtgate/internal/httpauth"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// Every adapter turns a failure into the same RFC 6750 answer with
// ResponseFor.
func ExampleAuth_ResponseFor() {
	key, _ := jwks.NewSecret("", []byte("an example secret of 32+ bytes!!"))
	keys, _ := jwks.NewStatic(key)
	v, _ := verifier.New(verifier.Config{Keys: keys, SkipIssuerCheck: true, SkipAudienceCheck: true})
	a, err := httpauth.New("example", v, httpauth.Settings{Realm: "api"})
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
		resp := a.ResponseFor(err)
		fmt.Printf("%d %q %q %s", resp.Status, resp.Challenge, resp.RetryAfter, resp.Body)
	}
	// Output:
	// 401 "Bearer realm=\"api\"" "" {}
	// 401 "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"token expired\"" "" {"error":"invalid_token","error_description":"token expired"}
	// 403 "Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"read write\"" "" {"error":"insufficient_scope","scope":"read write"}
	// 503 "" "30" {"error":"temporarily_unavailable","error_description":"signing keys unavailable"}
	// 500 "" "" {"error":"server_error"}
}
