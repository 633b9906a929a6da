package verifier

import (
	"testing"

	"github.com/jwtgate/jwtgate/jwks"
)

// The header and claims of a typical access token, as issuers send them.
const (
	pbHeader = `{"alg":"RS256","kid":"2b7c1a5e-4f0d-4c1e-9a7b-3d2e1f0a9b8c","typ":"at+jwt"}`
	pbClaims = `{"iss":"https://auth.example.com/","sub":"client-42","aud":"https://api.example.com","exp":1893456000,"iat":1893452400,"nbf":1893452400,"jti":"8f14e45f-ceea-467f-a0e6-8e0d3c2b1a09","client_id":"client-42","scope":"read write"}`
)

// BenchmarkParseHeader measures reading a typical protected header.
func BenchmarkParseHeader(b *testing.B) {
	r := new(objectReader)
	algs := jwks.Algorithms()
	data := []byte(pbHeader)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseHeader(r, data, algs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseClaims measures reading a typical claims set, with the
// string the Claims keep.
func BenchmarkParseClaims(b *testing.B) {
	r := new(objectReader)
	data := []byte(pbClaims)
	b.ReportAllocs()
	for b.Loop() {
		var c Claims
		if err := c.parse(r, data, string(data)); err != nil {
			b.Fatal(err)
		}
	}
}
