package verifier_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// ocCase is one call of Verify and the outcome it should have.
type ocCase struct {
	name   string
	token  string
	keys   jwks.Source // nil means the issuer's remote key set
	reason error       // the sentinel the error matches; nil for success
	label  string
	strict bool // verify with Config.StrictRFC9068
}

// ocCases returns a token for every outcome of Verify, minted by a
// verifiertest issuer, and the verifier config that trusts it.
func ocCases(t *testing.T) (verifier.Config, []ocCase) {
	t.Helper()
	clock := vtNewClock()
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: clock.Now})
	cfg := iss.VerifierConfig()
	mint := func(tok verifiertest.Token) string { return iss.MustMint(t, tok) }

	// A JWKS endpoint that always fails, for "keys_unavailable".
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	t.Cleanup(down.Close)
	unavailable := vtRemote(t, jwks.RemoteConfig{URL: down.URL + "/jwks.json", Now: clock.Now})

	valid := mint(verifiertest.Token{})
	return cfg, []ocCase{
		{"valid", valid, nil, nil, "ok", false},
		{"expired", mint(verifiertest.Token{ExpiresIn: -time.Hour}), nil, verifier.ErrExpired, "expired", false},
		{"malformed", "not-a-jwt", nil, verifier.ErrMalformed, "malformed", false},
		{"bad signature", vtFlipSig(t, valid), nil, verifier.ErrSignature, "signature", false},
		{"untrusted issuer", mint(verifiertest.Token{Claims: map[string]any{"iss": "https://evil.example.test"}}), nil, verifier.ErrIssuer, "issuer", false},
		{"wrong audience", mint(verifiertest.Token{Audience: []string{"https://other.example.test"}}), nil, verifier.ErrAudience, "audience", false},
		{"unknown kid", mint(verifiertest.Token{Header: map[string]any{"kid": "no-such-key"}}), nil, verifier.ErrUnknownKey, "unknown_key", false},
		{"alg none", mint(verifiertest.Token{Header: map[string]any{"alg": "none"}}), nil, verifier.ErrAlgorithm, "algorithm", false},
		{"no exp", mint(verifiertest.Token{Claims: map[string]any{"exp": nil}}), nil, verifier.ErrMissingClaim, "missing_claim", false},
		{"nbf in the future", mint(verifiertest.Token{Claims: map[string]any{"nbf": clock.Now().Add(time.Hour).Unix()}}), nil, verifier.ErrNotYetValid, "not_yet_valid", false},
		{"crit header", mint(verifiertest.Token{Header: map[string]any{"crit": []string{"exp"}}}), nil, verifier.ErrUnsupportedHeader, "unsupported_header", false},
		{"keys unavailable", valid, unavailable, verifier.ErrKeysUnavailable, "keys_unavailable", false},
		{"not an access token", mint(verifiertest.Token{Header: map[string]any{"typ": "JWT"}}), nil, verifier.ErrTokenType, "token_type", true},
	}
}

// TestOutcomeOfVerify checks the label of every outcome of a real Verify
// call, and that OnVerify sees each call once, with the error Verify
// returned.
func TestOutcomeOfVerify(t *testing.T) {
	cfg, cases := ocCases(t)
	covered := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var seen []error
			c := cfg
			if tc.keys != nil {
				c.Keys = tc.keys
			}
			c.StrictRFC9068 = tc.strict
			c.OnVerify = func(err error) {
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, err)
			}
			v := vtNew(t, c)

			claims, err := v.Verify(context.Background(), tc.token)
			if tc.reason == nil {
				require.NoError(t, err, "Verify(%s token)", tc.name)
				assert.NotNil(t, claims, "Verify(%s token) claims", tc.name)
			} else {
				require.ErrorIs(t, err, tc.reason, "Verify(%s token)", tc.name)
			}
			assert.Equal(t, tc.label, verifier.Outcome(err), "verifier.Outcome(Verify(%s token) = %v)", tc.name, err)
			covered[tc.label] = true

			mu.Lock()
			defer mu.Unlock()
			require.Len(t, seen, 1, "OnVerify calls for one Verify(%s token); got %v", tc.name, seen)
			assert.True(t, seen[0] == err, "OnVerify got %v (%T); want the very error Verify returned, %v (%T)", seen[0], seen[0], err, err)
		})
	}
	for _, r := range vtReasons {
		label := verifier.Outcome(&verifier.Error{Reason: r})
		assert.True(t, covered[label], "reason %v (label %q) has no Verify case here", r, label)
	}
}

// TestOutcomeLabels checks Outcome on errors built by hand: the stable
// labels of every reason, wrapping, and errors that are no rejection.
func TestOutcomeLabels(t *testing.T) {
	wantLabels := map[error]string{
		verifier.ErrMalformed:         "malformed",
		verifier.ErrAlgorithm:         "algorithm",
		verifier.ErrUnsupportedHeader: "unsupported_header",
		verifier.ErrUnknownKey:        "unknown_key",
		verifier.ErrSignature:         "signature",
		verifier.ErrMissingClaim:      "missing_claim",
		verifier.ErrExpired:           "expired",
		verifier.ErrNotYetValid:       "not_yet_valid",
		verifier.ErrIssuer:            "issuer",
		verifier.ErrAudience:          "audience",
		verifier.ErrTokenType:         "token_type",
	}
	require.Len(t, wantLabels, len(vtReasons), "every reason sentinel needs a label here")
	labels := map[string]bool{}
	for _, r := range vtReasons {
		want, ok := wantLabels[r]
		require.True(t, ok, "reason %v has no expected label", r)
		labels[want] = true
		t.Run(want, func(t *testing.T) {
			e := &verifier.Error{Reason: r, Err: errors.New("cause")}
			assert.Equal(t, want, verifier.Outcome(e), "verifier.Outcome(&Error{Reason: %v})", r)
			assert.Equal(t, want, verifier.Outcome(fmt.Errorf("middleware: %w", e)), "verifier.Outcome(wrapped &Error{Reason: %v})", r)
		})
	}
	assert.Len(t, labels, len(vtReasons), "labels must be distinct: %v", labels)

	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, "ok"},
		{"ErrKeysUnavailable", verifier.ErrKeysUnavailable, "keys_unavailable"},
		{"wrapped ErrKeysUnavailable", fmt.Errorf("%w: %w", verifier.ErrKeysUnavailable, jwks.ErrUnavailable), "keys_unavailable"},
		{"plain error", errors.New("boom"), "error"},
		{"context canceled", context.Canceled, "error"},
		{"ErrInvalidToken alone", verifier.ErrInvalidToken, "error"},
		{"Error with a foreign reason", &verifier.Error{Reason: errors.New("custom")}, "error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, verifier.Outcome(tc.err), "verifier.Outcome(%v)", tc.err)
		})
	}
}

// TestOnVerifyConcurrent calls Verify from 50 goroutines with a counting
// hook; run with -race.
func TestOnVerifyConcurrent(t *testing.T) {
	cfg, cases := ocCases(t)
	var total atomic.Int64
	var mu sync.Mutex
	counts := map[string]int{}
	cfg.OnVerify = func(err error) {
		total.Add(1)
		mu.Lock()
		defer mu.Unlock()
		counts[verifier.Outcome(err)]++
	}
	v := vtNew(t, cfg)
	// Fetch the issuer's keys before the concurrent calls.
	_, err := v.Verify(context.Background(), cases[0].token)
	require.NoError(t, err, "Verify(valid token) before the concurrent calls")
	total.Store(0)
	mu.Lock()
	clear(counts)
	mu.Unlock()

	var tokens []ocCase
	for _, tc := range cases {
		if tc.keys == nil && !tc.strict { // one verifier, one configuration
			tokens = append(tokens, tc)
		}
	}
	const calls = 50
	want := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range calls {
		tc := tokens[i%len(tokens)]
		want[tc.label]++
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := v.Verify(context.Background(), tc.token)
			if got := verifier.Outcome(err); got != tc.label {
				t.Errorf("Verify(%s token) from goroutine %d: outcome %q (%v), want %q", tc.name, i, got, err, tc.label)
			}
		}()
	}
	close(start)
	wg.Wait()

	assert.Equal(t, int64(calls), total.Load(), "OnVerify calls for %d concurrent Verify calls", calls)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, want, counts, "OnVerify outcomes counted by label for %d concurrent Verify calls", calls)
}
