package bearer

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// Response is the answer to a request that failed authentication or
// authorization, as a value: an HTTP adapter writes it with
// [Response.Write] (or [Response.SetHeaders] and its framework's own
// writer); another transport maps it (gRPC: the status to a code, the
// challenge to "www-authenticate" metadata).
type Response struct {
	// Status is the HTTP status: 400, 401, 403, 503 or 500.
	Status int
	// Challenge is the WWW-Authenticate challenge; the zero Challenge
	// (503 and 500) means none.
	Challenge Challenge
	// RetryAfter, if not zero, is the Retry-After of a 503, in whole
	// seconds.
	RetryAfter time.Duration
	// Body is the JSON body, ending in a newline: the challenge's error
	// attributes as members, such as
	// {"error":"invalid_token","error_description":"token expired"}.
	Body []byte
}

// Challenge is an RFC 6750 section 3 challenge. Every attribute but Scheme
// may be empty, and is then left out.
type Challenge struct {
	Scheme      string // the first of Options.Schemes, such as "Bearer"
	Realm       string
	Error       string // "invalid_request", "invalid_token", "insufficient_scope"
	Description string // error_description
	Scope       string // the scopes required, space-separated
}

// IsZero reports whether c is no challenge at all.
func (c Challenge) IsZero() bool { return c == Challenge{} }

// String returns c as a WWW-Authenticate value, such as
//
//	Bearer realm="api", error="invalid_token", error_description="token expired"
//
// with each attribute an HTTP quoted-string (RFC 9110 section 5.6.4), or ""
// for the zero Challenge.
func (c Challenge) String() string {
	if c.IsZero() {
		return ""
	}
	var sb strings.Builder
	sb.WriteString(c.Scheme)
	sep := " "
	attr := func(name, value string) {
		if value == "" {
			return
		}
		sb.WriteString(sep)
		sb.WriteString(name)
		sb.WriteString(`="`)
		writeQuoted(&sb, value)
		sb.WriteByte('"')
		sep = ", "
	}
	attr("realm", c.Realm)
	attr("error", c.Error)
	attr("error_description", c.Description)
	attr("scope", c.Scope)
	return sb.String()
}

// body is the JSON body of an error response; it mirrors the challenge.
type body struct {
	Error       string `json:"error,omitempty"`
	Description string `json:"error_description,omitempty"`
	Scope       string `json:"scope,omitempty"`
}

// Response maps err, as returned by the Authenticate and Authorize methods,
// to its RFC 6750 answer:
//
//	no credentials              401  challenge without error code
//	malformed request           400  error="invalid_request"
//	token rejected              401  error="invalid_token"
//	scope missing               403  error="insufficient_scope", scope="..."
//	                                 (an any-of guard adds error_description)
//	keys unavailable            503  no challenge, Retry-After
//	anything else               500  no challenge
//
// Nothing in it echoes the token: descriptions come from a fixed set.
func (a *Auth) Response(err error) Response {
	var (
		reqErr  *RequestError
		tokErr  *verifier.Error
		missing *scopes.MissingError
	)
	switch {
	case errors.Is(err, ErrNoCredentials):
		return a.challenge(http.StatusUnauthorized, body{})
	case errors.As(err, &reqErr):
		return a.challenge(http.StatusBadRequest, body{Error: "invalid_request", Description: reqErr.Description})
	case errors.Is(err, ErrInvalidRequest):
		return a.challenge(http.StatusBadRequest, body{Error: "invalid_request", Description: "invalid request"})
	case errors.As(err, &tokErr):
		return a.challenge(http.StatusUnauthorized, body{Error: "invalid_token", Description: tokErr.Description()})
	case errors.As(err, &missing):
		b := body{Error: "insufficient_scope", Scope: missing.Required.String()}
		if missing.Required.IsAnyOf() && len(missing.Missing) > 1 {
			// RFC 6750 reads "scope" as the scopes needed; say that any
			// one of them will do.
			b.Description = "any one of the listed scopes is required"
		}
		return a.challenge(http.StatusForbidden, b)
	case errors.Is(err, verifier.ErrKeysUnavailable):
		return Response{
			Status:     http.StatusServiceUnavailable,
			RetryAfter: a.retryAfter,
			Body:       marshal(body{Error: "temporarily_unavailable", Description: "signing keys unavailable"}),
		}
	default:
		return Response{Status: http.StatusInternalServerError, Body: marshal(body{Error: "server_error"})}
	}
}

func (a *Auth) challenge(status int, b body) Response {
	return Response{
		Status:    status,
		Challenge: Challenge{Scheme: a.schemes[0], Realm: a.realm, Error: b.Error, Description: b.Description, Scope: b.Scope},
		Body:      marshal(b),
	}
}

// writeQuoted writes v as the content of an HTTP quoted-string (RFC 9110
// section 5.6.4): backslash and double quote are escaped, control
// characters dropped.
func writeQuoted(sb *strings.Builder, v string) {
	for _, r := range v {
		switch {
		case r == '"' || r == '\\':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case isCTL(r):
		default:
			sb.WriteRune(r)
		}
	}
}

// marshal returns the JSON body followed by a newline, as json.Encoder (and
// so Echo) writes it.
func marshal(b body) []byte {
	out, _ := json.Marshal(b) // cannot fail: three strings
	return append(out, '\n')
}

// SetHeaders sets the response's headers in h: WWW-Authenticate and
// Retry-After where the response has them, Content-Type and Cache-Control
// always.
func (resp Response) SetHeaders(h http.Header) {
	if !resp.Challenge.IsZero() {
		h.Set("WWW-Authenticate", resp.Challenge.String())
	}
	if resp.RetryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64(resp.RetryAfter/time.Second), 10))
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
}

// Write sends the response.
func (resp Response) Write(w http.ResponseWriter) {
	resp.SetHeaders(w.Header())
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

func isCTL(r rune) bool { return r < 0x20 || r == 0x7f }

// isTokenChar reports whether r may appear in an HTTP token (RFC 9110
// section 5.6.2), such as an authentication scheme name.
func isTokenChar(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
		strings.ContainsRune("!#$%&'*+-.^_`|~", r)
}
