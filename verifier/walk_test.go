package verifier

import (
	"testing"
)

func BenchmarkWalkRaw(b *testing.B) {
	r := new(objectReader)
	data := []byte(pbClaims)
	for b.Loop() {
		r.reset(data, "")
		for {
			if _, err := r.dec.ReadToken(); err != nil {
				break
			}
		}
	}
}

func BenchmarkParseClaimsNoAlloc(b *testing.B) {
	r := new(objectReader)
	data := []byte(pbClaims)
	raw := string(data)
	b.ReportAllocs()
	var c Claims
	for b.Loop() {
		c = Claims{}
		if err := c.parse(r, data, raw); err != nil {
			b.Fatal(err)
		}
	}
}
