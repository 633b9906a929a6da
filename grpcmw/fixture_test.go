package grpcmw_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/grpcmw"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testClock() time.Time { return testNow }

// lookups counts key lookups: one for every well-formed token of a trusted
// issuer the verifier checks.
type lookups struct {
	jwks.Source
	n atomic.Int64
}

func (l *lookups) Keys(ctx context.Context, q jwks.Query) ([]*jwks.Key, error) {
	l.n.Add(1)
	return l.Source.Keys(ctx, q)
}

// fixture is an issuer on a fixed clock, a verifier trusting it (with
// counted key lookups), and a verifier of the same issuer whose JWKS
// endpoint answers 500.
type fixture struct {
	iss     *verifiertest.Issuer
	v       *verifier.Verifier
	lookups *lookups
	down    *verifier.Verifier
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: testClock})
	cfg := iss.VerifierConfig()
	l := &lookups{Source: cfg.Keys}
	cfg.Keys = l
	v, err := verifier.New(cfg)
	require.NoError(t, err, "verifier.New(iss.VerifierConfig())")

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	src, err := jwks.NewRemote(jwks.RemoteConfig{URL: srv.URL, HTTPClient: srv.Client(), Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err, "jwks.NewRemote(URL: %s)", srv.URL)
	t.Cleanup(func() { _ = src.Close() })
	down, err := verifier.New(verifier.Config{
		Issuers: []string{iss.URL}, Audiences: []string{iss.Audience()}, Keys: src, Now: testClock,
	})
	require.NoError(t, err, "verifier.New over a JWKS endpoint answering 500")
	return &fixture{iss: iss, v: v, lookups: l, down: down}
}

func (f *fixture) mint(t *testing.T, tok verifiertest.Token) string {
	t.Helper()
	return f.iss.MustMint(t, tok)
}

// badSignature returns a token of the issuer whose signature is that of
// another of its tokens.
func (f *fixture) badSignature(t *testing.T) string {
	t.Helper()
	a := f.mint(t, verifiertest.Token{Subject: "a", Scope: "read"})
	b := f.mint(t, verifiertest.Token{Subject: "b", Scope: "read"})
	return a[:strings.LastIndexByte(a, '.')] + b[strings.LastIndexByte(b, '.'):]
}

// interceptors returns grpcmw.New(v, opts), failing t on error.
func interceptors(t *testing.T, v *verifier.Verifier, opts grpcmw.Options) *grpcmw.Interceptors {
	t.Helper()
	ints, err := grpcmw.New(v, opts)
	require.NoError(t, err, "grpcmw.New(v, %+v)", opts)
	return ints
}

// probeRules gives the probe service's methods, unary and streaming, these
// rules; "Unlisted" has none:
//
//	Read    Require(AllOf("read"))
//	Write   Require(AllOf("read", "write"))
//	Any     Require(AnyOf("admin", "audit"))
//	Open    Authenticated()
//	Public  Public()
func probeRules() map[string]grpcmw.Rule {
	rules := map[string]grpcmw.Rule{
		"Read":   grpcmw.Require(scopes.AllOf("read")),
		"Write":  grpcmw.Require(scopes.AllOf("read", "write")),
		"Any":    grpcmw.Require(scopes.AnyOf("admin", "audit")),
		"Open":   grpcmw.Authenticated(),
		"Public": grpcmw.Public(),
	}
	methods := map[string]grpcmw.Rule{}
	for name, r := range rules {
		methods[unaryMethod(name)] = r
		methods[streamMethod(name)] = r
	}
	return methods
}

// skipHealth is an Options.Skip that skips health checks and reflection.
func skipHealth(_ context.Context, fullMethod string) bool {
	return grpcmw.HealthOrReflection(fullMethod)
}
