package claimheader_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/jwtgate/jwtgate/claimheader"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// A gateway passes the verified subject, scopes and tenant upstream. The
// client's own attempts at those headers, in any spelling, are gone.
func Example() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, _ := verifier.New(issuer.VerifierConfig())
	token, _ := issuer.Mint(verifiertest.Token{
		Subject: "robot",
		Scope:   "read write",
		Claims:  map[string]any{"tenant": "acme", "roles": []string{"viewer"}},
	})
	claims, _ := v.Verify(context.Background(), token)

	headers, err := claimheader.New(claimheader.Mapping{
		Subject: "X-Auth-Subject",
		Scopes:  "X-Auth-Scopes",
		Claims:  map[string]string{"tenant": "X-Auth-Tenant", "roles": "X-Auth-Roles"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(headers.Names())

	// What the client sent, smuggling attempts included.
	hdr := http.Header{
		"Accept":         {"application/json"},
		"X-Auth-Subject": {"admin"},
		"X_auth_subject": {"admin"},
		"x-auth_tenant":  {"other"},
	}
	if err := headers.Set(hdr, claims); err != nil {
		panic(err)
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range hdr {
			if !yield(k) {
				return
			}
		}
	}) {
		fmt.Printf("%s: %q\n", name, hdr[name])
	}
	// Output:
	// [X-Auth-Subject X-Auth-Scopes X-Auth-Roles X-Auth-Tenant]
	// Accept: ["application/json"]
	// X-Auth-Roles: ["[\"viewer\"]"]
	// X-Auth-Scopes: ["read write"]
	// X-Auth-Subject: ["robot"]
	// X-Auth-Tenant: ["acme"]
}

// Refusals at start-up: a name a gateway must not set from claims, and one
// name under two spellings.
func ExampleNew() {
	_, err := claimheader.New(claimheader.Mapping{Subject: "X-Forwarded-User"})
	fmt.Println(err)
	_, err = claimheader.New(claimheader.Mapping{Subject: "X-User", Issuer: "x_user"})
	fmt.Println(err)
	// Output:
	// claimheader: invalid mapping: subject header "X-Forwarded-User" must not be set from claims
	// claimheader: invalid mapping: issuer header "x_user" is the same header as "X-User"
}

// Strip alone, for requests that carry no token (a public route): nothing
// the client sends under a claim header's name reaches the service.
func ExampleHeaders_Strip() {
	headers, _ := claimheader.New(claimheader.Mapping{Subject: "X-Auth-Subject"})
	hdr := http.Header{"X-Auth-Subject": {"admin"}, "X_AUTH_SUBJECT": {"admin"}, "Accept": {"*/*"}}
	headers.Strip(hdr)
	fmt.Println(hdr)
	// Output:
	// map[Accept:[*/*]]
}
