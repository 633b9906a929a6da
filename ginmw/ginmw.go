// Package ginmw protects Gin (github.com/gin-gonic/gin) handlers with bearer
// JWT access tokens. It answers every request exactly as package nethttp
// does; the settings all adapters share are [bearer.Options], the hooks
// take Gin's types.
//
//	auth, err := ginmw.New(v, ginmw.Options{Options: bearer.Options{Realm: "api"}})
//	r.Use(auth.Authenticate)
//	r.POST("/items", auth.Require(scopes.AllOf("write")), createItem)
//
// A failed request is answered, the chain aborted, and the error recorded
// with c.Error so that logging middleware sees it. The claims live in the
// request context (c.Request.Context()); [ClaimsFrom] reads them.
//
// As in package nethttp, claims in the request context belong to the
// verifier that produced them: a middleware reuses those an earlier one
// stored only if both have the same verifier, and otherwise verifies the
// token with its own, so a route guarded with a stricter verifier than the
// one of r.Use stays guarded by it.
//
// This package is its own module (github.com/jwtgate/jwtgate/ginmw), so
// that only programs that use Gin depend on it.
package ginmw

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// Options configures a [Middleware]: the settings every adapter shares
// (see [bearer.Options]), and the hooks in Gin's types. The zero value is
// ready to use.
type Options struct {
	bearer.Options

	// Skip, if set, reports whether a request bypasses authentication and
	// scope guards altogether, such as health checks or CORS preflight
	// requests (bearer.IsPreflight(c.Request)). Skipped requests reach the
	// handler without claims, unless an earlier middleware with the same
	// verifier stored some.
	Skip func(c *gin.Context) bool

	// ErrorHandler, if set, answers failed requests instead of the default
	// RFC 6750 response; the chain is aborted and the error recorded with
	// c.Error either way. The error it receives is one that
	// nethttp.Options.ErrorHandler would receive; c.Request carries the
	// claims when only the scope check failed. It may call
	// [Middleware.WriteError] for the default answer.
	ErrorHandler func(c *gin.Context, err error)
}

// Middleware authenticates Gin requests with a verifier. It is safe for
// concurrent use.
type Middleware struct {
	auth    *bearer.Auth
	skip    func(*gin.Context) bool
	onError func(*gin.Context, error)
}

// New returns a middleware that verifies tokens with v.
func New(v *verifier.Verifier, opts Options) (*Middleware, error) {
	a, err := bearer.New(v, opts.Options)
	if err != nil {
		return nil, fmt.Errorf("ginmw: %w", err)
	}
	return &Middleware{auth: a, skip: opts.Skip, onError: opts.ErrorHandler}, nil
}

// Authenticate is a gin.HandlerFunc that verifies the request's token and
// stores the claims in the request context, or answers and aborts. Claims
// that an earlier middleware with the same verifier stored are reused;
// those of another verifier are not.
func (m *Middleware) Authenticate(c *gin.Context) {
	m.run(c, m.auth.Authenticate)
}

// Require returns a route handler that lets a request through only if its
// token meets req. It checks the claims that an earlier middleware with the
// same verifier stored, or else authenticates the request itself. Only
// claims produced by the same verifier are reused: after a middleware with
// another verifier, Require verifies the token with its own and, if that
// verifier refuses it, answers with that refusal (such as 401
// invalid_token), whatever scopes the other claims grant.
func (m *Middleware) Require(req scopes.Requirement) gin.HandlerFunc {
	return func(c *gin.Context) {
		m.run(c, func(r *http.Request) (*http.Request, error) { return m.auth.Authorize(r, req) })
	}
}

func (m *Middleware) run(c *gin.Context, check func(*http.Request) (*http.Request, error)) {
	if m.skip != nil && m.skip(c) {
		c.Request = m.auth.Skip(c.Request)
		c.Next()
		return
	}
	r, err := check(c.Request)
	c.Request = r
	if err != nil {
		_ = c.Error(err)
		if m.onError != nil {
			m.onError(c, err)
		} else {
			m.WriteError(c, err)
		}
		c.Abort()
		return
	}
	c.Next()
}

// WriteError sends the default RFC 6750 response for err, using the
// middleware's realm and scheme. A custom Options.ErrorHandler may call it.
func (m *Middleware) WriteError(c *gin.Context, err error) {
	m.auth.Response(err).Write(c.Writer)
}

// ClaimsFrom returns the claims that [Middleware.Authenticate] or
// [Middleware.Require] stored in the request's context. Behind several
// middlewares, the claims are always ones the innermost middleware's
// verifier produced, or none. (Calling verifier.FromContext(c) on the
// gin.Context itself finds them only with gin's ContextWithFallback;
// ClaimsFrom always does.)
func ClaimsFrom(c *gin.Context) (*verifier.Claims, bool) {
	if c.Request == nil {
		return nil, false
	}
	return verifier.FromContext(c.Request.Context())
}

// ClaimsAs decodes the claims in the request's context into a new T, as
// verifier.ClaimsAs does; it returns verifier.ErrNoClaims if there are
// none.
func ClaimsAs[T any](c *gin.Context) (T, error) {
	if c.Request == nil {
		var zero T
		return zero, verifier.ErrNoClaims
	}
	return verifier.ClaimsAs[T](c.Request.Context())
}
