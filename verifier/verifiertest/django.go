package verifiertest

import (
	"encoding/json/v2"
	"io"
	"mime"
	"net/http"
)

// DjangoTokenURL returns the URL of the issuer's Django-style token
// endpoint, where djangorestframework-jwt's obtain_jwt_token view usually
// lies: a POST of "username" and "password" (a registered client's ID and
// secret), as a JSON object or a form, answers 200 {"token": "<jwt>"}.
//
// The token is what that library makes: HS256 signed with the server
// secret ([Issuer.HMACSecret]), header {"alg":"HS256","typ":"JWT"}, claims
// "user_id" (the client's 1-based position in IssuerConfig.Clients),
// "username" (the client ID), "exp" (the client's ExpiresIn ahead,
// DefaultExpiresIn by default) and "orig_iat" (now), with no "iss" and no
// "aud". It also carries "scope", the client's scopes, which the library
// does not add: a demo addition, for APIs that guard routes by scope.
// Clients send it as "Authorization: JWT <jwt>".
//
// Errors are answered as Django REST framework does: wrong credentials
// give 400 {"non_field_errors": ["Unable to log in with provided
// credentials."]}, a missing field 400 {"username": ["This field is
// required."]} (or "This field may not be blank." for an empty one), a body that is neither JSON nor a form 415 and a body that
// does not parse 400 {"detail": "..."}; methods other than POST give 405.
func (i *Issuer) DjangoTokenURL() string { return i.base + "/api-token-auth/" }

// HMACSecret returns a copy of the server secret the Django-style endpoint
// signs its tokens with, as an API verifying them holds it.
func (i *Issuer) HMACSecret() []byte { return append([]byte(nil), i.hmacSecret...) }

// djangoCredentials is the body of a Django-style token request.
type djangoCredentials struct {
	Username *string `json:"username"`
	Password *string `json:"password"`
}

func (i *Issuer) serveDjangoToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	creds, status, problem := readDjangoCredentials(w, r)
	if problem != nil {
		writeJSONv2(w, status, problem)
		return
	}
	client, ok := i.authenticate(*creds.Username, *creds.Password)
	if !ok {
		writeJSONv2(w, http.StatusBadRequest, map[string][]string{
			"non_field_errors": {"Unable to log in with provided credentials."},
		})
		return
	}
	now := i.now()
	claims := map[string]any{
		"user_id":  client.number,
		"username": client.ID,
		"exp":      now.Add(client.lifetime()).Unix(),
		"orig_iat": now.Unix(),
	}
	if client.Scope != "" {
		claims["scope"] = client.Scope
	}
	token, err := Sign("HS256", i.hmacSecret, map[string]any{"typ": "JWT"}, claims)
	if err != nil {
		writeJSONv2(w, http.StatusInternalServerError, map[string]string{"detail": "cannot sign the token"})
		return
	}
	writeJSONv2(w, http.StatusOK, map[string]string{"token": token})
}

// readDjangoCredentials reads the body as Django REST framework's JSON and
// form parsers do. On failure it returns the status and body to answer.
func readDjangoCredentials(w http.ResponseWriter, r *http.Request) (djangoCredentials, int, any) {
	var creds djangoCredentials
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequestBytes)
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case err == nil && mt == "application/json":
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = json.Unmarshal(body, &creds)
		}
		if err != nil {
			return creds, http.StatusBadRequest, map[string]string{"detail": "JSON parse error"}
		}
	case err == nil && (mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data"):
		if err := r.ParseMultipartForm(maxTokenRequestBytes); err != nil && err != http.ErrNotMultipart {
			return creds, http.StatusBadRequest, map[string]string{"detail": "form parse error"}
		}
		for _, f := range []struct {
			name string
			dst  **string
		}{{"username", &creds.Username}, {"password", &creds.Password}} {
			if r.PostForm.Has(f.name) {
				v := r.PostForm.Get(f.name)
				*f.dst = &v
			}
		}
	default:
		return creds, http.StatusUnsupportedMediaType, map[string]string{"detail": "Unsupported media type in request."}
	}
	problems := map[string][]string{}
	for name, v := range map[string]*string{"username": creds.Username, "password": creds.Password} {
		switch {
		case v == nil:
			problems[name] = []string{"This field is required."}
		case *v == "":
			problems[name] = []string{"This field may not be blank."}
		}
	}
	if len(problems) > 0 {
		return creds, http.StatusBadRequest, problems
	}
	return creds, 0, nil
}
