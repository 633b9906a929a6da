// Package echomw protects Echo (github.com/labstack/echo/v4) handlers with
// bearer JWT access tokens. It answers every request exactly as package
// nethttp does, configured with the same [nethttp.Options].
//
//	auth, err := echomw.New(v, nethttp.Options{Realm: "api"})
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
// keeps the status by honouring HTTPError.Code. With nethttp.Options.ErrorHandler
// set, that handler writes the response, and the error still reaches Echo
// (for logging); Echo's default handler then writes nothing more, as the
// response is committed.
package echomw

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/jwtgate/jwtgate/internal/httpauth"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// Middleware authenticates Echo requests with a verifier. It is safe for
// concurrent use.
type Middleware struct {
	auth *httpauth.Auth
	// authenticate is auth.Authenticate as a method value made once: Echo
	// applies middleware anew on every request.
	authenticate func(*http.Request) (*http.Request, error)
}

// New returns a middleware that verifies tokens with v.
func New(v *verifier.Verifier, opts nethttp.Options) (*Middleware, error) {
	return httpauth.NewAdapter("echomw", v, httpauth.Settings(opts), func(a *httpauth.Auth) *Middleware {
		return &Middleware{auth: a, authenticate: a.Authenticate}
	})
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
		r, err := check(c.Request())
		if err != nil {
			return m.fail(c, r, err)
		}
		c.SetRequest(r)
		return next(c)
	}
}

// fail turns err into an *echo.HTTPError for Echo's error handling, with
// the response headers set. With Options.ErrorHandler, that handler writes
// the response first, and Echo's default handler leaves it alone.
func (m *Middleware) fail(c echo.Context, r *http.Request, err error) error {
	resp := m.auth.ResponseFor(err)
	if m.auth.HasErrorHandler() {
		m.auth.Fail(c.Response(), r, err)
	} else {
		resp.SetHeaders(c.Response().Header())
	}
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
