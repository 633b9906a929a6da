package jwks

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"maps"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests are internal because they exercise parseSet, the tolerant
// parser that Remote uses.

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwkMap is a JWK under construction.
type jwkMap map[string]any

// with returns a copy of m with the given members set; a nil value removes
// the member.
func (m jwkMap) with(kv ...any) jwkMap {
	out := maps.Clone(m)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func (m jwkMap) json(t testing.TB) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

func rsaJWK(kid string, pub *rsa.PublicKey) jwkMap {
	return jwkMap{"kty": "RSA", "kid": kid, "n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes())}
}

func ecJWK(kid string, pub *ecdsa.PublicKey) jwkMap {
	x, y := ecCoordinates(pub)
	return jwkMap{"kty": "EC", "kid": kid, "crv": pub.Curve.Params().Name, "x": b64(x), "y": b64(y)}
}

func okpJWK(kid string, pub ed25519.PublicKey) jwkMap {
	return jwkMap{"kty": "OKP", "kid": kid, "crv": "Ed25519", "x": b64(pub)}
}

func octJWK(kid string, secret []byte) jwkMap {
	return jwkMap{"kty": "oct", "kid": kid, "k": b64(secret)}
}

// jwksDoc returns {"keys": [...]} for the given keys.
func jwksDoc(t testing.TB, keys ...jwkMap) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"keys": keys})
	require.NoError(t, err)
	return b
}

func TestParseJWKAccepts(t *testing.T) {
	rsaKey := testRSAKey()
	p256 := newECKey(t, elliptic.P256())
	p384 := newECKey(t, elliptic.P384())
	p521 := newECKey(t, elliptic.P521())
	ed := newEd25519Key(t)
	secret32 := bytes.Repeat([]byte{0x5a}, 32)
	secret64 := bytes.Repeat([]byte{0xa5}, 64)
	rsaAll := []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}

	tests := []struct {
		name     string
		jwk      jwkMap
		priv     any // signs a test message for each algorithm of wantAlgs
		wantType string
		wantAlgs []string
	}{
		{"RSA without alg", rsaJWK("r1", &rsaKey.PublicKey), rsaKey, "RSA", rsaAll},
		{"RSA RS256 sig verify", rsaJWK("r1", &rsaKey.PublicKey).with("alg", "RS256", "use", "sig", "key_ops", []string{"verify"}), rsaKey, "RSA", []string{"RS256"}},
		{"RSA PS384", rsaJWK("r1", &rsaKey.PublicKey).with("alg", "PS384"), rsaKey, "RSA", []string{"PS384"}},
		{"RSA key_ops sign and verify", rsaJWK("r1", &rsaKey.PublicKey).with("key_ops", []string{"sign", "verify"}), rsaKey, "RSA", rsaAll},
		{"EC P-256", ecJWK("e1", &p256.PublicKey).with("alg", "ES256", "use", "sig"), p256, "EC", []string{"ES256"}},
		{"EC P-256 without alg", ecJWK("e1", &p256.PublicKey), p256, "EC", []string{"ES256"}},
		{"EC P-384", ecJWK("e1", &p384.PublicKey).with("alg", "ES384"), p384, "EC", []string{"ES384"}},
		{"EC P-521", ecJWK("e1", &p521.PublicKey).with("alg", "ES512"), p521, "EC", []string{"ES512"}},
		{"OKP Ed25519 EdDSA", okpJWK("o1", ed.Public().(ed25519.PublicKey)).with("alg", "EdDSA"), ed, "OKP", []string{"EdDSA"}},
		{"OKP Ed25519 without alg", okpJWK("o1", ed.Public().(ed25519.PublicKey)), ed, "OKP", []string{"EdDSA", "Ed25519"}},
		{"oct 32 bytes HS256", octJWK("h1", secret32).with("alg", "HS256"), secret32, "oct", []string{"HS256"}},
		{"oct 32 bytes without alg", octJWK("h1", secret32), secret32, "oct", []string{"HS256"}},
		{"oct 64 bytes without alg", octJWK("h1", secret64), secret64, "oct", []string{"HS256", "HS384", "HS512"}},
		{"oct 64 bytes HS512", octJWK("h1", secret64).with("alg", "HS512"), secret64, "oct", []string{"HS512"}},
		{"no kid", ecJWK("", &p256.PublicKey).with("kid", nil), p256, "EC", []string{"ES256"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.jwk.json(t)
			k, err := ParseJWK(data)
			require.NoError(t, err, "ParseJWK(%s) failed; want a key", data)
			wantID, _ := tt.jwk["kid"].(string)
			assert.Equal(t, wantID, k.ID(), "ParseJWK(%s).ID()", tt.name)
			assert.Equal(t, tt.wantType, k.Type(), "ParseJWK(%s).Type()", tt.name)
			assert.Equal(t, tt.wantAlgs, k.Algorithms(), "ParseJWK(%s).Algorithms()", tt.name)
			msg := []byte("h.p")
			for _, alg := range tt.wantAlgs {
				assert.NoError(t, k.Verify(alg, msg, signJWS(t, alg, tt.priv, msg)), "parsed key: Verify(%s) of a valid signature", alg)
			}
		})
	}
}

func TestParseJWKRefuses(t *testing.T) {
	rsaKey := testRSAKey()
	p256 := newECKey(t, elliptic.P256())
	p384 := newECKey(t, elliptic.P384())
	ed := newEd25519Key(t)
	edPub := ed.Public().(ed25519.PublicKey)
	secret := bytes.Repeat([]byte{0x5a}, 32)

	rsaPub := rsaJWK("kid-r", &rsaKey.PublicKey)
	rsaPriv := rsaPub.with(
		"d", b64(rsaKey.D.Bytes()),
		"p", b64(rsaKey.Primes[0].Bytes()), "q", b64(rsaKey.Primes[1].Bytes()),
		"dp", b64(rsaKey.Precomputed.Dp.Bytes()), "dq", b64(rsaKey.Precomputed.Dq.Bytes()),
		"qi", b64(rsaKey.Precomputed.Qinv.Bytes()),
	)
	ecPub := ecJWK("kid-e", &p256.PublicKey)
	_, p256Y := ecBigCoordinates(&p256.PublicKey)
	offCurve := ecPub.with("y", b64(new(big.Int).Add(p256Y, big.NewInt(1)).FillBytes(make([]byte, 32))))
	weakN := new(big.Int).SetBit(new(big.Int).Rsh(rsaKey.N, 1024), 0, 1) // odd, 1024 bits

	tests := []struct {
		name    string
		jwk     []byte
		wantMsg string // a fragment of the error; "" when only jwx's own message applies
	}{
		{"use enc", rsaPub.with("use", "enc").json(t), `"kid-r" is for "enc"`},
		{"use enc on EC", ecPub.with("use", "enc", "alg", "ES256").json(t), `"kid-e" is for "enc"`},
		{"key_ops encrypt", rsaPub.with("key_ops", []string{"encrypt"}).json(t), `key_ops does not include "verify"`},
		{"key_ops sign only", ecPub.with("key_ops", []string{"sign"}).json(t), `key_ops does not include "verify"`},
		{"key_ops empty", ecPub.with("key_ops", []string{}).json(t), `key_ops does not include "verify"`},
		{"RSA private key", rsaPriv.json(t), "private key material"},
		{"RSA with d only", rsaPub.with("d", b64(rsaKey.D.Bytes())).json(t), "private key material"},
		{"EC private key", ecPub.with("d", b64(ecScalar(p256))).json(t), "private key material"},
		{"OKP private key", okpJWK("kid-o", edPub).with("d", b64(ed.Seed())).json(t), "private key material"},
		{"alg ES521", ecPub.with("alg", "ES521").json(t), "invalid key algorithm"},
		{"alg ES224", ecPub.with("alg", "ES224").json(t), "invalid key algorithm"},
		{"alg RSA-OAEP", rsaPub.with("alg", "RSA-OAEP").json(t), `"kid-r"`},
		{"alg A256GCM", octJWK("kid-h", secret).with("alg", "A256GCM").json(t), `"kid-h"`},
		{"alg none", rsaPub.with("alg", "none").json(t), `"kid-r"`},
		{"alg lower case", rsaPub.with("alg", "rs256").json(t), "invalid key algorithm"},
		{"alg empty", rsaPub.with("alg", "").json(t), "invalid key algorithm"},
		{"RS256 on EC", ecPub.with("alg", "RS256").json(t), "algorithm RS256 does not suit a P-256 EC key"},
		{"ES384 on P-256", ecPub.with("alg", "ES384").json(t), "algorithm ES384 does not suit a P-256 EC key"},
		{"ES256 on P-384", ecJWK("kid-e", &p384.PublicKey).with("alg", "ES256").json(t), "algorithm ES256 does not suit a P-384 EC key"},
		{"HS256 on RSA", rsaPub.with("alg", "HS256").json(t), "algorithm HS256 does not suit a 2048-bit RSA key"},
		{"EdDSA on EC", ecPub.with("alg", "EdDSA").json(t), "algorithm EdDSA does not suit a P-256 EC key"},
		{"RS256 on oct", octJWK("kid-h", secret).with("alg", "RS256").json(t), "algorithm RS256 does not suit a 32-byte HMAC secret"},
		{"HS512 on 32-byte oct", octJWK("kid-h", secret).with("alg", "HS512").json(t), "algorithm HS512 does not suit a 32-byte HMAC secret"},
		{"ES256 on OKP", okpJWK("kid-o", edPub).with("alg", "ES256").json(t), "algorithm ES256 does not suit a Ed25519 key"},
		{"kty RSA with EC members", ecPub.with("kty", "RSA").json(t), ""},
		{"kty EC with RSA members", rsaPub.with("kty", "EC").json(t), ""},
		{"kty oct with RSA members", rsaPub.with("kty", "oct").json(t), ""},
		{"kty OKP with EC members", ecPub.with("kty", "OKP").json(t), ""},
		{"kty unknown", rsaPub.with("kty", "RSA2").json(t), ""},
		{"kty missing", rsaPub.with("kty", nil).json(t), ""},
		{"EC point off curve", offCurve.json(t), "not on curve"},
		{"EC point at infinity", ecPub.with("x", b64(make([]byte, 32)), "y", b64(make([]byte, 32))).json(t), ""},
		{"EC wrong curve", ecPub.with("crv", "P-384").json(t), ""},
		{"EC P-224", ecPub.with("crv", "P-224").json(t), ""},
		{"EC y missing", ecPub.with("y", nil).json(t), ""},
		{"OKP X25519", okpJWK("kid-o", edPub).with("crv", "X25519").json(t), `"kid-o"`},
		{"OKP short", okpJWK("kid-o", edPub[:31]).json(t), ""},
		{"RSA 1024 bits", rsaJWK("kid-r", &rsa.PublicKey{N: weakN, E: 65537}).json(t), "1024 bits"},
		{"RSA exponent 1", rsaJWK("kid-r", &rsa.PublicKey{N: rsaKey.N, E: 1}).json(t), "exponent"},
		{"RSA even modulus", rsaJWK("kid-r", &rsa.PublicKey{N: new(big.Int).Add(rsaKey.N, big.NewInt(1)), E: 65537}).json(t), "even"},
		{"RSA n missing", rsaPub.with("n", nil).json(t), ""},
		{"oct 31 bytes", octJWK("kid-h", secret[:31]).with("alg", "HS256").json(t), "31 bytes"},
		{"oct 31 bytes without alg", octJWK("kid-h", secret[:31]).json(t), "31 bytes"},
		{"oct empty k", octJWK("kid-h", nil).with("alg", "HS256").json(t), ""},
		{"oct k missing", octJWK("kid-h", nil).with("k", nil).json(t), ""},
		{"not base64", rsaPub.with("n", "!!!").json(t), ""},
		{"not JSON", []byte(`{"kty":`), "not a valid JWK"},
		{"JSON array", []byte(`[]`), "not a valid JWK"},
		{"JSON string", []byte(`"RSA"`), "not a valid JWK"},
		{"empty", nil, "not a valid JWK"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var k *Key
			var err error
			require.NotPanics(t, func() { k, err = ParseJWK(tt.jwk) }, "ParseJWK(%s)", tt.jwk)
			require.Error(t, err, "ParseJWK(%s) = %v; want an error", tt.jwk, k)
			assert.Nil(t, k, "ParseJWK returned a key with its error")
			assert.True(t, strings.HasPrefix(err.Error(), "jwks: "), "error %q should start with the package name", err)
			if tt.wantMsg != "" {
				assert.Contains(t, err.Error(), tt.wantMsg, "ParseJWK(%s) error", tt.name)
			}
		})
	}
}

func TestParseJWKErrorHasNoSecret(t *testing.T) {
	secret := []byte("short-DO-NOT-PRINT-secret")
	for _, jwk := range []jwkMap{
		octJWK("kid-h", secret),
		octJWK("kid-h", secret).with("alg", "HS256"),
		octJWK("kid-h", append(secret, bytes.Repeat([]byte{'!'}, 20)...)).with("alg", "A256GCM"),
		octJWK("kid-h", append(secret, bytes.Repeat([]byte{'!'}, 20)...)).with("use", "enc"),
	} {
		k, err := ParseJWK(jwk.json(t))
		require.Error(t, err, "ParseJWK(%v) = %v; want an error", jwk["alg"], k)
		for form, leak := range secretForms(secret) {
			assert.NotContains(t, err.Error(), leak, "ParseJWK error contains the secret (%s form)", form)
		}
	}
}

func TestParseJWKS(t *testing.T) {
	rsaKey := testRSAKey()
	p256 := newECKey(t, elliptic.P256())
	ed := newEd25519Key(t)
	good := []jwkMap{
		rsaJWK("a", &rsaKey.PublicKey).with("alg", "RS256", "use", "sig"),
		ecJWK("b", &p256.PublicKey),
		okpJWK("c", ed.Public().(ed25519.PublicKey)),
		ecJWK("", &p256.PublicKey).with("kid", nil),
	}
	doc := jwksDoc(t, good...)

	t.Run("valid set", func(t *testing.T) {
		keys, err := ParseJWKS(doc)
		require.NoError(t, err, "ParseJWKS(%s)", doc)
		require.Len(t, keys, 4, "ParseJWKS of a set of 4 keys")
		for i, want := range []struct{ id, typ string }{{"a", "RSA"}, {"b", "EC"}, {"c", "OKP"}, {"", "EC"}} {
			assert.Equal(t, want.id, keys[i].ID(), "key %d ID", i)
			assert.Equal(t, want.typ, keys[i].Type(), "key %d type", i)
		}
		assert.Equal(t, []string{"RS256"}, keys[0].Algorithms(), "the alg of a JWK restricts its key")
	})
	t.Run("trailing whitespace", func(t *testing.T) {
		keys, err := ParseJWKS(append(cloneBytes(doc), " \n\t\r\n"...))
		require.NoError(t, err, "ParseJWKS with trailing whitespace")
		assert.Len(t, keys, 4)
	})
	t.Run("HMAC-only set", func(t *testing.T) {
		keys, err := ParseJWKS(jwksDoc(t, octJWK("h1", bytes.Repeat([]byte{1}, 32)), octJWK("h2", bytes.Repeat([]byte{2}, 64))))
		require.NoError(t, err, "ParseJWKS of two HMAC secrets")
		require.Len(t, keys, 2)
		assert.True(t, keys[0].IsSymmetric() && keys[1].IsSymmetric())
	})

	refused := []struct {
		name    string
		doc     []byte
		wantMsg []string
	}{
		{"one bad key names it", jwksDoc(t, good[0], ecJWK("bad-one", &p256.PublicKey).with("use", "enc"), good[1]), []string{"key 1", `"bad-one"`, "enc"}},
		{"two bad keys name both", jwksDoc(t, good[0], ecJWK("bad-1", &p256.PublicKey).with("alg", "RS256"), okpJWK("bad-2", ed.Public().(ed25519.PublicKey)).with("d", b64(ed.Seed()))), []string{`"bad-1"`, `"bad-2"`, "key 1", "key 2"}},
		{"malformed key", jwksDoc(t, good[0], jwkMap{"kty": "EC", "kid": "broken"}), []string{"key 1"}},
		{"key not an object", []byte(`{"keys":[1]}`), []string{"key 0"}},
		{"duplicate kid", jwksDoc(t, good[0], ecJWK("a", &p256.PublicKey)), []string{`kid "a"`, "not unique"}},
		{"mixed secret and public keys", jwksDoc(t, good[1], octJWK("h", bytes.Repeat([]byte{1}, 32))), []string{"mixes HMAC secrets with public keys"}},
		{"empty set", []byte(`{"keys":[]}`), []string{"no keys"}},
		{"not JSON", []byte(`{"keys":[`), []string{"not a JSON object"}},
		{"HTML", []byte(`<html><body>Sign in</body></html>`), []string{"not a JSON object"}},
		{"empty document", nil, []string{"not a JSON object"}},
		{"JSON array", []byte(`[]`), []string{"not a JSON object"}},
		{"no keys member", []byte(`{}`), []string{`no "keys" array`}},
		{"keys null", []byte(`{"keys":null}`), []string{`no "keys" array`}},
		{"keys an object", []byte(`{"keys":{}}`), []string{"not a JSON object"}},
		{"a single JWK", good[1].json(t), []string{`no "keys" array`}},
		// The set is read by encoding/json/v2, whose message names data
		// after the object.
		{"trailing object", append(cloneBytes(doc), `{}`...), []string{"not a JSON object", "after top-level value"}},
		{"trailing text", append(cloneBytes(doc), `x`...), []string{"not a JSON object", "after top-level value"}},
		{"trailing brace", append(cloneBytes(doc), `}`...), []string{"not a JSON object", "after top-level value"}},
		{"trailing bracket", append(cloneBytes(doc), `]`...), []string{"not a JSON object", "after top-level value"}},
		{"trailing comma", append(cloneBytes(doc), `,`...), []string{"not a JSON object", "after top-level value"}},
		// encoding/json/v2 is strict where v1 was not. Two "keys" members
		// would let two readers of the same document see different sets
		// (v1 took the last one); a duplicate member inside a key (two
		// "kid" or two "x") would do the same for that key, so the whole
		// document is refused, not only the key.
		{"duplicate keys member", []byte(`{"keys":[],"keys":` + string(jsonOf(t, []jwkMap{good[1]})) + `}`), []string{"not a JSON object", `duplicate object member name "keys"`}},
		{"duplicate member in a key", []byte(`{"keys":[{"kid":"a","kid":"b","kty":"EC"}]}`), []string{"not a JSON object", `duplicate object member name "kid"`}},
		{"invalid UTF-8", []byte("{\"keys\":[],\"note\":\"\xff\"}"), []string{"not a JSON object", "invalid UTF-8"}},
		// Member names match case-sensitively: "Keys" is not "keys".
		{"keys member in another case", []byte(`{"Keys":` + string(jsonOf(t, []jwkMap{good[1]})) + `}`), []string{`no "keys" array`}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := ParseJWKS(tt.doc)
			require.Error(t, err, "ParseJWKS(%s) = %d keys; want an error", tt.doc, len(keys))
			assert.Nil(t, keys, "ParseJWKS returned keys with its error")
			for _, frag := range tt.wantMsg {
				assert.Contains(t, err.Error(), frag, "ParseJWKS(%s) error", tt.name)
			}
		})
	}
}

// jsonOf returns the JSON encoding of v.
func jsonOf(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err, "json.Marshal(%T)", v)
	return b
}

// cloneBytes returns a copy of b, so that appending never writes into b.
func cloneBytes(b []byte) []byte { return append([]byte(nil), b...) }

// TestParseSetTolerant covers the parser used for fetched key sets: a
// poisoned set, with one malformed key among good ones, keeps the good ones
// working.
func TestParseSetTolerant(t *testing.T) {
	rsaKey := testRSAKey()
	p256 := newECKey(t, elliptic.P256())
	p384 := newECKey(t, elliptic.P384())
	ed := newEd25519Key(t)
	secret := []byte("tolerant-DO-NOT-PRINT-secret-0123456789")
	doc := jwksDoc(t,
		rsaJWK("good-rsa", &rsaKey.PublicKey).with("alg", "RS256"),       // 0 kept
		jwkMap{"kty": "EC", "kid": "malformed", "crv": "P-256"},          // 1 skipped: no point
		ecJWK("good-ec", &p256.PublicKey),                                // 2 kept
		ecJWK("for-enc", &p384.PublicKey).with("use", "enc"),             // 3 skipped: enc
		octJWK("a-secret", secret),                                       // 4 skipped: secret in a published set
		ecJWK("twin", &p256.PublicKey),                                   // 5 skipped: kid shared
		okpJWK("twin", ed.Public().(ed25519.PublicKey)),                  // 6 skipped: kid shared
		okpJWK("", ed.Public().(ed25519.PublicKey)).with("kid", nil),     // 7 kept
		ecJWK("", &p384.PublicKey).with("kid", nil),                      // 8 kept: an empty kid is not a duplicate
		ecJWK("private", &p256.PublicKey).with("d", b64(ecScalar(p256))), // 9 skipped: private
	)
	keys, problems, err := parseSet(doc, false)
	require.NoError(t, err, "parseSet of a poisoned set; want the document accepted")

	var ids []string
	for _, k := range keys {
		ids = append(ids, k.ID()+"/"+k.Type())
	}
	assert.Equal(t, []string{"good-rsa/RSA", "good-ec/EC", "/OKP", "/EC"}, ids, "parseSet kept keys")
	for _, k := range keys {
		assert.False(t, k.IsSymmetric(), "parseSet(allowSecrets=false) kept a secret")
	}

	var msgs []string
	for _, p := range problems {
		msgs = append(msgs, p.Error())
	}
	require.Len(t, problems, 5, "parseSet problems: one per skipped key, one for the shared kid; got %q", msgs)
	all := strings.Join(msgs, "\n")
	for _, frag := range []string{"key 1: not a valid JWK", `key 3: key "for-enc" is for "enc"`, `key 4 ("a-secret"): a published key set must not contain HMAC secrets`, `kid "twin" is not unique`, `key 9: key "private" contains private key material`} {
		assert.Contains(t, all, frag, "parseSet problems")
	}
	for form, leak := range secretForms(secret) {
		assert.NotContains(t, all, leak, "parseSet problems contain the skipped secret (%s form)", form)
	}
	assert.NotContains(t, all, b64(ecScalar(p256)), "parseSet problems contain the skipped private key")

	// The kept keys work.
	msg := []byte("h.p")
	require.NoError(t, keys[1].Verify("ES256", msg, signJWS(t, "ES256", p256, msg)), "kept EC key: Verify of a valid signature")

	t.Run("allowSecrets keeps a secrets-only set", func(t *testing.T) {
		keys, problems, err := parseSet(jwksDoc(t, octJWK("s", secret)), true)
		require.NoError(t, err)
		assert.Empty(t, problems)
		require.Len(t, keys, 1)
		assert.True(t, keys[0].IsSymmetric())
	})
	t.Run("all keys bad", func(t *testing.T) {
		keys, problems, err := parseSet(jwksDoc(t, octJWK("s", secret), ecJWK("e", &p256.PublicKey).with("use", "enc")), false)
		require.NoError(t, err, "a set whose keys are all unusable is still a set")
		assert.Empty(t, keys)
		assert.Len(t, problems, 2)
	})
	t.Run("not a set", func(t *testing.T) {
		for _, doc := range []string{``, `null`, `[]`, `{}`, `{"keys":[]}x`, `<html>`} {
			keys, _, err := parseSet([]byte(doc), false)
			require.Error(t, err, "parseSet(%q) = %d keys; want an error", doc, len(keys))
		}
	})
}

func TestParsePEM(t *testing.T) {
	rsaKey := testRSAKey()
	p256 := newECKey(t, elliptic.P256())
	ed := newEd25519Key(t)

	pkixPEM := func(pub any) []byte {
		der, err := x509.MarshalPKIXPublicKey(pub)
		require.NoError(t, err)
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "issuer.example"},
		NotBefore:    time.Unix(0, 0),
		NotAfter:     time.Unix(1<<31, 0),
	}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &p256.PublicKey, p256)
	require.NoError(t, err)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})
	pkcs1PEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&rsaKey.PublicKey)})
	ecPrivDER, err := x509.MarshalECPrivateKey(p256)
	require.NoError(t, err)
	pkcs8DER, err := x509.MarshalPKCS8PrivateKey(ed)
	require.NoError(t, err)
	weak := &rsa.PublicKey{N: new(big.Int).SetBit(new(big.Int).Rsh(rsaKey.N, 1024), 0, 1), E: 65537}

	accepted := []struct {
		name      string
		data      []byte
		wantTypes []string
	}{
		{"PKIX RSA", pkixPEM(&rsaKey.PublicKey), []string{"RSA"}},
		{"PKIX EC", pkixPEM(&p256.PublicKey), []string{"EC"}},
		{"PKIX Ed25519", pkixPEM(ed.Public()), []string{"OKP"}},
		{"PKCS1 RSA", pkcs1PEM, []string{"RSA"}},
		{"certificate", certPEM, []string{"EC"}},
		{"several blocks with text around", concat(append([]byte("issuer keys\n"), pkixPEM(&rsaKey.PublicKey)...), []byte("\n-- next --\n"), certPEM, pkixPEM(ed.Public())), []string{"RSA", "EC", "OKP"}},
	}
	for _, tt := range accepted {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := ParsePEM(tt.data)
			require.NoError(t, err, "ParsePEM(%s)", tt.name)
			require.Len(t, keys, len(tt.wantTypes), "ParsePEM(%s) key count", tt.name)
			for i, k := range keys {
				assert.Equal(t, tt.wantTypes[i], k.Type(), "key %d type", i)
				assert.Equal(t, "", k.ID(), "a PEM key has no ID")
			}
		})
	}
	t.Run("certificate key verifies", func(t *testing.T) {
		keys, err := ParsePEM(certPEM)
		require.NoError(t, err)
		msg := []byte("h.p")
		assert.NoError(t, keys[0].Verify("ES256", msg, signJWS(t, "ES256", p256, msg)), "key from a certificate: Verify of a valid signature")
	})

	refused := []struct {
		name    string
		data    []byte
		wantMsg string
	}{
		{"no PEM", []byte("not pem at all"), "no PEM-encoded public key"},
		{"empty", nil, "no PEM-encoded public key"},
		{"EC private key", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecPrivDER}), `"EC PRIVATE KEY" is not a public key`},
		{"PKCS8 private key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8DER}), `"PRIVATE KEY" is not a public key`},
		{"RSA private key", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}), `"RSA PRIVATE KEY" is not a public key`},
		{"private key after a public one", concat(pkixPEM(&p256.PublicKey), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8DER})), "is not a public key"},
		{"garbage in block", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("garbage")}), "PEM block 1 (PUBLIC KEY)"},
		{"garbage second block", concat(pkixPEM(&p256.PublicKey), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("garbage")})), "PEM block 2 (CERTIFICATE)"},
		{"weak RSA key", pkixPEM(weak), "1024 bits"},
		{"weak PKCS1 key", pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(weak)}), "1024 bits"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := ParsePEM(tt.data)
			require.Error(t, err, "ParsePEM(%s) = %d keys; want an error", tt.name, len(keys))
			assert.Nil(t, keys)
			assert.Contains(t, err.Error(), tt.wantMsg, "ParsePEM(%s) error", tt.name)
		})
	}
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
