package dpop

import "errors"

// ErrInvalidProof is matched by every refusal of a proof for what the proof
// says or how it is made: malformed, expired, signed badly, for another
// request, replayed. A resource server answers 401 with
// error="invalid_dpop_proof" (RFC 9449 section 7.1).
var ErrInvalidProof = errors.New("dpop: invalid proof")

// ErrUseNonce reports that the checker requires a server nonce
// (Config.Nonces) and the proof carries none, or one that is not current.
// It does not match [ErrInvalidProof]: the client is expected to retry with
// the nonce of [Checker.Nonce], which the answer carries in a DPoP-Nonce
// header, with error="use_dpop_nonce" (RFC 9449 section 9).
var ErrUseNonce = errors.New("dpop: nonce required")

// ErrReplayed reports a proof that was already accepted once (its key and
// jti are in the replay store). It also matches [ErrInvalidProof].
var ErrReplayed = errors.New("dpop: proof replayed")

// ErrStoreUnavailable reports that the [ReplayStore] failed, so the checker
// could not tell whether the proof is new. It matches neither
// [ErrInvalidProof] nor [ErrUseNonce]: the proof may be fine, and a server
// answers 503 so that the client retries.
var ErrStoreUnavailable = errors.New("dpop: replay store unavailable")

// The descriptions of [Error]: fixed phrases, fit for the error_description
// of an answer. They never contain anything from the request or the proof.
const (
	descTooLarge        = "proof too large"
	descMalformed       = "malformed proof"
	descMalformedHeader = "malformed proof header"
	descTyp             = "wrong typ"
	descAlgorithm       = "algorithm not allowed"
	descCrit            = "unsupported critical header"
	descNoJWK           = "missing jwk"
	descBadJWK          = "unusable jwk"
	descPrivateJWK      = "jwk is not a public key"
	descKeyAlgorithm    = "jwk does not suit alg"
	descMalformedClaims = "malformed proof claims"
	descJTI             = "missing or invalid jti"
	descNoHTM           = "missing htm"
	descHTM             = "wrong htm"
	descNoHTU           = "missing htu"
	descHTU             = "wrong htu"
	descNoIAT           = "missing iat"
	descExpired         = "proof expired"
	descFuture          = "proof issued in the future"
	descNoATH           = "missing ath"
	descATH             = "ath mismatch"
	descSignature       = "invalid signature"
	descNoNonce         = "nonce required"
	descNonce           = "invalid or expired nonce"
	descReplayed        = "proof replayed"
	descStore           = "replay store unavailable"
	descRequest         = "unusable request"
)

// Error is the error [Checker.Check] returns when it refuses a proof.
// errors.Is matches it with its Reason (and, for [ErrReplayed], with
// [ErrInvalidProof] too); errors.As finds it in a chain. Its message never
// contains the proof, the access token, a key or anything else the request
// carries.
type Error struct {
	// Reason is [ErrInvalidProof], [ErrUseNonce], [ErrReplayed] or
	// [ErrStoreUnavailable].
	Reason error
	// Description is a fixed phrase, such as "proof expired", "wrong htu"
	// or "ath mismatch", for the error_description of an answer.
	Description string
	// Err is the detail, for logs: a fixed text, an offset, or the replay
	// store's error. It may be nil.
	Err error
}

// Error returns "dpop: <description>", followed by ": <detail>" when there
// is one.
func (e *Error) Error() string {
	msg := "dpop: " + e.Description
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is reports whether target is e's Reason, or [ErrInvalidProof] when the
// Reason is [ErrReplayed].
func (e *Error) Is(target error) bool {
	return target == e.Reason || target == ErrInvalidProof && e.Reason == ErrReplayed
}

// Unwrap returns the detail.
func (e *Error) Unwrap() error { return e.Err }

// refuse returns an *Error for an invalid proof.
func refuse(desc string, detail error) *Error {
	return &Error{Reason: ErrInvalidProof, Description: desc, Err: detail}
}
