package verifier

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

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

// BenchmarkVerifyHeaderMemo verifies distinct HS256 tokens of one header
// (the cache of verified tokens off), with the memo of verified headers and
// without it: what the memo saves on every token an issuer sends.
func BenchmarkVerifyHeaderMemo(b *testing.B) {
	secret := []byte("the header memo benchmark's secret, 32+ bytes")
	key, err := jwks.NewSecret("k1", secret)
	if err != nil {
		b.Fatal(err)
	}
	src, err := jwks.NewStatic(key)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tokens := make([]string, 1024)
	for i := range tokens {
		claims := fmt.Sprintf(`{"iss":"https://auth.example.com/","sub":"client-42","aud":"https://api.example.com","exp":%d,"iat":%d,"jti":"token-%06d","client_id":"client-42","scope":"read write"}`,
			now.Add(time.Hour).Unix(), now.Unix(), i)
		tokens[i] = pbSign(pbHeaderHS256, claims, secret)
	}
	for _, memo := range []bool{true, false} {
		b.Run(map[bool]string{true: "memo", false: "no-memo"}[memo], func(b *testing.B) {
			v, err := New(Config{Issuers: []string{"https://auth.example.com/"}, Audiences: []string{"https://api.example.com"},
				Keys: src, DisableCache: true, Now: func() time.Time { return now }})
			if err != nil {
				b.Fatal(err)
			}
			if !memo {
				v.headers = nil
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := v.Verify(context.Background(), tokens[i%len(tokens)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

const pbHeaderHS256 = `{"alg":"HS256","kid":"k1","typ":"at+jwt"}`

// pbSign signs an HS256 token over exact header and claims JSON.
func pbSign(header, claims string, secret []byte) string {
	input := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(claims))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}
