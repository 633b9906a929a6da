// Package httpauth holds what the HTTP adapters share: reading the token
// from a request, running the verifier and the scope check, and turning the
// outcome into an RFC 6750 response. The adapters (nethttp, echomw, ginmw)
// only translate between their framework and this package, so all of them
// answer every request the same way.
package httpauth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// DefaultRetryAfter is the Retry-After sent with 503 answers.
const DefaultRetryAfter = 30 * time.Second

// Settings are the adapter options that do not depend on a framework.
type Settings struct {
	Realm      string
	Schemes    []string
	RetryAfter time.Duration
}

// Auth authenticates requests. It is immutable and safe for concurrent use.
type Auth struct {
	v          *verifier.Verifier
	realm      string
	schemes    []string
	retryAfter string
}

// New checks s and returns an Auth that verifies tokens with v.
func New(v *verifier.Verifier, s Settings) (*Auth, error) {
	if v == nil {
		return nil, errors.New("verifier is nil")
	}
	if strings.ContainsFunc(s.Realm, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
		return nil, errors.New("realm must be printable ASCII")
	}
	schemes := s.Schemes
	if len(schemes) == 0 {
		schemes = []string{"Bearer"}
	}
	for _, sc := range schemes {
		if sc == "" || strings.ContainsFunc(sc, func(r rune) bool { return !isTokenChar(r) }) {
			return nil, fmt.Errorf("scheme %q is not an HTTP authentication scheme name", sc)
		}
	}
	retry := s.RetryAfter
	switch {
	case retry == 0:
		retry = DefaultRetryAfter
	case retry < time.Second:
		return nil, fmt.Errorf("retry-after %v is below one second", retry)
	}
	return &Auth{
		v:          v,
		realm:      s.Realm,
		schemes:    append([]string(nil), schemes...),
		retryAfter: fmt.Sprint(int64(retry / time.Second)),
	}, nil
}

// ErrNoCredentials means the request carried no token in a scheme we accept.
var ErrNoCredentials = errors.New("no bearer token in the request")

// ErrInvalidRequest is matched by every [*RequestError].
var ErrInvalidRequest = errors.New("invalid request")

// RequestError is a malformed request (RFC 6750 section 3.1
// "invalid_request"), answered with 400.
type RequestError struct{ Description string }

// Error returns the description prefixed with "invalid request".
func (e *RequestError) Error() string { return "invalid request: " + e.Description }

// Is reports whether target is [ErrInvalidRequest].
func (e *RequestError) Is(target error) bool { return target == ErrInvalidRequest }

// IsNoCredentials reports whether err means the request carried no token.
func IsNoCredentials(err error) bool { return errors.Is(err, ErrNoCredentials) }

// Token returns the token the request carries in its Authorization header.
func (a *Auth) Token(r *http.Request) (string, error) {
	values := r.Header.Values("Authorization")
	switch len(values) {
	case 0:
		return "", ErrNoCredentials
	case 1:
	default:
		return "", &RequestError{"more than one Authorization header"}
	}
	scheme, rest, _ := strings.Cut(values[0], " ")
	if !a.acceptsScheme(scheme) {
		// Another authentication method (Basic, ...): RFC 6750 section 3.1
		// treats it like a request without credentials.
		return "", ErrNoCredentials
	}
	token := strings.TrimLeft(rest, " ")
	switch {
	case token == "":
		return "", &RequestError{"empty token"}
	case strings.ContainsAny(token, " \t"):
		return "", &RequestError{"token contains whitespace"}
	}
	return token, nil
}

func (a *Auth) acceptsScheme(s string) bool {
	for _, sc := range a.schemes {
		if strings.EqualFold(s, sc) {
			return true
		}
	}
	return false
}

// Authenticate verifies the token the request carries and returns its
// claims.
func (a *Auth) Authenticate(r *http.Request) (*verifier.Claims, error) {
	token, err := a.Token(r)
	if err != nil {
		return nil, err
	}
	return a.v.Verify(r.Context(), token)
}

// Authorize returns the claims already in ctx, or authenticates the request
// if there are none, and checks them against req. fresh reports whether the
// claims came from this call (and so still need to be stored in the
// request's context).
func (a *Auth) Authorize(r *http.Request, req scopes.Requirement) (claims *verifier.Claims, fresh bool, err error) {
	claims, ok := verifier.FromContext(r.Context())
	if !ok {
		if claims, err = a.Authenticate(r); err != nil {
			return nil, false, err
		}
		fresh = true
	}
	if err := req.Check(claims.Scopes()); err != nil {
		return nil, false, err
	}
	return claims, fresh, nil
}
