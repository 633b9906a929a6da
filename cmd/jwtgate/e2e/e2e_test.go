package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/jwtgate/jwtgate/gateway/gatewaytest"
	"github.com/jwtgate/jwtgate/policy"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// guardedUpstream is the table's upstream (gatewaytest.UpstreamHandler)
// with a check of its own, independent of what each front answers: a
// request it receives for a path the test policy does not make public
// must carry the verified subject, which only jwtgate sets. Whatever a
// front refuses or mangles by itself, nothing reaches the service
// unauthenticated.
type guardedUpstream struct {
	policy *policy.Policy
	next   http.Handler

	mu         sync.Mutex
	hits       int
	violations []string
}

func (u *guardedUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.hits++
	u.mu.Unlock()
	if v := u.violation(r); v != "" {
		u.mu.Lock()
		u.violations = append(u.violations, v)
		u.mu.Unlock()
	}
	u.next.ServeHTTP(w, r)
}

func (u *guardedUpstream) violation(r *http.Request) string {
	path, err := policy.CanonicalPath(r.URL.EscapedPath())
	if err != nil {
		return fmt.Sprintf("%s %s: an ambiguous path reached the upstream (%v)", r.Method, r.RequestURI, err)
	}
	if u.policy.Match(r.Method, "", path).Access.Kind() == policy.KindPublic {
		return ""
	}
	if got := gatewaytest.Values(r.Header, gatewaytest.SubjectHeader); len(got) != 1 || got[0] != gatewaytest.Subject {
		return fmt.Sprintf("%s %s reached the upstream with %s %q; want the verified %q", r.Method, r.RequestURI, gatewaytest.SubjectHeader, got, gatewaytest.Subject)
	}
	return ""
}

func startGuardedUpstream(t *testing.T) (*guardedUpstream, string) {
	t.Helper()
	u := &guardedUpstream{policy: gatewaytest.Policy(t), next: gatewaytest.UpstreamHandler()}
	s := httptest.NewServer(u)
	t.Cleanup(s.Close)
	t.Cleanup(func() {
		u.mu.Lock()
		defer u.mu.Unlock()
		assert.Empty(t, u.violations, "requests that reached the upstream unauthenticated (of %d)", u.hits)
		assert.Positive(t, u.hits, "requests that reached the upstream: the table has cases that must")
	})
	return u, s.URL
}

// proxyStatus is the status each case of the table wants in proxy mode.
func proxyStatus() map[string]int {
	m := map[string]int{}
	for _, c := range gatewaytest.Cases() {
		m[c.Name] = c.Status
	}
	return m
}

// TestTable runs the acceptance table (gatewaytest) through jwtgate, built
// and run as a process: in proxy mode directly, and in forward_auth mode
// behind nginx (auth_request) and Caddy (forward_auth) with this
// package's configurations. Each front's differences from the table are
// in its adjust function, with the reason.
func TestTable(t *testing.T) {
	fronts := []struct {
		name   string
		mode   gatewaytest.Mode
		start  func(testing.TB, Front) string
		adjust func(c *gatewaytest.Case, proxy map[string]int)
	}{
		{name: "proxy", mode: gatewaytest.ModeProxy},
		{name: "nginx", mode: gatewaytest.ModeForwardAuth, start: startNginx, adjust: adjustNginx},
		{name: "caddy", mode: gatewaytest.ModeForwardAuth, start: startCaddy, adjust: adjustCaddy},
	}
	for _, fr := range fronts {
		t.Run(fr.name, func(t *testing.T) {
			if fr.start != nil {
				lookGateway(t, fr.name) // skip before starting anything
			}
			iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
			_, upstream := startGuardedUpstream(t)
			g := Gate{
				Mode:   fr.mode.String(),
				Issuer: iss.URL, JWKSURL: iss.JWKSURL(), Audience: iss.Audience(),
				Rest: gatewaytest.ConfigYAML,
			}
			if fr.mode == gatewaytest.ModeProxy {
				g.Upstream = upstream
			}
			gate := startJwtgate(t, g)
			front := "http://" + gate.Addr
			if fr.start != nil {
				front = "http://" + fr.start(t, Front{
					Auth:         gate.Addr,
					Upstream:     upstream[len("http://"):],
					ClaimHeaders: gatewaytest.HeaderNames(),
				})
			}
			target := gatewaytest.Target{Mode: fr.mode, URL: front, Issuer: iss}
			if fr.adjust != nil {
				proxy := proxyStatus()
				target.Adjust = func(c *gatewaytest.Case) { fr.adjust(c, proxy) }
			}
			gatewaytest.Run(t, target)
		})
	}
}

// restoreForged undoes the table's ForwardAuthStatus: the fronts here
// remove the forwarding headers a client forges before jwtgate sees them
// (and before the service does), so that jwtgate decides on the real
// request as in proxy mode, instead of refusing the disagreeing headers
// with 400.
func restoreForged(c *gatewaytest.Case, proxy map[string]int) {
	for _, orig := range gatewaytest.Cases() {
		if orig.Name == c.Name && orig.ForwardAuthStatus != 0 {
			c.Status = proxy[c.Name]
		}
	}
}

// nginxRefuses are the cases nginx answers with 400 itself, before it
// asks jwtgate (its own error page, no challenge).
var nginxRefuses = map[string]string{
	"authenticated/two_authorization_headers": "a second Authorization header",
	"default/lowercase_method":                "a method in lower case",
	"path/invalid_escape":                     "an invalid percent-escape",
	"path/truncated_escape":                   "a truncated percent-escape",
}

// adjustNginx adapts the table to nginx in front of jwtgate.
func adjustNginx(c *gatewaytest.Case, proxy map[string]int) {
	restoreForged(c, proxy)
	switch {
	case nginxRefuses[c.Name] != "":
		c.Status = http.StatusBadRequest
		c.Challenge = ""
	case c.Status == http.StatusBadRequest:
		// auth_request: "Any other response code returned by the
		// subrequest is considered an error": jwtgate's 400 becomes 500,
		// without the challenge.
		c.Status = http.StatusInternalServerError
		c.Challenge = ""
	}
}

// adjustCaddy adapts the table to Caddy in front of jwtgate.
func adjustCaddy(c *gatewaytest.Case, proxy map[string]int) {
	restoreForged(c, proxy)
}

func TestGuardedUpstream(t *testing.T) {
	u := &guardedUpstream{policy: gatewaytest.Policy(t), next: http.NotFoundHandler()}
	for _, tc := range []struct {
		method, target, subject string
		violation               bool
	}{
		{"GET", "/healthz", "", false},
		{"GET", "/public/page", "", false},
		{"GET", "/me", gatewaytest.Subject, false},
		{"GET", "/me", "", true},
		{"GET", "/me", "mallory", true},
		{"GET", "/public/%2e%2e/admin/users", gatewaytest.Subject, true},
		{"GET", "/other", "", true},
	} {
		r := httptest.NewRequest(tc.method, tc.target, nil)
		if tc.subject != "" {
			r.Header.Set(gatewaytest.SubjectHeader, tc.subject)
		}
		got := u.violation(r)
		assert.Equal(t, tc.violation, got != "", "violation(%s %s, subject %q) = %q; want a violation: %v", tc.method, tc.target, tc.subject, got, tc.violation)
	}
}
