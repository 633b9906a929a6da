// Package echomw protects Echo v4 (github.com/labstack/echo/v4) handlers
// with bearer JWT access tokens. It answers every request exactly as
// package nethttp does; the settings all adapters share are
// [bearer.Options], the hooks take Echo's types.
//
//	auth, err := echomw.New(v, echomw.Options{Options: bearer.Options{Realm: "api"}})
//	e.Use(auth.Authenticate)
//	e.POST("/items", createItem, auth.Require(scopes.AllOf("write")))
//
// As in package nethttp, claims in the request context belong to the
// verifier that produced them: a middleware reuses those an earlier one
// stored only if both have the same verifier, and otherwise verifies the
// token with its own, so a route guarded with a stricter verifier than the
// one of e.Use stays guarded by it.
//
// A failed request reaches Echo's HTTPErrorHandler as an *echo.HTTPError
// carrying the status (401, 400, 403, 503), with the WWW-Authenticate,
// Retry-After and Cache-Control headers already set and, as its Message,
// the RFC 6750 JSON body; its Internal field holds the cause (an
// *verifier.Error, *scopes.MissingError, ...). Echo's default handler
// writes exactly what the net/http adapter writes (unless Echo's Debug mode
// or a "pretty" query parameter asks it to indent JSON); a custom handler
// keeps the status by honouring HTTPError.Code. With Options.ErrorHandler
// set, that handler answers instead, and what it returns goes on to Echo's
// error handling.
//
// This package is its own module (github.com/jwtgate/jwtgate/echomw), so
// that only programs that use Echo v4 depend on it.
package echomw

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

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
	Skip func(c echo.Context) bool

	// ErrorHandler, if set, answers failed requests instead of the default
	// RFC 6750 response; what it returns goes on to Echo's error handling
	// (return nil once it has written the answer). The error it receives
	// is one that nethttp.Options.ErrorHandler would receive; c's request
	// carries the claims when only the scope check failed. It may call
	// [Middleware.Error] for the default answer.
	ErrorHandler func(c echo.Context, err error) error
}

// Middleware authenticates Echo requests with a verifier. It is safe for
// concurrent use.
type Middleware struct {
	auth    *bearer.Auth
	skip    func(echo.Context) bool
	onError func(echo.Context, error) error
	// authenticate is auth.Authenticate as a method value made once: Echo
	// applies middleware anew on every request.
	authenticate func(*http.Request) (*http.Request, error)
}

// New returns a middleware that verifies tokens with v.
func New(v *verifier.Verifier, opts Options) (*Middleware, error) {
	a, err := bearer.New(v, opts.Options)
	if err != nil {
		return nil, fmt.Errorf("echomw: %w", err)
	}
	return &Middleware{auth: a, skip: opts.Skip, onError: opts.ErrorHandler, authenticate: a.Authenticate}, nil
}

// Authenticate is an echo.MiddlewareFunc that verifies the request's token
// and stores the claims in the request context before calling next. Claims
// that an earlier middleware with the same verifier stored are reused;
// those of another verifier are not.
func (m *Middleware) Authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return m.handler(next, m.authenticate)
}

// Require returns route middleware that lets a request through only if its
// token meets req. It checks the claims that an earlier middleware with the
// same verifier stored, or else authenticates the request itself. Only
// claims produced by the same verifier are reused: after a middleware with
// another verifier, Require verifies the token with its own and, if that
// verifier refuses it, answers with that refusal (such as 401
// invalid_token), whatever scopes the other claims grant.
func (m *Middleware) Require(req scopes.Requirement) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return m.handler(next, func(r *http.Request) (*http.Request, error) { return m.auth.Authorize(r, req) })
	}
}

func (m *Middleware) handler(next echo.HandlerFunc, check func(*http.Request) (*http.Request, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
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

// Error returns the default answer to err for Echo's error handling: an
// *echo.HTTPError with the status, the RFC 6750 JSON body as its Message
// and err as its Internal, after setting the response headers
// (WWW-Authenticate, Retry-After, Content-Type, Cache-Control). A custom
// Options.ErrorHandler may return it after, say, logging.
func (m *Middleware) Error(c echo.Context, err error) error {
	resp := m.auth.Response(err)
	resp.SetHeaders(c.Response().Header())
	return &echo.HTTPError{Code: resp.Status, Message: json.RawMessage(resp.Body), Internal: err}
}

// ClaimsFrom returns the claims that [Middleware.Authenticate] or
// [Middleware.Require] stored in the request's context. Behind several
// middlewares, the claims are always ones the innermost middleware's
// verifier produced, or none.
func ClaimsFrom(c echo.Context) (*verifier.Claims, bool) {
	if c.Request() == nil {
		return nil, false
	}
	return verifier.FromContext(c.Request().Context())
}

// ClaimsAs decodes the claims in the request's context into a new T, as
// verifier.ClaimsAs does; it returns verifier.ErrNoClaims if there are
// none.
func ClaimsAs[T any](c echo.Context) (T, error) {
	if c.Request() == nil {
		var zero T
		return zero, verifier.ErrNoClaims
	}
	return verifier.ClaimsAs[T](c.Request().Context())
}
