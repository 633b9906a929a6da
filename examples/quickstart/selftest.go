package main

import (
	"encoding/json/v2"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// check is one self-test request and the answer it must get.
type check struct {
	name      string
	req       func() (*http.Request, error)
	status    int
	challenge string                  // expected WWW-Authenticate, if not empty
	body      func(body []byte) error // more checks on the body, if not nil
}

// apiCheck is a check of an API route with the given Authorization header
// values.
func apiCheck(base, name, method, path string, auth func() []string, status int, challenge string) check {
	return check{name: name, status: status, challenge: challenge, req: func() (*http.Request, error) {
		req, err := http.NewRequest(method, base+path, strings.NewReader(""))
		if err != nil {
			return nil, err
		}
		if auth != nil {
			for _, v := range auth() {
				req.Header.Add("Authorization", v)
			}
		}
		return req, nil
	}}
}

// answering adds to c the check that the body contains text.
func answering(c check, text string) check {
	c.body = func(body []byte) error {
		if !strings.Contains(string(body), text) {
			return fmt.Errorf("the answer %.200q does not contain %q", body, text)
		}
		return nil
	}
	return c
}

// postForm returns a request posting form to target, with HTTP Basic
// credentials if user is not empty.
func postForm(target string, form url.Values, user, password string) func() (*http.Request, error) {
	return func() (*http.Request, error) {
		req, err := http.NewRequest("POST", target, strings.NewReader(form.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user != "" {
			req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(password))
		}
		return req, nil
	}
}

// tokenAnswer checks a token endpoint's JSON answer and keeps its token in
// *dst. want holds the members it must have besides the token.
func tokenAnswer(dst *string, member string, want map[string]any) func([]byte) error {
	return func(body []byte) error {
		var got map[string]any
		if err := json.Unmarshal(body, &got); err != nil {
			return fmt.Errorf("the answer is not JSON: %w", err)
		}
		for k, v := range want {
			if got[k] != v {
				return fmt.Errorf("%s is %v, want %v", k, got[k], v)
			}
		}
		token, _ := got[member].(string)
		if token == "" {
			return fmt.Errorf("the answer has no %s", member)
		}
		*dst = token
		return nil
	}
}

// errorAnswer checks that a JSON answer has the given "error" code.
func errorAnswer(code string) func([]byte) error {
	return func(body []byte) error {
		var got struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal(body, &got); err != nil || got.Error != code {
			return fmt.Errorf("the answer's error is %q, want %q", got.Error, code)
		}
		return nil
	}
}

func selfTest(base string, demo *verifiertest.Issuer, clients []verifiertest.Client, out io.Writer) error {
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
	bearer := func(tok *string) func() []string { return func() []string { return []string{"Bearer " + *tok} } }
	const realm = `Bearer realm="quickstart"`
	garbage := "not.a.jwt"
	checks := []check{
		apiCheck(base, "public route, no token", "GET", "/public", nil, 200, ""),
		apiCheck(base, "no token", "GET", "/items", nil, 401, realm),
		apiCheck(base, "scope read", "GET", "/items", bearer(&t.readOnly), 200, ""),
		apiCheck(base, "scope read on a read write route", "POST", "/items", bearer(&t.readOnly), 403, realm+`, error="insufficient_scope", scope="read write"`),
		apiCheck(base, "scopes read write", "POST", "/items", bearer(&t.readWrite), 201, ""),
		apiCheck(base, "expired token", "GET", "/items", bearer(&t.expired), 401, realm+`, error="invalid_token", error_description="token expired"`),
		apiCheck(base, "forged signature", "GET", "/items", bearer(&forged), 401, realm+`, error="invalid_token", error_description="invalid signature"`),
		apiCheck(base, "garbage token", "GET", "/items", bearer(&garbage), 401, realm+`, error="invalid_token", error_description="malformed token"`),
		apiCheck(base, "two Authorization headers", "GET", "/items", func() []string { return []string{"Bearer " + t.readOnly, "Bearer " + t.readOnly} }, 400, ""),
		apiCheck(base, "scheme word in lower case", "GET", "/items", func() []string { return []string{"bearer " + t.readOnly} }, 200, ""),
	}
	checks = append(checks, flowChecks(base, demo, clients)...)

	secrets := make([]string, len(clients))
	for n, c := range clients {
		secrets[n] = c.Secret
	}
	client := &http.Client{Timeout: 10 * time.Second}
	failed := 0
	for _, c := range checks {
		method, path, got, problem := perform(client, c, secrets)
		mark := "ok  "
		if problem != "" {
			mark = "FAIL"
			failed++
		}
		fmt.Fprintf(out, "%s %-6s %-16s %-48s -> %d (want %d)\n", mark, method, path, c.name, got, c.status)
		if problem != "" {
			fmt.Fprintf(out, "     %s\n", problem)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d self-test requests got an unexpected answer", failed, len(checks))
	}
	fmt.Fprintf(out, "all %d self-test requests answered as expected\n", len(checks))
	return nil
}

// flowChecks performs each issuer style's two steps, and the requests of
// those flows that must fail.
func flowChecks(base string, demo *verifiertest.Issuer, clients []verifiertest.Client) []check {
	drone, travel, camera, geo := clients[droneClient], clients[travelClient], clients[cameraClient], clients[geoClient]
	var droneToken, travelToken, djangoToken string
	bearer := func(tok *string) func() []string { return func() []string { return []string{"Bearer " + *tok} } }
	jwt := func(tok *string) func() []string { return func() []string { return []string{"JWT " + *tok} } }
	minted := func(c verifiertest.Client, audience string) func() []string {
		return func() []string {
			tok, err := verifiertest.MintClientToken(c, audience, 5*time.Minute)
			if err != nil {
				return nil // the check then fails with 401
			}
			return []string{"Bearer " + tok}
		}
	}
	cc := func(kv ...string) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}}
		for n := 0; n < len(kv); n += 2 {
			v.Set(kv[n], kv[n+1])
		}
		return v
	}
	impostor := geo
	impostor.Secret = drone.Secret
	const basic = `Basic realm="verifiertest", charset="UTF-8"`
	const realm = `Bearer realm="quickstart"`
	return []check{
		{name: "drone-mapping: token, secret in the form", status: 200,
			req:  postForm(demo.TokenURL(), cc("client_id", drone.ID, "client_secret", drone.Secret, "token_format", "jwt"), "", ""),
			body: tokenAnswer(&droneToken, "access_token", map[string]any{"token_type": "Bearer", "expires_in": 36000.0, "scope": "read write"})},
		answering(apiCheck(base, "drone-mapping token, scopes read write", "POST", "/items", bearer(&droneToken), 201, ""), "created by "+drone.ID),
		{name: "travel: token, secret in HTTP Basic", status: 200,
			req:  postForm(demo.TokenURL(), cc(), travel.ID, travel.Secret),
			body: tokenAnswer(&travelToken, "access_token", map[string]any{"token_type": "Bearer", "expires_in": 3600.0, "scope": "read"})},
		answering(apiCheck(base, "travel token, scope read", "GET", "/items", bearer(&travelToken), 200, ""), "items for "+travel.ID),
		apiCheck(base, "travel token on a read write route", "POST", "/items", bearer(&travelToken), 403, realm+`, error="insufficient_scope", scope="read write"`),
		{name: "camera-catalogue: Django-style token", status: 200,
			req:  postForm(demo.DjangoTokenURL(), url.Values{"username": {camera.ID}, "password": {camera.Secret}}, "", ""),
			body: tokenAnswer(&djangoToken, "token", nil)},
		answering(apiCheck(base, "Django token, scheme word JWT", "GET", "/cameras", jwt(&djangoToken), 200, ""), "cameras for "+camera.ID),
		answering(apiCheck(base, "geo-finance: client-minted token", "GET", "/ledger", minted(geo, ledgerAudience), 200, ""), "ledger of "+geo.ID),

		{name: "wrong secret in the form", status: 401, challenge: basic,
			req:  postForm(demo.TokenURL(), cc("client_id", drone.ID, "client_secret", travel.Secret), "", ""),
			body: errorAnswer("invalid_client")},
		{name: "wrong secret in HTTP Basic", status: 401, challenge: basic,
			req:  postForm(demo.TokenURL(), cc(), travel.ID, drone.Secret),
			body: errorAnswer("invalid_client")},
		{name: "unknown client", status: 401, challenge: basic,
			req:  postForm(demo.TokenURL(), cc(), "nobody", travel.Secret),
			body: errorAnswer("invalid_client")},
		{name: "scope beyond the client's", status: 400,
			req:  postForm(demo.TokenURL(), cc("scope", "read write admin", "client_id", drone.ID, "client_secret", drone.Secret), "", ""),
			body: errorAnswer("invalid_scope")},
		{name: "Django: wrong password", status: 400,
			req: postForm(demo.DjangoTokenURL(), url.Values{"username": {camera.ID}, "password": {travel.Secret}}, "", ""),
			body: func(b []byte) error {
				var got struct {
					NonFieldErrors []string `json:"non_field_errors"`
					Token          *string  `json:"token"`
				}
				if err := json.Unmarshal(b, &got); err != nil || len(got.NonFieldErrors) == 0 || got.Token != nil {
					return fmt.Errorf("the answer %.200s is not a non_field_errors list without a token", b)
				}
				return nil
			}},
		apiCheck(base, "Django token on the Bearer route", "GET", "/items", bearer(&djangoToken), 401, ""),
		apiCheck(base, "Bearer token on the JWT route", "GET", "/cameras", bearer(&droneToken), 401, `JWT realm="quickstart"`),
		apiCheck(base, "client-minted token, another client's secret", "GET", "/ledger", minted(impostor, ledgerAudience), 401,
			realm+`, error="invalid_token", error_description="invalid signature"`),
		apiCheck(base, "client-minted token, another audience", "GET", "/ledger", minted(geo, "https://other.example.test"), 401, ""),
		apiCheck(base, "drone-mapping token on the ledger route", "GET", "/ledger", bearer(&droneToken), 401, ""),
	}
}

// perform sends c's request and returns what is wrong with the answer, or
// "" if nothing is. No answer may contain a client secret.
func perform(client *http.Client, c check, secrets []string) (method, path string, status int, problem string) {
	req, err := c.req()
	if err != nil {
		return "", "", 0, err.Error()
	}
	method, path = req.Method, req.URL.Path
	resp, err := client.Do(req)
	if err != nil {
		return method, path, 0, err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return method, path, resp.StatusCode, err.Error()
	}
	challenge := resp.Header.Get("WWW-Authenticate")
	switch {
	case resp.StatusCode != c.status:
		problem = fmt.Sprintf("status %d, want %d; body %.200s", resp.StatusCode, c.status, body)
	case c.challenge != "" && challenge != c.challenge:
		problem = fmt.Sprintf("WWW-Authenticate: %q\n     want:             %q", challenge, c.challenge)
	case c.body != nil:
		if err := c.body(body); err != nil {
			problem = err.Error()
		}
	}
	for _, s := range secrets {
		if strings.Contains(string(body), s) || strings.Contains(challenge, s) {
			problem = "the answer contains a client secret"
		}
	}
	return method, path, resp.StatusCode, problem
}

// demoTokens are tokens minted directly by the demo issuer, for the checks
// of expired, under-scoped and forged tokens.
type demoTokens struct{ readWrite, readOnly, expired string }

func mintDemoTokens(demo *verifiertest.Issuer) (demoTokens, error) {
	var t demoTokens
	var err error
	mint := func(dst *string, tok verifiertest.Token) {
		if err == nil {
			*dst, err = demo.Mint(tok)
		}
	}
	mint(&t.readWrite, verifiertest.Token{Subject: "drone-fleet", Scope: "read write"})
	mint(&t.readOnly, verifiertest.Token{Subject: "dashboard", Scope: "read"})
	mint(&t.expired, verifiertest.Token{Subject: "old-client", Scope: "read write", ExpiresIn: -time.Hour})
	return t, err
}
