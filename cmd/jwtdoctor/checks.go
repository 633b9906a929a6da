package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jwtgate/jwtgate/internal/httpauth"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// checkID names a check of the verifier, in the order Verify runs them.
type checkID int

const (
	chkSize checkID = iota
	chkCompact
	chkHeader
	chkAlgNone
	chkCrit
	chkSigEncoding
	chkAlgAllowed
	chkClaims
	chkIssuer
	chkKeyFound
	chkKeySuits
	chkSignature
	chkExp
	chkNbf
	chkIat
	chkMaxAge
	chkStrict
	chkAudience
	chkScopes
	chkUnknown // Verify failed in a way the doctor cannot place
)

var checkNames = map[checkID]string{
	chkSize:        "size",
	chkCompact:     "compact form",
	chkHeader:      "header",
	chkAlgNone:     "alg not none",
	chkCrit:        "crit, b64",
	chkSigEncoding: "signature encoding",
	chkAlgAllowed:  "alg allowed",
	chkClaims:      "claims",
	chkIssuer:      "issuer",
	chkKeyFound:    "key found",
	chkKeySuits:    "key suits alg",
	chkSignature:   "signature",
	chkExp:         "exp",
	chkNbf:         "nbf",
	chkIat:         "iat",
	chkMaxAge:      "max age",
	chkStrict:      "RFC 9068 profile",
	chkAudience:    "audience",
	chkUnknown:     "verify",
}

// status is the outcome of one check.
type status int

const (
	passed     status = iota
	failed            // the check refused the token
	skipped           // turned off by a flag
	notReached        // the verifier stopped before it
)

// checkLine is one line of the Checks section.
type checkLine struct {
	name   string
	status status
	detail string
}

// diagnosis is everything the report says about one token.
type diagnosis struct {
	inputErr error      // the request carried no usable token
	scheme   string     // the scheme word of an input without credentials
	info     *tokenInfo // nil when inputErr is set
	err      error      // Verify's error, or a scope guard's
	claims   *verifier.Claims
	signedBy *jwks.Key // the key whose signature check passed, if known
	checks   []checkLine
	failed   string // name of the failed check, if any
	resp     *httpauth.Response
}

func (d *diagnosis) passed() bool { return d.inputErr == nil && d.err == nil }

// diagnose verifies input as the middleware would, and explains the outcome.
func diagnose(ctx context.Context, s *setup, input string) *diagnosis {
	d := &diagnosis{}
	token, err := extractToken(s.auth, s.opts.schemes[0], input)
	if err != nil {
		d.inputErr = err
		d.scheme = schemeOf(input)
		resp := s.auth.ResponseFor(err)
		d.resp = &resp
		return d
	}
	d.info = decodeToken(token)
	d.claims, d.err = s.v.Verify(ctx, token)

	at, why := locate(d.err, d.info, s)
	if d.err == nil {
		for i, r := range s.required {
			if err := r.req.Check(d.claims.Scopes()); err != nil {
				d.err, at = err, chkScopes+checkID(i)
				why = fmt.Sprintf("%s (token has %s)", strings.TrimPrefix(err.Error(), "scopes: "), scopeList(d.claims.Scopes()))
				break
			}
		}
	}
	if d.err == nil || at > chkSignature {
		d.signedBy = signer(s.keys, token)
	}

	for _, id := range s.checkList() {
		line := checkLine{name: s.checkName(id)}
		switch {
		case d.err != nil && id == at:
			line.status, line.detail = failed, why
			d.failed = line.name
		case d.err != nil && id > at:
			line.status, line.detail = notReached, "not checked"
		case at == chkUnknown && d.err != nil:
			line.status, line.detail = notReached, "outcome unknown"
		default:
			line.status, line.detail = s.passDetail(id, d)
		}
		d.checks = append(d.checks, line)
	}
	if at == chkUnknown && d.err != nil {
		d.checks = append(d.checks, checkLine{name: checkNames[chkUnknown], status: failed, detail: why})
		d.failed = checkNames[chkUnknown]
	}
	if d.err != nil {
		resp := s.auth.ResponseFor(d.err)
		d.resp = &resp
	}
	return d
}

// checkList returns the checks the verifier runs with these settings, in
// its order: max age, the RFC 9068 profile and scopes only when asked for.
func (s *setup) checkList() []checkID {
	var ids []checkID
	for id := chkSize; id <= chkAudience; id++ {
		if id == chkMaxAge && s.opts.maxAge == 0 || id == chkStrict && !s.opts.strict {
			continue
		}
		ids = append(ids, id)
	}
	for i := range s.required {
		ids = append(ids, chkScopes+checkID(i))
	}
	return ids
}

func (s *setup) checkName(id checkID) string {
	if id >= chkScopes {
		r := s.required[id-chkScopes]
		if r.req.IsAnyOf() {
			return "scopes, any of"
		}
		return "scopes, all of"
	}
	return checkNames[id]
}

// locate returns the check whose failure err reports, and why it failed in
// the verifier's words. The reason sentinel names the check; where several
// checks share one reason, the decoded token and the settings tell them
// apart, as the verifier's order does. err == nil gives chkUnknown and "".
func locate(err error, t *tokenInfo, s *setup) (checkID, string) {
	if err == nil {
		return chkUnknown, ""
	}
	why := strings.TrimPrefix(err.Error(), "verifier: ")
	var e *verifier.Error
	if !errors.As(err, &e) {
		if errors.Is(err, verifier.ErrKeysUnavailable) {
			return chkKeyFound, why
		}
		return chkUnknown, why
	}
	cause := ""
	if e.Err != nil {
		cause = e.Err.Error()
	}
	now, leeway := s.now, s.opts.leeway
	switch e.Reason {
	case verifier.ErrMalformed:
		return malformedCheck(t, cause), why
	case verifier.ErrAlgorithm:
		switch {
		case strings.EqualFold(t.alg, "none"):
			return chkAlgNone, why
		case !slices.Contains(s.algs, t.alg):
			return chkAlgAllowed, why + fmt.Sprintf(" (allowed: %s)", strings.Join(s.algs, ", "))
		}
		return chkKeySuits, why + candidates(s.keys.keys)
	case verifier.ErrUnsupportedHeader:
		return chkCrit, why
	case verifier.ErrIssuer:
		return chkIssuer, why + fmt.Sprintf(" (trusted: %s)", quoteList(s.opts.issuers))
	case verifier.ErrUnknownKey:
		q := s.keys.query
		if q.KeyID == "" {
			return chkKeyFound, why + fmt.Sprintf(" (no kid, and no key supports %s)", q.Algorithm)
		}
		return chkKeyFound, why + fmt.Sprintf(" (kid %q)", q.KeyID)
	case verifier.ErrSignature:
		return chkSignature, why + strings.Replace(candidates(s.keys.keys), "candidates", "tried", 1)
	case verifier.ErrMissingClaim:
		// The time checks run before the profile: exp is required first,
		// then iat when a maximum age is set.
		switch {
		case !t.exp.present:
			return chkExp, why
		case s.opts.maxAge > 0 && !t.iat.present:
			return chkMaxAge, why
		}
		return chkStrict, why
	case verifier.ErrExpired:
		if !now.Before(t.exp.t.Add(leeway)) {
			return chkExp, why
		}
		return chkMaxAge, why
	case verifier.ErrNotYetValid:
		if t.nbf.valid && now.Add(leeway).Before(t.nbf.t) {
			return chkNbf, why
		}
		return chkIat, why
	case verifier.ErrTokenType:
		return chkStrict, why
	case verifier.ErrAudience:
		return chkAudience, why + fmt.Sprintf(" (accepted: %s)", quoteList(s.opts.audiences))
	}
	return chkUnknown, why
}

// malformedCheck tells apart the checks that reject a malformed token: the
// verifier's cause names the part it could not read; otherwise the decoded
// token shows which check of the verifier's order failed first.
func malformedCheck(t *tokenInfo, cause string) checkID {
	switch {
	case t.size > verifier.DefaultMaxTokenSize:
		return chkSize
	case strings.HasPrefix(cause, "header: "):
		return chkHeader
	case strings.HasPrefix(cause, "payload: "), strings.HasPrefix(cause, "claims: "):
		return chkClaims
	case strings.HasPrefix(cause, "signature: "):
		return chkSigEncoding
	case t.compactErr != "":
		return chkCompact
	case t.headerErr != "" || !t.hasAlg:
		return chkHeader
	case t.sigErr != "":
		return chkSigEncoding
	}
	return chkClaims
}

// passDetail says what a check that passed (or was turned off) found.
func (s *setup) passDetail(id checkID, d *diagnosis) (status, string) {
	t, o := d.info, s.opts
	switch id {
	case chkSize:
		return passed, fmt.Sprintf("%d bytes, limit %d", t.size, verifier.DefaultMaxTokenSize)
	case chkCompact:
		return passed, "three base64url parts"
	case chkHeader:
		return passed, fmt.Sprintf("JSON object with %d %s", len(t.header), plural(len(t.header), "member", "members"))
	case chkAlgNone:
		return passed, fmt.Sprintf("alg %q", t.alg)
	case chkCrit:
		return passed, `no "crit", payload encoded`
	case chkSigEncoding:
		return passed, fmt.Sprintf("%d bytes", t.sigLen)
	case chkAlgAllowed:
		if len(o.algs) == 0 {
			return passed, fmt.Sprintf("%s (allowed: all supported)", t.alg)
		}
		return passed, fmt.Sprintf("%s (allowed: %s)", t.alg, strings.Join(s.algs, ", "))
	case chkClaims:
		return passed, fmt.Sprintf("JSON object with %d %s", len(t.claims), plural(len(t.claims), "member", "members"))
	case chkIssuer:
		if o.skipIss {
			return skipped, "skipped (-skip-issuer-check)"
		}
		return passed, fmt.Sprintf("%q is trusted", s.keys.query.Issuer)
	case chkKeyFound:
		q := s.keys.query
		if q.KeyID == "" {
			return passed, fmt.Sprintf("no kid; %d %s for %s: %s", len(s.keys.keys), plural(len(s.keys.keys), "key", "keys"), q.Algorithm, describeKeys(s.keys.keys))
		}
		return passed, fmt.Sprintf("kid %q: %s", q.KeyID, describeKeys(s.keys.keys))
	case chkKeySuits:
		var ok []*jwks.Key
		for _, k := range s.keys.keys {
			if k.Supports(s.keys.query.Algorithm) {
				ok = append(ok, k)
			}
		}
		names := make([]string, len(ok))
		for i, k := range ok {
			names[i] = keyName(k)
		}
		return passed, fmt.Sprintf("%s may verify %s", strings.Join(names, "; "), s.keys.query.Algorithm)
	case chkSignature:
		if d.signedBy == nil {
			return passed, "verified"
		}
		return passed, "verified with " + keyName(d.signedBy)
	case chkExp:
		return passed, fmt.Sprintf("%s, %s (leeway %v)", formatTime(t.exp.t), relative(t.exp.t, s.now), o.leeway)
	case chkNbf:
		return passed, timeDetail(t.nbf, s)
	case chkIat:
		return passed, timeDetail(t.iat, s)
	case chkMaxAge:
		return passed, fmt.Sprintf("issued %s, limit %v (leeway %v)", relative(t.iat.t, s.now), o.maxAge, o.leeway)
	case chkStrict:
		return passed, fmt.Sprintf("typ %q; sub, client_id, iat and jti present", t.typ)
	case chkAudience:
		if o.skipAud {
			return skipped, "skipped (-skip-audience-check)"
		}
		for _, aud := range d.claims.Audience() {
			if slices.Contains(o.audiences, aud) {
				return passed, fmt.Sprintf("%q is accepted", aud)
			}
		}
		return passed, "accepted"
	}
	if id >= chkScopes && d.claims != nil {
		r := s.required[id-chkScopes].req
		return passed, fmt.Sprintf("token has %s; required: %s", scopeList(d.claims.Scopes()), r)
	}
	return passed, ""
}

// signer returns the key, among those the verifier was offered, that
// verifies token's signature, or nil. It only names the key in the report:
// whether the signature is valid is the verifier's answer.
func signer(r *recorder, token string) *jwks.Key {
	dot := strings.LastIndexByte(token, '.')
	if dot < 0 {
		return nil
	}
	sig, err := b64.DecodeString(token[dot+1:])
	if err != nil {
		return nil
	}
	for _, k := range r.keys {
		if k.Supports(r.query.Algorithm) && k.Verify(r.query.Algorithm, []byte(token[:dot]), sig) == nil {
			return k
		}
	}
	return nil
}

func timeDetail(c timeClaim, s *setup) string {
	if !c.present {
		return "absent"
	}
	return fmt.Sprintf("%s, %s", formatTime(c.t), relative(c.t, s.now))
}

func describeKeys(keys []*jwks.Key) string {
	var descs []string
	for _, k := range keys {
		descs = append(descs, describeKey(k))
	}
	if len(descs) == 0 {
		return "none"
	}
	return strings.Join(descs, "; ")
}

// candidates lists the keys the source offered, for a failure message.
func candidates(keys []*jwks.Key) string {
	if len(keys) == 0 {
		return ""
	}
	return fmt.Sprintf(" (candidates: %s)", describeKeys(keys))
}

func quoteList(values []string) string {
	if len(values) == 0 {
		return "none"
	}
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

func scopeList(set scopes.Set) string {
	if set.Len() == 0 {
		return "no scopes"
	}
	return set.String()
}
