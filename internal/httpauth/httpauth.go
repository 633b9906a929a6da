// Package httpauth holds what the HTTP adapters share: reading the token
// from a request, running the verifier and the scope check, and turning the
// outcome into an RFC 6750 response. The adapters (nethttp, echomw, ginmw)
// only translate between their framework and this package, so all of them
// answer every request the same way.
//
// Claims in a request context belong to the verifier that produced them:
// an [Auth] reuses claims it finds there only if its own verifier produced
// them ([verifier.Claims.VerifiedBy]), and never passes on another
// verifier's.
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

// Settings are the adapter options; see nethttp.Options for their meaning.
// The two types must stay field for field the same: every adapter converts
// its nethttp.Options with Settings(opts), which stops compiling if they
// drift apart.
type Settings struct {
	Realm        string
	Schemes      []string
	RetryAfter   time.Duration
	Optional     bool
	Skip         func(*http.Request) bool
	Cookie       string
	Query        string
	ErrorHandler func(http.ResponseWriter, *http.Request, error)
}

// Auth authenticates requests. It is immutable and safe for concurrent use.
type Auth struct {
	v          *verifier.Verifier
	realm      string
	schemes    []string
	retryAfter string
	optional   bool
	skip       func(*http.Request) bool
	cookie     string
	query      string
	onError    func(http.ResponseWriter, *http.Request, error)
}

// New checks s and returns an Auth that verifies tokens with v. Its errors
// start with pkg, the name of the adapter package being configured.
func New(pkg string, v *verifier.Verifier, s Settings) (*Auth, error) {
	a, err := newAuth(v, s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pkg, err)
	}
	return a, nil
}

// NewAdapter returns wrap of a new Auth, or New's error: the constructor
// of every adapter's middleware type.
func NewAdapter[M any](pkg string, v *verifier.Verifier, s Settings, wrap func(*Auth) *M) (*M, error) {
	a, err := New(pkg, v, s)
	if err != nil {
		return nil, err
	}
	return wrap(a), nil
}

func newAuth(v *verifier.Verifier, s Settings) (*Auth, error) {
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
		if !isToken(sc) {
			return nil, fmt.Errorf("scheme %q is not an HTTP authentication scheme name", sc)
		}
	}
	if s.Cookie != "" && !isToken(s.Cookie) {
		return nil, fmt.Errorf("cookie name %q is not a valid cookie name", s.Cookie)
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
		optional:   s.Optional,
		skip:       s.Skip,
		cookie:     s.Cookie,
		query:      s.Query,
		onError:    s.ErrorHandler,
	}, nil
}

// HasErrorHandler reports whether the application set its own error
// handler.
func (a *Auth) HasErrorHandler() bool { return a.onError != nil }

// Fail answers a failed request: with the application's error handler if it
// set one, otherwise with the RFC 6750 response for err.
func (a *Auth) Fail(w http.ResponseWriter, r *http.Request, err error) {
	if a.onError != nil {
		a.onError(w, r, err)
		return
	}
	a.ResponseFor(err).Write(w)
}

// ErrNoCredentials means the request carried no token in a place and scheme
// we accept.
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

// Token returns the token the request carries: in the Authorization header,
// or, where configured, in a cookie or a query parameter. A token in more
// than one place, or a place used twice, is a malformed request (RFC 6750
// section 2).
func (a *Auth) Token(r *http.Request) (string, error) {
	var token string
	places := 0
	found := func(t string) {
		token = t
		places++
	}

	// The key is already canonical: indexing the map directly saves
	// Header.Values the work of canonicalizing it on every request.
	switch values := r.Header["Authorization"]; len(values) {
	case 0:
	case 1:
		t, err := a.fromHeader(values[0])
		if err != nil {
			return "", err
		}
		if t != "" {
			found(t)
		}
	default:
		return "", &RequestError{"more than one Authorization header"}
	}

	if a.cookie != "" {
		switch cookies := r.CookiesNamed(a.cookie); len(cookies) {
		case 0:
		case 1:
			if v := cookies[0].Value; v != "" { // an emptied cookie is no token
				found(v)
			}
		default:
			return "", &RequestError{"token cookie sent more than once"}
		}
	}

	if a.query != "" && r.URL.RawQuery != "" {
		switch values := r.URL.Query()[a.query]; len(values) {
		case 0:
		case 1:
			if values[0] == "" {
				return "", &RequestError{"empty token"}
			}
			found(values[0])
		default:
			return "", &RequestError{"token query parameter sent more than once"}
		}
	}

	switch places {
	case 0:
		return "", ErrNoCredentials
	case 1:
		// A token with whitespace in it is a malformed token, which the
		// verifier rejects with 401 invalid_token (RFC 6750 section 3.1).
		return token, nil
	default:
		return "", &RequestError{"token sent in more than one place"}
	}
}

// fromHeader returns the token of an Authorization header value, or "" if
// the value uses a scheme we do not accept: RFC 6750 section 3.1 treats
// another authentication method (Basic, ...) like no credentials.
func (a *Auth) fromHeader(value string) (string, error) {
	scheme, rest, _ := strings.Cut(value, " ")
	if !a.acceptsScheme(scheme) {
		return "", nil
	}
	token := strings.TrimLeft(rest, " ")
	if token == "" {
		return "", &RequestError{"empty token"}
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

// Authenticate runs the authentication middleware's checks on r. It returns
// the request to pass on, which carries the verified claims in its context,
// and nil; or the request as far as it got and the error to answer with. A
// request the skipper matches passes on without verification; so does one
// without a token when authentication is optional.
//
// Claims already in the context are reused only if this Auth's verifier
// produced them (see [verifier.Claims.VerifiedBy]); claims of another
// verifier are never trusted: the token is verified again, and its claims
// replace them. Whatever the outcome, the request returned carries in its
// context only claims this Auth's verifier produced, or none.
func (a *Auth) Authenticate(r *http.Request) (*http.Request, error) {
	return a.check(r, scopes.Requirement{}, a.optional)
}

// Authorize runs a scope guard's checks on r: it reuses the claims an
// earlier Authenticate or Authorize with the same verifier stored in the
// context, or otherwise authenticates the request itself (a token is then
// required even when authentication is optional), and checks the claims
// against req. It returns what Authenticate returns; when only the scope
// check fails, the request returned carries the claims. A request the
// skipper matches passes on without verification.
func (a *Auth) Authorize(r *http.Request, req scopes.Requirement) (*http.Request, error) {
	return a.check(r, req, false)
}

func (a *Auth) check(r *http.Request, req scopes.Requirement, optional bool) (*http.Request, error) {
	claims, found := verifier.FromContext(r.Context())
	// Claims that another verifier produced (one that may trust other
	// issuers, audiences or keys) vouch for nothing here: the token is
	// verified again, and whatever the outcome, the request passed on (to
	// the next handler or to the error handler) no longer carries them.
	foreign := found && !claims.VerifiedBy(a.v)
	if a.skip != nil && a.skip(r) {
		return withoutClaims(r, foreign), nil
	}
	if found && !foreign {
		return r, req.Check(claims.Scopes())
	}
	token, err := a.Token(r)
	if err != nil {
		if optional && err == ErrNoCredentials {
			return withoutClaims(r, foreign), nil
		}
		return withoutClaims(r, foreign), err
	}
	if claims, err = a.v.Verify(r.Context(), token); err != nil {
		return withoutClaims(r, foreign), err
	}
	r = r.WithContext(verifier.NewContext(r.Context(), claims))
	// On a scope failure, r carries the claims, so that an error handler
	// can log who was refused.
	return r, req.Check(claims.Scopes())
}

// withoutClaims returns r, or if hide is set a copy of r whose context
// holds no claims (verifier.FromContext finds none).
func withoutClaims(r *http.Request, hide bool) *http.Request {
	if !hide {
		return r
	}
	return r.WithContext(verifier.NewContext(r.Context(), nil))
}

// IsPreflight reports whether r is a CORS preflight request: OPTIONS with an
// Access-Control-Request-Method header. Browsers send no credentials with
// it.
func IsPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
}

// isToken reports whether s is a non-empty HTTP token (RFC 9110 section
// 5.6.2), the syntax of scheme and cookie names.
func isToken(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return !isTokenChar(r) })
}
