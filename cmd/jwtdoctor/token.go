package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jwtgate/jwtgate/internal/httpauth"
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
func extractToken(a *httpauth.Auth, scheme, input string) (string, error) {
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
// keeps the token or its signature, only what may be printed and what tells
// apart the checks that share one rejection reason.
type tokenInfo struct {
	size       int
	parts      int
	compactErr string // why the token is not three base64url parts

	header    []member
	headerErr string // why the header could not be decoded
	alg       string
	hasAlg    bool // "alg" is present and a string
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
	raw  json.RawMessage
}

// timeClaim is a NumericDate claim.
type timeClaim struct {
	present bool
	valid   bool // a number within the verifier's range
	t       time.Time
}

// decodeToken decodes token for the report.
func decodeToken(token string) *tokenInfo {
	t := &tokenInfo{size: len(token)}
	parts := strings.Split(token, ".")
	t.parts = len(parts)
	switch {
	case len(parts) != 3:
		t.compactErr = fmt.Sprintf("%d %s, not 3", len(parts), plural(len(parts), "part", "parts"))
		if len(parts) == 5 {
			t.compactErr += " (5 parts is an encrypted token, JWE)"
		}
	case strings.IndexFunc(token, func(r rune) bool { return r != '.' && !isBase64URL(r) }) >= 0:
		t.compactErr = "a character outside the base64url alphabet"
	case parts[0] == "":
		t.compactErr = "empty header"
	}

	var err error
	if t.header, err = decodeObject(parts[0]); err != nil {
		t.headerErr = err.Error()
	}
	for _, m := range t.header {
		switch m.name {
		case "alg":
			t.hasAlg = json.Unmarshal(m.raw, &t.alg) == nil
		case "typ":
			_ = json.Unmarshal(m.raw, &t.typ)
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

func isBase64URL(r rune) bool {
	return 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '_'
}

var errNotObject = errors.New("not a JSON object")

// decodeObject decodes a base64url JSON object, keeping its members in
// order. Its errors never quote the input.
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
	if !utf8.Valid(data) {
		return nil, errors.New("not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonProblem(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errNotObject
	}
	var members []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonProblem(err)
		}
		name, _ := tok.(string) // object keys are always strings
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, jsonProblem(err)
		}
		members = append(members, member{name, raw})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, jsonProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return members, nil
}

// jsonProblem describes a JSON decoding error by position only.
func jsonProblem(err error) error {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("invalid JSON at offset %d", syntax.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("invalid JSON: unexpected end")
	}
	return errors.New("invalid JSON")
}

// readTime reads a NumericDate as the verifier does: seconds since 1970,
// possibly fractional, from 0 to the end of the year 9999.
func readTime(raw json.RawMessage) timeClaim {
	c := timeClaim{present: true}
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return c
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f < 0 || f > 253402300799 {
		return c
	}
	sec, frac := math.Modf(f)
	c.valid, c.t = true, time.Unix(int64(sec), int64(frac*1e9))
	return c
}

// showValue formats a header or claim value: a string quoted with %q, any
// other value as compact JSON, both shortened past maxShown bytes and with
// non-printable characters escaped.
func showValue(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if len(s) > maxShown {
			return fmt.Sprintf("%q... (%d bytes)", clipUTF8(s, maxShown), len(s))
		}
		return fmt.Sprintf("%q", s)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return "(invalid JSON)"
	}
	out := escapeNonPrintable(buf.String())
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
