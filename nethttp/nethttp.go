// Package nethttp protects net/http handlers with bearer JWT access tokens.
//
// [Middleware.Authenticate] verifies the token on every request and stores
// its claims in the request context; [Middleware.Require] guards a route by
// scope; [ClaimsFrom] reads the claims in a handler. Failures are answered in
// the form of RFC 6750 section 3:
//
//	no token (or another scheme)   401  WWW-Authenticate: Bearer realm="api"
//	malformed request              400  ... error="invalid_request", error_description="..."
//	bad or expired token           401  ... error="invalid_token", error_description="token expired"
//	valid token, scope missing     403  ... error="insufficient_scope", scope="read write"
//	issuer keys unavailable        503  Retry-After: 30
//
// with a JSON body mirroring the challenge, such as
// {"error":"invalid_token","error_description":"token expired"}. Nothing
// in a response echoes the token.
//
// Claims in a request context belong to the verifier that produced them. A
// middleware reuses the claims an earlier one stored only if both have the
// same [verifier.Verifier] (so Authenticate followed by Require of the same
// verifier verifies the token once). Claims of another verifier, which may
// trust other issuers, audiences or keys, are never reused: the middleware
// verifies the request's token with its own verifier, answers with its own
// refusal if that fails, and otherwise hands its own claims on in their
// place. An API can thus authenticate every route with one verifier and
// guard some routes with a stricter one:
//
//	mux.Handle("GET /admin/", admins.Require(scopes.AllOf("admin"))(adminPages))
//	handler := users.Authenticate(mux)
//
// and a token that users' verifier accepts reaches the admin pages only if
// admins' verifier accepts it too. A request that passes a middleware
// without being verified by it (skipped, or without a token where that is
// optional) goes on without the claims of another verifier.
//
// The shared parts (token extraction, the checks, the RFC 6750 answer) are
// package bearer's; the Echo, Gin and gRPC adapters build on the same, and
// answer every request exactly as this package does.
package nethttp

import (
	"fmt"
	"net/http"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// Errors for requests that fail before a token is verified; see
// Options.ErrorHandler.
var (
	// ErrNoCredentials: the request carries no token in an accepted place
	// and scheme (no Authorization header, or another scheme such as
	// Basic). Answered with 401 and a challenge without error code.
	ErrNoCredentials = bearer.ErrNoCredentials
	// ErrInvalidRequest: the request is malformed, such as two
	// Authorization headers, an empty token, or a token in more than one
	// place. Answered with 400 invalid_request.
	ErrInvalidRequest = bearer.ErrInvalidRequest
)

// Options configures a [Middleware]: the settings every adapter shares
// (realm, schemes, token sources, ...; see [bearer.Options]), and the hooks
// in net/http's types. The zero value is ready to use.
type Options struct {
	bearer.Options

	// Skip, if set, reports whether a request bypasses authentication and
	// scope guards altogether, such as health checks or CORS preflight
	// requests (see [IsPreflight]). Skipped requests reach the handler
	// without claims, unless an earlier middleware with the same verifier
	// stored some.
	Skip func(*http.Request) bool

	// ErrorHandler, if set, answers failed requests instead of the default
	// RFC 6750 response. The error it receives matches one of:
	// [ErrNoCredentials] (no token), [ErrInvalidRequest] (malformed
	// request), verifier.ErrInvalidToken (an *verifier.Error naming the
	// reason), verifier.ErrKeysUnavailable, or scopes.ErrInsufficientScope
	// (a *scopes.MissingError). When only the scope check failed, r
	// carries the claims ([ClaimsFrom]), so the handler can log who was
	// refused. It may call [Middleware.WriteError] to send the default
	// response after, say, logging.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
}

// Middleware authenticates requests with a verifier. It is safe for
// concurrent use.
type Middleware struct {
	auth    *bearer.Auth
	skip    func(*http.Request) bool
	onError func(http.ResponseWriter, *http.Request, error)
}

// New returns a middleware that verifies tokens with v.
func New(v *verifier.Verifier, opts Options) (*Middleware, error) {
	a, err := bearer.New(v, opts.Options)
	if err != nil {
		return nil, fmt.Errorf("nethttp: %w", err)
	}
	return &Middleware{auth: a, skip: opts.Skip, onError: opts.ErrorHandler}, nil
}

// Authenticate returns a handler that verifies the request's token, stores
// the claims in the request context and calls next, or answers with an
// error without calling next. Claims that an earlier middleware with the
// same verifier stored are reused without verifying the token again; claims
// of another verifier are not: see the package documentation.
func (m *Middleware) Authenticate(next http.Handler) http.Handler {
	return m.handler(next, m.auth.Authenticate)
}

// Require returns middleware that lets a request through only if its token
// meets req, answering 403 otherwise. It checks the claims that an earlier
// middleware with the same verifier (an [Middleware.Authenticate], say)
// stored in the request context; if there are none, it authenticates the
// request itself, so Require alone protects a route:
//
//	mux.Handle("POST /items", m.Require(scopes.AllOf("write"))(createItem))
//	mux.Handle("GET /reports", m.Require(scopes.AnyOf("reports:read", "admin"))(reports))
//
// Only claims produced by the same verifier are reused. Claims that a
// middleware with another verifier stored count for nothing: Require
// verifies the token with its own verifier and, if that verifier refuses
// it, answers with that refusal (such as 401 invalid_token), whatever
// scopes the other verifier's claims grant.
func (m *Middleware) Require(req scopes.Requirement) func(http.Handler) http.Handler {
	check := func(r *http.Request) (*http.Request, error) { return m.auth.Authorize(r, req) }
	return func(next http.Handler) http.Handler { return m.handler(next, check) }
}

func (m *Middleware) handler(next http.Handler, check func(*http.Request) (*http.Request, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.skip != nil && m.skip(r) {
			next.ServeHTTP(w, m.auth.Skip(r))
			return
		}
		r, err := check(r)
		if err != nil {
			if m.onError != nil {
				m.onError(w, r, err)
				return
			}
			m.auth.Response(err).Write(w)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// WriteError sends the default RFC 6750 response for err, as described in
// the package documentation, using the middleware's realm and scheme. A
// custom Options.ErrorHandler may call it.
func (m *Middleware) WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	m.auth.Response(err).Write(w)
}

// ClaimsFrom returns the claims that [Middleware.Authenticate] or
// [Middleware.Require] stored in the request's context. Behind several
// middlewares, the claims are always ones the innermost middleware's
// verifier produced, or none.
func ClaimsFrom(r *http.Request) (*verifier.Claims, bool) {
	return verifier.FromContext(r.Context())
}

// IsPreflight reports whether r is a CORS preflight request (OPTIONS with an
// Access-Control-Request-Method header), which browsers send without
// credentials. Use it as Options.Skip, or inside one.
func IsPreflight(r *http.Request) bool { return bearer.IsPreflight(r) }

// ClaimsAs decodes the claims in the request's context into a new T, as
// verifier.ClaimsAs does; it returns verifier.ErrNoClaims if there are
// none.
func ClaimsAs[T any](r *http.Request) (T, error) { return verifier.ClaimsAs[T](r.Context()) }
