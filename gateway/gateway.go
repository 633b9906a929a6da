// Package gateway enforces a [policy.Policy] in front of a service: as a
// middleware before a reverse proxy, or as the forward-auth endpoint that
// nginx (auth_request), Caddy (forward_auth), Traefik (forwardAuth) and
// Envoy (HTTP ext_authz) ask about each request.
//
// SKELETON: the API below is the contract; the implementation is to come.
package gateway

import (
	"errors"
	"net/http"
	"net/netip"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/claimheader"
	"github.com/jwtgate/jwtgate/policy"
	"github.com/jwtgate/jwtgate/verifier"
)

// Config configures a [Gateway].
type Config struct {
	// Verifier verifies tokens. Required.
	Verifier *verifier.Verifier
	// Policy decides what each request needs. Required.
	Policy *policy.Policy
	// Headers, if set, passes the verified claims on as request headers
	// (and removes any the client sent under those names, in any
	// spelling), also on public routes.
	Headers *claimheader.Headers
	// Bearer holds the RFC 6750 settings (realm, schemes, DPoP, resource
	// metadata, ...). Its Proxy must be nil: set TrustedProxies instead.
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
	// original method and path, after its path_prefix, as its own).
	PathPrefix string
	// OnResult, if set, is called once per request with its outcome, for
	// metrics and logs. It must be fast and safe for concurrent use.
	OnResult func(r *http.Request, res Result)
}

// Result is the outcome of one request.
type Result struct {
	// Status is the status answered: 200 when the request passed (or,
	// for Handler, was passed on), else the refusal's.
	Status int
	// Outcome is a short label for metrics: "allowed", "public",
	// "denied", "ambiguous_path", "untrusted_proxy", "no_credentials",
	// "invalid_request", "insufficient_scope", "keys_unavailable", or the
	// verifier's reason (verifier.Outcome: "expired", "signature", ...).
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
type Gateway struct{}

// New checks cfg and returns its Gateway.
func New(cfg Config) (*Gateway, error) { return nil, errors.New("gateway: not implemented") }

// Handler returns a handler that enforces the policy on each request and
// passes those it lets through to next (typically an
// httputil.ReverseProxy), with the claim headers set and forwarding headers
// from untrusted clients removed.
func (g *Gateway) Handler(next http.Handler) http.Handler { return next }

// ForwardAuth returns the forward-auth handler: it answers 200 with the
// claim headers when the original request may pass, and otherwise the
// refusal (401, 403, 400, 503) with its RFC 6750 challenge.
func (g *Gateway) ForwardAuth() http.Handler { return http.NotFoundHandler() }
