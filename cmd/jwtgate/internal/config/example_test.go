package config_test

import (
	"fmt"

	"github.com/jwtgate/jwtgate/cmd/jwtgate/internal/config"
)

// Parse reports every problem of a file at once, each at its line.
func ExampleParse() {
	_, err := config.Parse("jwtgate.yaml", []byte(`mode: proxy
listen: 127.0.0.1:8080
upstream:
  url: http://127.0.0.1:9000
  timeout: 5s
issuers:
  - issuer: https://issuer.example.com/
audiences: [https://api.example.com]
policy:
  rules:
    - pattern: /healthz
      allow: everyone
`), config.Options{})
	fmt.Println(err)
	// Output:
	// jwtgate.yaml:5: unknown key "timeout"
	// jwtgate.yaml:7: issuer "https://issuer.example.com/": give exactly one of discovery: true, jwks_url, secret_file, secret_env
	// jwtgate.yaml:12: allow must be public, authenticated or deny, not "everyone"
}
