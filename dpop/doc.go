// Package dpop checks DPoP proofs (RFC 9449): the JWT a client signs with
// its own key for every request, so that an access token bound to that key
// (its "cnf" claim holds the key's thumbprint) is worth nothing to anyone
// who steals the token alone.
//
// A [Checker] is built once from a [Config]; [Checker.Check] then checks
// the DPoP header of each request against the request's method, URL and
// access token, and returns the thumbprint of the key that signed it, which
// the caller compares with the token's "cnf" "jkt":
//
//	c, err := dpop.New(dpop.Config{})
//	...
//	res, err := c.Check(ctx, r.Header.Get("DPoP"), dpop.Request{
//		Method:      r.Method,
//		URL:         requestURL, // absolute: scheme and host as the client used them
//		AccessToken: token,
//	})
//	switch {
//	case errors.Is(err, dpop.ErrUseNonce): // 401, error="use_dpop_nonce", DPoP-Nonce: c.Nonce()
//	case errors.Is(err, dpop.ErrInvalidProof): // 401, error="invalid_dpop_proof"
//	case err != nil: // 503 (ErrStoreUnavailable) or a bug
//	case res.Thumbprint != jkt: // 401, error="invalid_token": the token is bound to another key
//	}
//
// # What is checked
//
// In this order, each refusal with its own description ([Error]): the
// size (Config.MaxProofSize) before any parsing; the compact JWS form
// (three base64url parts, no padding, no whitespace); the header, read with
// the standard library's strict JSON decoder (duplicate member names,
// invalid UTF-8 and trailing data refused): "typ" exactly "dpop+jwt", "alg"
// among Config.Algorithms (never "none" nor a MAC), no "crit", and "jwk" a
// public key (parsed by [jwks.ParseJWK]; private and symmetric keys
// refused) suited to "alg"; the claims, read the same way: "jti" (at most
// 256 bytes), "htm" equal to the request method, "htu" equal to the request
// URL once both are in the form [CanonicalURL] gives (the query and the
// fragment ignored), "iat" within [now−MaxAge, now+Leeway], and "ath" the
// hash of the access token when there is one; then the signature, with the
// jwk; then the nonce, with Config.Nonces; and last the replay store, which
// must not have seen the key's thumbprint and jti before.
//
// # Cost
//
// A proof costs its signature check and a few microseconds more, most of
// them spent reading its claims with the strict JSON decoder and decoding
// its base64url: the header of a client's proofs, which carries its key, is
// parsed once and remembered after its first good proof, as is the hash of
// each access token (so the checker keeps access tokens in memory, a few
// thousand at most, as the verifier's cache of verified tokens does), and
// a check of a known client's proof allocates twice.
//
// # Replays
//
// Each accepted proof is recorded in a [ReplayStore] until it is too old
// to be accepted anyway. The default, a [MemoryStore], serves one
// instance; servers behind one load balancer share a store, or a proof
// refused by one is accepted by another. Call Check after the access token
// is verified: then only holders of a valid token can make the store
// record proofs.
package dpop
