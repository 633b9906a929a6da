package verifiertest

import (
	"encoding/json/v2"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// maxTokenRequestBytes bounds the body of a token request.
const maxTokenRequestBytes = 64 << 10

// basicChallenge is the WWW-Authenticate value of the token endpoint's 401
// answers: RFC 9110 requires a challenge on every 401, and RFC 6749
// section 5.2 asks for the scheme the client used, HTTP Basic.
const basicChallenge = `Basic realm="verifiertest", charset="UTF-8"`

// TokenURL returns the URL of the issuer's OAuth 2.0 token endpoint, also
// published as "token_endpoint" in its metadata.
func (i *Issuer) TokenURL() string { return i.base + "/oauth2/token" }

// TokenRequests returns how many requests the token endpoints (OAuth 2.0
// and Django-style) have received.
func (i *Issuer) TokenRequests() int { return int(i.tokenHits.Load()) }

// tokenResponse is a successful access token response (RFC 6749 section
// 5.1).
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope,omitempty"`
}

// tokenError is an error response (RFC 6749 section 5.2). Descriptions
// use only the characters the RFC allows (no quote, no backslash) and
// never repeat what the client sent.
type tokenError struct {
	status      int
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func invalidRequest(desc string) *tokenError {
	return &tokenError{http.StatusBadRequest, "invalid_request", desc}
}

var errInvalidClient = &tokenError{http.StatusUnauthorized, "invalid_client", "client authentication failed"}

// serveToken is the client credentials grant of RFC 6749 section 4.4, with
// client_secret_basic or client_secret_post authentication (section
// 2.3.1).
func (i *Issuer) serveToken(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	resp, terr := i.clientCredentials(w, r)
	if terr != nil {
		if terr.status == http.StatusUnauthorized {
			h.Set("WWW-Authenticate", basicChallenge)
		}
		writeJSONv2(w, terr.status, terr)
		return
	}
	writeJSONv2(w, http.StatusOK, resp)
}

func (i *Issuer) clientCredentials(w http.ResponseWriter, r *http.Request) (*tokenResponse, *tokenError) {
	form, terr := readForm(w, r)
	if terr != nil {
		return nil, terr
	}
	for name, values := range form {
		if len(values) > 1 {
			// RFC 6749 section 3.2: parameters are sent at most once.
			return nil, invalidRequest("parameter " + url.QueryEscape(name) + " is repeated")
		}
	}

	// Client authentication, by one method only (RFC 6749 section 2.3).
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if _, _, basic := r.BasicAuth(); basic {
		if form.Has("client_secret") {
			return nil, invalidRequest("client credentials are in both the Authorization header and the body")
		}
		basicID, basicSecret, ok := basicCredentials(r)
		if !ok {
			return nil, errInvalidClient
		}
		if form.Has("client_id") && id != basicID {
			return nil, invalidRequest("client_id differs from the client authenticated by HTTP Basic")
		}
		id, secret = basicID, basicSecret
	} else if r.Header.Get("Authorization") != "" || !form.Has("client_secret") {
		return nil, errInvalidClient // another scheme, or no client authentication
	}
	client, ok := i.authenticate(id, secret)
	if !ok {
		return nil, errInvalidClient
	}

	switch grant := form.Get("grant_type"); grant {
	case "client_credentials":
	case "":
		return nil, invalidRequest("grant_type is missing")
	default:
		return nil, &tokenError{http.StatusBadRequest, "unsupported_grant_type", "only client_credentials is supported"}
	}
	if f := form.Get("token_format"); f != "" && f != "jwt" {
		return nil, invalidRequest("token_format must be jwt")
	}
	scope, ok := grantScope(client.Scope, form.Get("scope"))
	if !ok {
		return nil, &tokenError{http.StatusBadRequest, "invalid_scope", "the requested scope exceeds the scope granted to the client"}
	}

	lifetime := client.lifetime()
	token, err := i.Mint(Token{Subject: client.ID, Scope: scope, ExpiresIn: lifetime})
	if err != nil {
		return nil, &tokenError{http.StatusInternalServerError, "server_error", "cannot sign the token"}
	}
	return &tokenResponse{AccessToken: token, TokenType: "Bearer", ExpiresIn: int64(lifetime.Seconds()), Scope: scope}, nil
}

// readForm reads an application/x-www-form-urlencoded body of at most
// maxTokenRequestBytes. Parameters in the URL are ignored: RFC 6749 sends
// them in the body only.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, *tokenError) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, invalidRequest("the body must be application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequestBytes)
	if err := r.ParseForm(); err != nil {
		return nil, invalidRequest("the body is not a well-formed form or is too large")
	}
	return r.PostForm, nil
}

// basicCredentials returns the client ID and secret of an HTTP Basic
// Authorization header. RFC 6749 section 2.3.1 has the client
// form-urlencode both before joining them with a colon, so they are
// decoded here.
func basicCredentials(r *http.Request) (id, secret string, ok bool) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", "", false
	}
	id, err1 := url.QueryUnescape(user)
	secret, err2 := url.QueryUnescape(pass)
	return id, secret, err1 == nil && err2 == nil && id != ""
}

// grantScope returns the scope to grant: the requested scopes if the
// client may have them all, or all of the client's scopes if none are
// requested.
func grantScope(allowed, requested string) (string, bool) {
	may := strings.Fields(allowed)
	if strings.TrimSpace(requested) == "" {
		return strings.Join(may, " "), true
	}
	var granted []string
	for _, s := range strings.Fields(requested) {
		if !slices.Contains(may, s) {
			return "", false
		}
		if !slices.Contains(granted, s) {
			granted = append(granted, s)
		}
	}
	return strings.Join(granted, " "), true
}

// writeJSONv2 writes v as a JSON answer with the given status.
func writeJSONv2(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.MarshalWrite(w, v)
}
