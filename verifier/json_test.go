package verifier

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jrReader returns a reader of data whose strings may be substrings of
// the document, as the claims' are.
func jrReader(data []byte) *objectReader {
	r := new(objectReader)
	r.Reset(data, string(data))
	return r
}

// jrSkipAll reads data as an object and skips every member's value: the
// reader's pure syntax check, with no member typed.
func jrSkipAll(data []byte) error {
	r := jrReader(data)
	return readObject(r, func([]byte) error { return r.Skip() })
}

// jrNames reads data as an object, skipping values, and returns the
// unescaped member names in order.
func jrNames(data []byte) ([]string, error) {
	var names []string
	r := jrReader(data)
	err := readObject(r, func(name []byte) error {
		names = append(names, string(name))
		return r.Skip()
	})
	return names, err
}

// jrStringMembers reads data as an object whose every member is a string.
func jrStringMembers(data []byte) (map[string]string, error) {
	got := map[string]string{}
	r := jrReader(data)
	err := readObject(r, func(name []byte) error {
		s, err := r.Str(string(name))
		got[string(name)] = s
		return err
	})
	return got, err
}

// jrMembers builds an object of n distinct members "n0" ... "n<n-1>", then
// adds extra as a raw member name (already quoted) if it is not empty.
func jrMembers(n int, extra string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"n%d":%d`, i, i)
	}
	if extra != "" {
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(extra + `:true`)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// jrNest returns depth nested containers around a number, opened with open
// ("[" or `{"k":`) and closed with closer.
func jrNest(depth int, open, closer string) string {
	return strings.Repeat(open, depth) + "1" + strings.Repeat(closer, depth)
}

func TestJSONReaderAcceptsObjects(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		names []string
	}{
		{"empty object", `{}`, nil},
		{"empty object with inner space", "{ \t\r\n}", nil},
		{"whitespace everywhere", " \t\r\n{ \n\"a\" \t:\r 1 ,\n\"b\"\t:\t[ 1 , { \"c\" : null } ] \r\n} \n\t", []string{"a", "b"}},
		{"one member", `{"iss":"https://issuer.example"}`, []string{"iss"}},
		{"every value type", `{"s":"x","n":-1.5e+3,"t":true,"f":false,"z":null,"a":[],"o":{}}`, []string{"s", "n", "t", "f", "z", "a", "o"}},
		{"nested values skipped", `{"a":{"b":{"c":[1,[2,[3,{"d":"e"}]]]}},"f":1}`, []string{"a", "f"}},
		{"same name at different levels", `{"a":{"a":1},"b":{"a":{"a":2}}}`, []string{"a", "b"}},
		{"names differing only in case or space", `{"a":1,"A":2,"a ":3," a":4}`, []string{"a", "A", "a ", " a"}},
		{"escaped name", `{"\u0061\n":1}`, []string{"a\n"}},
		{"empty name", `{"":1}`, []string{""}},
		{"numbers of every form", `{"a":0,"b":-0,"c":0.5,"d":1e5,"e":1E+5,"f":1e-5,"g":-12.340e0,"h":123456789012345678901234567890}`, []string{"a", "b", "c", "d", "e", "f", "g", "h"}},
		{"tiny number underflowing to zero", `{"a":1e-400}`, []string{"a"}},
		{"huge number in a skipped member", `{"a":1e400}`, []string{"a"}},
		{"strings with escapes in skipped values", `{"a":["\"\\\/\b\f\n\r\t\u0000\uD83D\uDE00"]}`, []string{"a"}},
		{"raw multibyte UTF-8 and DEL", "{\"é\":\"€😀\x7f\"}", []string{"é"}},
		{"sixteen distinct members", string(jrMembers(16, "")), jrNamesN(16)},
		{"a thousand distinct members", string(jrMembers(1000, "")), jrNamesN(1000)},
		{"skipped value nested exactly maxDepth deep (arrays)", `{"a":` + jrNest(maxDepth, "[", "]") + `}`, []string{"a"}},
		{"skipped value nested exactly maxDepth deep (objects)", `{"a":` + jrNest(maxDepth, `{"k":`, "}") + `}`, []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names, err := jrNames([]byte(tt.in))
			require.NoError(t, err, "readObject(jsonReader, %.80q) failed; want it accepted", tt.in)
			assert.Equal(t, tt.names, names, "readObject(jsonReader, %.80q) read these member names", tt.in)
		})
	}
}

func jrNamesN(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = "n" + strconv.Itoa(i)
	}
	return names
}

func TestJSONReaderStringEscapes(t *testing.T) {
	tests := []struct {
		name    string
		literal string // the JSON string, quotes included
		want    string
	}{
		{"no escapes", `"plain text"`, "plain text"},
		{"empty", `""`, ""},
		{"quote", `"a\"b"`, `a"b`},
		{"backslash", `"a\\b"`, `a\b`},
		{"solidus", `"a\/b"`, "a/b"},
		{"short escapes", `"\b\f\n\r\t"`, "\b\f\n\r\t"},
		{"NUL as \\u0000", `"a\u0000b"`, "a\x00b"},
		{"control as \\u001f", `"\u001f"`, "\x1f"},
		{"ASCII as \\u0041", `"\u0041"`, "A"},
		{"two-byte UTF-8 from \\u00e9", `"caf\u00e9"`, "café"},
		{"three-byte UTF-8 from upper-case \\u20AC", `"\u20AC"`, "€"},
		{"last BMP character \\uFFFF", `"\uFFFF"`, "\uffff"},
		{"surrogate pair, upper case", `"\uD83D\uDE00"`, "😀"},
		{"surrogate pair, lower case", `"\ud834\udd1e"`, "𝄞"},
		{"largest code point as a pair", `"\uDBFF\uDFFF"`, "\U0010FFFF"},
		{"escape at the start and the end", `"\nmiddle\t"`, "\nmiddle\t"},
		{"raw UTF-8 before and after an escape", `"é\n😀"`, "é\n😀"},
		{"raw four-byte UTF-8 without escapes", `"😀"`, "😀"},
		{"escaped backslash before u", `"\\u0041"`, `\u0041`},
		{"DEL is not a control character", "\"\x7f\"", "\x7f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ref string
			require.NoError(t, json.Unmarshal([]byte(tt.literal), &ref), "encoding/json cannot read %s; the test case is wrong", tt.literal)
			require.Equal(t, tt.want, ref, "encoding/json reads %s differently from the wanted value; the test case is wrong", tt.literal)

			in := `{"v":` + tt.literal + `}`
			got, err := jrStringMembers([]byte(in))
			require.NoError(t, err, "jsonReader.str on %s", in)
			assert.Equal(t, tt.want, got["v"], "jsonReader.str on %s", in)

			// The same string as a member name is unescaped the same way.
			in = `{` + tt.literal + `:1}`
			names, err := jrNames([]byte(in))
			require.NoError(t, err, "jsonReader.object on %s", in)
			assert.Equal(t, []string{tt.want}, names, "jsonReader.object on %s read these names", in)
		})
	}
}

// jrRejections are inputs that the reader must reject, with the reason.
// The skipped-value reader (jrSkipAll) reads them.
var jrRejections = []struct {
	name string
	in   string
	want error
}{
	// Not an object at the top level.
	{"empty input", ``, errJSONNotObject},
	{"only whitespace", " \n\t", errJSONNotObject},
	{"top-level array", `[{"a":1}]`, errJSONNotObject},
	{"top-level empty array", `[]`, errJSONNotObject},
	{"top-level string", `"SECRETMARKER"`, errJSONNotObject},
	{"top-level number", `1`, errJSONNotObject},
	{"top-level null", `null`, errJSONNotObject},
	{"top-level true", `true`, errJSONNotObject},
	{"byte order mark", "\xef\xbb\xbf{}", errJSONNotObject},

	// Structure.
	{"trailing garbage", `{"a":1}SECRETMARKER`, errJSONSyntax},
	{"second object", `{"a":1}{}`, errJSONSyntax},
	{"trailing number", `{"a":1} 1`, errJSONSyntax},
	{"extra closing brace", `{}}`, errJSONSyntax},
	{"trailing NUL", "{}\x00", errJSONSyntax},
	{"trailing comma in object", `{"a":1,}`, errJSONSyntax},
	{"trailing comma in nested object", `{"a":{"b":1,}}`, errJSONSyntax},
	{"trailing comma in nested array", `{"a":[1,]}`, errJSONSyntax},
	{"leading comma", `{,"a":1}`, errJSONSyntax},
	{"double comma", `{"a":1,,"b":2}`, errJSONSyntax},
	{"empty array element", `{"a":[1,,2]}`, errJSONSyntax},
	{"missing colon", `{"a" 1}`, errJSONSyntax},
	{"missing value", `{"a":}`, errJSONSyntax},
	{"missing comma", `{"a":1 "b":2}`, errJSONSyntax},
	{"unquoted name", `{SECRETMARKER:1}`, errJSONSyntax},
	{"number as name", `{1:1}`, errJSONSyntax},
	{"single-quoted name", `{'a':1}`, errJSONSyntax},
	{"single-quoted value", `{"a":'b'}`, errJSONSyntax},
	{"colon instead of comma in array", `{"a":[1:2]}`, errJSONSyntax},
	{"mismatched closer", `{"a":[1}`, errJSONSyntax},
	{"comment", `{"a":1 /* c */}`, errJSONSyntax},

	// Unterminated.
	{"open brace only", `{`, errJSONSyntax},
	{"unterminated name", `{"a`, errJSONSyntax},
	{"unterminated after name", `{"a"`, errJSONSyntax},
	{"unterminated after colon", `{"a":`, errJSONSyntax},
	{"unterminated string value", `{"a":"SECRETMARKER`, errJSONSyntax},
	{"unterminated object", `{"a":1`, errJSONSyntax},
	{"unterminated object after comma", `{"a":1,`, errJSONSyntax},
	{"unterminated array", `{"a":[1,2`, errJSONSyntax},
	{"unterminated nested object", `{"a":{"b":1}`, errJSONSyntax},
	{"unterminated escape", `{"a":"\`, errJSONSyntax},
	{"unterminated unicode escape", `{"a":"\u00`, errJSONSyntax},

	// Numbers.
	{"leading zero", `{"a":01}`, errJSONSyntax},
	{"negative leading zero", `{"a":-01}`, errJSONSyntax},
	{"trailing dot", `{"a":1.}`, errJSONSyntax},
	{"dot before exponent", `{"a":1.e5}`, errJSONSyntax},
	{"leading dot", `{"a":.5}`, errJSONSyntax},
	{"lone minus", `{"a":-}`, errJSONSyntax},
	{"double minus", `{"a":--1}`, errJSONSyntax},
	{"plus sign", `{"a":+1}`, errJSONSyntax},
	{"empty exponent", `{"a":1e}`, errJSONSyntax},
	{"exponent sign only", `{"a":1e+}`, errJSONSyntax},
	{"upper-case exponent sign only", `{"a":1E-}`, errJSONSyntax},
	{"hexadecimal", `{"a":0x10}`, errJSONSyntax},
	{"NaN", `{"a":NaN}`, errJSONSyntax},
	{"Infinity", `{"a":Infinity}`, errJSONSyntax},
	{"negative Infinity", `{"a":-Infinity}`, errJSONSyntax},
	{"number in array with leading zero", `{"a":[00]}`, errJSONSyntax},

	// Literals.
	{"truncated true", `{"a":tru}`, errJSONSyntax},
	{"capitalised True", `{"a":True}`, errJSONSyntax},
	{"truncated null", `{"a":nul}`, errJSONSyntax},
	{"null with trailing letters", `{"a":nulls}`, errJSONSyntax},
	{"false with trailing letters", `{"a":falsey}`, errJSONSyntax},
	{"undefined", `{"a":undefined}`, errJSONSyntax},

	// Strings.
	{"raw NUL in string", "{\"a\":\"SECRETMARKER\x00\"}", errJSONSyntax},
	{"raw 0x01 in string", "{\"a\":\"\x01\"}", errJSONSyntax},
	{"raw newline in string", "{\"a\":\"line\nbreak\"}", errJSONSyntax},
	{"raw tab in string", "{\"a\":\"\t\"}", errJSONSyntax},
	{"raw 0x1f in string", "{\"a\":\"\x1f\"}", errJSONSyntax},
	{"raw control in name", "{\"a\x01\":1}", errJSONSyntax},
	{"raw control after an escape", "{\"a\":\"\\n\x01\"}", errJSONSyntax},
	{"unknown escape \\x", `{"a":"\x41"}`, errJSONSyntax},
	{"unknown escape \\a", `{"a":"\a"}`, errJSONSyntax},
	{"upper-case \\U", `{"a":"\U0041"}`, errJSONSyntax},
	{"escaped single quote", `{"a":"\'"}`, errJSONSyntax},
	{"short unicode escape", `{"a":"\u12"}`, errJSONSyntax},
	{"non-hex unicode escape", `{"a":"\u12G4"}`, errJSONSyntax},
	{"invalid UTF-8 byte 0xff", "{\"a\":\"\xff\"}", errJSONSyntax},
	{"invalid UTF-8 continuation byte alone", "{\"a\":\"\x80\"}", errJSONSyntax},
	{"truncated two-byte sequence", "{\"a\":\"\xc3\"}", errJSONSyntax},
	{"overlong encoding of /", "{\"a\":\"\xc0\xaf\"}", errJSONSyntax},
	{"UTF-8-encoded surrogate", "{\"a\":\"\xed\xa0\x80\"}", errJSONSyntax},
	{"code point above U+10FFFF", "{\"a\":\"\xf4\x90\x80\x80\"}", errJSONSyntax},
	{"invalid UTF-8 in name", "{\"\xff\":1}", errJSONSyntax},
	{"invalid UTF-8 after an escape", "{\"a\":\"\\n\xff\"}", errJSONSyntax},
	{"lone high surrogate", `{"a":"\ud800"}`, errJSONSyntax},
	{"lone high surrogate at end of input", `{"a":"\uD800`, errJSONSyntax},
	{"high surrogate followed by text", `{"a":"\ud800x"}`, errJSONSyntax},
	{"high surrogate followed by another escape", `{"a":"\ud800\n"}`, errJSONSyntax},
	{"two high surrogates", `{"a":"\ud800\ud800"}`, errJSONSyntax},
	{"high surrogate followed by a BMP escape", `{"a":"\ud800\u0041"}`, errJSONSyntax},
	{"high surrogate followed by a short escape", `{"a":"\ud800\udc0"}`, errJSONSyntax},
	{"lone low surrogate", `{"a":"\udc00"}`, errJSONSyntax},
	{"low then high surrogate", `{"a":"\udc00\ud800"}`, errJSONSyntax},
	{"two low surrogates", `{"a":"\udc00\udc00"}`, errJSONSyntax},
	{"lone surrogate in name", `{"\udfff":1}`, errJSONSyntax},

	// Duplicate names.
	{"duplicate name", `{"SECRETMARKER":1,"SECRETMARKER":2}`, errJSONDuplicate},
	{"duplicate with different values and types", `{"a":"x","b":1,"a":[1]}`, errJSONDuplicate},
	{"duplicate found only after unescaping (second)", `{"a":1,"\u0061":2}`, errJSONDuplicate},
	{"duplicate found only after unescaping (first)", `{"\u0061":1,"a":2}`, errJSONDuplicate},
	{"duplicate of a two-byte character", `{"é":1,"\u00e9":2}`, errJSONDuplicate},
	{"duplicate of a solidus", `{"/":1,"\/":2}`, errJSONDuplicate},
	{"duplicate of a surrogate pair", `{"😀":1,"\ud83d\ude00":2}`, errJSONDuplicate},
	{"duplicate empty name", `{"":1,"":2}`, errJSONDuplicate},
	{"duplicate of the first of 16 members", string(jrMembers(16, `"n0"`)), errJSONDuplicate},
	{"duplicate of the 16th of 16 members", string(jrMembers(16, `"n15"`)), errJSONDuplicate},
	{"duplicate of the first of 17 members (map)", string(jrMembers(17, `"n0"`)), errJSONDuplicate},
	{"duplicate of the 17th of 17 members (map)", string(jrMembers(17, `"n16"`)), errJSONDuplicate},
	{"duplicate of the 58th of 100 members (map)", string(jrMembers(100, `"n57"`)), errJSONDuplicate},
	{"escaped duplicate after 20 members (map)", string(jrMembers(20, `"\u006e5"`)), errJSONDuplicate},
	// jsontext rejects duplicate names at every depth, not only at the top
	// level as RFC 7519 requires: Claims.Decode reads nested claims, and
	// it must not see a different value from any other reader.
	{"duplicates inside a nested skipped object", `{"x":{"a":1,"a":2}}`, errJSONDuplicate},
	{"duplicates inside an object in an array", `{"x":[{"b":1},{"a":1,"\u0061":2}]}`, errJSONDuplicate},

	// Depth.
	{"skipped array one deeper than maxDepth", `{"a":` + jrNest(maxDepth+1, "[", "]") + `}`, errJSONDepth},
	{"skipped object one deeper than maxDepth", `{"a":` + jrNest(maxDepth+1, `{"k":`, "}") + `}`, errJSONDepth},
	{"mixed nesting deeper than maxDepth", `{"a":` + jrNest(maxDepth/2+1, `[{"k":`, "}]") + `}`, errJSONDepth},
	{"hostile nesting of 100000 arrays", `{"a":` + strings.Repeat("[", 100000), errJSONDepth},
}

func TestJSONReaderRejects(t *testing.T) {
	for _, tt := range jrRejections {
		t.Run(tt.name, func(t *testing.T) {
			err := jrSkipAll([]byte(tt.in))
			require.Error(t, err, "readObject(jsonReader, %.80q) accepted the input; want %v", tt.in, tt.want)
			assert.ErrorIs(t, err, tt.want, "readObject(jsonReader, %.80q) returned %v; want %v", tt.in, err, tt.want)
			var je *jsonError
			require.ErrorAs(t, err, &je, "readObject(jsonReader, %.80q) returned %T; want *jsonError", tt.in, err)
			assert.True(t, je.Offset >= 0 && je.Offset <= int64(len(tt.in)), "jsonError offset %d is outside the input of %d bytes", je.Offset, len(tt.in))
			if json.Valid([]byte(tt.in)) {
				// encoding/json accepts it, so the reason must be one of
				// the checks encoding/json does not make.
				strict := errors.Is(err, errJSONNotObject) || errors.Is(err, errJSONDuplicate) || errors.Is(err, errJSONDepth) ||
					errors.Is(err, errJSONSyntax) && (jrHasLoneSurrogate([]byte(tt.in)) || !utf8.ValidString(tt.in))
				assert.True(t, strict, "encoding/json accepts %.80q, but jsonReader.object rejected it with %v, which is not one of the deliberate extra checks", tt.in, err)
			}
		})
	}
}

func TestJSONReaderErrorOffsets(t *testing.T) {
	tests := []struct {
		in     string
		offset int64
		want   error
	}{
		// jsontext reports the offset at or after which the input went
		// wrong: here the comma, which no member follows.
		{`{"a":1,}`, 6, errJSONSyntax},
		{`{"a":1}x`, 7, errJSONSyntax},
		{`  [1]`, 2, errJSONNotObject},
		{`{"a":1,"a":2}`, 7, errJSONDuplicate}, // the start of the second name
		{"{\"a\":\"xy\x01\"}", 8, errJSONSyntax},
		{`{"a":01}`, 6, errJSONSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := jrSkipAll([]byte(tt.in))
			var je *jsonError
			require.ErrorAs(t, err, &je, "readObject(jsonReader, %q) returned %v; want a *jsonError", tt.in, err)
			assert.ErrorIs(t, err, tt.want, "readObject(jsonReader, %q) returned %v", tt.in, err)
			assert.Equal(t, tt.offset, je.Offset, "readObject(jsonReader, %q) reported offset %d; want %d", tt.in, je.Offset, tt.offset)
			assert.Equal(t, tt.want.Error()+" at offset "+strconv.FormatInt(tt.offset, 10), je.Error(), "jsonError.Error() for %q", tt.in)
		})
	}
}

// jrTyped reads an object whose members are read by type according to their
// name: "s" string, "d" date, "b" boolean, "l" string or array of
// strings; other names are skipped. It returns what each typed member held.
type jrTyped struct {
	s string
	d time.Time
	b bool
	l []string
}

func jrReadTyped(data []byte) (jrTyped, error) {
	var v jrTyped
	r := jrReader(data)
	err := readObject(r, func(name []byte) error {
		var err error
		switch string(name) {
		case "s":
			v.s, err = r.Str("s")
		case "d":
			v.d, err = r.Date("d")
		case "b":
			v.b, err = r.Boolean("b")
		case "l":
			v.l = []string{} // distinguishes an empty array from no member
			v.l, err = r.AppendStrings("l", v.l)
		default:
			err = r.Skip()
		}
		return err
	})
	return v, err
}

func TestJSONReaderStr(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  error
	}{
		{`{"s":"abc"}`, "abc", nil},
		{`{"s":"\u0061\""}`, `a"`, nil},
		{`{"s":1}`, "", errJSONType},
		{`{"s":null}`, "", errJSONType},
		{`{"s":true}`, "", errJSONType},
		{`{"s":["a"]}`, "", errJSONType},
		{`{"s":{"a":"b"}}`, "", errJSONType},
		{`{"s":"a`, "", errJSONSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := jrReadTyped([]byte(tt.in))
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err, "reading %s returned %v; want %v", tt.in, err, tt.err)
				return
			}
			require.NoError(t, err, "reading %s", tt.in)
			assert.Equal(t, tt.want, got.s, "jsonReader.str on %s", tt.in)
		})
	}
}

func TestJSONReaderDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		err  error
	}{
		{`{"d":0}`, time.Unix(0, 0), nil},
		{`{"d":-0}`, time.Unix(0, 0), nil},
		{`{"d":1700000000}`, time.Unix(1700000000, 0), nil},
		{`{"d":1700000000.5}`, time.Unix(1700000000, 500000000), nil},
		{`{"d":1.7e9}`, time.Unix(1700000000, 0), nil},
		{`{"d":253402300799}`, time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), nil},
		{`{"d":253402300800}`, time.Time{}, errDateRange},
		{`{"d":1e300}`, time.Time{}, errDateRange},
		{`{"d":-1}`, time.Time{}, errDateRange},
		{`{"d":-0.5}`, time.Time{}, errDateRange},
		{`{"d":-1e300}`, time.Time{}, errDateRange},
		{`{"d":1e400}`, time.Time{}, errDateRange},
		{`{"d":-1e400}`, time.Time{}, errDateRange},
		{`{"d":1e-400}`, time.Unix(0, 0), nil},
		{`{"d":17e8}`, time.Unix(1700000000, 0), nil},
		{`{"d":1700000000 }`, time.Unix(1700000000, 0), nil},
		{`{"d":01}`, time.Time{}, errJSONSyntax},
		{`{"d":1e}`, time.Time{}, errJSONSyntax},
		{`{"d":1a}`, time.Time{}, errJSONSyntax},
		{`{"d":"1700000000"}`, time.Time{}, errJSONType},
		{`{"d":null}`, time.Time{}, errJSONType},
		{`{"d":true}`, time.Time{}, errJSONType},
		{`{"d":[1]}`, time.Time{}, errJSONType},
		{`{"d":{}}`, time.Time{}, errJSONType},
		{`{"d":1.}`, time.Time{}, errJSONSyntax},
		{`{"d":-}`, time.Time{}, errJSONSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := jrReadTyped([]byte(tt.in))
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err, "reading %s returned %v; want %v", tt.in, err, tt.err)
				var je *jsonError
				require.ErrorAs(t, err, &je, "reading %s returned %T; want *jsonError", tt.in, err)
				if tt.err != errJSONSyntax {
					assert.Equal(t, "d", je.Member, "jsonError for %s names member %q; want \"d\"", tt.in, je.Member)
				}
				return
			}
			require.NoError(t, err, "reading %s", tt.in)
			assert.True(t, tt.want.Equal(got.d), "jsonReader.date on %s returned %v; want %v", tt.in, got.d, tt.want)
		})
	}
}

func TestJSONReaderBoolean(t *testing.T) {
	tests := []struct {
		in   string
		want bool
		err  error
	}{
		{`{"b":true}`, true, nil},
		{`{"b":false}`, false, nil},
		{`{"b":"true"}`, false, errJSONType},
		{`{"b":1}`, false, errJSONType},
		{`{"b":0}`, false, errJSONType},
		{`{"b":null}`, false, errJSONType},
		{`{"b":[true]}`, false, errJSONType},
		{`{"b":tru}`, false, errJSONSyntax},
		{`{"b":falsey}`, false, errJSONSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := jrReadTyped([]byte(tt.in))
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err, "reading %s returned %v; want %v", tt.in, err, tt.err)
				return
			}
			require.NoError(t, err, "reading %s", tt.in)
			assert.Equal(t, tt.want, got.b, "jsonReader.boolean on %s", tt.in)
		})
	}
}

// TestJSONReaderStrings covers the "aud"-style member: one string or an array
// of strings.
func TestJSONReaderStrings(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		err  error
	}{
		{"one string", `{"l":"api"}`, []string{"api"}, nil},
		{"empty string", `{"l":""}`, []string{""}, nil},
		{"array", `{"l":["a","b","a"]}`, []string{"a", "b", "a"}, nil},
		{"array with spaces", "{\"l\": [ \"a\" ,\n\"b\" ] }", []string{"a", "b"}, nil},
		{"empty array", `{"l":[]}`, []string{}, nil},
		{"empty array with space", `{"l":[ ]}`, []string{}, nil},
		{"escapes in elements", `{"l":["\u0061","\ud83d\ude00"]}`, []string{"a", "😀"}, nil},
		{"array with a number", `{"l":["a",1]}`, nil, errJSONType},
		{"array of a number", `{"l":[1]}`, nil, errJSONType},
		{"array with null", `{"l":[null]}`, nil, errJSONType},
		{"nested array", `{"l":[["a"]]}`, nil, errJSONType},
		{"object", `{"l":{"a":"b"}}`, nil, errJSONType},
		{"number", `{"l":1}`, nil, errJSONType},
		{"null", `{"l":null}`, nil, errJSONType},
		{"true", `{"l":true}`, nil, errJSONType},
		{"trailing comma", `{"l":["a",]}`, nil, errJSONSyntax},
		{"missing comma", `{"l":["a" "b"]}`, nil, errJSONSyntax},
		{"unterminated array", `{"l":["a"`, nil, errJSONSyntax},
		{"unterminated element", `{"l":["a`, nil, errJSONSyntax},
		{"lone surrogate in element", `{"l":["\ud800"]}`, nil, errJSONSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := jrReadTyped([]byte(tt.in))
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err, "reading %s returned %v; want %v", tt.in, err, tt.err)
				return
			}
			require.NoError(t, err, "reading %s", tt.in)
			assert.Equal(t, tt.want, got.l, "jsonReader.strings on %s", tt.in)
		})
	}
}

// TestJSONErrorsNeverContainInput checks that no message built from a
// reading failure, at any layer, repeats the bytes that were read.
func TestJSONErrorsNeverContainInput(t *testing.T) {
	const marker = "SECRETMARKER"
	inputs := []string{
		`{"` + marker + `":1,"` + marker + `":2}`,
		"{\"a\":\"" + marker + "\x01\"}",
		"{\"a\":\"" + marker + "\xff\"}",
		`{"a":"` + marker + `\ud800"}`,
		`{"a":"\u` + marker + `"}`,
		`{"a":` + marker + `}`,
		`{"a":1}` + marker,
		marker,
		`[` + marker + `]`,
		`{"exp":"` + marker + `"}`,
		`{"exp":1e400` + marker + `}`,
		`{"exp":-1` + marker + `}`,
		`{"iss":["` + marker + `"]}`,
		`{"aud":["` + marker + `",1]}`,
		`{"scope":{"` + marker + `":1}}`,
		`{"alg":["` + marker + `"]}`,
		`{"alg":"HS256","b64":"` + marker + `"}`,
		`{"alg":"HS256","kid":` + marker + `}`,
		`{"a":` + strings.Repeat("[", 40) + `"` + marker + `"` + strings.Repeat("]", 40) + `}`,
	}
	for _, tt := range jrRejections {
		if strings.Contains(tt.in, marker) {
			inputs = append(inputs, tt.in)
		}
	}
	for _, in := range inputs {
		t.Run(in[:min(len(in), 40)], func(t *testing.T) {
			errs := map[string]error{"jsonReader.object": jrSkipAll([]byte(in))}
			var c Claims
			errs["Claims.parse"] = c.parse(new(objectReader), []byte(in), in)
			_, errs["parseHeader"] = parseHeader(new(objectReader), []byte(in), []string{"HS256"})
			_, errs["jsonReader (typed)"] = jrReadTyped([]byte(in))
			failed := 0
			for fn, err := range errs {
				if err == nil {
					continue
				}
				failed++
				msg := err.Error()
				assert.NotContains(t, msg, marker, "%s(%q) returned an error message that repeats the input", fn, in)
				assert.NotContains(t, msg, in, "%s(%q) returned an error message that repeats the input", fn, in)
			}
			require.NotZero(t, failed, "every reader accepted %q; the input must make at least one fail", in)
		})
	}
}

// jrHasLoneSurrogate reports whether data, which must be valid JSON, has a
// \u escape of a surrogate that is not part of a high-low pair.
func jrHasLoneSurrogate(data []byte) bool {
	hex := func(i int) (rune, bool) {
		if i+4 > len(data) {
			return 0, false
		}
		v, err := strconv.ParseUint(string(data[i:i+4]), 16, 16)
		return rune(v), err == nil
	}
	inString := false
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			inString = !inString
		case c == '\\' && inString:
			i++
			if i >= len(data) || data[i] != 'u' {
				continue
			}
			v, ok := hex(i + 1)
			if !ok {
				return false // not valid JSON; not our question
			}
			i += 4
			switch {
			case 0xDC00 <= v && v <= 0xDFFF:
				return true
			case 0xD800 <= v && v <= 0xDBFF:
				if i+2 >= len(data) || data[i+1] != '\\' || data[i+2] != 'u' {
					return true
				}
				lo, ok := hex(i + 3)
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					return true
				}
				i += 6
			}
		}
	}
	return false
}

// jrShape walks data, which must be valid JSON, with encoding/json's
// (version 1) tokenizer and reports whether its top level is an object,
// whether any object in it repeats a member name, and its nesting depth
// (1 for a flat object).
func jrShape(data []byte) (object, duplicate bool, depth int) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // numbers beyond float64 are valid JSON
	// One frame per open container: the names seen, for objects, and
	// whether the next token is a name.
	type frame struct {
		names      map[string]bool
		expectName bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return object, duplicate, depth
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		isName := top != nil && top.names != nil && top.expectName
		if top != nil && top.names != nil && tok != json.Delim('}') {
			top.expectName = !top.expectName
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if len(stack) == 0 {
				object = tok == json.Delim('{')
			}
			f := &frame{}
			if tok == json.Delim('{') {
				f.names, f.expectName = map[string]bool{}, true
			}
			stack = append(stack, f)
			depth = max(depth, len(stack))
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			continue
		}
		if isName {
			name := tok.(string)
			duplicate = duplicate || top.names[name]
			top.names[name] = true
		}
	}
}

// jrGen generates JSON-like inputs: mostly valid objects built from JSON's
// grammar, with escapes, duplicate names, deep nesting, and sometimes a
// mutation that breaks them.
type jrGen struct {
	r *rand.Rand
	b []byte
}

func (g *jrGen) pick(options ...string) string { return options[g.r.IntN(len(options))] }

func (g *jrGen) space() {
	if g.r.IntN(4) == 0 {
		g.b = append(g.b, g.pick(" ", "\t", "\n", "\r", "  \n ")...)
	}
}

func (g *jrGen) str() {
	g.b = append(g.b, '"')
	for range g.r.IntN(5) {
		if g.r.IntN(60) == 0 { // rarely, something invalid
			g.b = append(g.b, g.pick(`\ud800`, `\udc00`, "\xff", "\x01", `\x`, `\u12`, "\xed\xa0\x80", `\ud800\u0041`)...)
			continue
		}
		g.b = append(g.b, g.pick("a", "b", "iss", "aud", " ", "é", "€", "😀", `\"`, `\\`, `\/`, `\b`, `\f`, `\n`,
			`\r`, `\t`, `\u0000`, `\u0061`, `\u00e9`, `\uFFFF`, `\uD83D\uDE00`, `\udbff\udfff`, "\x7f")...)
	}
	g.b = append(g.b, '"')
}

func (g *jrGen) number() {
	if g.r.IntN(40) == 0 {
		g.b = append(g.b, g.pick("01", "1.", ".5", "-", "+1", "1e", "1e+", "NaN", "Infinity", "0x1", "--1")...)
		return
	}
	if g.r.IntN(3) == 0 {
		g.b = append(g.b, '-')
	}
	if g.r.IntN(3) == 0 {
		g.b = append(g.b, '0')
	} else {
		g.b = strconv.AppendInt(g.b, 1+g.r.Int64N(1e12), 10)
	}
	if g.r.IntN(3) == 0 {
		g.b = append(g.b, '.')
		g.b = strconv.AppendInt(g.b, g.r.Int64N(1000), 10)
	}
	if g.r.IntN(4) == 0 {
		g.b = append(g.b, g.pick("e", "E", "e+", "e-", "E-")...)
		g.b = strconv.AppendInt(g.b, g.r.Int64N(500), 10)
	}
}

func (g *jrGen) value(depth int) {
	g.space()
	switch n := g.r.IntN(10); {
	case n < 3:
		g.str()
	case n < 5:
		g.number()
	case n == 5:
		g.b = append(g.b, g.pick("true", "false", "null")...)
	case n == 6 && depth < 40:
		if g.r.IntN(8) == 0 { // a chain of arrays around the depth limit
			k := maxDepth - 2 + g.r.IntN(5)
			g.b = append(g.b, jrNest(k, "[", "]")...)
			break
		}
		g.b = append(g.b, '[')
		for i := range g.r.IntN(4) {
			if i > 0 {
				g.b = append(g.b, ',')
			}
			g.value(depth + 1)
		}
		g.space()
		g.b = append(g.b, ']')
	case depth < 40:
		g.object(depth + 1)
	default:
		g.b = append(g.b, "null"...)
	}
	g.space()
}

func (g *jrGen) object(depth int) {
	g.b = append(g.b, '{')
	g.space()
	for i := range g.r.IntN(6) {
		if i > 0 {
			g.b = append(g.b, ',')
		}
		g.space()
		if g.r.IntN(2) == 0 {
			// Names from a small pool, so that duplicates, some only
			// after unescaping, come up.
			g.b = append(g.b, g.pick(`"a"`, `"b"`, `"\u0061"`, `"iss"`, `"exp"`, `"é"`, `"\u00e9"`, `""`)...)
		} else {
			g.str()
		}
		g.space()
		g.b = append(g.b, ':')
		g.value(depth)
	}
	g.space()
	g.b = append(g.b, '}')
}

func (g *jrGen) next() []byte {
	g.b = g.b[:0]
	g.space()
	switch g.r.IntN(20) {
	case 0:
		g.value(1) // any value at the top level, usually not an object
	case 1:
		g.b = append(g.b, jrMembers(10+g.r.IntN(20), g.pick(``, `"n3"`, `"n\u0033"`, `"x"`))...)
	default:
		g.object(1)
	}
	g.space()
	for range g.r.IntN(4) - 1 { // no mutation in half the inputs
		if len(g.b) == 0 {
			break
		}
		i := g.r.IntN(len(g.b))
		switch g.r.IntN(4) {
		case 0:
			g.b = append(g.b[:i], g.b[i+1:]...)
		case 1:
			ins := g.pick("{", "}", "[", "]", `"`, ",", ":", `\`, " ", "0", "1", "-", "+", ".", "e", "t", "\x00", "\xff", "\n")
			g.b = append(g.b[:i], append([]byte(ins), g.b[i:]...)...)
		case 2:
			g.b = g.b[:i]
		default:
			g.b[i] = g.pick("x", "0", ",", "}", "]", `"`)[0]
		}
	}
	return bytes.Clone(g.b)
}

// TestJSONReaderAgreesWithEncodingJSON is a differential test: the reader is
// never more lenient than encoding/json.Valid, and on inputs without the
// things it rejects on purpose (duplicate names, lone surrogates, invalid
// UTF-8, nesting deeper than maxDepth) and that are objects, it accepts
// exactly what encoding/json accepts.
func TestJSONReaderAgreesWithEncodingJSON(t *testing.T) {
	inputs := [][]byte{}
	for _, tt := range jrRejections {
		inputs = append(inputs, []byte(tt.in))
	}
	for _, s := range []string{
		`{}`, ` { } `, `{"a":1}`, `{"a":[1,{"b":null}],"c":"\u00e9"}`, `{"a":1,"A":1}`, `{"":""}`,
		`{"x":{"a":1,"a":2}}`, `{"a":"\ud83d\ude00"}`, `{"a":-0.0e-0}`, `{"a":1e400}`,
	} {
		inputs = append(inputs, []byte(s))
	}
	g := &jrGen{r: rand.New(rand.NewPCG(20261122, 1))}
	for range 20000 {
		inputs = append(inputs, g.next())
	}

	var accepted, rejected, compared, strict int
	for _, in := range inputs {
		err := jrSkipAll(in)
		valid := json.Valid(in)
		if err == nil {
			accepted++
			require.True(t, valid, "readObject(jsonReader, %q) accepted an input encoding/json.Valid rejects", in)
			object, duplicate, _ := jrShape(in)
			require.True(t, object, "readObject(jsonReader, %q) accepted an input whose top level is not an object", in)
			require.False(t, duplicate, "readObject(jsonReader, %q) accepted an object with a duplicate member name", in)
		} else {
			rejected++
		}
		if !valid {
			continue
		}
		object, duplicate, depth := jrShape(in)
		if !object || duplicate || depth > maxDepth+1 || !utf8.Valid(in) || jrHasLoneSurrogate(in) {
			if err != nil {
				strict++ // rejected on purpose where encoding/json accepts
			}
			continue
		}
		compared++
		require.NoError(t, err, "readObject(jsonReader, %q) rejected a plain JSON object that encoding/json.Valid accepts", in)
	}
	t.Logf("%d inputs: %d accepted, %d rejected (%d of them valid JSON rejected on purpose); %d clean objects compared", len(inputs), accepted, rejected, strict, compared)
	// Guard the generator: the property is only meaningful if each kind of
	// input came up often.
	assert.Greater(t, accepted, 5000, "too few accepted inputs for a meaningful comparison")
	assert.Greater(t, rejected-strict, 5000, "too few syntactically invalid inputs")
	assert.Greater(t, strict, 500, "too few inputs that only the strict checks reject")
}

// readObject reads the top-level object of r's document through Begin and
// Next, calling member for each member with its unescaped name; member must
// consume the value. It is the tests' shorthand for the loop the
// verifier writes out.
func readObject(r *objectReader, member func(name []byte) error) error {
	if err := r.Begin(); err != nil {
		return err
	}
	for {
		name, ok, err := r.Next()
		if err != nil || !ok {
			return err
		}
		if err := member(name); err != nil {
			return err
		}
	}
}
