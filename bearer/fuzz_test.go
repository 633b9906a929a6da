package bearer_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
)

// fzSchemes are the scheme words FuzzAuthorizationHeader accepts.
var fzSchemes = []string{"Bearer", "JWT"}

// fzNewAuth returns the Auth of FuzzAuthorizationHeader: schemes Bearer and
// JWT, cookie "at", query parameter "access_token", and a verifier over a
// static secret (Token never verifies, so no token needs to be valid).
func fzNewAuth(t testing.TB) *bearer.Auth {
	t.Helper()
	key, err := jwks.NewSecret("", []byte("FuzzAuthorizationHeader secret!!"))
	require.NoError(t, err, "jwks.NewSecret")
	keys, err := jwks.NewStatic(key)
	require.NoError(t, err, "jwks.NewStatic")
	v, err := verifier.New(verifier.Config{Issuers: []string{"https://issuer.fuzz.test"}, Audiences: []string{"api"}, Keys: keys})
	require.NoError(t, err, "verifier.New")
	a, err := bearer.New(v, bearer.Options{Schemes: fzSchemes, Cookie: "at", Query: "access_token"})
	require.NoError(t, err, "bearer.New")
	return a
}

// fzRequest returns a request carrying header as its Authorization value,
// cookie as the value of the "at" cookie (written raw into the Cookie
// header, so it may hold more cookies) and query as the "access_token"
// query parameter; an empty argument leaves its place out.
func fzRequest(header, cookie, query string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if header != "" {
		r.Header["Authorization"] = []string{header}
	}
	if cookie != "" {
		r.Header["Cookie"] = []string{"at=" + cookie}
	}
	if query != "" {
		r.URL.RawQuery = "access_token=" + url.QueryEscape(query)
	}
	return r
}

// fzFixedText collects the responses to requests that fail in each of the
// ways Token knows, built from fixed inputs: text a response holds whatever
// the request, which an input may happen to repeat without leaking.
func fzFixedText(t testing.TB, a *bearer.Auth) string {
	t.Helper()
	twice := httptest.NewRequest(http.MethodGet, "/?access_token=a&access_token=b", nil)
	twice.Header["Authorization"] = []string{"Bearer a", "Bearer b"}
	twice.Header["Cookie"] = []string{"at=a; at=b"}
	var sb strings.Builder
	for _, r := range []*http.Request{
		fzRequest("", "", ""),
		twice,
		fzRequest("Bearer  ", "", ""),
		fzRequest("Bearer a", "a", "a"),
		fzRequest("", "a; at=b", ""),
		httptest.NewRequest(http.MethodGet, "/?access_token=a&access_token=b", nil),
		httptest.NewRequest(http.MethodGet, "/?access_token=", nil),
	} {
		_, err := a.Token(r)
		require.Error(t, err, "Token(%v) of a fixed failing request", r.Header)
		resp := a.Response(err)
		sb.WriteString(challengeLine(resp) + "\n" + string(resp.Body) + "\n")
	}
	return sb.String()
}

// FuzzAuthorizationHeader feeds arbitrary Authorization header values,
// cookie values and query values to Auth.Token and the error, if any, to
// Response. Token must return a token or an error that is
// ErrNoCredentials or an ErrInvalidRequest, as a model of RFC 6750
// section 2 predicts: the token after "<scheme> " for an accepted scheme
// in any letter case, the cookie or the query parameter when it is the only
// place holding one, ErrInvalidRequest for a token in two places. The
// response is a 400 or 401 with a JSON body, and neither body nor challenge
// repeats an input longer than 16 bytes. Seeds are in
// testdata/fuzz/FuzzAuthorizationHeader; run with
//
//	go test ./bearer/ -run '^$' -fuzz '^FuzzAuthorizationHeader$' -fuzztime 60s
func FuzzAuthorizationHeader(f *testing.F) {
	a := fzNewAuth(f)
	fixed := fzFixedText(f, a)
	f.Add("Bearer abc.def.ghi", "", "")
	f.Add("jwt   abc.def.ghi", "", "")
	f.Add("Basic dXNlcjpwYXNz", "abc.def.ghi", "")
	f.Add("Bearer abc.def.ghi", "", "abc.def.ghi")
	f.Fuzz(func(t *testing.T, header, cookie, query string) {
		r := fzRequest(header, cookie, query)
		want, wantErr := fzModel(r, header, cookie, query)
		token, err := a.Token(r)
		call := "Token(Authorization " + strconv.Quote(header) + ", cookie " + strconv.Quote(cookie) + ", query " + strconv.Quote(query) + ")"
		switch {
		case err == nil && token == "":
			t.Fatalf("%s returned neither a token nor an error; want one of them", call)
		case err != nil && token != "":
			t.Errorf("%s returned the token %q and the error %v; want one of them", call, token, err)
		case err != nil && err != bearer.ErrNoCredentials && !errors.Is(err, bearer.ErrInvalidRequest):
			t.Fatalf("%s returned the error %T %v; want ErrNoCredentials or an ErrInvalidRequest", call, err, err)
		case err != nil && errors.Is(err, bearer.ErrNoCredentials) && errors.Is(err, bearer.ErrInvalidRequest):
			t.Errorf("%s returned the error %v, matching both ErrNoCredentials and ErrInvalidRequest; want one", call, err)
		}
		if token != want || !errors.Is(err, wantErr) {
			t.Errorf("%s returned %q and %v; want %q and %v", call, token, err, want, wantErr)
		}
		if err == nil {
			return
		}

		resp := a.Response(err)
		if resp.Status != http.StatusBadRequest && resp.Status != http.StatusUnauthorized {
			t.Errorf("Response(%v) after %s returned status %d; want 400 or 401", err, call, resp.Status)
		}
		if !strings.HasPrefix(challengeLine(resp), fzSchemes[0]) {
			t.Errorf("Response(%v) after %s returned the challenge %q; want one for %s", err, call, challengeLine(resp), fzSchemes[0])
		}
		var body map[string]string
		if jerr := json.Unmarshal(resp.Body, &body); jerr != nil {
			t.Errorf("Response(%v) after %s returned the body %q: %v; want a JSON object of strings", err, call, resp.Body, jerr)
		}
		for _, in := range []string{header, cookie, query} {
			if len(in) <= 16 || strings.Contains(fixed, in) {
				continue
			}
			if strings.Contains(string(resp.Body), in) || strings.Contains(challengeLine(resp), in) {
				t.Errorf("Response(%v) after %s returned the challenge %q and the body %q, which repeat the input %q; want no input in the response", err, call, challengeLine(resp), resp.Body, in)
			}
		}
	})
}

// fzModel says what Token should return for r, built by fzRequest: the
// token, or the error it should match. The cookie is read with the
// standard parser; what is modelled is where Token looks and how it
// combines the places.
func fzModel(r *http.Request, header, cookie, query string) (string, error) {
	var tokens []string
	invalid := false
	if header != "" {
		scheme, rest, _ := strings.Cut(header, " ")
		accepted := false
		for _, s := range fzSchemes {
			accepted = accepted || strings.EqualFold(scheme, s)
		}
		if tok := strings.TrimLeft(rest, " "); accepted && tok == "" {
			invalid = true
		} else if accepted {
			tokens = append(tokens, tok)
		}
	}
	if cookie != "" {
		switch cookies := r.CookiesNamed("at"); len(cookies) {
		case 0:
		case 1:
			if cookies[0].Value != "" {
				tokens = append(tokens, cookies[0].Value)
			}
		default:
			invalid = true
		}
	}
	if query != "" {
		tokens = append(tokens, query)
	}
	switch {
	case invalid || len(tokens) > 1:
		return "", bearer.ErrInvalidRequest
	case len(tokens) == 0:
		return "", bearer.ErrNoCredentials
	}
	return tokens[0], nil
}
