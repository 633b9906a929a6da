package jsonobj_test

import (
	"fmt"

	"github.com/jwtgate/jwtgate/internal/jsonobj"
)

// Reading the members of an object, the way the verifier reads a claims
// set; the errors name the member and the offset, never the input.
func ExampleReader() {
	for _, doc := range []string{
		`{"sub":"client-7","exp":1767225600,"x":[1,{"y":true}]}`,
		`{"sub":"a","sub":"b"}`,
		`{"sub":42}`,
	} {
		var r jsonobj.Reader
		r.Reset([]byte(doc), doc)
		err := r.Begin()
		for err == nil {
			var name []byte
			var ok bool
			if name, ok, err = r.Next(); !ok || err != nil {
				break
			}
			switch string(name) {
			case "sub":
				var sub string
				if sub, err = r.Str("sub"); err == nil {
					fmt.Println("sub:", sub)
				}
			case "exp":
				exp, derr := r.Date("exp")
				if err = derr; err == nil {
					fmt.Println("exp:", exp.UTC().Format("2006-01-02"))
				}
			default:
				err = r.Skip()
			}
		}
		if err != nil {
			fmt.Println("refused:", err)
		}
	}
	// Output:
	// sub: client-7
	// exp: 2026-01-01
	// sub: a
	// refused: duplicate member name at offset 11
	// refused: "sub": member has the wrong type at offset 7
}
