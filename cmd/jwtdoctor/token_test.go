package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeObjectIsStrict: the doctor reads a header or claims set as the
// verifier does (duplicate names at any depth, invalid UTF-8 and data after
// the object refused, names exact), and its errors give offsets, never the
// bytes of the token. Every document names a member "tok3n", which no error
// may repeat.
func TestDecodeObjectIsStrict(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		names     []string // the members, in order, when it decodes
		wantErr   string
	}{
		{"object", `{"tok3n":1,"b":{"c":[2,{"d":3}]}}`, []string{"tok3n", "b"}, ""},
		{"whitespace around", " \t{\"tok3n\" : 1}\r\n", []string{"tok3n"}, ""},
		{"names exact", `{"tok3n":1,"TOK3N":2,"tok3n\u0020":3}`, []string{"tok3n", "TOK3N", "tok3n "}, ""},
		{"duplicate member", `{"tok3n":1,"tok3n":2}`, nil, "duplicate member name at offset 11"},
		{"duplicate after unescaping", `{"tok3n":1,"tok\u0033n":2}`, nil, "duplicate member name at offset 11"},
		{"duplicate in a nested object", `{"a":{"tok3n":1,"tok3n":2}}`, nil, "duplicate member name at offset 16"},
		{"duplicate in an object in an array", `{"a":[{"tok3n":1,"tok3n":2}]}`, nil, "duplicate member name at offset 17"},
		{"invalid UTF-8 in a value", "{\"tok3n\":\"\xff\"}", nil, "invalid UTF-8 at offset 10"},
		{"invalid UTF-8 in a name", "{\"tok3n\xff\":1}", nil, "invalid UTF-8 at offset 7"},
		{"escaped lone surrogate", `{"tok3n":"\ud800"}`, nil, "invalid JSON at offset 10"},
		{"second object after", `{"tok3n":1} {}`, nil, "data after the JSON object at offset 12"},
		{"text after", `{"tok3n":1}  tok3n`, nil, "data after the JSON object at offset 13"},
		{"array", `["tok3n"]`, nil, "not a JSON object"},
		{"cut short", `{"tok3n":`, nil, "invalid JSON: unexpected end at offset 9"},
		{"missing colon", `{"tok3n" 1}`, nil, "invalid JSON at offset 9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			members, err := decodeObject(enc(c.doc))
			if c.wantErr != "" {
				require.Error(t, err, "decodeObject(%q) returned %d members and no error, want %q", c.doc, len(members), c.wantErr)
				assert.Equal(t, c.wantErr, err.Error(), "decodeObject(%q) error", c.doc)
				assert.NotContains(t, err.Error(), "tok3n", "decodeObject(%q) error quotes the document", c.doc)
				return
			}
			require.NoError(t, err, "decodeObject(%q)", c.doc)
			var names []string
			for _, m := range members {
				names = append(names, m.name)
			}
			assert.Equal(t, c.names, names, "decodeObject(%q) member names", c.doc)
		})
	}
}

// TestDecodeTokenReadsExactNames: "alg", "typ" and the dates are read from
// the members of exactly that name, as the verifier reads them.
func TestDecodeTokenReadsExactNames(t *testing.T) {
	info := decodeToken(enc(`{"ALG":"none","alg":"RS256","Typ":"JWT","typ":"at+jwt"}`) + "." +
		enc(`{"EXP":1,"exp":1767272100,"Iat":2}`) + ".AAAA")
	require.Empty(t, info.headerErr, "decodeToken: header error")
	require.Empty(t, info.claimsErr, "decodeToken: claims error")
	assert.Equal(t, "RS256", info.alg, "decodeToken: alg")
	assert.Equal(t, "at+jwt", info.typ, "decodeToken: typ")
	assert.Equal(t, testNow.Add(55*time.Minute), info.exp.t.UTC(), "decodeToken: exp")
	assert.False(t, info.iat.present, "decodeToken: iat read from \"Iat\"")
}
