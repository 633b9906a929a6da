package verifiertest_test

import (
	"context"
	"encoding/base64"
	"encoding/json/v2"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// tokenRequest describes one HTTP request to a token endpoint.
type tokenRequest struct {
	method      string // "" means POST
	contentType string // "" means a form
	body        string
	basic       string // Authorization header, if not empty
	query       string
}

// answer is what a token endpoint said.
type answer struct {
	status    int
	header    http.Header
	body      string
	fields    map[string]any
	challenge string
}

func send(t *testing.T, endpoint string, req tokenRequest) answer {
	t.Helper()
	method := req.method
	if method == "" {
		method = http.MethodPost
	}
	target := endpoint
	if req.query != "" {
		target += "?" + req.query
	}
	r, err := http.NewRequest(method, target, strings.NewReader(req.body))
	require.NoError(t, err, "http.NewRequest(%s, %s)", method, target)
	ct := req.contentType
	if ct == "" {
		ct = "application/x-www-form-urlencoded"
	}
	r.Header.Set("Content-Type", ct)
	if req.basic != "" {
		r.Header.Set("Authorization", req.basic)
	}
	resp, err := http.DefaultClient.Do(r)
	require.NoError(t, err, "%s %s", method, target)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "reading the answer of %s %s", method, target)
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(b), challenge: resp.Header.Get("WWW-Authenticate")}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(t, json.Unmarshal(b, &a.fields), "%s %s answered JSON that does not parse: %s", method, target, b)
	}
	return a
}

func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

func form(kv ...string) string {
	v := url.Values{}
	for n := 0; n < len(kv); n += 2 {
		v.Add(kv[n], kv[n+1])
	}
	return v.Encode()
}

func startWithClients(t *testing.T, cfg verifiertest.IssuerConfig) (*verifiertest.Issuer, map[string]verifiertest.Client) {
	t.Helper()
	if cfg.Clients == nil {
		cfg.Clients = verifiertest.DemoClients()
	}
	byID := map[string]verifiertest.Client{}
	for _, c := range cfg.Clients {
		byID[c.ID] = c
	}
	return verifiertest.Start(t, cfg), byID
}

func TestTokenEndpointIssuesVerifiableTokens(t *testing.T) {
	odd := verifiertest.Client{ID: "svc:reports", Secret: "p@ss w+rd/%é:", Scope: "read"}
	iss, c := startWithClients(t, verifiertest.IssuerConfig{Clients: append(verifiertest.DemoClients(), odd)})
	drone, travel := c[verifiertest.DemoDroneMappingClient], c[verifiertest.DemoTravelClient]
	v, err := verifier.New(iss.VerifierConfig())
	require.NoError(t, err, "verifier.New(iss.VerifierConfig())")

	tests := []struct {
		name      string
		req       tokenRequest
		client    string
		expiresIn float64
		scope     string
	}{
		{"drone-mapping: form, token_format=jwt", tokenRequest{body: form("grant_type", "client_credentials", "client_id", drone.ID,
			"client_secret", drone.Secret, "token_format", "jwt")}, drone.ID, 36000, "read write"},
		{"travel: HTTP Basic", tokenRequest{body: form("grant_type", "client_credentials"), basic: basicAuth(travel.ID, travel.Secret)},
			travel.ID, 3600, "read"},
		{"Basic with the same client_id in the body", tokenRequest{body: form("grant_type", "client_credentials", "client_id", travel.ID),
			basic: basicAuth(travel.ID, travel.Secret)}, travel.ID, 3600, "read"},
		{"a narrower scope", tokenRequest{body: form("grant_type", "client_credentials", "scope", "write",
			"client_id", drone.ID, "client_secret", drone.Secret)}, drone.ID, 36000, "write"},
		{"a repeated scope", tokenRequest{body: form("grant_type", "client_credentials", "scope", "read read",
			"client_id", drone.ID, "client_secret", drone.Secret)}, drone.ID, 36000, "read"},
		{"Basic with form-urlencoded ID and secret", tokenRequest{body: form("grant_type", "client_credentials"),
			basic: basicAuth(odd.ID, odd.Secret)}, odd.ID, 3600, "read"},
		{"form with odd characters", tokenRequest{body: form("grant_type", "client_credentials", "client_id", odd.ID,
			"client_secret", odd.Secret)}, odd.ID, 3600, "read"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, iss.TokenURL(), tc.req)
			require.Equal(t, http.StatusOK, a.status, "POST %s: status; body %s", iss.TokenURL(), a.body)
			assert.Equal(t, "no-store", a.header.Get("Cache-Control"), "Cache-Control of a token response (RFC 6749 5.1)")
			assert.Equal(t, "Bearer", a.fields["token_type"], "token_type")
			assert.Equal(t, tc.expiresIn, a.fields["expires_in"], "expires_in")
			assert.Equal(t, tc.scope, a.fields["scope"], "scope")
			token, _ := a.fields["access_token"].(string)
			claims, err := v.Verify(context.Background(), token)
			require.NoError(t, err, "Verify(access_token) with the issuer's VerifierConfig")
			assert.Equal(t, tc.client, claims.Subject(), "sub of the token")
			assert.Equal(t, tc.client, claims.ClientID(), "client_id of the token")
			assert.Equal(t, tc.scope, claims.Scopes().String(), "scopes of the token")
			assert.Equal(t, time.Duration(tc.expiresIn)*time.Second, claims.ExpiresAt().Sub(claims.IssuedAt()), "exp - iat")
		})
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	iss, c := startWithClients(t, verifiertest.IssuerConfig{})
	drone, travel := c[verifiertest.DemoDroneMappingClient], c[verifiertest.DemoTravelClient]
	cc := func(kv ...string) string { return form(append([]string{"grant_type", "client_credentials"}, kv...)...) }
	post := func(kv ...string) string {
		return cc(append([]string{"client_id", drone.ID, "client_secret", drone.Secret}, kv...)...)
	}

	tests := []struct {
		name   string
		req    tokenRequest
		status int
		error  string // "" for a non-JSON answer
	}{
		{"wrong secret in the form", tokenRequest{body: cc("client_id", drone.ID, "client_secret", travel.Secret)}, 401, "invalid_client"},
		{"unknown client in the form", tokenRequest{body: cc("client_id", "nobody", "client_secret", drone.Secret)}, 401, "invalid_client"},
		{"empty secret in the form", tokenRequest{body: cc("client_id", drone.ID, "client_secret", "")}, 401, "invalid_client"},
		{"wrong secret in Basic", tokenRequest{body: cc(), basic: basicAuth(travel.ID, drone.Secret)}, 401, "invalid_client"},
		{"unknown client in Basic", tokenRequest{body: cc(), basic: basicAuth("nobody", travel.Secret)}, 401, "invalid_client"},
		{"malformed Basic", tokenRequest{body: cc(), basic: "Basic !!!"}, 401, "invalid_client"},
		{"Basic with a bad escape", tokenRequest{body: cc(), basic: "Basic " + base64.StdEncoding.EncodeToString([]byte(travel.ID+":%zz"))}, 401, "invalid_client"},
		{"another scheme", tokenRequest{body: cc(), basic: "Bearer " + drone.Secret}, 401, "invalid_client"},
		{"no client authentication", tokenRequest{body: cc("client_id", drone.ID)}, 401, "invalid_client"},
		{"credentials in the URL only", tokenRequest{body: cc(), query: form("client_id", drone.ID, "client_secret", drone.Secret)}, 401, "invalid_client"},
		{"Basic and client_secret at once", tokenRequest{body: cc("client_secret", travel.Secret), basic: basicAuth(travel.ID, travel.Secret)}, 400, "invalid_request"},
		{"Basic and another client_id", tokenRequest{body: cc("client_id", drone.ID), basic: basicAuth(travel.ID, travel.Secret)}, 400, "invalid_request"},
		{"no grant_type", tokenRequest{body: form("client_id", drone.ID, "client_secret", drone.Secret)}, 400, "invalid_request"},
		{"password grant", tokenRequest{body: form("grant_type", "password", "client_id", drone.ID, "client_secret", drone.Secret)}, 400, "unsupported_grant_type"},
		{"token_format opaque", tokenRequest{body: post("token_format", "opaque")}, 400, "invalid_request"},
		{"scope beyond the client's", tokenRequest{body: post("scope", "read write admin")}, 400, "invalid_scope"},
		{"travel asking for write", tokenRequest{body: cc("scope", "write"), basic: basicAuth(travel.ID, travel.Secret)}, 400, "invalid_scope"},
		{"repeated parameter", tokenRequest{body: post("client_secret", drone.Secret)}, 400, "invalid_request"},
		{"JSON body", tokenRequest{contentType: "application/json", body: `{"grant_type":"client_credentials"}`}, 400, "invalid_request"},
		{"body too large", tokenRequest{body: post("pad", strings.Repeat("x", 70<<10))}, 400, "invalid_request"},
		{"GET", tokenRequest{method: "GET"}, 405, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, iss.TokenURL(), tc.req)
			assert.Equal(t, tc.status, a.status, "%s %s: status; body %s", tc.req.method, iss.TokenURL(), a.body)
			for _, c := range verifiertest.DemoClients() { // fresh secrets: none may appear
				assert.NotContains(t, a.body, c.Secret)
			}
			for _, secret := range []string{drone.Secret, travel.Secret} {
				assert.NotContains(t, a.body, secret, "the answer echoes a secret")
				assert.NotContains(t, a.challenge, secret, "the challenge echoes a secret")
			}
			if tc.error == "" {
				return
			}
			assert.Equal(t, tc.error, a.fields["error"], "error code; body %s", a.body)
			assert.NotContains(t, a.fields, "access_token", "an error answer carries no token")
			desc, _ := a.fields["error_description"].(string)
			assert.NotContains(t, desc, `"`, "error_description has a character RFC 6749 5.2 excludes")
			assert.NotContains(t, desc, `\`, "error_description has a character RFC 6749 5.2 excludes")
			assert.Equal(t, "no-store", a.header.Get("Cache-Control"), "Cache-Control of an error")
			if tc.status == http.StatusUnauthorized {
				assert.Equal(t, `Basic realm="verifiertest", charset="UTF-8"`, a.challenge, "WWW-Authenticate of a 401")
			} else {
				assert.Empty(t, a.challenge, "WWW-Authenticate of a %d", tc.status)
			}
		})
	}
}

func TestTokenEndpointInMetadata(t *testing.T) {
	iss, c := startWithClients(t, verifiertest.IssuerConfig{Path: "/tenant1"})
	resp, err := http.Get(iss.URL + "/.well-known/openid-configuration")
	require.NoError(t, err, "GET the discovery metadata")
	defer resp.Body.Close()
	var meta struct {
		TokenEndpoint string   `json:"token_endpoint"`
		AuthMethods   []string `json:"token_endpoint_auth_methods_supported"`
	}
	require.NoError(t, json.UnmarshalRead(resp.Body, &meta), "decoding the metadata")
	assert.Equal(t, iss.URL+"/oauth2/token", meta.TokenEndpoint, "token_endpoint")
	assert.Equal(t, iss.TokenURL(), meta.TokenEndpoint, "token_endpoint and TokenURL()")
	assert.ElementsMatch(t, []string{"client_secret_basic", "client_secret_post"}, meta.AuthMethods, "token_endpoint_auth_methods_supported")

	travel := c[verifiertest.DemoTravelClient]
	before := iss.TokenRequests()
	a := send(t, meta.TokenEndpoint, tokenRequest{body: form("grant_type", "client_credentials"), basic: basicAuth(travel.ID, travel.Secret)})
	assert.Equal(t, http.StatusOK, a.status, "POST to the advertised token_endpoint; body %s", a.body)
	assert.Equal(t, before+1, iss.TokenRequests(), "TokenRequests() after one request")
}

func TestTokenEndpointWithoutClients(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	a := send(t, iss.TokenURL(), tokenRequest{body: form("grant_type", "client_credentials", "client_id", "x", "client_secret", "y")})
	assert.Equal(t, http.StatusUnauthorized, a.status, "a token request to an issuer with no clients; body %s", a.body)
	a = send(t, iss.DjangoTokenURL(), tokenRequest{body: form("username", "x", "password", "y")})
	assert.Equal(t, http.StatusBadRequest, a.status, "a Django token request to an issuer with no clients; body %s", a.body)
}

// djangoVerifier is configured as an API receiving Django-style tokens:
// the server secret, no issuer, no audience.
func djangoVerifier(t *testing.T, secret []byte) *verifier.Verifier {
	t.Helper()
	key, err := jwks.NewSecret("", secret)
	require.NoError(t, err, "jwks.NewSecret(HMACSecret())")
	keys, err := jwks.NewStatic(key)
	require.NoError(t, err, "jwks.NewStatic")
	v, err := verifier.New(verifier.Config{Keys: keys, Algorithms: []string{"HS256"}, SkipIssuerCheck: true, SkipAudienceCheck: true})
	require.NoError(t, err, "verifier.New for Django-style tokens")
	return v
}

func TestDjangoTokenEndpoint(t *testing.T) {
	secret := []byte("django-insecure-server-secret-of-the-camera-catalogue")
	iss, c := startWithClients(t, verifiertest.IssuerConfig{HMACSecret: secret})
	cam := c[verifiertest.DemoCameraCatalogueClient]
	v := djangoVerifier(t, iss.HMACSecret())
	jsonBody, err := json.Marshal(map[string]string{"username": cam.ID, "password": cam.Secret})
	require.NoError(t, err, "json.Marshal")

	for _, tc := range []struct {
		name string
		req  tokenRequest
	}{
		{"JSON", tokenRequest{contentType: "application/json", body: string(jsonBody)}},
		{"JSON with charset", tokenRequest{contentType: "application/json; charset=utf-8", body: string(jsonBody)}},
		{"form", tokenRequest{body: form("username", cam.ID, "password", cam.Secret)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, iss.DjangoTokenURL(), tc.req)
			require.Equal(t, http.StatusOK, a.status, "POST %s: status; body %s", iss.DjangoTokenURL(), a.body)
			assert.Len(t, a.fields, 1, "the answer is {\"token\": ...} only: %s", a.body)
			token, _ := a.fields["token"].(string)
			claims, err := v.Verify(context.Background(), token)
			require.NoError(t, err, "Verify(token) with the server secret")
			var got struct {
				UserID   int    `json:"user_id"`
				Username string `json:"username"`
				OrigIAT  int64  `json:"orig_iat"`
				Scope    string `json:"scope"`
			}
			require.NoError(t, claims.Decode(&got), "Claims.Decode")
			assert.Equal(t, 3, got.UserID, "user_id: the camera client is the third of DemoClients")
			assert.Equal(t, cam.ID, got.Username, "username")
			assert.Equal(t, "read", got.Scope, "scope (a demo addition)")
			assert.Equal(t, time.Hour, claims.ExpiresAt().Sub(time.Unix(got.OrigIAT, 0)), "exp - orig_iat")
			assert.Empty(t, claims.Issuer(), "iss of a Django-style token")
			assert.Empty(t, claims.Audience(), "aud of a Django-style token")
			assert.Equal(t, "HS256", claims.Algorithm(), "alg")
			_, err = djangoVerifier(t, []byte(strings.Repeat("another secret ", 3))).Verify(context.Background(), token)
			assert.ErrorIs(t, err, verifier.ErrSignature, "Verify with another server secret")
		})
	}
}

func TestDjangoTokenEndpointErrors(t *testing.T) {
	iss, c := startWithClients(t, verifiertest.IssuerConfig{})
	cam, drone := c[verifiertest.DemoCameraCatalogueClient], c[verifiertest.DemoDroneMappingClient]
	bad := `{"non_field_errors":["Unable to log in with provided credentials."]}`
	tests := []struct {
		name   string
		req    tokenRequest
		status int
		body   string // JSON; "" to skip
	}{
		{"wrong password", tokenRequest{body: form("username", cam.ID, "password", drone.Secret)}, 400, bad},
		{"unknown user", tokenRequest{body: form("username", "nobody", "password", cam.Secret)}, 400, bad},
		{"wrong password in JSON", tokenRequest{contentType: "application/json", body: `{"username":"` + cam.ID + `","password":"nope"}`}, 400, bad},
		{"no password", tokenRequest{body: form("username", cam.ID)}, 400, `{"password":["This field is required."]}`},
		{"nothing", tokenRequest{contentType: "application/json", body: `{}`}, 400,
			`{"username":["This field is required."],"password":["This field is required."]}`},
		{"blank username", tokenRequest{body: form("username", "", "password", cam.Secret)}, 400, `{"username":["This field may not be blank."]}`},
		{"malformed JSON", tokenRequest{contentType: "application/json", body: `{"username":`}, 400, `{"detail":"JSON parse error"}`},
		{"duplicate JSON member", tokenRequest{contentType: "application/json", body: `{"username":"x","username":"y","password":"z"}`}, 400, `{"detail":"JSON parse error"}`},
		{"text body", tokenRequest{contentType: "text/plain", body: "username=x"}, 415, `{"detail":"Unsupported media type in request."}`},
		{"GET", tokenRequest{method: "GET"}, 405, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, iss.DjangoTokenURL(), tc.req)
			assert.Equal(t, tc.status, a.status, "POST %s: status; body %s", iss.DjangoTokenURL(), a.body)
			if tc.body != "" {
				assert.JSONEq(t, tc.body, a.body, "body")
			}
			for _, secret := range []string{cam.Secret, drone.Secret} {
				assert.NotContains(t, a.body, secret, "the answer echoes a secret")
			}
		})
	}
}

func TestHMACSecret(t *testing.T) {
	cfg := verifiertest.IssuerConfig{HMACSecret: []byte("a server secret of at least thirty-two bytes")}
	iss := verifiertest.Start(t, cfg)
	got := iss.HMACSecret()
	assert.Equal(t, cfg.HMACSecret, got, "HMACSecret() of a configured secret")
	got[0] = 'X'
	cfg.HMACSecret[1] = 'X'
	assert.Equal(t, []byte("a server secret of at least thirty-two bytes"), iss.HMACSecret(), "HMACSecret() after changing a returned copy and the config")

	a, b := verifiertest.Start(t, verifiertest.IssuerConfig{}), verifiertest.Start(t, verifiertest.IssuerConfig{})
	assert.Len(t, a.HMACSecret(), 32, "HMACSecret() by default")
	assert.NotEqual(t, a.HMACSecret(), b.HMACSecret(), "two issuers' random secrets")
}

func TestMintClientToken(t *testing.T) {
	const api = "https://geo-finance.example.test/api"
	clients := verifiertest.DemoClients()
	secrets := map[string][]byte{}
	for _, c := range clients {
		secrets[c.ID] = []byte(c.Secret)
	}
	src, err := jwks.SecretsByIssuer(secrets)
	require.NoError(t, err, "jwks.SecretsByIssuer over DemoClients' secrets")
	v, err := verifier.New(verifier.Config{Issuers: src.Issuers(), Audiences: []string{api}, Keys: src, Algorithms: []string{"HS256"}})
	require.NoError(t, err, "verifier.New")
	geo := clients[3]
	require.Equal(t, verifiertest.DemoGeoFinanceClient, geo.ID, "the fourth demo client")

	mint := func(c verifiertest.Client, aud string, d time.Duration) string {
		tok, err := verifiertest.MintClientToken(c, aud, d)
		require.NoError(t, err, "MintClientToken(%s, %q, %v)", c.ID, aud, d)
		return tok
	}
	impostor := geo
	impostor.Secret = clients[0].Secret
	stranger := verifiertest.Client{ID: "stranger", Secret: geo.Secret}
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"own secret", mint(geo, api, time.Minute), nil},
		{"default lifetime", mint(geo, api, 0), nil},
		{"another client's secret", mint(impostor, api, time.Minute), verifier.ErrSignature},
		{"unregistered client", mint(stranger, api, time.Minute), verifier.ErrIssuer},
		{"another audience", mint(geo, "https://other.example.test", time.Minute), verifier.ErrAudience},
		{"no audience", mint(geo, "", time.Minute), verifier.ErrAudience},
		{"expired", mint(geo, api, -time.Hour), verifier.ErrExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			claims, err := v.Verify(context.Background(), tc.token)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want, "Verify(%s)", tc.name)
				return
			}
			require.NoError(t, err, "Verify(%s)", tc.name)
			assert.Equal(t, geo.ID, claims.Issuer(), "iss")
			assert.Equal(t, geo.ID, claims.Subject(), "sub")
			assert.NotEmpty(t, claims.ID(), "jti")
			assert.LessOrEqual(t, claims.ExpiresAt().Sub(claims.IssuedAt()), 5*time.Minute, "lifetime of %s", tc.name)
		})
	}

	_, err = verifiertest.MintClientToken(verifiertest.Client{ID: "x"}, api, 0)
	assert.Error(t, err, "MintClientToken without a secret")
	_, err = verifiertest.MintClientToken(verifiertest.Client{Secret: "x"}, api, 0)
	assert.Error(t, err, "MintClientToken without an ID")
}

func TestDemoClients(t *testing.T) {
	a, b := verifiertest.DemoClients(), verifiertest.DemoClients()
	want := []struct {
		id, scope string
		life      time.Duration
	}{
		{verifiertest.DemoDroneMappingClient, "read write", 10 * time.Hour},
		{verifiertest.DemoTravelClient, "read", time.Hour},
		{verifiertest.DemoCameraCatalogueClient, "read", time.Hour},
		{verifiertest.DemoGeoFinanceClient, "read", 5 * time.Minute},
	}
	require.Len(t, a, len(want), "DemoClients()")
	seen := map[string]bool{}
	for n, w := range want {
		assert.Equal(t, w.id, a[n].ID, "DemoClients()[%d].ID", n)
		assert.Equal(t, w.scope, a[n].Scope, "DemoClients()[%d].Scope", n)
		assert.Equal(t, w.life, a[n].ExpiresIn, "DemoClients()[%d].ExpiresIn", n)
		assert.GreaterOrEqual(t, len(a[n].Secret), 32, "DemoClients()[%d].Secret is long enough for HS256", n)
		assert.Equal(t, url.QueryEscape(a[n].Secret), a[n].Secret, "DemoClients()[%d].Secret needs no escaping", n)
		assert.False(t, seen[a[n].Secret], "DemoClients()[%d].Secret repeats another", n)
		seen[a[n].Secret] = true
		assert.NotEqual(t, a[n].Secret, b[n].Secret, "two calls of DemoClients() give the same secret to %s", w.id)
	}
}

func TestIssuerConfigClientsRefused(t *testing.T) {
	ok := verifiertest.Client{ID: "a", Secret: "s"}
	tests := []struct {
		name    string
		clients []verifiertest.Client
	}{
		{"no ID", []verifiertest.Client{{Secret: "s"}}},
		{"no secret", []verifiertest.Client{{ID: "a"}}},
		{"same ID twice", []verifiertest.Client{ok, {ID: "a", Secret: "t"}}},
		{"negative lifetime", []verifiertest.Client{{ID: "a", Secret: "s", ExpiresIn: -time.Second}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Panics(t, func() { verifiertest.NewIssuer(verifiertest.IssuerConfig{Clients: tc.clients}).Close() },
				"NewIssuer with clients %+v", tc.clients)
		})
	}
}

func TestIssuerConfigClientsCopied(t *testing.T) {
	clients := []verifiertest.Client{{ID: "a", Secret: "first secret"}}
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Clients: clients})
	clients[0].Secret = "changed"
	a := send(t, iss.TokenURL(), tokenRequest{body: form("grant_type", "client_credentials", "client_id", "a", "client_secret", "first secret")})
	assert.Equal(t, http.StatusOK, a.status, "the secret registered before the caller changed its slice; body %s", a.body)
}

func TestSetTokenFault(t *testing.T) {
	iss, c := startWithClients(t, verifiertest.IssuerConfig{})
	v, err := verifier.New(iss.VerifierConfig())
	require.NoError(t, err, "verifier.New")
	travel, cam := c[verifiertest.DemoTravelClient], c[verifiertest.DemoCameraCatalogueClient]
	oauth := tokenRequest{body: form("grant_type", "client_credentials"), basic: basicAuth(travel.ID, travel.Secret)}
	django := tokenRequest{body: form("username", cam.ID, "password", cam.Secret)}
	held := send(t, iss.TokenURL(), oauth)
	require.Equal(t, http.StatusOK, held.status, "a token before the fault; body %s", held.body)

	for _, tc := range []struct {
		fault  verifiertest.Fault
		status int
		body   string
	}{
		{verifiertest.FaultDown, 503, "unavailable"},
		{verifiertest.FaultGarbage, 200, "<html>"},
		{verifiertest.FaultEmptyKeySet, 200, "{}"},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			iss.SetTokenFault(tc.fault)
			for _, e := range []struct {
				url string
				req tokenRequest
			}{{iss.TokenURL(), oauth}, {iss.DjangoTokenURL(), django}} {
				a := send(t, e.url, e.req)
				assert.Equal(t, tc.status, a.status, "POST %s under %v", e.url, tc.fault)
				assert.Contains(t, a.body, tc.body, "POST %s under %v", e.url, tc.fault)
				assert.NotContains(t, a.body, "token\"", "POST %s under %v", e.url, tc.fault)
			}
			_, err := v.Verify(context.Background(), held.fields["access_token"].(string))
			assert.NoError(t, err, "a token got before the fault verifies during %v", tc.fault)
			resp, err := http.Get(iss.JWKSURL())
			require.NoError(t, err, "GET the JWKS")
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode, "the JWKS under a token fault %v", tc.fault)
		})
	}
	iss.SetTokenFault(verifiertest.FaultNone)
	a := send(t, iss.TokenURL(), oauth)
	assert.Equal(t, http.StatusOK, a.status, "a token after the fault was cleared; body %s", a.body)
	assert.Panics(t, func() { iss.SetTokenFault(99) }, "SetTokenFault(99)")
}
