package verifiertest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// A fake issuer for handler tests: it serves discovery and JWKS on loopback
// and mints tokens with chosen claims.
func ExampleIssuer() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{Algorithm: "ES256"})
	defer issuer.Close()

	v, err := verifier.New(issuer.VerifierConfig())
	if err != nil {
		panic(err)
	}
	good, _ := issuer.Mint(verifiertest.Token{Subject: "robot", Scope: "read write"})
	expired, _ := issuer.Mint(verifiertest.Token{ExpiresIn: -time.Hour})
	noExp, _ := issuer.Mint(verifiertest.Token{Claims: map[string]any{"exp": nil}})

	claims, err := v.Verify(context.Background(), good)
	fmt.Println(claims.Subject(), claims.Scopes(), err)
	_, err = v.Verify(context.Background(), expired)
	fmt.Println(errors.Is(err, verifier.ErrExpired))
	_, err = v.Verify(context.Background(), noExp)
	fmt.Println(errors.Is(err, verifier.ErrMissingClaim))
	// Output:
	// robot read write <nil>
	// true
	// true
}

// Key rotation: the verifier picks up the new key with one refetch.
func ExampleIssuer_Rotate() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, _ := verifier.New(issuer.VerifierConfig())

	first, _ := issuer.Mint(verifiertest.Token{})
	_, err := v.Verify(context.Background(), first)
	fmt.Println(err, issuer.JWKSRequests())

	issuer.Rotate()
	second, _ := issuer.Mint(verifiertest.Token{})
	_, err = v.Verify(context.Background(), second)
	fmt.Println(err, issuer.JWKSRequests())
	// Output:
	// <nil> 1
	// <nil> 2
}
