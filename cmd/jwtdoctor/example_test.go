package main

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// The doctor explains why the middleware would refuse a token, here an
// expired HS256 token checked against a secret from the environment.
func Example() {
	secret := "the example's shared secret, 32+ bytes"
	token, _ := verifiertest.Sign("HS256", []byte(secret), nil, map[string]any{
		"iss": "https://auth.example.com",
		"aud": "https://api.example.com",
		"exp": time.Date(2026, 1, 1, 11, 0, 0, 0, time.UTC).Unix(),
	})
	env := func(name string) string {
		if name == "API_SECRET" {
			return secret
		}
		return ""
	}

	var out bytes.Buffer
	code := run([]string{
		"-issuer", "https://auth.example.com",
		"-audience", "https://api.example.com",
		"-hmac-secret-env", "API_SECRET",
		"-now", "2026-01-01T12:00:00Z",
		token,
	}, nil, &out, env)

	// Print the verdict; the full report also shows the decoded token and
	// every check.
	report := out.String()
	fmt.Print(report[strings.Index(report, "Result"):])
	fmt.Println("exit status", code)
	fmt.Println("secret printed:", strings.Contains(report, secret))
	// Output:
	// Result
	//   401 Unauthorized: refused at check "exp"
	//   WWW-Authenticate: Bearer error="invalid_token", error_description="token expired"
	//   Body: {"error":"invalid_token","error_description":"token expired"}
	// exit status 1
	// secret printed: false
}
