package gatewaytest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// Target says where and how to send the table's requests.
type Target struct {
	// Mode is how the gateway sits behind the front door.
	Mode Mode
	// URL is the front door's base URL, "http://host:port"; requests go
	// to its host and port, with it as the Host header.
	URL string
	// Issuer mints the tokens; the gateway must trust it for its default
	// audience (verifiertest.DefaultAudience unless configured).
	Issuer *verifiertest.Issuer
	// ForwardAuthorization says whether the upstream receives the
	// client's Authorization header (gateway.Config.ForwardAuthorization,
	// or the front's configuration in ModeForwardAuth); by default it must
	// not.
	ForwardAuthorization bool
	// Adjust, if set, is called with each case (after ForwardAuthStatus
	// is applied) to adapt its expectations to the front door: nginx, for
	// instance, answers 500 when auth_request gets 400 or 503, passes
	// WWW-Authenticate only with 401, and refuses some request targets
	// itself. Every case runs: an adjuster changes what is expected,
	// never whether the case is checked.
	Adjust func(c *Case)
	// Timeout bounds each request; zero means 10 seconds.
	Timeout time.Duration
}

// Run sends every case of [Cases] to the target, each in a subtest named
// after it, and checks the answers: the status; for a refusal, the
// challenge and that the upstream was not reached; for a 200, that the
// upstream was reached and received exactly the headers the case wants,
// none of the claim headers it does not, and the Authorization header only
// with Target.ForwardAuthorization.
func Run(t *testing.T, target Target) {
	t.Helper()
	require.NotNil(t, target.Issuer, "gatewaytest.Run: Target.Issuer is required")
	base, err := url.Parse(target.URL)
	require.NoError(t, err, "gatewaytest.Run: Target.URL")
	require.NotEmpty(t, base.Host, "gatewaytest.Run: Target.URL %q has no host", target.URL)
	for _, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) {
			if target.Mode == ModeForwardAuth && c.ForwardAuthStatus != 0 {
				c.Status = c.ForwardAuthStatus
			}
			if target.Adjust != nil {
				target.Adjust(&c)
			}
			runCase(t, target, base.Host, c)
		})
	}
}

func runCase(t *testing.T, target Target, host string, c Case) {
	token := MintToken(t, target.Issuer, c.Token, c.Scope, c.Claims)
	fields := []Field{{"Host", host}}
	if token != "" {
		fields = append(fields, Field{"Authorization", "Bearer " + token})
	}
	fields = append(fields, c.Header...)
	if c.Method == http.MethodPost || c.Method == http.MethodPut {
		fields = append(fields, Field{"Content-Length", "0"})
	}
	timeout := target.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	resp, body, err := SendRaw(host, c.Method, c.Target, fields, timeout)
	require.NoError(t, err, "sending %s %s to %s", c.Method, c.Target, host)
	desc := fmt.Sprintf("%s %s (token %v, scope %q) answered %d %s", c.Method, c.Target, c.Token, c.Scope, resp.StatusCode, body)
	require.Equal(t, c.Status, resp.StatusCode, "status of %s; want %d", desc, c.Status)

	reached := resp.Header.Get(UpstreamMarker) == "reached"
	if c.Status != http.StatusOK {
		assert.False(t, reached, "%s: the upstream was reached by a refused request", desc)
		switch got := resp.Header.Values("Www-Authenticate"); c.Challenge {
		case AnyChallenge:
		case "":
			assert.Empty(t, got, "%s: WWW-Authenticate %q, want none", desc, got)
		default:
			assert.True(t, slices.ContainsFunc(got, func(v string) bool { return strings.Contains(v, c.Challenge) }),
				"%s: WWW-Authenticate %q, want one containing %q", desc, got, c.Challenge)
		}
		return
	}
	require.True(t, reached, "%s: answered 200 without reaching the upstream", desc)
	var echo Echo
	require.NoError(t, json.Unmarshal(body, &echo), "%s: decoding the upstream's echo", desc)

	want := maps.Clone(c.Want)
	if want == nil {
		want = map[string]string{}
	}
	for k, v := range want {
		if v == IssuerValue {
			want[k] = target.Issuer.URL
		}
	}
	absent := slices.Clone(c.Absent)
	for _, name := range HeaderNames() {
		if _, ok := want[name]; !ok {
			absent = append(absent, name)
		}
	}
	if token != "" && target.ForwardAuthorization {
		want["Authorization"] = "Bearer " + token
	} else {
		absent = append(absent, "Authorization")
	}
	for name, v := range want {
		assert.Equal(t, []string{v}, Values(echo.Header, name),
			"%s: the upstream's %s (in every spelling); want exactly %q", desc, name, v)
	}
	for _, name := range absent {
		assert.Empty(t, Values(echo.Header, name), "%s: the upstream received %s (in some spelling); want none", desc, name)
	}
	if c.WantPath != "" {
		assert.Equal(t, c.WantPath, echo.EscapedPath, "%s: the upstream's escaped path", desc)
	}
	if c.WantQuery != "" {
		assert.Equal(t, c.WantQuery, echo.Query, "%s: the upstream's query", desc)
	}
}

// Values returns the values of every header of h whose name is name in
// any letter case and with "_" and "-" taken as equal, in the order of
// their sorted names.
func Values(h map[string][]string, name string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(h)) {
		if FoldName(k) == FoldName(name) {
			out = append(out, h[k]...)
		}
	}
	return out
}

// FoldName returns name in lower case with "_" turned into "-".
func FoldName(name string) string {
	return strings.ReplaceAll(strings.ToLower(name), "_", "-")
}

// MintToken returns a token of the given kind from iss, with the table's
// claims ([Subject], [ClientID], [Tenant]), scope and the extra claims (a
// nil value removes a claim); "" for [NoToken].
func MintToken(t testing.TB, iss *verifiertest.Issuer, kind Token, scope string, extra map[string]any) string {
	t.Helper()
	claims := map[string]any{"client_id": ClientID, "tenant_id": Tenant}
	maps.Copy(claims, extra)
	tok := verifiertest.Token{Subject: Subject, Scope: scope, Claims: claims}
	switch kind {
	case NoToken:
		return ""
	case Malformed:
		return "not-a-jwt"
	case Expired:
		tok.ExpiresIn = -time.Hour
	case OtherAudience:
		tok.Audience = []string{"https://other.example.test"}
	}
	s := iss.MustMint(t, tok)
	if kind == BadSignature {
		// Change a character in the middle of the signature, whose bits
		// all count (the last character's low bits may not).
		i := strings.LastIndexByte(s, '.') + (len(s)-strings.LastIndexByte(s, '.'))/2
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		s = s[:i] + string(c) + s[i+1:]
	}
	return s
}

// SendRaw sends one HTTP/1.1 request to addr (host:port) on a new TCP
// connection, written exactly as given: the method and request target
// unchanged, the header fields in order with their names as spelled,
// then "Connection: close". It returns the response and its body.
func SendRaw(addr, method, target string, fields []Field, timeout time.Duration) (*http.Response, []byte, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, nil, fmt.Errorf("gatewaytest: %w", err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return nil, nil, fmt.Errorf("gatewaytest: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", method, target)
	for _, f := range fields {
		fmt.Fprintf(&b, "%s: %s\r\n", f.Name, f.Value)
	}
	b.WriteString("Connection: close\r\n\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		return nil, nil, fmt.Errorf("gatewaytest: writing the request: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		return nil, nil, fmt.Errorf("gatewaytest: reading the response: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("gatewaytest: reading the response body: %w", err)
	}
	return resp, body, nil
}
