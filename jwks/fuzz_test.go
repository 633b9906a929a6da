package jwks

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// FuzzParseJWKS feeds arbitrary bytes to ParseJWKS, to the tolerant parseSet
// (without and with HMAC secrets) and to ParseJWK. None may panic. Every key
// any of them returns has algorithms, supports each of them, and prints
// neither its secret nor any "k" value of the input. A set ParseJWKS accepts
// has unique key IDs, does not mix secrets with public keys, makes a valid
// NewStatic, and is contained in what the tolerant parseSet returns; a set
// the tolerant parseSet returns for a remote source (no secrets) makes a
// valid NewStatic too. Error messages do not repeat a "k" value. Seeds are
// in testdata/fuzz/FuzzParseJWKS; run with
//
//	go test ./jwks/ -run '^$' -fuzz '^FuzzParseJWKS$' -fuzztime 60s
func FuzzParseJWKS(f *testing.F) {
	for _, s := range []string{
		`{"keys":[]}`,
		`{"keys":[{"kty":"oct","kid":"a","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}]}`,
		`{"keys":[{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA","alg":"HS384"}]}`,
		`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"ed","key_ops":["verify"]}]} `,
		`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","use":"enc"}`,
		`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","alg":"EdDSA","kid":"one"}`,
		`{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA","kid":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}`,
		`{"keys":[{"kty":"oct","kid":"x","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"},{"kty":"OKP","crv":"Ed25519","kid":"x","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`,
		`{"keys":null}`,
		`{"keys":[1,"x",{}]}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		secrets := fzSecretValues(data)

		strict, strictErr := ParseJWKS(data)
		fzCheckKeys(t, "ParseJWKS", data, strict, secrets)
		if strictErr != nil {
			if strict != nil {
				t.Errorf("ParseJWKS(%q) returned %d keys and the error %v; want no keys with an error", data, len(strict), strictErr)
			}
			fzCheckMessage(t, "ParseJWKS", data, strictErr, secrets)
		} else {
			if len(strict) == 0 {
				t.Fatalf("ParseJWKS(%q) returned no keys and no error; want keys or an error", data)
			}
			seen := map[string]bool{}
			var symmetric, asymmetric bool
			for _, k := range strict {
				if k.ID() != "" && seen[k.ID()] {
					t.Errorf("ParseJWKS(%q) returned two keys with ID %q; want unique IDs", data, k.ID())
				}
				seen[k.ID()] = true
				if k.IsSymmetric() {
					symmetric = true
				} else {
					asymmetric = true
				}
			}
			if symmetric && asymmetric {
				t.Errorf("ParseJWKS(%q) returned HMAC secrets and public keys; want one kind only", data)
			}
			if _, err := NewStatic(strict...); err != nil {
				t.Errorf("NewStatic(keys of ParseJWKS(%q)) returned %v; want a source", data, err)
			}
		}

		for _, allowSecrets := range []bool{false, true} {
			fn := fmt.Sprintf("parseSet(allowSecrets=%v)", allowSecrets)
			keys, problems, err := parseSet(data, allowSecrets)
			fzCheckKeys(t, fn, data, keys, secrets)
			if err != nil {
				if keys != nil || problems != nil {
					t.Errorf("%s(%q) returned %d keys, %d problems and the error %v; want neither keys nor problems with an error", fn, data, len(keys), len(problems), err)
				}
				if strictErr == nil {
					t.Errorf("%s(%q) returned %v, but ParseJWKS accepted the set; want both to accept it", fn, data, err)
				}
				fzCheckMessage(t, fn, data, err, secrets)
				continue
			}
			for _, p := range problems {
				fzCheckMessage(t, fn, data, p, secrets)
			}
			seen := map[string]bool{}
			var symmetric, asymmetric bool
			for _, k := range keys {
				if k.ID() != "" && seen[k.ID()] {
					t.Errorf("%s(%q) returned two keys with ID %q; want unique IDs", fn, data, k.ID())
				}
				seen[k.ID()] = true
				if k.IsSymmetric() {
					symmetric = true
				} else {
					asymmetric = true
				}
			}
			if symmetric && !allowSecrets {
				t.Errorf("%s(%q) returned an HMAC secret; want only public keys", fn, data)
			}
			if symmetric && asymmetric && len(problems) == 0 {
				t.Errorf("%s(%q) returned secrets and public keys without reporting a problem; want the mix reported", fn, data)
			}
			if !allowSecrets && len(keys) > 0 {
				// What a Remote publishes.
				if _, err := NewStatic(keys...); err != nil {
					t.Errorf("NewStatic(keys of %s(%q)) returned %v; want a source", fn, data, err)
				}
			}
			if allowSecrets && strictErr == nil {
				for _, sk := range strict {
					found := false
					for _, k := range keys {
						found = found || k.sameMaterial(sk)
					}
					if !found {
						t.Errorf("%s(%q) lacks the key %v that ParseJWKS returned; want every key of the strict parse", fn, data, sk)
					}
				}
			}
		}

		k, err := ParseJWK(data)
		if err != nil {
			if k != nil {
				t.Errorf("ParseJWK(%q) returned the key %v and the error %v; want no key with an error", data, k, err)
			}
			fzCheckMessage(t, "ParseJWK", data, err, secrets)
			return
		}
		if k == nil {
			t.Fatalf("ParseJWK(%q) returned neither a key nor an error; want one of them", data)
		}
		fzCheckKeys(t, "ParseJWK", data, []*Key{k}, secrets)
	})
}

// FuzzParsePEM feeds arbitrary bytes to ParsePEM. It must not panic, and
// every key it returns has no ID, is a public key with algorithms that it
// supports, and the keys make a valid NewStatic. Seeds are in
// testdata/fuzz/FuzzParsePEM; run with
//
//	go test ./jwks/ -run '^$' -fuzz '^FuzzParsePEM$' -fuzztime 60s
func FuzzParsePEM(f *testing.F) {
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte("not PEM at all"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParsePEM(data)
		if err != nil {
			if keys != nil {
				t.Errorf("ParsePEM(%q) returned %d keys and the error %v; want no keys with an error", data, len(keys), err)
			}
			return
		}
		if len(keys) == 0 {
			t.Fatalf("ParsePEM(%q) returned no keys and no error; want keys or an error", data)
		}
		fzCheckKeys(t, "ParsePEM", data, keys, nil)
		for _, k := range keys {
			if k.ID() != "" {
				t.Errorf("ParsePEM(%q) returned a key with ID %q; want no ID", data, k.ID())
			}
			if k.IsSymmetric() || k.Public() == nil {
				t.Errorf("ParsePEM(%q) returned %v, which is not a public key; want public keys only", data, k)
			}
		}
		if _, err := NewStatic(keys...); err != nil {
			t.Errorf("NewStatic(keys of ParsePEM(%q)) returned %v; want a source", data, err)
		}
	})
}

// fzCheckKeys checks what holds for every key a parser returns: it is not
// nil, has algorithms and supports each of them, has a public key exactly
// when it is not a secret, and prints neither its secret nor a "k" value of
// the input.
func fzCheckKeys(t *testing.T, fn string, data []byte, keys []*Key, secrets []string) {
	t.Helper()
	for i, k := range keys {
		if k == nil {
			t.Fatalf("%s(%q) returned a nil key at %d; want keys", fn, data, i)
		}
		algs := k.Algorithms()
		if len(algs) == 0 {
			t.Errorf("%s(%q) returned %v with no algorithms; want at least one", fn, data, k)
		}
		for _, alg := range algs {
			if !k.Supports(alg) {
				t.Errorf("%s(%q) returned %v, whose Supports(%q) is false; want each of its Algorithms supported", fn, data, k, alg)
			}
			if !IsSupported(alg) {
				t.Errorf("%s(%q) returned %v with algorithm %q; want only algorithms of Algorithms()", fn, data, k, alg)
			}
		}
		if (k.Public() == nil) != k.IsSymmetric() {
			t.Errorf("%s(%q) returned %v with Public() = %T and IsSymmetric() = %v; want a public key exactly for asymmetric keys", fn, data, k, k.Public(), k.IsSymmetric())
		}
		// The key's own ID is printed by design, whatever it holds.
		id := " " + strconv.Quote(k.ID()) + " "
		for _, printed := range []string{k.String(), fmt.Sprintf("%v", k), fmt.Sprintf("%+v", *k), fmt.Sprintf("%#v", k), fmt.Sprint([]*Key{k})} {
			printed = strings.Replace(printed, id, " ", 1)
			leaked := fzFindAny(printed, secrets)
			if k.IsSymmetric() {
				for _, form := range fzSecretForms(k.secret) {
					if strings.Contains(printed, form) {
						leaked = form
					}
				}
			}
			if leaked != "" {
				t.Errorf("%s(%q) returned a key that prints as %q, which contains the secret %q; want no secret printed", fn, data, printed, leaked)
			}
		}
	}
}

// fzSecretForms returns the ways a secret could be printed: raw, in hex,
// in base64 and as fmt prints a byte slice.
func fzSecretForms(secret []byte) []string {
	h := hex.EncodeToString(secret)
	return []string{
		string(secret), h, strings.ToUpper(h), fmt.Sprint(secret),
		base64.RawURLEncoding.EncodeToString(secret), base64.RawStdEncoding.EncodeToString(secret),
	}
}

// fzCheckMessage checks that err, returned by fn for data, does not repeat
// a "k" value of the input.
func fzCheckMessage(t *testing.T, fn string, data []byte, err error, secrets []string) {
	t.Helper()
	if leaked := fzFindAny(err.Error(), secrets); leaked != "" {
		t.Errorf("%s(%q) returned the error %q, which contains the secret %q; want no secret in messages", fn, data, err.Error(), leaked)
	}
}

// fzFindAny returns the first of subs that s contains, or "".
func fzFindAny(s string, subs []string) string {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return sub
		}
	}
	return ""
}

// fzSecretValues returns the string values of members named "k" (in any
// letter case, as encoding/json matches names) anywhere in data, as far as
// data is valid JSON. It keeps only values worth looking for in output:
// longer than 16 bytes, without white space, and not found in any other
// string of the input (a "kid" or "alg" that happens to hold the same text
// is printed by design).
func fzSecretValues(data []byte) []string {
	type frame struct{ object, wantName bool }
	var (
		stack   []frame
		name    string
		secrets []string
		others  []string
	)
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		inObject := len(stack) > 0 && stack[len(stack)-1].object
		switch tok := tok.(type) {
		case json.Delim:
			switch tok {
			case '{', '[':
				stack = append(stack, frame{object: tok == '{', wantName: true})
				continue
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			switch {
			case inObject && stack[len(stack)-1].wantName:
				name = tok
				others = append(others, tok)
				stack[len(stack)-1].wantName = false
				continue
			case inObject && strings.EqualFold(name, "k"):
				secrets = append(secrets, tok)
			default:
				others = append(others, tok)
			}
		}
		// A value ended: the enclosing object expects a name next.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].wantName = true
		}
	}
	var out []string
	for _, s := range secrets {
		if len(s) <= 16 || strings.ContainsFunc(s, unicode.IsSpace) || fzFindAny(strings.Join(others, "\x00"), []string{s}) != "" {
			continue
		}
		out = append(out, s)
	}
	return out
}
