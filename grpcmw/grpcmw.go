// Package grpcmw protects gRPC servers (google.golang.org/grpc) with bearer
// JWT access tokens: unary and stream server interceptors that read the
// token from the "authorization" metadata, verify it, check the method's
// rule and hand the claims to the handler in its context.
//
//	auth, err := grpcmw.New(v, grpcmw.Options{
//		Options: bearer.Options{Realm: "api"},
//		Methods: map[string]grpcmw.Rule{
//			"/fleet.v1.Fleet/ListFlights": grpcmw.Require(scopes.AllOf("read")),
//			"/fleet.v1.Fleet/PlanFlight":  grpcmw.Require(scopes.AllOf("read", "write")),
//			"/fleet.v1.Fleet/Status":      grpcmw.Public(),
//		},
//		Skip: func(_ context.Context, m string) bool { return grpcmw.HealthOrReflection(m) },
//	})
//	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(auth.Unary()), grpc.ChainStreamInterceptor(auth.Stream()))
//
// # Rules
//
// Every call is checked against the [Rule] of its method: Options.Methods
// for the full method name, else Options.MethodRule, else Options.Default.
// A method none of them mentions is denied (the zero Rule is [Deny]): it
// is answered with PermissionDenied, "method not allowed", without a look
// at its token, so a method added to the server later is closed until it
// gets a rule. Calls that Options.Skip matches bypass the rules altogether.
//
// # Answers
//
// The token is the one value of the "authorization" metadata, "Bearer
// <token>" (or another scheme word of bearer.Options.Schemes). A call is
// refused with the status code that package nethttp's HTTP status maps to,
// and with the same RFC 6750 challenge:
//
//	no token (or another scheme)      Unauthenticated   www-authenticate: Bearer realm="api"
//	malformed authorization           InvalidArgument   ... error="invalid_request", error_description="..."
//	bad or expired token              Unauthenticated   ... error="invalid_token", error_description="token expired"
//	valid token, scope missing        PermissionDenied  ... error="insufficient_scope", scope="read write"
//	issuer keys unavailable           Unavailable       retry-after: 30
//	method denied by its rule         PermissionDenied  (no challenge)
//	DPoP proof refused                Unauthenticated   DPoP ... error="invalid_dpop_proof", algs="..."
//	DPoP server nonce needed          Unauthenticated   DPoP ... error="use_dpop_nonce"; dpop-nonce: <nonce>
//
// With bearer.Options.DPoP set, a call may present a DPoP-bound token as
// "DPoP <token>" with one proof in the "dpop" metadata, which signs POST to
// <scheme>://<authority>/<service>/<method> (https over TLS). A token bound
// to a key or to a client certificate (its "cnf" claim) must come with the
// proof of that key, or over a TLS connection with that client
// certificate.
//
// Malformed means two authorization values, an empty one, or a scheme word
// without a token. (Unlike HTTP, where an empty Authorization header counts
// as none, an empty authorization value is malformed.)
//
// The status message is the challenge's error description, such as "token
// expired", or a fixed phrase ("missing bearer token", "insufficient
// scope", "signing keys unavailable", "method not allowed"); it never
// contains the token or anything else the call carried.
//
// The challenge travels as "www-authenticate" response metadata, and the
// delay of an Unavailable answer as "retry-after" (in seconds), so that a
// client can tell an invalid token (get a new one) from a missing scope
// (ask for more) and from an outage (retry later). Read them from the
// trailer: a call refused before any message is a trailers-only answer, so
// the trailer is where gRPC clients find its metadata, and it always
// carries them. They are also sent as header metadata, unless an earlier
// interceptor has already sent the header. In Go, a unary call reads them
// with the grpc.Trailer (or grpc.Header) call option, a stream with its
// Trailer method once Recv has failed (or Header).
//
// # Claims
//
// Handlers read the claims with [ClaimsFrom] or [ClaimsAs] from their
// context; a streaming handler from stream.Context(). As in package
// nethttp, claims in a context belong to the verifier that produced them:
// interceptors reuse claims an earlier one stored only if both have the
// same verifier, and otherwise verify the token with their own, so chained
// interceptors with a stricter verifier stay strict. The checks and the
// answer are package bearer's; this package only translates them into
// gRPC terms.
//
// This package is its own module (github.com/jwtgate/jwtgate/grpcmw), so
// that only programs that use gRPC depend on it.
package grpcmw

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/verifier"
)

// ErrMethodDenied is the error of a call to a method whose rule is [Deny]:
// no rule allows the method. It is answered with PermissionDenied.
var ErrMethodDenied = errors.New("grpcmw: method not allowed")

// Response metadata keys of a refused call.
const (
	// MetadataChallenge is the key of the RFC 6750 challenge, such as
	// `Bearer realm="api", error="invalid_token", error_description="token expired"`,
	// the value an HTTP server sends as WWW-Authenticate.
	MetadataChallenge = "www-authenticate"
	// MetadataRetryAfter is the key of the delay, in whole seconds, after
	// which an Unavailable call may be retried.
	MetadataRetryAfter = "retry-after"
	// MetadataNonce is the key of the server nonce a DPoP proof must carry
	// after a use_dpop_nonce refusal (RFC 9449 section 8); the call's own
	// DPoP proof is in the request metadata "dpop".
	MetadataNonce = "dpop-nonce"
)

// Options configures [Interceptors]: the settings every adapter shares, the
// rules of the methods, and the hooks. With neither Methods nor MethodRule,
// Default must be [Authenticated] or a [Require] rule.
type Options struct {
	// Options are the settings every adapter shares (see bearer.Options):
	// Realm, Schemes, RetryAfter, Optional, DPoP and ResourceMetadata
	// apply; Cookie, Query and Proxy, which are HTTP's, must be empty.
	bearer.Options

	// Methods gives the rule of each method it names by its full name,
	// such as "/fleet.v1.Fleet/PlanFlight". It is copied by New.
	Methods map[string]Rule

	// MethodRule, if set, gives the rule of a method that Methods does not
	// name, or returns false to leave it to Default. It must be safe for
	// concurrent use.
	MethodRule func(fullMethod string) (Rule, bool)

	// Default is the rule of a method that neither Methods nor MethodRule
	// gives one. The zero value denies every such method.
	Default Rule

	// Skip, if set, reports whether a call bypasses the rules and the token
	// altogether, such as health checks (see [HealthOrReflection]). A
	// skipped call reaches the handler without claims, unless an earlier
	// interceptor with the same verifier stored some. ctx is the call's
	// incoming context. It must be safe for concurrent use.
	Skip func(ctx context.Context, fullMethod string) bool

	// ErrorHandler, if set, is called with every refused call and returns
	// the error the call ends with, which should be a gRPC status error
	// (status.Error); any other error reaches the client as Unknown. nil
	// means the default answer: the handler can log a refusal or reword
	// it, never let the call through. The error it receives matches one of
	// bearer.ErrNoCredentials (no token), bearer.ErrInvalidRequest
	// (malformed metadata), verifier.ErrInvalidToken (an *verifier.Error
	// naming the reason), verifier.ErrKeysUnavailable,
	// scopes.ErrInsufficientScope (a *scopes.MissingError) or
	// [ErrMethodDenied]. ctx carries the claims when only the scope check
	// failed. The default answer, with its www-authenticate and
	// retry-after metadata, is [Interceptors.Error]; a handler that
	// returns another error sends no such metadata unless it sets some.
	ErrorHandler func(ctx context.Context, fullMethod string, err error) error
}

// Interceptors authenticate gRPC calls with a verifier: [Interceptors.Unary]
// and [Interceptors.Stream] apply the same rules to unary and streaming
// methods. It is immutable and safe for concurrent use.
type Interceptors struct {
	auth       *bearer.Auth
	methods    map[string]Rule
	methodRule func(string) (Rule, bool)
	def        Rule
	skip       func(context.Context, string) bool
	onError    func(context.Context, string, error) error
}

// New checks opts and returns interceptors that verify tokens with v.
func New(v *verifier.Verifier, opts Options) (*Interceptors, error) {
	if opts.Cookie != "" {
		return nil, errors.New("grpcmw: Options.Cookie is for HTTP; gRPC calls carry the token in the authorization metadata")
	}
	if opts.Query != "" {
		return nil, errors.New("grpcmw: Options.Query is for HTTP; gRPC calls carry the token in the authorization metadata")
	}
	if opts.Proxy != nil {
		return nil, errors.New("grpcmw: Options.Proxy is for HTTP; a gRPC call's URL and client certificate come from its own connection")
	}
	a, err := bearer.New(v, opts.Options)
	if err != nil {
		return nil, fmt.Errorf("grpcmw: %w", err)
	}
	for name := range opts.Methods {
		if err := checkMethodName(name); err != nil {
			return nil, err
		}
	}
	if len(opts.Methods) == 0 && opts.MethodRule == nil && !opts.Default.verifies() {
		return nil, fmt.Errorf("grpcmw: with neither Methods nor MethodRule, Default (%s) must be Authenticated() or Require(...)", opts.Default)
	}
	return &Interceptors{
		auth:       a,
		methods:    maps.Clone(opts.Methods),
		methodRule: opts.MethodRule,
		def:        opts.Default,
		skip:       opts.Skip,
		onError:    opts.ErrorHandler,
	}, nil
}

// Unary returns the interceptor of unary methods. It calls the handler with
// a context that carries the claims, or ends the call as the package
// documentation says.
func (i *Interceptors) Unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := i.check(ctx, info.FullMethod)
		if err != nil {
			return nil, i.fail(ctx, info.FullMethod, err)
		}
		return handler(ctx, req)
	}
}

// Stream returns the interceptor of streaming methods. It calls the handler
// with a stream whose Context carries the claims, or ends the call as the
// package documentation says.
func (i *Interceptors) Stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		in := ss.Context()
		ctx, err := i.check(in, info.FullMethod)
		if err != nil {
			return i.fail(ctx, info.FullMethod, err)
		}
		if ctx != in {
			ss = &serverStream{ServerStream: ss, ctx: ctx}
		}
		return handler(srv, ss)
	}
}

// serverStream is a grpc.ServerStream with another context.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

// Context returns the context that carries the claims.
func (s *serverStream) Context() context.Context { return s.ctx }

// check runs the checks of fullMethod's rule on the call of ctx, and
// returns the context to go on with (or to hand to the error handler).
func (i *Interceptors) check(ctx context.Context, fullMethod string) (context.Context, error) {
	if i.skip != nil && i.skip(ctx, fullMethod) {
		return i.auth.SkipContext(ctx), nil
	}
	switch rule := i.rule(fullMethod); rule.kind {
	case rulePublic:
		return i.auth.SkipContext(ctx), nil
	case ruleAuthenticated:
		return i.auth.AuthenticateContext(ctx, func() (bearer.Credentials, error) { return i.credentials(ctx, fullMethod) })
	case ruleRequire:
		return i.auth.AuthorizeContext(ctx, func() (bearer.Credentials, error) { return i.credentials(ctx, fullMethod) }, rule.req)
	default:
		// Denied without a look at the token.
		return i.auth.SkipContext(ctx), ErrMethodDenied
	}
}

// rule returns the rule of fullMethod.
func (i *Interceptors) rule(fullMethod string) Rule {
	if r, ok := i.methods[fullMethod]; ok {
		return r
	}
	if i.methodRule != nil {
		if r, ok := i.methodRule(fullMethod); ok {
			return r
		}
	}
	return i.def
}

// credentials returns what the call presents: the token of its one
// "authorization" value and, for the DPoP scheme, its "dpop" proofs and the
// URL they sign, and the client certificate of its TLS connection.
func (i *Interceptors) credentials(ctx context.Context, fullMethod string) (bearer.Credentials, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	var c bearer.Credentials
	switch values := md.Get("authorization"); len(values) {
	case 0:
		return c, bearer.ErrNoCredentials
	case 1:
		if values[0] == "" {
			return c, &bearer.RequestError{Description: "empty authorization metadata"}
		}
		var err error
		if c.Token, c.DPoP, err = i.auth.ParseAuthorization(values[0]); err != nil {
			return c, err
		}
	default:
		return c, &bearer.RequestError{Description: "more than one authorization metadata value"}
	}
	p, _ := peer.FromContext(ctx)
	isTLS := false
	if p != nil {
		_, isTLS = p.AuthInfo.(credentials.TLSInfo)
	}
	if c.DPoP {
		// A gRPC call is an HTTP/2 POST to /<service>/<method> at the
		// call's authority (RFC 9113 section 8.3.1): that is what its
		// proof signs.
		c.Proofs = md.Get("dpop")
		c.Method = http.MethodPost
		authority := md.Get(":authority")
		if len(authority) != 1 || authority[0] == "" {
			return c, &bearer.RequestError{Description: "no authority in the call"}
		}
		c.URL = &url.URL{Scheme: "http", Host: authority[0], Path: fullMethod}
		if isTLS {
			c.URL.Scheme = "https"
		}
	}
	if isTLS {
		// Read only for a certificate-bound token.
		c.Certificate = func() (*x509.Certificate, error) {
			certs := p.AuthInfo.(credentials.TLSInfo).State.PeerCertificates
			if len(certs) == 0 {
				return nil, nil
			}
			return certs[0], nil
		}
	}
	return c, nil
}

func (i *Interceptors) fail(ctx context.Context, fullMethod string, err error) error {
	if i.onError != nil {
		if out := i.onError(ctx, fullMethod, err); out != nil {
			return out
		}
	}
	return i.Error(ctx, err)
}

// Error returns the default answer to err, a gRPC status error as the
// package documentation describes, after setting the "www-authenticate"
// and "retry-after" response metadata, where the answer has them, on the
// call of ctx (a server handler's or interceptor's context; with another,
// it sets nothing). A custom Options.ErrorHandler may return it after,
// say, logging.
func (i *Interceptors) Error(ctx context.Context, err error) error {
	if errors.Is(err, ErrMethodDenied) {
		return status.Error(codes.PermissionDenied, "method not allowed")
	}
	resp := i.auth.Response(err)
	md := metadata.MD{}
	for _, c := range resp.Challenges {
		md.Append(MetadataChallenge, c.String())
	}
	if resp.Nonce != "" {
		md.Set(MetadataNonce, resp.Nonce)
	}
	if resp.RetryAfter > 0 {
		md = metadata.Join(md, metadata.Pairs(MetadataRetryAfter, strconv.FormatInt(int64(resp.RetryAfter/time.Second), 10)))
	}
	if md.Len() > 0 {
		// A call that fails before any message ends with a trailers-only
		// response, whose metadata clients find in the trailer; setting
		// the header too sends it in a header frame of its own, where
		// clients that read headers look. Either fails only when the call
		// is over or the header already sent; the other then still
		// carries the metadata.
		_ = grpc.SetHeader(ctx, md)
		_ = grpc.SetTrailer(ctx, md)
	}
	return status.Error(code(resp.Status), message(resp))
}

// code returns the gRPC code of an HTTP status of bearer.Response.
func code(httpStatus int) codes.Code {
	switch httpStatus {
	case http.StatusUnauthorized:
		return codes.Unauthenticated
	case http.StatusBadRequest:
		return codes.InvalidArgument
	case http.StatusForbidden:
		return codes.PermissionDenied
	case http.StatusServiceUnavailable:
		return codes.Unavailable
	default:
		return codes.Internal
	}
}

// message returns the status message of resp: the challenge's description,
// which bearer takes from a fixed set, or a fixed phrase.
func message(resp bearer.Response) string {
	if len(resp.Challenges) > 0 && resp.Challenges[0].Description != "" {
		return resp.Challenges[0].Description
	}
	switch resp.Status {
	case http.StatusUnauthorized:
		return "missing bearer token"
	case http.StatusBadRequest:
		return "invalid request"
	case http.StatusForbidden:
		return "insufficient scope"
	case http.StatusServiceUnavailable:
		return "signing keys unavailable"
	default:
		return "internal error"
	}
}

// ClaimsFrom returns the claims that the interceptors stored in a handler's
// context (for a streaming handler, stream.Context()). Behind several
// interceptors, the claims are always ones the innermost interceptor's
// verifier produced, or none.
func ClaimsFrom(ctx context.Context) (*verifier.Claims, bool) { return verifier.FromContext(ctx) }

// ClaimsAs decodes the claims in ctx into a new T, as verifier.ClaimsAs
// does; it returns verifier.ErrNoClaims if there are none.
func ClaimsAs[T any](ctx context.Context) (T, error) { return verifier.ClaimsAs[T](ctx) }
