package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

func TestProxyMode(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := echoUpstream(t)
	g := startGateway(t, configText(settings{issuer: iss, upstream: up.URL}))
	client := &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(client.CloseIdleConnections)

	read := iss.MustMint(t, verifiertest.Token{Subject: "dashboard", Scope: "read", Claims: map[string]any{"client_id": "dash-client"}})
	write := iss.MustMint(t, verifiertest.Token{Subject: "fleet", Scope: "read write"})
	expired := iss.MustMint(t, verifiertest.Token{Scope: "read", ExpiresIn: -time.Hour})
	tests := []struct {
		name        string
		method      string
		path        string
		token       string
		header      map[string]string
		wantStatus  int
		wantUp      map[string][]string // headers the upstream must get
		wantUpNone  []string            // headers the upstream must not get
		wantOutcome string
	}{
		{name: "public route, no token", method: "GET", path: "/public/x", wantStatus: 200,
			wantUpNone: []string{"X-Auth-Subject"}, wantOutcome: "public"},
		{name: "public route, forged claim header stripped", method: "GET", path: "/public/x",
			header: map[string]string{"X-Auth-Subject": "admin", "x_auth_subject": "admin"}, wantStatus: 200,
			wantUpNone: []string{"X-Auth-Subject", "X_auth_subject"}, wantOutcome: "public"},
		{name: "no token", method: "GET", path: "/items/", wantStatus: 401, wantOutcome: "no_credentials"},
		{name: "scope read", method: "GET", path: "/items/1?x=/public/", token: read, wantStatus: 200,
			wantUp:     map[string][]string{"X-Auth-Subject": {"dashboard"}, "X-Auth-Client-Id": {"dash-client"}, "X-Auth-Scopes": {"read"}},
			wantUpNone: []string{"Authorization"}, wantOutcome: "allowed"},
		{name: "forged claim headers replaced", method: "GET", path: "/items/", token: read,
			header:     map[string]string{"X-Auth-Subject": "admin", "X_Auth_Scopes": "admin", "x-auth-client-id": "evil"},
			wantStatus: 200,
			wantUp:     map[string][]string{"X-Auth-Subject": {"dashboard"}, "X-Auth-Scopes": {"read"}, "X-Auth-Client-Id": {"dash-client"}},
			wantUpNone: []string{"X_auth_scopes"}, wantOutcome: "allowed"},
		{name: "read on a write route", method: "POST", path: "/items/", token: read, wantStatus: 403, wantOutcome: "insufficient_scope"},
		{name: "write", method: "POST", path: "/items/", token: write, wantStatus: 200,
			wantUp: map[string][]string{"X-Auth-Subject": {"fleet"}, "X-Auth-Scopes": {"read write"}}, wantOutcome: "allowed"},
		{name: "expired", method: "GET", path: "/items/", token: expired, wantStatus: 401, wantOutcome: "expired"},
		{name: "garbage token", method: "GET", path: "/items/", token: "not.a.token", wantStatus: 401, wantOutcome: "malformed"},
		{name: "denied by default", method: "GET", path: "/admin", token: write, wantStatus: 403, wantOutcome: "denied"},
		{name: "encoded slash", method: "GET", path: "/public%2F..%2Fitems/", wantStatus: 400, wantOutcome: "ambiguous_path"},
		{name: "dot segment", method: "GET", path: "/public/%2e%2e/items/", wantStatus: 400, wantOutcome: "ambiguous_path"},
		{name: "forwarding headers from a client dropped", method: "GET", path: "/items/", token: read,
			header: map[string]string{"X-Forwarded-For": "10.9.9.9", "X-Forwarded-Host": "evil.example"}, wantStatus: 200,
			wantUp: map[string][]string{"X-Forwarded-For": {"127.0.0.1"}}, wantOutcome: "allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, client, tt.method, g.url(tt.path), tt.token, tt.header)
			require.Equal(t, tt.wantStatus, a.status, "%s %s: status", tt.method, tt.path)
			assert.NotEmpty(t, a.header.Get("X-Request-Id"), "the answer carries a request id")
			if tt.wantStatus == 401 {
				assert.Contains(t, a.header.Get("WWW-Authenticate"), `Bearer realm="test"`, "401 challenge")
			}
			if tt.wantStatus == 200 {
				require.Equal(t, strings.SplitN(tt.path, "?", 2)[0], a.echo.Path, "the upstream got the request")
				for k, v := range tt.wantUp {
					assert.Equal(t, v, a.echo.Headers[k], "upstream header %s", k)
				}
				for _, k := range tt.wantUpNone {
					assert.NotContains(t, a.echo.Headers, k, "upstream header %s must be absent", k)
				}
				assert.Equal(t, a.header.Get("X-Request-Id"), first(a.echo.Headers["X-Request-Id"]), "the upstream got the request id the client got")
			}
			last := g.logs.accessLine(t, a.header.Get("X-Request-Id"))
			assert.Equal(t, tt.wantOutcome, last["outcome"], "outcome in the access log line %v", last)
			assert.Equal(t, float64(tt.wantStatus), last["status"], "status in the access log line %v", last)
		})
	}
	for _, tok := range []string{read, write, expired} {
		assert.NotContains(t, g.logs.String(), tok, "a token appears in the logs")
	}
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func TestForwardAuthMode(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	g := startGateway(t, configText(settings{mode: "forward_auth", issuer: iss}))
	client := &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(client.CloseIdleConnections)
	read := iss.MustMint(t, verifiertest.Token{Subject: "dashboard", Scope: "read"})

	tests := []struct {
		name        string
		token       string
		header      map[string]string
		wantStatus  int
		wantSubject string
	}{
		{"caddy style, public", "", map[string]string{"X-Forwarded-Method": "GET", "X-Forwarded-Uri": "/public/a"}, 200, ""},
		{"caddy style, no token", "", map[string]string{"X-Forwarded-Method": "GET", "X-Forwarded-Uri": "/items/"}, 401, ""},
		{"caddy style, read", read, map[string]string{"X-Forwarded-Method": "GET", "X-Forwarded-Uri": "/items/?q=1"}, 200, "dashboard"},
		{"nginx style, read on a write route", read, map[string]string{"X-Original-Method": "POST", "X-Original-Uri": "/items/"}, 403, ""},
		{"query that looks like a public path", "", map[string]string{"X-Forwarded-Method": "GET", "X-Forwarded-Uri": "/items/?/public/"}, 401, ""},
		{"ambiguous path", read, map[string]string{"X-Forwarded-Method": "GET", "X-Forwarded-Uri": "/public/..%2Fitems/"}, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, client, "GET", g.url("/auth"), tt.token, tt.header)
			require.Equal(t, tt.wantStatus, a.status, "forward auth of %v", tt.header)
			assert.Equal(t, tt.wantSubject, a.header.Get("X-Auth-Subject"), "claim header in the answer")
			assert.NotEmpty(t, a.header.Get("X-Request-Id"))
		})
	}
}

func TestKeysUnavailableFromTheStart(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	iss.SetFault(verifiertest.FaultDown)
	up := echoUpstream(t)
	g := startGateway(t, configText(settings{issuer: iss, upstream: up.URL}))
	client := &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(client.CloseIdleConnections)

	a := send(t, client, "GET", g.url("/items/"), iss.MustMint(t, verifiertest.Token{Scope: "read"}), nil)
	assert.Equal(t, http.StatusServiceUnavailable, a.status, "a token while the JWKS is down")
	assert.NotEmpty(t, a.header.Get("Retry-After"), "503 says when to retry")
	a = send(t, client, "GET", g.url("/public/x"), "", nil)
	assert.Equal(t, http.StatusOK, a.status, "a public route while the JWKS is down")

	status, body := get(t, g.adminURL("/readyz"))
	assert.Equal(t, http.StatusServiceUnavailable, status, "/readyz while the JWKS is down: %s", body)
	assert.Equal(t, "not ready: keys of issuer \""+iss.URL+"\" not loaded\n", body)
	status, _ = get(t, g.adminURL("/healthz"))
	assert.Equal(t, http.StatusOK, status, "/healthz while the JWKS is down")
}

func TestUpstreamDown(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := echoUpstream(t)
	upURL := up.URL
	up.Close()
	g := startGateway(t, configText(settings{issuer: iss, upstream: upURL}))
	a := send(t, http.DefaultClient, "GET", g.url("/public/x"), "", nil)
	assert.Equal(t, http.StatusBadGateway, a.status, "upstream down")
	line := g.logs.accessLine(t, a.header.Get("X-Request-Id"))
	assert.Contains(t, line["upstream_error"], "connection refused", "the log says why")
	assert.Equal(t, float64(502), line["status"])
}
