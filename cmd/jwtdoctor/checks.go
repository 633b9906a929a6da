package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// The Checks section lists the checks of verifier.Checks, in that order and
// under their verifier.Check names, then the doctor's own lines for the
// scope guards. The check that refused a token is the one the verifier
// names in verifier.Error.Check: the doctor never works it out itself.

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
	// detail says what the check found; a failure may add lines of
	// explanation after a newline.
	detail string
}

// verifyLine names the line of a failure that no verifier check accounts
// for.
const verifyLine = "verify"

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
	resp     *bearer.Response
}

func (d *diagnosis) passed() bool { return d.inputErr == nil && d.err == nil }

// bindingLine names the check line of a token's cnf binding.
const bindingLine = "cnf binding"

// clipped returns s, shortened for a line of the report.
func clipped(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// diagnose verifies input as the middleware would, and explains the outcome.
func diagnose(ctx context.Context, s *setup, input string) *diagnosis {
	d := &diagnosis{}
	token, err := extractToken(s.auth, s.opts.schemes[0], input)
	if err != nil {
		d.inputErr = err
		d.scheme = schemeOf(input)
		resp := s.auth.Response(err)
		d.resp = &resp
		return d
	}
	d.info = decodeToken(token)
	d.claims, d.err = s.v.Verify(ctx, token)
	verified := d.err == nil
	refusedBy, known := failedCheck(d.err)
	checks := s.checkList(refusedBy)
	fail := slices.Index(checks, refusedBy) // -1 unless known

	// What the token's cnf claim binds it to (RFC 9449, RFC 8705): the
	// middleware checks it after the verifier, before the scopes. The
	// doctor sees a token presented as a bearer token, which a DPoP-bound
	// token must not be; a certificate binding depends on the connection,
	// which the doctor does not see.
	var binding *checkLine
	bindFailed := false
	if verified {
		switch {
		case d.claims.KeyThumbprint() != "":
			d.err = &bearer.BindingError{Description: "DPoP-bound token presented as a bearer token"}
			bindFailed = true
			binding = &checkLine{name: bindingLine, status: failed,
				detail: "the token is bound to a DPoP key (cnf.jkt " + clipped(d.claims.KeyThumbprint()) + "): send it as \"Authorization: DPoP <token>\" with a DPoP proof signed by that key, to a server that accepts DPoP"}
		case d.claims.CertificateThumbprint() != "":
			binding = &checkLine{name: bindingLine, status: notReached,
				detail: "the token is bound to a client certificate (cnf x5t#S256 " + clipped(d.claims.CertificateThumbprint()) + "): the middleware accepts it only over a TLS connection presenting that certificate"}
		}
	}

	scopeFailed, scopeWhy := -1, ""
	if verified && !bindFailed {
		for i, r := range s.required {
			if err := r.req.Check(d.claims.Scopes()); err != nil {
				d.err, scopeFailed = err, i
				scopeWhy = fmt.Sprintf("%s (token has %s)", strings.TrimPrefix(err.Error(), "scopes: "), scopeList(d.claims.Scopes()))
				break
			}
		}
	}
	// The signature passed if the verifier accepted the token or stopped
	// at a check after the signature's.
	if verified || known && fail > slices.Index(checks, verifier.CheckSignature) {
		d.signedBy = signer(s.keys, token)
	}

	for i, c := range checks {
		line := checkLine{name: c.String()}
		switch {
		case verified || known && i < fail:
			line.status, line.detail = s.passDetail(c, d)
		case !known:
			line.status, line.detail = notReached, "outcome unknown"
		case i == fail:
			line.status, line.detail = failed, s.failDetail(c, d.err)
		default:
			line.status, line.detail = notReached, "not checked"
		}
		d.checks = append(d.checks, line)
	}
	if binding != nil {
		d.checks = append(d.checks, *binding)
	}
	for i, r := range s.required {
		line := checkLine{name: scopeLineName(r)}
		switch {
		case !verified, bindFailed, scopeFailed >= 0 && i > scopeFailed:
			line.status, line.detail = notReached, "not checked"
		case i == scopeFailed:
			line.status, line.detail = failed, scopeWhy
		default:
			line.status, line.detail = passed, fmt.Sprintf("token has %s; required: %s", scopeList(d.claims.Scopes()), r.req)
		}
		d.checks = append(d.checks, line)
	}
	if !verified && !known {
		d.checks = append(d.checks, checkLine{name: verifyLine, status: failed, detail: strings.TrimPrefix(d.err.Error(), "verifier: ")})
	}
	for _, l := range d.checks {
		if l.status == failed {
			d.failed = l.name
		}
	}
	if d.err != nil {
		resp := s.auth.Response(d.err)
		d.resp = &resp
	}
	return d
}

// failedCheck returns the check of the verifier that refused a token with
// err, as the verifier names it in verifier.Error.Check, and whether it is
// one of verifier.Checks. Keys that cannot be obtained stop the verifier
// at CheckKeyFound. A nil err, or one the verifier does not place, gives
// zero.
func failedCheck(err error) (verifier.Check, bool) {
	var e *verifier.Error
	switch {
	case err == nil:
		return 0, false
	case errors.As(err, &e):
		return e.Check, slices.Contains(verifier.Checks(), e.Check)
	case errors.Is(err, verifier.ErrKeysUnavailable):
		return verifier.CheckKeyFound, true
	}
	return 0, false
}

// checkList returns the checks the verifier runs with these settings, in
// the order of verifier.Checks: the maximum age and the RFC 9068 profile
// only when asked for. refusedBy, the check that refused the token, is
// listed whatever the settings.
func (s *setup) checkList(refusedBy verifier.Check) []verifier.Check {
	return slices.DeleteFunc(verifier.Checks(), func(c verifier.Check) bool {
		return c != refusedBy && !s.runs(c)
	})
}

// runs reports whether the verifier runs check c with these settings.
func (s *setup) runs(c verifier.Check) bool {
	switch c {
	case verifier.CheckMaxAge:
		return s.opts.maxAge > 0
	case verifier.CheckProfile:
		return s.opts.strict
	}
	return true
}

func scopeLineName(r requirement) string {
	if r.req.IsAnyOf() {
		return "scopes, any of"
	}
	return "scopes, all of"
}

// nameWidth is the width of the name column of the Checks section: the
// longest name a line may have, and a space.
func (s *setup) nameWidth() int {
	width := len(verifyLine)
	for _, c := range verifier.Checks() {
		width = max(width, len(c.String()))
	}
	for _, r := range s.required {
		width = max(width, len(scopeLineName(r)))
	}
	return width + 1
}

// failDetail says why check c refused the token: the verifier's words,
// and what the settings and the key source add to them.
func (s *setup) failDetail(c verifier.Check, err error) string {
	why := strings.TrimPrefix(err.Error(), "verifier: ")
	q, keys := s.keys.query, s.keys.keys
	switch c {
	case verifier.CheckAlgorithm:
		return why + fmt.Sprintf(" (allowed: %s)", strings.Join(s.algs, ", "))
	case verifier.CheckIssuer:
		return why + fmt.Sprintf(" (trusted: %s)", quoteList(s.opts.issuers))
	case verifier.CheckKeyFound:
		switch {
		case errors.Is(err, verifier.ErrKeysUnavailable):
			return why
		case s.keys.err != nil && q.KeyID == "":
			return why + fmt.Sprintf(" (no kid, and no key supports %s)", q.Algorithm)
		case s.keys.err != nil:
			return why + fmt.Sprintf(" (kid %q)", q.KeyID)
		}
		return why + severalKeys(q, suitable(keys, q.Algorithm))
	case verifier.CheckKeyAlgorithm:
		return why + candidates(keys)
	case verifier.CheckSignature:
		if ks := suitable(keys, q.Algorithm); len(ks) == 1 {
			return why + fmt.Sprintf(" (checked with %s)", keyName(ks[0]))
		}
	case verifier.CheckAudience:
		return why + fmt.Sprintf(" (accepted: %s)", quoteList(s.opts.audiences))
	}
	return why
}

// severalKeys explains a key lookup refused because several keys suit the
// token's algorithm: the verifier checks a token's signature with one key
// only, so the token or the keys must say which.
func severalKeys(q jwks.Query, keys []*jwks.Key) string {
	if len(keys) < 2 {
		return ""
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = keyName(k)
	}
	fix := "give the token a kid, or the keys distinct algs"
	if q.KeyID != "" {
		fix = "give each key its own kid, or the keys distinct algs"
	}
	return fmt.Sprintf("\nkeys that suit %s: %s\na token's signature is checked with one key only: %s",
		q.Algorithm, strings.Join(names, "; "), fix)
}

// passDetail says what check c found when it passed (or was turned off).
func (s *setup) passDetail(c verifier.Check, d *diagnosis) (status, string) {
	t, o := d.info, s.opts
	switch c {
	case verifier.CheckSize:
		return passed, fmt.Sprintf("%d bytes, limit %d", t.size, verifier.DefaultMaxTokenSize)
	case verifier.CheckCompact:
		return passed, "three base64url parts"
	case verifier.CheckHeader:
		return passed, fmt.Sprintf("JSON object with %d %s", len(t.header), plural(len(t.header), "member", "members"))
	case verifier.CheckAlgNone:
		return passed, fmt.Sprintf(`alg %q is not "none"`, t.alg)
	case verifier.CheckCritical:
		return passed, `no "crit", payload encoded`
	case verifier.CheckSignatureEncoding:
		return passed, fmt.Sprintf("%d bytes", t.sigLen)
	case verifier.CheckAlgorithm:
		if len(o.algs) == 0 {
			return passed, fmt.Sprintf("%s (allowed: all supported)", t.alg)
		}
		return passed, fmt.Sprintf("%s (allowed: %s)", t.alg, strings.Join(s.algs, ", "))
	case verifier.CheckClaims:
		return passed, fmt.Sprintf("JSON object with %d %s", len(t.claims), plural(len(t.claims), "member", "members"))
	case verifier.CheckIssuer:
		if o.skipIss {
			return skipped, "skipped (-skip-issuer-check)"
		}
		return passed, fmt.Sprintf("%q is trusted", s.keys.query.Issuer)
	case verifier.CheckKeyFound:
		q := s.keys.query
		if q.KeyID == "" {
			return passed, fmt.Sprintf("no kid; %d %s for %s: %s", len(s.keys.keys), plural(len(s.keys.keys), "key", "keys"), q.Algorithm, describeKeys(s.keys.keys))
		}
		return passed, fmt.Sprintf("kid %q: %s", q.KeyID, describeKeys(s.keys.keys))
	case verifier.CheckKeyAlgorithm:
		ok := suitable(s.keys.keys, s.keys.query.Algorithm)
		names := make([]string, len(ok))
		for i, k := range ok {
			names[i] = keyName(k)
		}
		return passed, fmt.Sprintf("%s may verify %s", strings.Join(names, "; "), s.keys.query.Algorithm)
	case verifier.CheckSignature:
		if d.signedBy == nil {
			return passed, "verified"
		}
		return passed, "verified with " + keyName(d.signedBy)
	case verifier.CheckExpiry:
		return passed, fmt.Sprintf("%s, %s (leeway %v)", formatTime(t.exp.t), relative(t.exp.t, s.now), o.leeway)
	case verifier.CheckNotBefore:
		return passed, timeDetail(t.nbf, s)
	case verifier.CheckIssuedAt:
		return passed, timeDetail(t.iat, s)
	case verifier.CheckMaxAge:
		return passed, fmt.Sprintf("issued %s, limit %v (leeway %v)", relative(t.iat.t, s.now), o.maxAge, o.leeway)
	case verifier.CheckProfile:
		return passed, fmt.Sprintf("typ %q; sub, client_id, iat and jti present", t.typ)
	case verifier.CheckAudience:
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
	return passed, ""
}

// suitable returns the keys that may verify alg.
func suitable(keys []*jwks.Key, alg string) []*jwks.Key {
	var ok []*jwks.Key
	for _, k := range keys {
		if k.Supports(alg) {
			ok = append(ok, k)
		}
	}
	return ok
}

// signer returns the key the verifier checked token's signature with, if
// that check passed: as in the verifier, the one candidate key that suits
// the token's algorithm. With none or several it returns nil, and it never
// tries more than one key. It only names the key in the report: whether
// the signature is valid is the verifier's answer.
func signer(r *recorder, token string) *jwks.Key {
	ks := suitable(r.keys, r.query.Algorithm)
	if len(ks) != 1 {
		return nil
	}
	dot := strings.LastIndexByte(token, '.')
	if dot < 0 {
		return nil
	}
	sig, err := b64.DecodeString(token[dot+1:])
	if err != nil || ks[0].Verify(r.query.Algorithm, []byte(token[:dot]), sig) != nil {
		return nil
	}
	return ks[0]
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
