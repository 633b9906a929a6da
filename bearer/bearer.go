// Package bearer holds what every adapter of the library shares, for ours
// (nethttp, echomw, echo5mw, ginmw, grpcmw) and for any a user writes for
// another framework: reading the token from a request, running the
// verifier and the scope check with the rule that claims belong to the
// verifier that produced them, and the RFC 6750 answer to a failure as a
// value ([Response]).
//
// An adapter makes an [Auth] with [New], calls [Auth.Authenticate] or
// [Auth.Authorize] (or their Context forms for transports other than HTTP),
// passes the returned request on when the error is nil, and otherwise
// answers with [Auth.Response] of the error, written in its framework's
// way. Skipping is the adapter's business, in its framework's types; a
// skipped request goes through [Auth.Skip].
//
// Claims in a request context belong to the verifier that produced them:
// an [Auth] reuses claims it finds there only if its own verifier produced
// them ([verifier.Claims.VerifiedBy]), and never passes on another
// verifier's.
package bearer

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jwtgate/jwtgate/dpop"

	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// DefaultRetryAfter is the Retry-After sent with 503 answers when
// Options.RetryAfter is zero.
const DefaultRetryAfter = 30 * time.Second

// Options are the settings every adapter shares. The zero value is ready to
// use: tokens in "Authorization: Bearer <token>", no realm, authentication
// required.
type Options struct {
	// Realm is the realm attribute of WWW-Authenticate challenges, in
	// printable ASCII. Empty means the challenge carries no realm.
	Realm string

	// Schemes lists the authorization scheme words accepted before the
	// token, compared without regard to case. Empty means {"Bearer"}. Add
	// "JWT" for issuers whose clients send "Authorization: JWT <token>".
	// The first word names the scheme in challenges.
	Schemes []string

	// RetryAfter is sent with 503 answers when the issuer's keys are
	// unavailable, in whole seconds. Zero means [DefaultRetryAfter].
	RetryAfter time.Duration

	// Optional lets a request without any token through Authenticate
	// without claims, so one handler can serve anonymous and authenticated
	// callers. A request with a bad token is still rejected, and scope
	// guards still require a token (or claims that an earlier middleware
	// with the same verifier stored).
	Optional bool

	// Cookie, if set, names a cookie that may carry the token, for browser
	// clients. An empty cookie counts as no token. HTTP only.
	Cookie string

	// Query, if set, names a URI query parameter that may carry the token,
	// such as "access_token" (RFC 6750 section 2.3). Tokens in URLs end up
	// in logs and browser history; prefer the header. HTTP only.
	//
	// Whatever the sources, a request carrying a token in more than one
	// place, or in one place twice, is answered with 400 invalid_request
	// (RFC 6750 section 2).
	Query string

	// DPoP, if set, accepts DPoP-bound tokens (RFC 9449): "Authorization:
	// DPoP <token>" with one DPoP proof, which it checks, and whose key
	// must be the one the token is bound to (its cnf.jkt). With
	// dpop.Config.Required, only those: the Bearer scheme words then count
	// as no credentials. Without DPoP, the DPoP scheme counts as no
	// credentials. Whatever this setting, a DPoP-bound token presented as
	// a bearer token is refused.
	DPoP *dpop.Checker

	// ResourceMetadata, if set, is the URL of the resource's Protected
	// Resource Metadata (RFC 9728; resourcemeta.Document.URL), which every
	// challenge then names as resource_metadata="...". It must be an
	// absolute http or https URL.
	ResourceMetadata string

	// Proxy, if set, describes the reverse proxy in front of the server,
	// whose headers are believed only on requests from its addresses.
	Proxy *Proxy
}

// Proxy describes a reverse proxy in front of the server, for what only it
// knows: the URL the client used (a DPoP proof signs it) and the client's
// TLS certificate (a certificate-bound token names it) when the proxy ends
// TLS. Its headers are read only on requests whose peer address
// (http.Request.RemoteAddr) is in Addresses; on any other request they are
// ignored, since a client can send them too.
type Proxy struct {
	// Addresses are the proxy's addresses.
	Addresses []netip.Prefix

	// ForwardedURL takes the scheme and host of the request URL from the
	// X-Forwarded-Proto and X-Forwarded-Host headers (exactly one of each,
	// with one value). Without it, the scheme is https when the request
	// came over TLS and http otherwise, and the host is the Host header.
	ForwardedURL bool

	// CertificateHeader, if set, names the header carrying the client
	// certificate the proxy verified: PEM, URL-escaped or not (nginx's
	// $ssl_client_escaped_cert), or base64 DER (Caddy's
	// {http.request.tls.client.certificate_der_base64}).
	CertificateHeader string
}

// Auth authenticates requests with a verifier. It is immutable and safe for
// concurrent use.
type Auth struct {
	v          *verifier.Verifier
	realm      string
	schemes    []string // the Bearer scheme words; none when DPoP is required
	challenge  string   // the scheme named in Bearer challenges
	retryAfter time.Duration
	optional   bool
	cookie     string
	query      string
	dpop       *dpop.Checker
	dpopAlgs   string // the algs attribute of DPoP challenges
	metadata   string
	proxy      *Proxy
}

// New checks opts and returns an Auth that verifies tokens with v.
func New(v *verifier.Verifier, opts Options) (*Auth, error) {
	if v == nil {
		return nil, errors.New("bearer: verifier is nil")
	}
	if strings.ContainsFunc(opts.Realm, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
		return nil, errors.New("bearer: realm must be printable ASCII")
	}
	schemes := opts.Schemes
	if len(schemes) == 0 {
		schemes = []string{"Bearer"}
	}
	for _, sc := range schemes {
		if !isToken(sc) {
			return nil, fmt.Errorf("bearer: scheme %q is not an HTTP authentication scheme name", sc)
		}
		if strings.EqualFold(sc, dpopScheme) {
			return nil, errors.New("bearer: the DPoP scheme is not a bearer scheme; set Options.DPoP")
		}
	}
	if opts.DPoP != nil && opts.DPoP.Required() && (opts.Cookie != "" || opts.Query != "") {
		return nil, errors.New("bearer: with DPoP required, tokens come in the Authorization header only, not in a cookie or the query")
	}
	if opts.Cookie != "" && !isToken(opts.Cookie) {
		return nil, fmt.Errorf("bearer: cookie name %q is not a valid cookie name", opts.Cookie)
	}
	retry := opts.RetryAfter
	switch {
	case retry == 0:
		retry = DefaultRetryAfter
	case retry < time.Second:
		return nil, fmt.Errorf("bearer: retry-after %v is below one second", retry)
	}
	if m := opts.ResourceMetadata; m != "" {
		u, err := url.Parse(m)
		if err != nil || !u.IsAbs() || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
			strings.ContainsFunc(m, func(r rune) bool { return r <= 0x20 || r >= 0x7f || r == '"' || r == '\\' }) {
			return nil, errors.New("bearer: resource metadata must be an absolute http or https URL")
		}
	}
	if p := opts.Proxy; p != nil {
		if len(p.Addresses) == 0 {
			return nil, errors.New("bearer: a proxy needs its addresses")
		}
		for _, a := range p.Addresses {
			if !a.IsValid() {
				return nil, errors.New("bearer: a proxy address is not a valid prefix")
			}
			if a.Addr().Is4In6() {
				// Peer addresses are compared unmapped: write IPv4
				// prefixes in IPv4 form.
				return nil, fmt.Errorf("bearer: proxy address %v is an IPv4-mapped IPv6 prefix; write it as an IPv4 prefix", a)
			}
		}
		if p.CertificateHeader != "" && !isToken(p.CertificateHeader) {
			return nil, fmt.Errorf("bearer: certificate header %q is not a header name", p.CertificateHeader)
		}
	}
	a := &Auth{
		v:          v,
		realm:      opts.Realm,
		schemes:    append([]string(nil), schemes...),
		challenge:  schemes[0],
		retryAfter: retry.Truncate(time.Second),
		optional:   opts.Optional,
		cookie:     opts.Cookie,
		query:      opts.Query,
		dpop:       opts.DPoP,
		metadata:   opts.ResourceMetadata,
	}
	if opts.Proxy != nil {
		p := *opts.Proxy
		p.Addresses = slices.Clone(p.Addresses)
		a.proxy = &p
	}
	if a.dpop != nil {
		a.dpopAlgs = strings.Join(a.dpop.Algorithms(), " ")
		if a.dpop.Required() {
			a.schemes = nil
		}
	}
	return a, nil
}

// Verifier returns the verifier a was made with.
func (a *Auth) Verifier() *verifier.Verifier { return a.v }

// ErrNoCredentials means the request carried no token in a place and scheme
// we accept.
var ErrNoCredentials = errors.New("no bearer token in the request")

// ErrInvalidRequest is matched by every [*RequestError].
var ErrInvalidRequest = errors.New("invalid request")

// RequestError is a malformed request (RFC 6750 section 3.1
// "invalid_request"), answered with 400. Its description never quotes the
// request.
type RequestError struct{ Description string }

// Error returns the description prefixed with "invalid request".
func (e *RequestError) Error() string { return "invalid request: " + e.Description }

// Is reports whether target is [ErrInvalidRequest].
func (e *RequestError) Is(target error) bool { return target == ErrInvalidRequest }

// Credentials are what a request presents: its token and, for DPoP, the
// proofs and the request they sign. The HTTP methods of [Auth] read them
// from the request ([Auth.Credentials]); another transport builds them and
// hands them to [Auth.AuthenticateContext] or [Auth.AuthorizeContext].
type Credentials struct {
	// Token is the access token.
	Token string
	// DPoP reports that the token came with the DPoP scheme; Proofs are
	// the request's DPoP proofs (exactly one is accepted).
	DPoP   bool
	Proofs []string
	// Method and URL are the request's method and absolute URL, which a
	// DPoP proof signs (its htm and htu); read only for DPoP.
	Method string
	URL    *url.URL
	// Certificate, if set, returns the client's TLS certificate, or nil
	// if there is none; it is called only for a certificate-bound token.
	// (For an HTTP request, Auth.Credentials leaves it nil and reads the
	// certificate from the request when needed.)
	Certificate func() (*x509.Certificate, error)

	request *http.Request // the HTTP request they were read from, if any
}

// Token returns the token the request carries: in the Authorization header,
// or, where configured, in a cookie or a query parameter. A token in more
// than one place, or a place used twice, is a malformed request (RFC 6750
// section 2). It returns [ErrNoCredentials] if there is no token.
func (a *Auth) Token(r *http.Request) (string, error) {
	c, err := a.Credentials(r)
	return c.Token, err
}

// Credentials returns what the request presents: its token (as [Auth.Token]
// finds it) and, for the DPoP scheme, its DPoP proofs and URL, and the
// client certificate (of the TLS connection, or from a trusted proxy's
// header; see [Proxy]). With an error, the Credentials returned are empty
// but for DPoP, which reports whether the request used the DPoP scheme.
func (a *Auth) Credentials(r *http.Request) (Credentials, error) {
	var c Credentials
	places := 0
	found := func(t string) {
		c.Token = t
		places++
	}

	// The key is already canonical: indexing the map directly saves
	// Header.Values the work of canonicalizing it on every request.
	switch values := r.Header["Authorization"]; len(values) {
	case 0:
	case 1:
		t, isDPoP, err := a.ParseAuthorization(values[0])
		switch {
		case err == nil:
			found(t)
			c.DPoP = isDPoP
		case err != ErrNoCredentials:
			return Credentials{DPoP: isDPoP}, err
		}
	default:
		return Credentials{}, &RequestError{"more than one Authorization header"}
	}

	if a.cookie != "" {
		switch cookies := r.CookiesNamed(a.cookie); len(cookies) {
		case 0:
		case 1:
			if v := cookies[0].Value; v != "" { // an emptied cookie is no token
				found(v)
			}
		default:
			return Credentials{}, &RequestError{"token cookie sent more than once"}
		}
	}

	if a.query != "" && r.URL.RawQuery != "" {
		switch values := r.URL.Query()[a.query]; len(values) {
		case 0:
		case 1:
			if values[0] == "" {
				return Credentials{}, &RequestError{"empty token"}
			}
			found(values[0])
		default:
			return Credentials{}, &RequestError{"token query parameter sent more than once"}
		}
	}

	switch places {
	case 0:
		return Credentials{}, ErrNoCredentials
	case 1:
		// A token with whitespace in it is a malformed token, which the
		// verifier rejects with 401 invalid_token (RFC 6750 section 3.1).
	default:
		return Credentials{}, &RequestError{"token sent in more than one place"}
	}
	if c.DPoP {
		c.Proofs = r.Header["Dpop"]
		c.Method = r.Method
		u, err := a.requestURL(r)
		if err != nil {
			return Credentials{DPoP: true}, err
		}
		c.URL = u
	}
	c.request = r // for the client certificate, read only if the token is bound to one
	return c, nil
}

// ParseAuthorization returns the token of one Authorization value,
// "<scheme> <token>", and whether its scheme is DPoP, for transports that
// carry it elsewhere than in an HTTP header (such as gRPC metadata). A
// scheme that a does not accept (Basic, ...) returns [ErrNoCredentials]:
// RFC 6750 section 3.1 treats another authentication method like no
// credentials. An accepted scheme without a token is a [*RequestError]
// (and isDPoP says which scheme it was).
func (a *Auth) ParseAuthorization(value string) (token string, isDPoP bool, err error) {
	scheme, rest, _ := strings.Cut(value, " ")
	switch {
	case a.acceptsScheme(scheme):
	case a.dpop != nil && strings.EqualFold(scheme, dpopScheme):
		isDPoP = true
	default:
		return "", false, ErrNoCredentials
	}
	token = strings.TrimLeft(rest, " ")
	if token == "" {
		return "", isDPoP, &RequestError{"empty token"}
	}
	return token, isDPoP, nil
}

// dpopScheme is the authentication scheme of DPoP-bound tokens (RFC 9449
// section 7.1).
const dpopScheme = "DPoP"

func (a *Auth) acceptsScheme(s string) bool {
	for _, sc := range a.schemes {
		if strings.EqualFold(s, sc) {
			return true
		}
	}
	return false
}

// Authenticate runs an authentication middleware's checks on r. It returns
// the request to pass on, which carries the verified claims in its context,
// and nil; or the request as far as it got and the error to answer with. A
// request without a token passes on without claims when authentication is
// optional.
//
// Claims already in the context are reused only if this Auth's verifier
// produced them (see [verifier.Claims.VerifiedBy]); claims of another
// verifier are never trusted: the token is verified again, and its claims
// replace them. Whatever the outcome, the request returned carries in its
// context only claims this Auth's verifier produced, or none.
func (a *Auth) Authenticate(r *http.Request) (*http.Request, error) {
	return a.checkRequest(r, scopes.Requirement{}, a.optional)
}

// Authorize runs a scope guard's checks on r: it reuses the claims an
// earlier Authenticate or Authorize with the same verifier stored in the
// context, or otherwise authenticates the request itself (a token is then
// required even when authentication is optional), and checks the claims
// against req. It returns what Authenticate returns; when only the scope
// check fails, the request returned carries the claims.
func (a *Auth) Authorize(r *http.Request, req scopes.Requirement) (*http.Request, error) {
	return a.checkRequest(r, req, false)
}

// Skip returns r to pass on without verification (the adapter's skipper
// matched it): r itself, or a copy without the claims of another verifier.
func (a *Auth) Skip(r *http.Request) *http.Request {
	ctx := r.Context()
	if out := a.SkipContext(ctx); out != ctx {
		return r.WithContext(out)
	}
	return r
}

func (a *Auth) checkRequest(r *http.Request, req scopes.Requirement, optional bool) (*http.Request, error) {
	ctx := r.Context()
	out, err := a.check(ctx, func() (Credentials, error) { return a.Credentials(r) }, req, optional)
	if out != ctx {
		r = r.WithContext(out)
	}
	return r, err
}

// AuthenticateContext is [Auth.Authenticate] for transports other than
// HTTP: creds returns the request's credentials, or [ErrNoCredentials] if
// it has none, or the [*RequestError] of a malformed request (with
// Credentials.DPoP set if the request used the DPoP scheme, so that the
// answer is a DPoP challenge). It is called
// at most once, and not at all when ctx carries claims of a's verifier.
// The context returned is the one to pass on (or to hand to an error
// handler).
func (a *Auth) AuthenticateContext(ctx context.Context, creds func() (Credentials, error)) (context.Context, error) {
	return a.check(ctx, creds, scopes.Requirement{}, a.optional)
}

// AuthorizeContext is [Auth.Authorize] for transports other than HTTP; see
// [Auth.AuthenticateContext] for creds.
func (a *Auth) AuthorizeContext(ctx context.Context, creds func() (Credentials, error), req scopes.Requirement) (context.Context, error) {
	return a.check(ctx, creds, req, false)
}

// SkipContext is [Auth.Skip] for transports other than HTTP.
func (a *Auth) SkipContext(ctx context.Context) context.Context {
	if claims, found := verifier.FromContext(ctx); found && !claims.VerifiedBy(a.v) {
		return verifier.NewContext(ctx, nil)
	}
	return ctx
}

func (a *Auth) check(ctx context.Context, creds func() (Credentials, error), req scopes.Requirement, optional bool) (context.Context, error) {
	claims, found := verifier.FromContext(ctx)
	if found && claims.VerifiedBy(a.v) {
		err := req.Check(claims.Scopes())
		if err != nil && a.dpop != nil {
			// The refusal names the scheme the request used, which only
			// its credentials tell.
			c, cerr := creds()
			err = schemed(err, cerr == nil && c.DPoP)
		}
		return ctx, err
	}
	// Claims that another verifier produced (one that may trust other
	// issuers, audiences or keys) vouch for nothing here: the token is
	// verified again, and whatever the outcome, the context passed on (to
	// the next handler or to the error handler) no longer carries them.
	ctx = a.SkipContext(ctx)
	c, err := creds()
	if err != nil {
		if optional && errors.Is(err, ErrNoCredentials) {
			return ctx, nil
		}
		return ctx, schemed(err, c.DPoP)
	}
	if claims, err = a.v.Verify(ctx, c.Token); err == nil {
		err = a.bind(ctx, claims, c)
	}
	if err != nil {
		return ctx, schemed(err, c.DPoP)
	}
	// On a scope failure, the context carries the claims, so that an
	// error handler can log who was refused.
	return verifier.NewContext(ctx, claims), schemed(req.Check(claims.Scopes()), c.DPoP)
}

// IsPreflight reports whether r is a CORS preflight request: OPTIONS with an
// Access-Control-Request-Method header. Browsers send no credentials with
// it; adapters' skippers can use it.
func IsPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
}

// isToken reports whether s is a non-empty HTTP token (RFC 9110 section
// 5.6.2), the syntax of scheme and cookie names.
func isToken(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return !isTokenChar(r) })
}
