// Package ginmw protects Gin (github.com/gin-gonic/gin) handlers with bearer
// JWT access tokens. It answers every request exactly as package nethttp
// does, configured with the same [nethttp.Options].
//
//	auth, err := ginmw.New(v, nethttp.Options{Realm: "api"})
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
package ginmw

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/jwtgate/jwtgate/internal/httpauth"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// Middleware authenticates Gin requests with a verifier. It is safe for
// concurrent use.
type Middleware struct{ auth *httpauth.Auth }

// New returns a middleware that verifies tokens with v.
func New(v *verifier.Verifier, opts nethttp.Options) (*Middleware, error) {
	return httpauth.NewAdapter("ginmw", v, httpauth.Settings(opts), func(a *httpauth.Auth) *Middleware { return &Middleware{a} })
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
	r, err := check(c.Request)
	if err != nil {
		_ = c.Error(err)
		m.auth.Fail(c.Writer, r, err)
		c.Abort()
		return
	}
	c.Request = r
	c.Next()
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
