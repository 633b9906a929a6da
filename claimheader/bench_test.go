package claimheader_test

import (
	"net/http"
	"testing"

	"github.com/jwtgate/jwtgate/claimheader"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// benchMapping is a gateway's typical mapping: five names.
var benchMapping = claimheader.Mapping{
	Subject: "X-Auth-Subject", ClientID: "X-Auth-Client", Scopes: "X-Auth-Scopes", Issuer: "X-Auth-Issuer",
	Claims: map[string]string{"tenant": "X-Auth-Tenant"},
}

// inbound returns a request header as a browser or client sends it: ten
// headers, none of them a claim header.
func inbound() http.Header {
	return http.Header{
		"Accept":          {"application/json"},
		"Accept-Encoding": {"gzip, deflate, br"},
		"Accept-Language": {"en-GB,en;q=0.9"},
		"Authorization":   {"Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln"},
		"Cache-Control":   {"no-cache"},
		"Connection":      {"keep-alive"},
		"Content-Type":    {"application/json"},
		"Origin":          {"https://app.example.test"},
		"User-Agent":      {"Mozilla/5.0"},
		"X-Request-Id":    {"0f8e1c2a"},
	}
}

func BenchmarkStrip(b *testing.B) {
	h := mustNew(b, benchMapping)
	hdr := inbound()
	b.ReportAllocs()
	for b.Loop() {
		h.Strip(hdr)
	}
	if len(hdr) != 10 {
		b.Fatalf("Strip removed an unrelated header: %v", hdr)
	}
}

func BenchmarkSet(b *testing.B) {
	ti := newTestIssuer(b)
	claims := ti.claims(b, verifiertest.Token{Subject: "robot", Scope: "read write", Claims: map[string]any{"tenant": "acme"}})
	for _, bm := range []struct {
		name string
		m    claimheader.Mapping
	}{
		{"registered", claimheader.Mapping{Subject: "X-Auth-Subject", ClientID: "X-Auth-Client", Scopes: "X-Auth-Scopes", Issuer: "X-Auth-Issuer"}},
		{"custom", benchMapping},
		{"json", claimheader.Mapping{Subject: "X-Auth-Subject", JSON: "X-Auth-Claims"}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			h := mustNew(b, bm.m)
			base := inbound()
			hdr := make(http.Header, 16)
			b.ReportAllocs()
			for b.Loop() {
				for k, v := range base {
					hdr[k] = v
				}
				if err := h.Set(hdr, claims); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
