package httpauth_test

// The conformance table: every case runs against the net/http, Echo and Gin
// adapters through their own routers, checks each answer against the
// expected one, and then checks that the three answers are identical. The
// table is defined once (confCases, and confChainCases for chains of
// middleware with different verifiers); the adapter-specific code is the
// small router builder per adapter in confAdapters.

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/echomw"
	"github.com/jwtgate/jwtgate/ginmw"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// confNow is the fake clock of the conformance issuer and verifiers.
var confNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func confClock() time.Time { return confNow }

// confGuard says how the route of a case is protected.
type confGuard int

const (
	// confAuthenticate: Authenticate as router-wide middleware.
	confAuthenticate confGuard = iota
	// confRequireAll: Require(confAllOf) on the route, no Authenticate.
	confRequireAll
	// confRequireAny: Require(confAnyOf) on the route, no Authenticate.
	confRequireAny
	// confAuthRequire: Authenticate router-wide, then Require(confAllOf)
	// on the route.
	confAuthRequire
)

func (g confGuard) String() string {
	return [...]string{"Authenticate", "Require(all of read write)", "Require(any of write admin)", "Authenticate+Require(all of read write)"}[g]
}

func (g confGuard) authenticates() bool { return g == confAuthenticate || g == confAuthRequire }

// requirement returns the route's scope requirement, if it has a guard.
func (g confGuard) requirement() (scopes.Requirement, bool) {
	switch g {
	case confRequireAll, confAuthRequire:
		return confAllOf, true
	case confRequireAny:
		return confAnyOf, true
	}
	return scopes.Requirement{}, false
}

// layers returns the middleware of guard, all with verifier v and opts.
// Authenticate+Require uses one middleware for both.
func (g confGuard) layers(v *verifier.Verifier, opts nethttp.Options) []confLayer {
	var layers []confLayer
	if g.authenticates() {
		layers = append(layers, confLayer{v: v, opts: opts, global: true})
	}
	if req, ok := g.requirement(); ok {
		layers = append(layers, confLayer{v: v, opts: opts, guard: true, req: req, again: g.authenticates()})
	}
	return layers
}

var (
	confAllOf = scopes.AllOf("read", "write")
	confAnyOf = scopes.AnyOf("write", "admin")
)

// confVerifierID names a verifier of the conformance run.
type confVerifierID int

const (
	// confNone: no verifier (the handler saw no claims).
	confNone confVerifierID = iota
	// confA trusts issuer A, the conformance issuer: the verifier of the
	// single-verifier cases.
	confA
	// confB trusts only issuer B.
	confB
	// confAB trusts issuers A and B.
	confAB
	// confAdminAud trusts issuer A, but only for confAdminAudience.
	confAdminAud
)

func (id confVerifierID) String() string {
	return [...]string{"none", "A", "B", "A+B", "A(admin audience)"}[id]
}

// confAdminAudience is the only audience confAdminAud accepts.
const confAdminAudience = "https://admin.example.test"

// confLayer is one middleware of a router: Authenticate, or Require(req)
// when guard is set; router-wide (around the mux, e.Use, r.Use) or on the
// route. Layers are listed outermost first, router-wide ones before the
// route's.
type confLayer struct {
	id     confVerifierID     // in confChainCases: the verifier, set into v when the case runs
	v      *verifier.Verifier // the verifier
	opts   nethttp.Options
	guard  bool
	req    scopes.Requirement
	global bool
	again  bool // the same middleware as the layer before, not a new one
}

func (l confLayer) String() string {
	what := "Authenticate"
	if l.guard {
		what = "Require(" + l.req.String() + ")"
	}
	switch {
	case l.again:
		what += " of the same middleware"
	case l.id != confNone:
		what += " with verifier " + l.id.String()
	}
	if l.opts.Optional && !l.again {
		what += " (optional)"
	}
	if l.global {
		return what + " router-wide"
	}
	return what + " on the route"
}

// confMiddlewares returns the middleware of each layer, made with newM
// (a new one unless the layer is again the one before).
func confMiddlewares[M any](t *testing.T, layers []confLayer, newM func(*verifier.Verifier, nethttp.Options) (*M, error)) []*M {
	t.Helper()
	ms := make([]*M, len(layers))
	for i, l := range layers {
		if l.again && i > 0 {
			ms[i] = ms[i-1]
			continue
		}
		m, err := newM(l.v, l.opts)
		require.NoError(t, err, "New for %s, options %+v", l, l.opts)
		ms[i] = m
	}
	return ms
}

// confRoutes are the paths every router serves, with GET and OPTIONS,
// behind the case's guard.
var confRoutes = []string{"/r", "/healthz"}

// confRequest describes the request of a case.
type confRequest struct {
	method  string   // "" means GET
	path    string   // "" means /r
	query   string   // raw query, without "?"
	auth    []string // Authorization header lines, in order
	cookies []string // Cookie header lines, in order
	extra   map[string]string
}

func (q confRequest) build() *http.Request {
	method, target := q.method, q.path
	if method == "" {
		method = http.MethodGet
	}
	if target == "" {
		target = "/r"
	}
	if q.query != "" {
		target += "?" + q.query
	}
	r := httptest.NewRequest(method, target, nil)
	for _, a := range q.auth {
		r.Header.Add("Authorization", a)
	}
	for _, c := range q.cookies {
		r.Header.Add("Cookie", c)
	}
	for k, v := range q.extra {
		r.Header.Set(k, v)
	}
	return r
}

func (q confRequest) String() string {
	method, path := q.method, q.path
	if method == "" {
		method = http.MethodGet
	}
	if path == "" {
		path = "/r"
	}
	s := method + " " + path
	if q.query != "" {
		s += fmt.Sprintf("?<%d bytes of query>", len(q.query))
	}
	return fmt.Sprintf("%s with %d Authorization header(s), %d Cookie header(s)", s, len(q.auth), len(q.cookies))
}

// confWant is the expected answer. Headers not named here must be absent
// (Date and Content-Length aside).
type confWant struct {
	status       int
	challenge    string // WWW-Authenticate; "" means absent
	retryAfter   string // Retry-After; "" means absent
	contentType  string
	cacheControl string // "" means absent
	extra        map[string]string
	body         string

	ran     bool   // whether the final handler ran
	subject string // the subject the handler saw; "" means no claims
}

func (w confWant) header() http.Header {
	h := http.Header{}
	for name, v := range map[string]string{
		"Www-Authenticate": w.challenge,
		"Retry-After":      w.retryAfter,
		"Content-Type":     w.contentType,
		"Cache-Control":    w.cacheControl,
	} {
		if v != "" {
			h.Set(name, v)
		}
	}
	for name, v := range w.extra {
		h.Set(name, v)
	}
	return h
}

// confRan is the answer of the final handler, which saw claims for subject
// ("" for none).
func confRan(subject string) confWant {
	return confWant{
		status:      http.StatusOK,
		contentType: "text/plain; charset=utf-8",
		body:        confHandlerBody(subject),
		ran:         true,
		subject:     subject,
	}
}

func confHandlerBody(subject string) string {
	if subject == "" {
		return "handler ran: no claims\n"
	}
	return "handler ran: sub=" + subject + "\n"
}

// confDenied is a default RFC 6750 error answer.
func confDenied(status int, challenge, body string) confWant {
	return confWant{
		status:       status,
		challenge:    challenge,
		contentType:  "application/json",
		cacheControl: "no-store",
		body:         body,
	}
}

// confNoCredentials is the answer to a request without a token, realm "api".
var confNoCredentials = confNoCredentialsIn("api")

func confNoCredentialsIn(realm string) confWant {
	return confDenied(http.StatusUnauthorized, `Bearer realm="`+realm+`"`, "{}\n")
}

func confInvalidToken(desc string) confWant { return confInvalidTokenIn("api", desc) }

func confInvalidTokenIn(realm, desc string) confWant {
	return confDenied(http.StatusUnauthorized,
		`Bearer realm="`+realm+`", error="invalid_token", error_description="`+desc+`"`,
		`{"error":"invalid_token","error_description":"`+desc+`"}`+"\n")
}

func confInvalidRequest(desc string) confWant {
	return confDenied(http.StatusBadRequest,
		`Bearer realm="api", error="invalid_request", error_description="`+desc+`"`,
		`{"error":"invalid_request","error_description":"`+desc+`"}`+"\n")
}

func confInsufficientScope(scope string) confWant { return confInsufficientScopeIn("api", scope) }

func confInsufficientScopeIn(realm, scope string) confWant {
	return confDenied(http.StatusForbidden,
		`Bearer realm="`+realm+`", error="insufficient_scope", scope="`+scope+`"`,
		`{"error":"insufficient_scope","scope":"`+scope+`"}`+"\n")
}

// confInsufficientAnyOf is the 403 of an any-of guard with several
// alternatives, none present.
func confInsufficientAnyOf(scope string) confWant {
	return confDenied(http.StatusForbidden,
		`Bearer realm="api", error="insufficient_scope", error_description="any one of the listed scopes is required", scope="`+scope+`"`,
		`{"error":"insufficient_scope","error_description":"any one of the listed scopes is required","scope":"`+scope+`"}`+"\n")
}

func confUnavailable(retryAfter string) confWant {
	w := confDenied(http.StatusServiceUnavailable, "",
		`{"error":"temporarily_unavailable","error_description":"signing keys unavailable"}`+"\n")
	w.retryAfter = retryAfter
	return w
}

// confCustomErrors is an application's Options.ErrorHandler: its answer
// must reach the client unchanged through every adapter.
func confCustomErrors(w http.ResponseWriter, r *http.Request, err error) {
	status, what := http.StatusInternalServerError, "unexpected error"
	var vErr *verifier.Error
	switch {
	case errors.Is(err, nethttp.ErrNoCredentials):
		status, what = http.StatusUnauthorized, "no credentials"
	case errors.Is(err, nethttp.ErrInvalidRequest):
		status, what = http.StatusBadRequest, "invalid request"
	case errors.As(err, &vErr):
		status, what = http.StatusUnauthorized, "invalid token: "+vErr.Description()
	case errors.Is(err, scopes.ErrInsufficientScope):
		status, what = http.StatusForbidden, "insufficient scope"
	case errors.Is(err, verifier.ErrKeysUnavailable):
		status, what = http.StatusServiceUnavailable, "keys unavailable"
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Denied-Path", r.URL.Path)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, "denied: "+what+"\n")
}

func confCustom(status int, what string) confWant {
	return confWant{
		status:      status,
		contentType: "text/plain; charset=utf-8",
		extra:       map[string]string{"X-Denied-Path": "/r"},
		body:        "denied: " + what + "\n",
	}
}

// confSkip skips health checks and CORS preflight requests.
func confSkip(r *http.Request) bool { return r.URL.Path == "/healthz" || nethttp.IsPreflight(r) }

// confTokens are the tokens the table uses, minted by the conformance
// issuer. The subject of each valid token names its scope.
type confTokens struct {
	plain, read, write, readWrite, admin string // valid

	expired, notYetValid, badSignature, unknownKey, wrongIssuer,
	wrongAudience, malformed, algNone, noExpiry string
}

// confCase is one row of the conformance table.
type confCase struct {
	name  string
	opts  nethttp.Options
	guard confGuard
	down  bool // the issuer's keys cannot be fetched
	req   confRequest
	want  confWant

	// chain, if set, replaces opts, guard and down: the middleware of the
	// router, each with its own verifier and options.
	chain []confLayer
	// by is the verifier of the claims the handler must see, in a chain
	// case; in the others, confA whenever the handler sees claims.
	by confVerifierID
	// verifies, in a chain case, is how often each verifier's Verify runs
	// for the request (counted with Config.OnVerify); absent means never.
	verifies map[confVerifierID]int
}

// confCases is the conformance table.
func confCases(tk confTokens) []confCase {
	api := nethttp.Options{Realm: "api"}
	bearer := func(tok string) []string { return []string{"Bearer " + tok} }
	withCookie := nethttp.Options{Realm: "api", Cookie: "access_token"}
	withQuery := nethttp.Options{Realm: "api", Query: "access_token"}
	optional := nethttp.Options{Realm: "api", Optional: true}
	skipping := nethttp.Options{Realm: "api", Skip: confSkip}
	custom := nethttp.Options{Realm: "api", ErrorHandler: confCustomErrors}
	preflight := map[string]string{"Access-Control-Request-Method": "POST", "Origin": "https://app.example.test"}

	return []confCase{
		// The Authorization header.
		{name: "valid token", opts: api, req: confRequest{auth: bearer(tk.plain)}, want: confRan("plain")},
		{name: "missing token", opts: api, want: confNoCredentials},
		{name: "Basic scheme counts as no credentials", opts: api,
			req: confRequest{auth: []string{"Basic dXNlcjpwYXNz"}}, want: confNoCredentials},
		{name: "lowercase bearer accepted", opts: api,
			req: confRequest{auth: []string{"bearer " + tk.plain}}, want: confRan("plain")},
		{name: "uppercase BEARER accepted", opts: api,
			req: confRequest{auth: []string{"BEARER " + tk.plain}}, want: confRan("plain")},
		{name: "several spaces after the scheme", opts: api,
			req: confRequest{auth: []string{"Bearer   " + tk.plain}}, want: confRan("plain")},
		{name: "scheme without token", opts: api,
			req: confRequest{auth: []string{"Bearer"}}, want: confInvalidRequest("empty token")},
		{name: "empty token", opts: api,
			req: confRequest{auth: []string{"Bearer "}}, want: confInvalidRequest("empty token")},
		{name: "token containing a space", opts: api,
			req: confRequest{auth: []string{"Bearer " + tk.plain + " extra"}}, want: confInvalidToken("malformed token")},
		{name: "two Authorization headers", opts: api,
			req:  confRequest{auth: []string{"Bearer " + tk.plain, "Bearer " + tk.plain}},
			want: confInvalidRequest("more than one Authorization header")},
		{name: "two Authorization headers, one Basic", opts: api,
			req:  confRequest{auth: []string{"Basic dXNlcjpwYXNz", "Bearer " + tk.plain}},
			want: confInvalidRequest("more than one Authorization header")},

		// Each rejection reason.
		{name: "expired", opts: api, req: confRequest{auth: bearer(tk.expired)}, want: confInvalidToken("token expired")},
		{name: "not yet valid", opts: api, req: confRequest{auth: bearer(tk.notYetValid)}, want: confInvalidToken("token not yet valid")},
		{name: "bad signature", opts: api, req: confRequest{auth: bearer(tk.badSignature)}, want: confInvalidToken("invalid signature")},
		{name: "unknown kid", opts: api, req: confRequest{auth: bearer(tk.unknownKey)}, want: confInvalidToken("unknown signing key")},
		{name: "wrong issuer", opts: api, req: confRequest{auth: bearer(tk.wrongIssuer)}, want: confInvalidToken("issuer not accepted")},
		{name: "wrong audience", opts: api, req: confRequest{auth: bearer(tk.wrongAudience)}, want: confInvalidToken("audience not accepted")},
		{name: "malformed", opts: api, req: confRequest{auth: bearer(tk.malformed)}, want: confInvalidToken("malformed token")},
		{name: "alg none", opts: api, req: confRequest{auth: bearer(tk.algNone)}, want: confInvalidToken("algorithm not allowed")},
		{name: "missing exp", opts: api, req: confRequest{auth: bearer(tk.noExpiry)}, want: confInvalidToken("required claim missing")},

		// Scheme words and realm.
		{name: "JWT scheme option accepts JWT", opts: nethttp.Options{Realm: "api", Schemes: []string{"JWT"}},
			req: confRequest{auth: []string{"JWT " + tk.plain}}, want: confRan("plain")},
		{name: "JWT scheme option treats Bearer as no credentials", opts: nethttp.Options{Realm: "api", Schemes: []string{"JWT"}},
			req: confRequest{auth: bearer(tk.plain)}, want: confDenied(http.StatusUnauthorized, `JWT realm="api"`, "{}\n")},
		{name: "JWT scheme option names JWT in invalid_token challenge", opts: nethttp.Options{Realm: "api", Schemes: []string{"JWT"}},
			req: confRequest{auth: []string{"JWT " + tk.expired}},
			want: confDenied(http.StatusUnauthorized, `JWT realm="api", error="invalid_token", error_description="token expired"`,
				`{"error":"invalid_token","error_description":"token expired"}`+"\n")},
		{name: "Bearer and JWT schemes accept jwt", opts: nethttp.Options{Realm: "api", Schemes: []string{"Bearer", "JWT"}},
			req: confRequest{auth: []string{"jwt " + tk.plain}}, want: confRan("plain")},
		{name: "realm is escaped", opts: nethttp.Options{Realm: `my "api" \ v2`},
			want: confDenied(http.StatusUnauthorized, `Bearer realm="my \"api\" \\ v2"`, "{}\n")},
		{name: "realm is escaped beside error attributes", opts: nethttp.Options{Realm: `my "api" \ v2`},
			req: confRequest{auth: bearer(tk.expired)},
			want: confDenied(http.StatusUnauthorized, `Bearer realm="my \"api\" \\ v2", error="invalid_token", error_description="token expired"`,
				`{"error":"invalid_token","error_description":"token expired"}`+"\n")},
		{name: "no realm", want: confDenied(http.StatusUnauthorized, "Bearer", "{}\n")},
		{name: "no realm, invalid token", req: confRequest{auth: bearer(tk.expired)},
			want: confDenied(http.StatusUnauthorized, `Bearer error="invalid_token", error_description="token expired"`,
				`{"error":"invalid_token","error_description":"token expired"}`+"\n")},

		// Scope guards.
		{name: "all-of met", opts: api, guard: confRequireAll, req: confRequest{auth: bearer(tk.readWrite)}, want: confRan("read-write")},
		{name: "all-of missing one", opts: api, guard: confRequireAll, req: confRequest{auth: bearer(tk.read)}, want: confInsufficientScope("read write")},
		{name: "all-of, token without scope", opts: api, guard: confRequireAll, req: confRequest{auth: bearer(tk.plain)}, want: confInsufficientScope("read write")},
		{name: "all-of alone, missing token", opts: api, guard: confRequireAll, want: confNoCredentials},
		{name: "all-of alone, expired token", opts: api, guard: confRequireAll, req: confRequest{auth: bearer(tk.expired)}, want: confInvalidToken("token expired")},
		{name: "all-of alone, two Authorization headers", opts: api, guard: confRequireAll,
			req: confRequest{auth: []string{"Bearer " + tk.readWrite, "Bearer " + tk.readWrite}}, want: confInvalidRequest("more than one Authorization header")},
		{name: "any-of met by the first", opts: api, guard: confRequireAny, req: confRequest{auth: bearer(tk.write)}, want: confRan("write")},
		{name: "any-of met by the second", opts: api, guard: confRequireAny, req: confRequest{auth: bearer(tk.admin)}, want: confRan("admin")},
		{name: "any-of met by none", opts: api, guard: confRequireAny, req: confRequest{auth: bearer(tk.read)}, want: confInsufficientAnyOf("write admin")},
		{name: "any-of, missing token", opts: api, guard: confRequireAny, want: confNoCredentials},
		{name: "Authenticate+Require met", opts: api, guard: confAuthRequire, req: confRequest{auth: bearer(tk.readWrite)}, want: confRan("read-write")},
		{name: "Authenticate+Require missing scope", opts: api, guard: confAuthRequire, req: confRequest{auth: bearer(tk.write)}, want: confInsufficientScope("read write")},
		{name: "Authenticate+Require missing token", opts: api, guard: confAuthRequire, want: confNoCredentials},
		{name: "Authenticate+Require bad signature", opts: api, guard: confAuthRequire, req: confRequest{auth: bearer(tk.badSignature)}, want: confInvalidToken("invalid signature")},

		// Keys unavailable.
		{name: "keys unavailable", opts: api, down: true, req: confRequest{auth: bearer(tk.plain)}, want: confUnavailable("30")},
		{name: "keys unavailable, RetryAfter option", opts: nethttp.Options{Realm: "api", RetryAfter: 2 * time.Minute}, down: true,
			req: confRequest{auth: bearer(tk.plain)}, want: confUnavailable("120")},
		{name: "keys unavailable behind Require", opts: api, guard: confRequireAll, down: true,
			req: confRequest{auth: bearer(tk.readWrite)}, want: confUnavailable("30")},
		{name: "keys unavailable behind Authenticate+Require", opts: api, guard: confAuthRequire, down: true,
			req: confRequest{auth: bearer(tk.readWrite)}, want: confUnavailable("30")},
		{name: "keys unavailable, missing token", opts: api, down: true, want: confNoCredentials},
		{name: "keys unavailable, malformed token", opts: api, down: true,
			req: confRequest{auth: bearer(tk.malformed)}, want: confInvalidToken("malformed token")},

		// Optional authentication.
		{name: "optional, no token", opts: optional, want: confRan("")},
		{name: "optional, Basic scheme", opts: optional, req: confRequest{auth: []string{"Basic dXNlcjpwYXNz"}}, want: confRan("")},
		{name: "optional, valid token", opts: optional, req: confRequest{auth: bearer(tk.plain)}, want: confRan("plain")},
		{name: "optional, expired token", opts: optional, req: confRequest{auth: bearer(tk.expired)}, want: confInvalidToken("token expired")},
		{name: "optional, bad signature", opts: optional, req: confRequest{auth: bearer(tk.badSignature)}, want: confInvalidToken("invalid signature")},
		{name: "optional, empty token", opts: optional, req: confRequest{auth: []string{"Bearer "}}, want: confInvalidRequest("empty token")},
		{name: "optional, two Authorization headers", opts: optional,
			req: confRequest{auth: []string{"Bearer " + tk.plain, "Bearer " + tk.plain}}, want: confInvalidRequest("more than one Authorization header")},
		{name: "optional, keys unavailable", opts: optional, down: true, req: confRequest{auth: bearer(tk.plain)}, want: confUnavailable("30")},
		{name: "optional+Require, no token", opts: optional, guard: confAuthRequire, want: confNoCredentials},
		{name: "optional Require alone, no token", opts: optional, guard: confRequireAll, want: confNoCredentials},
		{name: "optional+Require met", opts: optional, guard: confAuthRequire, req: confRequest{auth: bearer(tk.readWrite)}, want: confRan("read-write")},

		// Skipper.
		{name: "skipped health path, garbage token", opts: skipping, guard: confAuthRequire,
			req: confRequest{path: "/healthz", auth: []string{"Bearer garbage"}}, want: confRan("")},
		{name: "skipped health path, two Authorization headers", opts: skipping, guard: confAuthRequire,
			req: confRequest{path: "/healthz", auth: []string{"Bearer a", "Bearer b"}}, want: confRan("")},
		{name: "skipped health path, valid token gives no claims", opts: skipping, guard: confAuthRequire,
			req: confRequest{path: "/healthz", auth: bearer(tk.readWrite)}, want: confRan("")},
		{name: "skipped health path, Require alone", opts: skipping, guard: confRequireAny,
			req: confRequest{path: "/healthz"}, want: confRan("")},
		{name: "skipped CORS preflight", opts: skipping, guard: confAuthRequire,
			req: confRequest{method: http.MethodOptions, extra: preflight}, want: confRan("")},
		{name: "skipped CORS preflight, Require alone", opts: skipping, guard: confRequireAll,
			req: confRequest{method: http.MethodOptions, extra: preflight}, want: confRan("")},
		{name: "OPTIONS without Access-Control-Request-Method is no preflight", opts: skipping,
			req: confRequest{method: http.MethodOptions}, want: confNoCredentials},
		{name: "skipper does not skip other paths", opts: skipping, want: confNoCredentials},
		{name: "skipper configured, valid token on other path", opts: skipping, guard: confAuthRequire,
			req: confRequest{auth: bearer(tk.readWrite)}, want: confRan("read-write")},
		{name: "no skipper, health path needs a token", opts: api, req: confRequest{path: "/healthz"}, want: confNoCredentials},

		// Cookie source.
		{name: "cookie only", opts: withCookie, req: confRequest{cookies: []string{"access_token=" + tk.plain}}, want: confRan("plain")},
		{name: "cookie among other cookies", opts: withCookie,
			req: confRequest{cookies: []string{"session=abc; access_token=" + tk.plain + "; theme=dark"}}, want: confRan("plain")},
		{name: "cookie with expired token", opts: withCookie,
			req: confRequest{cookies: []string{"access_token=" + tk.expired}}, want: confInvalidToken("token expired")},
		{name: "header and cookie", opts: withCookie,
			req:  confRequest{auth: bearer(tk.plain), cookies: []string{"access_token=" + tk.plain}},
			want: confInvalidRequest("token sent in more than one place")},
		{name: "cookie twice in one header", opts: withCookie,
			req:  confRequest{cookies: []string{"access_token=" + tk.plain + "; access_token=" + tk.plain}},
			want: confInvalidRequest("token cookie sent more than once")},
		{name: "cookie twice in two headers", opts: withCookie,
			req:  confRequest{cookies: []string{"access_token=" + tk.plain, "access_token=" + tk.read}},
			want: confInvalidRequest("token cookie sent more than once")},
		{name: "empty cookie is no token", opts: withCookie, req: confRequest{cookies: []string{"access_token="}}, want: confNoCredentials},
		{name: "cookie not configured", opts: api, req: confRequest{cookies: []string{"access_token=" + tk.plain}}, want: confNoCredentials},
		{name: "cookie with Require", opts: withCookie, guard: confRequireAll,
			req: confRequest{cookies: []string{"access_token=" + tk.readWrite}}, want: confRan("read-write")},
		{name: "optional with cookie only", opts: nethttp.Options{Realm: "api", Cookie: "access_token", Optional: true},
			req: confRequest{cookies: []string{"access_token=" + tk.plain}}, want: confRan("plain")},

		// Query source.
		{name: "query only", opts: withQuery, req: confRequest{query: "access_token=" + tk.plain}, want: confRan("plain")},
		{name: "query among other parameters", opts: withQuery,
			req: confRequest{query: "page=2&access_token=" + tk.plain + "&sort=asc"}, want: confRan("plain")},
		{name: "header and query", opts: withQuery,
			req:  confRequest{auth: bearer(tk.plain), query: "access_token=" + tk.plain},
			want: confInvalidRequest("token sent in more than one place")},
		{name: "query parameter twice", opts: withQuery,
			req:  confRequest{query: "access_token=" + tk.plain + "&access_token=" + tk.plain},
			want: confInvalidRequest("token query parameter sent more than once")},
		{name: "empty query parameter", opts: withQuery, req: confRequest{query: "access_token="}, want: confInvalidRequest("empty token")},
		{name: "query parameter with expired token", opts: withQuery,
			req: confRequest{query: "access_token=" + tk.expired}, want: confInvalidToken("token expired")},
		{name: "query not configured", opts: api, req: confRequest{query: "access_token=" + tk.plain}, want: confNoCredentials},
		{name: "cookie and query both configured and sent", opts: nethttp.Options{Realm: "api", Cookie: "access_token", Query: "access_token"},
			req:  confRequest{cookies: []string{"access_token=" + tk.plain}, query: "access_token=" + tk.plain},
			want: confInvalidRequest("token sent in more than one place")},
		{name: "query with any-of", opts: withQuery, guard: confRequireAny,
			req: confRequest{query: "access_token=" + tk.admin}, want: confRan("admin")},

		// A custom ErrorHandler writes its own answer.
		{name: "custom ErrorHandler, missing token", opts: custom, want: confCustom(http.StatusUnauthorized, "no credentials")},
		{name: "custom ErrorHandler, expired", opts: custom,
			req: confRequest{auth: bearer(tk.expired)}, want: confCustom(http.StatusUnauthorized, "invalid token: token expired")},
		{name: "custom ErrorHandler, two Authorization headers", opts: custom,
			req: confRequest{auth: []string{"Bearer a", "Bearer b"}}, want: confCustom(http.StatusBadRequest, "invalid request")},
		{name: "custom ErrorHandler, insufficient scope", opts: custom, guard: confAuthRequire,
			req: confRequest{auth: bearer(tk.read)}, want: confCustom(http.StatusForbidden, "insufficient scope")},
		{name: "custom ErrorHandler, keys unavailable", opts: custom, down: true,
			req: confRequest{auth: bearer(tk.plain)}, want: confCustom(http.StatusServiceUnavailable, "keys unavailable")},
		{name: "custom ErrorHandler, valid token", opts: custom, guard: confAuthRequire,
			req: confRequest{auth: bearer(tk.readWrite)}, want: confRan("read-write")},
	}
}

// confChainTokens are the further tokens of the chain cases.
type confChainTokens struct {
	bAdmin, bPlain string // issuer B: scope admin, and no scope
	adminBoth      string // issuer A, scope admin, for its API and confAdminAudience
}

func confMintChain(t *testing.T, iss, issB *verifiertest.Issuer) confChainTokens {
	t.Helper()
	return confChainTokens{
		bAdmin:    issB.MustMint(t, verifiertest.Token{Subject: "b-admin", Scope: "admin"}),
		bPlain:    issB.MustMint(t, verifiertest.Token{Subject: "b-plain"}),
		adminBoth: iss.MustMint(t, verifiertest.Token{Subject: "admin-aud", Scope: "admin", Audience: []string{iss.Audience(), confAdminAudience}}),
	}
}

// confChainCases are the cases with two verifiers in one chain. Claims in
// a request context belong to the verifier that produced them: a later
// middleware reuses them only if it has the same verifier, and otherwise
// verifies the token itself and answers with its own refusal (the inner
// middleware's realm is "inner", the outer's "api").
func confChainCases(tk confTokens, ck confChainTokens) []confCase {
	bearer := func(tok string) confRequest { return confRequest{auth: []string{"Bearer " + tok}} }
	api := nethttp.Options{Realm: "api"}
	optional := nethttp.Options{Realm: "api", Optional: true}
	inner := nethttp.Options{Realm: "inner"}
	admin := scopes.AllOf("admin")
	// outer is router-wide Authenticate; authenticate and guard are on the
	// route.
	outer := func(id confVerifierID, opts nethttp.Options) confLayer {
		return confLayer{id: id, opts: opts, global: true}
	}
	authenticate := func(id confVerifierID, opts nethttp.Options) confLayer { return confLayer{id: id, opts: opts} }
	guard := func(id confVerifierID, opts nethttp.Options, req scopes.Requirement) confLayer {
		return confLayer{id: id, opts: opts, guard: true, req: req}
	}
	type calls = map[confVerifierID]int

	return []confCase{
		// The same verifier twice: claims reused, the token verified once.
		{name: "chain, same verifier twice: Authenticate then another middleware's Require",
			chain: []confLayer{outer(confA, api), guard(confA, inner, confAllOf)},
			req:   bearer(tk.readWrite), want: confRan("read-write"), by: confA, verifies: calls{confA: 1}},
		{name: "chain, same middleware twice: Authenticate then Require",
			chain: []confLayer{outer(confA, api), {id: confA, guard: true, req: confAllOf, again: true}},
			req:   bearer(tk.readWrite), want: confRan("read-write"), by: confA, verifies: calls{confA: 1}},
		{name: "chain, same verifier twice: two Authenticates",
			chain: []confLayer{outer(confA, api), authenticate(confA, inner)},
			req:   bearer(tk.plain), want: confRan("plain"), by: confA, verifies: calls{confA: 1}},
		{name: "chain, same verifier twice: the inner Require refuses the scope",
			chain: []confLayer{outer(confA, api), guard(confA, inner, confAllOf)},
			req:   bearer(tk.read), want: confInsufficientScopeIn("inner", "read write"), verifies: calls{confA: 1}},

		// Disjoint issuers: the outer verifier trusts issuer A (or A and
		// B), the inner one only issuer B.
		{name: "chain, disjoint issuers: A's admin token at B's Require",
			chain: []confLayer{outer(confA, api), guard(confB, inner, admin)},
			req:   bearer(tk.admin), want: confInvalidTokenIn("inner", "issuer not accepted"), verifies: calls{confA: 1, confB: 1}},
		{name: "chain, disjoint issuers: A's admin token at B's second Authenticate",
			chain: []confLayer{outer(confA, api), authenticate(confB, inner)},
			req:   bearer(tk.admin), want: confInvalidTokenIn("inner", "issuer not accepted"), verifies: calls{confA: 1, confB: 1}},
		{name: "chain, disjoint issuers: B's admin token refused by the outer A",
			chain: []confLayer{outer(confA, api), guard(confB, inner, admin)},
			req:   bearer(ck.bAdmin), want: confInvalidToken("issuer not accepted"), verifies: calls{confA: 1}},
		{name: "chain, disjoint issuers: no token",
			chain: []confLayer{outer(confA, api), guard(confB, inner, admin)},
			want:  confNoCredentials, verifies: calls{}},
		{name: "chain, disjoint issuers: B's Require skips the health path, A's claims are not passed on",
			chain: []confLayer{outer(confA, api), guard(confB, nethttp.Options{Realm: "inner", Skip: confSkip}, admin)},
			req:   confRequest{path: "/healthz", auth: []string{"Bearer " + tk.admin}}, want: confRan(""), verifies: calls{confA: 1}},
		{name: "chain, disjoint issuers: A reads a cookie, B's optional Authenticate the header only, A's claims are not passed on",
			chain: []confLayer{outer(confA, nethttp.Options{Realm: "api", Cookie: "access_token"}), authenticate(confB, nethttp.Options{Realm: "inner", Optional: true})},
			req:   confRequest{cookies: []string{"access_token=" + tk.admin}}, want: confRan(""), verifies: calls{confA: 1}},
		{name: "chain, outer trusts A and B: B's admin token passes B's Require",
			chain: []confLayer{outer(confAB, api), guard(confB, inner, admin)},
			req:   bearer(ck.bAdmin), want: confRan("b-admin"), by: confB, verifies: calls{confAB: 1, confB: 1}},
		{name: "chain, outer trusts A and B: A's admin token refused by B's Require",
			chain: []confLayer{outer(confAB, api), guard(confB, inner, admin)},
			req:   bearer(tk.admin), want: confInvalidTokenIn("inner", "issuer not accepted"), verifies: calls{confAB: 1, confB: 1}},
		{name: "chain, outer trusts A and B: B's token without admin",
			chain: []confLayer{outer(confAB, api), guard(confB, inner, admin)},
			req:   bearer(ck.bPlain), want: confInsufficientScopeIn("inner", "admin"), verifies: calls{confAB: 1, confB: 1}},
		{name: "chain, outer trusts A and B: B's second Authenticate hands on B's claims",
			chain: []confLayer{outer(confAB, api), authenticate(confB, inner)},
			req:   bearer(ck.bPlain), want: confRan("b-plain"), by: confB, verifies: calls{confAB: 1, confB: 1}},

		// The inner verifier accepts a stricter audience.
		{name: "chain, stricter inner audience: token for the API only",
			chain: []confLayer{outer(confA, api), guard(confAdminAud, inner, admin)},
			req:   bearer(tk.admin), want: confInvalidTokenIn("inner", "audience not accepted"), verifies: calls{confA: 1, confAdminAud: 1}},
		{name: "chain, stricter inner audience: token for both audiences",
			chain: []confLayer{outer(confA, api), guard(confAdminAud, inner, admin)},
			req:   bearer(ck.adminBoth), want: confRan("admin-aud"), by: confAdminAud, verifies: calls{confA: 1, confAdminAud: 1}},
		{name: "chain, stricter audience at a second Authenticate: token for the API only",
			chain: []confLayer{outer(confA, api), authenticate(confAdminAud, inner)},
			req:   bearer(tk.admin), want: confInvalidTokenIn("inner", "audience not accepted"), verifies: calls{confA: 1, confAdminAud: 1}},
		{name: "chain, stricter outer audience: token for the API only",
			chain: []confLayer{outer(confAdminAud, api), guard(confA, inner, admin)},
			req:   bearer(tk.admin), want: confInvalidToken("audience not accepted"), verifies: calls{confAdminAud: 1}},

		// Optional outer Authenticate, Require inside.
		{name: "chain, optional outer A, B's Require: no token",
			chain: []confLayer{outer(confA, optional), guard(confB, inner, admin)},
			want:  confNoCredentialsIn("inner"), verifies: calls{}},
		{name: "chain, optional outer A, B's Require: A's admin token",
			chain: []confLayer{outer(confA, optional), guard(confB, inner, admin)},
			req:   bearer(tk.admin), want: confInvalidTokenIn("inner", "issuer not accepted"), verifies: calls{confA: 1, confB: 1}},
		{name: "chain, optional outer A, B's Require: B's token refused by the outer A",
			chain: []confLayer{outer(confA, optional), guard(confB, inner, admin)},
			req:   bearer(ck.bAdmin), want: confInvalidToken("issuer not accepted"), verifies: calls{confA: 1}},
		{name: "chain, optional outer A and B, B's Require: B's admin token",
			chain: []confLayer{outer(confAB, optional), guard(confB, inner, admin)},
			req:   bearer(ck.bAdmin), want: confRan("b-admin"), by: confB, verifies: calls{confAB: 1, confB: 1}},
		{name: "chain, optional outer A, A's Require: verified once",
			chain: []confLayer{outer(confA, optional), guard(confA, inner, confAnyOf)},
			req:   bearer(tk.admin), want: confRan("admin"), by: confA, verifies: calls{confA: 1}},
		{name: "chain, optional outer A, A's Require: no token",
			chain: []confLayer{outer(confA, optional), guard(confA, inner, confAnyOf)},
			want:  confNoCredentialsIn("inner"), verifies: calls{}},
	}
}

// confSeen records what the final handler saw.
type confSeen struct {
	ran     bool
	claims  bool
	subject string
	got     *verifier.Claims
}

// confFinal is the body of every adapter's final handler: it records the
// claims the adapter's ClaimsFrom returned and answers with them, writing
// through the plain http.ResponseWriter so that the adapters' own
// rendering helpers cannot make the answers differ.
func confFinal(seen *confSeen, w http.ResponseWriter, claims *verifier.Claims, ok bool) {
	seen.ran = true
	seen.claims = ok
	subject := ""
	if ok {
		seen.got = claims
		subject = claims.Subject()
		seen.subject = subject
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, confHandlerBody(subject))
}

// confAdapter builds a router for one adapter: confRoutes with GET and
// OPTIONS, behind the middleware of layers, ending in confFinal.
type confAdapter struct {
	name   string
	router func(t *testing.T, layers []confLayer, seen *confSeen) http.Handler
}

// build returns the adapter's router behind guard, with verifier v and
// opts.
func (a confAdapter) build(t *testing.T, v *verifier.Verifier, opts nethttp.Options, guard confGuard, seen *confSeen) http.Handler {
	return a.router(t, guard.layers(v, opts), seen)
}

var confAdapters = []confAdapter{
	{name: "nethttp", router: confNetHTTP},
	{name: "echomw", router: confEcho},
	{name: "ginmw", router: confGin},
}

func confNetHTTP(t *testing.T, layers []confLayer, seen *confSeen) http.Handler {
	ms := confMiddlewares(t, layers, nethttp.New)
	mw := func(i int) func(http.Handler) http.Handler {
		if layers[i].guard {
			return ms[i].Require(layers[i].req)
		}
		return ms[i].Authenticate
	}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, ok := nethttp.ClaimsFrom(r)
		confFinal(seen, w, claims, ok)
	})
	for i := len(layers) - 1; i >= 0; i-- {
		if !layers[i].global {
			h = mw(i)(h)
		}
	}
	mux := http.NewServeMux()
	for _, p := range confRoutes {
		mux.Handle("GET "+p, h)
		mux.Handle("OPTIONS "+p, h)
	}
	var root http.Handler = mux
	for i := len(layers) - 1; i >= 0; i-- {
		if layers[i].global {
			root = mw(i)(root)
		}
	}
	return root
}

func confEcho(t *testing.T, layers []confLayer, seen *confSeen) http.Handler {
	ms := confMiddlewares(t, layers, echomw.New)
	e := echo.New()
	var route []echo.MiddlewareFunc
	for i, l := range layers {
		mw := echo.MiddlewareFunc(ms[i].Authenticate)
		if l.guard {
			mw = ms[i].Require(l.req)
		}
		if l.global {
			e.Use(mw)
		} else {
			route = append(route, mw)
		}
	}
	h := func(c echo.Context) error {
		claims, ok := echomw.ClaimsFrom(c)
		confFinal(seen, c.Response(), claims, ok)
		return nil
	}
	for _, p := range confRoutes {
		e.GET(p, h, route...)
		e.OPTIONS(p, h, route...)
	}
	return e
}

func confGin(t *testing.T, layers []confLayer, seen *confSeen) http.Handler {
	ms := confMiddlewares(t, layers, ginmw.New)
	gin.SetMode(gin.TestMode)
	r := gin.New()
	var route []gin.HandlerFunc
	for i, l := range layers {
		mw := gin.HandlerFunc(ms[i].Authenticate)
		if l.guard {
			mw = ms[i].Require(l.req)
		}
		if l.global {
			r.Use(mw)
		} else {
			route = append(route, mw)
		}
	}
	route = append(route, func(c *gin.Context) {
		claims, ok := ginmw.ClaimsFrom(c)
		confFinal(seen, c.Writer, claims, ok)
	})
	for _, p := range confRoutes {
		r.GET(p, route...)
		r.OPTIONS(p, route...)
	}
	return r
}

// confResult is one adapter's answer to one case.
type confResult struct {
	Status    int
	Header    http.Header // without Date and Content-Length
	Body      string
	Ran       bool
	HasClaims bool
	Subject   string

	// Filled in by TestConformance: the verifier of the claims the
	// handler saw, and the Verify calls of each counted verifier.
	By       confVerifierID
	Verifies map[confVerifierID]int
}

func confServe(h http.Handler, r *http.Request, seen *confSeen) confResult {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	res := rec.Result()
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	header := res.Header.Clone()
	header.Del("Date")
	header.Del("Content-Length")
	return confResult{
		Status:    res.StatusCode,
		Header:    header,
		Body:      string(body),
		Ran:       seen.ran,
		HasClaims: seen.claims,
		Subject:   seen.subject,
	}
}

// confMint mints the table's tokens with iss.
func confMint(t *testing.T, iss *verifiertest.Issuer) confTokens {
	t.Helper()
	mint := func(tok verifiertest.Token) string { return iss.MustMint(t, tok) }
	valid := func(scope string) string {
		sub := strings.ReplaceAll(scope, " ", "-")
		if sub == "" {
			sub = "plain"
		}
		return mint(verifiertest.Token{Subject: sub, Scope: scope})
	}
	plain := valid("")
	other := mint(verifiertest.Token{Subject: "plain"})

	enc := base64.RawURLEncoding
	payload, err := json.Marshal(map[string]any{
		"iss": iss.URL, "aud": iss.Audience(), "sub": "plain", "exp": confNow.Add(time.Hour).Unix(),
	})
	require.NoError(t, err, "json.Marshal(alg none claims)")

	return confTokens{
		plain:     plain,
		read:      valid("read"),
		write:     valid("write"),
		readWrite: valid("read write"),
		admin:     valid("admin"),

		expired:       mint(verifiertest.Token{Subject: "plain", ExpiresIn: -time.Hour}),
		notYetValid:   mint(verifiertest.Token{Subject: "plain", Claims: map[string]any{"nbf": confNow.Add(time.Hour).Unix()}}),
		badSignature:  plain[:strings.LastIndexByte(plain, '.')] + other[strings.LastIndexByte(other, '.'):],
		unknownKey:    mint(verifiertest.Token{Subject: "plain", Header: map[string]any{"kid": "no-such-key"}}),
		wrongIssuer:   mint(verifiertest.Token{Subject: "plain", Claims: map[string]any{"iss": "https://other-issuer.example.test"}}),
		wrongAudience: mint(verifiertest.Token{Subject: "plain", Audience: []string{"https://other-api.example.test"}}),
		malformed:     "not.a.jwt",
		algNone:       enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + ".",
		noExpiry:      mint(verifiertest.Token{Subject: "plain", Claims: map[string]any{"exp": nil}}),
	}
}

// confVerifiers returns the verifiers of the chain cases, by name, with
// counters of their Verify calls: A trusts iss (issuer A), B trusts only
// issB.
func confVerifiers(t *testing.T, iss, issB *verifiertest.Issuer) (map[confVerifierID]*verifier.Verifier, map[confVerifierID]*atomic.Int64) {
	t.Helper()
	cfgA, cfgB := iss.VerifierConfig(), issB.VerifierConfig()
	both, err := jwks.NewByIssuer(map[string]jwks.Source{iss.URL: cfgA.Keys, issB.URL: cfgB.Keys})
	require.NoError(t, err, "jwks.NewByIssuer(issuers A and B)")
	cfgAB := cfgA
	cfgAB.Issuers, cfgAB.Keys = []string{iss.URL, issB.URL}, both
	require.Equal(t, cfgA.Audiences, cfgB.Audiences, "audiences of issuers A and B: verifier A+B accepts A's only")
	cfgAdmin := cfgA
	cfgAdmin.Audiences = []string{confAdminAudience}

	verifiers := map[confVerifierID]*verifier.Verifier{}
	counts := map[confVerifierID]*atomic.Int64{}
	for id, cfg := range map[confVerifierID]verifier.Config{confA: cfgA, confB: cfgB, confAB: cfgAB, confAdminAud: cfgAdmin} {
		n := new(atomic.Int64)
		cfg.OnVerify = func(error) { n.Add(1) }
		v, err := verifier.New(cfg)
		require.NoError(t, err, "verifier.New for verifier %s", id)
		verifiers[id], counts[id] = v, n
	}
	return verifiers, counts
}

func TestConformance(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: confClock})
	issB := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: confClock})
	verifiers, counts := confVerifiers(t, iss, issB)
	down, downIssuer := unavailableVerifier(t, iss, confClock)

	tk := confMint(t, iss)
	cases := append(confCases(tk), confChainCases(tk, confMintChain(t, iss, issB))...)
	names := map[string]bool{}
	for _, tc := range cases {
		require.False(t, names[tc.name], "conformance case %q is defined twice", tc.name)
		names[tc.name] = true
		if tc.chain != nil {
			require.NotNil(t, tc.verifies, "chain case %q: verifies not set", tc.name)
			require.Equal(t, tc.want.subject != "", tc.by != confNone, "chain case %q: by (%s) set exactly when the handler sees claims (subject %q)", tc.name, tc.by, tc.want.subject)
		}
	}

	ranDown := false // a keys-unavailable case ran (not filtered out by -run)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			layers := tc.chain
			wantBy := tc.by
			if layers == nil {
				v := verifiers[confA]
				if tc.down {
					v = down
					ranDown = true
				}
				layers = tc.guard.layers(v, tc.opts)
				if tc.want.subject != "" {
					wantBy = confA
				}
			} else {
				layers = append([]confLayer(nil), layers...)
				for i := range layers {
					layers[i].v = verifiers[layers[i].id]
				}
			}
			call := fmt.Sprintf("%s behind %s", tc.req, tc.guard)
			if tc.chain != nil {
				var chain []string
				for _, l := range layers {
					chain = append(chain, l.String())
				}
				call = fmt.Sprintf("%s behind %s", tc.req, strings.Join(chain, ", then "))
			}
			want := tc.want
			results := make([]confResult, len(confAdapters))
			for i, a := range confAdapters {
				var seen confSeen
				h := a.router(t, layers, &seen)
				before := map[confVerifierID]int64{}
				for id, n := range counts {
					before[id] = n.Load()
				}
				got := confServe(h, tc.req.build(), &seen)
				got.Verifies = map[confVerifierID]int{}
				for id, n := range counts {
					if d := int(n.Load() - before[id]); d != 0 {
						got.Verifies[id] = d
					}
				}
				for id, v := range verifiers {
					if seen.got.VerifiedBy(v) {
						got.By = id
					}
				}
				results[i] = got

				assert.Equal(t, want.status, got.Status, "%s: %s: status", a.name, call)
				assert.Equal(t, want.challenge, got.Header.Get("WWW-Authenticate"), "%s: %s: WWW-Authenticate", a.name, call)
				assert.Len(t, got.Header.Values("WWW-Authenticate"), len(want.header().Values("WWW-Authenticate")),
					"%s: %s: number of WWW-Authenticate headers", a.name, call)
				assert.Equal(t, want.retryAfter, got.Header.Get("Retry-After"), "%s: %s: Retry-After", a.name, call)
				assert.Equal(t, want.contentType, got.Header.Get("Content-Type"), "%s: %s: Content-Type", a.name, call)
				assert.Equal(t, want.cacheControl, got.Header.Get("Cache-Control"), "%s: %s: Cache-Control", a.name, call)
				assert.Equal(t, want.header(), got.Header, "%s: %s: the full header set (Date, Content-Length aside)", a.name, call)
				assert.Equal(t, want.body, got.Body, "%s: %s: body", a.name, call)
				assert.Equal(t, want.ran, got.Ran, "%s: %s: whether the final handler ran", a.name, call)
				assert.Equal(t, want.subject != "", got.HasClaims, "%s: %s: whether ClaimsFrom found claims in the handler", a.name, call)
				assert.Equal(t, want.subject, got.Subject, "%s: %s: subject of the claims the handler saw", a.name, call)
				assert.Equal(t, wantBy, got.By, "%s: %s: the verifier that produced the claims the handler saw", a.name, call)
				if tc.chain != nil {
					wantVerifies := map[confVerifierID]int{}
					for id, n := range tc.verifies {
						if n != 0 {
							wantVerifies[id] = n
						}
					}
					assert.Equal(t, wantVerifies, got.Verifies, "%s: %s: Verify calls of each verifier (OnVerify count)", a.name, call)
				}
				for _, tok := range tc.req.auth {
					if _, secret, ok := strings.Cut(tok, " "); ok && len(secret) > 20 {
						assert.NotContains(t, got.Body, secret, "%s: %s: body echoes the token", a.name, call)
						assert.NotContains(t, fmt.Sprint(got.Header), secret, "%s: %s: headers echo the token", a.name, call)
					}
				}
			}
			for i := 1; i < len(confAdapters); i++ {
				assert.Equal(t, results[0], results[i], "%s: %s answered differently from %s (- %s, + %s)",
					call, confAdapters[i].name, confAdapters[0].name, confAdapters[0].name, confAdapters[i].name)
			}
		})
	}

	if ranDown {
		assert.Positive(t, downIssuer.JWKSRequests(), "requests to the JWKS endpoint that is down, after the keys-unavailable cases")
	}
}
