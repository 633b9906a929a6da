package verifier

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

// The two JSON objects of a token, the protected header and the claims set,
// are read with encoding/json/jsontext, the standard library's strict JSON
// decoder. It rejects invalid UTF-8 (escaped lone surrogates included),
// duplicate member names at any depth, and syntax errors of every kind, and
// compares names exactly, so every reader of a token agrees on what it says
// (RFC 7515 section 5.2 and RFC 7519 section 4 allow a parser to reject
// duplicates, and we do). On top of it, objectReader applies our own rules:
// the document is one object and nothing follows it, values nest at most
// maxDepth levels, and the members we act on have the types the RFCs give
// them.

// maxDepth bounds the nesting of a member's value: 32 levels of arrays and
// objects inside the top-level object.
const maxDepth = 32

var (
	errJSONSyntax    = errors.New("invalid JSON")
	errJSONNotObject = errors.New("not a JSON object")
	errJSONDuplicate = errors.New("duplicate member name")
	errJSONDepth     = errors.New("JSON nested too deeply")
	errJSONType      = errors.New("member has the wrong type")
	errDateRange     = errors.New("date out of range")
)

// jsonError carries the byte offset where reading failed, never the bytes
// themselves (jsontext's own messages quote the input), so that no part of
// a token reaches an error message.
type jsonError struct {
	err    error
	offset int64
	member string // the member being read, when it is one we know
}

func (e *jsonError) Error() string {
	msg := e.err.Error()
	if e.member != "" {
		msg = strconv.Quote(e.member) + ": " + msg
	}
	return msg + " at offset " + strconv.FormatInt(e.offset, 10)
}

func (e *jsonError) Unwrap() error { return e.err }

// objectReader reads the members of one JSON object. Its zero value is
// ready; reset points it at a document.
type objectReader struct {
	buf bytes.Buffer // a private copy of the document, which dec reads
	dec jsontext.Decoder
	// src is the document as a string, when string values may be
	// substrings of it: a string without escapes is then taken from src
	// instead of being copied. Empty means every string is copied.
	src     string
	data    []byte // the document, as given to reset
	nameBuf []byte // the last member name, when it had escapes
}

// reset makes r read data, whose string form is src (or "").
func (r *objectReader) reset(data []byte, src string) {
	r.buf.Reset()
	r.buf.Write(data)
	r.dec.Reset(&r.buf)
	r.src = src
	r.data = data
}

// fail turns an error of the decoder into a jsonError.
func (r *objectReader) fail(err error) error {
	var se *jsontext.SyntacticError
	switch {
	case errors.As(err, &se):
		why := errJSONSyntax
		if errors.Is(se.Err, jsontext.ErrDuplicateName) {
			why = errJSONDuplicate
		}
		return &jsonError{err: why, offset: se.ByteOffset}
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		return &jsonError{err: errJSONSyntax, offset: int64(len(r.data))}
	}
	return &jsonError{err: errJSONSyntax, offset: r.dec.InputOffset()}
}

// typeError reports that the named member, not read yet, has the wrong
// type.
func (r *objectReader) typeError(member string) error {
	return &jsonError{err: errJSONType, offset: r.dec.InputOffset(), member: member}
}

// valueError reports why the value v just read for the named member is
// refused, at the offset where v starts.
func (r *objectReader) valueError(why error, v jsontext.Value, member string) error {
	return &jsonError{err: why, offset: r.dec.InputOffset() - int64(len(v)), member: member}
}

// begin reads the opening brace of the top-level object.
func (r *objectReader) begin() error {
	if r.dec.PeekKind() != '{' {
		start := len(r.data) - len(bytes.TrimLeft(r.data, " \t\r\n"))
		return &jsonError{err: errJSONNotObject, offset: int64(start)}
	}
	if _, err := r.dec.ReadToken(); err != nil {
		return r.fail(err)
	}
	return nil
}

// next reads the name of the next member, leaving the decoder at its
// value, which the caller must consume with one of the value methods. The
// name is valid until the next read. After the last member next reports
// ok == false, having checked that nothing follows the object.
func (r *objectReader) next() (name []byte, ok bool, err error) {
	if r.dec.PeekKind() == '}' {
		if _, err := r.dec.ReadToken(); err != nil {
			return nil, false, r.fail(err)
		}
		if _, err := r.dec.ReadToken(); err != io.EOF {
			if err == nil {
				return nil, false, &jsonError{err: errJSONSyntax, offset: r.dec.InputOffset()}
			}
			return nil, false, r.fail(err)
		}
		return nil, false, nil
	}
	v, err := r.dec.ReadValue()
	if err != nil {
		return nil, false, r.fail(err)
	}
	name, err = r.unquote(v, &r.nameBuf)
	return name, true, err
}

// unquote returns the content of the JSON string v: a subslice of v when
// it has no escapes, otherwise the unescaped bytes in *buf.
func (r *objectReader) unquote(v jsontext.Value, buf *[]byte) ([]byte, error) {
	if bytes.IndexByte(v, '\\') < 0 {
		return v[1 : len(v)-1], nil
	}
	b, err := jsontext.AppendUnquote((*buf)[:0], v)
	if err != nil { // cannot happen: the decoder validated v
		return nil, &jsonError{err: errJSONSyntax, offset: r.dec.InputOffset()}
	}
	*buf = b
	return b, nil
}

// peek returns the kind of the next value, or the decoder's error if the
// value is malformed.
func (r *objectReader) peek() (jsontext.Kind, error) {
	k := r.dec.PeekKind()
	if k == 0 {
		_, err := r.dec.ReadValue()
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return 0, r.fail(err)
	}
	return k, nil
}

// value reads the value of the named member, which must be of one of the
// kinds given.
func (r *objectReader) value(member string, kinds ...jsontext.Kind) (jsontext.Value, error) {
	v, err := r.dec.ReadValue()
	if err != nil {
		return nil, r.fail(err)
	}
	if !slices.Contains(kinds, v.Kind()) {
		return nil, r.valueError(errJSONType, v, member)
	}
	return v, nil
}

// rawString reads a string value for the named member and returns its
// content, valid until the next read, and whether it is the verbatim text
// of the document (no escapes) ending at the decoder's offset.
func (r *objectReader) rawString(member string) (b []byte, verbatim bool, err error) {
	v, err := r.value(member, '"')
	if err != nil {
		return nil, false, err
	}
	var scratch []byte
	b, err = r.unquote(v, &scratch)
	return b, scratch == nil && err == nil, err
}

// str reads a string value for the named member: a substring of r.src when
// the value has no escapes and r.src is set, otherwise a copy.
func (r *objectReader) str(member string) (string, error) {
	b, verbatim, err := r.rawString(member)
	if err != nil {
		return "", err
	}
	if verbatim && r.src != "" {
		end := int(r.dec.InputOffset()) - 1 // before the closing quote
		return r.src[end-len(b) : end], nil
	}
	return string(b), nil
}

// appendStrings reads either one string or an array of strings for the
// named member and appends them to dst. ("aud" and the scope claims come
// in both forms.)
func (r *objectReader) appendStrings(member string, dst []string) ([]string, error) {
	k, err := r.peek()
	if err != nil {
		return dst, err
	}
	switch k {
	case '"':
		s, err := r.str(member)
		return append(dst, s), err
	case '[':
	default:
		return dst, r.typeError(member)
	}
	if _, err := r.dec.ReadToken(); err != nil {
		return dst, r.fail(err)
	}
	for r.dec.PeekKind() != ']' {
		s, err := r.str(member)
		if err != nil {
			return dst, err
		}
		dst = append(dst, s)
	}
	if _, err := r.dec.ReadToken(); err != nil {
		return dst, r.fail(err)
	}
	return dst, nil
}

// NumericDate bounds: RFC 7519 dates are seconds since 1970; anything before
// that or after the year 9999 is not a date an issuer meant.
const maxNumericDate = 253402300799 // 9999-12-31T23:59:59Z

// date reads a NumericDate for the named member: a JSON number of seconds
// since the epoch, possibly fractional.
func (r *objectReader) date(member string) (time.Time, error) {
	v, err := r.value(member, '0')
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
		if err != nil || f > maxNumericDate {
			f = -1 // out of range, as below
		}
		var whole float64
		whole, frac = math.Modf(f)
		sec = int64(whole)
	}
	if sec < 0 || sec > maxNumericDate || frac < 0 {
		return time.Time{}, r.valueError(errDateRange, v, member)
	}
	return time.Unix(sec, int64(frac*1e9)), nil
}

// boolean reads true or false for the named member.
func (r *objectReader) boolean(member string) (bool, error) {
	v, err := r.value(member, 't', 'f')
	if err != nil {
		return false, err
	}
	return v.Kind() == 't', nil
}

// skip reads past a value of a member we do not act on, checking its
// syntax and its nesting.
func (r *objectReader) skip() error {
	k, err := r.peek()
	if err != nil {
		return err
	}
	if k != '{' && k != '[' {
		if err := r.dec.SkipValue(); err != nil {
			return r.fail(err)
		}
		return nil
	}
	base := r.dec.StackDepth()
	for {
		if _, err := r.dec.ReadToken(); err != nil {
			return r.fail(err)
		}
		switch d := r.dec.StackDepth(); {
		case d > maxDepth+1: // the top-level object is one more
			return &jsonError{err: errJSONDepth, offset: r.dec.InputOffset()}
		case d == base:
			return nil
		}
	}
}
