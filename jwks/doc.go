// Package jwks provides the keys that verify access tokens: keys fetched
// from an issuer's JSON Web Key Set endpoint, static public keys, and HMAC
// secrets.
//
// A [Source] answers the verifier's question "which keys may have signed a
// token of this issuer, with this key ID and algorithm?"; the verifier checks
// a token's signature against one key at most, and refuses a token that more
// than one candidate could verify. The sources are:
//
//   - [Remote]: an issuer's JWKS endpoint, given directly or found by OpenID
//     Connect / RFC 8414 discovery. Fetched lazily and cached; refreshed in
//     the background before it expires (honouring Cache-Control and
//     Expires within bounds, with jitter, and with conditional requests);
//     refetched when a token names an unknown key ID (one fetch shared by
//     all waiting requests, at most once per cooldown, with a bounded wait
//     and a bounded memory of key IDs found missing); the last good set
//     kept for a bounded time when the issuer fails, with retries backing
//     off.
//     REFRESH.md in this directory describes the states, timers and
//     defaults. [Remote.Status] reports readiness; [Hooks] feed metrics.
//   - [Static]: a fixed set built with [NewStatic] from keys made by
//     [NewPublicKey], [NewSecret], [ParseJWK], [ParseJWKS] or [ParsePEM].
//   - [ByIssuer]: one source per issuer, so that the token's "iss" picks the
//     keys and a key of one issuer never verifies a token of another;
//     [SecretsByIssuer] builds one for per-client HMAC secrets. It lists its
//     issuers ([IssuerLister]), so that the verifier can refuse a trusted
//     issuer it has no keys for.
//
// A [Key] is bound to the algorithms its type allows (RS*/PS* for RSA,
// ES256/384/512 by curve, EdDSA for Ed25519, HS* for secrets long enough for
// the hash) and, if its JWK names one, to that "alg" alone. Keys that cannot
// be used safely are refused: RSA under 2048 bits or with the ROCA
// fingerprint, EC points off their curve, HMAC secrets shorter than 32 bytes,
// JWKs marked "use": "enc", whose "key_ops" lack "verify", or that carry
// private material. [Key.Verify] is the signature check the verifier uses.
//
// The package does not depend on any JOSE type in its API; single JWKs are
// parsed with github.com/lestrrat-go/jwx/v3 internally, key set documents and
// discovery metadata with encoding/json/v2 (strict: no duplicate member
// names, valid UTF-8, nothing after the document), and Cache-Control headers
// with github.com/lestrrat-go/httpcc.
package jwks
