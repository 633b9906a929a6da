package bearertest

// The conformance table: the cases, the tokens and verifiers they use, and
// the answers every adapter must give. The table is defined once
// (confCases, and confChainCases for chains of middleware with different
// verifiers); RunHTTP runs it through an adapter's router, Table gives it
// to other transports.

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/jwks"
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
func (g confGuard) layers(v *verifier.Verifier, opts confOpts) []confLayer {
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

// confMetadataURL is the resource metadata URL of the RFC 9728 cases.
const confMetadataURL = "https://api.example.test/.well-known/oauth-protected-resource/r"

// confAdminAudience is the only audience confAdminAud accepts.
const confAdminAudience = "https://admin.example.test"

// confOpts are a layer's settings: the shared ones, and which of the
// table's hooks the adapter installs.
type confOpts struct {
	bearer.Options
	Skip         bool // the skipper is SkipRequest
	CustomErrors bool // the error handler is WriteCustomError
}

// confLayer is one middleware of a router: Authenticate, or Require(req)
// when guard is set; router-wide (around the mux, e.Use, r.Use) or on the
// route. Layers are listed outermost first, router-wide ones before the
// route's.
type confLayer struct {
	id     confVerifierID     // in confChainCases: the verifier, set into v when the case runs
	v      *verifier.Verifier // the verifier
	opts   confOpts
	guard  bool
	req    scopes.Requirement
	global bool
	again  bool // the same middleware as the layer before, not a new one
}

// confRequest describes the request of a case.
type confRequest struct {
	method  string     // "" means GET
	path    string     // "" means /r
	query   string     // raw query, without "?"
	auth    []string   // Authorization header lines, in order
	proof   *confProof // the DPoP proof, if any
	cookies []string   // Cookie header lines, in order
	extra   map[string]string
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

	nonce         string   // DPoP-Nonce; "" means absent
	challengeList []string // the WWW-Authenticate lines, when more than challenge

	ran     bool   // whether the final handler ran
	subject string // the subject the handler saw; "" means no claims
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

// WriteCustomError is the error handler the table's custom-error cases
// install, translated into the adapter's own hook: its answer must reach
// the client unchanged, whatever the adapter.
func WriteCustomError(w http.ResponseWriter, r *http.Request, err error) {
	status, what := http.StatusInternalServerError, "unexpected error"
	var vErr *verifier.Error
	switch {
	case errors.Is(err, bearer.ErrNoCredentials):
		status, what = http.StatusUnauthorized, "no credentials"
	case errors.Is(err, bearer.ErrInvalidRequest):
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

// SkipRequest is the skipper the table's skipping cases install,
// translated into the adapter's own hook: it skips health checks (path
// /healthz) and CORS preflight requests.
func SkipRequest(r *http.Request) bool { return r.URL.Path == "/healthz" || bearer.IsPreflight(r) }

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
	opts  confOpts
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
	api := confOpts{Options: bearer.Options{Realm: "api"}}
	auth := func(tok string) []string { return []string{"Bearer " + tok} }
	withCookie := confOpts{Options: bearer.Options{Realm: "api", Cookie: "access_token"}}
	withQuery := confOpts{Options: bearer.Options{Realm: "api", Query: "access_token"}}
	optional := confOpts{Options: bearer.Options{Realm: "api", Optional: true}}
	skipping := confOpts{Options: bearer.Options{Realm: "api"}, Skip: true}
	custom := confOpts{Options: bearer.Options{Realm: "api"}, CustomErrors: true}
	withMetadata := confOpts{Options: bearer.Options{Realm: "api", ResourceMetadata: confMetadataURL}}
	preflight := map[string]string{"Access-Control-Request-Method": "POST", "Origin": "https://app.example.test"}

	return []confCase{
		// The Authorization header.
		{name: "valid token", opts: api, req: confRequest{auth: auth(tk.plain)}, want: confRan("plain")},
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
		{name: "expired", opts: api, req: confRequest{auth: auth(tk.expired)}, want: confInvalidToken("token expired")},
		{name: "not yet valid", opts: api, req: confRequest{auth: auth(tk.notYetValid)}, want: confInvalidToken("token not yet valid")},
		{name: "bad signature", opts: api, req: confRequest{auth: auth(tk.badSignature)}, want: confInvalidToken("invalid signature")},
		{name: "unknown kid", opts: api, req: confRequest{auth: auth(tk.unknownKey)}, want: confInvalidToken("unknown signing key")},
		{name: "wrong issuer", opts: api, req: confRequest{auth: auth(tk.wrongIssuer)}, want: confInvalidToken("issuer not accepted")},
		{name: "wrong audience", opts: api, req: confRequest{auth: auth(tk.wrongAudience)}, want: confInvalidToken("audience not accepted")},
		{name: "malformed", opts: api, req: confRequest{auth: auth(tk.malformed)}, want: confInvalidToken("malformed token")},
		{name: "alg none", opts: api, req: confRequest{auth: auth(tk.algNone)}, want: confInvalidToken("algorithm not allowed")},
		{name: "missing exp", opts: api, req: confRequest{auth: auth(tk.noExpiry)}, want: confInvalidToken("required claim missing")},

		// Scheme words and realm.
		{name: "JWT scheme option accepts JWT", opts: confOpts{Options: bearer.Options{Realm: "api", Schemes: []string{"JWT"}}},
			req: confRequest{auth: []string{"JWT " + tk.plain}}, want: confRan("plain")},
		{name: "JWT scheme option treats Bearer as no credentials", opts: confOpts{Options: bearer.Options{Realm: "api", Schemes: []string{"JWT"}}},
			req: confRequest{auth: auth(tk.plain)}, want: confDenied(http.StatusUnauthorized, `JWT realm="api"`, "{}\n")},
		{name: "JWT scheme option names JWT in invalid_token challenge", opts: confOpts{Options: bearer.Options{Realm: "api", Schemes: []string{"JWT"}}},
			req: confRequest{auth: []string{"JWT " + tk.expired}},
			want: confDenied(http.StatusUnauthorized, `JWT realm="api", error="invalid_token", error_description="token expired"`,
				`{"error":"invalid_token","error_description":"token expired"}`+"\n")},
		{name: "Bearer and JWT schemes accept jwt", opts: confOpts{Options: bearer.Options{Realm: "api", Schemes: []string{"Bearer", "JWT"}}},
			req: confRequest{auth: []string{"jwt " + tk.plain}}, want: confRan("plain")},
		{name: "realm is escaped", opts: confOpts{Options: bearer.Options{Realm: `my "api" \ v2`}},
			want: confDenied(http.StatusUnauthorized, `Bearer realm="my \"api\" \\ v2"`, "{}\n")},
		{name: "realm is escaped beside error attributes", opts: confOpts{Options: bearer.Options{Realm: `my "api" \ v2`}},
			req: confRequest{auth: auth(tk.expired)},
			want: confDenied(http.StatusUnauthorized, `Bearer realm="my \"api\" \\ v2", error="invalid_token", error_description="token expired"`,
				`{"error":"invalid_token","error_description":"token expired"}`+"\n")},
		{name: "no realm", want: confDenied(http.StatusUnauthorized, "Bearer", "{}\n")},
		{name: "no realm, invalid token", req: confRequest{auth: auth(tk.expired)},
			want: confDenied(http.StatusUnauthorized, `Bearer error="invalid_token", error_description="token expired"`,
				`{"error":"invalid_token","error_description":"token expired"}`+"\n")},

		// Scope guards.
		{name: "all-of met", opts: api, guard: confRequireAll, req: confRequest{auth: auth(tk.readWrite)}, want: confRan("read-write")},
		{name: "all-of missing one", opts: api, guard: confRequireAll, req: confRequest{auth: auth(tk.read)}, want: confInsufficientScope("read write")},
		{name: "all-of, token without scope", opts: api, guard: confRequireAll, req: confRequest{auth: auth(tk.plain)}, want: confInsufficientScope("read write")},
		{name: "all-of alone, missing token", opts: api, guard: confRequireAll, want: confNoCredentials},
		{name: "all-of alone, expired token", opts: api, guard: confRequireAll, req: confRequest{auth: auth(tk.expired)}, want: confInvalidToken("token expired")},
		{name: "all-of alone, two Authorization headers", opts: api, guard: confRequireAll,
			req: confRequest{auth: []string{"Bearer " + tk.readWrite, "Bearer " + tk.readWrite}}, want: confInvalidRequest("more than one Authorization header")},
		{name: "any-of met by the first", opts: api, guard: confRequireAny, req: confRequest{auth: auth(tk.write)}, want: confRan("write")},
		{name: "any-of met by the second", opts: api, guard: confRequireAny, req: confRequest{auth: auth(tk.admin)}, want: confRan("admin")},
		{name: "any-of met by none", opts: api, guard: confRequireAny, req: confRequest{auth: auth(tk.read)}, want: confInsufficientAnyOf("write admin")},
		{name: "any-of, missing token", opts: api, guard: confRequireAny, want: confNoCredentials},
		{name: "Authenticate+Require met", opts: api, guard: confAuthRequire, req: confRequest{auth: auth(tk.readWrite)}, want: confRan("read-write")},
		{name: "Authenticate+Require missing scope", opts: api, guard: confAuthRequire, req: confRequest{auth: auth(tk.write)}, want: confInsufficientScope("read write")},
		{name: "Authenticate+Require missing token", opts: api, guard: confAuthRequire, want: confNoCredentials},
		{name: "Authenticate+Require bad signature", opts: api, guard: confAuthRequire, req: confRequest{auth: auth(tk.badSignature)}, want: confInvalidToken("invalid signature")},

		// Keys unavailable.
		{name: "keys unavailable", opts: api, down: true, req: confRequest{auth: auth(tk.plain)}, want: confUnavailable("30")},
		{name: "keys unavailable, RetryAfter option", opts: confOpts{Options: bearer.Options{Realm: "api", RetryAfter: 2 * time.Minute}}, down: true,
			req: confRequest{auth: auth(tk.plain)}, want: confUnavailable("120")},
		{name: "keys unavailable behind Require", opts: api, guard: confRequireAll, down: true,
			req: confRequest{auth: auth(tk.readWrite)}, want: confUnavailable("30")},
		{name: "keys unavailable behind Authenticate+Require", opts: api, guard: confAuthRequire, down: true,
			req: confRequest{auth: auth(tk.readWrite)}, want: confUnavailable("30")},
		{name: "keys unavailable, missing token", opts: api, down: true, want: confNoCredentials},
		{name: "keys unavailable, malformed token", opts: api, down: true,
			req: confRequest{auth: auth(tk.malformed)}, want: confInvalidToken("malformed token")},

		// Optional authentication.
		{name: "optional, no token", opts: optional, want: confRan("")},
		{name: "optional, Basic scheme", opts: optional, req: confRequest{auth: []string{"Basic dXNlcjpwYXNz"}}, want: confRan("")},
		{name: "optional, valid token", opts: optional, req: confRequest{auth: auth(tk.plain)}, want: confRan("plain")},
		{name: "optional, expired token", opts: optional, req: confRequest{auth: auth(tk.expired)}, want: confInvalidToken("token expired")},
		{name: "optional, bad signature", opts: optional, req: confRequest{auth: auth(tk.badSignature)}, want: confInvalidToken("invalid signature")},
		{name: "optional, empty token", opts: optional, req: confRequest{auth: []string{"Bearer "}}, want: confInvalidRequest("empty token")},
		{name: "optional, two Authorization headers", opts: optional,
			req: confRequest{auth: []string{"Bearer " + tk.plain, "Bearer " + tk.plain}}, want: confInvalidRequest("more than one Authorization header")},
		{name: "optional, keys unavailable", opts: optional, down: true, req: confRequest{auth: auth(tk.plain)}, want: confUnavailable("30")},
		{name: "optional+Require, no token", opts: optional, guard: confAuthRequire, want: confNoCredentials},
		{name: "optional Require alone, no token", opts: optional, guard: confRequireAll, want: confNoCredentials},
		{name: "optional+Require met", opts: optional, guard: confAuthRequire, req: confRequest{auth: auth(tk.readWrite)}, want: confRan("read-write")},

		// Skipper.
		{name: "skipped health path, garbage token", opts: skipping, guard: confAuthRequire,
			req: confRequest{path: "/healthz", auth: []string{"Bearer garbage"}}, want: confRan("")},
		{name: "skipped health path, two Authorization headers", opts: skipping, guard: confAuthRequire,
			req: confRequest{path: "/healthz", auth: []string{"Bearer a", "Bearer b"}}, want: confRan("")},
		{name: "skipped health path, valid token gives no claims", opts: skipping, guard: confAuthRequire,
			req: confRequest{path: "/healthz", auth: auth(tk.readWrite)}, want: confRan("")},
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
			req: confRequest{auth: auth(tk.readWrite)}, want: confRan("read-write")},
		{name: "no skipper, health path needs a token", opts: api, req: confRequest{path: "/healthz"}, want: confNoCredentials},

		// Cookie source.
		{name: "cookie only", opts: withCookie, req: confRequest{cookies: []string{"access_token=" + tk.plain}}, want: confRan("plain")},
		{name: "cookie among other cookies", opts: withCookie,
			req: confRequest{cookies: []string{"session=abc; access_token=" + tk.plain + "; theme=dark"}}, want: confRan("plain")},
		{name: "cookie with expired token", opts: withCookie,
			req: confRequest{cookies: []string{"access_token=" + tk.expired}}, want: confInvalidToken("token expired")},
		{name: "header and cookie", opts: withCookie,
			req:  confRequest{auth: auth(tk.plain), cookies: []string{"access_token=" + tk.plain}},
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
		{name: "optional with cookie only", opts: confOpts{Options: bearer.Options{Realm: "api", Cookie: "access_token", Optional: true}},
			req: confRequest{cookies: []string{"access_token=" + tk.plain}}, want: confRan("plain")},

		// Query source.
		{name: "query only", opts: withQuery, req: confRequest{query: "access_token=" + tk.plain}, want: confRan("plain")},
		{name: "query among other parameters", opts: withQuery,
			req: confRequest{query: "page=2&access_token=" + tk.plain + "&sort=asc"}, want: confRan("plain")},
		{name: "header and query", opts: withQuery,
			req:  confRequest{auth: auth(tk.plain), query: "access_token=" + tk.plain},
			want: confInvalidRequest("token sent in more than one place")},
		{name: "query parameter twice", opts: withQuery,
			req:  confRequest{query: "access_token=" + tk.plain + "&access_token=" + tk.plain},
			want: confInvalidRequest("token query parameter sent more than once")},
		{name: "empty query parameter", opts: withQuery, req: confRequest{query: "access_token="}, want: confInvalidRequest("empty token")},
		{name: "query parameter with expired token", opts: withQuery,
			req: confRequest{query: "access_token=" + tk.expired}, want: confInvalidToken("token expired")},
		{name: "query not configured", opts: api, req: confRequest{query: "access_token=" + tk.plain}, want: confNoCredentials},
		{name: "cookie and query both configured and sent", opts: confOpts{Options: bearer.Options{Realm: "api", Cookie: "access_token", Query: "access_token"}},
			req:  confRequest{cookies: []string{"access_token=" + tk.plain}, query: "access_token=" + tk.plain},
			want: confInvalidRequest("token sent in more than one place")},
		{name: "query with any-of", opts: withQuery, guard: confRequireAny,
			req: confRequest{query: "access_token=" + tk.admin}, want: confRan("admin")},

		// RFC 9728: every challenge names the resource's metadata.
		{name: "resource metadata, missing token", opts: withMetadata,
			want: confDenied(http.StatusUnauthorized, `Bearer realm="api", resource_metadata="`+confMetadataURL+`"`, "{}\n")},
		{name: "resource metadata, expired token", opts: withMetadata, req: confRequest{auth: auth(tk.expired)},
			want: confDenied(http.StatusUnauthorized, `Bearer realm="api", error="invalid_token", error_description="token expired", resource_metadata="`+confMetadataURL+`"`,
				`{"error":"invalid_token","error_description":"token expired"}`+"\n")},
		{name: "resource metadata, scope missing", opts: withMetadata, guard: confRequireAll, req: confRequest{auth: auth(tk.read)},
			want: confDenied(http.StatusForbidden, `Bearer realm="api", error="insufficient_scope", scope="read write", resource_metadata="`+confMetadataURL+`"`,
				`{"error":"insufficient_scope","scope":"read write"}`+"\n")},
		{name: "resource metadata, valid token", opts: withMetadata, req: confRequest{auth: auth(tk.plain)}, want: confRan("plain")},

		// A custom ErrorHandler writes its own answer.
		{name: "custom ErrorHandler, missing token", opts: custom, want: confCustom(http.StatusUnauthorized, "no credentials")},
		{name: "custom ErrorHandler, expired", opts: custom,
			req: confRequest{auth: auth(tk.expired)}, want: confCustom(http.StatusUnauthorized, "invalid token: token expired")},
		{name: "custom ErrorHandler, two Authorization headers", opts: custom,
			req: confRequest{auth: []string{"Bearer a", "Bearer b"}}, want: confCustom(http.StatusBadRequest, "invalid request")},
		{name: "custom ErrorHandler, insufficient scope", opts: custom, guard: confAuthRequire,
			req: confRequest{auth: auth(tk.read)}, want: confCustom(http.StatusForbidden, "insufficient scope")},
		{name: "custom ErrorHandler, keys unavailable", opts: custom, down: true,
			req: confRequest{auth: auth(tk.plain)}, want: confCustom(http.StatusServiceUnavailable, "keys unavailable")},
		{name: "custom ErrorHandler, valid token", opts: custom, guard: confAuthRequire,
			req: confRequest{auth: auth(tk.readWrite)}, want: confRan("read-write")},
	}
}

// confChainTokens are the further tokens of the chain cases.
type confChainTokens struct {
	bAdmin, bPlain string // issuer B: scope admin, and no scope
	adminBoth      string // issuer A, scope admin, for its API and confAdminAudience
}

func confMintChain(t testing.TB, iss, issB *verifiertest.Issuer) confChainTokens {
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
	auth := func(tok string) confRequest { return confRequest{auth: []string{"Bearer " + tok}} }
	api := confOpts{Options: bearer.Options{Realm: "api"}}
	optional := confOpts{Options: bearer.Options{Realm: "api", Optional: true}}
	inner := confOpts{Options: bearer.Options{Realm: "inner"}}
	admin := scopes.AllOf("admin")
	// outer is router-wide Authenticate; authenticate and guard are on the
	// route.
	outer := func(id confVerifierID, opts confOpts) confLayer {
		return confLayer{id: id, opts: opts, global: true}
	}
	authenticate := func(id confVerifierID, opts confOpts) confLayer { return confLayer{id: id, opts: opts} }
	guard := func(id confVerifierID, opts confOpts, req scopes.Requirement) confLayer {
		return confLayer{id: id, opts: opts, guard: true, req: req}
	}
	type calls = map[confVerifierID]int

	return []confCase{
		// The same verifier twice: claims reused, the token verified once.
		{name: "chain, same verifier twice: Authenticate then another middleware's Require",
			chain: []confLayer{outer(confA, api), guard(confA, inner, confAllOf)},
			req:   auth(tk.readWrite), want: confRan("read-write"), by: confA, verifies: calls{confA: 1}},
		{name: "chain, same middleware twice: Authenticate then Require",
			chain: []confLayer{outer(confA, api), {id: confA, guard: true, req: confAllOf, again: true}},
			req:   auth(tk.readWrite), want: confRan("read-write"), by: confA, verifies: calls{confA: 1}},
		{name: "chain, same verifier twice: two Authenticates",
			chain: []confLayer{outer(confA, api), authenticate(confA, inner)},
			req:   auth(tk.plain), want: confRan("plain"), by: confA, verifies: calls{confA: 1}},
		{name: "chain, same verifier twice: the inner Require refuses the scope",
			chain: []confLayer{outer(confA, api), guard(confA, inner, confAllOf)},
			req:   auth(tk.read), want: confInsufficientScopeIn("inner", "read write"), verifies: calls{confA: 1}},

		// Disjoint issuers: the outer verifier trusts issuer A (or A and
		// B), the inner one only issuer B.
		{name: "chain, disjoint issuers: A's admin token at B's Require",
			chain: []confLayer{outer(confA, api), guard(confB, inner, admin)},
			req:   auth(tk.admin), want: confInvalidTokenIn("inner", "issuer not accepted"), verifies: calls{confA: 1, confB: 1}},
		{name: "chain, disjoint issuers: A's admin token at B's second Authenticate",
			chain: []confLayer{outer(confA, api), authenticate(confB, inner)},
			req:   auth(tk.admin), want: confInvalidTokenIn("inner", "issuer not accepted"), verifies: calls{confA: 1, confB: 1}},
		{name: "chain, disjoint issuers: B's admin token refused by the outer A",
			chain: []confLayer{outer(confA, api), guard(confB, inner, admin)},
			req:   auth(ck.bAdmin), want: confInvalidToken("issuer not accepted"), verifies: calls{confA: 1}},
		{name: "chain, disjoint issuers: no token",
			chain: []confLayer{outer(confA, api), guard(confB, inner, admin)},
			want:  confNoCredentials, verifies: calls{}},
		{name: "chain, disjoint issuers: B's Require skips the health path, A's claims are not passed on",
			chain: []confLayer{outer(confA, api), guard(confB, confOpts{Options: bearer.Options{Realm: "inner"}, Skip: true}, admin)},
			req:   confRequest{path: "/healthz", auth: []string{"Bearer " + tk.admin}}, want: confRan(""), verifies: calls{confA: 1}},
		{name: "chain, disjoint issuers: A reads a cookie, B's optional Authenticate the header only, A's claims are not passed on",
			chain: []confLayer{outer(confA, confOpts{Options: bearer.Options{Realm: "api", Cookie: "access_token"}}), authenticate(confB, confOpts{Options: bearer.Options{Realm: "inner", Optional: true}})},
			req:   confRequest{cookies: []string{"access_token=" + tk.admin}}, want: confRan(""), verifies: calls{confA: 1}},
		{name: "chain, outer trusts A and B: B's admin token passes B's Require",
			chain: []confLayer{outer(confAB, api), guard(confB, inner, admin)},
			req:   auth(ck.bAdmin), want: confRan("b-admin"), by: confB, verifies: calls{confAB: 1, confB: 1}},
		{name: "chain, outer trusts A and B: A's admin token refused by B's Require",
			chain: []confLayer{outer(confAB, api), guard(confB, inner, admin)},
			req:   auth(tk.admin), want: confInvalidTokenIn("inner", "issuer not accepted"), verifies: calls{confAB: 1, confB: 1}},
		{name: "chain, outer trusts A and B: B's token without admin",
			chain: []confLayer{outer(confAB, api), guard(confB, inner, admin)},
			req:   auth(ck.bPlain), want: confInsufficientScopeIn("inner", "admin"), verifies: calls{confAB: 1, confB: 1}},
		{name: "chain, outer trusts A and B: B's second Authenticate hands on B's claims",
			chain: []confLayer{outer(confAB, api), authenticate(confB, inner)},
			req:   auth(ck.bPlain), want: confRan("b-plain"), by: confB, verifies: calls{confAB: 1, confB: 1}},

		// The inner verifier accepts a stricter audience.
		{name: "chain, stricter inner audience: token for the API only",
			chain: []confLayer{outer(confA, api), guard(confAdminAud, inner, admin)},
			req:   auth(tk.admin), want: confInvalidTokenIn("inner", "audience not accepted"), verifies: calls{confA: 1, confAdminAud: 1}},
		{name: "chain, stricter inner audience: token for both audiences",
			chain: []confLayer{outer(confA, api), guard(confAdminAud, inner, admin)},
			req:   auth(ck.adminBoth), want: confRan("admin-aud"), by: confAdminAud, verifies: calls{confA: 1, confAdminAud: 1}},
		{name: "chain, stricter audience at a second Authenticate: token for the API only",
			chain: []confLayer{outer(confA, api), authenticate(confAdminAud, inner)},
			req:   auth(tk.admin), want: confInvalidTokenIn("inner", "audience not accepted"), verifies: calls{confA: 1, confAdminAud: 1}},
		{name: "chain, stricter outer audience: token for the API only",
			chain: []confLayer{outer(confAdminAud, api), guard(confA, inner, admin)},
			req:   auth(tk.admin), want: confInvalidToken("audience not accepted"), verifies: calls{confAdminAud: 1}},

		// Optional outer Authenticate, Require inside.
		{name: "chain, optional outer A, B's Require: no token",
			chain: []confLayer{outer(confA, optional), guard(confB, inner, admin)},
			want:  confNoCredentialsIn("inner"), verifies: calls{}},
		{name: "chain, optional outer A, B's Require: A's admin token",
			chain: []confLayer{outer(confA, optional), guard(confB, inner, admin)},
			req:   auth(tk.admin), want: confInvalidTokenIn("inner", "issuer not accepted"), verifies: calls{confA: 1, confB: 1}},
		{name: "chain, optional outer A, B's Require: B's token refused by the outer A",
			chain: []confLayer{outer(confA, optional), guard(confB, inner, admin)},
			req:   auth(ck.bAdmin), want: confInvalidToken("issuer not accepted"), verifies: calls{confA: 1}},
		{name: "chain, optional outer A and B, B's Require: B's admin token",
			chain: []confLayer{outer(confAB, optional), guard(confB, inner, admin)},
			req:   auth(ck.bAdmin), want: confRan("b-admin"), by: confB, verifies: calls{confAB: 1, confB: 1}},
		{name: "chain, optional outer A, A's Require: verified once",
			chain: []confLayer{outer(confA, optional), guard(confA, inner, confAnyOf)},
			req:   auth(tk.admin), want: confRan("admin"), by: confA, verifies: calls{confA: 1}},
		{name: "chain, optional outer A, A's Require: no token",
			chain: []confLayer{outer(confA, optional), guard(confA, inner, confAnyOf)},
			want:  confNoCredentialsIn("inner"), verifies: calls{}},
	}
}

// confMint mints the table's tokens with iss.
func confMint(t testing.TB, iss *verifiertest.Issuer) confTokens {
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
func confVerifiers(t testing.TB, iss, issB *verifiertest.Issuer) (map[confVerifierID]*verifier.Verifier, map[confVerifierID]*atomic.Int64) {
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

// export returns q as a Request, with the defaults filled in.
func (q confRequest) export() Request {
	r := Request{Method: q.method, Path: q.path, Query: q.query, Authorization: q.auth, Cookies: q.cookies, Header: q.extra,
		Replay: q.proof != nil && q.proof.replay}
	if r.Method == "" {
		r.Method = http.MethodGet
	}
	if r.Path == "" {
		r.Path = "/r"
	}
	return r
}

// challenges returns the WWW-Authenticate lines w wants.
func (w confWant) challenges() []string {
	if w.challengeList != nil {
		return w.challengeList
	}
	if w.challenge == "" {
		return nil
	}
	return []string{w.challenge}
}

// export returns w as a Want.
func (w confWant) export() Want {
	return Want{
		Status: w.status, Challenges: w.challenges(), RetryAfter: w.retryAfter, Nonce: w.nonce, ContentType: w.contentType,
		CacheControl: w.cacheControl, Header: w.extra, Body: w.body, Ran: w.ran, Subject: w.subject,
	}
}

// unavailableVerifier returns a verifier of iss's tokens whose key source,
// another test issuer's JWKS endpoint, answers 503, and that issuer (whose
// JWKSRequests counts the attempts).
func unavailableVerifier(t testing.TB, iss *verifiertest.Issuer) (*verifier.Verifier, *verifiertest.Issuer) {
	t.Helper()
	down := verifiertest.Start(t, verifiertest.IssuerConfig{})
	down.SetFault(verifiertest.FaultDown)
	v, err := verifier.New(verifier.Config{
		Issuers:   []string{iss.URL},
		Audiences: []string{iss.Audience()},
		Keys:      down.NewRemote(jwks.RemoteConfig{Logger: slog.New(slog.DiscardHandler)}),
		Now:       confClock,
	})
	require.NoError(t, err, "verifier.New over a JWKS endpoint that is down")
	return v, down
}
