// Package gateway enforces a [policy.Policy] in front of a service: as a
// middleware before a reverse proxy, or as the forward-auth endpoint that
// nginx (auth_request), Caddy (forward_auth), Traefik (forwardAuth) and
// Envoy (HTTP ext_authz) ask about each request.
//
// Each request is decided the same way in both modes:
//
//   - its escaped path is put in canonical form ([policy.CanonicalPath]); a
//     path that could be read in more than one way (an encoded "/", a dot
//     segment, "//", an invalid escape) is refused with 400 invalid_request;
//   - the policy matches its method, host and canonical path (never its
//     query string);
//   - a denied request is refused with 403 and the body
//     {"error":"access_denied",...}, without a challenge (no token would
//     help) and without its token being verified;
//   - a public request passes without its token being verified, and
//     without claim headers;
//   - any other request needs a valid token (and the scopes the rule
//     names), checked by package bearer, whose RFC 6750 answers (401, 403,
//     400, 503 with WWW-Authenticate, Retry-After, DPoP-Nonce) the gateway
//     sends unchanged.
//
// [Gateway.Handler] then passes the request on to the service with the
// claim headers set (those the client sent under the same names, in any
// spelling, removed first), the forwarding headers of untrusted clients
// removed, and the token removed unless Config.ForwardAuthorization.
// [Gateway.ForwardAuth] answers 200 with the claim headers on the response,
// for the proxy to copy onto the request it passes on.
//
// A token whose claims cannot be sent in headers (a control character in
// a claim value) is refused with 401 invalid_token rather than passed on
// with some of its headers missing.
package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/claimheader"
	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/policy"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// Config configures a [Gateway].
type Config struct {
	// Verifier verifies tokens. Required.
	Verifier *verifier.Verifier
	// Policy decides what each request needs. Required.
	Policy *policy.Policy
	// Headers, if set, passes the verified claims on as request headers.
	// Every request passed on, public ones included, first loses any
	// header the client sent under those names, in any spelling; public
	// requests get no claim headers (their token is not verified).
	Headers *claimheader.Headers
	// Bearer holds the RFC 6750 settings (realm, schemes, DPoP, resource
	// metadata, ...). Its Proxy must be nil: set TrustedProxies instead.
	// Its Optional must be false: make a route public in the policy
	// instead.
	Bearer bearer.Options
	// TrustedProxies lists the addresses whose forwarding headers are
	// believed (X-Forwarded-Proto/-Host and, for forward auth, the
	// original method and URI). Forward auth refuses requests from any
	// other address.
	TrustedProxies []netip.Prefix
	// CertificateHeader, if set, names the header in which a trusted
	// proxy passes the client's TLS certificate (see bearer.Proxy).
	CertificateHeader string
	// ForwardAuthorization keeps the Authorization (and DPoP) headers on
	// requests passed upstream by [Gateway.Handler]; by default they are
	// removed, so that the service never sees the token.
	ForwardAuthorization bool
	// PathPrefix is removed from the path of forward-auth requests that
	// carry no forwarding headers (Envoy's HTTP ext_authz sends the
	// original method and path, after its path_prefix, as its own). It is
	// empty, or starts with "/" and does not end with one.
	PathPrefix string
	// OnResult, if set, is called once per request with its outcome, for
	// metrics and logs. It must be fast and safe for concurrent use.
	OnResult func(r *http.Request, res Result)
}

// The outcomes of [Result.Outcome] that are not the verifier's reasons.
const (
	OutcomeAllowed           = "allowed"            // a token met the rule
	OutcomePublic            = "public"             // a public route, no token verified
	OutcomeDenied            = "denied"             // the policy denies the request
	OutcomeAmbiguousPath     = "ambiguous_path"     // the path could be read in more than one way
	OutcomeAmbiguousRequest  = "ambiguous_request"  // forward auth: the proxy's headers do not name one request
	OutcomeUntrustedProxy    = "untrusted_proxy"    // forward auth asked by an untrusted address
	OutcomeNoCredentials     = "no_credentials"     // no token where one is needed
	OutcomeInvalidRequest    = "invalid_request"    // a malformed request (two tokens, bad forwarding headers, ...)
	OutcomeInsufficientScope = "insufficient_scope" // a valid token without the scopes needed
	OutcomeKeysUnavailable   = "keys_unavailable"   // the issuer's keys could not be had
	OutcomeTokenBinding      = "token_binding"      // a DPoP- or certificate-bound token not proven
	OutcomeDPoPProof         = "dpop_proof"         // a DPoP proof refused (or a nonce needed)
	OutcomeReplayStore       = "replay_store_unavailable"
	OutcomeInvalidClaims     = "invalid_claims" // claims that cannot be sent in headers
)

// Result is the outcome of one request.
type Result struct {
	// Status is the status answered: 200 when the request passed (or,
	// for Handler, was passed on), else the refusal's.
	Status int
	// Outcome is a short label for metrics: "allowed", "public",
	// "denied", "ambiguous_path", "ambiguous_request", "untrusted_proxy",
	// "no_credentials",
	// "invalid_request", "insufficient_scope", "keys_unavailable",
	// "token_binding", "dpop_proof", "replay_store_unavailable",
	// "invalid_claims", or the verifier's reason (verifier.Outcome:
	// "expired", "signature", ...). See the Outcome constants.
	Outcome string
	// Decision is the policy's decision (zero if the path was refused
	// before matching).
	Decision policy.Decision
	// Claims are the verified claims, if a token was verified.
	Claims *verifier.Claims
	// Err is the refusal's cause, nil when the request passed.
	Err error
}

// Gateway enforces a policy. It is safe for concurrent use.
type Gateway struct {
	auth       *bearer.Auth
	policy     *policy.Policy
	headers    *claimheader.Headers
	trusted    []netip.Prefix
	forwardTok bool
	pathPrefix string
	certHeader string // folded, "" for none
	onResult   func(*http.Request, Result)
}

// New checks cfg and returns its Gateway.
func New(cfg Config) (*Gateway, error) {
	switch {
	case cfg.Verifier == nil:
		return nil, errors.New("gateway: a verifier is required")
	case cfg.Policy == nil:
		return nil, errors.New("gateway: a policy is required")
	case cfg.Bearer.Proxy != nil:
		return nil, errors.New("gateway: Bearer.Proxy must be nil; set TrustedProxies (and CertificateHeader) instead")
	case cfg.Bearer.Optional:
		return nil, errors.New("gateway: Bearer.Optional must be false; make the route public in the policy instead")
	case cfg.CertificateHeader != "" && len(cfg.TrustedProxies) == 0:
		return nil, errors.New("gateway: a certificate header needs the trusted proxies that send it")
	}
	if p := cfg.PathPrefix; p != "" && (!strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/")) {
		return nil, fmt.Errorf("gateway: path prefix %q must start with / and not end with one", p)
	}
	if cfg.Headers != nil && cfg.CertificateHeader != "" && cfg.Headers.Matches(cfg.CertificateHeader) {
		return nil, fmt.Errorf("gateway: certificate header %q is also a claim header", cfg.CertificateHeader)
	}
	for _, p := range cfg.TrustedProxies {
		if !p.IsValid() {
			return nil, errors.New("gateway: a trusted proxy is not a valid prefix")
		}
	}
	opts := cfg.Bearer
	if len(cfg.TrustedProxies) > 0 {
		opts.Proxy = &bearer.Proxy{
			Addresses:         cfg.TrustedProxies,
			ForwardedURL:      true,
			CertificateHeader: cfg.CertificateHeader,
		}
	}
	auth, err := bearer.New(cfg.Verifier, opts)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	trusted := make([]netip.Prefix, len(cfg.TrustedProxies))
	for i, p := range cfg.TrustedProxies {
		trusted[i] = p.Masked()
	}
	return &Gateway{
		auth:       auth,
		policy:     cfg.Policy,
		headers:    cfg.Headers,
		trusted:    trusted,
		forwardTok: cfg.ForwardAuthorization,
		pathPrefix: cfg.PathPrefix,
		certHeader: string(fold(nil, cfg.CertificateHeader)),
		onResult:   cfg.OnResult,
	}, nil
}

// trustedPeer reports whether r comes from a trusted proxy.
func (g *Gateway) trustedPeer(r *http.Request) bool {
	if len(g.trusted) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr := ap.Addr().Unmap()
	for _, p := range g.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// check decides the request r stands for: method, host and escaped path
// as given (the request's own, or the original one a forward-auth
// sub-request names), credentials from r. It returns the request to pass
// on (carrying the claims, if any, in its context) with a Result of status
// 200, or the refusal to send.
func (g *Gateway) check(r *http.Request, method, host, escapedPath string) (*http.Request, Result, bearer.Response) {
	path, err := policy.CanonicalPath(escapedPath)
	if err != nil {
		desc := "ambiguous request path"
		var pe *policy.PathError
		if errors.As(err, &pe) {
			desc += ": " + pe.Reason // a fixed phrase, never the path
		}
		resp := g.auth.Response(&bearer.RequestError{Description: desc})
		return r, Result{Status: resp.Status, Outcome: OutcomeAmbiguousPath, Err: err}, resp
	}
	dec := g.policy.Match(method, host, path)
	switch dec.Access.Kind() {
	case policy.KindDeny:
		return r, Result{Status: http.StatusForbidden, Outcome: OutcomeDenied, Decision: dec, Err: errDenied}, deniedResponse
	case policy.KindPublic:
		return g.auth.Skip(r), Result{Status: http.StatusOK, Outcome: OutcomePublic, Decision: dec}, bearer.Response{}
	}
	// Authorize, unlike Authenticate, needs a token whatever the options
	// say; the zero requirement of an Authenticated rule is met by every
	// valid token.
	out, err := g.auth.Authorize(r, dec.Access.Scopes())
	claims, _ := verifier.FromContext(out.Context())
	if err != nil {
		resp := g.auth.Response(err)
		return out, Result{Status: resp.Status, Outcome: outcome(err), Decision: dec, Claims: claims, Err: err}, resp
	}
	return out, Result{Status: http.StatusOK, Outcome: OutcomeAllowed, Decision: dec, Claims: claims}, bearer.Response{}
}

// setClaims sets the claim headers of claims in h (stripping h first).
// On failure it returns the refusal to send in place of passing on.
func (g *Gateway) setClaims(h http.Header, res *Result) (bearer.Response, bool) {
	if g.headers == nil {
		return bearer.Response{}, true
	}
	if res.Claims == nil {
		g.headers.Strip(h)
		return bearer.Response{}, true
	}
	err := g.headers.Set(h, res.Claims)
	if err == nil {
		return bearer.Response{}, true
	}
	// The token is valid but cannot be passed on whole: refuse it as
	// RFC 6750 refuses a token "invalid for other reasons". The
	// BindingError only carries the fixed description into Response,
	// which answers it with 401 invalid_token and the usual challenge.
	resp := g.auth.Response(&bearer.BindingError{Description: "token claims cannot be passed on in headers"})
	res.Status = resp.Status
	res.Outcome = OutcomeInvalidClaims
	res.Err = fmt.Errorf("gateway: %w", err)
	return resp, false
}

func (g *Gateway) report(r *http.Request, res Result) {
	if g.onResult != nil {
		g.onResult(r, res)
	}
}

// errDenied is the Err of a request the policy denies.
var errDenied = errors.New("gateway: denied by policy")

// errUntrustedProxy is the Err of a forward-auth request from an address
// that is not a trusted proxy.
var errUntrustedProxy = errors.New("gateway: forward auth request from an untrusted address")

// deniedResponse answers a request the policy denies. It has no
// challenge: no token would make the request pass.
var deniedResponse = bearer.Response{
	Status: http.StatusForbidden,
	Body:   []byte(`{"error":"access_denied","error_description":"the policy denies this request"}` + "\n"),
}

// untrustedResponse answers a forward-auth request from an address that
// is not a trusted proxy.
var untrustedResponse = bearer.Response{
	Status: http.StatusForbidden,
	Body:   []byte(`{"error":"access_denied","error_description":"forward auth answers trusted proxies only"}` + "\n"),
}

// outcome returns the Outcome label of a refusal by package bearer.
func outcome(err error) string {
	var tokErr *verifier.Error
	var bindErr *bearer.BindingError
	switch {
	case errors.Is(err, bearer.ErrNoCredentials):
		return OutcomeNoCredentials
	case errors.Is(err, bearer.ErrInvalidRequest):
		return OutcomeInvalidRequest
	case errors.As(err, &tokErr):
		return verifier.Outcome(tokErr)
	case errors.As(err, &bindErr):
		return OutcomeTokenBinding
	case errors.Is(err, dpop.ErrInvalidProof), errors.Is(err, dpop.ErrUseNonce):
		return OutcomeDPoPProof
	case errors.Is(err, scopes.ErrInsufficientScope):
		return OutcomeInsufficientScope
	case errors.Is(err, verifier.ErrKeysUnavailable):
		return OutcomeKeysUnavailable
	case errors.Is(err, dpop.ErrStoreUnavailable):
		return OutcomeReplayStore
	}
	return verifier.Outcome(err)
}
