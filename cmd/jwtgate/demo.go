package main

import (
	"context"
	"encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/jwtgate/jwtgate/cmd/jwtgate/internal/metrics"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// demoOptions are the flags of -demo.
type demoOptions struct {
	addr, admin string
	selftest    bool
}

// demoConfig is the demo's configuration: the gateway in proxy mode in
// front of the echoing upstream, trusting the demo issuer.
const demoConfig = `mode: proxy
listen: %[1]q
admin_listen: %[2]q
shutdown_timeout: 5s
upstream:
  url: %[3]q
issuers:
  - issuer: %[4]q
    discovery: true
audiences: [%[5]q]
realm: demo
headers:
  subject: X-Auth-Subject
  client_id: X-Auth-Client-Id
  scopes: X-Auth-Scopes
  issuer: X-Auth-Issuer
policy:
  default: deny
  rules:
    - pattern: GET /public/
      allow: public
    - pattern: GET /items/
      any_scopes: [read, admin]
    - pattern: ["POST /items/", "DELETE /items/{id}"]
      scopes: [write]
`

// runDemo starts a demo issuer, an upstream that echoes the requests it
// gets, and the gateway in front of it; then it prints tokens and curl
// commands and serves until ctx ends, or, with selftest, sends the
// requests itself.
func runDemo(ctx context.Context, o demoOptions, stdout, stderr io.Writer) int {
	clients := verifiertest.DemoClients()
	iss := verifiertest.NewIssuer(verifiertest.IssuerConfig{Clients: clients})
	defer iss.Close()
	upLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(stderr, "jwtgate: demo upstream:", err)
		return 1
	}
	up := &http.Server{Handler: http.HandlerFunc(echo), ReadHeaderTimeout: 10 * time.Second}
	upDone := make(chan struct{})
	go func() { defer close(upDone); _ = up.Serve(upLn) }()
	defer func() { _ = up.Close(); <-upDone }()

	logs := stderr
	if o.selftest {
		o.addr, o.admin = "127.0.0.1:0", "127.0.0.1:0"
		logs = io.Discard
	}
	data := fmt.Sprintf(demoConfig, o.addr, o.admin, "http://"+upLn.Addr().String(), iss.URL, iss.Audience())
	s, err := newServer(serverOptions{Data: []byte(data), Name: "demo.yaml", Logs: logs})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := s.Start(); err != nil {
		fmt.Fprintln(stderr, err)
		_ = s.Shutdown(context.Background())
		return 1
	}
	base := "http://" + s.Addr()
	if o.selftest {
		code := selfTest(base, iss, clients, stdout)
		if shutdown(s) != 0 {
			code = 1
		}
		return code
	}
	printDemo(base, s.AdminAddr(), iss, clients, stdout)
	<-ctx.Done()
	return shutdown(s)
}

// echoed is what the demo upstream answers: the request it got.
type echoed struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Headers map[string][]string `json:"headers"`
}

// echo answers with the method, path and headers of the request.
func echo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.MarshalWrite(w, echoed{Method: r.Method, Path: r.URL.Path, Headers: r.Header}, json.Deterministic(true))
	_, _ = io.WriteString(w, "\n")
}

// printDemo prints the commands to try the demo: tokens from the issuer's
// token endpoint, as clients get them, then requests through the gateway.
func printDemo(base, admin string, iss *verifiertest.Issuer, clients []verifiertest.Client, out io.Writer) {
	drone, travel := demoClient(clients, verifiertest.DemoDroneMappingClient), demoClient(clients, verifiertest.DemoTravelClient)
	const token = `sed -E 's/.*"access_token":"([^"]+)".*/\1/'`
	fmt.Fprintf(out, "jwtgate demo: gateway on %s, demo issuer %s\n", base, iss.URL)
	fmt.Fprintln(out, "Policy: GET /public/ is public; GET /items/ needs read or admin; POST /items/ and DELETE /items/{id} need write; all else is denied.")
	fmt.Fprintln(out, "The upstream echoes the request it gets, claim headers included.")
	fmt.Fprintf(out, "\n# tokens from the issuer's token endpoint: scope read (client secret in HTTP Basic), scopes read write (in the form)\n")
	fmt.Fprintf(out, "READ=$(curl -s -u %s:%s %s -d grant_type=client_credentials | %s)\n", travel.ID, travel.Secret, iss.TokenURL(), token)
	fmt.Fprintf(out, "WRITE=$(curl -s %s -d grant_type=client_credentials -d client_id=%s -d client_secret=%s -d token_format=jwt | %s)\n\n",
		iss.TokenURL(), drone.ID, drone.Secret, token)
	fmt.Fprintf(out, "# public route, no token (200)\ncurl -i %s/public/hello\n\n", base)
	fmt.Fprintf(out, "# no token (401)\ncurl -i %s/items/\n\n", base)
	fmt.Fprintf(out, "# scope read (200, with X-Auth-Subject: %s upstream)\ncurl -i %s/items/ -H \"Authorization: Bearer $READ\"\n\n", travel.ID, base)
	fmt.Fprintf(out, "# a forged claim header is replaced (200, subject %s)\ncurl -i %s/items/ -H \"Authorization: Bearer $READ\" -H 'X-Auth-Subject: admin'\n\n", travel.ID, base)
	fmt.Fprintf(out, "# scope read on a write route (403)\ncurl -i -X POST %s/items/ -H \"Authorization: Bearer $READ\"\n\n", base)
	fmt.Fprintf(out, "# scopes read write (200)\ncurl -i -X POST %s/items/ -H \"Authorization: Bearer $WRITE\"\n\n", base)
	if admin != "" {
		fmt.Fprintf(out, "# health, readiness, metrics\ncurl -i http://%s/readyz\ncurl -s http://%s/metrics | grep jwtgate_\n\n", admin, admin)
	}
	fmt.Fprintln(out, "Press Ctrl-C to stop.")
}

// demoClient returns the demo client with the given ID.
func demoClient(clients []verifiertest.Client, id string) verifiertest.Client {
	for _, c := range clients {
		if c.ID == id {
			return c
		}
	}
	panic("jwtgate: no demo client " + id) // unreachable: DemoClients has them all
}

// selfCase is one request of the self-test.
type selfCase struct {
	name        string
	method      string
	path        string
	tok         *verifiertest.Token
	bearer      *string // a token from the token endpoint, when tok is nil
	header      map[string]string
	wantStatus  int
	wantSubject string // the X-Auth-Subject the upstream must get, when 200
}

// selfTest sends the demo its requests and reports each answer.
func selfTest(base string, iss *verifiertest.Issuer, clients []verifiertest.Client, out io.Writer) int {
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	// Tokens as clients get them, from the token endpoint: the travel
	// client (scope read) with HTTP Basic, the drone-mapping client
	// (scopes read write) in the form.
	travel, drone := demoClient(clients, verifiertest.DemoTravelClient), demoClient(clients, verifiertest.DemoDroneMappingClient)
	ctx := context.Background()
	readTok, err := travel.RequestToken(ctx, client, iss.TokenURL(), verifiertest.ClientSecretBasic)
	if err != nil {
		fmt.Fprintln(out, "FAIL", err)
		return 1
	}
	writeTok, err := drone.RequestToken(ctx, client, iss.TokenURL(), verifiertest.ClientSecretPost)
	if err != nil {
		fmt.Fprintln(out, "FAIL", err)
		return 1
	}
	fmt.Fprintf(out, "ok   POST %s: tokens for %s (HTTP Basic) and %s (form)\n", iss.TokenURL(), travel.ID, drone.ID)

	read := &verifiertest.Token{Subject: "dashboard", Scope: "read"}
	cases := []selfCase{
		{name: "public route, no token", method: "GET", path: "/public/hello", wantStatus: 200},
		{name: "no token", method: "GET", path: "/items/", wantStatus: 401},
		{name: "scope read", method: "GET", path: "/items/", bearer: &readTok, wantStatus: 200, wantSubject: travel.ID},
		{name: "forged claim headers replaced", method: "GET", path: "/items/", bearer: &readTok,
			header: map[string]string{"X-Auth-Subject": "admin", "X_Auth_Subject": "admin"}, wantStatus: 200, wantSubject: travel.ID},
		{name: "scope read on a write route", method: "POST", path: "/items/", bearer: &readTok, wantStatus: 403},
		{name: "scopes read write", method: "POST", path: "/items/", bearer: &writeTok, wantStatus: 200, wantSubject: drone.ID},
		{name: "minted token, scope read", method: "GET", path: "/items/", tok: read, wantStatus: 200, wantSubject: "dashboard"},
		{name: "expired token", method: "GET", path: "/items/",
			tok: &verifiertest.Token{Scope: "read", ExpiresIn: -time.Hour}, wantStatus: 401},
		{name: "encoded dot segment", method: "GET", path: "/public/%2e%2e/items/", wantStatus: 400},
		{name: "route the policy denies", method: "GET", path: "/admin", tok: read, wantStatus: 403},
	}
	failed := 0
	for _, c := range cases {
		got, subject, err := c.do(client, base, iss)
		verdict := "ok  "
		if err != nil || got != c.wantStatus || (c.wantSubject != "" && subject != c.wantSubject) {
			verdict = "FAIL"
			failed++
		}
		line := fmt.Sprintf("%s %-6s %-22s %-32s -> %d (want %d)", verdict, c.method, c.path, c.name, got, c.wantStatus)
		if c.wantSubject != "" {
			line += fmt.Sprintf(", upstream subject %q (want %q)", subject, c.wantSubject)
		}
		if err != nil {
			line += ": " + err.Error()
		}
		fmt.Fprintln(out, line)
	}
	if failed > 0 {
		fmt.Fprintf(out, "%d of %d self-test requests FAILED\n", failed, len(cases))
		return 1
	}
	fmt.Fprintf(out, "all %d self-test requests answered as expected\n", len(cases))
	return 0
}

// do sends the case's request and returns the status and, for a 200 from
// the upstream, the X-Auth-Subject it got.
func (c selfCase) do(client *http.Client, base string, iss *verifiertest.Issuer) (int, string, error) {
	req, err := http.NewRequest(c.method, base+c.path, nil)
	if err != nil {
		return 0, "", err
	}
	switch {
	case c.tok != nil:
		tok, err := iss.Mint(*c.tok)
		if err != nil {
			return 0, "", err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	case c.bearer != nil:
		req.Header.Set("Authorization", "Bearer "+*c.bearer)
	}
	for k, v := range c.header {
		req.Header[k] = []string{v}
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK || c.wantSubject == "" {
		return resp.StatusCode, "", err
	}
	var e echoed
	if err := json.Unmarshal(body, &e); err != nil {
		return resp.StatusCode, "", fmt.Errorf("upstream answer: %w", err)
	}
	subjects := e.Headers["X-Auth-Subject"]
	if len(subjects) != 1 {
		return resp.StatusCode, strings.Join(subjects, ","), errors.New("upstream did not get exactly one X-Auth-Subject")
	}
	if _, leaked := e.Headers["Authorization"]; leaked {
		return resp.StatusCode, subjects[0], errors.New("upstream got the Authorization header")
	}
	return resp.StatusCode, subjects[0], nil
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func newCheckMetrics() *metrics.Metrics { return metrics.New() }
