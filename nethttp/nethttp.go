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
package nethttp

import (
	"fmt"
	"net/http"
	"time"

	"github.com/jwtgate/jwtgate/internal/httpauth"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// Errors for requests that fail before a token is verified; see
// Options.ErrorHandler.
var (
	// ErrNoCredentials: the request carries no token in an accepted
	// scheme (no Authorization header, or another scheme such as Basic).
	// Answered with 401 and a challenge without error code.
	ErrNoCredentials = httpauth.ErrNoCredentials
	// ErrInvalidRequest: the request is malformed, such as two
	// Authorization headers or an empty token. Answered with 400
	// invalid_request.
	ErrInvalidRequest = httpauth.ErrInvalidRequest
)

// Options configures a [Middleware]. The zero value is ready to use.
type Options struct {
	// Realm is the realm attribute of WWW-Authenticate challenges. Empty
	// means the challenge carries no realm.
	Realm string

	// Schemes lists the authorization scheme words accepted before the
	// token, compared without regard to case. Empty means {"Bearer"}. Add
	// "JWT" for issuers whose clients send "Authorization: JWT <token>".
	// The first word names the scheme in challenges.
	Schemes []string

	// RetryAfter is sent with 503 answers when the issuer's keys are
	// unavailable. Zero means 30 seconds.
	RetryAfter time.Duration

	// ErrorHandler, if set, answers failed requests instead of the default
	// RFC 6750 response. The error it receives matches one of:
	// [ErrNoCredentials] (no token), [ErrInvalidRequest] (malformed
	// request), verifier.ErrInvalidToken (an *verifier.Error naming the
	// reason), verifier.ErrKeysUnavailable, or scopes.ErrInsufficientScope
	// (a *scopes.MissingError). It may call [Middleware.WriteError] to send
	// the default response after, say, logging.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
}

// Middleware authenticates requests with a verifier. It is safe for
// concurrent use.
type Middleware struct {
	auth    *httpauth.Auth
	onError func(http.ResponseWriter, *http.Request, error)
}

// New returns a middleware that verifies tokens with v.
func New(v *verifier.Verifier, opts Options) (*Middleware, error) {
	auth, err := httpauth.New(v, httpauth.Settings{Realm: opts.Realm, Schemes: opts.Schemes, RetryAfter: opts.RetryAfter})
	if err != nil {
		return nil, fmt.Errorf("nethttp: %w", err)
	}
	m := &Middleware{auth: auth, onError: opts.ErrorHandler}
	if m.onError == nil {
		m.onError = m.WriteError
	}
	return m, nil
}

// Authenticate returns a handler that verifies the request's token, stores
// the claims in the request context and calls next, or answers with an
// error without calling next.
func (m *Middleware) Authenticate(next http.Handler) http.Handler {
	return m.Require(scopes.Requirement{})(next)
}

// Require returns middleware that lets a request through only if its token
// meets req, answering 403 otherwise. If no earlier [Middleware.Authenticate]
// stored claims in the request context, it authenticates the request itself,
// so Require alone protects a route:
//
//	mux.Handle("POST /items", m.Require(scopes.AllOf("write"))(createItem))
func (m *Middleware) Require(req scopes.Requirement) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			claims, fresh, err := m.auth.Authorize(r, req)
			if err != nil {
				m.onError(w, r, err)
				return
			}
			if fresh {
				r = r.WithContext(verifier.NewContext(r.Context(), claims))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// WriteError sends the default RFC 6750 response for err, as described in
// the package documentation.
func (m *Middleware) WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	m.auth.ResponseFor(err).Write(w)
}

// ClaimsFrom returns the claims that [Middleware.Authenticate] or
// [Middleware.Require] stored in the request's context.
func ClaimsFrom(r *http.Request) (*verifier.Claims, bool) {
	return verifier.FromContext(r.Context())
}
