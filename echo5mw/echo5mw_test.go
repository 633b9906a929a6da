package echo5mw_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/echo5mw"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// guard says how the route of a case is protected.
type guard int

const (
	authenticate guard = iota // Authenticate router-wide
	requireAll                // Require(allOf) on the route
	requireAny                // Require(anyOf) on the route
	authRequire               // Authenticate router-wide, then Require(allOf) of the same middleware on the route
)

var (
	allOf = scopes.AllOf("read", "write")
	anyOf = scopes.AnyOf("write", "admin")
)

func (g guard) String() string {
	return [...]string{"Authenticate", "Require(all of read write)", "Require(any of write admin)", "Authenticate+Require(all of read write)"}[g]
}

// layers returns the layers of g, all with middleware m.
func layers[M any](g guard, m M) []layer[M] {
	switch g {
	case requireAll:
		return []layer[M]{{m: m, guard: true, req: allOf}}
	case requireAny:
		return []layer[M]{{m: m, guard: true, req: anyOf}}
	case authRequire:
		return []layer[M]{{m: m, global: true}, {m: m, guard: true, req: allOf}}
	}
	return []layer[M]{{m: m, global: true}}
}

// failureHeader is the header set of a refusal: WWW-Authenticate if
// challenge is set, Retry-After if retry is, and the JSON and no-store
// headers; nothing else.
func failureHeader(challenge, retry string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}}
	if challenge != "" {
		h.Set("WWW-Authenticate", challenge)
	}
	if retry != "" {
		h.Set("Retry-After", retry)
	}
	return h
}

var passedHeader = http.Header{"Content-Type": {"text/plain; charset=utf-8"}}

// failureCase is a request that fails, and why.
type failureCase struct {
	name   string
	opts   nethttp.Options // Realm "api" when zero
	guard  guard
	down   bool // against the verifier whose keys are unavailable
	req    request
	status int
	reason error // what the error returned to Echo matches; nil when the request passes
	body   string
	header http.Header
}

func (tc failureCase) options() nethttp.Options {
	if tc.opts.Realm == "" && tc.opts.Schemes == nil {
		tc.opts.Realm = "api"
	}
	return tc.opts
}

// cases lists every kind of failure, and a few requests that pass.
func cases(t *testing.T, f *fixture) []failureCase {
	bearerAuth := func(tok string) []string { return []string{"Bearer " + tok} }
	read := f.mint(t, verifiertest.Token{Subject: "reader", Scope: "read"})
	readWrite := f.mint(t, verifiertest.Token{Subject: "writer", Scope: "read write"})
	expired := f.mint(t, verifiertest.Token{Scope: "read write", ExpiresIn: -time.Hour})
	wrongAudience := f.mint(t, verifiertest.Token{Audience: []string{"https://elsewhere.test"}})
	forDown := f.downIss.MustMint(t, verifiertest.Token{Scope: "read write"})
	invalid := func(desc string) string {
		return `Bearer realm="api", error="invalid_token", error_description="` + desc + `"`
	}
	invalidBody := func(desc string) string {
		return `{"error":"invalid_token","error_description":"` + desc + `"}` + "\n"
	}
	invalidRequest := func(desc string) (string, string) {
		return `Bearer realm="api", error="invalid_request", error_description="` + desc + `"`,
			`{"error":"invalid_request","error_description":"` + desc + `"}` + "\n"
	}
	twoHeaders, twoHeadersBody := invalidRequest("more than one Authorization header")
	empty, emptyBody := invalidRequest("empty token")
	twoPlaces, twoPlacesBody := invalidRequest("token sent in more than one place")
	skipHealth := func(r *http.Request) bool { return r.URL.Path == "/healthz" || nethttp.IsPreflight(r) }
	unavailableBody := `{"error":"temporarily_unavailable","error_description":"signing keys unavailable"}` + "\n"

	return []failureCase{
		{name: "no token", req: request{}, status: 401, reason: bearer.ErrNoCredentials,
			body: "{}\n", header: failureHeader(`Bearer realm="api"`, "")},
		{name: "Basic scheme", req: request{auth: []string{"Basic YWxhZGRpbjpvcGVuc2VzYW1l"}}, status: 401, reason: bearer.ErrNoCredentials,
			body: "{}\n", header: failureHeader(`Bearer realm="api"`, "")},
		{name: "two Authorization headers", req: request{auth: []string{"Bearer " + read, "Bearer " + read}}, status: 400,
			reason: bearer.ErrInvalidRequest, body: twoHeadersBody, header: failureHeader(twoHeaders, "")},
		{name: "empty token", req: request{auth: []string{"Bearer"}}, status: 400,
			reason: bearer.ErrInvalidRequest, body: emptyBody, header: failureHeader(empty, "")},
		{name: "token in the header and the query", opts: nethttp.Options{Options: bearer.Options{Realm: "api", Query: "access_token"}},
			req: request{query: "access_token=" + read, auth: bearerAuth(read)}, status: 400,
			reason: bearer.ErrInvalidRequest, body: twoPlacesBody, header: failureHeader(twoPlaces, "")},
		{name: "expired", req: request{auth: bearerAuth(expired)}, status: 401, reason: verifier.ErrExpired,
			body: invalidBody("token expired"), header: failureHeader(invalid("token expired"), "")},
		{name: "bad signature", req: request{auth: bearerAuth(badSignature(t, read))}, status: 401, reason: verifier.ErrSignature,
			body: invalidBody("invalid signature"), header: failureHeader(invalid("invalid signature"), "")},
		{name: "malformed", req: request{auth: bearerAuth("not.a.jwt")}, status: 401, reason: verifier.ErrMalformed,
			body: invalidBody("malformed token"), header: failureHeader(invalid("malformed token"), "")},
		{name: "wrong audience", req: request{auth: bearerAuth(wrongAudience)}, status: 401, reason: verifier.ErrAudience,
			body: invalidBody("audience not accepted"), header: failureHeader(invalid("audience not accepted"), "")},
		{name: "insufficient scope, all of", guard: requireAll, req: request{auth: bearerAuth(read)}, status: 403,
			reason: scopes.ErrInsufficientScope, body: `{"error":"insufficient_scope","scope":"read write"}` + "\n",
			header: failureHeader(`Bearer realm="api", error="insufficient_scope", scope="read write"`, "")},
		{name: "insufficient scope, any of", guard: requireAny, req: request{auth: bearerAuth(read)}, status: 403,
			reason: scopes.ErrInsufficientScope,
			body:   `{"error":"insufficient_scope","error_description":"any one of the listed scopes is required","scope":"write admin"}` + "\n",
			header: failureHeader(`Bearer realm="api", error="insufficient_scope", error_description="any one of the listed scopes is required", scope="write admin"`, "")},
		{name: "insufficient scope after Authenticate", guard: authRequire, req: request{auth: bearerAuth(read)}, status: 403,
			reason: scopes.ErrInsufficientScope, body: `{"error":"insufficient_scope","scope":"read write"}` + "\n",
			header: failureHeader(`Bearer realm="api", error="insufficient_scope", scope="read write"`, "")},
		{name: "keys unavailable", down: true, req: request{auth: bearerAuth(forDown)}, status: 503,
			reason: verifier.ErrKeysUnavailable, body: unavailableBody, header: failureHeader("", "30")},
		{name: "keys unavailable, Retry-After 2m", opts: nethttp.Options{Options: bearer.Options{Realm: "api", RetryAfter: 2 * time.Minute}},
			down: true, guard: requireAll, req: request{auth: bearerAuth(forDown)}, status: 503,
			reason: verifier.ErrKeysUnavailable, body: unavailableBody, header: failureHeader("", "120")},
		{name: "realm to escape, scheme JWT", opts: nethttp.Options{Options: bearer.Options{Realm: `say "hi" \o/`, Schemes: []string{"JWT", "Bearer"}}},
			req: request{auth: []string{"Basic x"}}, status: 401, reason: bearer.ErrNoCredentials,
			body: "{}\n", header: failureHeader(`JWT realm="say \"hi\" \\o/"`, "")},
		{name: "optional, no token", opts: nethttp.Options{Options: bearer.Options{Realm: "api", Optional: true}},
			status: 200, body: "no claims\n", header: passedHeader},
		{name: "optional, expired token", opts: nethttp.Options{Options: bearer.Options{Realm: "api", Optional: true}},
			req: request{auth: bearerAuth(expired)}, status: 401, reason: verifier.ErrExpired,
			body: invalidBody("token expired"), header: failureHeader(invalid("token expired"), "")},
		{name: "optional, Require without token", opts: nethttp.Options{Options: bearer.Options{Realm: "api", Optional: true}},
			guard: authRequire, status: 401, reason: bearer.ErrNoCredentials, body: "{}\n", header: failureHeader(`Bearer realm="api"`, "")},
		{name: "skip: health check with a broken token", opts: nethttp.Options{Options: bearer.Options{Realm: "api"}, Skip: skipHealth},
			guard: authRequire, req: request{path: "/healthz", auth: bearerAuth("not.a.jwt")}, status: 200, body: "no claims\n", header: passedHeader},
		{name: "skip: CORS preflight", opts: nethttp.Options{Options: bearer.Options{Realm: "api"}, Skip: skipHealth},
			guard: requireAll, req: request{method: http.MethodOptions, extra: map[string]string{"Access-Control-Request-Method": "POST", "Origin": "https://app.example.test"}},
			status: 200, body: "no claims\n", header: passedHeader},
		{name: "skip: not the skipped path", opts: nethttp.Options{Options: bearer.Options{Realm: "api"}, Skip: skipHealth},
			req: request{auth: bearerAuth("not.a.jwt")}, status: 401, reason: verifier.ErrMalformed,
			body: invalidBody("malformed token"), header: failureHeader(invalid("malformed token"), "")},
		{name: "valid token", req: request{auth: bearerAuth(read)}, status: 200, body: "sub=reader\n", header: passedHeader},
		{name: "valid token, scopes met", guard: authRequire, req: request{auth: bearerAuth(readWrite)}, status: 200, body: "sub=writer\n", header: passedHeader},
		{name: "valid token, any of met", guard: requireAny, req: request{auth: bearerAuth(readWrite)}, status: 200, body: "sub=writer\n", header: passedHeader},
	}
}

func (f *fixture) verifierFor(tc failureCase) *verifier.Verifier {
	if tc.down {
		return f.down
	}
	return f.v
}

// Through Echo's default error handler (exposing errors or not), a client
// receives exactly what package nethttp sends: status, headers (but Date
// and Content-Length) and body.
func TestMatchesNetHTTP(t *testing.T) {
	f := newFixture(t)
	for _, tc := range cases(t, f) {
		for _, expose := range []bool{false, true} {
			name := tc.name
			if expose {
				name += ", DefaultHTTPErrorHandler(true)"
			}
			t.Run(name, func(t *testing.T) {
				v := f.verifierFor(tc)
				n, err := nethttp.New(v, tc.options())
				require.NoError(t, err, "nethttp.New(v, %+v)", tc.options())
				m, err := newEcho5(v, tc.options())
				require.NoError(t, err, "echo5mw.New(v, %+v)", tc.options())
				e := newEchoRouter(layers(tc.guard, m))
				e.HTTPErrorHandler = echo.DefaultHTTPErrorHandler(expose)

				want := send(t, serve(t, newNetHTTPRouter(layers(tc.guard, n))), tc.req)
				got := send(t, serve(t, e), tc.req)

				call := tc.req.String() + " behind " + tc.guard.String()
				assert.Equal(t, tc.status, want.status, "%s through nethttp: status", call)
				assert.Equal(t, tc.header, want.header, "%s through nethttp: headers", call)
				assert.Equal(t, tc.body, want.body, "%s through nethttp: body", call)

				assert.Equal(t, want.status, got.status, "%s through Echo v5: status, want the nethttp one", call)
				assert.Equal(t, want.header, got.header, "%s through Echo v5: headers, want the nethttp ones", call)
				assert.Equal(t, want.body, got.body, "%s through Echo v5: body, want the nethttp one", call)
			})
		}
	}
}

// Echo's default error handler answers a HEAD request without a body: the
// status and headers are those of nethttp.
func TestHEADMatchesNetHTTP(t *testing.T) {
	f := newFixture(t)
	opts := nethttp.Options{Options: bearer.Options{Realm: "api"}}
	n, err := nethttp.New(f.v, opts)
	require.NoError(t, err, "nethttp.New")
	m, err := newEcho5(f.v, opts)
	require.NoError(t, err, "echo5mw.New")
	e := echo.New()
	e.HEAD("/r", func(c *echo.Context) error { return c.NoContent(http.StatusOK) }, m.Authenticate)
	mux := http.NewServeMux()
	mux.Handle("HEAD /r", n.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})))

	for _, tc := range cases(t, f) {
		if tc.reason == nil || tc.down || tc.guard != authenticate || tc.options().Realm != "api" || tc.options().Query != "" || tc.req.path != "" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			q := tc.req
			q.method = http.MethodHead
			want := send(t, serve(t, mux), q)
			got := send(t, serve(t, e), q)
			assert.Equal(t, tc.status, want.status, "%s through nethttp: status", q)
			assert.Equal(t, want.status, got.status, "%s through Echo v5: status, want the nethttp one", q)
			assert.Equal(t, want.header, got.header, "%s through Echo v5: headers, want the nethttp ones", q)
			assert.Empty(t, got.body, "%s through Echo v5: body", q)
		})
	}
}

// An error's rendering follows json.Encoder: characters that the body's
// JSON escapes (here <, > and & in scope names) come out the same.
func TestEscapedScopesMatchNetHTTP(t *testing.T) {
	f := newFixture(t)
	opts := nethttp.Options{Options: bearer.Options{Realm: "api"}}
	n, err := nethttp.New(f.v, opts)
	require.NoError(t, err, "nethttp.New")
	m, err := newEcho5(f.v, opts)
	require.NoError(t, err, "echo5mw.New")
	req := scopes.AllOf("a&b", "<admin>", "caf\u00e9")
	q := request{auth: []string{"Bearer " + f.mint(t, verifiertest.Token{Scope: "read"})}}

	want := send(t, serve(t, newNetHTTPRouter([]layer[*nethttp.Middleware]{{m: n, guard: true, req: req}})), q)
	got := send(t, serve(t, newEchoRouter([]layer[*echo5mw.Middleware]{{m: m, guard: true, req: req}})), q)
	require.Equal(t, http.StatusForbidden, want.status, "%s behind Require(%s) through nethttp: status", q, req)
	assert.Contains(t, want.body, `\u0026`, "%s through nethttp: body", q)
	assert.Equal(t, want.status, got.status, "%s through Echo v5: status", q)
	assert.Equal(t, want.header, got.header, "%s through Echo v5: headers", q)
	assert.Equal(t, want.body, got.body, "%s through Echo v5: body", q)
}

// serveRecorded runs r through e and returns the recorder.
func serveRecorded(e *echo.Echo, q request) *httptest.ResponseRecorder {
	method, target, _ := strings.Cut(q.String(), " ")
	r := httptest.NewRequest(method, target, nil)
	for _, a := range q.auth {
		r.Header.Add("Authorization", a)
	}
	for k, v := range q.extra {
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, r)
	return rec
}

// A custom HTTPErrorHandler keeps the status with echo.StatusCode (or
// echo.ResolveResponseStatus, or errors.As with echo.HTTPStatusCoder),
// finds the cause with errors.Is, sees the headers already set and
// nothing committed, and can render the default body with json.Marshal.
func TestCustomHTTPErrorHandlerKeepsStatus(t *testing.T) {
	f := newFixture(t)
	for _, tc := range cases(t, f) {
		if tc.reason == nil {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			m, err := newEcho5(f.verifierFor(tc), tc.options())
			require.NoError(t, err, "echo5mw.New")
			e := newEchoRouter(layers(tc.guard, m))
			var (
				calls                       int
				got                         error
				resolved, asCoder           int
				committed                   bool
				challenge, retry, marshaled string
			)
			e.HTTPErrorHandler = func(c *echo.Context, err error) {
				calls++
				got = err
				_, resolved = echo.ResolveResponseStatus(c.Response(), err)
				var sc echo.HTTPStatusCoder
				if errors.As(err, &sc) {
					asCoder = sc.StatusCode()
				}
				if r, _ := echo.UnwrapResponse(c.Response()); r != nil {
					committed = r.Committed
				}
				challenge = c.Response().Header().Get("WWW-Authenticate")
				retry = c.Response().Header().Get("Retry-After")
				if b, err := json.Marshal(err); err == nil {
					marshaled = string(b)
				}
				code := echo.StatusCode(err)
				_ = c.JSON(code, map[string]string{"app_error": http.StatusText(code)})
			}
			rec := serveRecorded(e, tc.req)

			call := tc.req.String() + " (" + tc.name + ")"
			require.Equal(t, 1, calls, "%s: calls of e.HTTPErrorHandler", call)
			assert.ErrorIs(t, got, tc.reason, "%s: error given to e.HTTPErrorHandler", call)
			assert.Equal(t, tc.status, echo.StatusCode(got), "%s: echo.StatusCode of the error", call)
			assert.Equal(t, tc.status, resolved, "%s: echo.ResolveResponseStatus", call)
			assert.Equal(t, tc.status, asCoder, "%s: errors.As(err, &echo.HTTPStatusCoder)", call)
			assert.False(t, committed, "%s: response committed before e.HTTPErrorHandler ran", call)
			assert.Equal(t, tc.header.Get("WWW-Authenticate"), challenge, "%s: WWW-Authenticate when e.HTTPErrorHandler ran", call)
			assert.Equal(t, tc.header.Get("Retry-After"), retry, "%s: Retry-After when e.HTTPErrorHandler ran", call)
			assert.Equal(t, strings.TrimSuffix(tc.body, "\n"), marshaled, "%s: json.Marshal of the error", call)

			assert.Equal(t, tc.status, rec.Code, "%s: status written by the custom handler", call)
			assert.JSONEq(t, `{"app_error":"`+http.StatusText(tc.status)+`"}`, rec.Body.String(), "%s: body of the custom handler", call)
		})
	}
}

// Middleware outside the auth middleware gets its error, with the status
// and the cause, as with any Echo middleware that fails; the error's text
// names status and cause but never the token.
func TestErrorReachesOuterMiddleware(t *testing.T) {
	f := newFixture(t)
	for _, tc := range cases(t, f) {
		if tc.reason == nil {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			m, err := newEcho5(f.verifierFor(tc), tc.options())
			require.NoError(t, err, "echo5mw.New")
			e := echo.New()
			var seen []error
			e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
				return func(c *echo.Context) error {
					err := next(c)
					seen = append(seen, err)
					return err
				}
			})
			ls := layers(tc.guard, m)
			var route []echo.MiddlewareFunc
			for _, l := range ls {
				mw := echo.MiddlewareFunc(l.m.Authenticate)
				if l.guard {
					mw = l.m.Require(l.req)
				}
				if l.global {
					e.Use(mw)
				} else {
					route = append(route, mw)
				}
			}
			ran := 0
			h := func(c *echo.Context) error { ran++; return c.NoContent(http.StatusOK) }
			e.GET("/r", h, route...)
			e.GET("/healthz", h, route...)
			e.OPTIONS("/r", h, route...)
			rec := serveRecorded(e, tc.req)

			call := tc.req.String() + " (" + tc.name + ")"
			require.Len(t, seen, 1, "%s: errors seen by the outer middleware", call)
			require.Error(t, seen[0], "%s: error seen by the outer middleware", call)
			assert.ErrorIs(t, seen[0], tc.reason, "%s: error seen by the outer middleware", call)
			assert.Equal(t, tc.status, echo.StatusCode(seen[0]), "%s: echo.StatusCode of the error", call)
			var he *echo.HTTPError
			assert.False(t, errors.As(seen[0], &he), "%s: the error is an *echo.HTTPError, whose string Message Echo would render as {\"message\":...}", call)
			msg := seen[0].Error()
			assert.True(t, strings.HasPrefix(msg, "echo5mw: "), "%s: error text %q, want the prefix \"echo5mw: \"", call, msg)
			assert.Contains(t, msg, http.StatusText(tc.status), "%s: error text", call)
			for _, a := range tc.req.auth {
				if _, tok, ok := strings.Cut(a, " "); ok && len(tok) > 10 {
					assert.NotContains(t, msg, tok, "%s: error text contains the token", call)
				}
			}
			assert.Equal(t, tc.status, rec.Code, "%s: status from Echo's default error handler", call)
			assert.Equal(t, tc.body, rec.Body.String(), "%s: body from Echo's default error handler", call)
			assert.Zero(t, ran, "%s: handler runs", call)
		})
	}
}

// With Options.ErrorHandler, that handler answers, with the claims in the
// request when only the scope failed; what it returns goes on to Echo's
// HTTPErrorHandler, which writes nothing over a committed answer.
func TestOptionsErrorHandler(t *testing.T) {
	f := newFixture(t)
	for _, tc := range cases(t, f) {
		if tc.reason == nil {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			opts := optionsFrom(tc.options())
			var (
				got       []error
				subject   string
				hadClaims bool
			)
			opts.ErrorHandler = func(c *echo.Context, err error) error {
				got = append(got, err)
				if claims, ok := echo5mw.ClaimsFrom(c); ok {
					hadClaims, subject = true, claims.Subject()
				}
				c.Response().Header().Set("X-Path", c.Request().URL.Path)
				if werr := c.String(http.StatusTeapot, "custom\n"); werr != nil {
					return werr
				}
				return err
			}
			m, err := echo5mw.New(f.verifierFor(tc), opts)
			require.NoError(t, err, "echo5mw.New")
			e := newEchoRouter(layers(tc.guard, m))
			var echoGot []error
			e.HTTPErrorHandler = func(c *echo.Context, err error) {
				echoGot = append(echoGot, err)
				echo.DefaultHTTPErrorHandler(false)(c, err)
			}
			rec := serveRecorded(e, tc.req)

			call := tc.req.String() + " (" + tc.name + ")"
			require.Len(t, got, 1, "%s: calls of Options.ErrorHandler", call)
			assert.ErrorIs(t, got[0], tc.reason, "%s: error given to Options.ErrorHandler", call)
			assert.Zero(t, echo.StatusCode(got[0]), "%s: echo.StatusCode of the error given to Options.ErrorHandler, want the plain cause", call)
			require.Len(t, echoGot, 1, "%s: calls of e.HTTPErrorHandler", call)
			assert.ErrorIs(t, echoGot[0], tc.reason, "%s: error given to e.HTTPErrorHandler", call)
			assert.Equal(t, http.StatusTeapot, rec.Code, "%s: status", call)
			assert.Equal(t, "custom\n", rec.Body.String(), "%s: body", call)
			wantPath := tc.req.path
			if wantPath == "" {
				wantPath = "/r"
			}
			assert.Equal(t, wantPath, rec.Header().Get("X-Path"), "%s: header set by Options.ErrorHandler", call)
			assert.Empty(t, rec.Header().Values("WWW-Authenticate"), "%s: WWW-Authenticate beside a custom answer", call)
			if errors.Is(tc.reason, scopes.ErrInsufficientScope) {
				assert.True(t, hadClaims, "%s: claims in Options.ErrorHandler on a scope failure", call)
				assert.Equal(t, "reader", subject, "%s: subject of the claims in Options.ErrorHandler", call)
			} else {
				assert.False(t, hadClaims, "%s: claims in Options.ErrorHandler", call)
			}
		})
	}
}

// Options.ErrorHandler that logs and returns Middleware.Error gets exactly
// the default answer.
func TestOptionsErrorHandlerReturningDefault(t *testing.T) {
	f := newFixture(t)
	var (
		m      *echo5mw.Middleware
		logged []string
	)
	m, err := echo5mw.New(f.v, echo5mw.Options{
		Options: bearer.Options{Realm: "api"},
		ErrorHandler: func(c *echo.Context, err error) error {
			logged = append(logged, err.Error())
			return m.Error(c, err)
		},
	})
	require.NoError(t, err, "echo5mw.New")
	plain, err := echo5mw.New(f.v, echo5mw.Options{Options: bearer.Options{Realm: "api"}})
	require.NoError(t, err, "echo5mw.New")
	q := request{auth: []string{"Bearer " + f.mint(t, verifiertest.Token{ExpiresIn: -time.Hour})}}

	got := send(t, serve(t, newEchoRouter(layers(authenticate, m))), q)
	want := send(t, serve(t, newEchoRouter(layers(authenticate, plain))), q)
	assert.Equal(t, []string{"verifier: token expired: expired 1h0m0s ago"}, logged, "%s: errors logged by Options.ErrorHandler", q)
	assert.Equal(t, want, got, "%s: answer with an Options.ErrorHandler returning m.Error, want the default one", q)
	assert.Equal(t, http.StatusUnauthorized, got.status, "%s: status", q)
}

// Called directly, the middleware sets the headers, writes nothing and
// returns the error for Echo.
func TestMiddlewareReturnsError(t *testing.T) {
	f := newFixture(t)
	m, err := echo5mw.New(f.v, echo5mw.Options{Options: bearer.Options{Realm: "api"}})
	require.NoError(t, err, "echo5mw.New")
	e := echo.New()
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/r", nil)
	r.Header.Set("Authorization", "Bearer "+f.mint(t, verifiertest.Token{ExpiresIn: -time.Hour}))
	c := e.NewContext(r, rec)

	err = m.Authenticate(func(*echo.Context) error { return errors.New("next must not run") })(c)
	require.Error(t, err, "Authenticate(next)(c) with an expired token")
	assert.Equal(t, "echo5mw: 401 Unauthorized: verifier: token expired: expired 1h0m0s ago", err.Error(), "Authenticate(next)(c): error text")
	assert.Equal(t, http.StatusUnauthorized, echo.StatusCode(err), "echo.StatusCode(err)")
	var vErr *verifier.Error
	require.True(t, errors.As(err, &vErr), "errors.As(%v, *verifier.Error)", err)
	assert.Equal(t, verifier.ErrExpired, vErr.Reason, "reason of the *verifier.Error")
	assert.Same(t, vErr, errors.Unwrap(err), "errors.Unwrap(err), want the cause itself")
	msg, ok := err.(json.Marshaler)
	require.True(t, ok, "error %T is not a json.Marshaler", err)
	b, err := msg.MarshalJSON()
	require.NoError(t, err, "MarshalJSON")
	assert.Equal(t, `{"error":"invalid_token","error_description":"token expired"}`, string(b), "MarshalJSON")
	assert.Equal(t, `Bearer realm="api", error="invalid_token", error_description="token expired"`,
		rec.Header().Get("WWW-Authenticate"), "WWW-Authenticate after Authenticate(next)(c)")
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "Cache-Control after Authenticate(next)(c)")
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"), "Content-Type after Authenticate(next)(c)")
	assert.False(t, rec.Flushed, "response flushed by Authenticate(next)(c)")
	assert.Empty(t, rec.Body.String(), "body written by Authenticate(next)(c)")
	resp, _ := echo.UnwrapResponse(c.Response())
	require.NotNil(t, resp, "echo.UnwrapResponse(c.Response())")
	assert.False(t, resp.Committed, "response committed by Authenticate(next)(c), want Echo's error handler to write it")
}

type appClaims struct {
	Sub   string `json:"sub"`
	Scope string `json:"scope"`
}

// Claims live in the request context; the middleware stores nothing with
// c.Set. Authenticate then Require of the same middleware verifies once.
func TestClaimsFromAndClaimsAs(t *testing.T) {
	f := newFixture(t)
	m, err := echo5mw.New(f.v, echo5mw.Options{Options: bearer.Options{Realm: "api"}})
	require.NoError(t, err, "echo5mw.New")
	e := echo.New()
	e.Use(m.Authenticate)
	var (
		fromCtx, fromHelper *verifier.Claims
		ctxOK, helperOK     bool
		typed               appClaims
		typedErr            error
		stored              any
	)
	e.GET("/r", func(c *echo.Context) error {
		fromCtx, ctxOK = verifier.FromContext(c.Request().Context())
		fromHelper, helperOK = echo5mw.ClaimsFrom(c)
		typed, typedErr = echo5mw.ClaimsAs[appClaims](c)
		stored = c.Get("claims")
		return c.NoContent(http.StatusNoContent)
	}, m.Require(scopes.AllOf("read")))

	before := f.verifies.Load()
	rec := serveRecorded(e, request{auth: []string{"Bearer " + f.mint(t, verifiertest.Token{Subject: "svc", Scope: "read"})}})
	require.Equal(t, http.StatusNoContent, rec.Code, "GET /r with a valid token: status; body %s", rec.Body)
	require.True(t, ctxOK, "verifier.FromContext(c.Request().Context()) in the handler: no claims")
	require.True(t, helperOK, "echo5mw.ClaimsFrom(c) in the handler: no claims")
	assert.Equal(t, "svc", fromCtx.Subject(), "subject of the claims in the request context")
	assert.Same(t, fromCtx, fromHelper, "echo5mw.ClaimsFrom(c), want the claims of the request context")
	assert.True(t, fromHelper.VerifiedBy(f.v), "claims from echo5mw.ClaimsFrom verified by the middleware's verifier")
	require.NoError(t, typedErr, "echo5mw.ClaimsAs[appClaims](c)")
	assert.Equal(t, appClaims{Sub: "svc", Scope: "read"}, typed, "echo5mw.ClaimsAs[appClaims](c)")
	assert.Nil(t, stored, "c.Get(\"claims\"), want nothing stored with c.Set")
	assert.Equal(t, int64(1), f.verifies.Load()-before, "Verify calls for Authenticate + Require, want one")
}

func TestClaimsWithoutClaims(t *testing.T) {
	e := echo.New()
	for _, tc := range []struct {
		name string
		c    *echo.Context
	}{
		{"a request without claims", e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())},
		{"a context without request", e.NewContext(nil, httptest.NewRecorder())},
		{"a nil context", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			claims, ok := echo5mw.ClaimsFrom(tc.c)
			assert.False(t, ok, "echo5mw.ClaimsFrom on %s: ok", tc.name)
			assert.Nil(t, claims, "echo5mw.ClaimsFrom on %s: claims", tc.name)
			typed, err := echo5mw.ClaimsAs[appClaims](tc.c)
			assert.ErrorIs(t, err, verifier.ErrNoClaims, "echo5mw.ClaimsAs on %s", tc.name)
			assert.Zero(t, typed, "echo5mw.ClaimsAs on %s: value", tc.name)
		})
	}
}

// Skipped requests go through bearer.Auth.Skip: claims of another verifier
// are dropped, those of the same verifier kept.
func TestSkipDropsAnotherVerifiersClaims(t *testing.T) {
	f := newFixture(t)
	other := verifierTrusting(t, f.iss)
	skipAll := func(*echo.Context) bool { return true }
	for _, tc := range []struct {
		name  string
		outer *verifier.Verifier
		want  string
	}{
		{"outer middleware with the same verifier", f.v, "sub=svc\n"},
		{"outer middleware with another verifier", other, "no claims\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			outer, err := echo5mw.New(tc.outer, echo5mw.Options{})
			require.NoError(t, err, "echo5mw.New for the outer middleware")
			inner, err := echo5mw.New(f.v, echo5mw.Options{Skip: skipAll})
			require.NoError(t, err, "echo5mw.New for the skipping middleware")
			e := newEchoRouter([]layer[*echo5mw.Middleware]{{m: outer, global: true}, {m: inner, guard: true, req: scopes.AllOf("admin")}})
			rec := serveRecorded(e, request{auth: []string{"Bearer " + f.mint(t, verifiertest.Token{Subject: "svc"})}})
			assert.Equal(t, http.StatusOK, rec.Code, "GET /r through a skipping Require after %s: status", tc.name)
			assert.Equal(t, tc.want, rec.Body.String(), "GET /r through a skipping Require after %s: body", tc.name)
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name string
		v    *verifier.Verifier
		opts echo5mw.Options
	}{
		{"nil verifier", nil, echo5mw.Options{}},
		{"realm with a newline", f.v, echo5mw.Options{Options: bearer.Options{Realm: "api\n"}}},
		{"scheme with a space", f.v, echo5mw.Options{Options: bearer.Options{Schemes: []string{"Bear er"}}}},
		{"empty scheme", f.v, echo5mw.Options{Options: bearer.Options{Schemes: []string{""}}}},
		{"cookie name with a semicolon", f.v, echo5mw.Options{Options: bearer.Options{Cookie: "a;b"}}},
		{"retry-after below a second", f.v, echo5mw.Options{Options: bearer.Options{RetryAfter: 500 * time.Millisecond}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := echo5mw.New(tc.v, tc.opts)
			require.Error(t, err, "echo5mw.New(%s) = %v, want an error", tc.name, m)
			assert.Nil(t, m, "echo5mw.New(%s): middleware beside the error", tc.name)
			assert.True(t, strings.HasPrefix(err.Error(), "echo5mw: bearer: "), "echo5mw.New(%s) error = %q, want the prefix \"echo5mw: bearer: \"", tc.name, err)
			assert.NotNil(t, errors.Unwrap(err), "echo5mw.New(%s) error %q wraps nothing", tc.name, err)
		})
	}
	m, err := echo5mw.New(f.v, echo5mw.Options{})
	require.NoError(t, err, "echo5mw.New(v, zero Options)")
	require.NotNil(t, m, "echo5mw.New(v, zero Options)")
}
