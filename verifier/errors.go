package verifier

import (
	"errors"
	"strconv"
)

// ErrInvalidToken is matched by every error that rejects a token:
// errors.Is(err, verifier.ErrInvalidToken) reports whether the token itself
// was at fault (an HTTP adapter answers 401). Each rejection also matches
// exactly one reason sentinel below, and is an [*Error].
var ErrInvalidToken = errors.New("verifier: invalid token")

// ErrKeysUnavailable reports that no key could be obtained to check the token,
// for example because the issuer's key set could not be fetched and none is
// cached, or because the token's "kid" is not cached and the issuer cannot
// be asked for it. It does not match [ErrInvalidToken]: the token may be
// fine, and an HTTP adapter answers 503 so that the client retries.
var ErrKeysUnavailable = errors.New("verifier: signing keys unavailable")

// reason is the type of the reason sentinels. desc is the short text used in
// messages and in the error_description of an HTTP response; label names
// the reason in metrics.
type reason struct{ desc, label string }

func (r *reason) Error() string { return "verifier: " + r.desc }

// The reasons a token is rejected. Each [*Error] matches exactly one.
var (
	// ErrMalformed: not a compact JWS of three base64url parts with a JSON
	// header and a JSON claims object, over the size limit, a member of the
	// wrong type, or a duplicate member name.
	ErrMalformed error = &reason{"malformed token", "malformed"}
	// ErrAlgorithm: "alg" is "none", not in the allowlist, or not one the
	// matching key may be used with (such as HS256 with an RSA key).
	ErrAlgorithm error = &reason{"algorithm not allowed", "algorithm"}
	// ErrUnsupportedHeader: the header lists extensions in "crit" or
	// asks for an unencoded payload ("b64": false).
	ErrUnsupportedHeader error = &reason{"unsupported token header", "unsupported_header"}
	// ErrUnknownKey: no key matches the token's "kid" (and issuer).
	ErrUnknownKey error = &reason{"unknown signing key", "unknown_key"}
	// ErrSignature: the signature does not verify.
	ErrSignature error = &reason{"invalid signature", "signature"}
	// ErrMissingClaim: a required claim, such as "exp", is absent.
	ErrMissingClaim error = &reason{"required claim missing", "missing_claim"}
	// ErrExpired: "exp" has passed, beyond the leeway.
	ErrExpired error = &reason{"token expired", "expired"}
	// ErrNotYetValid: "nbf" or "iat" is in the future, beyond the leeway.
	ErrNotYetValid error = &reason{"token not yet valid", "not_yet_valid"}
	// ErrIssuer: "iss" is absent or not a trusted issuer.
	ErrIssuer error = &reason{"issuer not accepted", "issuer"}
	// ErrAudience: "aud" is absent or names none of the accepted audiences.
	ErrAudience error = &reason{"audience not accepted", "audience"}
	// ErrTokenType: with Config.StrictRFC9068, the header's "typ" is not
	// "at+jwt": the token is not an access token (an ID token, say).
	ErrTokenType error = &reason{"not an access token", "token_type"}
)

// Error is the error Verify returns for a rejected token. It matches
// [ErrInvalidToken] and its Reason with errors.Is, and unwraps to its cause.
// Its message never contains the token, a signature or key material.
type Error struct {
	// Check is the check that refused the token, such as [CheckExpiry].
	Check Check
	// Reason is one of the reason sentinels, such as [ErrExpired].
	Reason error
	// Err is the underlying cause, if any, for logs.
	Err error
}

// Error returns "verifier: <reason>" followed by the cause, if any.
func (e *Error) Error() string {
	msg := e.Reason.Error()
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Description returns the reason in a few words, such as "token expired",
// suitable for the error_description of an RFC 6750 response.
func (e *Error) Description() string {
	if r, ok := e.Reason.(*reason); ok {
		return r.desc
	}
	return "invalid token"
}

// Is reports whether target is [ErrInvalidToken] or e's reason.
func (e *Error) Is(target error) bool {
	return target == ErrInvalidToken || target == e.Reason
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func reject(check Check, why error, cause error) *Error {
	return &Error{Check: check, Reason: why, Err: cause}
}

// Check names one of the checks [Verifier.Verify] runs. The constants are
// declared in the order Verify runs the checks, which [Checks] returns; Verify
// stops at the first that fails and names it in [Error.Check].
type Check uint8

// The checks of [Verifier.Verify], in order. A token found in the cache of
// verified tokens passed every check when it was stored, and is checked
// again from CheckExpiry to CheckMaxAge.
const (
	// CheckSize: the token is at most Config.MaxTokenSize bytes.
	CheckSize Check = iota + 1
	// CheckCompact: three non-empty base64url parts (the signature may be
	// empty until CheckSignatureEncoding) separated by dots, and no other
	// character anywhere.
	CheckCompact
	// CheckHeader: the header decodes to a JSON object with an "alg".
	CheckHeader
	// CheckAlgNone: "alg" is not "none" in any letter case.
	CheckAlgNone
	// CheckCritical: the header lists no "crit" extension and does not
	// ask for an unencoded payload ("b64": false).
	CheckCritical
	// CheckSignatureEncoding: the signature is non-empty strict base64url.
	CheckSignatureEncoding
	// CheckAlgorithm: "alg" is in the allowlist (Config.Algorithms).
	CheckAlgorithm
	// CheckClaims: the payload decodes to a JSON object whose registered
	// claims have their types.
	CheckClaims
	// CheckIssuer: "iss" is a trusted issuer (Config.Issuers).
	CheckIssuer
	// CheckKeyFound: the key source has a key for the token's issuer,
	// "kid" and "alg", and exactly one of its candidates suits the
	// algorithm, so that a token costs at most one signature check.
	CheckKeyFound
	// CheckKeyAlgorithm: a candidate key may verify "alg" (no HS256 with
	// an RSA key, no ES256 with a P-384 key, ...).
	CheckKeyAlgorithm
	// CheckSignature: the signature verifies with that key.
	CheckSignature
	// CheckExpiry: "exp" is present and not passed, within the leeway.
	CheckExpiry
	// CheckNotBefore: "nbf", if present, is not in the future.
	CheckNotBefore
	// CheckIssuedAt: "iat", if present, is not in the future.
	CheckIssuedAt
	// CheckMaxAge: with Config.MaxTokenAge, "iat" is present and recent.
	CheckMaxAge
	// CheckProfile: with Config.StrictRFC9068, the RFC 9068 access-token
	// profile ("typ" at+jwt; "sub", "client_id", "iat", "jti").
	CheckProfile
	// CheckAudience: "aud" names an accepted audience (Config.Audiences).
	CheckAudience
)

var checkNames = [...]string{
	CheckSize:              "size",
	CheckCompact:           "compact",
	CheckHeader:            "header",
	CheckAlgNone:           "alg none",
	CheckCritical:          "crit",
	CheckSignatureEncoding: "signature encoding",
	CheckAlgorithm:         "alg allowed",
	CheckClaims:            "claims",
	CheckIssuer:            "issuer",
	CheckKeyFound:          "key found",
	CheckKeyAlgorithm:      "key suits alg",
	CheckSignature:         "signature",
	CheckExpiry:            "exp",
	CheckNotBefore:         "nbf",
	CheckIssuedAt:          "iat",
	CheckMaxAge:            "max age",
	CheckProfile:           "RFC 9068 profile",
	CheckAudience:          "audience",
}

// String returns a short name for the check, such as "exp" or "key found".
func (c Check) String() string {
	if c == 0 || int(c) >= len(checkNames) {
		return "Check(" + strconv.Itoa(int(c)) + ")"
	}
	return checkNames[c]
}

// Checks returns every check, in the order Verify runs them. CheckMaxAge
// runs only with Config.MaxTokenAge and CheckProfile only with
// Config.StrictRFC9068; CheckIssuer and CheckAudience are skipped with
// Config.SkipIssuerCheck and Config.SkipAudienceCheck. The caller owns
// the returned slice.
func Checks() []Check {
	all := make([]Check, 0, len(checkNames)-1)
	for c := CheckSize; int(c) < len(checkNames); c++ {
		all = append(all, c)
	}
	return all
}

// Outcome returns a short, stable label for the result of Verify, for
// metrics: "ok" for a nil error, the reason of a rejection ("malformed",
// "algorithm", "unsupported_header", "unknown_key", "signature",
// "missing_claim", "expired", "not_yet_valid", "issuer", "audience",
// "token_type"),
// "keys_unavailable", or "error" for anything else.
func Outcome(err error) string {
	var e *Error
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &e):
		if r, ok := e.Reason.(*reason); ok {
			return r.label
		}
	case errors.Is(err, ErrKeysUnavailable):
		return "keys_unavailable"
	}
	return "error"
}
