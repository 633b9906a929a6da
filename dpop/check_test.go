package dpop_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// checkCase is one proof and the outcome wanted for it.
type checkCase struct {
	name   string
	proof  func(t *testing.T, c *tClient) string
	req    func(r *dpop.Request)
	config func(cfg *dpop.Config)
	// want is nil for an accepted proof, else the sentinel the error
	// matches; desc is its description.
	want error
	desc string
}

// signed returns a proof builder with header and claims changed.
func signed(header, claims map[string]any) func(*testing.T, *tClient) string {
	return func(t *testing.T, c *tClient) string { return c.proof(t, header, claims) }
}

// rawClaims returns a proof builder with the client's usual header and
// exactly the given claims JSON.
func rawClaims(claims string) func(*testing.T, *tClient) string {
	return func(t *testing.T, c *tClient) string {
		h, err := json.Marshal(c.header(nil))
		require.NoError(t, err)
		return c.raw(t, string(h), claims)
	}
}

// rawHeader returns a proof builder with exactly the given header JSON, in
// which JWK stands for the client's key, and the usual claims.
func rawHeader(header string) func(*testing.T, *tClient) string {
	return func(t *testing.T, c *tClient) string {
		cl, err := json.Marshal(claimsFor(nil))
		require.NoError(t, err)
		return c.raw(t, strings.ReplaceAll(header, "JWK", string(c.jwk)), string(cl))
	}
}

// edited returns a proof builder that changes a valid proof's text.
func edited(change func(proof string) string) func(*testing.T, *tClient) string {
	return func(t *testing.T, c *tClient) string { return change(c.proof(t, nil, nil)) }
}

// validClaims is the usual claims JSON with fixed values, for raw proofs.
func validClaims(extra string) string {
	return `{"jti":"` + randomJTI() + `","htm":"GET","htu":"` + tURL + `","iat":` +
		itoa(tNow.Unix()) + `,"ath":"` + athOf(tToken) + `"` + extra + `}`
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestCheck(t *testing.T) {
	other := newClient(t, "ES384")
	p384 := func(t *testing.T, c *tClient) string { return c.proof(t, map[string]any{"jwk": other.jwk}, nil) }

	cases := []checkCase{
		// Size and form.
		{name: "valid", proof: signed(nil, nil)},
		{name: "size at the limit", proof: signed(nil, nil), config: func(cfg *dpop.Config) { cfg.MaxProofSize = 4096 }},
		{name: "size over the limit", proof: signed(nil, nil), config: func(cfg *dpop.Config) { cfg.MaxProofSize = 100 }, want: dpop.ErrInvalidProof, desc: "proof too large"},
		{name: "two parts", proof: edited(func(p string) string { return p[:strings.LastIndexByte(p, '.')] }), want: dpop.ErrInvalidProof, desc: "malformed proof"},
		{name: "four parts", proof: edited(func(p string) string { return p + ".e30" }), want: dpop.ErrInvalidProof, desc: "malformed proof"},
		{name: "empty signature", proof: edited(func(p string) string { return p[:strings.LastIndexByte(p, '.')+1] }), want: dpop.ErrInvalidProof, desc: "malformed proof"},
		{name: "empty header", proof: edited(func(p string) string { return p[strings.IndexByte(p, '.'):] }), want: dpop.ErrInvalidProof, desc: "malformed proof"},
		{name: "padding", proof: edited(func(p string) string { return p + "==" }), want: dpop.ErrInvalidProof, desc: "malformed proof"},
		{name: "newline", proof: edited(func(p string) string { return p[:10] + "\n" + p[10:] }), want: dpop.ErrInvalidProof, desc: "malformed proof"},
		{name: "space", proof: edited(func(p string) string { return p[:10] + " " + p[10:] }), want: dpop.ErrInvalidProof, desc: "malformed proof"},
		{name: "standard base64 alphabet", proof: edited(func(p string) string {
			i := strings.LastIndexByte(p, '.')
			return p[:i+1] + "+/" + p[i+3:]
		}), want: dpop.ErrInvalidProof, desc: "malformed proof"},
		{name: "non-zero trailing bits", proof: edited(setTrailingBit), want: dpop.ErrInvalidProof, desc: "malformed proof"},
		// Header.
		{name: "header not JSON", proof: rawHeader(`{"typ":"dpop+jwt",`), want: dpop.ErrInvalidProof, desc: "malformed proof header"},
		{name: "header an array", proof: rawHeader(`["dpop+jwt"]`), want: dpop.ErrInvalidProof, desc: "malformed proof header"},
		{name: "header duplicate alg", proof: rawHeader(`{"typ":"dpop+jwt","alg":"ES256","alg":"ES256","jwk":JWK}`), want: dpop.ErrInvalidProof, desc: "malformed proof header"},
		{name: "header duplicate after unescaping", proof: rawHeader(`{"typ":"dpop+jwt","alg":"ES256","\u0061lg":"none","jwk":JWK}`), want: dpop.ErrInvalidProof, desc: "malformed proof header"},
		{name: "header duplicate inside jwk", proof: rawHeader(`{"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"EC","kty":"EC"}}`), want: dpop.ErrInvalidProof, desc: "malformed proof header"},
		{name: "header invalid UTF-8", proof: rawHeader("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"x\":\"\xff\",\"jwk\":JWK}"), want: dpop.ErrInvalidProof, desc: "malformed proof header"},
		{name: "header trailing data", proof: rawHeader(`{"typ":"dpop+jwt","alg":"ES256","jwk":JWK}{}`), want: dpop.ErrInvalidProof, desc: "malformed proof header"},
		{name: "header escaped names", proof: rawHeader(`{"\u0074yp":"dpop\u002bjwt","alg":"ES256","jwk":JWK}`)},
		{name: "header unknown members", proof: signed(map[string]any{"kid": "k1", "x-extra": []int{1, 2}}, nil)},
		{name: "typ missing", proof: signed(map[string]any{"typ": nil}, nil), want: dpop.ErrInvalidProof, desc: "wrong typ"},
		{name: "typ JWT", proof: signed(map[string]any{"typ": "JWT"}, nil), want: dpop.ErrInvalidProof, desc: "wrong typ"},
		{name: "typ upper case", proof: signed(map[string]any{"typ": "DPOP+JWT"}, nil), want: dpop.ErrInvalidProof, desc: "wrong typ"},
		{name: "typ not a string", proof: signed(map[string]any{"typ": 1}, nil), want: dpop.ErrInvalidProof, desc: "malformed proof header"},
		{name: "alg missing", proof: rawHeader(`{"typ":"dpop+jwt","jwk":JWK}`), want: dpop.ErrInvalidProof, desc: "algorithm not allowed"},
		{name: "alg none", proof: signed(map[string]any{"alg": "none"}, nil), want: dpop.ErrInvalidProof, desc: "algorithm not allowed"},
		{name: "alg HS256", proof: signed(map[string]any{"alg": "HS256"}, nil), want: dpop.ErrInvalidProof, desc: "algorithm not allowed"},
		{name: "alg unknown", proof: signed(map[string]any{"alg": "ES256K"}, nil), want: dpop.ErrInvalidProof, desc: "algorithm not allowed"},
		{name: "alg not configured", proof: signed(nil, nil), config: func(cfg *dpop.Config) { cfg.Algorithms = []string{"EdDSA"} }, want: dpop.ErrInvalidProof, desc: "algorithm not allowed"},
		{name: "alg configured", proof: signed(nil, nil), config: func(cfg *dpop.Config) { cfg.Algorithms = []string{"EdDSA", "ES256"} }},
		{name: "crit", proof: signed(map[string]any{"crit": []string{"exp"}, "exp": 1}, nil), want: dpop.ErrInvalidProof, desc: "unsupported critical header"},
		{name: "b64 false", proof: signed(map[string]any{"b64": false}, nil), want: dpop.ErrInvalidProof, desc: "unsupported critical header"},
		{name: "b64 true", proof: signed(map[string]any{"b64": true}, nil)},
		{name: "jwk missing", proof: signed(map[string]any{"jwk": nil}, nil), want: dpop.ErrInvalidProof, desc: "missing jwk"},
		{name: "jwk a string", proof: signed(map[string]any{"jwk": "key"}, nil), want: dpop.ErrInvalidProof, desc: "unusable jwk"},
		{name: "jwk of another alg", proof: p384, want: dpop.ErrInvalidProof, desc: "jwk does not suit alg"},
		{name: "jwk alg member of another alg", proof: func(t *testing.T, c *tClient) string {
			return c.proof(t, map[string]any{"jwk": withMembers(t, c.jwk, map[string]any{"alg": "ES384"})}, nil)
		}, want: dpop.ErrInvalidProof, desc: "unusable jwk"},
		{name: "jwk alg member of its alg", proof: func(t *testing.T, c *tClient) string {
			return c.proof(t, map[string]any{"jwk": withMembers(t, c.jwk, map[string]any{"alg": "ES256", "kid": "k", "use": "sig"})}, nil)
		}},
		{name: "jwk for encryption", proof: func(t *testing.T, c *tClient) string {
			return c.proof(t, map[string]any{"jwk": withMembers(t, c.jwk, map[string]any{"use": "enc"})}, nil)
		}, want: dpop.ErrInvalidProof, desc: "unusable jwk"},
		{name: "jwk private", proof: func(t *testing.T, c *tClient) string {
			return c.proof(t, map[string]any{"jwk": withMembers(t, c.jwk, map[string]any{"d": base64.RawURLEncoding.EncodeToString(ecScalar(t, c.key.(*ecdsa.PrivateKey)))})}, nil)
		}, want: dpop.ErrInvalidProof, desc: "jwk is not a public key"},
		{name: "jwk with k", proof: func(t *testing.T, c *tClient) string {
			return c.proof(t, map[string]any{"jwk": withMembers(t, c.jwk, map[string]any{"k": "c2VjcmV0"})}, nil)
		}, want: dpop.ErrInvalidProof, desc: "jwk is not a public key"},
		{name: "jwk symmetric", proof: signed(map[string]any{"jwk": map[string]any{"kty": "oct", "alg": "HS256"}}, nil), want: dpop.ErrInvalidProof, desc: "jwk is not a public key"},
		{name: "jwk point off the curve", proof: func(t *testing.T, c *tClient) string {
			return c.proof(t, map[string]any{"jwk": withMembers(t, c.jwk, map[string]any{"y": base64.RawURLEncoding.EncodeToString(make([]byte, 32))})}, nil)
		}, want: dpop.ErrInvalidProof, desc: "unusable jwk"},
		{name: "jwk of another key", proof: func(t *testing.T, c *tClient) string {
			k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			require.NoError(t, err)
			return c.proof(t, map[string]any{"jwk": jwkOf(t, &k.PublicKey)}, nil)
		}, want: dpop.ErrInvalidProof, desc: "invalid signature"},
		// Claims.
		{name: "claims not JSON", proof: rawClaims(`{"jti":`), want: dpop.ErrInvalidProof, desc: "malformed proof claims"},
		{name: "claims a string", proof: rawClaims(`"claims"`), want: dpop.ErrInvalidProof, desc: "malformed proof claims"},
		{name: "claims duplicate htu", proof: rawClaims(validClaims(`,"htu":"https://evil.example/items"`)), want: dpop.ErrInvalidProof, desc: "malformed proof claims"},
		{name: "claims duplicate nested", proof: rawClaims(validClaims(`,"x":{"a":1,"a":2}`)), want: dpop.ErrInvalidProof, desc: "malformed proof claims"},
		{name: "claims invalid UTF-8", proof: rawClaims(validClaims(",\"x\":\"\xc3\"")), want: dpop.ErrInvalidProof, desc: "malformed proof claims"},
		{name: "claims trailing data", proof: rawClaims(validClaims(``) + ` 1`), want: dpop.ErrInvalidProof, desc: "malformed proof claims"},
		{name: "claims unknown members", proof: rawClaims(validClaims(`,"x":[1,{"y":null}],"z":true`))},
		{name: "claims escaped", proof: rawClaims(`{"jti":"a\u0062c","h\u0074m":"G\u0045T","htu":"https:\/\/api.example.test\/items","iat":` + itoa(tNow.Unix()) + `,"ath":"` + athOf(tToken) + `"}`)},
		{name: "jti missing", proof: signed(nil, map[string]any{"jti": nil}), want: dpop.ErrInvalidProof, desc: "missing or invalid jti"},
		{name: "jti empty", proof: signed(nil, map[string]any{"jti": ""}), want: dpop.ErrInvalidProof, desc: "missing or invalid jti"},
		{name: "jti 256 bytes", proof: signed(nil, map[string]any{"jti": strings.Repeat("j", 256)})},
		{name: "jti 257 bytes", proof: signed(nil, map[string]any{"jti": strings.Repeat("j", 257)}), want: dpop.ErrInvalidProof, desc: "missing or invalid jti"},
		{name: "jti a number", proof: signed(nil, map[string]any{"jti": 12345}), want: dpop.ErrInvalidProof, desc: "malformed proof claims"},
		{name: "htm missing", proof: signed(nil, map[string]any{"htm": nil}), want: dpop.ErrInvalidProof, desc: "missing htm"},
		{name: "htm other method", proof: signed(nil, map[string]any{"htm": "POST"}), want: dpop.ErrInvalidProof, desc: "wrong htm"},
		{name: "htm lower case", proof: signed(nil, map[string]any{"htm": "get"}), want: dpop.ErrInvalidProof, desc: "wrong htm"},
		{name: "htm matches POST", proof: signed(nil, map[string]any{"htm": "POST"}), req: func(r *dpop.Request) { r.Method = "POST" }},
		{name: "htm an array", proof: signed(nil, map[string]any{"htm": []string{"GET"}}), want: dpop.ErrInvalidProof, desc: "malformed proof claims"},
		{name: "htu missing", proof: signed(nil, map[string]any{"htu": nil}), want: dpop.ErrInvalidProof, desc: "missing htu"},
		{name: "htu with query and fragment", proof: signed(nil, map[string]any{"htu": tURL + "?page=3#top"})},
		{name: "htu not canonical", proof: signed(nil, map[string]any{"htu": "HTTPS://API.Example.TEST:443/./x/../%69tems"})},
		{name: "htu other path", proof: signed(nil, map[string]any{"htu": "https://api.example.test/items/1"}), want: dpop.ErrInvalidProof, desc: "wrong htu"},
		{name: "htu trailing slash", proof: signed(nil, map[string]any{"htu": tURL + "/"}), want: dpop.ErrInvalidProof, desc: "wrong htu"},
		{name: "htu other host", proof: signed(nil, map[string]any{"htu": "https://evil.example.test/items"}), want: dpop.ErrInvalidProof, desc: "wrong htu"},
		{name: "htu other scheme", proof: signed(nil, map[string]any{"htu": "http://api.example.test/items"}), want: dpop.ErrInvalidProof, desc: "wrong htu"},
		{name: "htu other port", proof: signed(nil, map[string]any{"htu": "https://api.example.test:8443/items"}), want: dpop.ErrInvalidProof, desc: "wrong htu"},
		{name: "htu escaped slash", proof: signed(nil, map[string]any{"htu": "https://api.example.test/a%2Fb"}), req: func(r *dpop.Request) {
			r.URL = mustURL(t, "https://api.example.test/a/b")
		}, want: dpop.ErrInvalidProof, desc: "wrong htu"},
		{name: "htu escaped slash matches", proof: signed(nil, map[string]any{"htu": "https://api.example.test/a%2fb"}), req: func(r *dpop.Request) {
			r.URL = mustURL(t, "https://api.example.test/a%2Fb")
		}},
		{name: "htu relative", proof: signed(nil, map[string]any{"htu": "/items"}), want: dpop.ErrInvalidProof, desc: "wrong htu"},
		{name: "htu not a URL", proof: signed(nil, map[string]any{"htu": "https://api.example.test:port/items"}), want: dpop.ErrInvalidProof, desc: "wrong htu"},
		{name: "htu with userinfo", proof: signed(nil, map[string]any{"htu": "https://user@api.example.test/items"}), want: dpop.ErrInvalidProof, desc: "wrong htu"},
		{name: "htu a number", proof: signed(nil, map[string]any{"htu": 1}), want: dpop.ErrInvalidProof, desc: "malformed proof claims"},
		{name: "request URL not canonical", proof: signed(nil, nil), req: func(r *dpop.Request) {
			r.URL = mustURL(t, "HTTPS://api.EXAMPLE.test:443/items#frag")
		}},
		{name: "iat missing", proof: signed(nil, map[string]any{"iat": nil}), want: dpop.ErrInvalidProof, desc: "missing iat"},
		{name: "iat at MaxAge", proof: signed(nil, map[string]any{"iat": tNow.Add(-dpop.DefaultMaxAge).Unix()})},
		{name: "iat past MaxAge", proof: signed(nil, map[string]any{"iat": tNow.Add(-dpop.DefaultMaxAge).Unix() - 1}), want: dpop.ErrInvalidProof, desc: "proof expired"},
		{name: "iat past a longer MaxAge", proof: signed(nil, map[string]any{"iat": tNow.Add(-2 * time.Minute).Unix()}), config: func(cfg *dpop.Config) { cfg.MaxAge = 3 * time.Minute }},
		{name: "iat at Leeway", proof: signed(nil, map[string]any{"iat": tNow.Add(dpop.DefaultLeeway).Unix()})},
		{name: "iat past Leeway", proof: signed(nil, map[string]any{"iat": tNow.Add(dpop.DefaultLeeway).Unix() + 1}), want: dpop.ErrInvalidProof, desc: "proof issued in the future"},
		{name: "iat fractional", proof: signed(nil, map[string]any{"iat": float64(tNow.Unix()) - 0.5})},
		{name: "iat a string", proof: signed(nil, map[string]any{"iat": "1893499200"}), want: dpop.ErrInvalidProof, desc: "malformed proof claims"},
		{name: "iat negative", proof: signed(nil, map[string]any{"iat": -1}), want: dpop.ErrInvalidProof, desc: "malformed proof claims"},
		{name: "iat huge", proof: signed(nil, map[string]any{"iat": 1e300}), want: dpop.ErrInvalidProof, desc: "malformed proof claims"},
		{name: "ath missing", proof: signed(nil, map[string]any{"ath": nil}), want: dpop.ErrInvalidProof, desc: "missing ath"},
		{name: "ath of another token", proof: signed(nil, map[string]any{"ath": athOf(tToken + "x")}), want: dpop.ErrInvalidProof, desc: "ath mismatch"},
		{name: "ath padded", proof: signed(nil, map[string]any{"ath": athOf(tToken) + "="}), want: dpop.ErrInvalidProof, desc: "ath mismatch"},
		{name: "ath a number", proof: signed(nil, map[string]any{"ath": 1}), want: dpop.ErrInvalidProof, desc: "malformed proof claims"},
		{name: "ath missing without token", proof: signed(nil, map[string]any{"ath": nil}), req: func(r *dpop.Request) { r.AccessToken = "" }},
		{name: "ath ignored without token", proof: signed(nil, nil), req: func(r *dpop.Request) { r.AccessToken = "" }},
		// Signature.
		{name: "signature of another payload", proof: edited(func(p string) string {
			parts := strings.Split(p, ".")
			return parts[0] + "." + parts[1] + "." + strings.Split(newClient(t, "ES256").proof(t, nil, nil), ".")[2]
		}), want: dpop.ErrInvalidProof, desc: "invalid signature"},
		{name: "signature truncated", proof: edited(func(p string) string {
			i := strings.LastIndexByte(p, '.')
			sig, _ := base64.RawURLEncoding.DecodeString(p[i+1:])
			return p[:i+1] + b64(sig[:len(sig)-1])
		}), want: dpop.ErrInvalidProof, desc: "invalid signature"},
		{name: "signature DER", proof: func(t *testing.T, c *tClient) string {
			p := c.proof(t, nil, nil)
			input := p[:strings.LastIndexByte(p, '.')]
			der, err := c.key.Sign(rand.Reader, sha256Sum(input), nil)
			require.NoError(t, err)
			return input + "." + base64.RawURLEncoding.EncodeToString(der)
		}, want: dpop.ErrInvalidProof, desc: "invalid signature"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runCase(t, newClient(t, "ES256"), tc)
		})
	}
}

// runCase checks tc's proof with a fresh checker and asserts the outcome.
func runCase(t *testing.T, client *tClient, tc checkCase) {
	t.Helper()
	c := newChecker(t, tc.config)
	req := tRequest()
	if tc.req != nil {
		tc.req(&req)
	}
	proof := tc.proof(t, client)
	res, err := c.Check(context.Background(), proof, req)
	if tc.want == nil {
		require.NoError(t, err, "Check(%s) failed; want it accepted", tc.name)
		assert.Equal(t, client.thumbprint(t), res.Thumbprint, "Check(%s).Thumbprint, want jwx's thumbprint of the key", tc.name)
		assert.NotEmpty(t, res.ID, "Check(%s).ID", tc.name)
		assert.WithinDuration(t, tNow, res.IssuedAt, 5*time.Minute, "Check(%s).IssuedAt", tc.name)
		return
	}
	require.Error(t, err, "Check(%s) accepted the proof; want %v", tc.name, tc.want)
	assert.ErrorIs(t, err, tc.want, "Check(%s) = %v; want an error matching %v", tc.name, err, tc.want)
	var de *dpop.Error
	require.ErrorAs(t, err, &de, "Check(%s) = %T; want a *dpop.Error", tc.name, err)
	assert.Equal(t, tc.desc, de.Description, "Check(%s): description of %q", tc.name, err)
	assert.Equal(t, "dpop: "+tc.desc, strings.SplitN(err.Error(), ": ", 3)[0]+": "+strings.SplitN(err.Error(), ": ", 3)[1],
		"Check(%s): message %q; want it to start with the description", tc.name, err)
	assertNoLeak(t, err, proof, req)
}

// assertNoLeak fails if err's message holds any part of the proof or of
// the request.
func assertNoLeak(t *testing.T, err error, proof string, req dpop.Request) {
	t.Helper()
	msg := err.Error()
	parts := strings.Split(proof, ".")
	secrets := append(parts, req.AccessToken, athOf(req.AccessToken), req.URL.Host, req.URL.Path)
	if len(parts) > 1 {
		if claims, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
			var m map[string]any
			if json.Unmarshal(claims, &m) == nil {
				for _, v := range m {
					if s, ok := v.(string); ok && len(s) > 3 {
						secrets = append(secrets, s)
					}
				}
			}
		}
	}
	for _, s := range secrets {
		if len(s) > 3 {
			assert.NotContains(t, msg, s, "error message %q leaks part of the proof or request", msg)
		}
	}
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err, "url.Parse(%q)", s)
	return u
}

// withMembers returns the JWK raw with members added or replaced.
func withMembers(t testing.TB, raw json.RawMessage, members map[string]any) json.RawMessage {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	for k, v := range members {
		m[k] = v
	}
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

func sha256Sum(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// setTrailingBit sets one of the unused low bits of the last character of
// an ES256 signature (64 bytes: 86 characters, 4 bits unused), which a
// strict base64url decoder refuses.
func setTrailingBit(proof string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, proof[len(proof)-1])
	return proof[:len(proof)-1] + string(alphabet[i|1])
}

// TestCheckAlgorithms checks a valid proof of every default algorithm, and
// of Ed25519 when configured.
func TestCheckAlgorithms(t *testing.T) {
	for _, alg := range append(dpop.DefaultAlgorithms, "Ed25519") {
		t.Run(alg, func(t *testing.T) {
			var config func(*dpop.Config)
			if alg == "Ed25519" {
				config = func(cfg *dpop.Config) { cfg.Algorithms = []string{"Ed25519"} }
			}
			runCase(t, newClient(t, alg), checkCase{name: alg, proof: signed(nil, nil), config: config})
		})
	}
}

// TestCheckKeyTypes refuses keys that jwks refuses for access tokens, and
// keys that do not suit "alg", before looking at the signature.
func TestCheckKeyTypes(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	cases := []struct {
		name string
		alg  string
		jwk  func(t testing.TB) json.RawMessage
		desc string
	}{
		{"RSA 1024", "RS256", func(t testing.TB) json.RawMessage {
			return json.RawMessage(`{"kty":"RSA","e":"AQAB","n":"` + b64(small.N.Bytes()) + `"}`)
		}, "unusable jwk"},
		{"EdDSA with an RSA key", "EdDSA", func(t testing.TB) json.RawMessage { return newClient(t, "RS256").jwk }, "jwk does not suit alg"},
		{"RS256 with an EC key", "RS256", func(t testing.TB) json.RawMessage { return newClient(t, "ES256").jwk }, "jwk does not suit alg"},
		{"ES384 with a P-256 key", "ES384", func(t testing.TB) json.RawMessage { return newClient(t, "ES256").jwk }, "jwk does not suit alg"},
		{"PS256 with an Ed25519 key", "PS256", func(t testing.TB) json.RawMessage { return newClient(t, "EdDSA").jwk }, "jwk does not suit alg"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newChecker(t, nil)
			hdr, err := json.Marshal(map[string]any{"typ": "dpop+jwt", "alg": tc.alg, "jwk": tc.jwk(t)})
			require.NoError(t, err)
			cl, err := json.Marshal(claimsFor(nil))
			require.NoError(t, err)
			proof := b64(hdr) + "." + b64(cl) + "." + b64(make([]byte, 256))
			_, err = c.Check(context.Background(), proof, tRequest())
			require.ErrorIs(t, err, dpop.ErrInvalidProof, "Check(%s)", tc.name)
			var de *dpop.Error
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tc.desc, de.Description, "Check(%s) = %v", tc.name, err)
		})
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// TestCheckRequest: a request Check cannot use is the caller's bug, not a
// refusal of the proof, whatever the proof.
func TestCheckRequest(t *testing.T) {
	client := newClient(t, "ES256")
	cases := map[string]struct {
		change func(*dpop.Request)
		want   string
	}{
		"nil URL":      {func(r *dpop.Request) { r.URL = nil }, "dpop: Request.URL"},
		"relative URL": {func(r *dpop.Request) { r.URL = &url.URL{Path: "/items"} }, "dpop: Request.URL"},
		"ftp URL":      {func(r *dpop.Request) { r.URL = mustURL(t, "ftp://api.example.test/items") }, "dpop: Request.URL"},
		"no method":    {func(r *dpop.Request) { r.Method = "" }, "dpop: Request.Method"},
	}
	for name, tc := range cases {
		for _, proof := range []string{client.proof(t, nil, nil), "not a proof"} {
			t.Run(name, func(t *testing.T) {
				c := newChecker(t, nil)
				req := tRequest()
				tc.change(&req)
				_, err := c.Check(context.Background(), proof, req)
				require.Error(t, err, "Check with %s", name)
				for _, sentinel := range []error{dpop.ErrInvalidProof, dpop.ErrUseNonce, dpop.ErrStoreUnavailable} {
					assert.NotErrorIs(t, err, sentinel, "Check with %s = %v", name, err)
				}
				assert.True(t, strings.HasPrefix(err.Error(), tc.want), "Check with %s = %v; want a message starting %q", name, err, tc.want)
			})
		}
	}
}

// TestCheckReplay accepts a proof once.
func TestCheckReplay(t *testing.T) {
	client := newClient(t, "ES256")
	c := newChecker(t, nil)
	proof := client.proof(t, nil, nil)
	_, err := c.Check(context.Background(), proof, tRequest())
	require.NoError(t, err, "first Check")
	_, err = c.Check(context.Background(), proof, tRequest())
	require.ErrorIs(t, err, dpop.ErrReplayed, "second Check of the same proof")
	require.ErrorIs(t, err, dpop.ErrInvalidProof, "second Check of the same proof")
	assert.NotErrorIs(t, err, dpop.ErrUseNonce)
	assert.EqualError(t, err, "dpop: proof replayed")

	// The same jti from another key is another proof.
	jti := randomJTI()
	_, err = c.Check(context.Background(), client.proof(t, nil, map[string]any{"jti": jti}), tRequest())
	require.NoError(t, err, "Check of a new jti")
	_, err = c.Check(context.Background(), newClient(t, "EdDSA").proof(t, nil, map[string]any{"jti": jti}), tRequest())
	require.NoError(t, err, "Check of the same jti from another key")
	_, err = c.Check(context.Background(), client.proof(t, nil, map[string]any{"jti": jti}), tRequest())
	require.ErrorIs(t, err, dpop.ErrReplayed, "Check of a new proof with a jti used before by the same key")
}

// TestCheckReplayStore: what the store is told, when, and what its
// failures become.
func TestCheckReplayStore(t *testing.T) {
	client := newClient(t, "ES256")
	t.Run("until", func(t *testing.T) {
		store := &countingStore{fresh: true}
		c := newChecker(t, func(cfg *dpop.Config) {
			cfg.Replay = store
			cfg.MaxAge = 2 * time.Minute
			cfg.Leeway = 10 * time.Second
		})
		iat := tNow.Add(-30 * time.Second).Unix()
		res, err := c.Check(context.Background(), client.proof(t, nil, map[string]any{"iat": iat}), tRequest())
		require.NoError(t, err)
		require.Equal(t, 1, store.calls, "Remember calls")
		assert.Equal(t, time.Unix(iat, 0).Add(2*time.Minute+10*time.Second), store.until[0], "Remember's until; want iat + MaxAge + Leeway")
		assert.Len(t, store.ids[0], 43, "replay ID %q; want a base64url SHA-256", store.ids[0])
		assert.NotContains(t, store.ids[0], res.ID, "replay ID holds the jti")
	})
	t.Run("not written for a bad signature", func(t *testing.T) {
		store := &countingStore{fresh: true}
		c := newChecker(t, func(cfg *dpop.Config) { cfg.Replay = store })
		p := client.proof(t, nil, nil)
		_, err := c.Check(context.Background(), p[:len(p)-4]+"AAAA", tRequest())
		require.ErrorIs(t, err, dpop.ErrInvalidProof)
		assert.Zero(t, store.calls, "Remember calls for a proof whose signature does not verify")
	})
	t.Run("not written without the nonce", func(t *testing.T) {
		store := &countingStore{fresh: true}
		nonces := newNonces(t)
		c := newChecker(t, func(cfg *dpop.Config) { cfg.Replay = store; cfg.Nonces = nonces })
		_, err := c.Check(context.Background(), client.proof(t, nil, nil), tRequest())
		require.ErrorIs(t, err, dpop.ErrUseNonce)
		assert.Zero(t, store.calls, "Remember calls for a proof without the nonce")
	})
	t.Run("error", func(t *testing.T) {
		cause := errors.New("redis: connection refused")
		c := newChecker(t, func(cfg *dpop.Config) { cfg.Replay = &countingStore{err: cause} })
		_, err := c.Check(context.Background(), client.proof(t, nil, nil), tRequest())
		require.ErrorIs(t, err, dpop.ErrStoreUnavailable)
		require.ErrorIs(t, err, cause, "the store's error is kept")
		assert.NotErrorIs(t, err, dpop.ErrInvalidProof)
		assert.NotErrorIs(t, err, dpop.ErrUseNonce)
		assert.EqualError(t, err, "dpop: replay store unavailable: redis: connection refused")
	})
	t.Run("canceled", func(t *testing.T) {
		c := newChecker(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.Check(ctx, client.proof(t, nil, nil), tRequest())
		require.ErrorIs(t, err, dpop.ErrStoreUnavailable)
		require.ErrorIs(t, err, context.Canceled)
	})
}

// TestCheckNonce: with Config.Nonces, every proof carries a current nonce.
func TestCheckNonce(t *testing.T) {
	client := newClient(t, "ES256")
	now := tNow
	nonces, err := dpop.NewNonces([]byte(strings.Repeat("s", 32)), time.Minute, func() time.Time { return now })
	require.NoError(t, err)
	c := newChecker(t, func(cfg *dpop.Config) { cfg.Nonces = nonces })
	current := c.Nonce()
	require.Equal(t, nonces.Current(), current, "Checker.Nonce")

	check := func(claims map[string]any) error {
		_, err := c.Check(context.Background(), client.proof(t, nil, claims), tRequest())
		return err
	}
	require.NoError(t, check(map[string]any{"nonce": current}), "Check with the current nonce")

	err = check(nil)
	require.ErrorIs(t, err, dpop.ErrUseNonce, "Check without a nonce")
	assert.NotErrorIs(t, err, dpop.ErrInvalidProof, "Check without a nonce")
	assert.EqualError(t, err, "dpop: nonce required")

	err = check(map[string]any{"nonce": "made-up"})
	require.ErrorIs(t, err, dpop.ErrUseNonce, "Check with a made-up nonce")
	assert.EqualError(t, err, "dpop: invalid or expired nonce")

	err = check(map[string]any{"nonce": 7})
	require.ErrorIs(t, err, dpop.ErrInvalidProof, "Check with a number for a nonce")

	// A minute on, the nonce is the previous one and still accepted; two
	// minutes on, it is not.
	now = tNow.Add(time.Minute)
	require.NotEqual(t, current, c.Nonce(), "Nonce a minute later")
	require.NoError(t, check(map[string]any{"nonce": current}), "Check with the previous nonce")
	now = tNow.Add(2 * time.Minute)
	err = check(map[string]any{"nonce": current})
	require.ErrorIs(t, err, dpop.ErrUseNonce, "Check with a nonce two buckets old")

	// Without Config.Nonces, a nonce is ignored.
	plain := newChecker(t, nil)
	assert.Empty(t, plain.Nonce(), "Nonce without Config.Nonces")
	_, err = plain.Check(context.Background(), client.proof(t, nil, map[string]any{"nonce": "anything"}), tRequest())
	require.NoError(t, err, "Check of a proof with a nonce, without Config.Nonces")
}

func newNonces(t testing.TB) *dpop.Nonces {
	t.Helper()
	n, err := dpop.NewNonces([]byte(strings.Repeat("k", 32)), time.Minute, tClock)
	require.NoError(t, err)
	return n
}

// TestCheckHeaderCache: a header that passed once is not parsed again, and
// the cache never lets a proof through that would fail without it.
func TestCheckHeaderCache(t *testing.T) {
	client := newClient(t, "ES256")
	c := newChecker(t, nil)
	for i := range 3 {
		_, err := c.Check(context.Background(), client.proof(t, nil, nil), tRequest())
		require.NoError(t, err, "Check %d", i)
	}
	// A proof with the cached header and a bad signature still fails.
	p := client.proof(t, nil, nil)
	_, err := c.Check(context.Background(), p[:len(p)-4]+"AAAA", tRequest())
	require.ErrorIs(t, err, dpop.ErrInvalidProof, "Check with a cached header and a bad signature")
	// A proof signed by another key under the client's header fails, every
	// time: the header is known, the key in it is the client's.
	forger, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	for i := range 2 {
		forged, err := verifiertest.Sign("ES256", forger, client.header(nil), claimsFor(nil))
		require.NoError(t, err)
		_, err = c.Check(context.Background(), forged, tRequest())
		require.ErrorIs(t, err, dpop.ErrInvalidProof, "Check %d of a proof signed by another key under the client's header", i)
	}
}

// TestCheckerAccessors covers Required and Algorithms.
func TestCheckerAccessors(t *testing.T) {
	c := newChecker(t, func(cfg *dpop.Config) { cfg.Required = true; cfg.Algorithms = []string{"ES256", "EdDSA", "ES256"} })
	assert.True(t, c.Required(), "Required with Config.Required")
	algs := c.Algorithms()
	assert.Equal(t, []string{"ES256", "EdDSA"}, algs, "Algorithms, without duplicates")
	algs[0] = "none"
	assert.Equal(t, []string{"ES256", "EdDSA"}, c.Algorithms(), "Algorithms after changing the copy")
	assert.False(t, newChecker(t, nil).Required(), "Required by default")
	assert.Equal(t, dpop.DefaultAlgorithms, newChecker(t, nil).Algorithms(), "Algorithms by default")
}

// TestNew refuses configurations that would be unsafe or meaningless.
func TestNew(t *testing.T) {
	cases := map[string]struct {
		cfg  dpop.Config
		want string
	}{
		"none":            {dpop.Config{Algorithms: []string{"ES256", "none"}}, `"none" is never allowed`},
		"None":            {dpop.Config{Algorithms: []string{"None"}}, `"none" is never allowed`},
		"HS256":           {dpop.Config{Algorithms: []string{"HS256"}}, "MAC algorithm"},
		"unknown":         {dpop.Config{Algorithms: []string{"ES256K"}}, "unknown algorithm"},
		"empty name":      {dpop.Config{Algorithms: []string{""}}, "unknown algorithm"},
		"negative MaxAge": {dpop.Config{MaxAge: -time.Second}, "MaxAge is negative"},
		"negative Leeway": {dpop.Config{Leeway: -time.Second}, "Leeway is negative"},
		"negative size":   {dpop.Config{MaxProofSize: -1}, "MaxProofSize is negative"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := dpop.New(tc.cfg)
			require.Error(t, err, "New(%+v) = %v; want an error", tc.cfg, c)
			assert.Contains(t, err.Error(), tc.want, "New(%+v)", tc.cfg)
			assert.True(t, strings.HasPrefix(err.Error(), "dpop: "), "New error %q lacks the package prefix", err)
		})
	}
}

// TestErrorIs checks the matching rules of *Error.
func TestErrorIs(t *testing.T) {
	cause := errors.New("cause")
	cases := []struct {
		err     *dpop.Error
		matches []error
		not     []error
	}{
		{&dpop.Error{Reason: dpop.ErrInvalidProof, Description: "wrong htu"}, []error{dpop.ErrInvalidProof}, []error{dpop.ErrUseNonce, dpop.ErrReplayed, dpop.ErrStoreUnavailable}},
		{&dpop.Error{Reason: dpop.ErrReplayed, Description: "proof replayed"}, []error{dpop.ErrInvalidProof, dpop.ErrReplayed}, []error{dpop.ErrUseNonce, dpop.ErrStoreUnavailable}},
		{&dpop.Error{Reason: dpop.ErrUseNonce, Description: "nonce required"}, []error{dpop.ErrUseNonce}, []error{dpop.ErrInvalidProof, dpop.ErrReplayed, dpop.ErrStoreUnavailable}},
		{&dpop.Error{Reason: dpop.ErrStoreUnavailable, Description: "replay store unavailable", Err: cause}, []error{dpop.ErrStoreUnavailable, cause}, []error{dpop.ErrInvalidProof, dpop.ErrUseNonce, dpop.ErrReplayed}},
	}
	for _, tc := range cases {
		for _, m := range tc.matches {
			assert.ErrorIs(t, tc.err, m, "errors.Is(%v, %v)", tc.err, m)
		}
		for _, m := range tc.not {
			assert.NotErrorIs(t, tc.err, m, "errors.Is(%v, %v)", tc.err, m)
		}
	}
	assert.EqualError(t, &dpop.Error{Reason: dpop.ErrStoreUnavailable, Description: "replay store unavailable", Err: cause}, "dpop: replay store unavailable: cause")
	assert.EqualError(t, &dpop.Error{Reason: dpop.ErrInvalidProof, Description: "wrong htu"}, "dpop: wrong htu")
}

// ecScalar returns the private scalar of k.
func ecScalar(t *testing.T, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	b, err := k.Bytes()
	if err != nil {
		t.Fatalf("ecdsa.PrivateKey.Bytes: %v", err)
	}
	return b
}
