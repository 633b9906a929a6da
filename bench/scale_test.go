package bench

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// scaleKeys is the largest key set and issuer count of the scale benchmarks.
const scaleKeys = 10_000

// scalePool holds P-256 keys shared by the scale benchmarks: generated once
// per process, each with its own key ID.
type scalePool struct {
	priv []*ecdsa.PrivateKey
	pub  []*jwks.Key
}

var loadScalePool = sync.OnceValues(func() (*scalePool, error) {
	p := &scalePool{}
	for i := range scaleKeys {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		pub, err := jwks.NewPublicKey(scaleKID(i), &k.PublicKey)
		if err != nil {
			return nil, err
		}
		p.priv = append(p.priv, k)
		p.pub = append(p.pub, pub)
	}
	return p, nil
})

func scaleKID(i int) string { return fmt.Sprintf("kid-%05d", i) }

func scaleIssuer(i int) string { return fmt.Sprintf("https://issuer-%04d.example.test/", i) }

// scaleToken returns an ES256 fixture-style token signed by key i of the
// pool, for issuer iss.
func scaleToken(p *scalePool, i int, iss string) (string, error) {
	claims := DefaultClaims()
	claims.Issuer = iss
	return verifiertest.Sign("ES256", p.priv[i], map[string]any{"kid": scaleKID(i), "typ": "at+jwt"}, claims)
}

// BenchmarkScaleKeys verifies one ES256 token (Verify with DisableCache)
// against a jwks.Static of 1, 100 and 10,000 P-256 keys, each with its own
// key ID; the token is signed by the middle key. The cost should not grow
// with the set.
func BenchmarkScaleKeys(b *testing.B) {
	p, err := loadScalePool()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1, 100, scaleKeys} {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			keys, err := jwks.NewStatic(p.pub[:n]...)
			if err != nil {
				b.Fatal(err)
			}
			v, err := verifier.New(verifier.Config{
				Issuers:      []string{Issuer},
				Audiences:    []string{Audience},
				Keys:         keys,
				Leeway:       verifier.DefaultLeeway,
				DisableCache: true,
			})
			if err != nil {
				b.Fatal(err)
			}
			token, err := scaleToken(p, n/2, Issuer)
			if err != nil {
				b.Fatal(err)
			}
			benchVerify(b, v, token)
		})
	}
}

// BenchmarkScaleIssuers verifies one ES256 token (Verify with DisableCache)
// with 1, 100 and 1,000 trusted issuers routed by jwks.ByIssuer, each with
// its own static key; the token comes from the middle issuer. The cost
// should not grow with the number of issuers.
func BenchmarkScaleIssuers(b *testing.B) {
	p, err := loadScalePool()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("issuers=%d", n), func(b *testing.B) {
			sources := make(map[string]jwks.Source, n)
			for i := range n {
				s, err := jwks.NewStatic(p.pub[i])
				if err != nil {
					b.Fatal(err)
				}
				sources[scaleIssuer(i)] = s
			}
			router, err := jwks.NewByIssuer(sources)
			if err != nil {
				b.Fatal(err)
			}
			v, err := verifier.New(verifier.Config{
				Issuers:      router.Issuers(),
				Audiences:    []string{Audience},
				Keys:         router,
				Leeway:       verifier.DefaultLeeway,
				DisableCache: true,
			})
			if err != nil {
				b.Fatal(err)
			}
			token, err := scaleToken(p, n/2, scaleIssuer(n/2))
			if err != nil {
				b.Fatal(err)
			}
			benchVerify(b, v, token)
		})
	}
}

func benchVerify(b *testing.B, v *verifier.Verifier, token string) {
	ctx := context.Background()
	if _, err := v.Verify(ctx, token); err != nil {
		b.Fatalf("Verify(fixture token) = %v, want no error", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}
