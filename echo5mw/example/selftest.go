package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// demoRequest is a request that the curl commands show and the self-test
// sends, with the answer it must get.
type demoRequest struct {
	about        string
	method, path string
	headers      []string // "Name: value"
	status       int
	challenge    string // the WWW-Authenticate header, exactly ("" for none)
	body         string // the answer contains it
}

// demoRequests mints the demo tokens and lists the requests that show off
// every route.
func demoRequests(demo *verifiertest.Issuer) []demoRequest {
	bearer := func(tok verifiertest.Token) []string {
		return []string{"Authorization: " + demo.AuthorizationHeader(tok)}
	}
	fleet := bearer(verifiertest.Token{Subject: "drone-fleet", Scope: "read write"})
	dashboard := bearer(verifiertest.Token{Subject: "dashboard", Scope: "read"})
	expired := bearer(verifiertest.Token{Subject: "old-client", Scope: "read write", ExpiresIn: -time.Hour})
	otherIssuer := []string{"Authorization: Bearer " + foreignToken()}
	preflight := []string{"Origin: https://map.example", "Access-Control-Request-Method: POST"}
	const expiredChallenge = `Bearer realm="drones", error="invalid_token", error_description="token expired"`
	return []demoRequest{
		{"health check, skipped even with a broken token", "GET", "/healthz", []string{"Authorization: Bearer not.a.jwt"}, 200, "", "ok"},
		{"no token needed", "GET", "/public", nil, 200, "", "public"},
		{"optional token, none sent", "GET", "/hello", nil, 200, "", "hello, stranger"},
		{"optional token, valid", "GET", "/hello", dashboard, 200, "", "hello, dashboard"},
		{"optional token, expired", "GET", "/hello", expired, 401, expiredChallenge, `{"error":"invalid_token","error_description":"token expired"}`},
		{"CORS preflight, skipped", "OPTIONS", "/flights", preflight, 204, "", ""},
		{"no token", "GET", "/flights", nil, 401, `Bearer realm="drones"`, "{}"},
		{"Basic credentials", "GET", "/flights", []string{"Authorization: Basic ZHJvbmU6c2VjcmV0"}, 401, `Bearer realm="drones"`, "{}"},
		{"scope read", "GET", "/flights", dashboard, 200, "", "visible to dashboard"},
		{"scope read, route needs read write", "POST", "/flights", dashboard, 403,
			`Bearer realm="drones", error="insufficient_scope", scope="read write"`, `{"error":"insufficient_scope","scope":"read write"}`},
		{"scopes read write", "POST", "/flights", fleet, 201, "", "planned by drone-fleet"},
		{"expired token", "GET", "/flights", expired, 401, expiredChallenge, "token expired"},
		{"token of another issuer", "GET", "/flights", otherIssuer, 401,
			`Bearer realm="drones", error="invalid_token", error_description="issuer not accepted"`, "issuer not accepted"},
	}
}

// foreignToken mints a token with an issuer the API does not trust.
func foreignToken() string {
	other := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer other.Close()
	tok, err := other.Mint(verifiertest.Token{Subject: "intruder", Scope: "read write"})
	if err != nil {
		return "minting-failed"
	}
	return tok
}

func printCurls(base string, reqs []demoRequest, out io.Writer) {
	for _, r := range reqs {
		fmt.Fprintf(out, "# %s (%d)\ncurl -i -X %s %s%s", r.about, r.status, r.method, base, r.path)
		for _, h := range r.headers {
			fmt.Fprintf(out, " -H '%s'", h)
		}
		fmt.Fprint(out, "\n\n")
	}
}

// selfTest sends reqs to the API at base and reports every surprise.
func selfTest(base string, reqs []demoRequest, out io.Writer) error {
	failed := 0
	for _, r := range reqs {
		if problem := check(base, r); problem != "" {
			failed++
			fmt.Fprintf(out, "FAIL %-7s %-8s %s: %s\n", r.method, r.path, r.about, problem)
			continue
		}
		fmt.Fprintf(out, "ok   %-7s %-8s %s -> %d\n", r.method, r.path, r.about, r.status)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d self-test requests got an unexpected answer", failed, len(reqs))
	}
	fmt.Fprintf(out, "all %d self-test requests answered as expected\n", len(reqs))
	return nil
}

// check sends r and describes how the answer differs from the expected
// one, or returns "".
func check(base string, r demoRequest) string {
	resp, body, err := send(base, r)
	if err != nil {
		return fmt.Sprintf("request failed: %v", err)
	}
	var problems []string
	if resp.StatusCode != r.status {
		problems = append(problems, fmt.Sprintf("status %d, want %d", resp.StatusCode, r.status))
	}
	if got := resp.Header.Get("WWW-Authenticate"); got != r.challenge {
		problems = append(problems, fmt.Sprintf("WWW-Authenticate %q, want %q", got, r.challenge))
	}
	if r.status >= 400 {
		if got := resp.Header.Get("Content-Type"); got != "application/json" {
			problems = append(problems, fmt.Sprintf("Content-Type %q, want \"application/json\"", got))
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			problems = append(problems, fmt.Sprintf("Cache-Control %q, want \"no-store\"", got))
		}
	}
	if !strings.Contains(body, r.body) {
		problems = append(problems, fmt.Sprintf("body %q, want it to contain %q", body, r.body))
	}
	return strings.Join(problems, "; ")
}

func send(base string, r demoRequest) (*http.Response, string, error) {
	req, err := http.NewRequest(r.method, base+r.path, nil)
	if err != nil {
		return nil, "", err
	}
	for _, h := range r.headers {
		name, value, _ := strings.Cut(h, ": ")
		req.Header.Add(name, value)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp, string(b), err
}
