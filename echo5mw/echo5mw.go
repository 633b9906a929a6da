// Package echo5mw protects Echo v5 (github.com/labstack/echo/v5) handlers
// with bearer JWT access tokens. It answers every request exactly as
// package nethttp does; the settings all adapters share are
// [bearer.Options], the hooks take Echo's types.
//
//	auth, err := echo5mw.New(v, echo5mw.Options{Options: bearer.Options{Realm: "api"}})
//	e.Use(auth.Authenticate)
//	e.POST("/items", createItem, auth.Require(scopes.AllOf("write")))
//
// As in package nethttp, claims in the request context belong to the
// verifier that produced them: a middleware reuses those an earlier one
// stored only if both have the same verifier, and otherwise verifies the
// token with its own, so a route guarded with a stricter verifier than the
// one of e.Use stays guarded by it.
//
// # Errors
//
// A refused request goes through Echo's own error handling: the middleware
// sets the response headers (WWW-Authenticate, Retry-After, Content-Type
// application/json, Cache-Control no-store), writes nothing, and returns an
// error to Echo. That error
//
//   - reports the status (401, 400, 403, 503) through StatusCode, so it is
//     an echo.HTTPStatusCoder: echo.StatusCode(err) and
//     echo.ResolveResponseStatus find it, and a custom HTTPErrorHandler
//     keeps the status by honouring them;
//   - marshals itself to the RFC 6750 JSON body, such as
//     {"error":"invalid_token","error_description":"token expired"}, so it
//     is a json.Marshaler;
//   - unwraps to the cause, so errors.Is(err, verifier.ErrExpired),
//     errors.As(err, &vErr) with a *verifier.Error, *scopes.MissingError,
//     ... work in logging middleware and error handlers.
//
// It is not an *echo.HTTPError: since Echo v5 the Message of an HTTPError
// is a string, which Echo's default handler writes as
// {"message":"..."}. An error that is both an HTTPStatusCoder and a
// json.Marshaler, as this one is, Echo's default handler
// (echo.DefaultHTTPErrorHandler, whether it exposes errors or not) writes
// with that status, as the JSON it marshals to, through
// Context.JSON, which keeps the Content-Type already set. With Echo's
// DefaultJSONSerializer, the client thus receives byte for byte what
// package nethttp sends: the same status, the same headers and the same
// body. (A HEAD request gets the headers without a body, as Echo's default
// handler answers every HEAD request; a JSONSerializer of one's own may
// format the body otherwise.)
//
// With Options.ErrorHandler set, that handler answers instead, and what it
// returns goes on to Echo's error handling; [Middleware.Error] gives it the
// default answer.
//
// This package is its own module (github.com/jwtgate/jwtgate/echo5mw), so
// that only programs that use Echo v5 depend on it.
package echo5mw

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// Options configures a [Middleware]: the settings every adapter shares
// (see [bearer.Options]), and the hooks in Echo's types. The zero value is
// ready to use.
type Options struct {
	bearer.Options

	// Skip, if set, reports whether a request bypasses authentication and
	// scope guards altogether, such as health checks or CORS preflight
	// requests (bearer.IsPreflight(c.Request())). Skipped requests reach
	// the handler without claims, unless an earlier middleware with the
	// same verifier stored some.
	Skip func(c *echo.Context) bool

	// ErrorHandler, if set, answers failed requests instead of the default
	// RFC 6750 response; what it returns goes on to Echo's error handling
	// (return nil once it has written the answer). The error it receives
	// is one that nethttp.Options.ErrorHandler would receive; c's request
	// carries the claims when only the scope check failed. It may return
	// [Middleware.Error] for the default answer.
	ErrorHandler func(c *echo.Context, err error) error
}

// Middleware authenticates Echo requests with a verifier. It is safe for
// concurrent use.
type Middleware struct {
	auth    *bearer.Auth
	skip    func(*echo.Context) bool
	onError func(*echo.Context, error) error
	// authenticate is auth.Authenticate as a method value made once, not
	// on every request.
	authenticate func(*http.Request) (*http.Request, error)
}

// New returns a middleware that verifies tokens with v, or the error of
// bearer.New for opts, prefixed with the package name.
func New(v *verifier.Verifier, opts Options) (*Middleware, error) {
	a, err := bearer.New(v, opts.Options)
	if err != nil {
		return nil, fmt.Errorf("echo5mw: %w", err)
	}
	m := &Middleware{auth: a, skip: opts.Skip, onError: opts.ErrorHandler}
	m.authenticate = a.Authenticate
	return m, nil
}

// Authenticate is an echo.MiddlewareFunc: it verifies the request's token
// and calls next with the claims in the request context, reusing claims of
// the same verifier that an earlier middleware stored (see the package
// documentation).
func (m *Middleware) Authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return m.handler(next, m.authenticate)
}

// Require returns route middleware that calls next only if the request's
// token meets req. It checks the claims of the same verifier that an
// earlier middleware stored, or authenticates the request itself: alone,
// it protects a route, and claims of another verifier grant nothing (see
// the package documentation).
func (m *Middleware) Require(req scopes.Requirement) echo.MiddlewareFunc {
	authorize := func(r *http.Request) (*http.Request, error) { return m.auth.Authorize(r, req) }
	return func(next echo.HandlerFunc) echo.HandlerFunc { return m.handler(next, authorize) }
}

func (m *Middleware) handler(next echo.HandlerFunc, check func(*http.Request) (*http.Request, error)) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if m.skip != nil && m.skip(c) {
			c.SetRequest(m.auth.Skip(c.Request()))
			return next(c)
		}
		r, err := check(c.Request())
		c.SetRequest(r)
		if err != nil {
			if m.onError != nil {
				return m.onError(c, err)
			}
			return m.Error(c, err)
		}
		return next(c)
	}
}

// Error returns the default answer to err for Echo's error handling, after
// setting the response headers (WWW-Authenticate, Retry-After,
// Content-Type, Cache-Control): an error with the status as its StatusCode,
// the RFC 6750 JSON body as its MarshalJSON, and err as what it unwraps
// to, which Echo's default error handler writes exactly as package nethttp
// writes the answer (see the package documentation). A custom
// Options.ErrorHandler may return it after, say, logging.
func (m *Middleware) Error(c *echo.Context, err error) error {
	resp := m.auth.Response(err)
	resp.SetHeaders(c.Response().Header())
	return &failure{status: resp.Status, body: bytes.TrimSuffix(resp.Body, []byte("\n")), err: err}
}

// failure is the error [Middleware.Error] returns: an echo.HTTPStatusCoder
// and a json.Marshaler, which Echo's default error handler writes with its
// status as the JSON it marshals to.
type failure struct {
	status int
	body   []byte // the RFC 6750 JSON body, without the newline json.Encoder adds
	err    error
}

// Error returns the status and the cause, such as "echo5mw: 401
// Unauthorized: verifier: token expired".
func (f *failure) Error() string {
	return fmt.Sprintf("echo5mw: %d %s: %v", f.status, http.StatusText(f.status), f.err)
}

// Unwrap returns the cause.
func (f *failure) Unwrap() error { return f.err }

// StatusCode returns the HTTP status, making f an echo.HTTPStatusCoder.
func (f *failure) StatusCode() int { return f.status }

// MarshalJSON returns the RFC 6750 JSON body.
func (f *failure) MarshalJSON() ([]byte, error) { return bytes.Clone(f.body), nil }

// ClaimsFrom returns the claims that [Middleware.Authenticate] or
// [Middleware.Require] stored in the request's context. Behind several
// middlewares, the claims are always ones the innermost middleware's
// verifier produced, or none.
func ClaimsFrom(c *echo.Context) (*verifier.Claims, bool) {
	if c == nil || c.Request() == nil {
		return nil, false
	}
	return verifier.FromContext(c.Request().Context())
}

// ClaimsAs decodes the claims in the request's context into a new T, as
// verifier.ClaimsAs does; it returns verifier.ErrNoClaims if there are
// none.
func ClaimsAs[T any](c *echo.Context) (T, error) {
	if c == nil || c.Request() == nil {
		var zero T
		return zero, verifier.ErrNoClaims
	}
	return verifier.ClaimsAs[T](c.Request().Context())
}
