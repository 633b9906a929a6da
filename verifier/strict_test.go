package verifier_test

// The opt-in strict RFC 9068 profile (Config.StrictRFC9068) and the maximum
// token age (Config.MaxTokenAge).

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// stNow is the fake clock of every verifier here.
var stNow = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func stClock() time.Time { return stNow }

const (
	stIssuer   = "https://strict.example.test"
	stAudience = verifiertest.DefaultAudience
	stKid      = "st-key"
)

// stReasons lists every reason sentinel; a rejection matches exactly one.
var stReasons = []error{
	verifier.ErrMalformed, verifier.ErrAlgorithm, verifier.ErrUnsupportedHeader,
	verifier.ErrUnknownKey, verifier.ErrSignature, verifier.ErrMissingClaim,
	verifier.ErrExpired, verifier.ErrNotYetValid, verifier.ErrIssuer, verifier.ErrAudience,
	verifier.ErrTokenType,
}

// stSigner signs ES256 tokens and serves its public key statically.
type stSigner struct {
	key *ecdsa.PrivateKey
	src *jwks.Static
}

func stNewSigner(t *testing.T) *stSigner {
	t.Helper()
	priv, err := verifiertest.GenerateKey("ES256")
	require.NoError(t, err, "verifiertest.GenerateKey(ES256)")
	k, err := jwks.NewPublicKey(stKid, &priv.(*ecdsa.PrivateKey).PublicKey)
	require.NoError(t, err, "jwks.NewPublicKey(%q)", stKid)
	src, err := jwks.NewStatic(k)
	require.NoError(t, err, "jwks.NewStatic")
	return &stSigner{key: priv.(*ecdsa.PrivateKey), src: src}
}

// verifier returns a verifier for the signer's tokens, with leeway 30 s;
// change, if not nil, adjusts the config first.
func (s *stSigner) verifier(t *testing.T, change func(*verifier.Config)) *verifier.Verifier {
	t.Helper()
	cfg := verifier.Config{
		Issuers:   []string{stIssuer},
		Audiences: []string{stAudience},
		Keys:      s.src,
		Leeway:    verifier.DefaultLeeway,
		Now:       stClock,
	}
	if change != nil {
		change(&cfg)
	}
	v, err := verifier.New(cfg)
	require.NoError(t, err, "verifier.New(%+v)", cfg)
	return v
}

// sign returns a token that satisfies RFC 9068 (typ at+jwt; iss, aud, sub,
// client_id, iat, exp and jti), with header and claims changed by the
// entries of header and claims: a nil value removes the entry.
func (s *stSigner) sign(t *testing.T, header, claims map[string]any) string {
	t.Helper()
	h := map[string]any{"kid": stKid, "typ": "at+jwt"}
	c := map[string]any{
		"iss":       stIssuer,
		"aud":       stAudience,
		"sub":       "alice",
		"client_id": "client-1",
		"iat":       stNow.Add(-time.Minute).Unix(),
		"exp":       stNow.Add(time.Hour).Unix(),
		"jti":       "jti-1",
	}
	stMerge(h, header)
	stMerge(c, claims)
	tok, err := verifiertest.Sign("ES256", s.key, h, c)
	require.NoError(t, err, "verifiertest.Sign(ES256, %v, %v)", h, c)
	return tok
}

// stMerge sets the entries of from in to, deleting those whose value is nil.
func stMerge(to, from map[string]any) {
	for k, v := range from {
		if v == nil {
			delete(to, k)
		} else {
			to[k] = v
		}
	}
}

// stRejected checks that err, returned by call, rejects the token with
// exactly the reason want, and returns its message.
func stRejected(t *testing.T, call string, claims *verifier.Claims, err, want error) string {
	t.Helper()
	if err == nil {
		t.Fatalf("%s accepted the token (subject %q); want reason %v", call, claims.Subject(), want)
	}
	assert.Nil(t, claims, "%s returned claims along with error %v; want nil claims", call, err)
	assert.ErrorIs(t, err, verifier.ErrInvalidToken, "%s returned %v; want it to match ErrInvalidToken", call, err)
	for _, r := range stReasons {
		if r == want {
			assert.ErrorIs(t, err, r, "%s returned %q; want reason %v", call, err, want)
		} else {
			assert.NotErrorIs(t, err, r, "%s returned %q, which matches %v; want only %v", call, err, r, want)
		}
	}
	var verr *verifier.Error
	require.ErrorAs(t, err, &verr, "%s returned %T (%v); want *verifier.Error", call, err, err)
	assert.Equal(t, want, verr.Reason, "%s: Error.Reason", call)
	return err.Error()
}

func TestStrictTokenType(t *testing.T) {
	s := stNewSigner(t)
	strict := s.verifier(t, func(c *verifier.Config) { c.StrictRFC9068 = true })
	lax := s.verifier(t, nil)
	ctx := context.Background()

	tests := []struct {
		name string
		typ  any // nil: no typ header
		want error
	}{
		{"at+jwt", "at+jwt", nil},
		{"AT+JWT", "AT+JWT", nil},
		{"At+Jwt", "At+Jwt", nil},
		{"application/at+jwt", "application/at+jwt", nil},
		{"Application/AT+JWT", "Application/AT+JWT", nil},
		{"JWT", "JWT", verifier.ErrTokenType},
		{"jwt", "jwt", verifier.ErrTokenType},
		{"empty", "", verifier.ErrTokenType},
		{"absent", nil, verifier.ErrTokenType},
		{"trailing space", "at+jwt ", verifier.ErrTokenType},
		{"leading space", " at+jwt", verifier.ErrTokenType},
		{"application/jwt", "application/jwt", verifier.ErrTokenType},
		{"at+jwtx", "at+jwtx", verifier.ErrTokenType},
		{"at+jw", "at+jw", verifier.ErrTokenType},
		{"application/ alone", "application/", verifier.ErrTokenType},
		{"application/ twice", "application/application/at+jwt", verifier.ErrTokenType},
		{"another media type prefix", "text/at+jwt", verifier.ErrTokenType},
		{"at+jwt with a parameter", "at+jwt; charset=utf-8", verifier.ErrTokenType},
		{"dpop+jwt", "dpop+jwt", verifier.ErrTokenType},
		{"JOSE", "JOSE", verifier.ErrTokenType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := s.sign(t, map[string]any{"typ": tc.typ}, nil)
			call := fmt.Sprintf("Verify(typ %q) with StrictRFC9068", tc.typ)
			claims, err := strict.Verify(ctx, tok)
			if tc.want == nil {
				require.NoError(t, err, "%s returned an error; want claims", call)
				assert.Equal(t, tc.typ, claims.Type(), "%s: Claims.Type()", call)
			} else {
				msg := stRejected(t, call, claims, err, tc.want)
				assert.Contains(t, msg, `"typ"`, "%s: message %q; want it to name the header", call, msg)
				assert.Contains(t, msg, "at+jwt", "%s: message %q; want it to say what is expected", call, msg)
				assert.Equal(t, "token_type", verifier.Outcome(err), "verifier.Outcome(error of %s)", call)
				var verr *verifier.Error
				if assert.ErrorAs(t, err, &verr, "%s: *verifier.Error", call) {
					assert.Equal(t, "not an access token", verr.Description(), "%s: Error.Description()", call)
				}
			}
			// The profile is opt-in: without it any typ is accepted.
			claims, err = lax.Verify(ctx, tok)
			require.NoError(t, err, "Verify(typ %q) without StrictRFC9068 returned an error; want claims", tc.typ)
			assert.Equal(t, "alice", claims.Subject(), "Verify(typ %q) without StrictRFC9068: Claims.Subject()", tc.typ)
		})
	}

	t.Run("typ not a string", func(t *testing.T) {
		tok := s.sign(t, map[string]any{"typ": 1}, nil)
		for name, v := range map[string]*verifier.Verifier{"strict": strict, "lax": lax} {
			claims, err := v.Verify(ctx, tok)
			stRejected(t, fmt.Sprintf("Verify(typ 1), %s", name), claims, err, verifier.ErrMalformed)
		}
	})

	t.Run("long typ is shortened in the message", func(t *testing.T) {
		long := "x-" + strings.Repeat("very-long-type/", 20)
		claims, err := strict.Verify(ctx, s.sign(t, map[string]any{"typ": long}, nil))
		msg := stRejected(t, "Verify(typ of 302 bytes) with StrictRFC9068", claims, err, verifier.ErrTokenType)
		assert.NotContains(t, msg, long, "message %q; want the attacker-chosen typ shortened", msg)
		assert.Less(t, len(msg), 120, "message %q; want it short", msg)
	})
}

func TestStrictRequiredClaims(t *testing.T) {
	s := stNewSigner(t)
	strict := s.verifier(t, func(c *verifier.Config) { c.StrictRFC9068 = true })
	lax := s.verifier(t, nil)
	ctx := context.Background()

	t.Run("all present", func(t *testing.T) {
		claims, err := strict.Verify(ctx, s.sign(t, nil, nil))
		require.NoError(t, err, "Verify(token with every RFC 9068 claim) with StrictRFC9068 returned an error; want claims")
		assert.Equal(t, "alice", claims.Subject(), "Claims.Subject()")
		assert.Equal(t, "client-1", claims.ClientID(), "Claims.ClientID()")
		assert.Equal(t, "jti-1", claims.ID(), "Claims.ID()")
		assert.True(t, stNow.Add(-time.Minute).Equal(claims.IssuedAt()), "Claims.IssuedAt() = %v; want %v", claims.IssuedAt(), stNow.Add(-time.Minute))
		assert.Equal(t, "at+jwt", claims.Type(), "Claims.Type()")
	})

	tests := []struct {
		name   string
		claims map[string]any
		claim  string // the claim the message must name
	}{
		{"sub missing", map[string]any{"sub": nil}, "sub"},
		{"client_id missing", map[string]any{"client_id": nil}, "client_id"},
		{"iat missing", map[string]any{"iat": nil}, "iat"},
		{"jti missing", map[string]any{"jti": nil}, "jti"},
		{"sub empty", map[string]any{"sub": ""}, "sub"},
		{"client_id empty", map[string]any{"client_id": ""}, "client_id"},
		{"jti empty", map[string]any{"jti": ""}, "jti"},
		// OpenID Connect's azp does not stand in for RFC 9068's client_id.
		{"azp instead of client_id", map[string]any{"client_id": nil, "azp": "client-1"}, "client_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := s.sign(t, nil, tc.claims)
			call := fmt.Sprintf("Verify(%s) with StrictRFC9068", tc.name)
			claims, err := strict.Verify(ctx, tok)
			msg := stRejected(t, call, claims, err, verifier.ErrMissingClaim)
			assert.Contains(t, msg, `"`+tc.claim+`"`, "%s: message %q; want it to name the claim", call, msg)
			assert.Equal(t, "missing_claim", verifier.Outcome(err), "verifier.Outcome(error of %s)", call)

			claims, err = lax.Verify(ctx, tok)
			require.NoError(t, err, "Verify(%s) without StrictRFC9068 returned an error; want claims", tc.name)
			require.NotNil(t, claims, "Verify(%s) without StrictRFC9068 returned nil claims", tc.name)
		})
	}

	t.Run("all four missing", func(t *testing.T) {
		tok := s.sign(t, nil, map[string]any{"sub": nil, "client_id": nil, "iat": nil, "jti": nil})
		claims, err := strict.Verify(ctx, tok)
		stRejected(t, "Verify(no sub, client_id, iat, jti) with StrictRFC9068", claims, err, verifier.ErrMissingClaim)
		_, err = lax.Verify(ctx, tok)
		require.NoError(t, err, "Verify(no sub, client_id, iat, jti) without StrictRFC9068 returned an error; want claims")
	})
}

// TestStrictOrder pins which reason wins when a token fails several checks.
func TestStrictOrder(t *testing.T) {
	s := stNewSigner(t)
	strict := s.verifier(t, func(c *verifier.Config) { c.StrictRFC9068 = true })
	ctx := context.Background()
	tests := []struct {
		name           string
		header, claims map[string]any
		want           error
	}{
		// The type is checked before the claims the profile requires ...
		{"wrong typ and no jti", map[string]any{"typ": "JWT"}, map[string]any{"jti": nil}, verifier.ErrTokenType},
		// ... and before the audience, so that an ID token is named as
		// such whatever its audience.
		{"wrong typ and wrong audience", map[string]any{"typ": "JWT"}, map[string]any{"aud": "client-1"}, verifier.ErrTokenType},
		// Issuer, signature and expiry come first.
		{"wrong typ and untrusted issuer", map[string]any{"typ": "JWT"}, map[string]any{"iss": "https://evil.example.test"}, verifier.ErrIssuer},
		{"wrong typ and expired", map[string]any{"typ": "JWT"}, map[string]any{"exp": stNow.Add(-time.Hour).Unix()}, verifier.ErrExpired},
		{"no sub and wrong audience", nil, map[string]any{"sub": nil, "aud": "client-1"}, verifier.ErrMissingClaim},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			claims, err := strict.Verify(ctx, s.sign(t, tc.header, tc.claims))
			stRejected(t, fmt.Sprintf("Verify(%s) with StrictRFC9068", tc.name), claims, err, tc.want)
		})
	}
}

func TestMaxTokenAge(t *testing.T) {
	s := stNewSigner(t)
	ctx := context.Background()
	const maxAge = time.Hour
	withAge := s.verifier(t, func(c *verifier.Config) { c.MaxTokenAge = maxAge })
	withAge0 := s.verifier(t, func(c *verifier.Config) { c.MaxTokenAge = maxAge; c.Leeway = 0 })
	noLimit := s.verifier(t, nil)
	withStrict := s.verifier(t, func(c *verifier.Config) { c.MaxTokenAge = maxAge; c.StrictRFC9068 = true })
	ago := func(d time.Duration) map[string]any { return map[string]any{"iat": stNow.Add(-d).Unix()} }
	yearLater := map[string]any{"exp": stNow.Add(365 * 24 * time.Hour).Unix()}

	tests := []struct {
		name   string
		v      *verifier.Verifier
		claims map[string]any
		want   error
	}{
		{"issued 10 minutes ago", withAge, ago(10 * time.Minute), nil},
		{"issued just now", withAge, ago(0), nil},
		{"issued exactly the maximum age ago", withAge, ago(maxAge), nil},
		{"issued the maximum age plus the leeway ago", withAge, ago(maxAge + verifier.DefaultLeeway), nil},
		{"issued one second beyond the leeway", withAge, ago(maxAge + verifier.DefaultLeeway + time.Second), verifier.ErrExpired},
		{"issued two hours ago", withAge, ago(2 * time.Hour), verifier.ErrExpired},
		{"issued a year ago, exp a year ahead", withAge, map[string]any{"iat": stNow.Add(-365 * 24 * time.Hour).Unix(), "exp": yearLater["exp"]}, verifier.ErrExpired},
		{"no leeway: exactly the maximum age", withAge0, ago(maxAge), nil},
		{"no leeway: one second beyond", withAge0, ago(maxAge + time.Second), verifier.ErrExpired},
		{"fractional iat just beyond", withAge0, map[string]any{"iat": float64(stNow.Add(-maxAge).Unix()) - 0.5}, verifier.ErrExpired},
		{"iat missing", withAge, map[string]any{"iat": nil}, verifier.ErrMissingClaim},
		{"iat in the future beyond the leeway", withAge, map[string]any{"iat": stNow.Add(time.Minute).Unix()}, verifier.ErrNotYetValid},
		{"expired and too old: expiry reported", withAge, map[string]any{"iat": stNow.Add(-3 * time.Hour).Unix(), "exp": stNow.Add(-2 * time.Hour).Unix()}, verifier.ErrExpired},
		{"strict profile too: too old", withStrict, ago(2 * time.Hour), verifier.ErrExpired},
		{"zero means no limit: a year-old iat", noLimit, map[string]any{"iat": stNow.Add(-365 * 24 * time.Hour).Unix(), "exp": yearLater["exp"]}, nil},
		{"zero means no limit: iat missing", noLimit, map[string]any{"iat": nil}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			call := fmt.Sprintf("Verify(%s)", tc.name)
			claims, err := tc.v.Verify(ctx, s.sign(t, nil, tc.claims))
			if tc.want == nil {
				require.NoError(t, err, "%s returned an error; want claims", call)
				assert.Equal(t, "alice", claims.Subject(), "%s: Claims.Subject()", call)
				return
			}
			msg := stRejected(t, call, claims, err, tc.want)
			switch {
			case tc.want == verifier.ErrExpired && strings.Contains(tc.name, "expiry reported"):
				assert.NotContains(t, msg, "maximum age", "%s: message %q; want the expiry, not the age", call, msg)
			case tc.want == verifier.ErrExpired:
				assert.Contains(t, msg, "maximum age 1h0m0s", "%s: message %q; want it to give the maximum age", call, msg)
			case tc.want == verifier.ErrMissingClaim:
				assert.Contains(t, msg, `"iat"`, "%s: message %q; want it to name iat", call, msg)
				assert.Contains(t, msg, "maximum token age", "%s: message %q; want it to say why iat is needed", call, msg)
			}
		})
	}
}

func TestMaxTokenAgeConfig(t *testing.T) {
	s := stNewSigner(t)
	for _, tc := range []struct {
		age time.Duration
		ok  bool
	}{
		{-time.Nanosecond, false},
		{-time.Hour, false},
		{0, true},
		{time.Nanosecond, true},
		{24 * time.Hour, true},
	} {
		t.Run(tc.age.String(), func(t *testing.T) {
			cfg := verifier.Config{
				Issuers: []string{stIssuer}, Audiences: []string{stAudience}, Keys: s.src, MaxTokenAge: tc.age,
			}
			v, err := verifier.New(cfg)
			if tc.ok {
				require.NoError(t, err, "verifier.New(MaxTokenAge: %v) returned an error; want a verifier", tc.age)
				require.NotNil(t, v, "verifier.New(MaxTokenAge: %v) returned nil", tc.age)
				return
			}
			require.Error(t, err, "verifier.New(MaxTokenAge: %v) returned a verifier; want an error", tc.age)
			assert.Nil(t, v, "verifier.New(MaxTokenAge: %v) returned a verifier with its error", tc.age)
			assert.Contains(t, err.Error(), "MaxTokenAge", "verifier.New(MaxTokenAge: %v) error %q; want it to name the field", tc.age, err)
			assert.False(t, errors.Is(err, verifier.ErrInvalidToken), "verifier.New error %q matches ErrInvalidToken; a config error must not", err)
		})
	}
}
