package nethttp_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// Protecting routes by scope. The issuer here is an in-process test issuer;
// in production, Keys would be a jwks.Remote for the real issuer.
func Example() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()

	v, err := verifier.New(issuer.VerifierConfig())
	if err != nil {
		panic(err)
	}
	auth, err := nethttp.New(v, nethttp.Options{Options: bearer.Options{Realm: "api"}})
	if err != nil {
		panic(err)
	}
	items := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := nethttp.ClaimsFrom(r)
		fmt.Fprintf(w, "hello %s", claims.Subject())
	})
	mux := http.NewServeMux()
	mux.Handle("GET /items", auth.Require(scopes.AllOf("read"))(items))
	mux.Handle("POST /items", auth.Require(scopes.AllOf("read", "write"))(items))

	reader, _ := issuer.Mint(verifiertest.Token{Subject: "dashboard", Scope: "read"})
	for _, req := range []struct{ method, token string }{
		{"GET", ""},
		{"GET", reader},
		{"POST", reader},
		{"GET", "not-a-token"},
	} {
		r := httptest.NewRequest(req.method, "/items", nil)
		if req.token != "" {
			r.Header.Set("Authorization", "Bearer "+req.token)
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		line := fmt.Sprint(req.method, " ", w.Code)
		if challenge := w.Header().Get("WWW-Authenticate"); challenge != "" {
			line += " " + challenge
		}
		fmt.Println(line)
	}
	// Output:
	// GET 401 Bearer realm="api"
	// GET 200
	// POST 403 Bearer realm="api", error="insufficient_scope", scope="read write"
	// GET 401 Bearer realm="api", error="invalid_token", error_description="malformed token"
}

// Issuers whose clients send "Authorization: JWT <token>" instead of
// "Bearer", here with an HS256 shared secret and tokens that carry no "iss"
// or "aud" (Django style).
func ExampleOptions_schemes() {
	secret := []byte("the server's secret, 32+ bytes!!")
	key, _ := jwks.NewSecret("", secret)
	keys, _ := jwks.NewStatic(key)
	v, err := verifier.New(verifier.Config{
		Keys:              keys,
		SkipIssuerCheck:   true,
		SkipAudienceCheck: true,
		Leeway:            verifier.DefaultLeeway,
	})
	if err != nil {
		panic(err)
	}
	auth, err := nethttp.New(v, nethttp.Options{Options: bearer.Options{Schemes: []string{"JWT"}}})
	if err != nil {
		panic(err)
	}
	h := auth.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var user struct {
			Name string `json:"username"`
		}
		claims, _ := nethttp.ClaimsFrom(r)
		_ = claims.Decode(&user)
		fmt.Fprint(w, "hello ", user.Name)
	}))

	token, _ := verifiertest.Sign("HS256", secret, nil, map[string]any{
		"user_id": 7, "username": "camera-bot", "exp": time.Now().Add(time.Hour).Unix(),
	})
	for _, scheme := range []string{"JWT", "Bearer"} {
		r := httptest.NewRequest("GET", "/cameras", nil)
		r.Header.Set("Authorization", scheme+" "+token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(scheme, w.Code, w.Body.String())
	}
	// Output:
	// JWT 200 hello camera-bot
	// Bearer 401 {}
}

// Optional authentication: one handler serves anonymous and authenticated
// callers; a bad token is still refused, and a scope guard still needs a
// token.
func ExampleOptions_optional() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, _ := verifier.New(issuer.VerifierConfig())
	auth, err := nethttp.New(v, nethttp.Options{Options: bearer.Options{Optional: true}})
	if err != nil {
		panic(err)
	}
	hello := auth.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if claims, ok := nethttp.ClaimsFrom(r); ok {
			fmt.Fprint(w, "hello ", claims.Subject())
			return
		}
		fmt.Fprint(w, "hello stranger")
	}))

	for _, req := range []*http.Request{
		httptest.NewRequest("GET", "/hello", nil),
		issuer.Request("GET", "/hello", verifiertest.Token{Subject: "drone-7"}),
		issuer.Request("GET", "/hello", verifiertest.Token{ExpiresIn: -time.Hour}),
	} {
		w := httptest.NewRecorder()
		hello.ServeHTTP(w, req)
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 200 hello stranger
	// 200 hello drone-7
	// 401 {"error":"invalid_token","error_description":"token expired"}
}

// Two verifiers in one chain: every route accepts the tokens of the users'
// issuer, and /admin only those of the admins' issuer. The guard of /admin
// does not take the claims of the outer middleware for its own: a users'
// token is refused there whatever scopes it grants.
func ExampleMiddleware_Require_anotherVerifier() {
	usersIssuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer usersIssuer.Close()
	adminsIssuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer adminsIssuer.Close()

	// The users' verifier trusts both issuers; the admins' only its own.
	usersKeys, _ := jwks.NewByIssuer(map[string]jwks.Source{
		usersIssuer.URL:  usersIssuer.VerifierConfig().Keys,
		adminsIssuer.URL: adminsIssuer.VerifierConfig().Keys,
	})
	usersCfg := usersIssuer.VerifierConfig()
	usersCfg.Issuers = []string{usersIssuer.URL, adminsIssuer.URL}
	usersCfg.Keys = usersKeys
	usersV, err := verifier.New(usersCfg)
	if err != nil {
		panic(err)
	}
	adminsV, err := verifier.New(adminsIssuer.VerifierConfig())
	if err != nil {
		panic(err)
	}
	users, _ := nethttp.New(usersV, nethttp.Options{Options: bearer.Options{Realm: "api"}})
	admins, _ := nethttp.New(adminsV, nethttp.Options{Options: bearer.Options{Realm: "admin"}})

	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := nethttp.ClaimsFrom(r)
		fmt.Fprint(w, "hello ", claims.Subject())
	})
	mux := http.NewServeMux()
	mux.Handle("GET /items", hello)
	mux.Handle("GET /admin", admins.Require(scopes.AllOf("admin"))(hello))
	h := users.Authenticate(mux)

	userToken := verifiertest.Token{Subject: "user", Scope: "admin"}
	adminToken := verifiertest.Token{Subject: "operator", Scope: "admin"}
	for _, req := range []*http.Request{
		usersIssuer.Request("GET", "/items", userToken),
		usersIssuer.Request("GET", "/admin", userToken),
		adminsIssuer.Request("GET", "/admin", adminToken),
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		line := fmt.Sprint(req.URL.Path, " ", w.Code)
		if challenge := w.Header().Get("WWW-Authenticate"); challenge != "" {
			line += " " + challenge
		} else {
			line += " " + w.Body.String()
		}
		fmt.Println(line)
	}
	// Output:
	// /items 200 hello user
	// /admin 401 Bearer realm="admin", error="invalid_token", error_description="issuer not accepted"
	// /admin 200 hello operator
}

// Reading the verified claims into the application's own type: ClaimsAs
// decodes them strictly (member names match the struct's exactly), in one
// call per handler.
func ExampleClaimsAs() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, _ := verifier.New(issuer.VerifierConfig())
	auth, _ := nethttp.New(v, nethttp.Options{})

	type tenantClaims struct {
		Subject  string   `json:"sub"`
		TenantID string   `json:"tenant_id"`
		Roles    []string `json:"roles"`
	}
	handler := auth.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := nethttp.ClaimsAs[tenantClaims](r)
		if err != nil {
			http.Error(w, "unexpected claims", http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%s of tenant %s, roles %v", c.Subject, c.TenantID, c.Roles)
	}))

	tok := verifiertest.Token{Subject: "svc-7", Claims: map[string]any{"tenant_id": "t-42", "roles": []string{"reader"}}}
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, issuer.Request("GET", "/items", tok))
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// 200 svc-7 of tenant t-42, roles [reader]
}

// DPoP-bound tokens (RFC 9449): the client proves with each request that it
// holds the key the token is bound to. The test issuer mints the bound
// token and the client's proofs.
func ExampleOptions_dpop() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, err := verifier.New(issuer.VerifierConfig())
	if err != nil {
		panic(err)
	}
	checker, err := dpop.New(dpop.Config{})
	if err != nil {
		panic(err)
	}
	auth, err := nethttp.New(v, nethttp.Options{Options: bearer.Options{Realm: "api", DPoP: checker}})
	if err != nil {
		panic(err)
	}
	handler := auth.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := nethttp.ClaimsFrom(r)
		fmt.Fprint(w, "hello ", claims.Subject())
	}))

	token, _ := issuer.Mint(verifiertest.Token{Subject: "drone-7", Claims: map[string]any{
		"cnf": verifiertest.DPoPBound(issuer.DPoPThumbprint()),
	}})
	proof, _ := issuer.MintProof(verifiertest.Proof{Method: "GET", URL: "http://api.example.test/items", AccessToken: token})
	send := func(scheme, proof string) {
		r := httptest.NewRequest("GET", "http://api.example.test/items", nil)
		r.Header.Set("Authorization", scheme+" "+token)
		if proof != "" {
			r.Header.Set("DPoP", proof)
		}
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"), w.Body.String())
	}
	send("DPoP", proof)
	send("DPoP", proof) // the same proof again
	send("Bearer", "")  // the bound token without its proof
	// Output:
	// 200  hello drone-7
	// 401 DPoP realm="api", error="invalid_dpop_proof", error_description="proof replayed", algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA" {"error":"invalid_dpop_proof","error_description":"proof replayed"}
	//
	// 401 Bearer realm="api", error="invalid_token", error_description="DPoP-bound token presented as a bearer token" {"error":"invalid_token","error_description":"DPoP-bound token presented as a bearer token"}
}
