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
	iss := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
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
		code := selfTest(base, iss, stdout)
		if shutdown(s) != 0 {
			code = 1
		}
		return code
	}
	if err := printDemo(base, s.AdminAddr(), iss, stdout); err != nil {
		fmt.Fprintln(stderr, err)
	}
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

// printDemo prints tokens and curl commands to try the demo.
func printDemo(base, admin string, iss *verifiertest.Issuer, out io.Writer) error {
	read, err := iss.Mint(verifiertest.Token{Subject: "dashboard", Scope: "read"})
	if err != nil {
		return err
	}
	write, err := iss.Mint(verifiertest.Token{Subject: "drone-fleet", Scope: "read write"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "jwtgate demo: gateway on %s, demo issuer %s\n", base, iss.URL)
	fmt.Fprintln(out, "Policy: GET /public/ is public; GET /items/ needs read or admin; POST /items/ and DELETE /items/{id} need write; all else is denied.")
	fmt.Fprintln(out, "The upstream echoes the request it gets, claim headers included.")
	fmt.Fprintf(out, "\nREAD=%s\nWRITE=%s\n\n", read, write)
	fmt.Fprintf(out, "# public route, no token (200)\ncurl -i %s/public/hello\n\n", base)
	fmt.Fprintf(out, "# no token (401)\ncurl -i %s/items/\n\n", base)
	fmt.Fprintf(out, "# scope read (200, with X-Auth-Subject: dashboard upstream)\ncurl -i %s/items/ -H \"Authorization: Bearer $READ\"\n\n", base)
	fmt.Fprintf(out, "# a forged claim header is replaced (200, subject dashboard)\ncurl -i %s/items/ -H \"Authorization: Bearer $READ\" -H 'X-Auth-Subject: admin'\n\n", base)
	fmt.Fprintf(out, "# scope read on a write route (403)\ncurl -i -X POST %s/items/ -H \"Authorization: Bearer $READ\"\n\n", base)
	fmt.Fprintf(out, "# scopes read write (200)\ncurl -i -X POST %s/items/ -H \"Authorization: Bearer $WRITE\"\n\n", base)
	if admin != "" {
		fmt.Fprintf(out, "# health, readiness, metrics\ncurl -i http://%s/readyz\ncurl -s http://%s/metrics | grep jwtgate_\n\n", admin, admin)
	}
	fmt.Fprintln(out, "Press Ctrl-C to stop.")
	return nil
}

// selfCase is one request of the self-test.
type selfCase struct {
	name        string
	method      string
	path        string
	tok         *verifiertest.Token
	header      map[string]string
	wantStatus  int
	wantSubject string // the X-Auth-Subject the upstream must get, when 200
}

// selfTest sends the demo its requests and reports each answer.
func selfTest(base string, iss *verifiertest.Issuer, out io.Writer) int {
	read := &verifiertest.Token{Subject: "dashboard", Scope: "read"}
	cases := []selfCase{
		{name: "public route, no token", method: "GET", path: "/public/hello", wantStatus: 200},
		{name: "no token", method: "GET", path: "/items/", wantStatus: 401},
		{name: "scope read", method: "GET", path: "/items/", tok: read, wantStatus: 200, wantSubject: "dashboard"},
		{name: "forged claim headers replaced", method: "GET", path: "/items/", tok: read,
			header: map[string]string{"X-Auth-Subject": "admin", "X_Auth_Subject": "admin"}, wantStatus: 200, wantSubject: "dashboard"},
		{name: "scope read on a write route", method: "POST", path: "/items/", tok: read, wantStatus: 403},
		{name: "scopes read write", method: "POST", path: "/items/",
			tok: &verifiertest.Token{Subject: "drone-fleet", Scope: "read write"}, wantStatus: 200, wantSubject: "drone-fleet"},
		{name: "expired token", method: "GET", path: "/items/",
			tok: &verifiertest.Token{Scope: "read", ExpiresIn: -time.Hour}, wantStatus: 401},
		{name: "encoded dot segment", method: "GET", path: "/public/%2e%2e/items/", wantStatus: 400},
		{name: "route the policy denies", method: "GET", path: "/admin", tok: read, wantStatus: 403},
	}
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
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
	if c.tok != nil {
		tok, err := iss.Mint(*c.tok)
		if err != nil {
			return 0, "", err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
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
