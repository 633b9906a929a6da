// Package verifiertest helps test code that verifies access tokens, without
// a real identity provider.
//
// [Issuer] is an in-process issuer, in the spirit of net/http/httptest: a
// loopback server with OpenID Connect discovery and a JWKS document, which
// mints tokens with chosen claims, algorithm and expiry, and rotates and
// retires keys. [Issuer.VerifierConfig] returns a verifier configuration
// that trusts it. [Sign] and [SignRaw] build arbitrary tokens, including
// invalid ones, for negative tests.
//
//	func TestHandler(t *testing.T) {
//		iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
//		v, err := verifier.New(iss.VerifierConfig())
//		...
//		token := iss.MustMint(t, verifiertest.Token{Scope: "read"})
//		req.Header.Set("Authorization", "Bearer "+token)
//	}
package verifiertest
