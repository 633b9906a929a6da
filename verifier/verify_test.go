package verifier_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
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

// ---- helpers shared by the verifier_test files of this package ----

// vtEpoch is the start time of every fake clock: 2030-01-01T00:00:00Z.
var vtEpoch = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// vtClock is a fake clock, safe for concurrent use.
type vtClock struct {
	mu sync.Mutex
	t  time.Time
}

func vtNewClock() *vtClock { return &vtClock{t: vtEpoch} }

func (c *vtClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *vtClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var vtB64 = base64.RawURLEncoding

// vtStaticIssuer and vtAudience are the issuer and audience of tokens
// signed with a vtSigner.
const (
	vtStaticIssuer = "https://static.example.test"
	vtAudience     = verifiertest.DefaultAudience
)

// vtReasons lists every reason sentinel; a rejection matches exactly one.
var vtReasons = []error{
	verifier.ErrMalformed, verifier.ErrAlgorithm, verifier.ErrUnsupportedHeader,
	verifier.ErrUnknownKey, verifier.ErrSignature, verifier.ErrMissingClaim,
	verifier.ErrExpired, verifier.ErrNotYetValid, verifier.ErrIssuer, verifier.ErrAudience,
	verifier.ErrTokenType,
}

// vtRequireRejected checks that err is a rejection with exactly the reason
// want, and that its message leaks no part of token.
func vtRequireRejected(t *testing.T, err error, want error, token string) {
	t.Helper()
	require.Error(t, err, "Verify returned no error; want a rejection with reason %v", want)
	assert.True(t, errors.Is(err, verifier.ErrInvalidToken), "Verify error %q: errors.Is(err, ErrInvalidToken) = false, want true", err)
	assert.True(t, errors.Is(err, want), "Verify error %q: errors.Is(err, %v) = false, want true", err, want)
	for _, other := range vtReasons {
		if other != want {
			assert.False(t, errors.Is(err, other), "Verify error %q also matches reason %v; want only %v", err, other, want)
		}
	}
	var verr *verifier.Error
	if assert.True(t, errors.As(err, &verr), "Verify error %q (%T) is not a *verifier.Error", err, err) {
		assert.Equal(t, want, verr.Reason, "Verify error %q has Reason %v, want %v", err, verr.Reason, want)
	}
	assert.False(t, errors.Is(err, verifier.ErrKeysUnavailable), "Verify error %q matches ErrKeysUnavailable; a rejection must not", err)
	assert.True(t, strings.HasPrefix(err.Error(), "verifier: "), "Verify error %q lacks the \"verifier: \" prefix", err)
	vtAssertNoLeak(t, err, token)
}

// vtAssertNoLeak checks that err's message contains neither token nor any
// piece of its parts long enough to be recognisable (12 characters), nor
// the start of the decoded signature.
func vtAssertNoLeak(t *testing.T, err error, token string) {
	t.Helper()
	const window = 12
	msg := err.Error()
	if len(token) >= window {
		assert.NotContains(t, msg, token, "error message contains the token")
	}
	parts := strings.Split(token, ".")
	for i, part := range parts {
		for j := 0; j+window <= len(part); j++ {
			if strings.Contains(msg, part[j:j+window]) {
				assert.Fail(t, "error message leaks the token",
					"error %q contains %q from part %d of the token", msg, part[j:j+window], i)
				break
			}
		}
	}
	if len(parts) == 3 {
		if sig, err := vtB64.DecodeString(parts[2]); err == nil && len(sig) >= 8 {
			assert.NotContains(t, msg, string(sig[:8]), "error message contains the decoded signature")
		}
	}
}

// vtClaims returns a valid claims set for issuer at now; entries of over
// replace claims, and nil values remove them.
func vtClaims(issuer string, now time.Time, over map[string]any) map[string]any {
	c := map[string]any{
		"iss": issuer,
		"aud": vtAudience,
		"sub": "client-1",
		"iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
	}
	for k, v := range over {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// vtSigner signs tokens with a key it holds, for tokens the verifiertest
// issuer cannot mint (raw JSON, HMAC), and serves the matching public key
// or secret as a static source.
type vtSigner struct {
	alg string
	kid string
	key any
	src *jwks.Static
}

// vtNewSigner returns a signer for alg ("ES256" or an HMAC algorithm) whose
// key has ID kid.
func vtNewSigner(t *testing.T, alg, kid string) *vtSigner {
	t.Helper()
	priv, err := verifiertest.GenerateKey(alg)
	require.NoError(t, err, "verifiertest.GenerateKey(%q)", alg)
	var k *jwks.Key
	switch p := priv.(type) {
	case []byte:
		k, err = jwks.NewSecret(kid, p)
	case *ecdsa.PrivateKey:
		k, err = jwks.NewPublicKey(kid, &p.PublicKey)
	default:
		t.Fatalf("vtNewSigner: unexpected key type %T", priv)
	}
	require.NoError(t, err, "building the jwks.Key for %s", alg)
	src, err := jwks.NewStatic(k)
	require.NoError(t, err, "jwks.NewStatic")
	return &vtSigner{alg: alg, kid: kid, key: priv, src: src}
}

// config returns a verifier config trusting vtStaticIssuer and vtAudience.
func (s *vtSigner) config(clock *vtClock) verifier.Config {
	return verifier.Config{
		Issuers:   []string{vtStaticIssuer},
		Audiences: []string{vtAudience},
		Keys:      s.src,
		Leeway:    verifier.DefaultLeeway,
		Now:       clock.Now,
	}
}

// sign signs claims with a header holding alg and kid, then header's
// entries (nil removes one).
func (s *vtSigner) sign(t *testing.T, header map[string]any, claims any) string {
	t.Helper()
	h := map[string]any{"kid": s.kid}
	for k, v := range header {
		if v == nil {
			delete(h, k)
		} else {
			h[k] = v
		}
	}
	tok, err := verifiertest.Sign(s.alg, s.key, h, claims)
	require.NoError(t, err, "verifiertest.Sign(%s)", s.alg)
	return tok
}

// raw signs the exact header and payload JSON.
func (s *vtSigner) raw(t *testing.T, header, payload string) string {
	t.Helper()
	tok, err := verifiertest.SignRaw(s.alg, s.key, []byte(header), []byte(payload))
	require.NoError(t, err, "verifiertest.SignRaw(%s)", s.alg)
	return tok
}

func vtNew(t *testing.T, cfg verifier.Config) *verifier.Verifier {
	t.Helper()
	v, err := verifier.New(cfg)
	require.NoError(t, err, "verifier.New(%+v)", cfg)
	return v
}

// vtRemote returns a remote key source that logs nowhere and is closed when
// t ends.
func vtRemote(t *testing.T, cfg jwks.RemoteConfig) *jwks.Remote {
	t.Helper()
	cfg.Logger = slog.New(slog.DiscardHandler)
	r, err := jwks.NewRemote(cfg)
	require.NoError(t, err, "jwks.NewRemote(%+v)", cfg)
	t.Cleanup(func() { _ = r.Close() })
	return r
}

var (
	vtRSAOnce sync.Once
	vtRSAKey  *rsa.PrivateKey
	vtRSAErr  error
)

// vtSharedRSA returns one RSA key for the whole package, since generating
// one costs tens of milliseconds.
func vtSharedRSA(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	vtRSAOnce.Do(func() { vtRSAKey, vtRSAErr = rsa.GenerateKey(rand.Reader, 2048) })
	require.NoError(t, vtRSAErr, "generating the shared RSA key")
	return vtRSAKey
}

// vtParts splits a compact token into its three parts.
func vtParts(t *testing.T, token string) (header, payload, sig string) {
	t.Helper()
	p := strings.Split(token, ".")
	require.Len(t, p, 3, "token %q does not have three parts", token)
	return p[0], p[1], p[2]
}

// vtFlipSig returns token with one bit of its signature flipped; the result
// is still canonical base64url.
func vtFlipSig(t *testing.T, token string) string {
	t.Helper()
	h, p, s := vtParts(t, token)
	sig, err := vtB64.DecodeString(s)
	require.NoError(t, err, "decoding the signature of %q", token)
	sig[0] ^= 0x01
	return h + "." + p + "." + vtB64.EncodeToString(sig)
}

func vtMustVerify(t *testing.T, v *verifier.Verifier, token string) *verifier.Claims {
	t.Helper()
	c, err := v.Verify(context.Background(), token)
	require.NoError(t, err, "Verify(valid token) returned an error; want claims")
	require.NotNil(t, c, "Verify(valid token) returned nil claims and nil error")
	return c
}

// ---- tests ----

// TestVerifyAlgorithmFamilies verifies a token of each supported algorithm
// and rejects the same token with one signature bit flipped.
func TestVerifyAlgorithmFamilies(t *testing.T) {
	clock := vtNewClock()
	ctx := context.Background()

	type family struct {
		alg   string
		v     *verifier.Verifier
		token string
		kid   string
	}
	var families []family

	// Issuer-backed: keys come from the issuer's JWKS via discovery.
	for _, alg := range []string{"RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"} {
		iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: alg, Now: clock.Now})
		families = append(families, family{
			alg:   alg,
			v:     vtNew(t, iss.VerifierConfig()),
			token: iss.MustMint(t, verifiertest.Token{Subject: "sub-" + alg}),
			kid:   iss.KeyID(),
		})
	}

	// The other RSA hashes, with one shared key in a static source.
	rsaKey := vtSharedRSA(t)
	rsaPub, err := jwks.NewPublicKey("rsa-static", &rsaKey.PublicKey)
	require.NoError(t, err, "jwks.NewPublicKey(RSA)")
	rsaSrc, err := jwks.NewStatic(rsaPub)
	require.NoError(t, err, "jwks.NewStatic(RSA)")
	rsaCfg := verifier.Config{Issuers: []string{vtStaticIssuer}, Audiences: []string{vtAudience}, Keys: rsaSrc, Now: clock.Now}
	vRSA := vtNew(t, rsaCfg)
	for _, alg := range []string{"RS384", "RS512", "PS384", "PS512"} {
		tok, err := verifiertest.Sign(alg, rsaKey, map[string]any{"kid": "rsa-static"},
			vtClaims(vtStaticIssuer, clock.Now(), map[string]any{"sub": "sub-" + alg}))
		require.NoError(t, err, "verifiertest.Sign(%s)", alg)
		families = append(families, family{alg: alg, v: vRSA, token: tok, kid: "rsa-static"})
	}

	// HMAC with a 64-byte secret, which allows all three hashes.
	secret, err := verifiertest.GenerateKey("HS512")
	require.NoError(t, err, "verifiertest.GenerateKey(HS512)")
	hk, err := jwks.NewSecret("hs-key", secret.([]byte))
	require.NoError(t, err, "jwks.NewSecret")
	hsSrc, err := jwks.NewStatic(hk)
	require.NoError(t, err, "jwks.NewStatic(secret)")
	vHS := vtNew(t, verifier.Config{Issuers: []string{vtStaticIssuer}, Audiences: []string{vtAudience}, Keys: hsSrc, Now: clock.Now})
	for _, alg := range []string{"HS256", "HS384", "HS512"} {
		tok, err := verifiertest.Sign(alg, secret, map[string]any{"kid": "hs-key"},
			vtClaims(vtStaticIssuer, clock.Now(), map[string]any{"sub": "sub-" + alg}))
		require.NoError(t, err, "verifiertest.Sign(%s)", alg)
		families = append(families, family{alg: alg, v: vHS, token: tok, kid: "hs-key"})
	}

	for _, f := range families {
		t.Run(f.alg, func(t *testing.T) {
			c := vtMustVerify(t, f.v, f.token)
			assert.Equal(t, f.alg, c.Algorithm(), "Claims.Algorithm() of a %s token", f.alg)
			assert.Equal(t, f.kid, c.KeyID(), "Claims.KeyID() of a %s token", f.alg)
			assert.Equal(t, "sub-"+f.alg, c.Subject(), "Claims.Subject() of a %s token", f.alg)

			flipped := vtFlipSig(t, f.token)
			_, err := f.v.Verify(ctx, flipped)
			vtRequireRejected(t, err, verifier.ErrSignature, flipped)
		})
	}

	t.Run("HMAC with another secret", func(t *testing.T) {
		other, err := verifiertest.GenerateKey("HS256")
		require.NoError(t, err, "verifiertest.GenerateKey(HS256)")
		tok, err := verifiertest.Sign("HS256", other, map[string]any{"kid": "hs-key"}, vtClaims(vtStaticIssuer, clock.Now(), nil))
		require.NoError(t, err, "verifiertest.Sign(HS256)")
		_, err = vHS.Verify(ctx, tok)
		vtRequireRejected(t, err, verifier.ErrSignature, tok)
	})

	t.Run("HS512 with a 32-byte secret", func(t *testing.T) {
		short := []byte("0123456789abcdef0123456789abcdef")
		k, err := jwks.NewSecret("", short)
		require.NoError(t, err, "jwks.NewSecret(32 bytes)")
		src, err := jwks.NewStatic(k)
		require.NoError(t, err, "jwks.NewStatic")
		v := vtNew(t, verifier.Config{Issuers: []string{vtStaticIssuer}, Audiences: []string{vtAudience}, Keys: src, Now: clock.Now})
		ok, err := verifiertest.Sign("HS256", short, map[string]any{"kid": "x"}, vtClaims(vtStaticIssuer, clock.Now(), nil))
		require.NoError(t, err, "verifiertest.Sign(HS256)")
		vtMustVerify(t, v, ok)
		tok, err := verifiertest.Sign("HS512", short, map[string]any{"kid": "x"}, vtClaims(vtStaticIssuer, clock.Now(), nil))
		require.NoError(t, err, "verifiertest.Sign(HS512)")
		_, err = v.Verify(ctx, tok)
		vtRequireRejected(t, err, verifier.ErrAlgorithm, tok)
	})

	t.Run("ES256 token naming a P-384 key", func(t *testing.T) {
		es384 := families[3] // ES384 issuer
		require.Equal(t, "ES384", es384.alg)
		p256, err := verifiertest.GenerateKey("ES256")
		require.NoError(t, err, "verifiertest.GenerateKey(ES256)")
		_, payload, _ := vtParts(t, es384.token)
		claims, err := vtB64.DecodeString(payload)
		require.NoError(t, err, "decoding the payload")
		tok, err := verifiertest.SignRaw("ES256", p256, []byte(`{"alg":"ES256","kid":"`+es384.kid+`"}`), claims)
		require.NoError(t, err, "verifiertest.SignRaw(ES256)")
		_, err = es384.v.Verify(ctx, tok)
		vtRequireRejected(t, err, verifier.ErrAlgorithm, tok)
	})
}

// TestVerify checks each rejection reason, one row per check.
func TestVerify(t *testing.T) {
	ctx := context.Background()
	clock := vtNewClock()
	now := clock.Now()
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Now: clock.Now})
	attacker := verifiertest.Start(t, verifiertest.IssuerConfig{Now: clock.Now})
	cfg := iss.VerifierConfig()
	v := vtNew(t, cfg)
	with := func(change func(*verifier.Config)) *verifier.Verifier {
		c := cfg
		change(&c)
		return vtNew(t, c)
	}
	v0 := with(func(c *verifier.Config) { c.Leeway = 0 })
	vES := with(func(c *verifier.Config) { c.Algorithms = []string{"ES256"} })
	vIssuers := with(func(c *verifier.Config) {
		c.Issuers = []string{"https://other.example.test", iss.URL, "https://third.example.test"}
	})
	vAudiences := with(func(c *verifier.Config) {
		c.Audiences = []string{"https://first.example.test", "https://second.example.test"}
	})

	es := vtNewSigner(t, "ES256", "es-static")
	vStatic := vtNew(t, es.config(clock))
	vStatic0 := vtNew(t, func() verifier.Config { c := es.config(clock); c.Leeway = 0; return c }())
	esHeader := `{"alg":"ES256","kid":"es-static"}`
	payloadWith := func(members string) string {
		return fmt.Sprintf(`{"iss":%q,"aud":%q,"sub":"s",%s}`, vtStaticIssuer, vtAudience, members)
	}
	expNow := fmt.Sprintf(`"exp":%d`, now.Add(time.Hour).Unix())

	mint := func(tok verifiertest.Token) string { return iss.MustMint(t, tok) }
	valid := mint(verifiertest.Token{Subject: "alice"})
	vh, vp, vs := vtParts(t, valid)
	validClaims := vtClaims(iss.URL, now, nil)

	// Size limits: the largest token within 8 KiB and the smallest above it.
	var atLimit, overLimit string
	base := len(mint(verifiertest.Token{}))
	for n := (verifier.DefaultMaxTokenSize-base)*3/4 - 24; overLimit == ""; n++ {
		tok := mint(verifiertest.Token{Claims: map[string]any{"pad": strings.Repeat("x", n)}})
		if len(tok) <= verifier.DefaultMaxTokenSize {
			atLimit = tok
		} else {
			overLimit = tok
		}
	}
	require.GreaterOrEqual(t, len(atLimit), verifier.DefaultMaxTokenSize-1, "padding loop: largest token within the limit")
	vSized := with(func(c *verifier.Config) { c.MaxTokenSize = len(valid) })
	vSmaller := with(func(c *verifier.Config) { c.MaxTokenSize = len(valid) - 1 })

	// Forged tokens.
	forgeHeader := func(header string) string { return vtB64.EncodeToString([]byte(header)) + "." + vp + "." + vs }
	hdr, err := vtB64.DecodeString(vh)
	require.NoError(t, err, "decoding the header")
	payload, err := vtB64.DecodeString(vp)
	require.NoError(t, err, "decoding the payload")
	require.Contains(t, string(hdr), `"typ":"at+jwt"`, "minted header")
	require.Contains(t, string(payload), `"sub":"alice"`, "minted payload")
	tamperedHeader := forgeHeader(strings.Replace(string(hdr), `"typ":"at+jwt"`, `"typ":"at+jwx"`, 1))
	tamperedPayload := vh + "." + vtB64.EncodeToString([]byte(strings.Replace(string(payload), `"sub":"alice"`, `"sub":"admin"`, 1))) + "." + vs
	_, _, otherSig := vtParts(t, mint(verifiertest.Token{Subject: "alice"}))
	sigBytes, err := vtB64.DecodeString(vs)
	require.NoError(t, err, "decoding the signature")
	truncated := vh + "." + vp + "." + vtB64.EncodeToString(sigBytes[:len(sigBytes)-1])

	// HMAC-with-public-key confusion: secrets an attacker can read.
	rsaPub, ok := iss.PublicKey().(*rsa.PublicKey)
	require.True(t, ok, "issuer public key is %T, want *rsa.PublicKey", iss.PublicKey())
	pkixDER, err := x509.MarshalPKIXPublicKey(rsaPub)
	require.NoError(t, err, "x509.MarshalPKIXPublicKey")
	pkcs1 := x509.MarshalPKCS1PublicKey(rsaPub)
	jwksDoc, err := iss.JWKS()
	require.NoError(t, err, "iss.JWKS()")
	var set struct{ Keys []json.RawMessage }
	require.NoError(t, json.Unmarshal(jwksDoc, &set), "parsing the issuer's JWKS")
	require.Len(t, set.Keys, 1, "issuer JWKS keys")
	hs := func(secret []byte, header map[string]any) string {
		tok, err := verifiertest.Sign("HS256", secret, header, validClaims)
		require.NoError(t, err, "verifiertest.Sign(HS256)")
		return tok
	}
	withKid := map[string]any{"kid": iss.KeyID(), "typ": "at+jwt"}
	pemPKIX := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkixDER})
	pemKeys, err := jwks.ParsePEM(pemPKIX)
	require.NoError(t, err, "jwks.ParsePEM")
	pemSrc, err := jwks.NewStatic(pemKeys...)
	require.NoError(t, err, "jwks.NewStatic(PEM keys)")
	vPEM := with(func(c *verifier.Config) { c.Keys = pemSrc })

	// Attacker keys named by the token's own headers.
	var attackerSet struct{ Keys []json.RawMessage }
	attackerDoc, err := attacker.JWKS()
	require.NoError(t, err, "attacker.JWKS()")
	require.NoError(t, json.Unmarshal(attackerDoc, &attackerSet), "parsing the attacker's JWKS")
	evil := vtSharedRSA(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: iss.URL},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
	}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &evil.PublicKey, evil)
	require.NoError(t, err, "x509.CreateCertificate")
	x5c := func(kid any) string {
		h := map[string]any{"x5c": []string{base64.StdEncoding.EncodeToString(certDER)}}
		if kid != nil {
			h["kid"] = kid
		}
		tok, err := verifiertest.Sign("RS256", evil, h, validClaims)
		require.NoError(t, err, "verifiertest.Sign(RS256, x5c)")
		return tok
	}
	trusted := map[string]any{"iss": iss.URL}

	tests := []struct {
		name  string
		v     *verifier.Verifier
		token string
		want  error // nil: accepted
	}{
		{"valid", v, valid, nil},

		// Size.
		{"at the default 8 KiB limit", v, atLimit, nil},
		{"over the default 8 KiB limit", v, overLimit, verifier.ErrMalformed},
		{"exactly MaxTokenSize", vSized, valid, nil},
		{"one byte over MaxTokenSize", vSmaller, valid, verifier.ErrMalformed},

		// Structure.
		{"empty string", v, "", verifier.ErrMalformed},
		{"one part", v, "abc", verifier.ErrMalformed},
		{"two parts", v, vh + "." + vp, verifier.ErrMalformed},
		{"four parts", v, valid + ".AAAA", verifier.ErrMalformed},
		{"five parts (JWE)", v, "a.b.c.d.e", verifier.ErrMalformed},
		{"garbage", v, "not a token at all", verifier.ErrMalformed},
		{"garbage in three parts", v, "!!!.###.$$$", verifier.ErrMalformed},
		{"standard base64 alphabet", v, strings.NewReplacer("-", "+", "_", "/").Replace(valid) + "+/", verifier.ErrMalformed},
		{"base64 padding", v, vh + "=." + vp + "." + vs, verifier.ErrMalformed},
		{"empty header", v, "." + vp + "." + vs, verifier.ErrMalformed},
		{"header not JSON", v, forgeHeader("hello"), verifier.ErrMalformed},
		{"header without alg", v, forgeHeader(`{"kid":"` + iss.KeyID() + `"}`), verifier.ErrMalformed},
		{"alg not a string", v, forgeHeader(`{"alg":256}`), verifier.ErrMalformed},

		// Algorithm.
		{"alg not in Config.Algorithms", vES, valid, verifier.ErrAlgorithm},
		{"unknown alg", v, forgeHeader(`{"alg":"RS1","kid":"` + iss.KeyID() + `"}`), verifier.ErrAlgorithm},
		{"alg none", v, forgeHeader(`{"alg":"none","kid":"` + iss.KeyID() + `"}`), verifier.ErrAlgorithm},
		{"alg None", v, forgeHeader(`{"alg":"None"}`), verifier.ErrAlgorithm},
		{"alg NONE", v, forgeHeader(`{"alg":"NONE"}`), verifier.ErrAlgorithm},
		// An unsecured JWS has an empty signature, which fails the
		// structure check before the header is read.
		{"alg none with empty signature", v, vtB64.EncodeToString([]byte(`{"alg":"none"}`)) + "." + vp + ".", verifier.ErrAlgorithm},

		// HMAC with the issuer's public key as the secret.
		{"HS256 keyed with the PEM public key", v, hs(pemPKIX, withKid), verifier.ErrAlgorithm},
		{"HS256 keyed with the PEM PKCS1 public key", v, hs(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: pkcs1}), withKid), verifier.ErrAlgorithm},
		{"HS256 keyed with the DER public key", v, hs(pkixDER, withKid), verifier.ErrAlgorithm},
		{"HS256 keyed with the DER PKCS1 public key", v, hs(pkcs1, withKid), verifier.ErrAlgorithm},
		{"HS256 keyed with the JWK", v, hs(set.Keys[0], withKid), verifier.ErrAlgorithm},
		{"HS256 keyed with the JWKS document", v, hs(jwksDoc, withKid), verifier.ErrAlgorithm},
		{"HS256 keyed with the modulus", v, hs(rsaPub.N.Bytes(), withKid), verifier.ErrAlgorithm},
		{"HS256 without kid finds no HMAC key", v, hs(pkixDER, map[string]any{"typ": "at+jwt"}), verifier.ErrUnknownKey},
		{"HS256 keyed with the PEM of a static PEM key", vPEM, hs(pemPKIX, map[string]any{"kid": "any"}), verifier.ErrAlgorithm},
		{"HS256 without kid against a static PEM key", vPEM, hs(pemPKIX, nil), verifier.ErrUnknownKey},
		{"RS256 against a static PEM key", vPEM, valid, nil},

		// Keys and signatures.
		{"unknown kid", v, mint(verifiertest.Token{Header: map[string]any{"kid": "no-such-key"}}), verifier.ErrUnknownKey},
		{"tampered payload", v, tamperedPayload, verifier.ErrSignature},
		{"tampered header", v, tamperedHeader, verifier.ErrSignature},
		{"stripped signature", v, vh + "." + vp + ".", verifier.ErrMalformed},
		{"signature bit flipped", v, vtFlipSig(t, valid), verifier.ErrSignature},
		{"signature truncated", v, truncated, verifier.ErrSignature},
		{"signature of another token", v, vh + "." + vp + "." + otherSig, verifier.ErrSignature},
		{"signature of another key", v, attacker.MustMint(t, verifiertest.Token{Claims: trusted, Header: map[string]any{"kid": iss.KeyID()}}), verifier.ErrSignature},
		{"another key, expired: signature checked first", v, attacker.MustMint(t, verifiertest.Token{ExpiresIn: -time.Hour, Claims: trusted, Header: map[string]any{"kid": iss.KeyID()}}), verifier.ErrSignature},

		// Key-naming headers are never used.
		{"jku of the attacker with its kid", v, attacker.MustMint(t, verifiertest.Token{Claims: trusted, Header: map[string]any{"jku": attacker.JWKSURL()}}), verifier.ErrUnknownKey},
		{"jku of the attacker with the issuer's kid", v, attacker.MustMint(t, verifiertest.Token{Claims: trusted, Header: map[string]any{"jku": attacker.JWKSURL(), "kid": iss.KeyID()}}), verifier.ErrSignature},
		{"x5u of the attacker with the issuer's kid", v, attacker.MustMint(t, verifiertest.Token{Claims: trusted, Header: map[string]any{"x5u": attacker.JWKSURL(), "kid": iss.KeyID()}}), verifier.ErrSignature},
		{"jwk of the attacker without kid", v, attacker.MustMint(t, verifiertest.Token{Claims: trusted, Header: map[string]any{"jwk": attackerSet.Keys[0], "kid": nil}}), verifier.ErrSignature},
		{"jwk of the attacker with its kid", v, attacker.MustMint(t, verifiertest.Token{Claims: trusted, Header: map[string]any{"jwk": attackerSet.Keys[0]}}), verifier.ErrUnknownKey},
		{"x5c of the attacker without kid", v, x5c(nil), verifier.ErrSignature},
		{"x5c of the attacker with the issuer's kid", v, x5c(iss.KeyID()), verifier.ErrSignature},

		// Times (leeway 30 s unless the row uses v0).
		{"exp missing", v, mint(verifiertest.Token{Claims: map[string]any{"exp": nil}}), verifier.ErrMissingClaim},
		{"exp past beyond leeway", v, mint(verifiertest.Token{ExpiresIn: -31 * time.Second}), verifier.ErrExpired},
		{"exp exactly one leeway ago", v, mint(verifiertest.Token{ExpiresIn: -30 * time.Second}), verifier.ErrExpired},
		{"exp past within leeway", v, mint(verifiertest.Token{ExpiresIn: -29 * time.Second}), nil},
		{"exactly at exp, zero leeway", v0, mint(verifiertest.Token{Claims: map[string]any{"exp": now.Unix()}}), verifier.ErrExpired},
		{"one second before exp, zero leeway", v0, mint(verifiertest.Token{ExpiresIn: time.Second}), nil},
		{"fractional exp half a second ahead, zero leeway", v0, mint(verifiertest.Token{Claims: map[string]any{"exp": float64(now.Unix()) + 0.5}}), nil},
		{"fractional exp half a second ago, zero leeway", v0, mint(verifiertest.Token{Claims: map[string]any{"exp": float64(now.Unix()) - 0.5}}), verifier.ErrExpired},
		{"nbf future beyond leeway", v, mint(verifiertest.Token{Claims: map[string]any{"nbf": now.Unix() + 31}}), verifier.ErrNotYetValid},
		{"nbf future at leeway", v, mint(verifiertest.Token{Claims: map[string]any{"nbf": now.Unix() + 30}}), nil},
		{"nbf future within leeway", v, mint(verifiertest.Token{Claims: map[string]any{"nbf": now.Unix() + 29}}), nil},
		{"nbf past", v, mint(verifiertest.Token{Claims: map[string]any{"nbf": now.Unix() - 600}}), nil},
		{"nbf one second ahead, zero leeway", v0, mint(verifiertest.Token{Claims: map[string]any{"nbf": now.Unix() + 1}}), verifier.ErrNotYetValid},
		{"nbf now, zero leeway", v0, mint(verifiertest.Token{Claims: map[string]any{"nbf": now.Unix()}}), nil},
		{"iat future beyond leeway", v, mint(verifiertest.Token{Claims: map[string]any{"iat": now.Unix() + 31}}), verifier.ErrNotYetValid},
		{"iat future within leeway", v, mint(verifiertest.Token{Claims: map[string]any{"iat": now.Unix() + 30}}), nil},
		{"iat missing", v, mint(verifiertest.Token{Claims: map[string]any{"iat": nil}}), nil},

		// Issuer.
		{"iss missing", v, mint(verifiertest.Token{Claims: map[string]any{"iss": nil}}), verifier.ErrIssuer},
		{"iss wrong", v, mint(verifiertest.Token{Claims: map[string]any{"iss": "https://evil.example.test"}}), verifier.ErrIssuer},
		{"iss with trailing slash", v, mint(verifiertest.Token{Claims: map[string]any{"iss": iss.URL + "/"}}), verifier.ErrIssuer},
		{"iss in other case", v, mint(verifiertest.Token{Claims: map[string]any{"iss": strings.ToUpper(iss.URL)}}), verifier.ErrIssuer},
		{"iss empty", v, mint(verifiertest.Token{Claims: map[string]any{"iss": ""}}), verifier.ErrIssuer},
		{"iss one of several trusted", vIssuers, valid, nil},
		{"iss not a string", v, mint(verifiertest.Token{Claims: map[string]any{"iss": 42}}), verifier.ErrMalformed},

		// Audience.
		{"aud missing", v, mint(verifiertest.Token{Claims: map[string]any{"aud": nil}}), verifier.ErrAudience},
		{"aud wrong", v, mint(verifiertest.Token{Audience: []string{"https://other-api.example.test"}}), verifier.ErrAudience},
		{"aud empty array", v, mint(verifiertest.Token{Audience: []string{}}), verifier.ErrAudience},
		{"aud array with one accepted value", v, mint(verifiertest.Token{Audience: []string{"https://a.example.test", iss.Audience(), "https://b.example.test"}}), nil},
		{"aud string", v, mint(verifiertest.Token{Claims: map[string]any{"aud": iss.Audience()}}), nil},
		{"aud prefix of the accepted value", v, mint(verifiertest.Token{Claims: map[string]any{"aud": iss.Audience()[:len(iss.Audience())-1]}}), verifier.ErrAudience},
		{"aud second of several accepted", vAudiences, mint(verifiertest.Token{Audience: []string{"https://second.example.test"}}), nil},
		{"aud not a string", v, mint(verifiertest.Token{Claims: map[string]any{"aud": 7}}), verifier.ErrMalformed},
		{"aud array holding a number", v, mint(verifiertest.Token{Claims: map[string]any{"aud": []any{iss.Audience(), 7}}}), verifier.ErrMalformed},

		// Header extensions.
		{"crit header", v, mint(verifiertest.Token{Header: map[string]any{"crit": []string{"exp"}, "exp": now.Unix()}}), verifier.ErrUnsupportedHeader},
		{"empty crit header", v, mint(verifiertest.Token{Header: map[string]any{"crit": []string{}}}), verifier.ErrUnsupportedHeader},
		{"b64 false", v, mint(verifiertest.Token{Header: map[string]any{"b64": false, "crit": nil}}), verifier.ErrUnsupportedHeader},
		{"b64 true", v, mint(verifiertest.Token{Header: map[string]any{"b64": true}}), nil},

		// Claims JSON (static ES256 key, exact bytes).
		{"static key control", vStatic, es.raw(t, esHeader, payloadWith(expNow)), nil},
		{"duplicate sub", vStatic, es.raw(t, esHeader, payloadWith(expNow+`,"sub":"admin"`)), verifier.ErrMalformed},
		{"duplicate exp", vStatic, es.raw(t, esHeader, payloadWith(expNow+`,"exp":1`)), verifier.ErrMalformed},
		{"duplicate unknown claim", vStatic, es.raw(t, esHeader, payloadWith(expNow+`,"x":1,"x":2`)), verifier.ErrMalformed},
		{"duplicate header member", vStatic, es.raw(t, `{"alg":"ES256","kid":"es-static","kid":"other"}`, payloadWith(expNow)), verifier.ErrMalformed},
		{"payload an array", vStatic, es.raw(t, esHeader, `[1,2]`), verifier.ErrMalformed},
		{"payload a string", vStatic, es.raw(t, esHeader, `"claims"`), verifier.ErrMalformed},
		{"payload a number", vStatic, es.raw(t, esHeader, `42`), verifier.ErrMalformed},
		{"payload null", vStatic, es.raw(t, esHeader, `null`), verifier.ErrMalformed},
		{"payload empty", vStatic, es.raw(t, esHeader, ``), verifier.ErrMalformed},
		{"payload with trailing data", vStatic, es.raw(t, esHeader, payloadWith(expNow)+`{}`), verifier.ErrMalformed},
		{"payload not base64url", v, vh + ".%%%%." + vs, verifier.ErrMalformed},
		{"exp as string", v, mint(verifiertest.Token{Claims: map[string]any{"exp": "123"}}), verifier.ErrMalformed},
		{"exp as numeric string of the future", v, mint(verifiertest.Token{Claims: map[string]any{"exp": fmt.Sprint(now.Add(time.Hour).Unix())}}), verifier.ErrMalformed},
		{"nbf as string", v, mint(verifiertest.Token{Claims: map[string]any{"nbf": "123"}}), verifier.ErrMalformed},
		{"iat as string", v, mint(verifiertest.Token{Claims: map[string]any{"iat": "123"}}), verifier.ErrMalformed},
		{"exp as boolean", v, mint(verifiertest.Token{Claims: map[string]any{"exp": true}}), verifier.ErrMalformed},
		{"exp as null", vStatic, es.raw(t, esHeader, payloadWith(`"exp":null`)), verifier.ErrMalformed},
		{"float exp", v, mint(verifiertest.Token{Claims: map[string]any{"exp": float64(now.Add(time.Hour).Unix()) + 0.75}}), nil},
		{"exp in exponent notation", vStatic, es.raw(t, esHeader, payloadWith(`"exp":1.9e9`)), nil},
		{"negative exp", v, mint(verifiertest.Token{Claims: map[string]any{"exp": -1}}), verifier.ErrMalformed},
		{"negative nbf", v, mint(verifiertest.Token{Claims: map[string]any{"nbf": -1}}), verifier.ErrMalformed},
		{"exp after year 9999", v, mint(verifiertest.Token{Claims: map[string]any{"exp": int64(253402300800)}}), verifier.ErrMalformed},
		{"exp 1e300", v, mint(verifiertest.Token{Claims: map[string]any{"exp": 1e300}}), verifier.ErrMalformed},
		{"exp beyond float64", vStatic, es.raw(t, esHeader, payloadWith(`"exp":1e400`)), verifier.ErrMalformed},
		{"exp without digits after point", vStatic, es.raw(t, esHeader, payloadWith(`"exp":1.`)), verifier.ErrMalformed},
		{"exp exactly zero leeway", vStatic0, es.raw(t, esHeader, payloadWith(fmt.Sprintf(`"exp":%d`, now.Unix()))), verifier.ErrExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.v.Verify(ctx, tc.token)
			if tc.want == nil {
				require.NoError(t, err, "Verify(%s) returned an error; want claims", tc.name)
				require.NotNil(t, c, "Verify(%s) returned nil claims", tc.name)
				assert.False(t, c.ExpiresAt().IsZero(), "Verify(%s): accepted claims without exp", tc.name)
				return
			}
			assert.Nil(t, c, "Verify(%s) returned claims along with error %v; want nil claims", tc.name, err)
			vtRequireRejected(t, err, tc.want, tc.token)
		})
	}

	t.Run("attacker key server never contacted", func(t *testing.T) {
		assert.Zero(t, attacker.JWKSRequests(), "attacker JWKS fetches after tokens naming its jku/x5u/jwk; want none")
		assert.Zero(t, attacker.DiscoveryRequests(), "attacker discovery fetches; want none")
	})
}

// TestVerifyRejectsBeforeKeyLookup checks that tokens rejected on their
// header or claims cause no request to the issuer.
func TestVerifyRejectsBeforeKeyLookup(t *testing.T) {
	ctx := context.Background()
	clock := vtNewClock()
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: clock.Now})
	v := vtNew(t, iss.VerifierConfig())
	valid := iss.MustMint(t, verifiertest.Token{})
	vh, vp, vs := vtParts(t, valid)

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"untrusted iss", iss.MustMint(t, verifiertest.Token{Claims: map[string]any{"iss": "https://evil.example.test"}}), verifier.ErrIssuer},
		{"untrusted iss and unknown kid", iss.MustMint(t, verifiertest.Token{Claims: map[string]any{"iss": "https://evil.example.test"}, Header: map[string]any{"kid": "fresh"}}), verifier.ErrIssuer},
		{"no iss", iss.MustMint(t, verifiertest.Token{Claims: map[string]any{"iss": nil}}), verifier.ErrIssuer},
		{"alg none", vtB64.EncodeToString([]byte(`{"alg":"none"}`)) + "." + vp + "." + vs, verifier.ErrAlgorithm},
		{"crit", iss.MustMint(t, verifiertest.Token{Header: map[string]any{"crit": []string{"x"}}}), verifier.ErrUnsupportedHeader},
		{"duplicate claims", vh + "." + vtB64.EncodeToString([]byte(`{"iss":"a","iss":"b"}`)) + "." + vs, verifier.ErrMalformed},
		{"garbage", "x.y.z", verifier.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(ctx, tc.token)
			vtRequireRejected(t, err, tc.want, tc.token)
			assert.Zero(t, iss.JWKSRequests(), "issuer JWKS fetches after a %s token; want none", tc.name)
			assert.Zero(t, iss.DiscoveryRequests(), "issuer discovery fetches after a %s token; want none", tc.name)
		})
	}

	t.Run("valid token fetches once", func(t *testing.T) {
		vtMustVerify(t, v, valid)
		assert.Equal(t, 1, iss.JWKSRequests(), "issuer JWKS fetches after one valid token")
		vtMustVerify(t, v, valid)
		assert.Equal(t, 1, iss.JWKSRequests(), "issuer JWKS fetches after the same token again; want the cached set")
	})
}

// TestVerifyKeysUnavailable checks that a key source that cannot fetch any
// keys yields ErrKeysUnavailable, not a rejection.
func TestVerifyKeysUnavailable(t *testing.T) {
	ctx := context.Background()
	clock := vtNewClock()
	signer := vtNewSigner(t, "ES256", "k1")
	token := signer.sign(t, nil, vtClaims(vtStaticIssuer, clock.Now(), nil))

	tests := []struct {
		name    string
		handler http.HandlerFunc
		remote  func(url string) jwks.RemoteConfig
	}{
		{
			name:    "JWKS endpoint answers 500",
			handler: func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) },
			remote:  func(url string) jwks.RemoteConfig { return jwks.RemoteConfig{URL: url + "/jwks.json", Now: clock.Now} },
		},
		{
			name:    "discovery answers 500",
			handler: func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) },
			remote:  func(url string) jwks.RemoteConfig { return jwks.RemoteConfig{Issuer: url, Now: clock.Now} },
		},
		{
			name:    "JWKS document not JSON",
			handler: func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html>maintenance</html>")) },
			remote:  func(url string) jwks.RemoteConfig { return jwks.RemoteConfig{URL: url + "/jwks.json", Now: clock.Now} },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				tc.handler(w, r)
			}))
			t.Cleanup(srv.Close)
			cfg := signer.config(clock)
			cfg.Keys = vtRemote(t, tc.remote(srv.URL))
			v := vtNew(t, cfg)

			c, err := v.Verify(ctx, token)
			require.Error(t, err, "Verify with an unreachable key set returned claims; want ErrKeysUnavailable")
			assert.Nil(t, c, "Verify returned claims along with error %v", err)
			assert.True(t, errors.Is(err, verifier.ErrKeysUnavailable), "Verify error %q: errors.Is(err, ErrKeysUnavailable) = false, want true", err)
			assert.True(t, errors.Is(err, jwks.ErrUnavailable), "Verify error %q: errors.Is(err, jwks.ErrUnavailable) = false, want true", err)
			assert.False(t, errors.Is(err, verifier.ErrInvalidToken), "Verify error %q matches ErrInvalidToken; the token was not at fault", err)
			var verr *verifier.Error
			assert.False(t, errors.As(err, &verr), "Verify error %q is a *verifier.Error; want a plain unavailability error", err)
			vtAssertNoLeak(t, err, token)
			first := hits.Load()
			assert.Positive(t, first, "server requests after the first Verify")

			_, err = v.Verify(ctx, token)
			assert.True(t, errors.Is(err, verifier.ErrKeysUnavailable), "second Verify error %q: want ErrKeysUnavailable", err)
			assert.Equal(t, first, hits.Load(), "server requests after a second Verify within the cooldown; want no new fetch")
		})
	}
}

// TestVerifyCachedKeysSurviveFailure checks that once keys are cached, a
// failing JWKS endpoint does not stop tokens from verifying.
func TestVerifyCachedKeysSurviveFailure(t *testing.T) {
	ctx := context.Background()
	clock := vtNewClock()
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: clock.Now})
	var failing atomic.Bool
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		if failing.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		doc, err := iss.JWKS()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(doc)
	}))
	t.Cleanup(srv.Close)
	remote := vtRemote(t, jwks.RemoteConfig{URL: srv.URL, Now: clock.Now})
	v := vtNew(t, verifier.Config{
		Issuers: []string{iss.URL}, Audiences: []string{iss.Audience()},
		Keys: remote, Leeway: verifier.DefaultLeeway, Now: clock.Now,
	})
	token := iss.MustMint(t, verifiertest.Token{ExpiresIn: 24 * time.Hour})

	vtMustVerify(t, v, token)
	require.Equal(t, int64(1), hits.Load(), "JWKS fetches after the first Verify")

	failing.Store(true)
	clock.Advance(jwks.DefaultRefreshInterval + time.Minute) // the cached set is now stale
	vtMustVerify(t, v, token)
	err := remote.Refresh(ctx)
	require.Error(t, err, "Remote.Refresh against a failing endpoint returned nil")
	require.GreaterOrEqual(t, hits.Load(), int64(2), "JWKS fetches after the set went stale; want a refetch attempt")
	vtMustVerify(t, v, token)

	// A new key cannot be fetched: the token cannot be checked, so its
	// key is unavailable (503, try later), not unknown (401, get a new
	// token, which would carry the same key).
	iss.Rotate()
	rotated := iss.MustMint(t, verifiertest.Token{ExpiresIn: 24 * time.Hour})
	_, err = v.Verify(ctx, rotated)
	require.ErrorIs(t, err, verifier.ErrKeysUnavailable, "Verify of a token with a key the failing issuer cannot serve")
	assert.NotErrorIs(t, err, verifier.ErrInvalidToken, "Verify of a token with a key the failing issuer cannot serve")
	vtAssertNoLeak(t, err, rotated)
	vtMustVerify(t, v, token)
}

// TestVerifyKeyRotation follows an issuer rotating its key and retiring the
// old one.
func TestVerifyKeyRotation(t *testing.T) {
	ctx := context.Background()
	clock := vtNewClock()
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: clock.Now})
	remote := vtRemote(t, jwks.RemoteConfig{Issuer: iss.URL, Now: clock.Now})
	v := vtNew(t, verifier.Config{
		Issuers: []string{iss.URL}, Audiences: []string{iss.Audience()},
		Keys: remote, Leeway: verifier.DefaultLeeway, Now: clock.Now,
	})

	oldKid := iss.KeyID()
	oldTok := iss.MustMint(t, verifiertest.Token{ExpiresIn: 24 * time.Hour})
	c := vtMustVerify(t, v, oldTok)
	require.Equal(t, oldKid, c.KeyID(), "KeyID() of the first token")
	require.Equal(t, 1, iss.JWKSRequests(), "JWKS fetches after the first token")

	newKid := iss.Rotate()
	require.NotEqual(t, oldKid, newKid, "Rotate returned the old key ID")
	newTok := iss.MustMint(t, verifiertest.Token{ExpiresIn: 24 * time.Hour})
	clock.Advance(jwks.DefaultRefreshCooldown + time.Second)
	c = vtMustVerify(t, v, newTok)
	assert.Equal(t, newKid, c.KeyID(), "KeyID() of the token signed after rotation")
	assert.Equal(t, 2, iss.JWKSRequests(), "JWKS fetches after a token with the new kid; want exactly one more")
	vtMustVerify(t, v, oldTok)
	assert.Equal(t, 2, iss.JWKSRequests(), "JWKS fetches after the old token again; want none more")

	iss.Retire(oldKid)
	clock.Advance(jwks.DefaultRefreshInterval + time.Minute)
	// The cached set still holds the old key until the refetch completes.
	vtMustVerify(t, v, oldTok)
	require.NoError(t, remote.Refresh(ctx), "Remote.Refresh after retiring the old key")
	_, err := v.Verify(ctx, oldTok)
	vtRequireRejected(t, err, verifier.ErrUnknownKey, oldTok)
	c = vtMustVerify(t, v, newTok)
	assert.Equal(t, newKid, c.KeyID(), "KeyID() of the new token after the old key was retired")
	vtMustVerify(t, v, iss.MustMint(t, verifiertest.Token{}))
}

// TestVerifyCancelledContext checks that a Verify that must wait for a key
// fetch returns at once when its ctx is already cancelled.
func TestVerifyCancelledContext(t *testing.T) {
	clock := vtNewClock()
	signer := vtNewSigner(t, "ES256", "k1")
	token := signer.sign(t, nil, vtClaims(vtStaticIssuer, clock.Now(), nil))

	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // hold the fetch until the test ends
		case <-release:
		case <-r.Context().Done():
		}
		http.Error(w, "late", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	cfg := signer.config(clock)
	cfg.Keys = vtRemote(t, jwks.RemoteConfig{URL: srv.URL, Now: clock.Now})
	t.Cleanup(func() { close(release) }) // runs before the remote and server close
	v := vtNew(t, cfg)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	type result struct {
		c   *verifier.Claims
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := v.Verify(ctx, token)
		done <- result{c, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Verify with a cancelled ctx did not return within 5 s while the key fetch hung")
	}
	require.Error(t, r.err, "Verify with a cancelled ctx and no cached keys returned claims")
	assert.Nil(t, r.c, "Verify returned claims along with error %v", r.err)
	assert.True(t, errors.Is(r.err, verifier.ErrKeysUnavailable), "Verify error %q: errors.Is(err, ErrKeysUnavailable) = false, want true", r.err)
	assert.True(t, errors.Is(r.err, context.Canceled), "Verify error %q: errors.Is(err, context.Canceled) = false, want true", r.err)
	assert.False(t, errors.Is(r.err, verifier.ErrInvalidToken), "Verify error %q matches ErrInvalidToken; want not", r.err)
}
