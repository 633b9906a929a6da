package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jwtgate/jwtgate/bearer"
)

// b64 decodes base64url without padding, rejecting non-zero trailing bits,
// as the verifier does.
var b64 = base64.RawURLEncoding.Strict()

// maxShown bounds how much of one header or claim value is printed.
const maxShown = 200

// extractToken returns the token the middleware would read from a request
// whose Authorization header carries input. input may be the bare token,
// "<scheme> <token>" or a whole "Authorization: <scheme> <token>" line; a
// bare token is sent with the first accepted scheme. The error is the one
// the middleware would answer with (no credentials, invalid request).
func extractToken(a *bearer.Auth, scheme, input string) (string, error) {
	value := strings.TrimSpace(input)
	if name, rest, ok := strings.Cut(value, ":"); ok && strings.EqualFold(strings.TrimSpace(name), "Authorization") {
		value = strings.TrimSpace(rest) // a whole header line: taken as sent
	} else if first, _, ok := strings.Cut(value, " "); !ok || strings.Contains(first, ".") {
		// No scheme word before the token.
		value = scheme + " " + value
	}
	r, err := http.NewRequest(http.MethodGet, "http://jwtdoctor.invalid/", nil)
	if err != nil {
		return "", err
	}
	r.Header.Set("Authorization", value)
	return a.Token(r)
}

// schemeOf returns the scheme word of input as extractToken reads it, for
// explaining a request without credentials. It is a scheme name (HTTP token
// characters only) or "".
func schemeOf(input string) string {
	value := strings.TrimSpace(input)
	if name, rest, ok := strings.Cut(value, ":"); ok && strings.EqualFold(strings.TrimSpace(name), "Authorization") {
		value = strings.TrimSpace(rest)
	}
	first, _, _ := strings.Cut(value, " ")
	for _, r := range first {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
			return ""
		}
	}
	return first
}

// tokenInfo is the token as the doctor decodes it for the report. It never
// keeps the token or its signature, only what may be printed.
type tokenInfo struct {
	size  int
	parts int

	header    []member
	headerErr string // why the header could not be decoded
	alg       string
	typ       string

	claims    []member
	claimsErr string
	exp       timeClaim
	nbf       timeClaim
	iat       timeClaim

	sigLen int
	sigErr string // why the signature part cannot be decoded
}

// member is one member of a JSON object, in the order of the token.
type member struct {
	name string
	raw  jsontext.Value
}

// timeClaim is a NumericDate claim.
type timeClaim struct {
	present bool
	valid   bool // a number within the verifier's range
	t       time.Time
}

// decodeToken decodes token for the report, as far as it can: the header
// and claims of a token the verifier refuses are shown when they decode.
func decodeToken(token string) *tokenInfo {
	t := &tokenInfo{size: len(token)}
	parts := strings.Split(token, ".")
	t.parts = len(parts)

	var err error
	if t.header, err = decodeObject(parts[0]); err != nil {
		t.headerErr = err.Error()
	}
	for _, m := range t.header {
		switch m.name {
		case "alg":
			t.alg, _ = stringValue(m.raw)
		case "typ":
			t.typ, _ = stringValue(m.raw)
		}
	}

	switch {
	case len(parts) < 2:
		t.claimsErr = "no payload part"
	case len(parts) > 3:
		t.claimsErr = "not decoded: the token is not a signed JWT of three parts"
	default:
		if t.claims, err = decodeObject(parts[1]); err != nil {
			t.claimsErr = err.Error()
		}
	}
	for _, m := range t.claims {
		switch m.name {
		case "exp":
			t.exp = readTime(m.raw)
		case "nbf":
			t.nbf = readTime(m.raw)
		case "iat":
			t.iat = readTime(m.raw)
		}
	}

	switch {
	case len(parts) != 3:
		t.sigErr = "missing"
	case parts[2] == "":
		t.sigErr = "empty"
	default:
		sig, err := b64.DecodeString(parts[2])
		if err != nil {
			t.sigErr = "not base64url"
		}
		t.sigLen = len(sig)
	}
	return t
}

// decodeObject decodes a base64url JSON object, keeping its members in
// order. It reads the JSON as the verifier does, with the strict decoder of
// encoding/json/jsontext: invalid UTF-8 (escaped lone surrogates included),
// a duplicate member name at any depth and anything after the object are
// refused, and names are kept exactly as written. Its errors give offsets
// in the decoded part, never its bytes.
func decodeObject(part string) ([]member, error) {
	if part == "" {
		return nil, errors.New("empty")
	}
	data, err := b64.DecodeString(part)
	if err != nil {
		var corrupt base64.CorruptInputError
		if errors.As(err, &corrupt) {
			return nil, fmt.Errorf("not base64url (at byte %d of the part)", int64(corrupt))
		}
		return nil, errors.New("not base64url")
	}
	// jsontext refuses invalid UTF-8 too, but reports where the string
	// holding it starts; this names the byte.
	if i := invalidUTF8(data); i >= 0 {
		return nil, fmt.Errorf("invalid UTF-8 at offset %d", i)
	}
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, jsonProblem(err, data)
	}
	if tok.Kind() != '{' {
		return nil, errNotObject
	}
	var members []member
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken() // a string: jsontext allows no other name
		if err != nil {
			return nil, jsonProblem(err, data)
		}
		name := tok.String() // before the next read voids tok
		raw, err := dec.ReadValue()
		if err != nil {
			return nil, jsonProblem(err, data)
		}
		members = append(members, member{name, bytes.Clone(raw)})
	}
	if _, err := dec.ReadToken(); err != nil { // the closing brace
		return nil, jsonProblem(err, data)
	}
	end := dec.InputOffset()
	if _, err := dec.ReadToken(); err != io.EOF {
		rest := data[end:]
		return nil, fmt.Errorf("data after the JSON object at offset %d", int(end)+len(rest)-len(bytes.TrimLeft(rest, " \t\r\n")))
	}
	return members, nil
}

var errNotObject = errors.New("not a JSON object")

// jsonProblem describes an error of the JSON decoder by its offset in data
// only: the decoder's own messages quote the input.
func jsonProblem(err error, data []byte) error {
	var syntax *jsontext.SyntacticError
	switch {
	case err == io.EOF, errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("invalid JSON: unexpected end at offset %d", len(data))
	case errors.As(err, &syntax) && syntax.Err == jsontext.ErrDuplicateName:
		return fmt.Errorf("duplicate member name at offset %d", syntax.ByteOffset)
	case errors.As(err, &syntax):
		return fmt.Errorf("invalid JSON at offset %d", syntax.ByteOffset)
	}
	return errors.New("invalid JSON")
}

// invalidUTF8 returns the offset of the first byte of data that is not
// part of a valid UTF-8 character, or -1.
func invalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// stringValue returns the content of a JSON string value.
func stringValue(raw jsontext.Value) (string, bool) {
	if raw.Kind() != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// readTime reads a NumericDate as the verifier does: seconds since 1970,
// possibly fractional, from 0 to the end of the year 9999.
func readTime(raw jsontext.Value) timeClaim {
	c := timeClaim{present: true}
	if raw.Kind() != '0' {
		return c
	}
	var f float64
	if json.Unmarshal(raw, &f) != nil || f < 0 || f > 253402300799 {
		return c
	}
	sec, frac := math.Modf(f)
	c.valid, c.t = true, time.Unix(int64(sec), int64(frac*1e9))
	return c
}

// showValue formats a header or claim value: a string quoted with %q, any
// other value as compact JSON, both shortened past maxShown bytes and with
// non-printable characters escaped.
func showValue(raw jsontext.Value) string {
	if s, ok := stringValue(raw); ok {
		if len(s) > maxShown {
			return fmt.Sprintf("%q... (%d bytes)", clipUTF8(s, maxShown), len(s))
		}
		return fmt.Sprintf("%q", s)
	}
	v := jsontext.Value(bytes.Clone(raw))
	if v.Compact() != nil {
		return "(invalid JSON)"
	}
	out := escapeNonPrintable(string(v))
	if len(out) > maxShown {
		return fmt.Sprintf("%s... (%d bytes)", clipUTF8(out, maxShown), len(out))
	}
	return out
}

// clipUTF8 returns at most n bytes of s, cut at a character boundary.
func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// escapeNonPrintable replaces characters a terminal might act on with JSON
// \u escapes; in compact JSON they can only occur inside strings, where the
// escape means the same.
func escapeNonPrintable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsPrint(r) {
			b.WriteRune(r)
			continue
		}
		if r > 0xffff {
			r1, r2 := utf16Pair(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
			continue
		}
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

// relative says how far t is from now: "in 59m", "3h ago", "now".
func relative(t, now time.Time) string {
	d := t.Sub(now).Round(time.Second)
	switch {
	case d == 0:
		return "now"
	case d > 0:
		return "in " + shortDuration(d)
	default:
		return shortDuration(-d) + " ago"
	}
}

// shortDuration formats d, at least a second, in its two largest units:
// "45s", "59m", "1h30m", "2d3h".
func shortDuration(d time.Duration) string {
	const day = 24 * time.Hour
	two := func(big, small time.Duration, bigUnit, smallUnit string) string {
		s := fmt.Sprintf("%d%s", d/big, bigUnit)
		if r := (d % big) / small; r > 0 {
			s += fmt.Sprintf("%d%s", r, smallUnit)
		}
		return s
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", d/time.Second)
	case d < time.Hour:
		return two(time.Minute, time.Second, "m", "s")
	case d < 2*day:
		return two(time.Hour, time.Minute, "h", "m")
	default:
		return two(day, time.Hour, "d", "h")
	}
}

// formatTime prints t in UTC, RFC 3339.
func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}
