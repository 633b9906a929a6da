package gateway_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/claimheader"
	"github.com/jwtgate/jwtgate/gateway"
	"github.com/jwtgate/jwtgate/gateway/gatewaytest"
	"github.com/jwtgate/jwtgate/policy"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

const (
	proxyAddr     = "127.0.0.1:40000" // a trusted proxy's RemoteAddr
	untrustedAddr = "203.0.113.7:40000"
)

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// recorder collects the Results a gateway reports.
type recorder struct{ results []gateway.Result }

func (r *recorder) onResult(_ *http.Request, res gateway.Result) { r.results = append(r.results, res) }

// last returns the only result reported, failing t if there is not
// exactly one.
func (r *recorder) only(t *testing.T) gateway.Result {
	t.Helper()
	require.Len(t, r.results, 1, "OnResult calls; want exactly one per request")
	return r.results[0]
}

func TestNewRefuses(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	v, err := verifier.New(iss.VerifierConfig())
	require.NoError(t, err)
	p := gatewaytest.Policy(t)
	h := gatewaytest.Headers(t)
	cases := []struct {
		name string
		cfg  gateway.Config
	}{
		{"no verifier", gateway.Config{Policy: p}},
		{"no policy", gateway.Config{Verifier: v}},
		{"bearer proxy", gateway.Config{Verifier: v, Policy: p, Bearer: bearer.Options{Proxy: &bearer.Proxy{Addresses: loopback}}}},
		{"optional", gateway.Config{Verifier: v, Policy: p, Bearer: bearer.Options{Optional: true}}},
		{"invalid prefix", gateway.Config{Verifier: v, Policy: p, TrustedProxies: []netip.Prefix{{}}}},
		{"mapped prefix", gateway.Config{Verifier: v, Policy: p, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("::ffff:127.0.0.1/128")}}},
		{"certificate header without proxies", gateway.Config{Verifier: v, Policy: p, CertificateHeader: "X-Client-Cert"}},
		{"certificate header is a claim header", gateway.Config{Verifier: v, Policy: p, Headers: h, TrustedProxies: loopback, CertificateHeader: "x_auth_subject"}},
		{"invalid certificate header", gateway.Config{Verifier: v, Policy: p, TrustedProxies: loopback, CertificateHeader: "X Cert"}},
		{"path prefix without slash", gateway.Config{Verifier: v, Policy: p, PathPrefix: "auth"}},
		{"path prefix ending in slash", gateway.Config{Verifier: v, Policy: p, PathPrefix: "/auth/"}},
		{"bad realm", gateway.Config{Verifier: v, Policy: p, Bearer: bearer.Options{Realm: "a\nb"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := gateway.New(c.cfg)
			assert.Nil(t, g, "gateway.New(%s) returned a gateway", c.name)
			require.Error(t, err, "gateway.New(%s) returned no error", c.name)
			assert.Regexp(t, "^gateway: ", err.Error(), "gateway.New(%s) error", c.name)
		})
	}
	g, err := gateway.New(gateway.Config{Verifier: v, Policy: p, Headers: h, TrustedProxies: loopback, CertificateHeader: "X-Client-Cert", PathPrefix: "/auth"})
	require.NoError(t, err, "gateway.New of a valid configuration")
	require.NotNil(t, g)
}

// fixture is a gateway of the table's policy and headers, with a recorder
// of its results.
type fixture struct {
	iss *verifiertest.Issuer
	g   *gateway.Gateway
	rec *recorder
}

func newFixture(t *testing.T, cfg gateway.Config) *fixture {
	t.Helper()
	f := &fixture{iss: verifiertest.Start(t, verifiertest.IssuerConfig{}), rec: &recorder{}}
	cfg.OnResult = f.rec.onResult
	f.g = newGateway(t, f.iss, cfg)
	return f
}

func (f *fixture) token(t *testing.T, kind gatewaytest.Token, scope string) string {
	return gatewaytest.MintToken(t, f.iss, kind, scope, nil)
}

// capture is an upstream handler that keeps the request it was given.
type capture struct{ r *http.Request }

func (c *capture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.r = r
	w.WriteHeader(http.StatusNoContent)
}

func TestHandlerResults(t *testing.T) {
	f := newFixture(t, gateway.Config{})
	valid := f.token(t, gatewaytest.Valid, "read")
	expired := f.token(t, gatewaytest.Expired, "read")
	cases := []struct {
		name, method, target, token string
		status                      int
		outcome                     string
		rule                        string // the decision's pattern; "-" for a zero decision
		claims                      bool
		is                          error
	}{
		{"public", "GET", "/healthz", "", 204, gateway.OutcomePublic, "/healthz", false, nil},
		{"public with bad token", "GET", "/healthz", "junk", 204, gateway.OutcomePublic, "/healthz", false, nil},
		{"allowed", "GET", "/items/1", valid, 204, gateway.OutcomeAllowed, "GET /items/", true, nil},
		{"authenticated", "GET", "/me", valid, 204, gateway.OutcomeAllowed, "/me", true, nil},
		{"no credentials", "GET", "/me", "", 401, gateway.OutcomeNoCredentials, "/me", false, bearer.ErrNoCredentials},
		{"expired", "GET", "/me", expired, 401, "expired", "/me", false, verifier.ErrExpired},
		{"malformed", "GET", "/me", "junk", 401, "malformed", "/me", false, verifier.ErrMalformed},
		{"insufficient scope", "POST", "/items/", valid, 403, gateway.OutcomeInsufficientScope, "POST /items/", true, scopes.ErrInsufficientScope},
		{"denied rule, token not verified", "GET", "/internal/x", "junk", 403, gateway.OutcomeDenied, "/internal/", false, nil},
		{"denied by default", "GET", "/nowhere", valid, 403, gateway.OutcomeDenied, "", false, nil},
		{"ambiguous path", "GET", "/public/%2e%2e/admin/", valid, 400, gateway.OutcomeAmbiguousPath, "-", false, policy.ErrAmbiguousPath},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.rec.results = nil
			up := &capture{}
			r := httptest.NewRequest(c.method, c.target, nil)
			if c.token != "" {
				r.Header.Set("Authorization", "Bearer "+c.token)
			}
			w := httptest.NewRecorder()
			f.g.Handler(up).ServeHTTP(w, r)
			desc := c.method + " " + c.target
			require.Equal(t, c.status, w.Code, "Handler answered %s with %d %s", desc, w.Code, w.Body)
			res := f.rec.only(t)
			assert.Equal(t, c.outcome, res.Outcome, "Result.Outcome of %s", desc)
			wantStatus := c.status
			if c.status == 204 {
				wantStatus = 200
				assert.NoError(t, res.Err, "Result.Err of %s", desc)
				require.NotNil(t, up.r, "the upstream was not called for %s", desc)
			} else {
				assert.Nil(t, up.r, "the upstream was called for %s", desc)
				assert.Error(t, res.Err, "Result.Err of %s", desc)
			}
			assert.Equal(t, wantStatus, res.Status, "Result.Status of %s", desc)
			if c.is != nil {
				assert.ErrorIs(t, res.Err, c.is, "Result.Err of %s", desc)
			}
			if c.rule == "-" {
				assert.Zero(t, res.Decision, "Result.Decision of %s", desc)
			} else {
				assert.Equal(t, c.rule, res.Decision.Pattern, "Result.Decision.Pattern of %s", desc)
			}
			if c.claims {
				require.NotNil(t, res.Claims, "Result.Claims of %s", desc)
				assert.Equal(t, gatewaytest.Subject, res.Claims.Subject(), "Result.Claims.Subject() of %s", desc)
			} else {
				assert.Nil(t, res.Claims, "Result.Claims of %s", desc)
			}
			if c.status == 403 && c.outcome == gateway.OutcomeDenied {
				assert.Empty(t, w.Header().Values("WWW-Authenticate"), "WWW-Authenticate of a denied request")
				assert.JSONEq(t, `{"error":"access_denied","error_description":"the policy denies this request"}`, w.Body.String(), "body of a denied request")
				assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			}
			if c.outcome == gateway.OutcomeAmbiguousPath {
				assert.Equal(t, `Bearer realm="gatewaytest", error="invalid_request", error_description="ambiguous request path: dot segment"`,
					w.Header().Get("WWW-Authenticate"), "challenge of an ambiguous path")
			}
		})
	}
}

func TestHandlerLeavesTheCallersRequestAlone(t *testing.T) {
	f := newFixture(t, gateway.Config{})
	tok := f.token(t, gatewaytest.Valid, "read")
	r := httptest.NewRequest("GET", "/me", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	r.Header.Set("X-Auth-Subject", "mallory")
	r.Header.Set("X-Forwarded-Host", "evil.example")
	before := r.Header.Clone()
	up := &capture{}
	f.g.Handler(up).ServeHTTP(httptest.NewRecorder(), r)
	require.NotNil(t, up.r, "the upstream was not called")
	assert.Equal(t, before, r.Header, "the caller's request headers after Handler")
	assert.Equal(t, []string{gatewaytest.Subject}, up.r.Header.Values("X-Auth-Subject"), "upstream X-Auth-Subject")
	assert.Empty(t, up.r.Header.Values("Authorization"), "upstream Authorization")
	assert.Empty(t, up.r.Header.Values("X-Forwarded-Host"), "upstream X-Forwarded-Host")
	claims, ok := verifier.FromContext(up.r.Context())
	require.True(t, ok, "the upstream request carries no claims in its context")
	assert.Equal(t, gatewaytest.Subject, claims.Subject())
}

func TestHandlerTrustedProxyKeepsForwarding(t *testing.T) {
	f := newFixture(t, gateway.Config{TrustedProxies: loopback, CertificateHeader: "X-Client-Cert"})
	for _, c := range []struct {
		name   string
		remote string
		kept   bool
	}{{"trusted", proxyAddr, true}, {"untrusted", untrustedAddr, false}} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/healthz", nil)
			r.RemoteAddr = c.remote
			r.Header.Set("X-Forwarded-For", "198.51.100.1")
			r.Header.Set("X-Forwarded-Proto", "https")
			r.Header["X_forwarded_host"] = []string{"evil.example"}
			r.Header.Set("X-Original-Uri", "/admin/")
			r.Header.Set("X-Client-Cert", "garbage")
			r.Header.Set("X-Other", "kept")
			up := &capture{}
			f.g.Handler(up).ServeHTTP(httptest.NewRecorder(), r)
			require.NotNil(t, up.r, "the upstream was not called")
			for _, name := range []string{"X-Forwarded-For", "X-Forwarded-Proto", "X_forwarded_host", "X-Original-Uri", "X-Client-Cert"} {
				if c.kept {
					assert.NotEmpty(t, up.r.Header[name], "%s from a %s client", name, c.name)
				} else {
					assert.Empty(t, up.r.Header[name], "%s from a %s client", name, c.name)
				}
			}
			assert.Equal(t, "kept", up.r.Header.Get("X-Other"))
		})
	}
}

// TestUnsendableClaims: a valid token whose claims a header cannot carry
// is refused with 401, never passed on with headers missing.
func TestUnsendableClaims(t *testing.T) {
	f := newFixture(t, gateway.Config{TrustedProxies: loopback})
	tok, err := f.iss.Mint(verifiertest.Token{Subject: "alice\nX-Admin: yes", Scope: "read"})
	require.NoError(t, err)
	for _, mode := range []string{"handler", "forward_auth"} {
		t.Run(mode, func(t *testing.T) {
			f.rec.results = nil
			up := &capture{}
			r := httptest.NewRequest("GET", "/me", nil)
			r.RemoteAddr = proxyAddr
			r.Header.Set("Authorization", "Bearer "+tok)
			h := f.g.Handler(up)
			if mode == "forward_auth" {
				r.Header.Set("X-Original-Method", "GET")
				r.Header.Set("X-Original-Uri", "/me")
				h = f.g.ForwardAuth()
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			assert.Equal(t, http.StatusUnauthorized, w.Code, "status for a subject with a newline; body %s", w.Body)
			assert.Contains(t, w.Header().Get("WWW-Authenticate"), `error="invalid_token"`)
			assert.Nil(t, up.r, "the upstream was called")
			for _, name := range gatewaytest.HeaderNames() {
				assert.Empty(t, w.Header().Values(name), "answer header %s", name)
			}
			res := f.rec.only(t)
			assert.Equal(t, gateway.OutcomeInvalidClaims, res.Outcome)
			assert.Equal(t, http.StatusUnauthorized, res.Status)
			assert.ErrorIs(t, res.Err, claimheader.ErrInvalidValue)
			assert.NotContains(t, res.Err.Error(), "X-Admin", "the error quotes the claim")
		})
	}
}

func TestKeysUnavailable(t *testing.T) {
	f := newFixture(t, gateway.Config{})
	tok := f.token(t, gatewaytest.Valid, "read")
	f.iss.SetFault(verifiertest.FaultDown)
	r := httptest.NewRequest("GET", "/me", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	f.g.Handler(&capture{}).ServeHTTP(w, r)
	assert.Equal(t, http.StatusServiceUnavailable, w.Code, "status with the issuer down; body %s", w.Body)
	assert.Equal(t, "30", w.Header().Get("Retry-After"))
	assert.Equal(t, gateway.OutcomeKeysUnavailable, f.rec.only(t).Outcome)
}

// TestForwardAuthUntrusted: a forward-auth request from an address that
// is not a trusted proxy is refused, whatever it forges.
func TestForwardAuthUntrusted(t *testing.T) {
	f := newFixture(t, gateway.Config{TrustedProxies: loopback})
	tok := f.token(t, gatewaytest.Valid, "admin read write")
	for _, remote := range []string{untrustedAddr, "[::1]:4000", "not an address", "127.0.0.1"} {
		t.Run(remote, func(t *testing.T) {
			f.rec.results = nil
			r := httptest.NewRequest("GET", "/healthz", nil)
			r.RemoteAddr = remote
			r.Header.Set("Authorization", "Bearer "+tok)
			r.Header.Set("X-Forwarded-Method", "GET")
			r.Header.Set("X-Forwarded-Uri", "/healthz")
			r.Header.Set("X-Original-Method", "GET")
			r.Header.Set("X-Original-Uri", "/healthz")
			r.Header.Set("X-Forwarded-Host", "api.example")
			r.Header.Set("X-Forwarded-Proto", "https")
			w := httptest.NewRecorder()
			f.g.ForwardAuth().ServeHTTP(w, r)
			assert.Equal(t, http.StatusForbidden, w.Code, "ForwardAuth from %s: body %s", remote, w.Body)
			assert.JSONEq(t, `{"error":"access_denied","error_description":"forward auth answers trusted proxies only"}`, w.Body.String())
			assert.Empty(t, w.Header().Values("WWW-Authenticate"))
			for _, name := range gatewaytest.HeaderNames() {
				assert.Empty(t, w.Header().Values(name), "answer header %s", name)
			}
			res := f.rec.only(t)
			assert.Equal(t, gateway.OutcomeUntrustedProxy, res.Outcome)
			assert.Equal(t, http.StatusForbidden, res.Status)
			assert.Nil(t, res.Claims, "claims of an untrusted request: its token was verified")
			assert.Zero(t, res.Decision, "decision of an untrusted request: its headers were read")
		})
	}
}

func TestForwardAuthHeaders(t *testing.T) {
	f := newFixture(t, gateway.Config{TrustedProxies: loopback, PathPrefix: "/ext"})
	read := f.token(t, gatewaytest.Valid, "read")
	type hdr = map[string][]string
	cases := []struct {
		name    string
		path    string // the sub-request's own path
		method  string // the sub-request's own method
		header  hdr
		status  int
		outcome string
		pattern string // the decision's pattern, when the status is not 400
	}{
		{"nginx", "/auth", "GET", hdr{"X-Original-Method": {"GET"}, "X-Original-Uri": {"/items/1?x=/healthz"}}, 200, gateway.OutcomeAllowed, "GET /items/"},
		{"nginx post", "/auth", "GET", hdr{"X-Original-Method": {"POST"}, "X-Original-Uri": {"/items/"}}, 403, gateway.OutcomeInsufficientScope, "POST /items/"},
		{"caddy traefik", "/", "GET", hdr{"X-Forwarded-Method": {"GET"}, "X-Forwarded-Uri": {"/items/1"}}, 200, gateway.OutcomeAllowed, "GET /items/"},
		{"ingress-nginx url", "/", "GET", hdr{"X-Original-Method": {"GET"}, "X-Original-Url": {"https://api.example/items/1?a=b"}}, 200, gateway.OutcomeAllowed, "GET /items/"},
		{"all agree", "/", "GET", hdr{"X-Original-Method": {"GET"}, "X-Forwarded-Method": {"GET"}, "X-Forwarded-Uri": {"/items/1?a"}, "X-Original-Uri": {"/items/1?b"}, "X-Original-Url": {"http://h/items/1"}}, 200, gateway.OutcomeAllowed, "GET /items/"},
		{"public", "/", "POST", hdr{"X-Forwarded-Method": {"GET"}, "X-Forwarded-Uri": {"/healthz"}}, 200, gateway.OutcomePublic, "/healthz"},
		{"denied", "/", "GET", hdr{"X-Forwarded-Method": {"GET"}, "X-Forwarded-Uri": {"/internal/"}}, 403, gateway.OutcomeDenied, "/internal/"},
		{"host header", "/", "GET", hdr{"X-Forwarded-Method": {"GET"}, "X-Forwarded-Uri": {"/items/1"}, "X-Forwarded-Host": {"api.example"}}, 200, gateway.OutcomeAllowed, "GET /items/"},
		{"envoy", "/ext/items/1", "GET", nil, 200, gateway.OutcomeAllowed, "GET /items/"},
		{"envoy post", "/ext/items/", "POST", nil, 403, gateway.OutcomeInsufficientScope, "POST /items/"},
		{"envoy ambiguous", "/ext/items/%2e%2e/admin/", "GET", nil, 400, gateway.OutcomeAmbiguousPath, ""},
		{"envoy outside prefix", "/items/1", "GET", nil, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"envoy prefix only", "/ext", "GET", nil, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"envoy prefix as word", "/extra/items/1", "GET", nil, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"methods disagree", "/", "GET", hdr{"X-Original-Method": {"GET"}, "X-Forwarded-Method": {"POST"}, "X-Forwarded-Uri": {"/items/1"}}, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"uris disagree", "/", "GET", hdr{"X-Original-Method": {"GET"}, "X-Original-Uri": {"/items/1"}, "X-Forwarded-Uri": {"/healthz"}}, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"url disagrees", "/", "GET", hdr{"X-Original-Method": {"GET"}, "X-Original-Uri": {"/healthz"}, "X-Original-Url": {"http://h/items/1"}}, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"method twice", "/", "GET", hdr{"X-Original-Method": {"GET", "GET"}, "X-Original-Uri": {"/items/1"}}, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"uri twice", "/", "GET", hdr{"X-Original-Method": {"GET"}, "X-Original-Uri": {"/items/1", "/items/1"}}, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"method without uri", "/healthz", "GET", hdr{"X-Original-Method": {"GET"}}, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"uri without method", "/", "GET", hdr{"X-Original-Uri": {"/healthz"}}, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"not a method", "/", "GET", hdr{"X-Original-Method": {"GET /healthz"}, "X-Original-Uri": {"/healthz"}}, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"empty method", "/", "GET", hdr{"X-Original-Method": {""}, "X-Original-Uri": {"/healthz"}}, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"fragment", "/", "GET", hdr{"X-Original-Method": {"GET"}, "X-Original-Uri": {"/items/1#/healthz"}}, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"relative uri", "/", "GET", hdr{"X-Original-Method": {"GET"}, "X-Original-Uri": {"healthz"}}, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"absolute uri where a path belongs", "/", "GET", hdr{"X-Original-Method": {"GET"}, "X-Forwarded-Uri": {"http://h/healthz"}}, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"path where a url belongs", "/", "GET", hdr{"X-Original-Method": {"GET"}, "X-Original-Url": {"/healthz"}}, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"invalid escape", "/", "GET", hdr{"X-Original-Method": {"GET"}, "X-Original-Uri": {"/healthz%zz"}}, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"empty uri", "/", "GET", hdr{"X-Original-Method": {"GET"}, "X-Original-Uri": {""}}, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"asterisk", "/", "GET", hdr{"X-Original-Method": {"OPTIONS"}, "X-Original-Uri": {"*"}}, 400, gateway.OutcomeAmbiguousPath, ""},
		{"double slash authority", "/", "GET", hdr{"X-Original-Method": {"GET"}, "X-Original-Uri": {"//healthz/x"}}, 400, gateway.OutcomeAmbiguousPath, ""},
		{"encoded slash", "/", "GET", hdr{"X-Original-Method": {"GET"}, "X-Original-Uri": {"/public%2f..%2fadmin/"}}, 400, gateway.OutcomeAmbiguousPath, ""},
		{"host twice", "/", "GET", hdr{"X-Original-Method": {"GET"}, "X-Original-Uri": {"/healthz"}, "X-Forwarded-Host": {"a", "b"}}, 400, gateway.OutcomeAmbiguousRequest, ""},
		{"host list", "/", "GET", hdr{"X-Original-Method": {"GET"}, "X-Original-Uri": {"/healthz"}, "X-Forwarded-Host": {"a, b"}}, 400, gateway.OutcomeAmbiguousRequest, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.rec.results = nil
			r := httptest.NewRequest(c.method, c.path, nil)
			r.RemoteAddr = proxyAddr
			r.Header.Set("Authorization", "Bearer "+read)
			for k, v := range c.header {
				r.Header[k] = v
			}
			w := httptest.NewRecorder()
			f.g.ForwardAuth().ServeHTTP(w, r)
			require.Equal(t, c.status, w.Code, "ForwardAuth of %s %s %v: body %s", c.method, c.path, c.header, w.Body)
			res := f.rec.only(t)
			assert.Equal(t, c.outcome, res.Outcome, "Result.Outcome")
			assert.Equal(t, c.pattern, res.Decision.Pattern, "Result.Decision.Pattern")
			switch {
			case c.status == 200 && c.outcome == gateway.OutcomeAllowed:
				assert.Equal(t, gatewaytest.Subject, w.Header().Get(gatewaytest.SubjectHeader), "claim header on the answer")
				assert.Equal(t, "read", w.Header().Get(gatewaytest.ScopesHeader), "claim header on the answer")
				assert.Empty(t, w.Body.String(), "body of a 200")
			case c.status == 200:
				for _, name := range gatewaytest.HeaderNames() {
					assert.Empty(t, w.Header().Values(name), "claim header %s on a public answer", name)
				}
			case c.status == 400:
				assert.Contains(t, w.Header().Get("WWW-Authenticate"), `error="invalid_request"`, "challenge of a 400")
				var reqErr *bearer.RequestError
				if c.outcome == gateway.OutcomeAmbiguousRequest {
					assert.True(t, errors.As(res.Err, &reqErr), "Result.Err %v is not a *bearer.RequestError", res.Err)
				}
			}
		})
	}
}
