package dpop_test

import (
	"fmt"

	"github.com/jwtgate/jwtgate/dpop"
)

// A placeholder until the package's examples land.
func Example() {
	var s dpop.ReplayStore
	fmt.Println(s == nil)
	// Output: true
}
