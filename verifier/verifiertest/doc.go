// Package verifiertest helps test code that verifies access tokens, without
// a real identity provider.
//
// [Issuer] is an in-process issuer, in the spirit of net/http/httptest: a
// loopback server with OpenID Connect discovery and a JWKS document, which
// mints tokens with chosen claims, algorithm and expiry, and rotates and
// retires keys. [Issuer.VerifierConfig] returns a verifier configuration
// that trusts it. [Issuer.Request] and [Issuer.AuthorizationHeader] build
// requests that carry a fresh token, for net/http, Echo and Gin handlers
// alike. [Sign] and [SignRaw] build arbitrary tokens, including invalid
// ones, for negative tests.
//
//	func TestListItems(t *testing.T) {
//		iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
//		v, err := verifier.New(iss.VerifierConfig())
//		...
//		w := httptest.NewRecorder()
//		handler.ServeHTTP(w, iss.Request("GET", "/items", verifiertest.Token{Scope: "read"}))
//	}
//
// The issuer also shows what breaks in production: [Issuer.SetFault] takes
// its JWKS endpoint down, makes it answer an HTML page or an empty key set,
// or hang; [Issuer.SetDiscoveryFault] does the same to its metadata and
// [Issuer.SetTokenFault] to its token endpoints;
// [Issuer.SetLatency] slows every answer. IssuerConfig.Path gives the
// issuer identifier a path, as multi-tenant providers do, and
// IssuerConfig.RFC8414Only serves the metadata only at its RFC 8414
// location. [Issuer.NewRemote] returns a key source for the issuer with
// the timeouts, clock and hooks a test needs.
//
// Registered clients (IssuerConfig.Clients; [DemoClients] gives one per
// issuer style) get tokens as our users' clients do from their API
// providers: by the OAuth 2.0 client credentials grant at
// [Issuer.TokenURL], with the client ID and secret in the form or in HTTP
// Basic, or from a Django-style endpoint ([Issuer.DjangoTokenURL]) that
// answers HS256 tokens signed with the server secret
// ([Issuer.HMACSecret]). [MintClientToken] makes the tokens that clients
// of some APIs sign themselves with their secret. Secrets are compared in
// constant time and never written anywhere.
//
// For sender-constrained tokens, [Issuer.MintProof] mints DPoP proofs (RFC
// 9449), right or deliberately wrong, signed with the issuer's DPoP client
// key ([Issuer.DPoPKey]) or another; [DPoPBound] and [CertificateBound]
// give the "cnf" claim of a token bound to that key or to a client
// certificate.
package verifiertest
