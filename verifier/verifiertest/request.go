package verifiertest

import (
	"context"
	"encoding/json/v2"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// ClientAuth is how a client authenticates at the token endpoint (RFC 6749
// section 2.3.1), with the method names of RFC 8414's
// token_endpoint_auth_methods_supported.
type ClientAuth int

const (
	// ClientSecretBasic: the client ID and secret in HTTP Basic, each
	// form-urlencoded first.
	ClientSecretBasic ClientAuth = iota
	// ClientSecretPost: client_id and client_secret in the form.
	ClientSecretPost
)

// String returns the method's RFC 8414 name, such as
// "client_secret_basic".
func (a ClientAuth) String() string {
	switch a {
	case ClientSecretBasic:
		return "client_secret_basic"
	case ClientSecretPost:
		return "client_secret_post"
	}
	return fmt.Sprintf("ClientAuth(%d)", int(a))
}

// maxTokenAnswerBytes bounds the answer RequestToken reads.
const maxTokenAnswerBytes = 64 << 10

// RequestToken gets an access token for c from the token endpoint at
// tokenURL (such as [Issuer.TokenURL]) with the client credentials grant
// (RFC 6749 section 4.4), authenticating as auth says, as a client
// program does before it calls an API. A nil hc means
// http.DefaultClient. A refusal is an error naming the status and the
// OAuth error code of the answer, such as "invalid_client"; no error ever
// contains the secret or a token.
func (c Client) RequestToken(ctx context.Context, hc *http.Client, tokenURL string, auth ClientAuth) (string, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	switch auth {
	case ClientSecretBasic:
	case ClientSecretPost:
		form.Set("client_id", c.ID)
		form.Set("client_secret", c.Secret)
	default:
		return "", fmt.Errorf("verifiertest: unknown client authentication %v", auth)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("verifiertest: token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth == ClientSecretBasic {
		req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("verifiertest: token request for client %q: %w", c.ID, err)
	}
	defer resp.Body.Close()
	var answer struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		Error       string `json:"error"`
	}
	err = json.UnmarshalRead(io.LimitReader(resp.Body, maxTokenAnswerBytes), &answer)
	switch {
	case resp.StatusCode != http.StatusOK:
		code := ""
		if err == nil && answer.Error != "" {
			code = ": " + strings.ToValidUTF8(clipText(answer.Error, 64), "?")
		}
		return "", fmt.Errorf("verifiertest: token request for client %q: status %d%s", c.ID, resp.StatusCode, code)
	case err != nil:
		return "", fmt.Errorf("verifiertest: token request for client %q: the answer is not JSON", c.ID)
	case answer.AccessToken == "" || !strings.EqualFold(answer.TokenType, "Bearer"):
		return "", fmt.Errorf("verifiertest: token request for client %q: no bearer token in the answer", c.ID)
	}
	return answer.AccessToken, nil
}

// clipText returns s cut to at most n bytes.
func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
