package scopes_test

import (
	"errors"
	"fmt"

	"github.com/jwtgate/jwtgate/scopes"
)

func ExampleParse() {
	granted := scopes.Parse("read  write read")
	fmt.Println(granted.List(), granted.Has("write"), granted.Has("admin"))
	// Output: [read write] true false
}

func ExampleRequirement_Check() {
	granted := scopes.Parse("read")

	fmt.Println(scopes.AllOf("read").Check(granted))
	fmt.Println(scopes.AnyOf("read", "admin").Check(granted))

	err := scopes.AllOf("read write").Check(granted)
	fmt.Println(err, errors.Is(err, scopes.ErrInsufficientScope))
	// Output:
	// <nil>
	// <nil>
	// scopes: insufficient scope: missing write true
}
