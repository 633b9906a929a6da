package verifier

import "github.com/jwtgate/jwtgate/internal/jsonobj"

// The two JSON objects of a token, the protected header and the claims set,
// are read with package jsonobj: the standard library's strict
// encoding/json/jsontext (no invalid UTF-8, no duplicate member names at any
// depth, names compared exactly), one object with nothing after it, values
// nested at most maxDepth levels, and the members we act on of the types the
// RFCs give them. Package dpop reads DPoP proofs with the same reader.

type (
	objectReader = jsonobj.Reader
	jsonError    = jsonobj.Error
)

const (
	maxDepth       = jsonobj.MaxDepth
	maxNumericDate = jsonobj.MaxNumericDate
)

var (
	errJSONSyntax    = jsonobj.ErrSyntax
	errJSONNotObject = jsonobj.ErrNotObject
	errJSONDuplicate = jsonobj.ErrDuplicate
	errJSONDepth     = jsonobj.ErrDepth
	errJSONType      = jsonobj.ErrType
	errDateRange     = jsonobj.ErrDateRange
)
