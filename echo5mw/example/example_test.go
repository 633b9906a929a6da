package main

import (
	"context"
	"fmt"
	"os"
)

// The self-test starts the example's API and demo issuer on loopback, sends
// it requests with and without tokens, and prints each outcome.
func Example_selfTest() {
	if err := run(context.Background(), []string{"-selftest"}, os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ok   GET     /healthz health check, skipped even with a broken token -> 200
	// ok   GET     /public  no token needed -> 200
	// ok   GET     /hello   optional token, none sent -> 200
	// ok   GET     /hello   optional token, valid -> 200
	// ok   GET     /hello   optional token, expired -> 401
	// ok   OPTIONS /flights CORS preflight, skipped -> 204
	// ok   GET     /flights no token -> 401
	// ok   GET     /flights Basic credentials -> 401
	// ok   GET     /flights scope read -> 200
	// ok   POST    /flights scope read, route needs read write -> 403
	// ok   POST    /flights scopes read write -> 201
	// ok   GET     /flights expired token -> 401
	// ok   GET     /flights token of another issuer -> 401
	// all 13 self-test requests answered as expected
}
