package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/jwtgate/jwtgate/resourcemeta"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// selfTest checks the running server at endpoint, as an MCP client sees
// it: the metadata document, the challenges, and the tools with tokens of
// each scope, through the SDK's own client. It prints one line per check.
func selfTest(ctx context.Context, endpoint string, doc *resourcemeta.Document, demo *verifiertest.Issuer, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	t, err := mintDemoTokens(demo)
	if err != nil {
		return err
	}
	st := selfTester{ctx: ctx, endpoint: endpoint, doc: doc, issuer: demo.URL}
	checks := []struct {
		name string
		run  func() error
	}{
		{"metadata document at its RFC 9728 location", st.metadata},
		{"no token: 401, challenge with resource_metadata", func() error { return st.challenge("", `realm="mcp"`) }},
		{"expired token: 401 invalid_token, with resource_metadata", func() error {
			return st.challenge(t.expired, `realm="mcp", error="invalid_token", error_description="token expired"`)
		}},
		{"no token: the SDK client cannot connect", st.noConnect},
		{"scope read: list_flights works, plan_flight refused with 403", func() error { return st.tools(t.read, false) }},
		{"scopes read write: list_flights and plan_flight work", func() error { return st.tools(t.readWrite, true) }},
	}
	failed := 0
	for _, c := range checks {
		err := c.run()
		if err != nil {
			failed++
			fmt.Fprintf(out, "FAIL %s\n     %v\n", c.name, err)
			continue
		}
		fmt.Fprintf(out, "ok   %s\n", c.name)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d self-test checks failed", failed, len(checks))
	}
	fmt.Fprintf(out, "all %d self-test checks passed\n", len(checks))
	return nil
}

type selfTester struct {
	ctx      context.Context
	endpoint string // the MCP endpoint, which is the resource identifier
	doc      *resourcemeta.Document
	issuer   string
}

// metadata fetches the document as the SDK's client does (which checks
// that its resource is the endpoint, RFC 9728 section 3.3) from the
// location of section 3.1, and checks what it says.
func (st selfTester) metadata() error {
	want := strings.Replace(st.endpoint, "/mcp", "/.well-known/oauth-protected-resource/mcp", 1)
	if st.doc.URL() != want {
		return fmt.Errorf("metadata URL is %q, want %q", st.doc.URL(), want)
	}
	prm, err := oauthex.GetProtectedResourceMetadata(st.ctx, st.doc.URL(), st.endpoint, http.DefaultClient)
	if err != nil {
		return err
	}
	if !slices.Equal(prm.AuthorizationServers, []string{st.issuer}) {
		return fmt.Errorf("authorization_servers %q, want [%q]", prm.AuthorizationServers, st.issuer)
	}
	if !slices.Equal(prm.ScopesSupported, []string{"read", "write"}) {
		return fmt.Errorf("scopes_supported %q, want [read write]", prm.ScopesSupported)
	}
	return nil
}

// challenge sends an initialize request with token (none if empty) and
// checks that it is refused with 401 and a Bearer challenge whose
// attributes are attrs followed by resource_metadata, read with the SDK's
// own parser too.
func (st selfTester) challenge(token, attrs string) error {
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"selftest","version":"1"}}}`
	req, err := http.NewRequestWithContext(st.ctx, http.MethodPost, st.endpoint, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusUnauthorized {
		return fmt.Errorf("POST %s: status %d, want 401", st.endpoint, resp.StatusCode)
	}
	want := `Bearer ` + attrs + `, resource_metadata="` + st.doc.URL() + `"`
	if got := resp.Header.Get("WWW-Authenticate"); got != want {
		return fmt.Errorf("WWW-Authenticate: %s\n     want:            %s", got, want)
	}
	challenges, err := oauthex.ParseWWWAuthenticate(resp.Header.Values("WWW-Authenticate"))
	if err != nil {
		return fmt.Errorf("the SDK cannot parse the challenge: %w", err)
	}
	if len(challenges) != 1 || challenges[0].Params["resource_metadata"] != st.doc.URL() {
		return fmt.Errorf("the SDK reads the challenge as %+v, want resource_metadata %q", challenges, st.doc.URL())
	}
	return nil
}

// noConnect checks that the SDK's client, without a token, cannot connect.
func (st selfTester) noConnect() error {
	client := mcp.NewClient(&mcp.Implementation{Name: "selftest", Version: "1.0.0"}, nil)
	session, err := client.Connect(st.ctx, &mcp.StreamableClientTransport{Endpoint: st.endpoint, DisableStandaloneSSE: true}, nil)
	if err == nil {
		_ = session.Close()
		return errors.New("connected without a token")
	}
	return nil
}

// tools connects with token through the SDK's client, lists the tools and
// calls both: list_flights must work, and plan_flight too if planOK.
// Otherwise plan_flight must be answered 403 with the step-up challenge,
// the SDK's client must report the call's error, and the session must stay
// usable.
func (st selfTester) tools(token string, planOK bool) error {
	rt := &bearerTransport{token: token, base: http.DefaultTransport}
	client := mcp.NewClient(&mcp.Implementation{Name: "selftest", Version: "1.0.0"}, nil)
	session, err := client.Connect(st.ctx, &mcp.StreamableClientTransport{
		Endpoint:   st.endpoint,
		HTTPClient: &http.Client{Transport: rt},
	}, nil)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer session.Close()

	tools, err := session.ListTools(st.ctx, nil)
	if err != nil {
		return fmt.Errorf("tools/list: %w", err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"list_flights", "plan_flight"}) {
		return fmt.Errorf("tools/list: %q, want [list_flights plan_flight]", names)
	}

	if err := st.call(session, "list_flights", map[string]any{"from": "ZRH"}, `"number":"JG101"`); err != nil {
		return err
	}
	err = st.call(session, "plan_flight", map[string]any{"from": "ZRH", "to": "SFO"}, `"number":"JG404"`, `"number":"JG303"`, `"planner":"flight-planner"`)
	if planOK {
		return err
	}
	if err == nil {
		return errors.New("plan_flight: called without scope write")
	}
	if !strings.Contains(err.Error(), "insufficient scope: this tool needs read write") {
		return fmt.Errorf("plan_flight: refused with %v, want insufficient scope", err)
	}
	want := `Bearer realm="mcp", error="insufficient_scope", scope="read write", resource_metadata="` + st.doc.URL() + `"`
	if got := rt.refusals(); !slices.Equal(got, []string{"403 " + want}) {
		return fmt.Errorf("plan_flight: HTTP answers %q, want one 403 with %s", got, want)
	}
	// The refusal did not end the session.
	return st.call(session, "list_flights", nil, `"number":"JG303"`)
}

// call calls a tool and checks that it worked and that its text content
// contains each of want.
func (st selfTester) call(session *mcp.ClientSession, tool string, args map[string]any, want ...string) error {
	res, err := session.CallTool(st.ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		return fmt.Errorf("%s: %w", tool, err)
	}
	var text strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text.WriteString(tc.Text)
		}
	}
	for _, w := range want {
		if res.IsError || !strings.Contains(text.String(), w) {
			return fmt.Errorf("%s: result %q (error %v), want one containing %s", tool, text.String(), res.IsError, w)
		}
	}
	return nil
}

// bearerTransport adds the token to every request, and records the
// answers refused with 403, with their challenges.
type bearerTransport struct {
	token string
	base  http.RoundTripper

	mu        sync.Mutex
	forbidden []string
}

func (t *bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	resp, err := t.base.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusForbidden {
		t.mu.Lock()
		t.forbidden = append(t.forbidden, "403 "+resp.Header.Get("WWW-Authenticate"))
		t.mu.Unlock()
	}
	return resp, err
}

func (t *bearerTransport) refusals() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.forbidden)
}
