package grpcmw_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionalphapb "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/grpc/status"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/grpcmw"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// For the same Authorization value, the gRPC answer carries the challenge
// nethttp sends as WWW-Authenticate, and the code that maps its status.
func TestChallengeMatchesNetHTTP(t *testing.T) {
	f := newFixture(t)
	read := f.mint(t, verifiertest.Token{Scope: "read"})
	cases := []struct {
		name    string
		schemes []string
		guard   scopes.Requirement // zero: Authenticated
		auth    string             // "" sends none
		down    bool
	}{
		{name: "missing"},
		{name: "Basic", auth: "Basic dXNlcjpwYXNz"},
		{name: "Bearer with an empty token", auth: "Bearer "},
		{name: "Bearer with spaces only", auth: "Bearer    "},
		{name: "valid", auth: "Bearer " + read},
		{name: "expired", auth: "Bearer " + f.mint(t, verifiertest.Token{ExpiresIn: -time.Hour})},
		{name: "bad signature", auth: "Bearer " + f.badSignature(t)},
		{name: "malformed", auth: "Bearer not.a.jwt"},
		{name: "wrong audience", auth: "Bearer " + f.mint(t, verifiertest.Token{Audience: []string{"https://elsewhere.test"}})},
		{name: "all-of scope missing", guard: scopes.AllOf("read", "write"), auth: "Bearer " + read},
		{name: "any-of scope missing", guard: scopes.AnyOf("admin", "audit"), auth: "Bearer " + read},
		{name: "any-of one scope missing", guard: scopes.AnyOf("admin"), auth: "Bearer " + read},
		{name: "JWT scheme", schemes: []string{"JWT"}, auth: "JWT " + read},
		{name: "JWT scheme, Bearer sent", schemes: []string{"JWT"}, auth: "Bearer " + read},
		{name: "keys unavailable", auth: "Bearer " + read, down: true},
	}
	codeOf := map[int]codes.Code{
		http.StatusOK: codes.OK, http.StatusUnauthorized: codes.Unauthenticated, http.StatusBadRequest: codes.InvalidArgument,
		http.StatusForbidden: codes.PermissionDenied, http.StatusServiceUnavailable: codes.Unavailable,
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := f.v
			if tc.down {
				v = f.down
			}
			opts := bearer.Options{Realm: `api "v1"`, Schemes: tc.schemes}
			rule := grpcmw.Authenticated()
			if len(tc.guard.Scopes()) > 0 {
				rule = grpcmw.Require(tc.guard)
			}
			h := startHarness(t, interceptors(t, v, grpcmw.Options{Options: opts, Default: rule}))

			n, err := nethttp.New(v, nethttp.Options{Options: opts})
			require.NoError(t, err, "nethttp.New")
			ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
			handler := n.Authenticate(ok)
			if len(tc.guard.Scopes()) > 0 {
				handler = n.Require(tc.guard)(ok)
			}
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			var auth []string
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
				auth = []string{tc.auth}
			}
			want := httptest.NewRecorder()
			handler.ServeHTTP(want, r)

			for _, method := range []string{unaryMethod("Unlisted"), streamMethod("Unlisted")} {
				got := h.call(t, method, auth...)
				call := fmt.Sprintf("%s with %.20q", method, tc.auth)
				wantCode, known := codeOf[want.Code]
				require.True(t, known, "nethttp answered %d, which this test does not map", want.Code)
				assert.Equal(t, wantCode, got.Code, "%s: code, for nethttp's %d (message %q)", call, want.Code, got.Message)
				assert.Equal(t, want.Header().Values("WWW-Authenticate"), got.Trailer.Get(grpcmw.MetadataChallenge),
					"%s: www-authenticate in the trailer, against nethttp's WWW-Authenticate", call)
				assert.Equal(t, want.Header().Values("Retry-After"), got.Trailer.Get(grpcmw.MetadataRetryAfter),
					"%s: retry-after in the trailer, against nethttp's Retry-After", call)
			}
		})
	}
}

// ErrorHandler gets every refusal with its cause, and what it returns ends
// the call; Error gives the default answer with its metadata; nil means
// the default answer.
func TestErrorHandler(t *testing.T) {
	f := newFixture(t)
	read := f.mint(t, verifiertest.Token{Subject: "reader", Scope: "read"})
	type seen struct {
		method  string
		err     error
		subject string // of claims in the handler's ctx
	}
	cases := []struct {
		name    string
		method  string
		auth    []string
		down    bool
		reason  error
		subject string
	}{
		{name: "missing", method: "Read", reason: bearer.ErrNoCredentials},
		{name: "two values", method: "Read", auth: []string{"Bearer " + read, "Bearer " + read}, reason: bearer.ErrInvalidRequest},
		{name: "expired", method: "Read", auth: []string{"Bearer " + f.mint(t, verifiertest.Token{ExpiresIn: -time.Hour})}, reason: verifier.ErrExpired},
		{name: "scope missing", method: "Write", auth: []string{"Bearer " + read}, reason: scopes.ErrInsufficientScope, subject: "reader"},
		{name: "keys unavailable", method: "Read", auth: []string{"Bearer " + read}, down: true, reason: verifier.ErrKeysUnavailable},
		{name: "denied", method: "Unlisted", auth: []string{"Bearer " + read}, reason: grpcmw.ErrMethodDenied},
	}
	for _, mode := range []string{"custom", "default via Error", "nil"} {
		for _, tc := range cases {
			for _, method := range []string{unaryMethod(tc.method), streamMethod(tc.method)} {
				t.Run(mode+" "+tc.name+" "+method, func(t *testing.T) {
					var (
						mu   sync.Mutex
						got  []seen
						ints *grpcmw.Interceptors
					)
					v := f.v
					if tc.down {
						v = f.down
					}
					ints = interceptors(t, v, grpcmw.Options{
						Options: bearer.Options{Realm: "api"},
						Methods: probeRules(),
						ErrorHandler: func(ctx context.Context, fullMethod string, err error) error {
							s := seen{method: fullMethod, err: err}
							if c, ok := grpcmw.ClaimsFrom(ctx); ok {
								s.subject = c.Subject()
							}
							mu.Lock()
							got = append(got, s)
							mu.Unlock()
							switch mode {
							case "custom":
								return status.Error(codes.Aborted, "refused by policy")
							case "default via Error":
								return ints.Error(ctx, err)
							}
							return nil
						},
					})
					h := startHarness(t, ints)
					want := startHarness(t, interceptors(t, v, grpcmw.Options{Options: bearer.Options{Realm: "api"}, Methods: probeRules()})).
						call(t, method, tc.auth...)
					out := h.call(t, method, tc.auth...)
					call := fmt.Sprintf("%s (%s) with ErrorHandler %s", method, tc.name, mode)

					mu.Lock()
					defer mu.Unlock()
					require.Len(t, got, 1, "%s: ErrorHandler calls", call)
					assert.Equal(t, method, got[0].method, "%s: fullMethod passed to ErrorHandler", call)
					assert.ErrorIs(t, got[0].err, tc.reason, "%s: error passed to ErrorHandler", call)
					assert.Equal(t, tc.subject, got[0].subject, "%s: subject of the claims in ErrorHandler's ctx", call)
					assert.False(t, out.Reached, "%s: handler reached", call)
					if mode == "custom" {
						assert.Equal(t, codes.Aborted, out.Code, "%s: code", call)
						assert.Equal(t, "refused by policy", out.Message, "%s: message", call)
						assert.Empty(t, out.Trailer.Get(grpcmw.MetadataChallenge), "%s: www-authenticate without Error", call)
						return
					}
					assert.NotEqual(t, codes.OK, want.Code, "%s: code without ErrorHandler", call)
					assert.Equal(t, want.Code, out.Code, "%s: code, against no ErrorHandler", call)
					assert.Equal(t, want.Message, out.Message, "%s: message, against no ErrorHandler", call)
					assert.Equal(t, want.Trailer.Get(grpcmw.MetadataChallenge), out.Trailer.Get(grpcmw.MetadataChallenge), "%s: www-authenticate, against no ErrorHandler", call)
					assert.Equal(t, want.Trailer.Get(grpcmw.MetadataRetryAfter), out.Trailer.Get(grpcmw.MetadataRetryAfter), "%s: retry-after, against no ErrorHandler", call)
				})
			}
		}
	}
}

// Error outside a server call sets no metadata, and still returns the
// status.
func TestErrorWithoutACall(t *testing.T) {
	f := newFixture(t)
	ints := interceptors(t, f.v, grpcmw.Options{Options: bearer.Options{Realm: "api"}, Default: grpcmw.Authenticated()})
	cases := []struct {
		err  error
		code codes.Code
		msg  string
	}{
		{bearer.ErrNoCredentials, codes.Unauthenticated, "missing bearer token"},
		{&bearer.RequestError{Description: "empty token"}, codes.InvalidArgument, "empty token"},
		{bearer.ErrInvalidRequest, codes.InvalidArgument, "invalid request"},
		{&verifier.Error{Reason: verifier.ErrAudience}, codes.Unauthenticated, "audience not accepted"},
		{&scopes.MissingError{Required: scopes.AllOf("write"), Missing: []string{"write"}}, codes.PermissionDenied, "insufficient scope"},
		{fmt.Errorf("fetching: %w", verifier.ErrKeysUnavailable), codes.Unavailable, "signing keys unavailable"},
		{grpcmw.ErrMethodDenied, codes.PermissionDenied, "method not allowed"},
		{errors.New("something else"), codes.Internal, "internal error"},
	}
	for _, tc := range cases {
		st := status.Convert(ints.Error(context.Background(), tc.err))
		assert.Equal(t, tc.code, st.Code(), "Error(ctx, %v): code", tc.err)
		assert.Equal(t, tc.msg, st.Message(), "Error(ctx, %v): message", tc.err)
	}
}

// When an outer interceptor has already sent the header, the challenge
// still reaches the client in the trailer.
func TestChallengeAfterHeaderSent(t *testing.T) {
	f := newFixture(t)
	ints := interceptors(t, f.v, grpcmw.Options{Options: bearer.Options{Realm: "api"}, Methods: probeRules()})
	h := startHarnessWith(t, serverSetup{
		unary: []grpc.UnaryServerInterceptor{
			func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
				if err := grpc.SendHeader(ctx, metadata.Pairs("x-outer", "sent")); err != nil {
					return nil, err
				}
				return handler(ctx, req)
			},
			ints.Unary(),
		},
		stream: []grpc.StreamServerInterceptor{
			func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
				if err := ss.SendHeader(metadata.Pairs("x-outer", "sent")); err != nil {
					return err
				}
				return handler(srv, ss)
			},
			ints.Stream(),
		},
	})
	for _, method := range []string{unaryMethod("Read"), streamMethod("Read")} {
		got := h.call(t, method, "Bearer not.a.jwt")
		assert.Equal(t, codes.Unauthenticated, got.Code, "%s after the header was sent: code", method)
		assert.Equal(t, []string{"sent"}, got.Header.Get("x-outer"), "%s: the outer interceptor's header", method)
		assert.Empty(t, got.Header.Get(grpcmw.MetadataChallenge), "%s: www-authenticate in a header sent before", method)
		assert.Equal(t, []string{`Bearer realm="api", error="invalid_token", error_description="malformed token"`},
			got.Trailer.Get(grpcmw.MetadataChallenge), "%s: www-authenticate in the trailer", method)
	}
}

// Health checks and reflection pass Skip without a token, or with a bad
// one; the probe service still needs a token.
func TestHealthAndReflectionSkipped(t *testing.T) {
	f := newFixture(t)
	h := startHarness(t, interceptors(t, f.v, grpcmw.Options{Options: bearer.Options{Realm: "api"}, Default: grpcmw.Authenticated(), Skip: skipHealth}))
	for _, auth := range []string{"", "Bearer not.a.jwt"} {
		ctx := t.Context()
		if auth != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", auth)
		}
		resp, err := healthpb.NewHealthClient(h.conn).Check(ctx, &healthpb.HealthCheckRequest{Service: probeService})
		require.NoError(t, err, "Health/Check with authorization %q", auth)
		assert.Equal(t, healthpb.HealthCheckResponse_SERVING, resp.GetStatus(), "Health/Check with authorization %q", auth)

		list, err := healthpb.NewHealthClient(h.conn).List(ctx, &healthpb.HealthListRequest{})
		require.NoError(t, err, "Health/List with authorization %q", auth)
		assert.Contains(t, list.GetStatuses(), probeService, "Health/List with authorization %q", auth)

		watch, err := healthpb.NewHealthClient(h.conn).Watch(ctx, &healthpb.HealthCheckRequest{Service: probeService})
		require.NoError(t, err, "Health/Watch with authorization %q", auth)
		update, err := watch.Recv()
		require.NoError(t, err, "Health/Watch with authorization %q: Recv", auth)
		assert.Equal(t, healthpb.HealthCheckResponse_SERVING, update.GetStatus(), "Health/Watch with authorization %q", auth)

		refl, err := reflectionpb.NewServerReflectionClient(h.conn).ServerReflectionInfo(ctx)
		require.NoError(t, err, "ServerReflectionInfo with authorization %q", auth)
		require.NoError(t, refl.Send(&reflectionpb.ServerReflectionRequest{
			MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
		}), "ServerReflectionInfo with authorization %q: Send", auth)
		listed, err := refl.Recv()
		require.NoError(t, err, "ServerReflectionInfo with authorization %q: Recv", auth)
		var names []string
		for _, s := range listed.GetListServicesResponse().GetService() {
			names = append(names, s.GetName())
		}
		assert.Contains(t, names, probeService, "services listed by reflection, with authorization %q", auth)
		require.NoError(t, refl.CloseSend())

		got := h.call(t, unaryMethod("Read"), authValues(auth)...)
		assert.Equal(t, codes.Unauthenticated, got.Code, "Read with authorization %q beside the skipped services", auth)
	}
}

func authValues(auth string) []string {
	if auth == "" {
		return nil
	}
	return []string{auth}
}

// Chained interceptors: claims of the same verifier are reused (one
// verification), claims of another verifier are not trusted.
func TestChainedInterceptors(t *testing.T) {
	f := newFixture(t)
	other := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: testClock})
	vOther, err := verifier.New(other.VerifierConfig())
	require.NoError(t, err, "verifier.New(other issuer)")

	outer := interceptors(t, f.v, grpcmw.Options{Options: bearer.Options{Realm: "outer"}, Default: grpcmw.Authenticated()})
	same := interceptors(t, f.v, grpcmw.Options{Options: bearer.Options{Realm: "inner"}, Default: grpcmw.Require(scopes.AllOf("admin"))})
	strict := interceptors(t, vOther, grpcmw.Options{Options: bearer.Options{Realm: "strict"}, Default: grpcmw.Require(scopes.AllOf("admin"))})
	admin := "Bearer " + f.mint(t, verifiertest.Token{Subject: "admin", Scope: "admin"})

	t.Run("same verifier", func(t *testing.T) {
		h := startHarnessWith(t, serverSetup{unary: unaries(outer, same), stream: streams(outer, same)})
		for _, method := range []string{unaryMethod("Open"), streamMethod("Open")} {
			before := f.lookups.n.Load()
			got := h.call(t, method, admin)
			require.Equal(t, codes.OK, got.Code, "%s through two interceptors of one verifier (message %q)", method, got.Message)
			assert.Equal(t, "admin", got.Claims.Subject(), "%s: subject the handler saw", method)
			assert.Equal(t, before+1, f.lookups.n.Load(), "%s: key lookups through two interceptors of one verifier", method)
		}
	})
	t.Run("public or skipped at another verifier's interceptor", func(t *testing.T) {
		skipping := interceptors(t, vOther, grpcmw.Options{
			Methods: map[string]grpcmw.Rule{unaryMethod("Public"): grpcmw.Public(), streamMethod("Public"): grpcmw.Public()},
			Skip:    func(_ context.Context, m string) bool { return m == unaryMethod("Open") || m == streamMethod("Open") },
		})
		h := startHarnessWith(t, serverSetup{unary: unaries(outer, skipping), stream: streams(outer, skipping)})
		for _, method := range []string{unaryMethod("Public"), streamMethod("Public"), unaryMethod("Open"), streamMethod("Open")} {
			got := h.call(t, method, admin)
			require.Equal(t, codes.OK, got.Code, "%s (message %q)", method, got.Message)
			assert.True(t, got.Reached, "%s: handler reached", method)
			assert.Nil(t, got.Claims, "%s: claims of the outer verifier after an interceptor of another that let the call pass unverified", method)
		}
	})
	t.Run("another verifier", func(t *testing.T) {
		h := startHarnessWith(t, serverSetup{unary: unaries(outer, strict), stream: streams(outer, strict)})
		for _, method := range []string{unaryMethod("Open"), streamMethod("Open")} {
			got := h.call(t, method, admin)
			assert.Equal(t, codes.Unauthenticated, got.Code, "%s: a token of the outer verifier's issuer at the strict interceptor", method)
			assert.Equal(t, []string{`Bearer realm="strict", error="invalid_token", error_description="issuer not accepted"`},
				got.Trailer.Get(grpcmw.MetadataChallenge), "%s: the strict interceptor's challenge", method)
			assert.False(t, got.Reached, "%s: handler reached", method)
		}
	})
}

// New refuses options that make no sense for gRPC or would verify nothing.
func TestNewRefuses(t *testing.T) {
	f := newFixture(t)
	ok := grpcmw.Authenticated()
	cases := []struct {
		name string
		v    *verifier.Verifier
		opts grpcmw.Options
		want string
	}{
		{"nil verifier", nil, grpcmw.Options{Default: ok}, "grpcmw: bearer: verifier is nil"},
		{"cookie", f.v, grpcmw.Options{Options: bearer.Options{Cookie: "token"}, Default: ok},
			"grpcmw: Options.Cookie is for HTTP; gRPC calls carry the token in the authorization metadata"},
		{"query", f.v, grpcmw.Options{Options: bearer.Options{Query: "access_token"}, Default: ok},
			"grpcmw: Options.Query is for HTTP; gRPC calls carry the token in the authorization metadata"},
		{"proxy", f.v, grpcmw.Options{Options: bearer.Options{Proxy: &bearer.Proxy{}}, Default: ok},
			"grpcmw: Options.Proxy is for HTTP; a gRPC call's URL and client certificate come from its own connection"},
		{"bad scheme", f.v, grpcmw.Options{Options: bearer.Options{Schemes: []string{"Bear er"}}, Default: ok},
			`grpcmw: bearer: scheme "Bear er" is not an HTTP authentication scheme name`},
		{"realm with a newline", f.v, grpcmw.Options{Options: bearer.Options{Realm: "a\nb"}, Default: ok},
			"grpcmw: bearer: realm must be printable ASCII"},
		{"no rules", f.v, grpcmw.Options{},
			"grpcmw: with neither Methods nor MethodRule, Default (deny) must be Authenticated() or Require(...)"},
		{"only public", f.v, grpcmw.Options{Default: grpcmw.Public()},
			"grpcmw: with neither Methods nor MethodRule, Default (public) must be Authenticated() or Require(...)"},
	}
	for _, name := range []string{"pkg.Service/Method", "/pkg.Service.Method", "/pkg.Service/", "//Method", "/a/b/c", "/pkg.Service/Me thod", "", "/"} {
		cases = append(cases, struct {
			name string
			v    *verifier.Verifier
			opts grpcmw.Options
			want string
		}{"method " + name, f.v, grpcmw.Options{Methods: map[string]grpcmw.Rule{name: ok}},
			fmt.Sprintf("grpcmw: method %q in Options.Methods is not a full method name such as \"/pkg.Service/Method\"", name)})
	}
	for _, tc := range cases {
		ints, err := grpcmw.New(tc.v, tc.opts)
		assert.EqualError(t, err, tc.want, "grpcmw.New with %s", tc.name)
		assert.Nil(t, ints, "grpcmw.New with %s", tc.name)
	}

	for _, opts := range []grpcmw.Options{
		{Default: grpcmw.Require(scopes.AllOf("read"))},
		{Methods: map[string]grpcmw.Rule{"/Service/Method": grpcmw.Public()}},
		{MethodRule: func(string) (grpcmw.Rule, bool) { return grpcmw.Deny(), true }},
	} {
		_, err := grpcmw.New(f.v, opts)
		assert.NoError(t, err, "grpcmw.New(v, %+v)", opts)
	}
}

// Require of the zero Requirement needs a token even with Optional.
func TestRequireZeroNeedsTokenWhenOptional(t *testing.T) {
	f := newFixture(t)
	h := startHarness(t, interceptors(t, f.v, grpcmw.Options{
		Options: bearer.Options{Optional: true},
		Methods: map[string]grpcmw.Rule{
			unaryMethod("Read"): grpcmw.Require(scopes.Requirement{}),
			unaryMethod("Open"): grpcmw.Authenticated(),
		},
	}))
	got := h.call(t, unaryMethod("Read"))
	assert.Equal(t, codes.Unauthenticated, got.Code, "Require(zero) without a token, Optional set")
	got = h.call(t, unaryMethod("Read"), "Bearer "+f.mint(t, verifiertest.Token{Subject: "any"}))
	assert.Equal(t, codes.OK, got.Code, "Require(zero) with a token without scopes (message %q)", got.Message)
	got = h.call(t, unaryMethod("Open"))
	assert.Equal(t, codes.OK, got.Code, "Authenticated without a token, Optional set (message %q)", got.Message)
}

// Methods is copied: changing the map after New changes nothing.
func TestMethodsCopied(t *testing.T) {
	f := newFixture(t)
	methods := map[string]grpcmw.Rule{unaryMethod("Public"): grpcmw.Public()}
	h := startHarness(t, interceptors(t, f.v, grpcmw.Options{Methods: methods}))
	methods[unaryMethod("Unlisted")] = grpcmw.Public()
	got := h.call(t, unaryMethod("Unlisted"))
	assert.Equal(t, codes.PermissionDenied, got.Code, "Unlisted, made public in the map after New")
}

func TestHealthOrReflection(t *testing.T) {
	yes := []string{
		healthpb.Health_Check_FullMethodName,
		healthpb.Health_List_FullMethodName,
		healthpb.Health_Watch_FullMethodName,
		reflectionpb.ServerReflection_ServerReflectionInfo_FullMethodName,
		reflectionalphapb.ServerReflection_ServerReflectionInfo_FullMethodName,
		"/grpc.reflection.v1.ServerReflection/SomeFutureMethod",
	}
	no := []string{
		"/grpc.health.v1.Health/Delete",
		"/grpc.health.v1.Health2/Check",
		"grpc.health.v1.Health/Check",
		"/grpc.health.v1.Health/Check/",
		"/grpc.reflection.v1.ServerReflection",
		"/grpc.reflection.v1.ServerReflection/",
		"/grpc.reflection.v2.ServerReflection/ServerReflectionInfo",
		"/test.v1.Probe/Read",
		"",
	}
	for _, m := range yes {
		assert.True(t, grpcmw.HealthOrReflection(m), "HealthOrReflection(%q)", m)
	}
	for _, m := range no {
		assert.False(t, grpcmw.HealthOrReflection(m), "HealthOrReflection(%q)", m)
	}
}

func TestRuleString(t *testing.T) {
	for _, tc := range []struct {
		rule grpcmw.Rule
		want string
	}{
		{grpcmw.Rule{}, "deny"},
		{grpcmw.Deny(), "deny"},
		{grpcmw.Public(), "public"},
		{grpcmw.Authenticated(), "authenticated"},
		{grpcmw.Require(scopes.AllOf("read write")), "require read write"},
		{grpcmw.Require(scopes.AnyOf("read", "adm")), "require any of read adm"},
	} {
		assert.Equal(t, tc.want, tc.rule.String(), "Rule.String of %#v", tc.rule)
	}
}
