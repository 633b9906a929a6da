package verifier

import (
	"encoding/binary"
	"errors"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds a small, strict JSON reader for the two objects in a token:
// the protected header and the claims set. Decoding them with encoding/json
// would cost a map or reflection per token and would silently keep the last
// of two members with the same name; RFC 7515 section 5.2 and RFC 7519
// section 4 let a parser either reject duplicates or keep the last, and we
// reject them, so that no two readers of the same token can disagree about
// its registered claims. (Names inside nested values are not checked: RFC
// 7519 requires unique names at the top level only, and Claims.Decode reads
// nested custom claims with encoding/json, which keeps the last duplicate.)
// The reader also rejects invalid UTF-8, lone surrogates, nesting deeper than
// maxDepth and anything after the top-level object.

const maxDepth = 32

var (
	errJSONSyntax    = errors.New("invalid JSON")
	errJSONNotObject = errors.New("not a JSON object")
	errJSONDuplicate = errors.New("duplicate member name")
	errJSONDepth     = errors.New("JSON nested too deeply")
	errJSONType      = errors.New("member has the wrong type")
)

// jsonError carries the byte offset where reading failed, never the bytes
// themselves, so that no part of a token reaches an error message.
type jsonError struct {
	err    error
	offset int
	member string // the member being read, when it is one we know
}

func (e *jsonError) Error() string {
	msg := e.err.Error()
	if e.member != "" {
		msg = strconv.Quote(e.member) + ": " + msg
	}
	return msg + " at offset " + strconv.Itoa(e.offset)
}

func (e *jsonError) Unwrap() error { return e.err }

type jsonReader struct {
	data []byte
	// src is data as a string, when the caller guarantees that data is
	// never modified: string values are then substrings of it, without a
	// copy. Empty means every string is copied.
	src   string
	pos   int
	first bool // no member read yet
	// seen[:nSeen] holds the member names of the object being read, for
	// the duplicate check; names with escapes are stored unescaped. Past
	// len(seen) names, seenMap takes over so that an object with thousands
	// of members costs linear, not quadratic, time. (A count rather than a
	// slice of seen keeps the reader free of pointers into itself, so that
	// it can live on the stack.)
	// seenBits has the nameBit of every name in seen set: a name whose
	// bit is clear is new without comparing it to any.
	seen     [16][]byte
	nSeen    int
	seenBits uint64
	seenMap  map[string]struct{}
}

// nameBit hashes a member name to one bit of a word, from its length and
// its first and last bytes; the registered claim names all fall on
// different bits.
func nameBit(name []byte) uint64 {
	if len(name) == 0 {
		return 1
	}
	return 1 << ((uint(len(name)) + 3*uint(name[0]) + 5*uint(name[len(name)-1])) % 64)
}

// addName records a member name and reports false if it was seen before.
func (r *jsonReader) addName(name []byte) bool {
	if r.seenMap != nil {
		if _, dup := r.seenMap[string(name)]; dup {
			return false
		}
		r.seenMap[string(name)] = struct{}{}
		return true
	}
	if bit := nameBit(name); r.seenBits&bit == 0 {
		r.seenBits |= bit
	} else {
		for _, s := range r.seen[:r.nSeen] {
			if string(s) == string(name) {
				return false
			}
		}
	}
	if r.nSeen < len(r.seen) {
		r.seen[r.nSeen] = name
		r.nSeen++
		return true
	}
	r.seenMap = make(map[string]struct{}, 2*len(r.seen))
	for _, s := range r.seen {
		r.seenMap[string(s)] = struct{}{}
	}
	r.seenMap[string(name)] = struct{}{}
	return true
}

func (r *jsonReader) fail(err error) error {
	return &jsonError{err: err, offset: r.pos}
}

func (r *jsonReader) skipSpace() {
	d, p := r.data, r.pos
	for p < len(d) && (d[p] == ' ' || d[p] == '\t' || d[p] == '\n' || d[p] == '\r') {
		p++
	}
	r.pos = p
}

// begin starts reading the top-level object of r.data; [jsonReader.next]
// then yields its members.
func (r *jsonReader) begin() error {
	r.nSeen, r.seenBits, r.seenMap, r.first = 0, 0, nil, true
	r.skipSpace()
	if r.pos >= len(r.data) || r.data[r.pos] != '{' {
		return r.fail(errJSONNotObject)
	}
	r.pos++
	return nil
}

// next reads the name of the next member and the colon after it, leaving
// r.pos at the value, which the caller must consume with one of the value
// methods. After the last member it reports ok == false, having checked
// that nothing follows the object.
func (r *jsonReader) next() (name []byte, ok bool, err error) {
	r.skipSpace()
	if r.first {
		r.first = false
		if r.peek() == '}' {
			r.pos++
			return nil, false, r.end()
		}
	} else {
		switch r.peek() {
		case ',':
			r.pos++
			r.skipSpace()
		case '}':
			r.pos++
			return nil, false, r.end()
		default:
			return nil, false, r.fail(errJSONSyntax)
		}
	}
	if name, err = r.stringBytes(); err != nil {
		return nil, false, err
	}
	if !r.addName(name) {
		return nil, false, r.fail(errJSONDuplicate)
	}
	r.skipSpace()
	if r.peek() != ':' {
		return nil, false, r.fail(errJSONSyntax)
	}
	r.pos++
	r.skipSpace()
	return name, true, nil
}

func (r *jsonReader) end() error {
	r.skipSpace()
	if r.pos != len(r.data) {
		return r.fail(errJSONSyntax)
	}
	return nil
}

// typeError reports a known member whose value has the wrong type.
func (r *jsonReader) typeError(member string) error {
	return &jsonError{err: errJSONType, offset: r.pos, member: member}
}

func (r *jsonReader) peek() byte {
	if r.pos < len(r.data) {
		return r.data[r.pos]
	}
	return 0
}

// str reads a string value for the named member.
func (r *jsonReader) str(member string) (string, error) {
	if r.peek() != '"' {
		return "", r.typeError(member)
	}
	start := r.pos + 1
	b, err := r.stringBytes()
	if err != nil {
		return "", err
	}
	// Escapes always shorten a string, so an unchanged length means b is
	// the raw bytes between the quotes.
	if end := r.pos - 1; r.src != "" && len(b) == end-start {
		return r.src[start:end], nil
	}
	return string(b), nil
}

// stringBytes reads a string and returns its unescaped content. Without
// escapes the result aliases r.data; otherwise it is a new slice. (The scan
// keeps its position in a local variable: a loop that advanced r.pos would
// store and reload it on every byte.)
func (r *jsonReader) stringBytes() ([]byte, error) {
	d, p := r.data, r.pos
	if p >= len(d) || d[p] != '"' {
		return nil, r.fail(errJSONSyntax)
	}
	p++
	start := p
	for p < len(d) {
		// Printable ASCII other than '"' and '\\' stands for itself; skip
		// it eight bytes at a time while eight remain, then byte by byte.
		if p+8 <= len(d) {
			m := specialJSONBytes(binary.LittleEndian.Uint64(d[p:]))
			if m == 0 {
				p += 8
				continue
			}
			p += bits.TrailingZeros64(m) / 8
		} else if plainJSONByte[d[p]] {
			p++
			continue
		}
		switch c := d[p]; {
		case c == '"':
			r.pos = p + 1
			return d[start:p], nil
		case c == '\\':
			r.pos = p
			return r.escapedString(start)
		case c < 0x20:
			r.pos = p
			return nil, r.fail(errJSONSyntax)
		case c < utf8.RuneSelf:
			p++ // DEL
		default:
			rn, size := utf8.DecodeRune(d[p:])
			if rn == utf8.RuneError && size == 1 {
				r.pos = p
				return nil, r.fail(errJSONSyntax)
			}
			p += size
		}
	}
	r.pos = p
	return nil, r.fail(errJSONSyntax)
}

// escapedString finishes reading a string that has an escape at r.pos, its
// content starting at start.
func (r *jsonReader) escapedString(start int) ([]byte, error) {
	out := make([]byte, 0, r.pos-start+16)
	out = append(out, r.data[start:r.pos]...)
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		switch {
		case c == '"':
			r.pos++
			return out, nil
		case c == '\\':
			r.pos++
			if r.pos >= len(r.data) {
				return nil, r.fail(errJSONSyntax)
			}
			e := r.data[r.pos]
			r.pos++
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				rn, ok := r.hex4()
				if !ok {
					return nil, r.fail(errJSONSyntax)
				}
				if utf16.IsSurrogate(rn) {
					// Only a high surrogate followed by an escaped low
					// surrogate makes a character; anything else is a lone
					// surrogate, which is not valid Unicode text.
					if rn >= 0xDC00 || r.pos+1 >= len(r.data) || r.data[r.pos] != '\\' || r.data[r.pos+1] != 'u' {
						return nil, r.fail(errJSONSyntax)
					}
					r.pos += 2
					lo, ok := r.hex4()
					if !ok || lo < 0xDC00 || lo > 0xDFFF {
						return nil, r.fail(errJSONSyntax)
					}
					rn = utf16.DecodeRune(rn, lo)
				}
				out = utf8.AppendRune(out, rn)
			default:
				return nil, r.fail(errJSONSyntax)
			}
		case c < 0x20:
			return nil, r.fail(errJSONSyntax)
		case c < utf8.RuneSelf:
			out = append(out, c)
			r.pos++
		default:
			rn, size := utf8.DecodeRune(r.data[r.pos:])
			if rn == utf8.RuneError && size == 1 {
				return nil, r.fail(errJSONSyntax)
			}
			out = append(out, r.data[r.pos:r.pos+size]...)
			r.pos += size
		}
	}
	return nil, r.fail(errJSONSyntax)
}

// specialJSONBytes sets the high bit of each byte of w (eight bytes of a
// string, the first in the low byte) that is a quote, a backslash, a
// control character or not ASCII, and clears the others. Each byte is
// tested on its own: its low seven bits plus a constant below 0x80 cannot
// carry into the next byte.
func specialJSONBytes(w uint64) uint64 {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	low := w &^ high
	control := ^(low + (0x80-0x20)*ones) // high bit set below 0x20
	quote := ^((low ^ '"'*ones) + 0x7f*ones)
	backslash := ^((low ^ '\\'*ones) + 0x7f*ones)
	return (w | control | quote | backslash) & high
}

// plainJSONByte[c] reports whether c stands for itself in a JSON string:
// printable ASCII other than the quote and the backslash.
var plainJSONByte = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func (r *jsonReader) hex4() (rune, bool) {
	if r.pos+4 > len(r.data) {
		return 0, false
	}
	var v rune
	for _, c := range r.data[r.pos : r.pos+4] {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	r.pos += 4
	return v, true
}

// number reads a JSON number for the named member as a float64. It rejects
// numbers too large for a float64.
func (r *jsonReader) number(member string) (float64, error) {
	start := r.pos
	// The usual case first, a whole number of seconds of at most 15
	// digits, without a leading zero: exact in a float64 and much cheaper
	// than ParseFloat.
	d, p := r.data, start
	var n int64
	for p < len(d) && p-start < 16 && '0' <= d[p] && d[p] <= '9' {
		n = n*10 + int64(d[p]-'0')
		p++
	}
	if digits := p - start; digits > 0 && digits <= 15 && (d[start] != '0' || digits == 1) &&
		(p == len(d) || d[p] != '.' && d[p] != 'e' && d[p] != 'E' && (d[p] < '0' || d[p] > '9')) {
		r.pos = p
		return float64(n), nil
	}
	if !r.scanNumber() {
		if r.pos == start {
			return 0, r.typeError(member)
		}
		return 0, r.fail(errJSONSyntax)
	}
	f, err := strconv.ParseFloat(string(r.data[start:r.pos]), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, &jsonError{err: errJSONType, offset: start, member: member}
	}
	return f, nil
}

// scanNumber advances over a number in JSON's grammar; it reports false if
// there is none or it is malformed.
func (r *jsonReader) scanNumber() bool {
	d := r.data
	p := r.pos
	if p < len(d) && d[p] == '-' {
		p++
	}
	switch {
	case p < len(d) && d[p] == '0':
		p++
	case p < len(d) && '1' <= d[p] && d[p] <= '9':
		for p < len(d) && '0' <= d[p] && d[p] <= '9' {
			p++
		}
	default:
		r.pos = p
		return false
	}
	if p < len(d) && d[p] == '.' {
		p++
		if p >= len(d) || d[p] < '0' || d[p] > '9' {
			r.pos = p
			return false
		}
		for p < len(d) && '0' <= d[p] && d[p] <= '9' {
			p++
		}
	}
	if p < len(d) && (d[p] == 'e' || d[p] == 'E') {
		p++
		if p < len(d) && (d[p] == '+' || d[p] == '-') {
			p++
		}
		if p >= len(d) || d[p] < '0' || d[p] > '9' {
			r.pos = p
			return false
		}
		for p < len(d) && '0' <= d[p] && d[p] <= '9' {
			p++
		}
	}
	r.pos = p
	return true
}

// appendStrings reads either one string or an array of strings for the
// named member and appends them to dst. ("aud" and the scope claims come in
// both forms.)
func (r *jsonReader) appendStrings(member string, dst []string) ([]string, error) {
	switch r.peek() {
	case '"':
		s, err := r.str(member)
		return append(dst, s), err
	case '[':
	default:
		return dst, r.typeError(member)
	}
	r.pos++
	r.skipSpace()
	if r.peek() == ']' {
		r.pos++
		return dst, nil
	}
	for {
		r.skipSpace()
		s, err := r.str(member)
		if err != nil {
			return dst, err
		}
		dst = append(dst, s)
		r.skipSpace()
		switch r.peek() {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return dst, nil
		default:
			return dst, r.fail(errJSONSyntax)
		}
	}
}

// skip reads and discards any JSON value, checking its syntax.
func (r *jsonReader) skip() error { return r.skipDepth(1) }

func (r *jsonReader) skipDepth(depth int) error {
	switch c := r.peek(); {
	case c == '"':
		_, err := r.stringBytes()
		return err
	case c == '{' || c == '[':
		if depth > maxDepth {
			return r.fail(errJSONDepth)
		}
		return r.skipContainer(depth)
	case c == 't':
		return r.literal("true")
	case c == 'f':
		return r.literal("false")
	case c == 'n':
		return r.literal("null")
	default:
		if !r.scanNumber() {
			return r.fail(errJSONSyntax)
		}
		return nil
	}
}

func (r *jsonReader) skipContainer(depth int) error {
	isObject := r.data[r.pos] == '{'
	closer := byte(']')
	if isObject {
		closer = '}'
	}
	r.pos++
	r.skipSpace()
	if r.peek() == closer {
		r.pos++
		return nil
	}
	for {
		r.skipSpace()
		if isObject {
			if _, err := r.stringBytes(); err != nil {
				return err
			}
			r.skipSpace()
			if r.peek() != ':' {
				return r.fail(errJSONSyntax)
			}
			r.pos++
			r.skipSpace()
		}
		if err := r.skipDepth(depth + 1); err != nil {
			return err
		}
		r.skipSpace()
		switch r.peek() {
		case ',':
			r.pos++
		case closer:
			r.pos++
			return nil
		default:
			return r.fail(errJSONSyntax)
		}
	}
}

func (r *jsonReader) literal(word string) error {
	if len(r.data)-r.pos < len(word) || string(r.data[r.pos:r.pos+len(word)]) != word {
		return r.fail(errJSONSyntax)
	}
	r.pos += len(word)
	return nil
}

// boolean reads true or false for the named member.
func (r *jsonReader) boolean(member string) (bool, error) {
	switch r.peek() {
	case 't':
		return true, r.literal("true")
	case 'f':
		return false, r.literal("false")
	}
	return false, r.typeError(member)
}
