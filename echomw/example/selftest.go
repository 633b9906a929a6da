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
	preflight := []string{"Origin: https://map.example", "Access-Control-Request-Method: POST"}
	return []demoRequest{
		{"health check, skipped even with a broken token", "GET", "/healthz", []string{"Authorization: Bearer not.a.jwt"}, 200, "ok"},
		{"no token needed", "GET", "/public", nil, 200, "public"},
		{"optional token, none sent", "GET", "/hello", nil, 200, "hello, stranger"},
		{"optional token, valid", "GET", "/hello", dashboard, 200, "hello, dashboard"},
		{"optional token, expired", "GET", "/hello", expired, 401, "token expired"},
		{"CORS preflight, skipped", "OPTIONS", "/flights", preflight, 204, ""},
		{"no token", "GET", "/flights", nil, 401, ""},
		{"scope read", "GET", "/flights", dashboard, 200, "visible to dashboard"},
		{"scope read, route needs read write", "POST", "/flights", dashboard, 403, `"scope":"read write"`},
		{"scopes read write", "POST", "/flights", fleet, 201, "planned by drone-fleet"},
		{"expired token", "GET", "/flights", expired, 401, "token expired"},
	}
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
		status, body, err := send(base, r)
		if err != nil || status != r.status || !strings.Contains(body, r.body) {
			failed++
			fmt.Fprintf(out, "FAIL %-7s %-8s %s: got %d %q (error %v), want %d with %q\n", r.method, r.path, r.about, status, body, err, r.status, r.body)
			continue
		}
		fmt.Fprintf(out, "ok   %-7s %-8s %s -> %d\n", r.method, r.path, r.about, status)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d self-test requests got an unexpected answer", failed, len(reqs))
	}
	fmt.Fprintf(out, "all %d self-test requests answered as expected\n", len(reqs))
	return nil
}

func send(base string, r demoRequest) (status int, body string, err error) {
	req, err := http.NewRequest(r.method, base+r.path, nil)
	if err != nil {
		return 0, "", err
	}
	for _, h := range r.headers {
		name, value, _ := strings.Cut(h, ": ")
		req.Header.Add(name, value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(b), err
}
