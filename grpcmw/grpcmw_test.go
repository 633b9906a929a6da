package grpcmw_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/grpcmw"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// callCase is a call to a probe method and what must come of it.
type callCase struct {
	name      string
	method    string   // a name of probeMethods; the test calls its unary and its streaming form
	auth      []string // the "authorization" metadata values; nil sends none
	down      bool     // through interceptors whose verifier cannot fetch keys
	code      codes.Code
	message   string // the status message; "" for OK
	challenge string // the exact www-authenticate metadata; "" means none
	retry     string // the retry-after metadata; "" means none
	subject   string // the subject of the claims the handler sees; "" means none (or not reached)
	reached   bool   // the handler runs
}

// The answers to every kind of call, unary and streaming, over loopback
// TCP and over bufconn: codes, messages, metadata in header and trailer,
// claims in the handler, and no token anywhere in the answer.
func TestAnswers(t *testing.T) {
	f := newFixture(t)
	read := f.mint(t, verifiertest.Token{Subject: "reader", Scope: "read"})
	readWrite := f.mint(t, verifiertest.Token{Subject: "writer", Scope: "read write"})
	auditor := f.mint(t, verifiertest.Token{Subject: "auditor", Scope: "audit"})
	noScope := f.mint(t, verifiertest.Token{Subject: "plain"})
	expired := f.mint(t, verifiertest.Token{Subject: "old", Scope: "read", ExpiresIn: -time.Hour})
	badSig := f.badSignature(t)
	tokens := []string{read, readWrite, auditor, noScope, expired, badSig}

	const (
		noCreds      = `Bearer realm="api"`
		invalidToken = `Bearer realm="api", error="invalid_token", error_description=`
	)
	ok := func(subject string) callCase {
		return callCase{code: codes.OK, subject: subject, reached: true}
	}
	refused := func(code codes.Code, message, challenge string) callCase {
		return callCase{code: code, message: message, challenge: challenge}
	}
	with := func(c callCase, name, method string, auth ...string) callCase {
		c.name, c.method, c.auth = name, method, auth
		return c
	}
	cases := []callCase{
		with(ok("reader"), "valid token with the scope", "Read", "Bearer "+read),
		with(ok("reader"), "scheme word in lower case", "Read", "bearer "+read),
		with(ok("writer"), "valid token with both scopes", "Write", "Bearer "+readWrite),
		with(ok("auditor"), "any-of met by its second scope", "Any", "Bearer "+auditor),
		with(ok("plain"), "authenticated method, token without scope", "Open", "Bearer "+noScope),
		with(refused(codes.Unauthenticated, "missing bearer token", noCreds), "missing", "Read"),
		with(refused(codes.Unauthenticated, "missing bearer token", noCreds), "missing on an authenticated method", "Open"),
		with(refused(codes.Unauthenticated, "missing bearer token", noCreds), "Basic", "Read", "Basic dXNlcjpwYXNz"),
		with(refused(codes.InvalidArgument, "more than one authorization metadata value",
			`Bearer realm="api", error="invalid_request", error_description="more than one authorization metadata value"`),
			"two authorization values", "Read", "Bearer "+read, "Bearer "+read),
		with(refused(codes.InvalidArgument, "empty authorization metadata",
			`Bearer realm="api", error="invalid_request", error_description="empty authorization metadata"`),
			"empty authorization value", "Read", ""),
		with(refused(codes.InvalidArgument, "empty token",
			`Bearer realm="api", error="invalid_request", error_description="empty token"`),
			"Bearer with an empty token", "Read", "Bearer "),
		with(refused(codes.Unauthenticated, "token expired", invalidToken+`"token expired"`), "expired", "Read", "Bearer "+expired),
		with(refused(codes.Unauthenticated, "invalid signature", invalidToken+`"invalid signature"`), "bad signature", "Read", "Bearer "+badSig),
		with(refused(codes.Unauthenticated, "malformed token", invalidToken+`"malformed token"`), "malformed", "Open", "Bearer not.a.jwt"),
		with(refused(codes.PermissionDenied, "insufficient scope",
			`Bearer realm="api", error="insufficient_scope", scope="read write"`), "all-of scope missing", "Write", "Bearer "+read),
		with(refused(codes.PermissionDenied, "any one of the listed scopes is required",
			`Bearer realm="api", error="insufficient_scope", error_description="any one of the listed scopes is required", scope="admin audit"`),
			"any-of scopes all missing", "Any", "Bearer "+read),
		with(callCase{code: codes.Unavailable, message: "signing keys unavailable", retry: "30", down: true}, "keys unavailable", "Read", "Bearer "+read),
		with(callCase{code: codes.OK, reached: true}, "public method, no token", "Public"),
		with(callCase{code: codes.OK, reached: true}, "public method, a bad token is not looked at", "Public", "Bearer not.a.jwt"),
		with(callCase{code: codes.OK, reached: true}, "public method, two values are not looked at", "Public", "a", "b"),
		with(refused(codes.PermissionDenied, "method not allowed", ""), "unlisted method, valid token", "Unlisted", "Bearer "+readWrite),
		with(refused(codes.PermissionDenied, "method not allowed", ""), "unlisted method, no token", "Unlisted"),
		with(refused(codes.PermissionDenied, "method not allowed", ""), "unlisted method, bad token", "Unlisted", "Bearer not.a.jwt"),
	}

	opts := grpcmw.Options{Options: bearer.Options{Realm: "api"}, Methods: probeRules(), Skip: skipHealth}
	for _, transport := range []string{"tcp", "bufconn"} {
		t.Run(transport, func(t *testing.T) {
			setup := func(ints *grpcmw.Interceptors) *harness {
				return startHarnessWith(t, serverSetup{unary: unaries(ints), stream: streams(ints), bufconn: transport == "bufconn"})
			}
			up := setup(interceptors(t, f.v, opts))
			down := setup(interceptors(t, f.down, opts))
			for _, tc := range cases {
				for _, method := range []string{unaryMethod(tc.method), streamMethod(tc.method)} {
					t.Run(tc.name+" "+method, func(t *testing.T) {
						h := up
						if tc.down {
							h = down
						}
						got := h.call(t, method, tc.auth...)
						checkOutcome(t, fmt.Sprintf("%s with authorization %q", method, tc.auth), got, tc, f.v, tokens)
					})
				}
			}
		})
	}
}

// checkOutcome asserts that got is what tc wants, and that no token
// appears in the answer.
func checkOutcome(t *testing.T, call string, got outcome, tc callCase, v *verifier.Verifier, tokens []string) {
	t.Helper()
	assert.Equal(t, tc.code, got.Code, "%s: code (message %q)", call, got.Message)
	assert.Equal(t, tc.message, got.Message, "%s: status message", call)
	for _, md := range []struct {
		name string
		md   metadata.MD
	}{{"trailer", got.Trailer}, {"header", got.Header}} {
		if tc.challenge == "" {
			assert.Empty(t, md.md.Get(grpcmw.MetadataChallenge), "%s: www-authenticate in the %s", call, md.name)
		} else {
			assert.Equal(t, []string{tc.challenge}, md.md.Get(grpcmw.MetadataChallenge), "%s: www-authenticate in the %s", call, md.name)
		}
		if tc.retry == "" {
			assert.Empty(t, md.md.Get(grpcmw.MetadataRetryAfter), "%s: retry-after in the %s", call, md.name)
		} else {
			assert.Equal(t, []string{tc.retry}, md.md.Get(grpcmw.MetadataRetryAfter), "%s: retry-after in the %s", call, md.name)
		}
	}
	assert.Equal(t, tc.reached, got.Reached, "%s: handler reached", call)
	if tc.subject == "" {
		assert.Nil(t, got.Claims, "%s: claims the handler saw", call)
		assert.Zero(t, got.Typed, "%s: claims the handler read with ClaimsAs", call)
		if tc.reached {
			assert.Equal(t, "anonymous", got.Reply, "%s: reply", call)
		}
	} else if assert.NotNil(t, got.Claims, "%s: claims the handler saw", call) {
		assert.Equal(t, tc.subject, got.Claims.Subject(), "%s: subject of the claims the handler saw", call)
		assert.True(t, got.Claims.VerifiedBy(v), "%s: claims verified by the interceptors' verifier", call)
		assert.Equal(t, tc.subject, got.Typed.Sub, "%s: subject read with ClaimsAs", call)
		assert.Equal(t, "sub="+tc.subject, got.Reply, "%s: reply", call)
	}
	for _, tok := range tokens {
		assert.NotContains(t, got.Message, tok, "%s: status message contains a token", call)
		for _, md := range []metadata.MD{got.Header, got.Trailer} {
			for k, vs := range md {
				for _, v := range vs {
					assert.NotContains(t, v, tok, "%s: metadata %s contains a token", call, k)
				}
			}
		}
	}
}

// A denied method answers without a look at the token: no key lookup,
// whatever the call carries.
func TestDeniedMethodDoesNotVerify(t *testing.T) {
	f := newFixture(t)
	h := startHarness(t, interceptors(t, f.v, grpcmw.Options{Methods: probeRules()}))
	tok := f.mint(t, verifiertest.Token{Scope: "read write admin"})
	before := f.lookups.n.Load()
	for _, method := range []string{unaryMethod("Unlisted"), streamMethod("Unlisted")} {
		got := h.call(t, method, "Bearer "+tok)
		assert.Equal(t, codes.PermissionDenied, got.Code, "%s with a valid token: code", method)
		assert.False(t, got.Reached, "%s: handler reached", method)
	}
	assert.Equal(t, before, f.lookups.n.Load(), "key lookups for calls of a denied method")

	got := h.call(t, unaryMethod("Read"), "Bearer "+tok)
	require.Equal(t, codes.OK, got.Code, "Read with a valid token: code (message %q)", got.Message)
	assert.Equal(t, before+1, f.lookups.n.Load(), "key lookups after one call of an allowed method")
}

// With Optional, a call without any token passes an Authenticated method
// without claims; Require still needs a token, and a bad token is still
// refused.
func TestOptional(t *testing.T) {
	f := newFixture(t)
	h := startHarness(t, interceptors(t, f.v, grpcmw.Options{
		Options: bearer.Options{Realm: "api", Optional: true},
		Methods: probeRules(),
	}))
	good := f.mint(t, verifiertest.Token{Subject: "someone", Scope: "read"})
	expired := f.mint(t, verifiertest.Token{ExpiresIn: -time.Hour})
	cases := []callCase{
		{name: "authenticated method, no token", method: "Open", code: codes.OK, reached: true},
		{name: "authenticated method, Basic counts as none", method: "Open", auth: []string{"Basic dXNlcjpwYXNz"}, code: codes.OK, reached: true},
		{name: "authenticated method, valid token", method: "Open", auth: []string{"Bearer " + good}, code: codes.OK, subject: "someone", reached: true},
		{name: "authenticated method, expired token", method: "Open", auth: []string{"Bearer " + expired}, code: codes.Unauthenticated,
			message: "token expired", challenge: `Bearer realm="api", error="invalid_token", error_description="token expired"`},
		{name: "authenticated method, empty token", method: "Open", auth: []string{"Bearer "}, code: codes.InvalidArgument,
			message: "empty token", challenge: `Bearer realm="api", error="invalid_request", error_description="empty token"`},
		{name: "scope-guarded method, no token", method: "Read", code: codes.Unauthenticated, message: "missing bearer token", challenge: `Bearer realm="api"`},
		{name: "scope-guarded method, valid token", method: "Read", auth: []string{"Bearer " + good}, code: codes.OK, subject: "someone", reached: true},
	}
	for _, tc := range cases {
		for _, method := range []string{unaryMethod(tc.method), streamMethod(tc.method)} {
			t.Run(tc.name+" "+method, func(t *testing.T) {
				got := h.call(t, method, tc.auth...)
				checkOutcome(t, fmt.Sprintf("%s (optional) with authorization %q", method, tc.auth), got, tc, f.v, []string{good, expired})
			})
		}
	}
}

// A configured scheme word replaces Bearer, in what calls carry and in the
// challenge.
func TestSchemeWord(t *testing.T) {
	f := newFixture(t)
	h := startHarness(t, interceptors(t, f.v, grpcmw.Options{
		Options: bearer.Options{Realm: "api", Schemes: []string{"JWT"}},
		Methods: probeRules(),
	}))
	tok := f.mint(t, verifiertest.Token{Subject: "camera", Scope: "read"})
	cases := []callCase{
		{name: "JWT scheme", method: "Read", auth: []string{"JWT " + tok}, code: codes.OK, subject: "camera", reached: true},
		{name: "Bearer scheme not accepted", method: "Read", auth: []string{"Bearer " + tok}, code: codes.Unauthenticated,
			message: "missing bearer token", challenge: `JWT realm="api"`},
		{name: "JWT scheme, scope missing", method: "Write", auth: []string{"JWT " + tok}, code: codes.PermissionDenied,
			message: "insufficient scope", challenge: `JWT realm="api", error="insufficient_scope", scope="read write"`},
	}
	for _, tc := range cases {
		for _, method := range []string{unaryMethod(tc.method), streamMethod(tc.method)} {
			t.Run(tc.name+" "+method, func(t *testing.T) {
				got := h.call(t, method, tc.auth...)
				checkOutcome(t, fmt.Sprintf("%s (scheme JWT) with authorization %q", method, tc.auth), got, tc, f.v, []string{tok})
			})
		}
	}
}

// Unavailable answers carry the configured retry-after.
func TestRetryAfterConfigured(t *testing.T) {
	f := newFixture(t)
	h := startHarness(t, interceptors(t, f.down, grpcmw.Options{
		Options: bearer.Options{RetryAfter: 7 * time.Second},
		Default: grpcmw.Authenticated(),
	}))
	tok := f.mint(t, verifiertest.Token{})
	for _, method := range []string{unaryMethod("Read"), streamMethod("Read")} {
		got := h.call(t, method, "Bearer "+tok)
		assert.Equal(t, codes.Unavailable, got.Code, "%s while keys are unavailable: code", method)
		assert.Equal(t, []string{"7"}, got.Trailer.Get(grpcmw.MetadataRetryAfter), "%s: retry-after in the trailer", method)
		assert.Equal(t, []string{"7"}, got.Header.Get(grpcmw.MetadataRetryAfter), "%s: retry-after in the header", method)
	}
}

// The rule of a method: Methods, then MethodRule, then Default.
func TestRuleLookupOrder(t *testing.T) {
	f := newFixture(t)
	var (
		mu    sync.Mutex
		asked []string // methods MethodRule was asked about, by the server's goroutines
	)
	h := startHarness(t, interceptors(t, f.v, grpcmw.Options{
		Options: bearer.Options{Realm: "api"},
		Methods: map[string]grpcmw.Rule{
			unaryMethod("Read"):   grpcmw.Require(scopes.AllOf("read")),
			unaryMethod("Public"): grpcmw.Public(),
			unaryMethod("Write"):  grpcmw.Deny(), // MethodRule would allow it
		},
		MethodRule: func(fullMethod string) (grpcmw.Rule, bool) {
			mu.Lock()
			asked = append(asked, fullMethod)
			mu.Unlock()
			switch fullMethod {
			case unaryMethod("Write"), unaryMethod("Any"):
				return grpcmw.Public(), true
			case unaryMethod("Read"):
				return grpcmw.Deny(), true
			}
			return grpcmw.Rule{}, false
		},
		Default: grpcmw.Require(scopes.AllOf("admin")),
	}))
	reader := "Bearer " + f.mint(t, verifiertest.Token{Subject: "reader", Scope: "read"})
	admin := "Bearer " + f.mint(t, verifiertest.Token{Subject: "admin", Scope: "admin"})
	cases := []struct {
		method, auth string
		code         codes.Code
		asked        bool // MethodRule consulted
	}{
		{"Read", reader, codes.OK, false},               // Methods wins over MethodRule's Deny
		{"Write", "", codes.PermissionDenied, false},    // Methods' Deny wins over MethodRule's Public
		{"Any", "", codes.OK, true},                     // MethodRule's Public
		{"Open", reader, codes.PermissionDenied, true},  // Default: admin needed
		{"Open", admin, codes.OK, true},                 // Default met
		{"Unlisted", "", codes.Unauthenticated, true},   // Default needs a token
		{"Public", "Bearer not.a.jwt", codes.OK, false}, // Methods' Public
		{"Unlisted", "Bearer not.a.jwt", codes.Unauthenticated, true},
	}
	for _, tc := range cases {
		mu.Lock()
		asked = nil
		mu.Unlock()
		var auth []string
		if tc.auth != "" {
			auth = []string{tc.auth}
		}
		got := h.call(t, unaryMethod(tc.method), auth...)
		assert.Equal(t, tc.code, got.Code, "%s with %.12q: code (message %q)", tc.method, tc.auth, got.Message)
		mu.Lock()
		assert.Equal(t, tc.asked, len(asked) == 1 && asked[0] == unaryMethod(tc.method), "%s: MethodRule consulted (asked %q)", tc.method, asked)
		mu.Unlock()
	}
}
