package verifier_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// The fixed world of FuzzVerify. The seed tokens in
// testdata/fuzz/FuzzVerify were signed with the private halves of
// fzPublicJWKS (which exist nowhere else) and with fzSecret, for these
// claims at fzNow.
var (
	fzNow     = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	fzSecret  = []byte("fuzz-only HMAC secret, never used outside tests: 0123456789abcde")
	fzIssuer  = "https://issuer.fuzz.test"
	fzAud     = "https://api.fuzz.test"
	fzReasons = []error{
		verifier.ErrMalformed, verifier.ErrAlgorithm, verifier.ErrUnsupportedHeader,
		verifier.ErrUnknownKey, verifier.ErrSignature, verifier.ErrMissingClaim,
		verifier.ErrExpired, verifier.ErrNotYetValid, verifier.ErrIssuer,
		verifier.ErrAudience, verifier.ErrTokenType,
	}
)

// fzPublicJWKS holds an RSA-2048 key (no "alg": RS* and PS*), a P-256 key
// and an Ed25519 key.
const fzPublicJWKS = `{"keys":[
{"kty":"RSA","kid":"fz-rsa","use":"sig","e":"AQAB","n":"vH6olVNxTmUZYEWPnXH-KdR2AfgN-2p2WLYAhueldgJ797kYrJdGy3IK45f1yfeOiZZoTigfmklLVoVqyz7olvx2qPjxFRSazxQkJwREYHMIYmQSd25NnP13LfG6TAyF208rw8tNmhyt8dLXSzLJGwJUovLDFB7RLFOvvcl4vCtYcwllM5iHEMAZ8lY7ID5EdBMsUvD_6EEiVxm_QER0x6ZMe9MRoiex-KP2Qwcwy-NH04kcex2vuyyc5QAcQZOd42NxfW1WXld7UA-8SSeRP1gp6qr83je3c1T0-92GGBgU2tOF7Ao5TIzvBUWuobqRvSD7wmcEKHuN04LOBBxifQ"},
{"kty":"EC","kid":"fz-ec","use":"sig","alg":"ES256","crv":"P-256","x":"OlTTW54wbnI6MmbwjG0qCIPRfH51lWEI6UDKheiVBac","y":"PpMYf6nk24HUhrC0wxb1JbeQIAZmhroiiEy9chzK92k"},
{"kty":"OKP","kid":"fz-ed","use":"sig","alg":"EdDSA","crv":"Ed25519","x":"YxonpgPI9wL8dE6lCknBxaDm0bcVliqrTD3_mYqCZzg"}
]}`

// fzVerifier is one verifier of FuzzVerify with the keys it holds.
type fzVerifier struct {
	name string
	v    *verifier.Verifier
	keys *jwks.Static
}

func fzNewVerifier(t testing.TB, name string, keys *jwks.Static) fzVerifier {
	t.Helper()
	v, err := verifier.New(verifier.Config{
		Issuers:   []string{fzIssuer},
		Audiences: []string{fzAud},
		Keys:      keys,
		Leeway:    verifier.DefaultLeeway,
		Now:       func() time.Time { return fzNow },
	})
	require.NoError(t, err, "verifier.New for the %s keys", name)
	return fzVerifier{name: name, v: v, keys: keys}
}

// fzClaims are the claims of the valid seed tokens.
func fzClaims() map[string]any {
	return map[string]any{
		"iss": fzIssuer, "aud": fzAud, "sub": "client-1", "client_id": "client-1", "jti": "id-1",
		"iat": fzNow.Add(-time.Minute).Unix(), "exp": fzNow.Add(time.Hour).Unix(), "scope": "read write",
	}
}

// FuzzVerify feeds arbitrary strings to Verify of two verifiers with fixed
// static keys, issuer, audience and clock: one holding public keys (RSA,
// P-256, Ed25519), one holding an HMAC secret. Every rejection must be an
// *Error matching ErrInvalidToken and exactly one reason, never
// ErrKeysUnavailable, and its message must not repeat the token or one of
// its parts. Every accepted token must have three parts, a trusted issuer,
// an accepted audience, an "exp" not passed, no "nbf" in the future, an
// algorithm that a key of the verifier (the one its "kid" names, if any)
// supports; it must be rejected by the other verifier and verify again to
// the same claims. Seeds are in testdata/fuzz/FuzzVerify; run with
//
//	go test ./verifier/ -run '^$' -fuzz '^FuzzVerify$' -fuzztime 60s
func FuzzVerify(f *testing.F) {
	public, err := jwks.NewStaticJWKS([]byte(fzPublicJWKS))
	require.NoError(f, err, "jwks.NewStaticJWKS(fzPublicJWKS)")
	require.Len(f, public.All(), 3, "jwks.NewStaticJWKS(fzPublicJWKS)")
	secret, err := jwks.NewSecret("fz-hs", fzSecret)
	require.NoError(f, err, "jwks.NewSecret(fzSecret)")
	secrets, err := jwks.NewStatic(secret)
	require.NoError(f, err, "jwks.NewStatic(secret)")
	verifiers := []fzVerifier{fzNewVerifier(f, "public", public), fzNewVerifier(f, "HMAC", secrets)}

	for _, seed := range []struct {
		alg    string
		header map[string]any
	}{
		{"HS256", map[string]any{"kid": "fz-hs"}},
		{"HS384", map[string]any{"typ": "at+jwt"}},
		{"HS512", nil},
	} {
		token, err := verifiertest.Sign(seed.alg, fzSecret, seed.header, fzClaims())
		require.NoError(f, err, "verifiertest.Sign(%s)", seed.alg)
		_, err = verifiers[1].v.Verify(context.Background(), token)
		require.NoError(f, err, "Verify(%s seed %q)", seed.alg, token)
		f.Add(token)
	}
	for _, s := range []string{"", ".", "..", "a.b.c", "e30.e30.e30", strings.Repeat("A", verifier.DefaultMaxTokenSize+1)} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, token string) {
		accepted := 0
		for _, fv := range verifiers {
			c, err := fv.v.Verify(context.Background(), token)
			if err != nil {
				fzCheckRejection(t, fv.name, token, c, err)
				continue
			}
			accepted++
			fzCheckAccepted(t, fv, token, c)
		}
		if accepted > 1 {
			t.Errorf("Verify(%q) accepted the token with both the public keys and the HMAC secret; want at most one", token)
		}
	})
}

func fzCheckRejection(t *testing.T, name, token string, c *verifier.Claims, err error) {
	t.Helper()
	if c != nil {
		t.Errorf("Verify(%q) with the %s keys returned claims and the error %v; want no claims with an error", token, name, err)
	}
	var e *verifier.Error
	if !errors.As(err, &e) || !errors.Is(err, verifier.ErrInvalidToken) {
		t.Fatalf("Verify(%q) with the %s keys returned %T %v; want a *verifier.Error matching ErrInvalidToken", token, name, err, err)
	}
	if errors.Is(err, verifier.ErrKeysUnavailable) {
		t.Errorf("Verify(%q) with the %s keys returned %v, matching ErrKeysUnavailable; want a rejection (the source is static)", token, name, err)
	}
	var matched []error
	for _, r := range fzReasons {
		if errors.Is(err, r) {
			matched = append(matched, r)
		}
	}
	if len(matched) != 1 {
		t.Errorf("Verify(%q) with the %s keys returned %v, matching the reasons %v; want exactly one reason", token, name, err, matched)
	}
	// An input with a character outside the token alphabet is rejected
	// before anything is decoded, with a fixed message; the leak check
	// concerns the inputs that get further.
	if !fzTokenAlphabet(token) {
		if !errors.Is(err, verifier.ErrMalformed) {
			t.Errorf("Verify(%q) with the %s keys returned %v; want ErrMalformed for a character outside the base64url alphabet", token, name, err)
		}
		return
	}
	// Neither the token nor one of its parts (header, payload, signature)
	// may appear; 16 bytes and less could be a word of the message.
	for _, part := range append([]string{token}, strings.Split(token, ".")...) {
		if len(part) > 16 && strings.Contains(err.Error(), part) {
			t.Errorf("Verify(%q) with the %s keys returned the message %q, which contains %q of the token; want no token in messages", token, name, err.Error(), part)
		}
	}
}

func fzCheckAccepted(t *testing.T, fv fzVerifier, token string, c *verifier.Claims) {
	t.Helper()
	if c == nil {
		t.Fatalf("Verify(%q) with the %s keys returned neither claims nor an error; want one of them", token, fv.name)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		t.Errorf("Verify(%q) with the %s keys accepted a token of %d parts; want three non-empty parts", token, fv.name, len(parts))
	}
	if c.Issuer() != fzIssuer {
		t.Errorf("Verify(%q) with the %s keys accepted the issuer %q; want %q", token, fv.name, c.Issuer(), fzIssuer)
	}
	if aud := c.Audience(); !slices.Contains(aud, fzAud) {
		t.Errorf("Verify(%q) with the %s keys accepted the audience %q; want it to contain %q", token, fv.name, aud, fzAud)
	}
	if exp := c.ExpiresAt(); exp.IsZero() || !fzNow.Before(exp.Add(verifier.DefaultLeeway)) {
		t.Errorf("Verify(%q) with the %s keys accepted exp %v at %v with leeway %v; want an exp not passed", token, fv.name, exp, fzNow, verifier.DefaultLeeway)
	}
	if nbf := c.NotBefore(); !nbf.IsZero() && nbf.After(fzNow.Add(verifier.DefaultLeeway)) {
		t.Errorf("Verify(%q) with the %s keys accepted nbf %v at %v with leeway %v; want nbf not in the future", token, fv.name, nbf, fzNow, verifier.DefaultLeeway)
	}
	// The key the token names, if any, must be one of ours that supports
	// its algorithm; every key of the set carries an ID.
	alg, kid := c.Algorithm(), c.KeyID()
	supported := false
	for _, k := range fv.keys.All() {
		if (kid == "" || k.ID() == kid) && k.Supports(alg) {
			supported = true
		}
	}
	if !supported {
		t.Errorf("Verify(%q) with the %s keys accepted alg %q and kid %q; want a key of the set with that ID that supports the algorithm", token, fv.name, alg, kid)
	}
	again, err := fv.v.Verify(context.Background(), token)
	if err != nil {
		t.Fatalf("Verify(%q) with the %s keys accepted the token, then rejected it with %v; want the same answer twice", token, fv.name, err)
	}
	if !reflect.DeepEqual(c, again) {
		t.Errorf("Verify(%q) with the %s keys returned %+v, then %+v; want the same claims twice", token, fv.name, *c, *again)
	}
}

// fzTokenAlphabet reports whether s holds only base64url characters and
// dots.
func fzTokenAlphabet(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
