package main

import (
	"context"
	"fmt"
	"os"
)

// The self-test starts the example's API and demo issuer on loopback, sends
// it requests with and without tokens, and prints each answer.
func Example_selfTest() {
	if err := run(context.Background(), []string{"-selftest"}, os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ok   GET    /public  public route, no token               -> 200 (want 200)
	// ok   GET    /items   no token                             -> 401 (want 401)
	// ok   GET    /items   scope read                           -> 200 (want 200)
	// ok   POST   /items   scope read on a read write route     -> 403 (want 403)
	// ok   POST   /items   scopes read write                    -> 201 (want 201)
	// ok   GET    /items   expired token                        -> 401 (want 401)
	// ok   GET    /items   forged signature                     -> 401 (want 401)
	// ok   GET    /items   garbage token                        -> 401 (want 401)
	// ok   GET    /items   two Authorization headers            -> 400 (want 400)
	// ok   GET    /items   scheme word in lower case            -> 200 (want 200)
	// all 10 self-test requests answered as expected
}
