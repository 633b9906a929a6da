package main

import (
	"context"
	"fmt"
	"os"
)

// The self-test starts the example's service and demo issuer on loopback,
// calls every method with and without tokens through a real client, and
// prints each answer.
func Example_selfTest() {
	if err := run(context.Background(), []string{"-selftest"}, os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ok   Health/Check       health check, skipped even with a broken token -> OK
	// ok   Fleet/Status       public, no token needed -> OK
	// ok   Fleet/Status       public, a broken token is not looked at -> OK
	// ok   Fleet/ListFlights  no token -> Unauthenticated
	// ok   Fleet/ListFlights  another scheme counts as no token -> Unauthenticated
	// ok   Fleet/ListFlights  scope read -> OK
	// ok   Fleet/ListFlights  expired token -> Unauthenticated
	// ok   Fleet/ListFlights  malformed token -> Unauthenticated
	// ok   Fleet/WatchFlights stream, scope read -> OK
	// ok   Fleet/WatchFlights stream, no token -> Unauthenticated
	// ok   Fleet/WatchFlights stream, expired token -> Unauthenticated
	// ok   Fleet/PlanFlight   scope read, method needs read write -> PermissionDenied
	// ok   Fleet/PlanFlight   scopes read write -> OK
	// ok   Fleet/Decommission no rule: denied, whatever the token -> PermissionDenied
	// all 14 self-test calls answered as expected
}
