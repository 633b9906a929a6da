package dpop

import (
	"bytes"
	"encoding/json/jsontext"

	"github.com/jwtgate/jwtgate/internal/jsonobj"
)

// The proof's header, its jwk and its claims are read with package jsonobj,
// as the verifier reads tokens: the standard library's strict
// encoding/json/jsontext (no invalid UTF-8, no duplicate member names at any
// depth, names unescaped and compared exactly, so that "\u0061lg" is "alg"
// to us as to any other reader), one object with nothing after it, bounded
// nesting, and the members we act on of the types RFC 9449 gives them.

// objectReader is the reader of a proof's JSON objects.
type objectReader = jsonobj.Reader

// stringValue reads a string value for the named member and returns its
// content, valid until the next read.
func stringValue(r *objectReader, member string) ([]byte, error) {
	b, _, err := r.RawString(member)
	return b, err
}

// rawValue reads the value of the named member, which must be of kind k,
// and returns a copy.
func rawValue(r *objectReader, member string, k jsontext.Kind) ([]byte, error) {
	v, err := r.Value(member, k)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(v), nil
}
