package main

import (
	"fmt"
	"net/http/httptest"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// The API answers 401 without a token, 200 to a token with scope "read",
// and 403 when that token is used on the route that needs "read write".
func Example() {
	iss := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer iss.Close()
	api, err := newAPI(iss.URL, iss.Audience())
	if err != nil {
		fmt.Println(err)
		return
	}
	reader, err := iss.Mint(verifiertest.Token{Subject: "dashboard", Scope: "read"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range []struct{ method, token, what string }{
		{"GET", "", "no token"},
		{"GET", reader, "scope read"},
		{"POST", reader, "scope read"},
	} {
		r := httptest.NewRequest(c.method, "/items", nil)
		if c.token != "" {
			r.Header.Set("Authorization", "Bearer "+c.token)
		}
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		fmt.Printf("%s /items, %s: %d\n", c.method, c.what, w.Code)
	}
	// Output:
	// GET /items, no token: 401
	// GET /items, scope read: 200
	// POST /items, scope read: 403
}
