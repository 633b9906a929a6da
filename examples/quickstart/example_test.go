package main

import (
	"context"
	"fmt"
	"os"
)

// The self-test starts the example's API and demo issuer on loopback, gets
// a token in each issuer style and calls the API with it, sends requests
// that must fail, and prints each answer.
func Example_selfTest() {
	if err := run(context.Background(), []string{"-selftest"}, os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ok   GET    /public          public route, no token                           -> 200 (want 200)
	// ok   GET    /items           no token                                         -> 401 (want 401)
	// ok   GET    /items           scope read                                       -> 200 (want 200)
	// ok   POST   /items           scope read on a read write route                 -> 403 (want 403)
	// ok   POST   /items           scopes read write                                -> 201 (want 201)
	// ok   GET    /items           expired token                                    -> 401 (want 401)
	// ok   GET    /items           forged signature                                 -> 401 (want 401)
	// ok   GET    /items           garbage token                                    -> 401 (want 401)
	// ok   GET    /items           two Authorization headers                        -> 400 (want 400)
	// ok   GET    /items           scheme word in lower case                        -> 200 (want 200)
	// ok   POST   /oauth2/token    drone-mapping: token, secret in the form         -> 200 (want 200)
	// ok   POST   /items           drone-mapping token, scopes read write           -> 201 (want 201)
	// ok   POST   /oauth2/token    travel: token, secret in HTTP Basic              -> 200 (want 200)
	// ok   GET    /items           travel token, scope read                         -> 200 (want 200)
	// ok   POST   /items           travel token on a read write route               -> 403 (want 403)
	// ok   POST   /api-token-auth/ camera-catalogue: Django-style token             -> 200 (want 200)
	// ok   GET    /cameras         Django token, scheme word JWT                    -> 200 (want 200)
	// ok   GET    /ledger          geo-finance: client-minted token                 -> 200 (want 200)
	// ok   POST   /oauth2/token    wrong secret in the form                         -> 401 (want 401)
	// ok   POST   /oauth2/token    wrong secret in HTTP Basic                       -> 401 (want 401)
	// ok   POST   /oauth2/token    unknown client                                   -> 401 (want 401)
	// ok   POST   /oauth2/token    scope beyond the client's                        -> 400 (want 400)
	// ok   POST   /api-token-auth/ Django: wrong password                           -> 400 (want 400)
	// ok   GET    /items           Django token on the Bearer route                 -> 401 (want 401)
	// ok   GET    /cameras         Bearer token on the JWT route                    -> 401 (want 401)
	// ok   GET    /ledger          client-minted token, another client's secret     -> 401 (want 401)
	// ok   GET    /ledger          client-minted token, another audience            -> 401 (want 401)
	// ok   GET    /ledger          drone-mapping token on the ledger route          -> 401 (want 401)
	// all 28 self-test requests answered as expected
}
