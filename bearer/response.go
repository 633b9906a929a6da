package bearer

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// Response is the answer to a request that failed authentication or
// authorization, as a value: an HTTP adapter writes it with
// [Response.Write] (or [Response.SetHeaders] and its framework's own
// writer); another transport maps it (gRPC: the status to a code, the
// challenges to "www-authenticate" metadata).
type Response struct {
	// Status is the HTTP status: 400, 401, 403, 503 or 500.
	Status int
	// Challenges are the WWW-Authenticate challenges, one header line
	// each: one in general; a Bearer and a DPoP one for a request without
	// credentials when DPoP is allowed; none for 503 and 500.
	Challenges []Challenge
	// RetryAfter, if not zero, is the Retry-After of a 503, in whole
	// seconds.
	RetryAfter time.Duration
	// Nonce, if not empty, is the DPoP-Nonce header of a use_dpop_nonce
	// answer (RFC 9449 section 8).
	Nonce string
	// Body is the JSON body, ending in a newline: the error attributes of
	// the first challenge as members, such as
	// {"error":"invalid_token","error_description":"token expired"}.
	Body []byte
}

// Challenge is an RFC 6750 section 3 (or RFC 9449 section 7.1) challenge.
// Every attribute but Scheme may be empty, and is then left out.
type Challenge struct {
	Scheme      string // "DPoP", or the first of Options.Schemes, such as "Bearer"
	Realm       string
	Error       string // "invalid_request", "invalid_token", "insufficient_scope", "invalid_dpop_proof", "use_dpop_nonce"
	Description string // error_description
	Scope       string // the scopes required, space-separated
	Algs        string // DPoP: the proof algorithms accepted, space-separated
	// ResourceMetadata is the URL of the resource's RFC 9728 metadata,
	// when configured.
	ResourceMetadata string
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
	attr("algs", c.Algs)
	attr("resource_metadata", c.ResourceMetadata)
	return sb.String()
}

// body is the JSON body of an error response; it mirrors the challenge.
type body struct {
	Error       string `json:"error,omitempty"`
	Description string `json:"error_description,omitempty"`
	Scope       string `json:"scope,omitempty"`
}

// Response maps err, as returned by the Authenticate and Authorize methods,
// to its answer (RFC 6750 section 3, RFC 9449 section 7.1):
//
//	no credentials              401  challenge without error code
//	malformed request           400  error="invalid_request"
//	token rejected              401  error="invalid_token"
//	token's binding unproven    401  error="invalid_token"
//	DPoP proof refused          401  DPoP error="invalid_dpop_proof"
//	DPoP nonce needed           401  DPoP error="use_dpop_nonce", DPoP-Nonce
//	scope missing               403  error="insufficient_scope", scope="..."
//	                                 (an any-of guard adds error_description)
//	keys or replay store down   503  no challenge, Retry-After
//	anything else               500  no challenge
//
// The challenge is a DPoP one for a request that used the DPoP scheme, and
// a Bearer one otherwise; for a request without credentials, one of each
// when DPoP is allowed, DPoP alone when it is required. Nothing in the
// answer echoes the request: descriptions come from a fixed set.
func (a *Auth) Response(err error) Response {
	var (
		reqErr   *RequestError
		tokErr   *verifier.Error
		bindErr  *BindingError
		proofErr *dpop.Error
		missing  *scopes.MissingError
		dpopReq  *dpopRequestError
	)
	scheme := a.challenge
	if errors.As(err, &dpopReq) {
		scheme = dpopScheme
	}
	switch {
	case errors.Is(err, ErrNoCredentials):
		return a.noCredentials()
	case errors.As(err, &reqErr):
		return a.answer(http.StatusBadRequest, scheme, body{Error: "invalid_request", Description: reqErr.Description})
	case errors.Is(err, ErrInvalidRequest):
		return a.answer(http.StatusBadRequest, scheme, body{Error: "invalid_request", Description: "invalid request"})
	case errors.As(err, &tokErr):
		return a.answer(http.StatusUnauthorized, scheme, body{Error: "invalid_token", Description: tokErr.Description()})
	case errors.As(err, &bindErr):
		return a.answer(http.StatusUnauthorized, scheme, body{Error: "invalid_token", Description: bindErr.Description})
	case errors.As(err, &proofErr) && errors.Is(err, dpop.ErrUseNonce):
		resp := a.answer(http.StatusUnauthorized, dpopScheme, body{Error: "use_dpop_nonce", Description: proofErr.Description})
		resp.Nonce = a.dpop.Nonce()
		return resp
	case errors.As(err, &proofErr) && errors.Is(err, dpop.ErrInvalidProof):
		return a.answer(http.StatusUnauthorized, dpopScheme, body{Error: "invalid_dpop_proof", Description: proofErr.Description})
	case errors.As(err, &missing):
		b := body{Error: "insufficient_scope", Scope: missing.Required.String()}
		if missing.Required.IsAnyOf() && len(missing.Missing) > 1 {
			// RFC 6750 reads "scope" as the scopes needed; say that any
			// one of them will do.
			b.Description = "any one of the listed scopes is required"
		}
		return a.answer(http.StatusForbidden, scheme, b)
	case errors.Is(err, verifier.ErrKeysUnavailable):
		return a.unavailable("signing keys unavailable")
	case errors.Is(err, dpop.ErrStoreUnavailable):
		return a.unavailable("DPoP replay store unavailable")
	default:
		return Response{Status: http.StatusInternalServerError, Body: marshal(body{Error: "server_error"})}
	}
}

func (a *Auth) unavailable(what string) Response {
	return Response{
		Status:     http.StatusServiceUnavailable,
		RetryAfter: a.retryAfter,
		Body:       marshal(body{Error: "temporarily_unavailable", Description: what}),
	}
}

// noCredentials is the answer to a request without credentials: a
// challenge for each scheme the request could have used.
func (a *Auth) noCredentials() Response {
	var cs []Challenge
	if len(a.schemes) > 0 {
		cs = append(cs, a.challengeFor(a.challenge, http.StatusUnauthorized, body{}))
	}
	if a.dpop != nil {
		cs = append(cs, a.challengeFor(dpopScheme, http.StatusUnauthorized, body{}))
	}
	return Response{Status: http.StatusUnauthorized, Challenges: cs, Body: marshal(body{})}
}

func (a *Auth) answer(status int, scheme string, b body) Response {
	return Response{
		Status:     status,
		Challenges: []Challenge{a.challengeFor(scheme, status, b)},
		Body:       marshal(b),
	}
}

func (a *Auth) challengeFor(scheme string, status int, b body) Challenge {
	c := Challenge{Scheme: scheme, Realm: a.realm, Error: b.Error, Description: b.Description, Scope: b.Scope}
	if scheme == dpopScheme {
		c.Algs = a.dpopAlgs
	}
	c.ResourceMetadata = a.metadata
	return c
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

// SetHeaders sets the response's headers in h: WWW-Authenticate (one line
// per challenge), DPoP-Nonce and Retry-After where the response has them,
// Content-Type and Cache-Control always.
func (resp Response) SetHeaders(h http.Header) {
	if len(resp.Challenges) > 0 {
		values := make([]string, len(resp.Challenges))
		for i, c := range resp.Challenges {
			values[i] = c.String()
		}
		h["Www-Authenticate"] = values
	}
	if resp.Nonce != "" {
		h.Set("DPoP-Nonce", resp.Nonce)
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
