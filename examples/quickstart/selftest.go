package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// check is one self-test request and the answer it must get.
type check struct {
	name, method, path string
	auth               []string // Authorization header values
	status             int
	challenge          string // expected WWW-Authenticate, if not empty
}

func selfTest(base string, demo *verifiertest.Issuer, out io.Writer) error {
	t, err := mintDemoTokens(demo)
	if err != nil {
		return err
	}
	// A token signed by a different issuer's key but claiming this issuer.
	other := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer other.Close()
	forged, err := other.Mint(verifiertest.Token{Scope: "read write", Claims: map[string]any{"iss": demo.URL}, Header: map[string]any{"kid": demo.KeyID()}})
	if err != nil {
		return err
	}
	bearer := func(tok string) []string { return []string{"Bearer " + tok} }
	const realm = `Bearer realm="quickstart"`
	checks := []check{
		{"public route, no token", "GET", "/public", nil, 200, ""},
		{"no token", "GET", "/items", nil, 401, realm},
		{"scope read", "GET", "/items", bearer(t.readOnly), 200, ""},
		{"scope read on a read write route", "POST", "/items", bearer(t.readOnly), 403, realm + `, error="insufficient_scope", scope="read write"`},
		{"scopes read write", "POST", "/items", bearer(t.readWrite), 201, ""},
		{"expired token", "GET", "/items", bearer(t.expired), 401, realm + `, error="invalid_token", error_description="token expired"`},
		{"forged signature", "GET", "/items", bearer(forged), 401, realm + `, error="invalid_token", error_description="invalid signature"`},
		{"garbage token", "GET", "/items", bearer("not.a.jwt"), 401, realm + `, error="invalid_token", error_description="malformed token"`},
		{"two Authorization headers", "GET", "/items", []string{"Bearer " + t.readOnly, "Bearer " + t.readOnly}, 400, ""},
		{"scheme word in lower case", "GET", "/items", []string{"bearer " + t.readOnly}, 200, ""},
	}
	failed := 0
	for _, c := range checks {
		got, challenge, err := send(base, c)
		ok := err == nil && got == c.status && (c.challenge == "" || challenge == c.challenge)
		mark := "ok  "
		if !ok {
			mark = "FAIL"
			failed++
		}
		fmt.Fprintf(out, "%s %-6s %-8s %-36s -> %d (want %d)\n", mark, c.method, c.path, c.name, got, c.status)
		if !ok && err != nil {
			fmt.Fprintf(out, "     error: %v\n", err)
		}
		if !ok && c.challenge != "" && challenge != c.challenge {
			fmt.Fprintf(out, "     WWW-Authenticate: %q\n     want:             %q\n", challenge, c.challenge)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d self-test requests got an unexpected answer", failed, len(checks))
	}
	fmt.Fprintf(out, "all %d self-test requests answered as expected\n", len(checks))
	return nil
}

func send(base string, c check) (status int, challenge string, err error) {
	req, err := http.NewRequest(c.method, base+c.path, strings.NewReader(""))
	if err != nil {
		return 0, "", err
	}
	for _, v := range c.auth {
		req.Header.Add("Authorization", v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), nil
}
