package main

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/gateway/gatewaytest"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// dpopHeaders are the headers of a request presenting tok with the DPoP
// scheme and proof.
func dpopHeaders(tok, proof string) map[string]string {
	return map[string]string{"Authorization": "DPoP " + tok, "Dpop": proof}
}

// boundToken mints a "read" token bound to the issuer's DPoP client key.
func boundToken(t *testing.T, iss *verifiertest.Issuer, subject string) string {
	t.Helper()
	return iss.MustMint(t, verifiertest.Token{Subject: subject, Scope: "read",
		Claims: map[string]any{"cnf": verifiertest.DPoPBound(iss.DPoPThumbprint())}})
}

// dpopCase is one request of a DPoP test, sent in order: some depend on
// the proofs sent before (replays).
type dpopCase struct {
	name        string
	header      map[string]string
	token       string // sent with the Bearer scheme
	wantStatus  int
	wantOutcome string
	wantError   string // the error of the challenge, if any
	wantScheme  string // the scheme of the challenge; "" means DPoP
	wantUp      map[string][]string
}

func runDPoPCases(t *testing.T, g *testGateway, client *http.Client, path string, cases []dpopCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, client, "GET", g.url(path), tt.token, tt.header)
			require.Equal(t, tt.wantStatus, a.status, "GET %s: status (WWW-Authenticate %q)", path, a.header.Get("WWW-Authenticate"))
			line := g.logs.accessLine(t, a.header.Get("X-Request-Id"))
			assert.Equal(t, tt.wantOutcome, line["outcome"], "outcome in the access log line %v", line)
			if tt.wantStatus == http.StatusUnauthorized {
				challenge := strings.Join(a.header.Values("WWW-Authenticate"), "; ")
				scheme := tt.wantScheme
				if scheme == "" {
					scheme = "DPoP"
				}
				assert.Contains(t, challenge, scheme+` realm="test"`, "the challenge's scheme")
				if tt.wantError != "" {
					assert.Contains(t, challenge, `error="`+tt.wantError+`"`, "the challenge's error")
				}
			}
			if tt.wantStatus == http.StatusOK {
				for k, v := range tt.wantUp {
					assert.Equal(t, v, a.echo.Headers[k], "upstream header %s", k)
				}
				for _, k := range []string{"Authorization", "Dpop"} {
					assert.NotContains(t, a.echo.Headers, k, "upstream header %s must be stripped", k)
				}
			}
		})
	}
}

func TestDPoPProxy(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := echoUpstream(t)
	g := startGateway(t, configText(settings{issuer: iss, upstream: up.URL, extra: "dpop:\n  mode: allowed\n"}))
	client := &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(client.CloseIdleConnections)

	tok := boundToken(t, iss, "alice")
	u := g.url("/items/1")
	good := iss.MustMintProof(t, verifiertest.Proof{URL: u, AccessToken: tok})
	plain := iss.MustMint(t, verifiertest.Token{Subject: "bob", Scope: "read"})
	runDPoPCases(t, g, client, "/items/1", []dpopCase{
		{name: "good proof", header: dpopHeaders(tok, good), wantStatus: 200, wantOutcome: "allowed",
			wantUp: map[string][]string{"X-Auth-Subject": {"alice"}, "X-Auth-Scopes": {"read"}}},
		{name: "the same proof again", header: dpopHeaders(tok, good), wantStatus: 401, wantOutcome: "dpop_proof", wantError: "invalid_dpop_proof"},
		{name: "proof for POST", header: dpopHeaders(tok, iss.MustMintProof(t, verifiertest.Proof{URL: u, Method: "POST", AccessToken: tok})),
			wantStatus: 401, wantOutcome: "dpop_proof", wantError: "invalid_dpop_proof"},
		{name: "proof for another path", header: dpopHeaders(tok, iss.MustMintProof(t, verifiertest.Proof{URL: g.url("/items/2"), AccessToken: tok})),
			wantStatus: 401, wantOutcome: "dpop_proof", wantError: "invalid_dpop_proof"},
		{name: "proof for https", header: dpopHeaders(tok, iss.MustMintProof(t, verifiertest.Proof{URL: strings.Replace(u, "http:", "https:", 1), AccessToken: tok})),
			wantStatus: 401, wantOutcome: "dpop_proof", wantError: "invalid_dpop_proof"},
		{name: "proof for another token", header: dpopHeaders(tok, iss.MustMintProof(t, verifiertest.Proof{URL: u, AccessToken: plain})),
			wantStatus: 401, wantOutcome: "dpop_proof", wantError: "invalid_dpop_proof"},
		{name: "bound token as Bearer", token: tok, wantStatus: 401, wantOutcome: "token_binding", wantError: "invalid_token", wantScheme: "Bearer"},
		{name: "no proof", header: map[string]string{"Authorization": "DPoP " + tok}, wantStatus: 401, wantOutcome: "dpop_proof"},
		{name: "plain Bearer token still accepted", token: plain, wantStatus: 200, wantOutcome: "allowed",
			wantUp: map[string][]string{"X-Auth-Subject": {"bob"}}},
		{name: "a second good proof", header: dpopHeaders(tok, iss.MustMintProof(t, verifiertest.Proof{URL: u, AccessToken: tok})),
			wantStatus: 200, wantOutcome: "allowed", wantUp: map[string][]string{"X-Auth-Subject": {"alice"}}},
	})
	logs := g.logs.String()
	assert.NotContains(t, logs, good, "a proof in the logs")
	assert.NotContains(t, logs, tok, "a token in the logs")
}

func TestDPoPForwardAuthorization(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := echoUpstream(t)
	g := startGateway(t, strings.Replace(configText(settings{issuer: iss, upstream: up.URL, extra: "dpop:\n  mode: allowed\n"}),
		"  url: "+up.URL+"\n", "  url: "+up.URL+"\n  forward_authorization: true\n", 1))
	tok := boundToken(t, iss, "alice")
	proof := iss.MustMintProof(t, verifiertest.Proof{URL: g.url("/items/1"), AccessToken: tok})
	a := send(t, http.DefaultClient, "GET", g.url("/items/1"), "", dpopHeaders(tok, proof))
	require.Equal(t, http.StatusOK, a.status, "a good proof with forward_authorization: true")
	assert.Equal(t, []string{"DPoP " + tok}, a.echo.Headers["Authorization"], "the upstream gets the Authorization header")
	assert.Equal(t, []string{proof}, a.echo.Headers["Dpop"], "the upstream gets the DPoP header")
}

func TestDPoPRequired(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := echoUpstream(t)
	g := startGateway(t, configText(settings{issuer: iss, upstream: up.URL, extra: "dpop:\n  mode: required\n  algorithms: [ES256]\n"}))
	client := &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(client.CloseIdleConnections)

	plain := iss.MustMint(t, verifiertest.Token{Subject: "bob", Scope: "read"})
	a := send(t, client, "GET", g.url("/items/1"), plain, nil)
	require.Equal(t, http.StatusUnauthorized, a.status, "a Bearer token with DPoP required")
	challenges := a.header.Values("WWW-Authenticate")
	require.Len(t, challenges, 1, "challenges %q", challenges)
	assert.True(t, strings.HasPrefix(challenges[0], `DPoP realm="test"`), "the only challenge is DPoP's: %q", challenges[0])
	assert.Contains(t, challenges[0], `algs="ES256"`, "the challenge names the configured algorithms")
	assert.NotContains(t, challenges[0], "Bearer", "no Bearer challenge with DPoP required")
	assert.Equal(t, "no_credentials", g.logs.accessLine(t, a.header.Get("X-Request-Id"))["outcome"])

	tok := boundToken(t, iss, "alice")
	proof := iss.MustMintProof(t, verifiertest.Proof{URL: g.url("/items/1"), AccessToken: tok})
	a = send(t, client, "GET", g.url("/items/1"), "", dpopHeaders(tok, proof))
	require.Equal(t, http.StatusOK, a.status, "a DPoP-bound token with a good proof, DPoP required")
	assert.Equal(t, []string{"alice"}, a.echo.Headers["X-Auth-Subject"])
}

func TestDPoPNonce(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := echoUpstream(t)
	g := startGateway(t, configText(settings{issuer: iss, upstream: up.URL, extra: "dpop:\n  mode: allowed\n  nonce: true\n"}))
	client := &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(client.CloseIdleConnections)
	tok := boundToken(t, iss, "alice")
	u := g.url("/items/1")

	a := send(t, client, "GET", u, "", dpopHeaders(tok, iss.MustMintProof(t, verifiertest.Proof{URL: u, AccessToken: tok})))
	require.Equal(t, http.StatusUnauthorized, a.status, "a proof without a nonce")
	assert.Contains(t, a.header.Get("WWW-Authenticate"), `error="use_dpop_nonce"`, "the challenge asks for a nonce")
	nonce := a.header.Get("DPoP-Nonce")
	require.NotEmpty(t, nonce, "the answer carries a DPoP-Nonce header")
	assert.Equal(t, "dpop_proof", g.logs.accessLine(t, a.header.Get("X-Request-Id"))["outcome"])

	a = send(t, client, "GET", u, "", dpopHeaders(tok, iss.MustMintProof(t, verifiertest.Proof{URL: u, AccessToken: tok, Nonce: "not-the-nonce"})))
	require.Equal(t, http.StatusUnauthorized, a.status, "a proof with a wrong nonce")
	assert.Contains(t, a.header.Get("WWW-Authenticate"), `error="use_dpop_nonce"`)

	a = send(t, client, "GET", u, "", dpopHeaders(tok, iss.MustMintProof(t, verifiertest.Proof{URL: u, AccessToken: tok, Nonce: nonce})))
	require.Equal(t, http.StatusOK, a.status, "the retry with the nonce (WWW-Authenticate %q)", a.header.Get("WWW-Authenticate"))
	assert.Equal(t, []string{"alice"}, a.echo.Headers["X-Auth-Subject"])

	// The nonces survive a reload: they come from the process's secret.
	g.rewrite(t, configText(settings{issuer: iss, upstream: up.URL, extra: "dpop:\n  mode: allowed\n  nonce: true\nleeway: 10s\n"}))
	require.NoError(t, g.Reload(), "Reload")
	a = send(t, client, "GET", u, "", dpopHeaders(tok, iss.MustMintProof(t, verifiertest.Proof{URL: u, AccessToken: tok, Nonce: nonce})))
	assert.Equal(t, http.StatusOK, a.status, "a nonce issued before a reload, after it (WWW-Authenticate %q)", a.header.Get("WWW-Authenticate"))
}

// TestDPoPForwardAuth: behind a front proxy that asks jwtgate about each
// request (as nginx's auth_request does), a proof signs the URL the client
// used, which jwtgate rebuilds from the front's X-Forwarded-Proto and
// X-Forwarded-Host and X-Original-Uri.
func TestDPoPForwardAuth(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := echoUpstream(t)
	g := startGateway(t, configText(settings{mode: "forward_auth", issuer: iss, extra: "dpop:\n  mode: allowed\n"}))
	upURL, err := url.Parse(up.URL)
	require.NoError(t, err)
	front := httptest.NewServer(&gatewaytest.AuthRequestFront{
		Auth:     g.url("/auth"),
		Upstream: &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(upURL) }},
		Copy:     []string{"X-Auth-Subject", "X-Auth-Client-Id", "X-Auth-Scopes"},
	})
	t.Cleanup(front.Close)
	client := &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(client.CloseIdleConnections)

	tok := boundToken(t, iss, "alice")
	u := front.URL + "/items/1?page=2"
	good := iss.MustMintProof(t, verifiertest.Proof{URL: u, AccessToken: tok})
	tests := []struct {
		name       string
		proof      string
		wantStatus int
	}{
		{"proof for the URL the client used", good, 200},
		{"the same proof again", good, 401},
		{"proof for the sub-request's URL", iss.MustMintProof(t, verifiertest.Proof{URL: g.url("/auth"), AccessToken: tok}), 401},
		{"proof for another path", iss.MustMintProof(t, verifiertest.Proof{URL: front.URL + "/items/2", AccessToken: tok}), 401},
		{"proof for POST", iss.MustMintProof(t, verifiertest.Proof{URL: u, Method: "POST", AccessToken: tok}), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := send(t, client, "GET", u, "", dpopHeaders(tok, tt.proof))
			require.Equal(t, tt.wantStatus, a.status, "GET %s through the front (WWW-Authenticate %q)", u, a.header.Get("WWW-Authenticate"))
			if tt.wantStatus == 200 {
				assert.Equal(t, "/items/1", a.echo.Path, "the upstream got the request")
				assert.Equal(t, []string{"alice"}, a.echo.Headers["X-Auth-Subject"], "the claim header the front copied")
			} else {
				assert.Contains(t, a.header.Get("WWW-Authenticate"), `DPoP realm="test"`, "the front passes the DPoP challenge on")
				assert.Contains(t, a.header.Get("WWW-Authenticate"), `error="invalid_dpop_proof"`)
			}
		})
	}
}

// TestDPoPReplayAcrossReload: a reload keeps the replay store (of the same
// size), so a proof accepted before it is refused after it; a store of
// another size starts empty.
func TestDPoPReplayAcrossReload(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := echoUpstream(t)
	text := func(extra string) string {
		return configText(settings{issuer: iss, upstream: up.URL, extra: "dpop:\n  mode: allowed\n" + extra})
	}
	g := startGateway(t, text("  replay_cache_size: 1000\n"))
	client := &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(client.CloseIdleConnections)
	tok := boundToken(t, iss, "alice")
	u := g.url("/items/1")
	proof := iss.MustMintProof(t, verifiertest.Proof{URL: u, AccessToken: tok})
	require.Equal(t, http.StatusOK, send(t, client, "GET", u, "", dpopHeaders(tok, proof)).status, "the proof's first use")

	// A file change the replay store does not depend on.
	g.rewrite(t, text("  replay_cache_size: 1000\n  max_age: 50s\n"))
	old := g.current.Load()
	require.NoError(t, g.Reload(), "Reload, same replay_cache_size")
	require.NotSame(t, old, g.current.Load(), "the reload made a new runtime")
	a := send(t, client, "GET", u, "", dpopHeaders(tok, proof))
	assert.Equal(t, http.StatusUnauthorized, a.status, "the proof replayed after a reload")
	assert.Contains(t, a.header.Get("WWW-Authenticate"), `error="invalid_dpop_proof"`)

	// Reloads without DPoP and back keep the store too.
	g.rewrite(t, configText(settings{issuer: iss, upstream: up.URL}))
	require.NoError(t, g.Reload(), "Reload without DPoP")
	assert.Equal(t, http.StatusUnauthorized, send(t, client, "GET", u, "", dpopHeaders(tok, proof)).status, "DPoP off")
	g.rewrite(t, text("  replay_cache_size: 1000\n"))
	require.NoError(t, g.Reload(), "Reload with DPoP again")
	assert.Equal(t, http.StatusUnauthorized, send(t, client, "GET", u, "", dpopHeaders(tok, proof)).status,
		"the proof replayed after DPoP was turned off and on")

	// The control: a new size is a new, empty store, so it is the kept
	// store that refused the replays above.
	g.rewrite(t, text("  replay_cache_size: 2000\n"))
	require.NoError(t, g.Reload(), "Reload, another replay_cache_size")
	assert.Equal(t, http.StatusOK, send(t, client, "GET", u, "", dpopHeaders(tok, proof)).status,
		"a new store has not seen the proof")
}
