package verifiertest_test

import (
	"context"
	"encoding/json/v2"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// A fake issuer for handler tests: it serves discovery and JWKS on loopback
// and mints tokens with chosen claims.
func ExampleIssuer() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{Algorithm: "ES256"})
	defer issuer.Close()

	v, err := verifier.New(issuer.VerifierConfig())
	if err != nil {
		panic(err)
	}
	good, _ := issuer.Mint(verifiertest.Token{Subject: "robot", Scope: "read write"})
	expired, _ := issuer.Mint(verifiertest.Token{ExpiresIn: -time.Hour})
	noExp, _ := issuer.Mint(verifiertest.Token{Claims: map[string]any{"exp": nil}})

	claims, err := v.Verify(context.Background(), good)
	fmt.Println(claims.Subject(), claims.Scopes(), err)
	_, err = v.Verify(context.Background(), expired)
	fmt.Println(errors.Is(err, verifier.ErrExpired))
	_, err = v.Verify(context.Background(), noExp)
	fmt.Println(errors.Is(err, verifier.ErrMissingClaim))
	// Output:
	// robot read write <nil>
	// true
	// true
}

// Key rotation: the verifier picks up the new key with one refetch.
func ExampleIssuer_Rotate() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, _ := verifier.New(issuer.VerifierConfig())

	first, _ := issuer.Mint(verifiertest.Token{})
	_, err := v.Verify(context.Background(), first)
	fmt.Println(err, issuer.JWKSRequests())

	issuer.Rotate()
	second, _ := issuer.Mint(verifiertest.Token{})
	_, err = v.Verify(context.Background(), second)
	fmt.Println(err, issuer.JWKSRequests())
	// Output:
	// <nil> 1
	// <nil> 2
}

// An issuer outage: a verifier that has the keys keeps verifying tokens; one
// that starts during the outage has no keys, and its adapter answers 503.
func ExampleIssuer_SetFault() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	ctx := context.Background()
	running, _ := verifier.New(issuer.VerifierConfig())
	token, _ := issuer.Mint(verifiertest.Token{})
	_, err := running.Verify(ctx, token)
	fmt.Println("before the outage:", err)

	issuer.SetFault(verifiertest.FaultDown) // the JWKS endpoint answers 503
	token, _ = issuer.Mint(verifiertest.Token{})
	_, err = running.Verify(ctx, token)
	fmt.Println("during, keys cached:", err)

	started, _ := verifier.New(issuer.VerifierConfig())
	_, err = started.Verify(ctx, token)
	fmt.Println("during, no keys yet:", errors.Is(err, verifier.ErrKeysUnavailable))
	// Output:
	// before the outage: <nil>
	// during, keys cached: <nil>
	// during, no keys yet: true
}

// Discovery is read once: after the first fetch, the metadata going down
// does not matter; a key source starting meanwhile cannot find the keys.
func ExampleIssuer_SetDiscoveryFault() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	ctx := context.Background()
	keys := issuer.NewRemote(jwks.RemoteConfig{})
	fmt.Println(keys.Refresh(ctx))

	issuer.SetDiscoveryFault(verifiertest.FaultDown)
	fmt.Println(keys.Refresh(ctx))
	err := issuer.NewRemote(jwks.RemoteConfig{}).Refresh(ctx)
	fmt.Println(err != nil, issuer.DiscoveryRequests())
	// Output:
	// <nil>
	// <nil>
	// true 3
}

// A slow issuer: a request waits at most MaxWait for keys, while the fetch
// carries on for the requests after it. No test waits an hour: removing
// the latency answers the held request at once.
func ExampleIssuer_SetLatency() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	ctx := context.Background()
	keys := issuer.NewRemote(jwks.RemoteConfig{MaxWait: 20 * time.Millisecond})
	cfg := issuer.VerifierConfig()
	cfg.Keys = keys
	v, _ := verifier.New(cfg)
	token, _ := issuer.Mint(verifiertest.Token{})

	issuer.SetLatency(time.Hour)
	_, err := v.Verify(ctx, token)
	fmt.Println("slow issuer:", errors.Is(err, verifier.ErrKeysUnavailable))

	issuer.SetLatency(0)
	fmt.Println("fetch:", keys.Refresh(ctx)) // waits for the fetch under way
	_, err = v.Verify(ctx, token)
	fmt.Println("then:", err)
	// Output:
	// slow issuer: true
	// fetch: <nil>
	// then: <nil>
}

// An issuer identifier with a path, and metadata only at the RFC 8414
// location: a key source finds it by falling back from the OpenID Connect
// location.
func ExampleIssuerConfig() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{
		Path:        "/tenant1",
		RFC8414Only: true,
		OnRequest:   func(r *http.Request) { fmt.Println(r.Method, r.URL.Path) },
	})
	defer issuer.Close()
	v, _ := verifier.New(issuer.VerifierConfig())
	token, _ := issuer.Mint(verifiertest.Token{})
	claims, err := v.Verify(context.Background(), token)
	fmt.Println(strings.HasSuffix(claims.Issuer(), "/tenant1"), err)
	// Output:
	// GET /tenant1/.well-known/openid-configuration
	// GET /.well-known/oauth-authorization-server/tenant1
	// GET /tenant1/jwks.json
	// true <nil>
}

// Testing a net/http handler: Request builds a request carrying a fresh
// token with the scope under test.
func ExampleIssuer_Request() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, _ := verifier.New(issuer.VerifierConfig())
	auth, _ := nethttp.New(v, nethttp.Options{})
	handler := auth.Require(scopes.AllOf("read"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := nethttp.ClaimsFrom(r)
		fmt.Fprint(w, "items for ", claims.Subject())
	}))

	for _, tok := range []verifiertest.Token{
		{Subject: "dashboard", Scope: "read"},
		{Subject: "uploader", Scope: "write"},
	} {
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, issuer.Request("GET", "/items", tok))
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 200 items for dashboard
	// 403 {"error":"insufficient_scope","scope":"read"}
}

// Testing a handler with a request body: AuthorizationHeader gives the
// header value for a request built with httptest.NewRequest.
func ExampleIssuer_AuthorizationHeader() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, _ := verifier.New(issuer.VerifierConfig())
	auth, _ := nethttp.New(v, nethttp.Options{})
	create := auth.Require(scopes.AllOf("write"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := nethttp.ClaimsFrom(r)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, "created by "+claims.Subject())
	}))

	req := httptest.NewRequest("POST", "/items", strings.NewReader(`{"name":"lens"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", issuer.AuthorizationHeader(verifiertest.Token{Subject: "uploader", Scope: "write"}))
	w := httptest.NewRecorder()
	create.ServeHTTP(w, req)
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// 201 created by uploader
}

// The client credentials grant: a registered client gets a token from the
// token endpoint with its ID and secret, in the form (as a drone-mapping
// API documents it) or in HTTP Basic (as a travel API does), then calls
// the API with it.
func ExampleIssuer_TokenURL() {
	clients := verifiertest.DemoClients()
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{Clients: clients})
	defer issuer.Close()
	v, _ := verifier.New(issuer.VerifierConfig())
	drone, travel := clients[0], clients[1]

	// The client ID and secret in the form.
	inForm, _ := http.NewRequest("POST", issuer.TokenURL(), strings.NewReader(url.Values{
		"grant_type": {"client_credentials"}, "token_format": {"jwt"},
		"client_id": {drone.ID}, "client_secret": {drone.Secret},
	}.Encode()))
	inForm.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	// The client ID and secret in HTTP Basic, each form-urlencoded first.
	inBasic, _ := http.NewRequest("POST", issuer.TokenURL(), strings.NewReader("grant_type=client_credentials"))
	inBasic.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	inBasic.SetBasicAuth(url.QueryEscape(travel.ID), url.QueryEscape(travel.Secret))

	for _, req := range []*http.Request{inForm, inBasic} {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		var answer struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			ExpiresIn   int    `json:"expires_in"`
			Scope       string `json:"scope"`
		}
		_ = json.UnmarshalRead(resp.Body, &answer)
		resp.Body.Close()
		claims, err := v.Verify(context.Background(), answer.AccessToken)
		fmt.Println(resp.StatusCode, answer.TokenType, answer.ExpiresIn, answer.Scope, "->", claims.Subject(), err)
	}

	// A wrong secret.
	wrong, _ := http.NewRequest("POST", issuer.TokenURL(), strings.NewReader("grant_type=client_credentials"))
	wrong.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	wrong.SetBasicAuth(travel.ID, drone.Secret)
	resp, err := http.DefaultClient.Do(wrong)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	// Output:
	// 200 Bearer 36000 read write -> drone-mapping <nil>
	// 200 Bearer 3600 read -> travel-connect <nil>
	// 401 Basic realm="verifiertest", charset="UTF-8"
}

// A Django-style API: the client posts its username and password (here
// the client ID and secret) and gets an HS256 token signed with the
// server secret, which it sends as "Authorization: JWT <token>".
func ExampleIssuer_DjangoTokenURL() {
	clients := verifiertest.DemoClients()
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{Clients: clients})
	defer issuer.Close()
	camera := clients[2]

	resp, err := http.PostForm(issuer.DjangoTokenURL(), url.Values{"username": {camera.ID}, "password": {camera.Secret}})
	if err != nil {
		panic(err)
	}
	var answer struct {
		Token string `json:"token"`
	}
	_ = json.UnmarshalRead(resp.Body, &answer)
	resp.Body.Close()

	// The API holds the server secret; the tokens have no iss and no aud.
	key, _ := jwks.NewSecret("", issuer.HMACSecret())
	keys, _ := jwks.NewStatic(key)
	v, _ := verifier.New(verifier.Config{Keys: keys, Algorithms: []string{"HS256"}, SkipIssuerCheck: true, SkipAudienceCheck: true})
	auth, _ := nethttp.New(v, nethttp.Options{Options: bearer.Options{Schemes: []string{"JWT"}}})
	cameras := auth.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := nethttp.ClaimsFrom(r)
		var user struct {
			Username string `json:"username"`
		}
		_ = claims.Decode(&user)
		fmt.Fprint(w, "cameras for ", user.Username)
	}))
	w := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/cameras", nil)
	req.Header.Set("Authorization", "JWT "+answer.Token)
	cameras.ServeHTTP(w, req)
	fmt.Println(resp.StatusCode, "->", w.Code, w.Body.String())
	// Output:
	// 200 -> 200 cameras for camera-catalogue
}

// Client-minted tokens: the client signs its own token with its secret,
// and the API finds the secret by the token's issuer, the client ID.
func ExampleMintClientToken() {
	const api = "https://geo-finance.example.test/api"
	clients := verifiertest.DemoClients()
	secrets := map[string][]byte{}
	for _, c := range clients {
		secrets[c.ID] = []byte(c.Secret)
	}
	keys, _ := jwks.SecretsByIssuer(secrets)
	v, _ := verifier.New(verifier.Config{Issuers: keys.Issuers(), Audiences: []string{api}, Keys: keys, Algorithms: []string{"HS256"}})

	geo := clients[3]
	token, _ := verifiertest.MintClientToken(geo, api, 5*time.Minute)
	claims, err := v.Verify(context.Background(), token)
	fmt.Println(claims.Issuer(), claims.Subject(), err)

	geo.Secret = clients[0].Secret // signed with another client's secret
	token, _ = verifiertest.MintClientToken(geo, api, 5*time.Minute)
	_, err = v.Verify(context.Background(), token)
	fmt.Println(errors.Is(err, verifier.ErrSignature))
	// Output:
	// geo-finance geo-finance <nil>
	// true
}

// A client program's first step, in a test: get a token from the token
// endpoint as the client would, then call the API with it.
func ExampleClient_RequestToken() {
	client := verifiertest.Client{ID: "reporting", Secret: "a secret of the reporting client", Scope: "read"}
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{Clients: []verifiertest.Client{client}})
	defer issuer.Close()
	v, _ := verifier.New(issuer.VerifierConfig())
	ctx := context.Background()

	for _, auth := range []verifiertest.ClientAuth{verifiertest.ClientSecretBasic, verifiertest.ClientSecretPost} {
		token, err := client.RequestToken(ctx, nil, issuer.TokenURL(), auth)
		if err != nil {
			panic(err)
		}
		claims, err := v.Verify(ctx, token)
		fmt.Println(auth, claims.Subject(), claims.Scopes(), err)
	}

	client.Secret = "not the secret"
	_, err := client.RequestToken(ctx, nil, issuer.TokenURL(), verifiertest.ClientSecretBasic)
	fmt.Println(err)
	// Output:
	// client_secret_basic reporting read <nil>
	// client_secret_post reporting read <nil>
	// verifiertest: token request for client "reporting": status 401: invalid_client
}
