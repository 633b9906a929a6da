package jwks_test

import (
	"context"
	"fmt"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// A remote key set found by OpenID Connect discovery. Nothing is fetched
// until the first lookup, or until Refresh is called to fail fast at
// start-up.
func ExampleNewRemote() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{Algorithm: "ES256"})
	defer issuer.Close()

	keys, err := jwks.NewRemote(jwks.RemoteConfig{Issuer: issuer.URL})
	if err != nil {
		panic(err)
	}
	defer keys.Close()
	if err := keys.Refresh(context.Background()); err != nil {
		panic(err)
	}

	found, err := keys.Keys(context.Background(), jwks.Query{KeyID: issuer.KeyID(), Algorithm: "ES256"})
	fmt.Println(len(found), found[0].Type(), found[0].Algorithms(), err)
	// Output: 1 EC [ES256] <nil>
}

// A static set from a JSON Web Key Set document, such as a file shipped
// with the service.
func ExampleNewStaticJWKS() {
	doc := []byte(`{"keys":[{
		"kty":"EC","crv":"P-256","kid":"k1","use":"sig","alg":"ES256",
		"x":"04N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7wY",
		"y":"UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgmw"}]}`)
	keys, err := jwks.NewStaticJWKS(doc)
	if err != nil {
		panic(err)
	}
	found, err := keys.Keys(context.Background(), jwks.Query{KeyID: "k1", Algorithm: "ES256"})
	fmt.Println(found[0], err)
	// Output: P-256 EC key "k1" [ES256] <nil>
}

// Keys that are unusable for verification are refused with the reason.
func ExampleParseJWK() {
	_, err := jwks.ParseJWK([]byte(`{"kty":"oct","kid":"short","k":"c2hvcnQ"}`))
	fmt.Println(err)
	_, err = jwks.ParseJWK([]byte(`{
		"kty":"EC","crv":"P-256","use":"enc",
		"x":"04N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7wY",
		"y":"UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgmw"}`))
	fmt.Println(err)
	// Output:
	// jwks: HMAC secret "short" is 5 bytes; HS256 needs at least 32
	// jwks: key "" is for "enc", not for signatures
}

// Per-client HMAC secrets for client-minted tokens whose "iss" is the
// client ID: each client's tokens verify only with that client's secret.
func ExampleSecretsByIssuer() {
	keys, err := jwks.SecretsByIssuer(map[string][]byte{
		"client-a": []byte("client A's secret, 32 bytes long!"),
		"client-b": []byte("client B's secret, 32 bytes long!"),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(keys.Issuers())

	_, err = keys.Keys(context.Background(), jwks.Query{Issuer: "client-c", Algorithm: "HS256"})
	fmt.Println(err)
	// Output:
	// [client-a client-b]
	// jwks: no matching key
}

// Readiness and metrics: Status for a readiness probe, Hooks for counters.
func ExampleRemote_Status() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()

	var fetches []jwks.FetchResult
	keys, err := jwks.NewRemote(jwks.RemoteConfig{
		URL:   issuer.JWKSURL(),
		Hooks: jwks.Hooks{OnFetch: func(e jwks.FetchEvent) { fetches = append(fetches, e.Result) }},
	})
	if err != nil {
		panic(err)
	}
	defer keys.Close()

	fmt.Println("ready before any fetch:", keys.Status().Ready)
	if err := keys.Refresh(context.Background()); err != nil {
		panic(err)
	}
	st := keys.Status()
	fmt.Println("ready:", st.Ready, "keys:", st.Keys, "failures:", st.Failures)
	fmt.Println("fetches:", fetches)
	// Output:
	// ready before any fetch: false
	// ready: true keys: 1 failures: 0
	// fetches: [updated]
}
