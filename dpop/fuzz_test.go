package dpop_test

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// FuzzCheck checks arbitrary proofs against tRequest. Check must never
// panic, must refuse with an *Error matching ErrInvalidProof, and must
// never accept a proof that jwx, the reference, does not verify with the
// key in its own header, nor report another thumbprint than jwx computes
// for that key.
func FuzzCheck(f *testing.F) {
	for _, alg := range []string{"ES256", "EdDSA", "PS256", "ES512"} {
		c := newClient(f, alg)
		f.Add(c.proof(f, nil, nil))
		f.Add(c.proof(f, nil, map[string]any{"htu": "HTTPS://api.example.test:443/./items?x#y", "iat": float64(tNow.Unix()) + 0.25}))
		f.Add(c.proof(f, map[string]any{"kid": "k", "crit": []string{"b64"}, "b64": false}, nil))
		f.Add(c.proof(f, nil, map[string]any{"ath": nil, "nonce": "n", "extra": map[string]any{"a": []any{1, "b", nil}}}))
	}
	es := newClient(f, "ES256")
	f.Add(es.raw(f, `{"typ":"dpop+jwt","alg":"ES256","jwk":`+string(es.jwk)+`,"alg":"none"}`, validClaims("")))
	f.Add(es.raw(f, `{"typ":"dpop+jwt","\u0061lg":"ES256","jwk":`+string(es.jwk)+`}`, validClaims(`,"htu":"https://evil.example/"`)))
	f.Add(es.raw(f, `{"typ":"dpop+jwt","alg":"ES256","jwk":`+string(es.jwk)+`}`, "{\"jti\":\"\xff\"}"))
	f.Add(es.proof(f, map[string]any{"alg": "none"}, nil))
	// An HMAC "proof" keyed by a symmetric jwk: the attack a checker that
	// trusted any jwk would fall for.
	secret := []byte(strings.Repeat("s", 32))
	hs, err := verifiertest.Sign("HS256", secret, map[string]any{"typ": "dpop+jwt",
		"jwk": map[string]any{"kty": "oct", "k": base64.RawURLEncoding.EncodeToString(secret)}}, claimsFor(nil))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(hs)
	// An unsigned proof, and one with the RFC 9449 example key.
	p := es.proof(f, nil, nil)
	f.Add(p[:strings.LastIndexByte(p, '.')+1])
	f.Add(rfc9449Header + "." + strings.Split(p, ".")[1] + "." + strings.Split(p, ".")[2])
	f.Add("")
	f.Add("..")
	f.Add("e30.e30.e30")

	req := tRequest()
	f.Fuzz(func(t *testing.T, proof string) {
		c, err := dpop.New(dpop.Config{Now: tClock, Algorithms: append(dpop.DefaultAlgorithms, "Ed25519")})
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Check(context.Background(), proof, req)
		if err != nil {
			var de *dpop.Error
			if !errors.As(err, &de) || !errors.Is(err, dpop.ErrInvalidProof) || de.Description == "" {
				t.Fatalf("Check refused with %T %v; want a *dpop.Error matching ErrInvalidProof", err, err)
			}
			return
		}
		thumbprint, err := reference(proof)
		if err != nil {
			t.Fatalf("Check accepted a proof the reference refuses: %v", err)
		}
		if res.Thumbprint != thumbprint {
			t.Fatalf("Check's thumbprint %q; the reference's is %q", res.Thumbprint, thumbprint)
		}
		// And it is accepted once.
		if _, err := c.Check(context.Background(), proof, req); !errors.Is(err, dpop.ErrReplayed) {
			t.Fatalf("second Check of an accepted proof = %v; want ErrReplayed", err)
		}
	})
}

// reference verifies proof with jwx, with the key of its own "jwk" header,
// and returns jwx's thumbprint of that key.
func reference(proof string) (string, error) {
	hdr, _, _ := strings.Cut(proof, ".")
	raw, err := base64.RawURLEncoding.DecodeString(hdr)
	if err != nil {
		return "", err
	}
	var h struct {
		Alg string          `json:"alg"`
		JWK json.RawMessage `json:"jwk"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return "", err
	}
	key, err := jwk.ParseKey(h.JWK)
	if err != nil {
		return "", err
	}
	alg, ok := jwa.LookupSignatureAlgorithm(h.Alg)
	if !ok {
		return "", errors.New("unknown alg")
	}
	if _, err := jws.Verify([]byte(proof), jws.WithKey(alg, key)); err != nil {
		return "", err
	}
	sum, err := key.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// FuzzCanonicalURL: CanonicalURL never panics, and its result is a URL
// whose canonical form is itself.
func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{
		"HTTP://www.EXAMPLE.com/", "http://example.com/a/b/c/./../../g", "https://[FE80::1%25en0]:443/%7e/%2f/é",
		"http://a/%2E%2E/%2e", "https://h:0/", "http://h/a b?c#d", "http://h/.%2e/x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := url.Parse(s)
		if err != nil {
			return
		}
		got, err := dpop.CanonicalURL(u)
		if err != nil {
			return
		}
		again, err := url.Parse(got)
		if err != nil {
			t.Fatalf("CanonicalURL(%q) = %q, which url.Parse refuses: %v", s, got, err)
		}
		got2, err := dpop.CanonicalURL(again)
		if err != nil || got2 != got {
			t.Fatalf("CanonicalURL(%q) = %q, whose canonical form is %q, %v", s, got, got2, err)
		}
	})
}
