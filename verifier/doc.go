// Package verifier verifies OAuth 2.0 access tokens in JWT form (RFC 9068)
// sent as bearer tokens (RFC 6750).
//
// A [Verifier] is built once from a [Config] that names the trusted issuers,
// the accepted audiences and a key source from package jwks; [New] refuses a
// configuration that would verify nothing. [Verifier.Verify] then checks a
// token and returns its [Claims]:
//
//	v, err := verifier.New(verifier.Config{
//		Issuers:   []string{"https://auth.example.com"},
//		Audiences: []string{"https://api.example.com"},
//		Keys:      keys, // a jwks.Source
//		Leeway:    verifier.DefaultLeeway,
//	})
//	...
//	claims, err := v.Verify(ctx, token)
//	if errors.Is(err, verifier.ErrInvalidToken) { /* 401 */ }
//
// # What is checked
//
// Verify accepts only the compact serialisation of a JWS: three base64url
// parts, at most [DefaultMaxTokenSize] bytes. It reads the header and the
// claims with the standard library's strict JSON decoder
// (encoding/json/jsontext): duplicate member names, invalid UTF-8 and
// anything after the object are rejected, names are compared exactly, and
// values nest at most 32 levels. The checks it runs, and their order, are
// those [Checks] returns, one [Check] constant each; it stops at the first
// that fails. Among them: an allowlist of "alg" values that never admits
// "none"; no "crit" extension and no unencoded payload; "iss" among the
// trusted issuers, checked before any key is looked up; exactly one key of
// the source, for the token's issuer, "kid" and "alg", whose type suits the
// algorithm (so that a token costs at most one signature check); the
// signature; "exp" present and not passed, "nbf" and "iat" not in the future,
// each within the configured leeway; "aud" naming an accepted audience. The
// token's "jku", "x5u", "jwk" and "x5c" headers are never used to find keys.
// Config.StrictRFC9068 adds the access-token profile of RFC 9068 ("typ"
// at+jwt; "sub", "client_id", "iat", "jti" required), and
// Config.MaxTokenAge a limit on the time since "iat".
//
// # Errors
//
// Every rejection is an [*Error] that names the [Check] that failed and
// matches [ErrInvalidToken] and exactly one reason sentinel ([ErrMalformed], [ErrAlgorithm], [ErrUnsupportedHeader],
// [ErrUnknownKey], [ErrSignature], [ErrMissingClaim], [ErrExpired],
// [ErrNotYetValid], [ErrIssuer], [ErrAudience], [ErrTokenType]). When no key can be obtained
// at all the error matches [ErrKeysUnavailable] instead, which is not a
// token rejection. Error messages never contain the token, a signature or key
// material.
//
// # Speed
//
// A first verification costs little more than its signature check: the
// token is decoded in pooled buffers, and its claims cost one string and
// the Claims value. A bounded cache of verified tokens (on by default; see
// Config.CacheSize and Config.DisableCache) lets a token seen again skip
// the parsing and the signature: a token is cached when it is verified a
// second time, its time claims are still checked on every use, and it is
// checked afresh once the key that verified it has left its key set or the
// set has gone stale.
//
// # Claims
//
// [Claims] expose the registered claims, the client ID ("client_id" or
// "azp") and the scopes ("scope" and "scp") through methods, and any other
// claim through [Claims.Decode], which reads names exactly as Verify does.
// [NewContext] and [FromContext] carry claims in a request context; claims
// remember the verifier that produced them ([Claims.VerifiedBy]), so that a
// middleware never trusts claims another verifier vouched for. Claims are
// immutable and safe to share.
package verifier
