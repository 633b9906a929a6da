package verifier_test

import (
	"context"
	"errors"
	"expvar"
	"fmt"
	"log/slog"
	"time"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// exampleNow is the fixed clock of the examples, so that their output does
// not depend on the day they run.
var exampleNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// exampleSecret is a 32-byte HMAC secret, the minimum for HS256.
var exampleSecret = []byte("an example secret of 32 bytes!!!")

// A verifier for tokens signed with a shared HMAC secret, checking issuer
// and audience.
func Example() {
	key, err := jwks.NewSecret("", exampleSecret)
	if err != nil {
		panic(err)
	}
	keys, err := jwks.NewStatic(key)
	if err != nil {
		panic(err)
	}
	v, err := verifier.New(verifier.Config{
		Issuers:   []string{"https://auth.example.com"},
		Audiences: []string{"https://api.example.com"},
		Keys:      keys,
		Leeway:    verifier.DefaultLeeway,
		Now:       func() time.Time { return exampleNow },
	})
	if err != nil {
		panic(err)
	}

	token, _ := verifiertest.Sign("HS256", exampleSecret, nil, map[string]any{
		"iss":   "https://auth.example.com",
		"aud":   "https://api.example.com",
		"sub":   "drone-fleet-7",
		"scope": "read write",
		"exp":   exampleNow.Add(10 * time.Hour).Unix(),
	})
	claims, err := v.Verify(context.Background(), token)
	if err != nil {
		fmt.Println("rejected:", err)
		return
	}
	fmt.Println("subject:", claims.Subject())
	fmt.Println("scopes:", claims.Scopes())
	fmt.Println("may write:", claims.Scopes().Has("write"))
	// Output:
	// subject: drone-fleet-7
	// scopes: read write
	// may write: true
}

// Telling rejections apart: every rejection matches ErrInvalidToken and one
// reason; unavailable keys match ErrKeysUnavailable instead.
func ExampleVerifier_Verify_errors() {
	key, _ := jwks.NewSecret("", exampleSecret)
	keys, _ := jwks.NewStatic(key)
	v, _ := verifier.New(verifier.Config{
		Issuers:   []string{"https://auth.example.com"},
		Audiences: []string{"https://api.example.com"},
		Keys:      keys,
		Now:       func() time.Time { return exampleNow },
	})
	expired, _ := verifiertest.Sign("HS256", exampleSecret, nil, map[string]any{
		"iss": "https://auth.example.com",
		"aud": "https://api.example.com",
		"exp": exampleNow.Add(-time.Minute).Unix(),
	})

	_, err := v.Verify(context.Background(), expired)
	switch {
	case errors.Is(err, verifier.ErrExpired):
		fmt.Println("401: token expired, get a new one")
	case errors.Is(err, verifier.ErrInvalidToken):
		fmt.Println("401:", err)
	case errors.Is(err, verifier.ErrKeysUnavailable):
		fmt.Println("503: try again later")
	}
	fmt.Println(err)
	// Output:
	// 401: token expired, get a new one
	// verifier: token expired: expired 1m0s ago
}

// Django-style tokens carry neither "iss" nor "aud"; the checks are skipped
// only by explicit, named opt-outs.
func ExampleConfig_noIssuerOrAudience() {
	key, _ := jwks.NewSecret("", exampleSecret)
	keys, _ := jwks.NewStatic(key)
	v, err := verifier.New(verifier.Config{
		Keys:              keys,
		SkipIssuerCheck:   true,
		SkipAudienceCheck: true,
		Now:               func() time.Time { return exampleNow },
	})
	if err != nil {
		panic(err)
	}
	token, _ := verifiertest.Sign("HS256", exampleSecret, map[string]any{"typ": "JWT"}, map[string]any{
		"user_id":  42,
		"username": "camera-bot",
		"exp":      exampleNow.Add(time.Hour).Unix(),
	})
	claims, err := v.Verify(context.Background(), token)
	if err != nil {
		panic(err)
	}
	var user struct {
		ID   int    `json:"user_id"`
		Name string `json:"username"`
	}
	if err := claims.Decode(&user); err != nil {
		panic(err)
	}
	fmt.Println(user.ID, user.Name)
	// Output: 42 camera-bot
}

// Custom claims are read with Decode.
func ExampleClaims_Decode() {
	key, _ := jwks.NewSecret("", exampleSecret)
	keys, _ := jwks.NewStatic(key)
	v, _ := verifier.New(verifier.Config{
		Issuers:   []string{"https://auth.example.com"},
		Audiences: []string{"https://api.example.com"},
		Keys:      keys,
		Now:       func() time.Time { return exampleNow },
	})
	token, _ := verifiertest.Sign("HS256", exampleSecret, nil, map[string]any{
		"iss":       "https://auth.example.com",
		"aud":       "https://api.example.com",
		"exp":       exampleNow.Add(time.Hour).Unix(),
		"tenant_id": "t-81",
		"roles":     []string{"pilot", "viewer"},
	})
	claims, err := v.Verify(context.Background(), token)
	if err != nil {
		panic(err)
	}
	var extra struct {
		TenantID string   `json:"tenant_id"`
		Roles    []string `json:"roles"`
	}
	if err := claims.Decode(&extra); err != nil {
		panic(err)
	}
	fmt.Println(extra.TenantID, extra.Roles)
	// Output: t-81 [pilot viewer]
}

// Several issuers, each with its own keys: a token's "iss" picks the key
// source, and is checked against the trusted list before any key is looked
// up.
func ExampleConfig_severalIssuers() {
	a := verifiertest.NewIssuer(verifiertest.IssuerConfig{Algorithm: "ES256", Audience: "https://api.example.com"})
	defer a.Close()
	b := verifiertest.NewIssuer(verifiertest.IssuerConfig{Algorithm: "EdDSA", Audience: "https://api.example.com"})
	defer b.Close()

	sources := map[string]jwks.Source{}
	for _, iss := range []*verifiertest.Issuer{a, b} {
		remote, err := jwks.NewRemote(jwks.RemoteConfig{URL: iss.JWKSURL()})
		if err != nil {
			panic(err)
		}
		defer remote.Close()
		sources[iss.URL] = remote
	}
	keys, err := jwks.NewByIssuer(sources)
	if err != nil {
		panic(err)
	}
	v, err := verifier.New(verifier.Config{
		Issuers:   keys.Issuers(),
		Audiences: []string{"https://api.example.com"},
		Keys:      keys,
		Leeway:    verifier.DefaultLeeway,
	})
	if err != nil {
		panic(err)
	}

	for _, iss := range []*verifiertest.Issuer{a, b} {
		token, _ := iss.Mint(verifiertest.Token{Scope: "read"})
		claims, err := v.Verify(context.Background(), token)
		fmt.Println(claims.Algorithm(), err)
	}
	// Output:
	// ES256 <nil>
	// EdDSA <nil>
}

// Client-minted tokens signed with each client's own secret: "iss" is the
// client ID and picks the secret, so one client cannot sign in another's
// name.
func ExampleConfig_clientSecrets() {
	secretA := []byte("client A's secret, 32 bytes long!")
	secretB := []byte("client B's secret, 32 bytes long!")

	keys, err := jwks.SecretsByIssuer(map[string][]byte{
		"client-a": secretA,
		"client-b": secretB,
	})
	if err != nil {
		panic(err)
	}
	v, err := verifier.New(verifier.Config{
		Issuers:   keys.Issuers(),
		Audiences: []string{"https://api.example.com"},
		Keys:      keys,
		Leeway:    verifier.DefaultLeeway,
	})
	if err != nil {
		panic(err)
	}

	mint := func(iss string, secret []byte) string {
		token, _ := verifiertest.Sign("HS256", secret, nil, map[string]any{
			"iss": iss, "sub": iss, "aud": "https://api.example.com", "exp": time.Now().Add(time.Hour).Unix(),
		})
		return token
	}
	claims, err := v.Verify(context.Background(), mint("client-a", secretA))
	fmt.Println(claims.Subject(), err)
	_, err = v.Verify(context.Background(), mint("client-b", secretA)) // A posing as B
	fmt.Println(errors.Is(err, verifier.ErrSignature))
	// Output:
	// client-a <nil>
	// true
}

// Metrics without a metrics dependency: counters by outcome from OnVerify,
// fetches by result from the key source's hooks, and readiness from its
// Status. expvar stands in for Prometheus or OpenTelemetry here.
func ExampleConfig_metrics() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()

	fetches := expvar.NewMap("jwks_fetches")            // by result
	verifications := expvar.NewMap("jwt_verifications") // by outcome
	keys, err := jwks.NewRemote(jwks.RemoteConfig{
		Issuer: issuer.URL,
		Hooks: jwks.Hooks{
			OnFetch:    func(e jwks.FetchEvent) { fetches.Add(string(e.Result), 1) },
			OnCooldown: func() { fetches.Add("cooldown_refused", 1) },
		},
		Logger: slog.Default(),
	})
	if err != nil {
		panic(err)
	}
	defer keys.Close()
	v, err := verifier.New(verifier.Config{
		Issuers:   []string{issuer.URL},
		Audiences: []string{issuer.Audience()},
		Keys:      keys,
		Leeway:    verifier.DefaultLeeway,
		OnVerify:  func(err error) { verifications.Add(verifier.Outcome(err), 1) },
	})
	if err != nil {
		panic(err)
	}

	good, _ := issuer.Mint(verifiertest.Token{})
	expired, _ := issuer.Mint(verifiertest.Token{ExpiresIn: -time.Hour})
	for _, token := range []string{good, good, expired, "garbage"} {
		_, _ = v.Verify(context.Background(), token)
	}
	fmt.Println("ready:", keys.Status().Ready)
	fmt.Println("fetches:", fetches)
	fmt.Println("verifications:", verifications)
	// Output:
	// ready: true
	// fetches: {"updated": 1}
	// verifications: {"expired": 1, "malformed": 1, "ok": 2}
}
