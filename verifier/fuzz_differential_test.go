package verifier

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/jwtgate/jwtgate/jwks"
)

// The verifier decodes compact JWS itself, for speed. This differential
// fuzz test holds it to the reference implementation, jwx's jws.Verify,
// given the same keys:
//
//   - whatever we accept, jwx accepts, with the same payload;
//   - whatever jwx accepts and we reject, we reject for one of our
//     documented extra checks: a header that is not strict JSON (duplicate
//     members, invalid UTF-8, lone surrogates, excessive nesting), a "crit"
//     or "b64" header, non-canonical base64url, or a signature form that
//     RFC 7518 forbids (ECDSA not as fixed-width R||S, RSA-PSS with a salt
//     other than the hash length), or a signature that covers the header
//     re-encoded rather than the bytes received (jwx re-encodes).
//
// Any other disagreement fails the test.

// dfKey is a fixed key (generated once, deterministically) with the
// algorithms it verifies.
type dfKey struct {
	priv any // the signing key, for seeds: a crypto.Signer or a secret
	pub  any // what jwx is given to verify
	key  *jwks.Key
	algs []string
}

var dfSetup = sync.OnceValues(func() ([]dfKey, error) {
	r := dfRand()
	rsaKey, err := rsa.GenerateKey(r, 2048)
	if err != nil {
		return nil, err
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), r)
	if err != nil {
		return nil, err
	}
	_, edKey, err := ed25519.GenerateKey(r)
	if err != nil {
		return nil, err
	}
	secret := []byte("differential fuzzing secret of 64 bytes, long enough for HS512!")
	var out []dfKey
	for _, priv := range []any{rsaKey, ecKey, edKey, secret} {
		k := dfKey{priv: priv, pub: priv}
		if signer, ok := priv.(crypto.Signer); ok {
			k.pub = signer.Public()
			k.key, err = jwks.NewPublicKey("k", k.pub)
		} else {
			k.key, err = jwks.NewSecret("k", secret)
		}
		if err != nil {
			return nil, err
		}
		k.algs = k.key.Algorithms()
		out = append(out, k)
	}
	return out, nil
})

// dfRand is a deterministic reader, so that seeds stay valid across runs.
func dfRand() *dfReader { return &dfReader{state: 1} }

type dfReader struct{ state uint64 }

func (r *dfReader) Read(p []byte) (int, error) {
	for i := range p {
		r.state = r.state*6364136223846793005 + 1442695040888963407
		p[i] = byte(r.state >> 56)
	}
	return len(p), nil
}

// dfOurs runs our JWS layer as Verify does, without the claims checks.
func dfOurs(token string, key *jwks.Key) ([]byte, error) {
	p := new(parser)
	if err := p.split(token, jwks.Algorithms(), nil); err != nil {
		return nil, err
	}
	if p.payloadErr != nil {
		return nil, p.payloadErr
	}
	src, err := jwks.NewStatic(key)
	if err != nil {
		return nil, err
	}
	v := &Verifier{keys: src, verifySignature: (*jwks.Key).Verify}
	if _, err := v.checkSignature(context.Background(), p, jwks.Query{KeyID: p.header.kid, Algorithm: p.header.alg}); err != nil {
		return nil, err
	}
	return p.payload, nil
}

// dfTheirs runs jwx's jws.Verify with the key for each of its algorithms.
func dfTheirs(token string, k dfKey) ([]byte, error) {
	var opts []jws.VerifyOption
	for _, name := range k.algs {
		alg, ok := jwa.LookupSignatureAlgorithm(name)
		if !ok {
			continue
		}
		opts = append(opts, jws.WithKey(alg, k.pub))
	}
	return jws.Verify([]byte(token), opts...)
}

// dfExplained reports whether our rejection of a token jwx accepts with k
// is one of our documented extra checks.
func dfExplained(token string, k dfKey, ours error) bool {
	var e *Error
	if !errors.As(ours, &e) {
		return false
	}
	switch e.Reason {
	case ErrUnsupportedHeader: // "crit" or "b64" in the header
		return true
	case ErrMalformed:
		// Our base64url and JSON are stricter: the disagreement is
		// explained only if a part really is non-canonical or the header
		// not strict JSON.
		return dfNotStrict(token)
	case ErrSignature:
		return dfSignatureFormForbidden(token, k) || dfSignedOverReencodedHeader(token, k)
	}
	return false
}

// dfSignedOverReencodedHeader reports whether the signature verifies over
// the header with its insignificant JSON whitespace removed, rather than
// over the bytes received. jwx re-encodes the protected header before
// checking the signature, so it accepts such tokens; we verify exactly what
// was sent, as RFC 7515 section 5.2 requires, and reject them.
func dfSignedOverReencodedHeader(token string, k dfKey) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	hdr, err := b64.DecodeString(parts[0])
	if err != nil {
		return false
	}
	var compact bytes.Buffer
	if json.Compact(&compact, hdr) != nil || bytes.Equal(compact.Bytes(), hdr) {
		return false
	}
	p := new(parser)
	if p.split(token, jwks.Algorithms(), nil) != nil {
		return false
	}
	input := b64.EncodeToString(compact.Bytes()) + "." + parts[1]
	return k.key.Verify(p.header.alg, []byte(input), p.signature) == nil
}

// dfSignatureFormForbidden reports whether the signature of a token jwx
// accepts has a form RFC 7518 forbids: an ECDSA signature that is not
// fixed-width R||S (section 3.4), or an RSA-PSS signature whose salt is not
// as long as the hash (section 3.5).
func dfSignatureFormForbidden(token string, k dfKey) bool {
	j := new(parser)
	if j.split(token, jwks.Algorithms(), nil) != nil {
		return false
	}
	switch pub := k.pub.(type) {
	case *ecdsa.PublicKey:
		return strings.HasPrefix(j.header.alg, "ES") && len(j.signature) != 2*(pub.Curve.Params().BitSize+7)/8
	case *rsa.PublicKey:
		if !strings.HasPrefix(j.header.alg, "PS") {
			return false
		}
		h := map[string]crypto.Hash{"PS256": crypto.SHA256, "PS384": crypto.SHA384, "PS512": crypto.SHA512}[j.header.alg]
		d := h.New()
		d.Write(j.signingInput)
		digest := d.Sum(nil)
		auto := rsa.VerifyPSS(pub, h, digest, j.signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto, Hash: h})
		exact := rsa.VerifyPSS(pub, h, digest, j.signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h})
		return auto == nil && exact != nil
	}
	return false
}

// dfNotStrict reports whether a part of token is not canonical base64url
// or its header is not strict JSON.
func dfNotStrict(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return true
	}
	for _, p := range parts {
		// Go's decoders skip CR and LF; base64url has neither.
		if hasNonBase64URL(p) {
			return true
		}
		if _, err := b64.DecodeString(p); err != nil {
			return true
		}
	}
	hdr, _ := b64.DecodeString(parts[0])
	if _, err := parseHeader(new(objectReader), hdr, jwks.Algorithms()); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Reason == ErrMalformed {
			return true
		}
	}
	return false
}

func FuzzDifferential(f *testing.F) {
	keys, err := dfSetup()
	if err != nil {
		f.Fatal(err)
	}
	// Seeds: a valid token for every algorithm of every key, and a few
	// mutations of each.
	for _, k := range keys {
		for _, alg := range k.algs {
			tok, err := dfSign(alg, k, map[string]any{"kid": "k"}, `{"sub":"x","n":1}`)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(tok)
			f.Add(tok[:len(tok)-2])
			f.Add(strings.Replace(tok, ".", ".e30.", 1))
		}
	}
	f.Fuzz(func(t *testing.T, token string) {
		if len(token) > DefaultMaxTokenSize {
			return
		}
		for _, k := range keys {
			ours, errOurs := dfOurs(token, k.key)
			theirs, errTheirs := dfTheirs(token, k)
			switch {
			case errOurs == nil && errTheirs != nil:
				t.Fatalf("we accept %q with a %s; jwx rejects it: %v", token, k.key, errTheirs)
			case errOurs == nil && !bytes.Equal(ours, theirs):
				t.Fatalf("we read payload %q from %q; jwx reads %q", ours, token, theirs)
			case errOurs != nil && errTheirs == nil && !dfExplained(token, k, errOurs):
				t.Fatalf("jwx accepts %q with a %s; we reject it for an unexplained reason: %v", token, k.key, errOurs)
			}
		}
	})
}

// dfSign returns a token of payload signed by k under alg, with the
// protected header parameters given besides "alg".
func dfSign(alg string, k dfKey, header map[string]any, payload string) (string, error) {
	a, _ := jwa.LookupSignatureAlgorithm(alg)
	hdrs := jws.NewHeaders()
	for name, v := range header {
		if err := hdrs.Set(name, v); err != nil {
			return "", err
		}
	}
	buf, err := jws.Sign([]byte(payload), jws.WithKey(a, k.priv, jws.WithProtectedHeaders(hdrs)))
	return string(buf), err
}

// TestDifferentialSeesAcceptance makes sure the comparison is not empty:
// both implementations accept a valid token of every algorithm, and both
// reject it once its signature is altered.
func TestDifferentialSeesAcceptance(t *testing.T) {
	keys, err := dfSetup()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		for _, alg := range k.algs {
			tok, err := dfSign(alg, k, map[string]any{"kid": "k"}, `{"sub":"x"}`)
			if err != nil {
				t.Fatalf("signing a %s seed: %v", alg, err)
			}
			if _, err := dfOurs(tok, k.key); err != nil {
				t.Errorf("we reject a valid %s token: %v", alg, err)
			}
			if _, err := dfTheirs(tok, k); err != nil {
				t.Errorf("jwx rejects a valid %s token: %v", alg, err)
			}
			bad := tok[:len(tok)-4] + "AAAA"
			if tok[len(tok)-4:] == "AAAA" {
				bad = tok[:len(tok)-4] + "BBBB"
			}
			if _, err := dfOurs(bad, k.key); err == nil {
				t.Errorf("we accept a %s token with an altered signature", alg)
			}
			if _, err := dfTheirs(bad, k); err == nil {
				t.Errorf("jwx accepts a %s token with an altered signature", alg)
			}
		}
	}
}
