package dpop

import (
	"bytes"
	"encoding/json/jsontext"
	"errors"
	"io"
	"math"
	"strconv"
	"time"
)

// The proof's header and claims are read with encoding/json/jsontext, the
// standard library's strict JSON decoder: it refuses invalid UTF-8 (escaped
// lone surrogates included), duplicate member names at any depth and every
// syntax error, and unescapes member names, so that "\u0061lg" is "alg" to
// us as to any other reader. objectReader adds our own rules: the document
// is one object with nothing after it, and the members we act on have the
// types RFC 9449 gives them.

var (
	errJSONSyntax    = errors.New("invalid JSON")
	errJSONNotObject = errors.New("not a JSON object")
	errJSONDuplicate = errors.New("duplicate member name")
	errJSONType      = errors.New("member has the wrong type")
	errDateRange     = errors.New("date out of range")
)

// jsonError carries the offset where reading failed, never the input:
// jsontext's own messages quote it, and the input is the client's.
type jsonError struct {
	err    error
	offset int64
	member string // the member being read, when it is one we act on
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
	buf     bytes.Buffer // a copy of the document, which dec reads
	dec     jsontext.Decoder
	size    int64  // the document's length
	nameBuf []byte // the last member name, when it had escapes
}

// reset makes r read data.
func (r *objectReader) reset(data []byte) {
	r.buf.Reset()
	r.buf.Write(data)
	r.dec.Reset(&r.buf)
	r.size = int64(len(data))
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
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return &jsonError{err: errJSONSyntax, offset: r.size}
	}
	return &jsonError{err: errJSONSyntax, offset: r.dec.InputOffset()}
}

// begin reads the opening brace of the top-level object.
func (r *objectReader) begin() error {
	if r.dec.PeekKind() != '{' {
		return &jsonError{err: errJSONNotObject, offset: r.dec.InputOffset()}
	}
	if _, err := r.dec.ReadToken(); err != nil {
		return r.fail(err)
	}
	return nil
}

// next reads the name of the next member, leaving the decoder at its value,
// which the caller must read or skip. The name is valid until the next
// read. After the last member next reports ok == false, having checked that
// nothing follows the object.
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
	name, err = unquote(v, &r.nameBuf)
	return name, true, err
}

// unquote returns the content of the JSON string v: a subslice of v when it
// has no escapes, otherwise the unescaped bytes, in *buf.
func unquote(v jsontext.Value, buf *[]byte) ([]byte, error) {
	if bytes.IndexByte(v, '\\') < 0 {
		return v[1 : len(v)-1], nil
	}
	b, err := jsontext.AppendUnquote((*buf)[:0], v)
	*buf = b
	return b, err
}

// value reads the value of the named member, which must be of kind k.
func (r *objectReader) value(member string, k jsontext.Kind) (jsontext.Value, error) {
	v, err := r.dec.ReadValue()
	if err != nil {
		return nil, r.fail(err)
	}
	if v.Kind() != k {
		return nil, &jsonError{err: errJSONType, offset: r.dec.InputOffset() - int64(len(v)), member: member}
	}
	return v, nil
}

// appendString reads a string value for the named member and appends its
// content to *arena, returning the appended bytes, which stay valid while
// the arena is only appended to.
func (r *objectReader) appendString(member string, arena *[]byte) ([]byte, error) {
	v, err := r.value(member, '"')
	if err != nil {
		return nil, err
	}
	start := len(*arena)
	var b []byte
	if bytes.IndexByte(v, '\\') < 0 {
		b = append(*arena, v[1:len(v)-1]...)
	} else if b, err = jsontext.AppendUnquote(*arena, v); err != nil {
		return nil, r.fail(err)
	}
	*arena = b
	return b[start:len(b):len(b)], nil
}

// stringValue reads a string value for the named member and returns its
// content, valid until the next read.
func (r *objectReader) stringValue(member string, buf *[]byte) ([]byte, error) {
	v, err := r.value(member, '"')
	if err != nil {
		return nil, err
	}
	b, err := unquote(v, buf)
	if err != nil {
		return nil, r.fail(err)
	}
	return b, nil
}

// maxNumericDate bounds dates: RFC 7519 dates are seconds since 1970, and
// anything after the year 9999 is not a date a client meant.
const maxNumericDate = 253402300799 // 9999-12-31T23:59:59Z

// date reads a NumericDate (RFC 7519 section 2) for the named member: a
// JSON number of seconds since 1970, possibly fractional.
func (r *objectReader) date(member string) (time.Time, error) {
	v, err := r.value(member, '0')
	if err != nil {
		return time.Time{}, err
	}
	// Whole seconds are the rule; strconv reads them as integers for a
	// fraction of the cost of a float. The value is a valid JSON number,
	// so ParseInt fails only on a fraction, an exponent or a huge value.
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
		return time.Time{}, &jsonError{err: errDateRange, offset: r.dec.InputOffset() - int64(len(v)), member: member}
	}
	return time.Unix(sec, int64(frac*1e9)), nil
}

// boolean reads true or false for the named member.
func (r *objectReader) boolean(member string) (bool, error) {
	k := r.dec.PeekKind()
	if k != 't' && k != 'f' {
		if k == 0 { // a syntax error: let the decoder say where
			_, err := r.dec.ReadValue()
			return false, r.fail(err)
		}
		return false, &jsonError{err: errJSONType, offset: r.dec.InputOffset(), member: member}
	}
	_, err := r.dec.ReadToken()
	if err != nil {
		return false, r.fail(err)
	}
	return k == 't', nil
}

// rawValue reads the value of the named member, which must be of kind k,
// and returns a copy.
func (r *objectReader) rawValue(member string, k jsontext.Kind) ([]byte, error) {
	v, err := r.value(member, k)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(v), nil
}

// skip reads past a value we do not act on, checking its syntax.
func (r *objectReader) skip() error {
	if err := r.dec.SkipValue(); err != nil {
		return r.fail(err)
	}
	return nil
}
