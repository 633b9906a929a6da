package main

import (
	"context"
	"encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// soakClients returns n clients to register with the issuer: each may get
// the soak's scope, in tokens living lifetime, with a random secret.
func soakClients(n int, lifetime time.Duration) []verifiertest.Client {
	clients := make([]verifiertest.Client, n)
	for i := range clients {
		clients[i] = verifiertest.Client{
			ID:        fmt.Sprintf("soak-client-%03d", i),
			Secret:    randomHex(32),
			Scope:     scope,
			ExpiresIn: lifetime,
		}
	}
	return clients
}

// requestToken gets an access token with the client credentials grant
// (RFC 6749 section 4.4), the client authenticating with HTTP Basic or
// with its ID and secret in the form. Errors never carry the secret.
func requestToken(ctx context.Context, hc *http.Client, tokenURL string, c verifiertest.Client, basic bool) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if !basic {
		form.Set("client_id", c.ID)
		form.Set("client_secret", c.Secret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("soak: token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("soak: token request for %s: %w", c.ID, err)
	}
	defer resp.Body.Close()
	var answer struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	err = json.UnmarshalRead(io.LimitReader(resp.Body, 64<<10), &answer)
	switch {
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("soak: token request for %s: status %d", c.ID, resp.StatusCode)
	case err != nil:
		return "", fmt.Errorf("soak: token request for %s: %w", c.ID, err)
	case answer.AccessToken == "" || !strings.EqualFold(answer.TokenType, "Bearer"):
		return "", errors.New("soak: token request for " + c.ID + ": no bearer token in the answer")
	}
	return answer.AccessToken, nil
}
