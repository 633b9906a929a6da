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
	// 200 GET     /public  public
	// 200 GET     /healthz health check, broken token ignored
	// 200 GET     /welcome welcome without a token
	// 200 GET     /welcome welcome with a token
	// 401 GET     /welcome welcome with an expired token
	// 204 OPTIONS /cameras browser preflight
	// 401 GET     /cameras cameras without a token
	// 200 GET     /cameras cameras with read
	// 403 POST    /cameras add a camera with read only
	// 201 POST    /cameras add a camera with read write
	// 401 GET     /cameras cameras with an expired token
	// self-test passed: 11 calls answered as expected
}
