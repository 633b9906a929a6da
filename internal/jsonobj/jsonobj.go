// Package jsonobj reads the JSON objects of tokens and DPoP proofs (the
// protected header, the claims set, a JWK) with encoding/json/jsontext, the
// standard library's strict JSON decoder. It rejects invalid UTF-8 (escaped lone surrogates included),
// duplicate member names at any depth, and syntax errors of every kind, and
// compares names exactly, so every reader of a token agrees on what it says
// (RFC 7515 section 5.2 and RFC 7519 section 4 allow a parser to reject
// duplicates, and we do). On top of it, Reader applies our own rules:
// the document is one object and nothing follows it, values nest at most
// MaxDepth levels, and the members we act on have the types the RFCs give
// them.
package jsonobj

import (
	"bytes"
	"encoding/json/jsontext"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"time"
)

// MaxDepth bounds the nesting of a member's value: 32 levels of arrays and
// objects inside the top-level object.
const MaxDepth = 32

// The reasons of an *Error.
var (
	// ErrSyntax: the document is not JSON, or has data after the object.
	ErrSyntax = errors.New("invalid JSON")
	// ErrNotObject: the document is not one JSON object.
	ErrNotObject = errors.New("not a JSON object")
	// ErrDuplicate: a member name appears twice in one object.
	ErrDuplicate = errors.New("duplicate member name")
	// ErrDepth: values nest more than MaxDepth levels.
	ErrDepth = errors.New("JSON nested too deeply")
	// ErrType: a member has another type than its specification gives.
	ErrType = errors.New("member has the wrong type")
	// ErrDateRange: a NumericDate before 1970 or after the year 9999.
	ErrDateRange = errors.New("date out of range")
)

// Error carries the byte offset where reading failed, never the bytes
// themselves (jsontext's own messages quote the input), so that no part of
// a token reaches an error message.
type Error struct {
	Err    error  // ErrSyntax, ErrNotObject, ErrDuplicate, ErrDepth, ErrType, ErrDateRange
	Offset int64  // the byte offset in the document
	Member string // the member being read, when it is one we know
}

// Error returns the reason, the member and the offset, never the input.
func (e *Error) Error() string {
	msg := e.Err.Error()
	if e.Member != "" {
		msg = strconv.Quote(e.Member) + ": " + msg
	}
	return msg + " at offset " + strconv.FormatInt(e.Offset, 10)
}

// Unwrap returns the reason.
func (e *Error) Unwrap() error { return e.Err }

// Reader reads the members of one JSON object. Its zero value is
// ready; reset points it at a document.
type Reader struct {
	buf bytes.Buffer // a private copy of the document, which dec reads
	dec jsontext.Decoder
	// src is the document as a string, when string values may be
	// substrings of it: a string without escapes is then taken from src
	// instead of being copied. Empty means every string is copied.
	src     string
	data    []byte // the document, as given to reset
	nameBuf []byte // the last member name, when it had escapes
}

// Reset makes r read data, whose string form is src (or "": strings are
// then copied).
func (r *Reader) Reset(data []byte, src string) {
	r.buf.Reset()
	r.buf.Write(data)
	r.dec.Reset(&r.buf)
	r.src = src
	r.data = data
}

// Fail turns an error of the decoder into an *Error.
func (r *Reader) Fail(err error) error {
	var se *jsontext.SyntacticError
	switch {
	case errors.As(err, &se):
		why := ErrSyntax
		if errors.Is(se.Err, jsontext.ErrDuplicateName) {
			why = ErrDuplicate
		}
		return &Error{Err: why, Offset: se.ByteOffset}
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		return &Error{Err: ErrSyntax, Offset: int64(len(r.data))}
	}
	return &Error{Err: ErrSyntax, Offset: r.dec.InputOffset()}
}

// TypeError reports that the named member, not read yet, has the wrong
// type.
func (r *Reader) TypeError(member string) error {
	return &Error{Err: ErrType, Offset: r.dec.InputOffset(), Member: member}
}

// ValueError reports why the value v just read for the named member is
// refused, at the offset where v starts.
func (r *Reader) ValueError(why error, v jsontext.Value, member string) error {
	return &Error{Err: why, Offset: r.dec.InputOffset() - int64(len(v)), Member: member}
}

// Begin reads the opening brace of the top-level object.
func (r *Reader) Begin() error {
	if r.dec.PeekKind() != '{' {
		start := len(r.data) - len(bytes.TrimLeft(r.data, " \t\r\n"))
		return &Error{Err: ErrNotObject, Offset: int64(start)}
	}
	if _, err := r.dec.ReadToken(); err != nil {
		return r.Fail(err)
	}
	return nil
}

// Next reads the name of the next member, leaving the decoder at its
// value, which the caller must consume with one of the value methods. The
// name is valid until the next read. After the last member next reports
// ok == false, having checked that nothing follows the object.
func (r *Reader) Next() (name []byte, ok bool, err error) {
	if r.dec.PeekKind() == '}' {
		if _, err := r.dec.ReadToken(); err != nil {
			return nil, false, r.Fail(err)
		}
		if _, err := r.dec.ReadToken(); err != io.EOF {
			if err == nil {
				return nil, false, &Error{Err: ErrSyntax, Offset: r.dec.InputOffset()}
			}
			return nil, false, r.Fail(err)
		}
		return nil, false, nil
	}
	v, err := r.dec.ReadValue()
	if err != nil {
		return nil, false, r.Fail(err)
	}
	name, err = r.Unquote(v, &r.nameBuf)
	return name, true, err
}

// Unquote returns the content of the JSON string v: a subslice of v when
// it has no escapes, otherwise the unescaped bytes in *buf.
func (r *Reader) Unquote(v jsontext.Value, buf *[]byte) ([]byte, error) {
	if bytes.IndexByte(v, '\\') < 0 {
		return v[1 : len(v)-1], nil
	}
	b, err := jsontext.AppendUnquote((*buf)[:0], v)
	if err != nil { // cannot happen: the decoder validated v
		return nil, &Error{Err: ErrSyntax, Offset: r.dec.InputOffset()}
	}
	*buf = b
	return b, nil
}

// Peek returns the kind of the next value, or the decoder's error if the
// value is malformed.
func (r *Reader) Peek() (jsontext.Kind, error) {
	k := r.dec.PeekKind()
	if k == 0 {
		_, err := r.dec.ReadValue()
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return 0, r.Fail(err)
	}
	return k, nil
}

// Value reads the value of the named member, which must be of one of the
// kinds given.
func (r *Reader) Value(member string, kinds ...jsontext.Kind) (jsontext.Value, error) {
	v, err := r.dec.ReadValue()
	if err != nil {
		return nil, r.Fail(err)
	}
	if !slices.Contains(kinds, v.Kind()) {
		return nil, r.ValueError(ErrType, v, member)
	}
	return v, nil
}

// RawString reads a string value for the named member and returns its
// content, valid until the next read, and whether it is the verbatim text
// of the document (no escapes) ending at the decoder's offset.
func (r *Reader) RawString(member string) (b []byte, verbatim bool, err error) {
	v, err := r.Value(member, '"')
	if err != nil {
		return nil, false, err
	}
	var scratch []byte
	b, err = r.Unquote(v, &scratch)
	return b, scratch == nil && err == nil, err
}

// Str reads a string value for the named member: a substring of the src
// given to Reset when
// the value has no escapes and r.src is set, otherwise a copy.
func (r *Reader) Str(member string) (string, error) {
	b, verbatim, err := r.RawString(member)
	if err != nil {
		return "", err
	}
	if verbatim && r.src != "" {
		end := int(r.dec.InputOffset()) - 1 // before the closing quote
		return r.src[end-len(b) : end], nil
	}
	return string(b), nil
}

// AppendStrings reads either one string or an array of strings for the
// named member and appends them to dst. ("aud" and the scope claims come
// in both forms.)
func (r *Reader) AppendStrings(member string, dst []string) ([]string, error) {
	k, err := r.Peek()
	if err != nil {
		return dst, err
	}
	switch k {
	case '"':
		s, err := r.Str(member)
		return append(dst, s), err
	case '[':
	default:
		return dst, r.TypeError(member)
	}
	if _, err := r.dec.ReadToken(); err != nil {
		return dst, r.Fail(err)
	}
	for r.dec.PeekKind() != ']' {
		s, err := r.Str(member)
		if err != nil {
			return dst, err
		}
		dst = append(dst, s)
	}
	if _, err := r.dec.ReadToken(); err != nil {
		return dst, r.Fail(err)
	}
	return dst, nil
}

// MaxNumericDate bounds dates: RFC 7519 dates are seconds since 1970;
// anything before that or after the year 9999 is not a date an issuer or a
// client meant.
const MaxNumericDate = 253402300799 // 9999-12-31T23:59:59Z

// Date reads a NumericDate for the named member: a JSON number of seconds
// since the epoch, possibly fractional.
func (r *Reader) Date(member string) (time.Time, error) {
	v, err := r.Value(member, '0')
	if err != nil {
		return time.Time{}, err
	}
	// Issuers write whole seconds; strconv reads those as integers at a
	// fraction of the cost of a float (the value is a valid JSON number,
	// so ParseInt fails only on a fraction, an exponent or a huge value).
	sec, err := strconv.ParseInt(string(v), 10, 64)
	frac := 0.0
	if err != nil {
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || f > MaxNumericDate {
			f = -1 // out of range, as below
		}
		var whole float64
		whole, frac = math.Modf(f)
		sec = int64(whole)
	}
	if sec < 0 || sec > MaxNumericDate || frac < 0 {
		return time.Time{}, r.ValueError(ErrDateRange, v, member)
	}
	return time.Unix(sec, int64(frac*1e9)), nil
}

// Boolean reads true or false for the named member.
func (r *Reader) Boolean(member string) (bool, error) {
	v, err := r.Value(member, 't', 'f')
	if err != nil {
		return false, err
	}
	return v.Kind() == 't', nil
}

// Skip reads past a value of a member we do not act on, checking its
// syntax and its nesting.
func (r *Reader) Skip() error {
	k, err := r.Peek()
	if err != nil {
		return err
	}
	if k != '{' && k != '[' {
		if err := r.dec.SkipValue(); err != nil {
			return r.Fail(err)
		}
		return nil
	}
	base := r.dec.StackDepth()
	for {
		if _, err := r.dec.ReadToken(); err != nil {
			return r.Fail(err)
		}
		switch d := r.dec.StackDepth(); {
		case d > MaxDepth+1: // the top-level object is one more
			return &Error{Err: ErrDepth, Offset: r.dec.InputOffset()}
		case d == base:
			return nil
		}
	}
}

// AppendString reads a string value for the named member and appends its
// content to *arena, returning the appended bytes, which stay valid while
// the arena is only appended to.
func (r *Reader) AppendString(member string, arena *[]byte) ([]byte, error) {
	b, _, err := r.RawString(member)
	if err != nil {
		return nil, err
	}
	start := len(*arena)
	*arena = append(*arena, b...)
	return (*arena)[start:len(*arena):len(*arena)], nil
}

// PeekKind returns the kind of the next token, as jsontext.Decoder does.
func (r *Reader) PeekKind() jsontext.Kind { return r.dec.PeekKind() }

// Clear drops r's references to the last document (its string form and
// the slice given to Reset), so that a pooled Reader pins neither.
func (r *Reader) Clear() { r.src, r.data = "", nil }

// BufferCap returns the capacity of r's private copy of the document, for
// pools that drop readers whose buffers grew large.
func (r *Reader) BufferCap() int { return r.buf.Cap() }
