package e2e

import (
	"encoding/json/v2"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests pin down what nginx and Caddy do with the configurations of
// this package, with a stub in jwtgate's place whose answers are known:
// the facts the end-to-end tests and the README rely on, checked on the
// installed versions rather than remembered.

// stubAuth is a forward-auth server with fixed answers, keyed by the
// Authorization header: "Bearer good" passes with claim headers,
// "Bearer noscope" gets 403, "Bearer down" 503 and "Bearer bad" 400; no
// token passes only for paths under /public/. It decides on the
// X-Forwarded-Uri the gateway sends, and records what it was sent.
type stubAuth struct {
	mu   sync.Mutex
	seen []http.Header
}

func (s *stubAuth) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.seen = append(s.seen, r.Header.Clone())
	s.mu.Unlock()
	uri := r.Header.Get("X-Forwarded-Uri")
	switch r.Header.Get("Authorization") {
	case "Bearer good":
		w.Header().Set("X-Auth-Subject", "alice")
		w.Header().Set("X-Auth-Scopes", "read")
		// No X-Auth-Tenant: a client's must not take its place.
		w.WriteHeader(http.StatusOK)
	case "Bearer noscope":
		w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="insufficient_scope", scope="write"`)
		w.WriteHeader(http.StatusForbidden)
	case "Bearer down":
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
	case "Bearer bad":
		w.WriteHeader(http.StatusBadRequest)
	case "":
		if strings.HasPrefix(uri, "/public/") {
			w.WriteHeader(http.StatusOK)
			return
		}
		fallthrough
	default:
		w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
		w.WriteHeader(http.StatusUnauthorized)
	}
}

func (s *stubAuth) last(t *testing.T) http.Header {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	require.NotEmpty(t, s.seen, "the auth server was never asked")
	return s.seen[len(s.seen)-1]
}

// echoUpstream answers every request with 200 and a JSON object of the
// request's method, URI and headers, and counts the requests it got.
type echoUpstream struct {
	mu   sync.Mutex
	hits int
}

type echoed struct {
	Method string      `json:"method"`
	URI    string      `json:"uri"`
	Header http.Header `json:"header"`
}

func (u *echoUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.hits++
	u.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.MarshalWrite(w, echoed{Method: r.Method, URI: r.RequestURI, Header: r.Header})
}

func (u *echoUpstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hits
}

var stubClaimHeaders = []string{"X-Auth-Subject", "X-Auth-Scopes", "X-Auth-Tenant"}

func TestFrontsWithStub(t *testing.T) {
	fronts := []struct {
		name  string
		start func(testing.TB, Front) string
		// errorStatus is what the front answers when the auth server
		// answers 400 or 503.
		errorStatus func(authStatus int) int
	}{
		// nginx: "Any other response code returned by the subrequest is
		// considered an error" (ngx_http_auth_request_module): 500.
		{"nginx", startNginx, func(int) int { return http.StatusInternalServerError }},
		// Caddy copies a non-2xx answer back to the client.
		{"caddy", startCaddy, func(s int) int { return s }},
	}
	for _, fr := range fronts {
		t.Run(fr.name, func(t *testing.T) {
			auth := &stubAuth{}
			authSrv := httptest.NewServer(auth)
			t.Cleanup(authSrv.Close)
			up := &echoUpstream{}
			upSrv := httptest.NewServer(up)
			t.Cleanup(upSrv.Close)
			addr := fr.start(t, Front{
				Auth:         authSrv.Listener.Addr().String(),
				Upstream:     upSrv.Listener.Addr().String(),
				ClaimHeaders: stubClaimHeaders,
			})

			do := func(t *testing.T, method, target string, hdr map[string]string) (*http.Response, []byte) {
				t.Helper()
				req, err := http.NewRequest(method, "http://"+addr+target, nil)
				require.NoError(t, err)
				for k, v := range hdr {
					// Set the map directly: keep the client's spelling.
					req.Header[k] = []string{v}
				}
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err, "%s %s through %s", method, target, fr.name)
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				return resp, body
			}

			t.Run("allowed, claim headers replaced", func(t *testing.T) {
				before := up.count()
				resp, body := do(t, "POST", "/items/1?x=y", map[string]string{
					"Authorization":  "Bearer good",
					"X-Auth-Subject": "mallory",
					"x-auth-scopes":  "admin",
					"X-AUTH-TENANT":  "other",
					"X_Auth_Tenant":  "other",
					"X-Auth_Subject": "mallory",
					// Forwarding headers only a proxy may set.
					"X-Original-URI":     "/admin",
					"X_Original_Uri":     "/admin",
					"X-Original-Url":     "http://x.example/admin",
					"X-Forwarded-Uri":    "/admin",
					"X-Forwarded-Method": "DELETE",
					"Forwarded":          "for=203.0.113.9",
					"X-Real-IP":          "203.0.113.9",
					"x-forwarded-prefix": "/admin",
				})
				require.Equal(t, http.StatusOK, resp.StatusCode, "POST /items/1 with a good token through %s: body %s", fr.name, body)
				assert.Equal(t, before+1, up.count(), "upstream requests")
				var e echoed
				require.NoError(t, json.Unmarshal(body, &e), "upstream echo %s", body)
				assert.Equal(t, "POST", e.Method)
				assert.Equal(t, "/items/1?x=y", e.URI)
				assert.Equal(t, []string{"alice"}, e.Header["X-Auth-Subject"], "X-Auth-Subject at the upstream; headers %v", e.Header)
				assert.Equal(t, []string{"read"}, e.Header["X-Auth-Scopes"], "X-Auth-Scopes at the upstream; headers %v", e.Header)
				for name := range e.Header {
					n := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
					if strings.HasPrefix(n, "x-auth-") && name != "X-Auth-Subject" && name != "X-Auth-Scopes" {
						t.Errorf("the upstream got the client's %s: %q; want only the auth answer's claim headers", name, e.Header[name])
					}
				}
				assert.Empty(t, e.Header.Get("Authorization"), "Authorization at the upstream")
				for name := range e.Header {
					n := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
					for _, f := range clientForwarding {
						if n == strings.ToLower(f) {
							t.Errorf("the upstream got the client's %s: %q", name, e.Header[name])
						}
					}
				}
				assert.Empty(t, auth.last(t).Values("X-Original-Url"), "X-Original-Url sent to auth")
				got := auth.last(t)
				if fr.name == "nginx" {
					assert.Equal(t, []string{"/items/1?x=y"}, got.Values("X-Original-Uri"), "X-Original-URI sent to auth")
				} else {
					assert.Empty(t, got.Values("X-Original-Uri"), "X-Original-URI sent to auth")
				}
				assert.Equal(t, "/items/1?x=y", got.Get("X-Forwarded-Uri"), "X-Forwarded-Uri sent to auth")
				assert.Equal(t, "POST", got.Get("X-Forwarded-Method"), "X-Forwarded-Method sent to auth")
			})

			t.Run("forged X-Forwarded-Uri ignored", func(t *testing.T) {
				before := up.count()
				resp, body := do(t, "GET", "/private", map[string]string{
					"X-Forwarded-Uri":    "/public/x",
					"X-Forwarded-Method": "OPTIONS",
					"X-Original-URI":     "/public/x",
				})
				assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "GET /private with a forged X-Forwarded-Uri through %s: body %s", fr.name, body)
				assert.Equal(t, before, up.count(), "upstream requests")
				got := auth.last(t)
				assert.Equal(t, []string{"/private"}, got.Values("X-Forwarded-Uri"), "X-Forwarded-Uri sent to auth")
				assert.Equal(t, []string{"GET"}, got.Values("X-Forwarded-Method"), "X-Forwarded-Method sent to auth")
				if fr.name == "nginx" {
					assert.Equal(t, []string{"/private"}, got.Values("X-Original-Uri"), "X-Original-URI sent to auth")
				}
			})

			t.Run("public path", func(t *testing.T) {
				resp, body := do(t, "GET", "/public/x", nil)
				assert.Equal(t, http.StatusOK, resp.StatusCode, "GET /public/x through %s: body %s", fr.name, body)
			})

			refusals := []struct {
				token, challenge string
				status           int
			}{
				{"", `Bearer realm="api"`, http.StatusUnauthorized},
				{"Bearer noscope", `Bearer realm="api", error="insufficient_scope", scope="write"`, http.StatusForbidden},
			}
			for _, r := range refusals {
				t.Run("refused "+r.token, func(t *testing.T) {
					before := up.count()
					hdr := map[string]string{}
					if r.token != "" {
						hdr["Authorization"] = r.token
					}
					resp, body := do(t, "GET", "/private", hdr)
					assert.Equal(t, r.status, resp.StatusCode, "GET /private (%q) through %s: body %s", r.token, fr.name, body)
					assert.Equal(t, []string{r.challenge}, resp.Header.Values("WWW-Authenticate"), "WWW-Authenticate through %s", fr.name)
					assert.Equal(t, before, up.count(), "upstream requests")
				})
			}
			for _, tc := range []struct {
				token  string
				status int
			}{{"Bearer bad", http.StatusBadRequest}, {"Bearer down", http.StatusServiceUnavailable}} {
				t.Run("auth answers "+http.StatusText(tc.status), func(t *testing.T) {
					before := up.count()
					resp, body := do(t, "GET", "/private", map[string]string{"Authorization": tc.token})
					assert.Equal(t, fr.errorStatus(tc.status), resp.StatusCode, "GET /private (auth answers %d) through %s: body %s", tc.status, fr.name, body)
					assert.Equal(t, before, up.count(), "upstream requests")
				})
			}
		})
	}
}
