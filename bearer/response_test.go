package bearer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// rejection verifies tok with v and returns the error, which must be a
// *verifier.Error with the given reason.
func rejection(t *testing.T, v *verifier.Verifier, tok string, reason error) error {
	t.Helper()
	claims, err := v.Verify(context.Background(), tok)
	require.Error(t, err, "Verify(token) = claims for %q, want an error with reason %v", claimsSubject(claims), reason)
	var vErr *verifier.Error
	require.True(t, errors.As(err, &vErr), "Verify(token) error = %T %v, want *verifier.Error", err, err)
	require.ErrorIs(t, err, reason, "Verify(token) error reason")
	return err
}

func claimsSubject(c *verifier.Claims) string {
	if c == nil {
		return ""
	}
	return c.Subject()
}

// spliceSignature returns the header and payload of a with the signature
// of b: a token whose signature does not verify.
func spliceSignature(a, b string) string {
	return a[:strings.LastIndexByte(a, '.')] + b[strings.LastIndexByte(b, '.'):]
}

// unavailableVerifier returns a verifier of iss's tokens whose key source,
// another test issuer's JWKS endpoint, answers 503, and that issuer (whose
// JWKSRequests counts the attempts).
func unavailableVerifier(t *testing.T, iss *verifiertest.Issuer, now func() time.Time) (*verifier.Verifier, *verifiertest.Issuer) {
	t.Helper()
	down := verifiertest.Start(t, verifiertest.IssuerConfig{})
	down.SetFault(verifiertest.FaultDown)
	v, err := verifier.New(verifier.Config{
		Issuers:   []string{iss.URL},
		Audiences: []string{iss.Audience()},
		Keys:      down.NewRemote(jwks.RemoteConfig{Logger: slog.New(slog.DiscardHandler)}),
		Now:       now,
	})
	require.NoError(t, err, "verifier.New over a JWKS endpoint that is down")
	return v, down
}

func TestResponse(t *testing.T) {
	v, _ := newVerifier(t)
	a := newAuth(t, v, bearer.Options{Realm: "api"})

	_, twoHeaders := a.Token(requestWith("Bearer x", "Bearer y"))
	_, emptyToken := a.Token(requestWith("Bearer "))
	_, noCreds := a.Token(requestWith())

	good := issuer.MustMint(t, verifiertest.Token{})
	expired := rejection(t, v, issuer.MustMint(t, verifiertest.Token{ExpiresIn: -time.Hour}), verifier.ErrExpired)

	down, downIssuer := unavailableVerifier(t, issuer, fakeClock)
	_, unavailable := down.Verify(context.Background(), good)
	require.ErrorIs(t, unavailable, verifier.ErrKeysUnavailable, "Verify with a JWKS endpoint answering 500")
	require.NotErrorIs(t, unavailable, verifier.ErrInvalidToken, "Verify with a JWKS endpoint answering 500")
	require.Positive(t, downIssuer.JWKSRequests(), "requests to the failing JWKS endpoint")

	tests := []responseCase{
		{"no credentials", noCreds, 401, `Bearer realm="api"`, "", `{}`},
		{"two Authorization headers", twoHeaders, 400,
			`Bearer realm="api", error="invalid_request", error_description="more than one Authorization header"`, "",
			`{"error":"invalid_request","error_description":"more than one Authorization header"}`},
		{"empty token", emptyToken, 400,
			`Bearer realm="api", error="invalid_request", error_description="empty token"`, "",
			`{"error":"invalid_request","error_description":"empty token"}`},
		tokenCase("expired", expired, "token expired"),
		tokenCase("bad signature",
			rejection(t, v, spliceSignature(good, issuer.MustMint(t, verifiertest.Token{})), verifier.ErrSignature),
			"invalid signature"),
		tokenCase("wrong audience",
			rejection(t, v, issuer.MustMint(t, verifiertest.Token{Audience: []string{"https://other.example.test"}}), verifier.ErrAudience),
			"audience not accepted"),
		tokenCase("wrong issuer",
			rejection(t, v, issuer.MustMint(t, verifiertest.Token{Claims: map[string]any{"iss": "https://evil.example.test"}}), verifier.ErrIssuer),
			"issuer not accepted"),
		tokenCase("unknown key",
			rejection(t, v, issuer.MustMint(t, verifiertest.Token{Header: map[string]any{"kid": "no-such-key"}}), verifier.ErrUnknownKey),
			"unknown signing key"),
		tokenCase("malformed", rejection(t, v, "not-a-jwt", verifier.ErrMalformed), "malformed token"),
		tokenCase("missing exp",
			rejection(t, v, issuer.MustMint(t, verifiertest.Token{Claims: map[string]any{"exp": nil}}), verifier.ErrMissingClaim),
			"required claim missing"),
		tokenCase("not yet valid",
			rejection(t, v, issuer.MustMint(t, verifiertest.Token{Claims: map[string]any{"nbf": fixedNow.Add(time.Hour).Unix()}}), verifier.ErrNotYetValid),
			"token not yet valid"),
		tokenCase("alg none",
			rejection(t, v, issuer.MustMint(t, verifiertest.Token{Header: map[string]any{"alg": "none"}}), verifier.ErrAlgorithm),
			"algorithm not allowed"),
		tokenCase("crit header",
			rejection(t, v, issuer.MustMint(t, verifiertest.Token{Header: map[string]any{"crit": []string{"exp"}}}), verifier.ErrUnsupportedHeader),
			"unsupported token header"),
		tokenCase("wrapped verifier error", fmt.Errorf("middleware: %w", expired), "token expired"),
		tokenCase("verifier error with a foreign reason", &verifier.Error{Reason: errors.New("custom")}, "invalid token"),
		{"missing scope, all-of", scopes.AllOf("read write").Check(scopes.Parse("read")), 403,
			`Bearer realm="api", error="insufficient_scope", scope="read write"`, "",
			`{"error":"insufficient_scope","scope":"read write"}`},
		{"missing scope, any-of", scopes.AnyOf("admin", "write").Check(scopes.Parse("read")), 403,
			`Bearer realm="api", error="insufficient_scope", error_description="any one of the listed scopes is required", scope="admin write"`, "",
			`{"error":"insufficient_scope","error_description":"any one of the listed scopes is required","scope":"admin write"}`},
		{"missing scope, any-of of one", scopes.AnyOf("admin").Check(scopes.Parse("read")), 403,
			`Bearer realm="api", error="insufficient_scope", scope="admin"`, "",
			`{"error":"insufficient_scope","scope":"admin"}`},
		{"bare ErrInvalidRequest", fmt.Errorf("mine: %w", bearer.ErrInvalidRequest), 400,
			`Bearer realm="api", error="invalid_request", error_description="invalid request"`, "",
			`{"error":"invalid_request","error_description":"invalid request"}`},
		{"missing scope, wrapped", fmt.Errorf("route: %w", scopes.AllOf("write").Check(scopes.Set{})), 403,
			`Bearer realm="api", error="insufficient_scope", scope="write"`, "",
			`{"error":"insufficient_scope","scope":"write"}`},
		{"keys unavailable, from Verify", unavailable, 503, "", "30",
			`{"error":"temporarily_unavailable","error_description":"signing keys unavailable"}`},
		{"keys unavailable, wrapped again", fmt.Errorf("auth: %w", unavailable), 503, "", "30",
			`{"error":"temporarily_unavailable","error_description":"signing keys unavailable"}`},
		{"other error", errors.New("database down"), 500, "", "", `{"error":"server_error"}`},
		{"context deadline", context.DeadlineExceeded, 500, "", "", `{"error":"server_error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := a.Response(tt.err)
			assert.Equal(t, tt.wantStatus, resp.Status, "Response(%v).Status", tt.err)
			assert.Equal(t, tt.wantChallenge, challengeLine(resp), "Response(%v).Challenge", tt.err)
			assert.Equal(t, tt.wantRetry, retryAfterOf(resp), "Retry-After of Response(%v)", tt.err)
			assert.Equal(t, tt.wantBody+"\n", string(resp.Body), "Response(%v).Body", tt.err)
			assertBodyMirrorsChallenge(t, resp)

			rec := httptest.NewRecorder()
			resp.Write(rec)
			assertWritten(t, rec, tt.wantStatus, tt.wantChallenge, tt.wantRetry, tt.wantBody+"\n")
		})
	}
}

// responseCase is a case of TestResponse.
type responseCase struct {
	name          string
	err           error
	wantStatus    int
	wantChallenge string
	wantRetry     string
	wantBody      string // JSON text; the body is this and a newline
}

// tokenCase is the responseCase of a rejected token, whose description
// (with realm "api") is desc.
func tokenCase(name string, err error, desc string) responseCase {
	return responseCase{
		name:          name,
		err:           err,
		wantStatus:    http.StatusUnauthorized,
		wantChallenge: `Bearer realm="api", error="invalid_token", error_description="` + desc + `"`,
		wantBody:      `{"error":"invalid_token","error_description":"` + desc + `"}`,
	}
}

// assertWritten checks what Response.Write sent.
func assertWritten(t *testing.T, rec *httptest.ResponseRecorder, status int, challenge, retry, body string) {
	t.Helper()
	assert.Equal(t, status, rec.Code, "Response.Write status")
	if challenge == "" {
		assert.Empty(t, rec.Header().Values("WWW-Authenticate"), "Response.Write WWW-Authenticate, want none")
	} else {
		assert.Equal(t, []string{challenge}, rec.Header().Values("WWW-Authenticate"), "Response.Write WWW-Authenticate")
	}
	if retry == "" {
		assert.Empty(t, rec.Header().Values("Retry-After"), "Response.Write Retry-After, want none")
	} else {
		assert.Equal(t, []string{retry}, rec.Header().Values("Retry-After"), "Response.Write Retry-After")
	}
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"), "Response.Write Content-Type")
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "Response.Write Cache-Control")
	assert.Equal(t, body, rec.Body.String(), "Response.Write body")
}

// assertBodyMirrorsChallenge checks that every member of the JSON body
// appears as an attribute of the challenge, and nothing else does but the
// realm.
func assertBodyMirrorsChallenge(t *testing.T, resp bearer.Response) {
	t.Helper()
	var members map[string]string
	require.NoError(t, json.Unmarshal(resp.Body, &members), "ResponseFor body %s is not a JSON object of strings", resp.Body)
	challenge := challengeLine(resp)
	if challenge == "" {
		return
	}
	for k, v := range members {
		assert.Contains(t, challenge, k+`="`+v+`"`, "challenge %s does not mirror body member %q", challenge, k)
	}
	attrs := strings.Count(challenge, `="`)
	assert.Equal(t, len(members)+1, attrs, "attributes in challenge %s: want the realm and one per body member %s", challenge, resp.Body)
}

func TestChallenge(t *testing.T) {
	v, _ := newVerifier(t)
	expired := rejection(t, v, issuer.MustMint(t, verifiertest.Token{ExpiresIn: -time.Hour}), verifier.ErrExpired)
	noCreds := func() error {
		_, err := newAuth(t, v, bearer.Options{}).Token(requestWith())
		return err
	}()
	missing := scopes.AllOf("read write").Check(scopes.Set{})
	badRequest := &bearer.RequestError{Description: "empty token"}

	tests := []struct {
		name     string
		s        bearer.Options
		err      error
		want     string
		wantBody string // JSON text; the body is this and a newline
	}{
		{"realm escaped", bearer.Options{Realm: `a"b\c`}, noCreds, `Bearer realm="a\"b\\c"`, `{}`},
		{"realm escaped with error", bearer.Options{Realm: `say "hi"`}, expired,
			`Bearer realm="say \"hi\"", error="invalid_token", error_description="token expired"`,
			`{"error":"invalid_token","error_description":"token expired"}`},
		{"realm with spaces and comma", bearer.Options{Realm: "my api, v2"}, noCreds, `Bearer realm="my api, v2"`, `{}`},
		{"empty realm, no credentials", bearer.Options{}, noCreds, `Bearer`, `{}`},
		{"empty realm, invalid token", bearer.Options{}, expired,
			`Bearer error="invalid_token", error_description="token expired"`,
			`{"error":"invalid_token","error_description":"token expired"}`},
		{"empty realm, invalid request", bearer.Options{}, badRequest,
			`Bearer error="invalid_request", error_description="empty token"`,
			`{"error":"invalid_request","error_description":"empty token"}`},
		{"empty realm, insufficient scope", bearer.Options{}, missing,
			`Bearer error="insufficient_scope", scope="read write"`,
			`{"error":"insufficient_scope","scope":"read write"}`},
		{"JWT scheme names the challenge", bearer.Options{Realm: "api", Schemes: []string{"JWT"}}, noCreds, `JWT realm="api"`, `{}`},
		{"first of JWT and Bearer", bearer.Options{Realm: "api", Schemes: []string{"JWT", "Bearer"}}, expired,
			`JWT realm="api", error="invalid_token", error_description="token expired"`,
			`{"error":"invalid_token","error_description":"token expired"}`},
		{"first of Bearer and JWT", bearer.Options{Realm: "api", Schemes: []string{"Bearer", "JWT"}}, missing,
			`Bearer realm="api", error="insufficient_scope", scope="read write"`,
			`{"error":"insufficient_scope","scope":"read write"}`},
		{"scheme spelled as configured", bearer.Options{Realm: "api", Schemes: []string{"bearer"}}, noCreds, `bearer realm="api"`, `{}`},
		{"quote in a scope escaped", bearer.Options{Realm: "api"}, scopes.AllOf(`a"b`).Check(scopes.Set{}),
			`Bearer realm="api", error="insufficient_scope", scope="a\"b"`,
			`{"error":"insufficient_scope","scope":"a\"b"}`},
		{"backslash in a description escaped", bearer.Options{Realm: "api"}, &bearer.RequestError{Description: `a\b`},
			`Bearer realm="api", error="invalid_request", error_description="a\\b"`,
			`{"error":"invalid_request","error_description":"a\\b"}`},
		{"control characters in a description dropped", bearer.Options{Realm: "api"}, &bearer.RequestError{Description: "a\r\nb"},
			`Bearer realm="api", error="invalid_request", error_description="ab"`,
			`{"error":"invalid_request","error_description":"a\r\nb"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuth(t, v, tt.s)
			resp := a.Response(tt.err)
			assert.Equal(t, tt.want, challengeLine(resp), "Response(%v).Challenge with %+v", tt.err, tt.s)
			assert.Equal(t, tt.wantBody+"\n", string(resp.Body), "Response(%v).Body with %+v", tt.err, tt.s)

			// The challenge survives a trip through a real header.
			rec := httptest.NewRecorder()
			resp.Write(rec)
			assert.Equal(t, []string{tt.want}, rec.Header().Values("WWW-Authenticate"), "WWW-Authenticate written by Response.Write")
		})
	}
}

func TestResponseWriteKeepsOtherHeaders(t *testing.T) {
	v, _ := newVerifier(t)
	a := newAuth(t, v, bearer.Options{Realm: "api"})
	rec := httptest.NewRecorder()
	rec.Header().Set("X-Request-Id", "42")
	a.Response(&bearer.RequestError{Description: "empty token"}).Write(rec)
	assert.Equal(t, "42", rec.Header().Get("X-Request-Id"), "Response.Write removed a header set before it")
	assert.Equal(t, http.StatusBadRequest, rec.Code, "Response.Write status")
}

func TestBodyIsWhatJSONEncoderWrites(t *testing.T) {
	// Echo writes JSON with a json.Encoder; every adapter must send the
	// same bytes, so the body is exactly what an Encoder makes of the
	// members: HTML characters escaped, one trailing newline.
	v, _ := newVerifier(t)
	a := newAuth(t, v, bearer.Options{Realm: "api"})
	unavailable := errors.Join(verifier.ErrKeysUnavailable, jwks.ErrUnavailable)
	tests := []struct {
		name    string
		err     error
		members map[string]string
	}{
		{"no credentials", bearer.ErrNoCredentials, map[string]string{}},
		{"invalid request", &bearer.RequestError{Description: "token sent in more than one place"},
			map[string]string{"error": "invalid_request", "error_description": "token sent in more than one place"}},
		{"HTML characters", &bearer.RequestError{Description: `<a href="x">&</a>`},
			map[string]string{"error": "invalid_request", "error_description": `<a href="x">&</a>`}},
		{"invalid token", &verifier.Error{Reason: verifier.ErrExpired},
			map[string]string{"error": "invalid_token", "error_description": "token expired"}},
		{"insufficient scope", scopes.AllOf("read write").Check(scopes.Set{}),
			map[string]string{"error": "insufficient_scope", "scope": "read write"}},
		{"keys unavailable", unavailable,
			map[string]string{"error": "temporarily_unavailable", "error_description": "signing keys unavailable"}},
		{"other error", errors.New("database down"), map[string]string{"error": "server_error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want strings.Builder
			require.NoError(t, json.NewEncoder(&want).Encode(tt.members), "json.Encoder.Encode(%v)", tt.members)
			body := string(a.Response(tt.err).Body)
			assert.Equal(t, want.String(), body, "Response(%v).Body, want what json.Encoder writes", tt.err)
			assert.Equal(t, 1, strings.Count(body, "\n"), "newlines in Response(%v).Body %q, want exactly the trailing one", tt.err, body)
			assert.True(t, strings.HasSuffix(body, "}\n"), "Response(%v).Body = %q, want it to end with }\\n", tt.err, body)
		})
	}
}

func TestSetHeaders(t *testing.T) {
	v, _ := newVerifier(t)
	a := newAuth(t, v, bearer.Options{Realm: "api", RetryAfter: 2 * time.Minute})
	tests := []struct {
		name string
		err  error
		want http.Header
	}{
		{"no credentials", bearer.ErrNoCredentials, http.Header{
			"Www-Authenticate": {`Bearer realm="api"`},
			"Content-Type":     {"application/json"},
			"Cache-Control":    {"no-store"},
			"X-Request-Id":     {"42"},
		}},
		{"insufficient scope", scopes.AllOf("write").Check(scopes.Set{}), http.Header{
			"Www-Authenticate": {`Bearer realm="api", error="insufficient_scope", scope="write"`},
			"Content-Type":     {"application/json"},
			"Cache-Control":    {"no-store"},
			"X-Request-Id":     {"42"},
		}},
		{"keys unavailable", errors.Join(verifier.ErrKeysUnavailable, jwks.ErrUnavailable), http.Header{
			"Retry-After":   {"120"},
			"Content-Type":  {"application/json"},
			"Cache-Control": {"no-store"},
			"X-Request-Id":  {"42"},
		}},
		{"other error", errors.New("database down"), http.Header{
			"Content-Type":  {"application/json"},
			"Cache-Control": {"no-store"},
			"X-Request-Id":  {"42"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := a.Response(tt.err)
			h := http.Header{}
			h.Set("X-Request-Id", "42")
			h.Set("Content-Type", "text/html") // replaced, never doubled
			resp.SetHeaders(h)
			assert.Equal(t, tt.want, h, "headers after Response(%v).SetHeaders", tt.err)

			// Write sends exactly the headers SetHeaders sets, then the
			// status and the body.
			rec := httptest.NewRecorder()
			rec.Header().Set("X-Request-Id", "42")
			resp.Write(rec)
			assert.Equal(t, tt.want, rec.Header(), "headers sent by Response(%v).Write, want those of SetHeaders", tt.err)
			assert.Equal(t, resp.Status, rec.Code, "status sent by Response(%v).Write", tt.err)
			assert.Equal(t, string(resp.Body), rec.Body.String(), "body sent by Response(%v).Write", tt.err)
		})
	}
}

// retryAfterOf returns the Retry-After header resp sets, or "".
func retryAfterOf(resp bearer.Response) string {
	h := http.Header{}
	resp.SetHeaders(h)
	return h.Get("Retry-After")
}

// challengeLine returns resp's challenges as one WWW-Authenticate value.
func challengeLine(resp bearer.Response) string {
	var parts []string
	for _, c := range resp.Challenges {
		parts = append(parts, c.String())
	}
	return strings.Join(parts, ", ")
}
