package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/jwtgate/jwtgate/bearer"
)

// write prints the report: the settings, the decoded token, the checks and
// the HTTP answer. It prints nothing of the token but decoded values and
// sizes.
func (d *diagnosis) write(w io.Writer, s *setup) {
	p := &printer{w: w}
	s.writeSettings(p)
	p.blank()
	d.writeToken(p, s)
	p.blank()
	d.writeChecks(p, s.nameWidth())
	p.blank()
	d.writeResult(p)
}

// printer writes aligned "name  value" lines.
type printer struct{ w io.Writer }

func (p *printer) line(format string, args ...any) {
	fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *printer) blank() { fmt.Fprintln(p.w) }

// field prints a name and a value at an indent, the value aligned.
func (p *printer) field(indent int, name, value string) {
	pad := 16 - indent - len(name)
	if pad < 1 {
		pad = 1
	}
	p.line("%s%s%s%s", strings.Repeat(" ", indent), name, strings.Repeat(" ", pad), value)
}

func (s *setup) writeSettings(p *printer) {
	o := s.opts
	p.line("Settings")
	if o.skipIss {
		p.field(2, "issuers", "any (-skip-issuer-check)")
	} else {
		p.field(2, "issuers", quoteList(o.issuers))
	}
	if o.skipAud {
		p.field(2, "audiences", "any (-skip-audience-check)")
	} else {
		p.field(2, "audiences", quoteList(o.audiences))
	}
	if len(o.algs) == 0 {
		p.field(2, "algorithms", "all supported")
	} else {
		p.field(2, "algorithms", strings.Join(s.algs, ", "))
	}
	p.field(2, "leeway", o.leeway.String())
	if o.maxAge > 0 {
		p.field(2, "max age", o.maxAge.String())
	}
	if o.strict {
		p.field(2, "profile", "RFC 9068 access tokens (-strict)")
	}
	for _, r := range s.required {
		kind := "all of"
		if r.req.IsAnyOf() {
			kind = "any of"
		}
		p.field(2, "scopes", fmt.Sprintf("%s %q (%s)", kind, r.req.String(), r.flag))
	}
	answer := "scheme " + strings.Join(o.schemes, ", ")
	if o.realm != "" {
		answer += fmt.Sprintf(", realm %q", o.realm)
	}
	p.field(2, "http", answer)
	p.field(2, "now", formatTime(s.now))
	for i, l := range s.keyLines() {
		name := ""
		if i == 0 {
			name = "keys"
		}
		p.field(2, name, l)
	}
}

func (d *diagnosis) writeToken(p *printer, s *setup) {
	p.line("Token")
	if d.inputErr != nil {
		if errors.Is(d.inputErr, bearer.ErrNoCredentials) {
			p.line("  no token: the request's Authorization scheme %q is not accepted (accepted: %s; see -scheme)",
				d.scheme, strings.Join(s.opts.schemes, ", "))
		} else {
			p.line("  no token: %v", d.inputErr)
		}
		return
	}
	t := d.info
	p.field(2, "size", fmt.Sprintf("%d bytes, %d %s", t.size, t.parts, plural(t.parts, "part", "parts")))

	if t.headerErr != "" {
		p.field(2, "header", "cannot be decoded: "+t.headerErr)
	} else {
		p.line("  header")
		for _, m := range t.header {
			value := showValue(m.raw)
			switch m.name {
			case "jku", "x5u", "jwk", "x5c":
				value = "present, never used"
			}
			p.field(4, showName(m.name), value)
		}
	}

	if t.claimsErr != "" {
		p.field(2, "claims", "cannot be decoded: "+t.claimsErr)
	} else {
		p.line("  claims")
		for _, m := range t.claims {
			p.field(4, showName(m.name), claimValue(m, s))
		}
	}

	switch t.sigErr {
	case "":
		p.field(2, "signature", fmt.Sprintf("<%d bytes, not shown>", t.sigLen))
	case "not base64url":
		p.field(2, "signature", "<not base64url, not shown>")
	default:
		p.field(2, "signature", "<"+t.sigErr+">")
	}
}

// claimValue shows a claim; dates also in RFC 3339 and relative to now.
func claimValue(m member, s *setup) string {
	v := showValue(m.raw)
	switch m.name {
	case "exp", "nbf", "iat", "auth_time":
		c := readTime(m.raw)
		if !c.valid {
			return v + " (not a valid date)"
		}
		return fmt.Sprintf("%s = %s (%s)", v, formatTime(c.t), relative(c.t, s.now))
	}
	return v
}

// showName prints a member name, quoted if it holds anything but
// printable characters without spaces, and shortened if long.
func showName(name string) string {
	plain := len(name) <= 40 && name != "" && strings.IndexFunc(name, func(r rune) bool {
		return !unicode.IsPrint(r) || unicode.IsSpace(r) || r == '"'
	}) < 0
	if plain {
		return name
	}
	if len(name) > 40 {
		return strconv.Quote(clipUTF8(name, 40)) + "..."
	}
	return strconv.Quote(name)
}

// writeChecks prints one line per check, the names in a column width
// wide; the further lines of a detail are aligned under its first.
func (d *diagnosis) writeChecks(p *printer, width int) {
	p.line("Checks (in the verifier's order; it stops at the first failure)")
	if d.inputErr != nil {
		p.line("  none: no token reached the verifier")
		return
	}
	indent := strings.Repeat(" ", len("  [FAIL] ")+width)
	for _, c := range d.checks {
		mark := map[status]string{passed: "[ok]  ", failed: "[FAIL]", skipped: "[--]  ", notReached: "[--]  "}[c.status]
		first, more, _ := strings.Cut(c.detail, "\n")
		p.line("  %s %-*s%s", mark, width, c.name, first)
		for l := range strings.SplitSeq(more, "\n") {
			if l != "" {
				p.line("%s%s", indent, l)
			}
		}
	}
}

func (d *diagnosis) writeResult(p *printer) {
	p.line("Result")
	if d.resp == nil {
		p.line("  200 OK: the middleware passes the request on, with the claims in its context")
		c := d.claims
		p.line("  subject %q, client %q, scopes %q", c.Subject(), c.ClientID(), c.Scopes().String())
		return
	}
	r := d.resp
	why := ""
	switch {
	case d.failed != "":
		why = fmt.Sprintf(": refused at check %q", d.failed)
	case d.inputErr != nil:
		why = ": refused before verification"
	}
	p.line("  %d %s%s", r.Status, http.StatusText(r.Status), why)
	h := http.Header{}
	r.SetHeaders(h)
	for _, name := range []string{"WWW-Authenticate", "Retry-After"} {
		if v := h.Get(name); v != "" {
			p.line("  %s: %s", name, v)
		}
	}
	p.line("  Body: %s", bytes.TrimSuffix(r.Body, []byte("\n")))
}
