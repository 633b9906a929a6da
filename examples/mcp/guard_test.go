package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

const testMetadataURL = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"

func newTestGuard(t *testing.T, iss *verifiertest.Issuer, opts bearer.Options) (*guard, *verifier.Verifier) {
	t.Helper()
	v, err := verifier.New(iss.VerifierConfig())
	require.NoError(t, err)
	g, err := newGuard(v, opts, testMetadataURL, toolScopes)
	require.NoError(t, err)
	return g, v
}

// recorder is the next handler: it records the body it was given.
type recorder struct {
	called bool
	body   string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.called = true
	b, _ := io.ReadAll(r.Body)
	rec.body = string(b)
	w.WriteHeader(http.StatusTeapot)
}

func TestGuardAnswers(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	g, _ := newTestGuard(t, iss, bearer.Options{Realm: "mcp"})
	read := iss.MustMint(t, verifiertest.Token{Scope: "read"})
	readWrite := iss.MustMint(t, verifiertest.Token{Scope: "read write"})
	const rm = `, resource_metadata="` + testMetadataURL + `"`
	call := func(id, tool string) string {
		return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"` + tool + `","arguments":{}}}`
	}

	cases := []struct {
		name      string
		method    string
		auth      []string
		body      string
		status    int    // 418: passed on to the next handler, with body intact
		challenge string // want WWW-Authenticate
		respBody  string // want body, if the guard answers
	}{
		{"no token", "POST", nil, call("1", "list_flights"), 401, `Bearer realm="mcp"` + rm, "{}\n"},
		{"no token, GET", "GET", nil, "", 401, `Bearer realm="mcp"` + rm, "{}\n"},
		{"Basic credentials", "POST", []string{"Basic dXNlcjpwYXNz"}, call("1", "list_flights"), 401, `Bearer realm="mcp"` + rm, "{}\n"},
		{"malformed token", "POST", []string{"Bearer not.a.jwt"}, call("1", "list_flights"), 401,
			`Bearer realm="mcp", error="invalid_token", error_description="malformed token"` + rm,
			`{"error":"invalid_token","error_description":"malformed token"}` + "\n"},
		{"two Authorization headers", "POST", []string{"Bearer " + read, "Bearer " + read}, call("1", "list_flights"), 400,
			`Bearer realm="mcp", error="invalid_request", error_description="more than one Authorization header"` + rm,
			`{"error":"invalid_request","error_description":"more than one Authorization header"}` + "\n"},
		{"read: plan_flight, number id", "POST", []string{"Bearer " + read}, call("7", "plan_flight"), 403,
			`Bearer realm="mcp", error="insufficient_scope", scope="read write"` + rm,
			`{"jsonrpc":"2.0","id":7,"error":{"code":-32003,"message":"insufficient scope: this tool needs read write","data":{"error":"insufficient_scope","scope":"read write"}}}` + "\n"},
		{"read: plan_flight, string id", "POST", []string{"Bearer " + read}, call(`"a-1"`, "plan_flight"), 403,
			`Bearer realm="mcp", error="insufficient_scope", scope="read write"` + rm,
			`{"jsonrpc":"2.0","id":"a-1","error":{"code":-32003,"message":"insufficient scope: this tool needs read write","data":{"error":"insufficient_scope","scope":"read write"}}}` + "\n"},
		{"read: list_flights", "POST", []string{"Bearer " + read}, call("1", "list_flights"), 418, "", ""},
		{"read write: plan_flight", "POST", []string{"Bearer " + readWrite}, call("1", "plan_flight"), 418, "", ""},
		{"read: GET", "GET", []string{"Bearer " + read}, "", 418, "", ""},
		{"read: tools/list", "POST", []string{"Bearer " + read}, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`, 418, "", ""},
		// What the guard does not read is left to the SDK and to
		// requireToolScopes (TestRequireToolScopes).
		{"read: unknown tool", "POST", []string{"Bearer " + read}, call("1", "delete_flight"), 418, "", ""},
		{"read: batch", "POST", []string{"Bearer " + read}, "[" + call("1", "plan_flight") + "]", 418, "", ""},
		{"read: duplicate name", "POST", []string{"Bearer " + read},
			`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_flights","name":"plan_flight"}}`, 418, "", ""},
		{"read: member name in another case", "POST", []string{"Bearer " + read},
			`{"jsonrpc":"2.0","id":1,"Method":"tools/call","params":{"Name":"plan_flight"}}`, 418, "", ""},
		{"read: invalid JSON", "POST", []string{"Bearer " + read}, `{"method":"tools/call"`, 418, "", ""},
		{"read: notification", "POST", []string{"Bearer " + read},
			`{"jsonrpc":"2.0","method":"tools/call","params":{"name":"plan_flight"}}`, 418, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, "/mcp", strings.NewReader(c.body))
			for _, a := range c.auth {
				r.Header.Add("Authorization", a)
			}
			w := httptest.NewRecorder()
			next := &recorder{}
			g.protect(next).ServeHTTP(w, r)

			assert.Equal(t, c.status, w.Code, "%s /mcp %s: status", c.method, c.body)
			assert.Equal(t, c.challenge, w.Header().Get("WWW-Authenticate"), "%s /mcp %s: challenge", c.method, c.body)
			if c.status == http.StatusTeapot {
				assert.True(t, next.called)
				assert.Equal(t, c.body, next.body, "the next handler got another body")
				return
			}
			assert.False(t, next.called, "a refused request reached the next handler")
			assert.Equal(t, c.respBody, w.Body.String(), "%s /mcp %s: body", c.method, c.body)
			assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
		})
	}
}

func TestGuardBodyTooLarge(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	g, _ := newTestGuard(t, iss, bearer.Options{Realm: "mcp"})
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"plan_flight","arguments":{"x":"` +
		strings.Repeat("a", mcp.DefaultMaxRequestBodyBytes) + `"}}}`
	r := iss.Request("POST", "/mcp", verifiertest.Token{Scope: "read"})
	r.Body = io.NopCloser(strings.NewReader(body))
	w := httptest.NewRecorder()
	next := &recorder{}
	g.protect(next).ServeHTTP(w, r)
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code, "POST of %d bytes", len(body))
	assert.False(t, next.called)
}

func TestGuardKeysUnavailable(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	iss.SetFault(verifiertest.FaultDown)
	g, _ := newTestGuard(t, iss, bearer.Options{Realm: "mcp"})
	w := httptest.NewRecorder()
	g.protect(&recorder{}).ServeHTTP(w, iss.Request("POST", "/mcp", verifiertest.Token{Scope: "read"}))
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Empty(t, w.Header().Get("WWW-Authenticate"), "a 503 has no challenge to extend")
	assert.Equal(t, "30", w.Header().Get("Retry-After"))
}

func TestGuardChallengeWithoutRealm(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	g, _ := newTestGuard(t, iss, bearer.Options{})
	w := httptest.NewRecorder()
	g.protect(&recorder{}).ServeHTTP(w, httptest.NewRequest("GET", "/mcp", nil))
	assert.Equal(t, `Bearer resource_metadata="`+testMetadataURL+`"`, w.Header().Get("WWW-Authenticate"))
}

func TestTokenInfo(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	_, v := newTestGuard(t, iss, bearer.Options{})
	hook := tokenInfo(v)

	tok := iss.MustMint(t, verifiertest.Token{Subject: "alice", Scope: "read write"})
	claims, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	info, err := hook(context.Background(), tok, nil)
	require.NoError(t, err, "tokenInfo of a valid token")
	assert.Equal(t, []string{"read", "write"}, info.Scopes)
	assert.Equal(t, claims.ExpiresAt(), info.Expiration)
	assert.Equal(t, iss.URL+" alice", info.UserID)
	assert.Equal(t, "alice", info.Extra["sub"])

	other := verifiertest.Start(t, verifiertest.IssuerConfig{})
	_, err = hook(context.Background(), other.MustMint(t, verifiertest.Token{Subject: "alice"}), nil)
	require.Error(t, err, "tokenInfo of another issuer's token")
	assert.ErrorIs(t, err, sdkauth.ErrInvalidToken, "the SDK answers 401 only for ErrInvalidToken")
	assert.ErrorIs(t, err, verifier.ErrInvalidToken)
}

func TestRequireToolScopes(t *testing.T) {
	mw := requireToolScopes(toolScopes)
	callTool := func(name string, granted ...string) mcp.Request {
		req := &mcp.CallToolRequest{Params: &mcp.CallToolParamsRaw{Name: name}, Extra: &mcp.RequestExtra{}}
		if granted != nil {
			req.Extra.TokenInfo = &sdkauth.TokenInfo{Scopes: granted}
		}
		return req
	}
	cases := []struct {
		name     string
		method   string
		req      mcp.Request
		wantCode int64 // 0: passed on
	}{
		{"plan_flight with read", "tools/call", callTool("plan_flight", "read"), codeInsufficientScope},
		{"plan_flight with write", "tools/call", callTool("plan_flight", "write"), codeInsufficientScope},
		{"plan_flight with read write", "tools/call", callTool("plan_flight", "read", "write"), 0},
		{"list_flights with read", "tools/call", callTool("list_flights", "read"), 0},
		{"list_flights with write", "tools/call", callTool("list_flights", "write"), codeInsufficientScope},
		{"list_flights without token info", "tools/call", callTool("list_flights"), codeInsufficientScope},
		{"unknown tool", "tools/call", callTool("delete_flight", "read", "write"), jsonrpc.CodeInvalidParams},
		{"no params", "tools/call", &mcp.CallToolRequest{}, jsonrpc.CodeInvalidParams},
		{"tools/list without token info", "tools/list", &mcp.ListToolsRequest{}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			called := false
			next := func(context.Context, string, mcp.Request) (mcp.Result, error) {
				called = true
				return &mcp.CallToolResult{}, nil
			}
			_, err := mw(next)(context.Background(), c.method, c.req)
			if c.wantCode == 0 {
				assert.NoError(t, err)
				assert.True(t, called, "the request was not passed on")
				return
			}
			var rpcErr *jsonrpc.Error
			require.True(t, errors.As(err, &rpcErr), "error %v, want a JSON-RPC error", err)
			assert.Equal(t, c.wantCode, rpcErr.Code, "error code of %v", err)
			assert.False(t, called, "a refused call reached the tool")
		})
	}
}

// What the guard leaves to the SDK cannot call a tool without its scopes:
// requireToolScopes refuses it behind the SDK's own JSON reader.
func TestToolCallsTheGuardDoesNotReadAreRefused(t *testing.T) {
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	defer srv.Close()
	resource := srv.URL + "/mcp"
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Audience: resource})
	handler, _, err := newServer(config{resource: resource, issuer: iss.URL, verifier: iss.VerifierConfig()})
	require.NoError(t, err)
	read := iss.AuthorizationHeader(verifiertest.Token{Scope: "read"})

	post := func(body, session string) (status int, sessionID, answer string) {
		t.Helper()
		req, err := http.NewRequest("POST", resource, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", read)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Mcp-Session-Id"), string(b)
	}
	status, session, answer := post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}`, "")
	require.Equal(t, http.StatusOK, status, "initialize: %s", answer)
	require.NotEmpty(t, session, "initialize: no session")
	status, _, answer = post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`, session)
	require.Equal(t, http.StatusAccepted, status, "notifications/initialized: %s", answer)

	status, _, answer = post(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_flights"}}`, session)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, answer, `JG101`, "list_flights with scope read: %s", answer)

	for _, body := range []string{
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_flights","name":"plan_flight","arguments":{"from":"ZRH","to":"JFK"}}}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"Name":"plan_flight","arguments":{"from":"ZRH","to":"JFK"}}}`,
		`{"jsonrpc":"2.0","id":3,"Method":"tools/call","params":{"name":"plan_flight","arguments":{"from":"ZRH","to":"JFK"}}}`,
		`[{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"plan_flight","arguments":{"from":"ZRH","to":"JFK"}}}]`,
	} {
		_, _, answer := post(body, session)
		assert.NotContains(t, answer, "legs", "POST %s with scope read planned a flight", body)
		assert.NotContains(t, answer, "JG404", "POST %s with scope read planned a flight", body)
	}
}
