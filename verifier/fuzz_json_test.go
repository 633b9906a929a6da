package verifier

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/scopes"
)

// FuzzHeaderAndClaims feeds arbitrary bytes to the two JSON objects of a
// token: the protected header (parseHeader) and the claims set
// (Claims.parse). Whatever either accepts must be a JSON object that
// encoding/json.Valid accepts, must read the same members as encoding/json
// reads, and must read the same way twice. Seeds are in
// testdata/fuzz/FuzzHeaderAndClaims; run with
//
//	go test ./verifier/ -run '^$' -fuzz FuzzHeaderAndClaims -fuzztime 60s
func FuzzHeaderAndClaims(f *testing.F) {
	for _, s := range []string{
		`{"alg":"RS256","kid":"k1","typ":"at+jwt"}`,
		`{"iss":"https://issuer.example","aud":["api"],"exp":1700000000,"scope":"read write"}`,
		`{"a":1,"\u0061":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := parseHeader(new(objectReader), data, jwks.Algorithms())
		if err != nil {
			var e *Error
			require.ErrorAs(t, err, &e, "parseHeader(%q) returned %T; want *Error", data, err)
			require.ErrorIs(t, err, ErrInvalidToken, "parseHeader(%q) returned %v; want it to match ErrInvalidToken", data, err)
		} else {
			ref := jrAcceptedObject(t, "parseHeader", data)
			jrSameString(t, data, ref, "alg", h.alg)
			jrSameString(t, data, ref, "kid", h.kid)
			jrSameString(t, data, ref, "typ", h.typ)
			again, err := parseHeader(new(objectReader), data, jwks.Algorithms())
			require.NoError(t, err, "parseHeader(%q) accepted the input once, then rejected it", data)
			require.Equal(t, h, again, "parseHeader(%q) read the same input differently twice", data)
		}

		var c Claims
		if err := c.parse(new(objectReader), data, string(data)); err != nil {
			var je *jsonError
			require.ErrorAs(t, err, &je, "Claims.parse(%q) returned %T; want *jsonError", data, err)
			return
		}
		ref := jrAcceptedObject(t, "Claims.parse", data)
		for name, got := range map[string]string{"iss": c.issuer, "sub": c.subject, "jti": c.id, "client_id": c.clientID, "azp": c.azp} {
			jrSameString(t, data, ref, name, got)
		}
		jrSameStrings(t, data, ref, "aud", c.audience)
		var scopeValues []string
		for _, name := range []string{"scope", "scp"} {
			if raw, ok := ref[name]; ok {
				scopeValues = append(scopeValues, jrStringOrList(t, data, name, raw)...)
			}
		}
		require.Equal(t, scopes.FromList(scopeValues...), c.scopes, "Claims.parse(%q) read other scopes than encoding/json", data)
		for name, got := range map[string]int64{"exp": c.expiresAt.Unix(), "nbf": c.notBefore.Unix(), "iat": c.issuedAt.Unix()} {
			raw, ok := ref[name]
			if !ok {
				continue
			}
			var f float64
			require.NoError(t, json.Unmarshal(raw, &f), "Claims.parse(%q) accepted %q as a date; encoding/json cannot read it as a number", data, name)
			require.True(t, f >= 0 && f <= maxNumericDate, "Claims.parse(%q) accepted %q = %v, outside the NumericDate range", data, name, f)
			require.Equal(t, int64(math.Trunc(f)), got, "Claims.parse(%q) read %q as %d seconds; encoding/json reads %v", data, name, got, f)
		}

		var again Claims
		require.NoError(t, again.parse(new(objectReader), data, string(data)), "Claims.parse(%q) accepted the input once, then rejected it", data)
		require.Equal(t, c, again, "Claims.parse(%q) read the same input differently twice", data)
	})
}

// jrAcceptedObject checks that data, which fn accepted, is a JSON object
// without duplicate names according to encoding/json, and returns its
// members.
func jrAcceptedObject(t *testing.T, fn string, data []byte) map[string]json.RawMessage {
	t.Helper()
	require.True(t, json.Valid(data), "%s(%q) accepted an input encoding/json.Valid rejects", fn, data)
	object, duplicate, _ := jrShape(data)
	require.True(t, object, "%s(%q) accepted an input that is not a JSON object", fn, data)
	require.False(t, duplicate, "%s(%q) accepted an object with a duplicate member name", fn, data)
	var ref map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &ref), "%s(%q) accepted an input encoding/json cannot decode as an object", fn, data)
	return ref
}

// jrSameString checks that member name of ref, if present, is the string
// got; if absent, got must be empty.
func jrSameString(t *testing.T, data []byte, ref map[string]json.RawMessage, name, got string) {
	t.Helper()
	raw, ok := ref[name]
	if !ok {
		require.Empty(t, got, "reading %q found member %q = %q; encoding/json finds no such member", data, name, got)
		return
	}
	var want string
	require.NoError(t, json.Unmarshal(raw, &want), "reading %q accepted member %q that encoding/json cannot read as a string", data, name)
	require.Equal(t, want, got, "reading %q: member %q differs from what encoding/json reads", data, name)
}

// jrSameStrings is jrSameString for a member that is a string or an array of
// strings.
func jrSameStrings(t *testing.T, data []byte, ref map[string]json.RawMessage, name string, got []string) {
	t.Helper()
	raw, ok := ref[name]
	if !ok {
		require.Empty(t, got, "reading %q found member %q = %q; encoding/json finds no such member", data, name, got)
		return
	}
	want := jrStringOrList(t, data, name, raw)
	require.Equal(t, len(want), len(got), "reading %q: member %q is %q; encoding/json reads %q", data, name, got, want)
	for i := range want {
		require.Equal(t, want[i], got[i], "reading %q: member %q is %q; encoding/json reads %q", data, name, got, want)
	}
}

func jrStringOrList(t *testing.T, data []byte, name string, raw json.RawMessage) []string {
	t.Helper()
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}
	}
	var list []string
	dec := json.NewDecoder(bytes.NewReader(raw))
	err := dec.Decode(&list)
	if err == nil && list == nil {
		err = errors.New("null")
	}
	require.NoError(t, err, "reading %q accepted member %q that encoding/json reads as neither a string nor an array of strings", data, name)
	return list
}
