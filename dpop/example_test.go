package dpop_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/jwks"
)

// A client signs a proof for a request with its key; the server checks it
// and compares the key's thumbprint with the access token's "cnf" "jkt".
func Example() {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	token := "an.access.token" // the DPoP-bound access token the client holds

	// The client: one key for all its proofs, and a proof per request.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	proof := mintProof(key, "GET", "https://api.example.com/items", token, "proof-1", now)

	// The server.
	checker, err := dpop.New(dpop.Config{Now: func() time.Time { return now }})
	if err != nil {
		panic(err)
	}
	u, _ := url.Parse("https://api.example.com/items?page=2")
	req := dpop.Request{Method: "GET", URL: u, AccessToken: token}
	res, err := checker.Check(context.Background(), proof, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	jkt, _ := dpop.Thumbprint(&key.PublicKey) // what the token's cnf.jkt holds
	fmt.Println("proof", res.ID, "accepted; bound to the token's key:", res.Thumbprint == jkt)

	// A proof is accepted once, and only for its request.
	_, err = checker.Check(context.Background(), proof, req)
	fmt.Println(err, errors.Is(err, dpop.ErrInvalidProof))
	req.Method = "DELETE"
	_, err = checker.Check(context.Background(), mintProof(key, "GET", "https://api.example.com/items", token, "proof-2", now), req)
	fmt.Println(err)
	// Output:
	// proof proof-1 accepted; bound to the token's key: true
	// dpop: proof replayed true
	// dpop: wrong htm
}

// mintProof does what a DPoP client does (RFC 9449 section 4.2).
func mintProof(key *ecdsa.PrivateKey, method, htu, token, jti string, now time.Time) string {
	enc := base64.RawURLEncoding
	point, err := key.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		panic(err)
	}
	header, _ := json.Marshal(map[string]any{
		"typ": "dpop+jwt",
		"alg": "ES256",
		"jwk": map[string]string{"kty": "EC", "crv": "P-256", "x": enc.EncodeToString(point[1:33]), "y": enc.EncodeToString(point[33:])},
	})
	ath := sha256.Sum256([]byte(token))
	claims, _ := json.Marshal(map[string]any{
		"jti": jti, "htm": method, "htu": htu, "iat": now.Unix(), "ath": enc.EncodeToString(ath[:]),
	})
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		panic(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + enc.EncodeToString(sig)
}

// Servers that require a nonce send the current one in a DPoP-Nonce
// header; every instance with the same secret accepts it.
func ExampleNonces() {
	now := time.Date(2030, 1, 1, 12, 0, 30, 0, time.UTC)
	clock := func() time.Time { return now }
	secret := []byte("a secret of at least 32 bytes, shared by all instances")
	a, _ := dpop.NewNonces(secret, time.Minute, clock)
	b, _ := dpop.NewNonces(secret, time.Minute, clock)

	nonce := a.Current()
	fmt.Println(b.Valid(nonce))
	now = now.Add(time.Minute) // the next minute: still accepted
	fmt.Println(b.Valid(nonce), b.Current() == nonce)
	now = now.Add(time.Minute) // the one after: too old
	fmt.Println(b.Valid(nonce))
	// Output:
	// true
	// true false
	// false
}

func ExampleCanonicalURL() {
	for _, s := range []string{
		"HTTPS://API.example.com:443/a/./b/../%7Eitems?page=2#top",
		"http://api.example.com:8080",
	} {
		u, _ := url.Parse(s)
		c, _ := dpop.CanonicalURL(u)
		fmt.Println(c)
	}
	// Output:
	// https://api.example.com/a/~items
	// http://api.example.com:8080/
}

// The key of the examples of RFC 9449 and its thumbprint, the "jkt" of
// its figure 9.
func ExampleThumbprint() {
	key, err := jwks.ParseJWK([]byte(`{"kty":"EC","crv":"P-256",
		"x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
		"y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"}`))
	if err != nil {
		panic(err)
	}
	jkt, _ := dpop.Thumbprint(key.Public())
	fmt.Println(jkt)
	// Output: 0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I
}
