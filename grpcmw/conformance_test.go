package grpcmw_test

// The conformance table of package bearertest, mapped onto gRPC: every case
// that gRPC can express runs through a real server on loopback, as a unary
// and as a streaming call, and must end with the code that matches the
// case's HTTP status and carry the same challenge in "www-authenticate"
// metadata, with the same handler, claims and verifier runs.

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/jwtgate/jwtgate/bearer/bearertest"
	"github.com/jwtgate/jwtgate/grpcmw"
)

// confMethods maps the table's paths onto methods of the probe service.
// The skipper of the skipping cases matches the one of /healthz.
var confMethods = map[string]string{"/r": "Read", "/healthz": "Open"}

// confCodes maps the table's HTTP statuses onto gRPC codes.
var confCodes = map[int]codes.Code{
	http.StatusOK:                 codes.OK,
	http.StatusBadRequest:         codes.InvalidArgument,
	http.StatusUnauthorized:       codes.Unauthenticated,
	http.StatusForbidden:          codes.PermissionDenied,
	http.StatusServiceUnavailable: codes.Unavailable,
}

// confExpressible reports whether gRPC can express c, and if not why: gRPC
// has no cookies, query strings, CORS preflight or other HTTP methods, and
// the table's custom error handler writes an HTTP answer.
func confExpressible(c bearertest.Case) (bool, string) {
	r := c.Request
	switch {
	case r.Method != http.MethodGet:
		return false, "an " + r.Method + " request"
	case len(r.Cookies) > 0 || r.Query != "" || len(r.Header) > 0:
		return false, "cookies, a query or other HTTP headers"
	}
	for _, l := range c.Layers {
		if l.CustomErrors {
			return false, "an HTTP error handler"
		}
		if l.Options.Cookie != "" || l.Options.Query != "" {
			return false, "an HTTP token source"
		}
	}
	return true, ""
}

// confChallenges are the challenges gRPC sends where HTTP sends want: the
// same, but for the description of repeated credentials, which names
// metadata values instead of headers.
func confChallenges(want []string) []string {
	var out []string
	for _, c := range want {
		out = append(out, strings.Replace(c, `"more than one Authorization header"`, `"more than one authorization metadata value"`, 1))
	}
	return out
}

// confInterceptors returns the interceptors of c's layers, in order: an
// Authenticate layer gives Authenticated() to every method, a guard
// Require(its requirement); a layer that is the same middleware again gets
// interceptors of its own with the same verifier, which reuse the claims
// as the middleware would.
func confInterceptors(t *testing.T, c bearertest.Case) []*grpcmw.Interceptors {
	t.Helper()
	var out []*grpcmw.Interceptors
	for i, l := range c.Layers {
		opts := grpcmw.Options{Options: l.Options, Default: grpcmw.Authenticated()}
		if l.Guard {
			opts.Default = grpcmw.Require(l.Requirement)
		}
		if l.Skip {
			skipped := map[string]bool{unaryMethod(confMethods["/healthz"]): true, streamMethod(confMethods["/healthz"]): true}
			opts.Skip = func(_ context.Context, method string) bool { return skipped[method] }
		}
		ints, err := grpcmw.New(l.Verifier, opts)
		require.NoError(t, err, "grpcmw.New for layer %d of %q", i, c.Name)
		out = append(out, ints)
	}
	return out
}

func TestConformance(t *testing.T) {
	tb := bearertest.NewTable(t)
	ran, skipped := 0, map[string]int{}
	for _, c := range tb.Cases() {
		ok, why := confExpressible(c)
		if !ok {
			skipped[why]++
			continue
		}
		ran++
		t.Run(c.Name, func(t *testing.T) {
			ints := confInterceptors(t, c)
			h := startHarnessWith(t, serverSetup{unary: unaries(ints...), stream: streams(ints...), bufconn: ran%2 == 0})
			want := c.Want
			wantCode, known := confCodes[want.Status]
			require.True(t, known, "case %q wants HTTP status %d, which has no gRPC code here", c.Name, want.Status)
			for _, method := range []string{unaryMethod(confMethods[c.Request.Path]), streamMethod(confMethods[c.Request.Path])} {
				call := method + " with authorization " + strings.Repeat("<value> ", len(c.Request.Authorization))
				// A DPoP proof signs the call's POST to its method at
				// its authority.
				u := &url.URL{Scheme: "http", Host: h.authority, Path: method}
				send := func() outcome {
					var md metadata.MD
					if proofs := tb.Proofs(t, c, http.MethodPost, u); proofs != nil {
						md = metadata.MD{"dpop": proofs}
					}
					return h.callWith(t, method, md, c.Request.Authorization...)
				}
				if c.Request.Replay {
					send()
				}
				before := tb.Verifies()
				got := send()
				verifies := tb.VerifiesSince(before)

				assert.Equal(t, wantCode, got.Code, "%s (case %q): code, for HTTP status %d (message %q)", call, c.Name, want.Status, got.Message)
				assert.Equal(t, confChallenges(want.Challenges), got.Trailer.Get(grpcmw.MetadataChallenge),
					"%s (case %q): www-authenticate trailer, for WWW-Authenticate", call, c.Name)
				assert.Equal(t, want.RetryAfter, strings.Join(got.Trailer.Get(grpcmw.MetadataRetryAfter), "|"),
					"%s (case %q): retry-after trailer, for Retry-After", call, c.Name)
				assert.Equal(t, want.Nonce, strings.Join(got.Trailer.Get(grpcmw.MetadataNonce), "|"),
					"%s (case %q): dpop-nonce trailer, for DPoP-Nonce", call, c.Name)
				assert.Equal(t, want.Ran, got.Reached, "%s (case %q): whether the handler ran", call, c.Name)
				subject := ""
				if got.Claims != nil {
					subject = got.Claims.Subject()
				}
				assert.Equal(t, want.Subject, subject, "%s (case %q): subject of the claims the handler saw", call, c.Name)
				assert.Equal(t, c.By, tb.Producer(got.Claims), "%s (case %q): the verifier of the claims the handler saw", call, c.Name)
				if c.Verifies != nil {
					assert.Equal(t, c.Verifies, verifies, "%s (case %q): Verify calls of each verifier", call, c.Name)
				}
				for _, a := range c.Request.Authorization {
					if _, tok, ok := strings.Cut(a, " "); ok && len(tok) > 20 {
						assert.NotContains(t, got.Message, tok, "%s (case %q): status message echoes the token", call, c.Name)
					}
				}
			}
		})
	}
	t.Logf("conformance cases run over gRPC: %d; not expressible in gRPC: %v", ran, skipped)
	assert.GreaterOrEqual(t, ran, 80, "conformance cases gRPC can express (the table has %d)", len(tb.Cases()))
}
