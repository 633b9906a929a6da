// Command vulncheck judges govulncheck's JSON output against the table of
// known vulnerabilities without a fix in SECURITY.md:
//
//	govulncheck -format json ./... > root.json
//	go run ./.ci/vulncheck -security SECURITY.md root=root.json bench=bench.json
//
// Each argument is a govulncheck JSON stream (the output of one module),
// optionally labelled "label=file". A finding counts when our code reaches
// the vulnerable code: govulncheck's symbol-level findings, whose trace
// starts at a vulnerable function. vulncheck prints every finding with its
// ID, module, version and fixed version, and fails if
//
//   - a reached vulnerability is not in SECURITY.md's table of known
//     vulnerabilities (section "Known vulnerabilities in dependencies"),
//   - a reached vulnerability in that table has a fix (upgrade, then drop
//     the row), or is listed under another module,
//   - an ID in that table is reached in none of the streams, so the table
//     cannot rot (drop the row once the dependency is fixed or gone), or
//   - a stream is not a complete symbol-level govulncheck scan.
//
// Findings our code does not reach (only imported or required) are printed
// for information and do not fail the check.
//
// The exit status is 1 if the check fails, 2 on bad usage or unreadable
// input.
package main

import (
	"bufio"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"encoding/json/jsontext"
	"encoding/json/v2"
)

// securitySection is the heading of SECURITY.md's section whose table lists
// the vulnerabilities we accept because they have no fix.
const securitySection = "## Known vulnerabilities in dependencies"

func main() {
	security := flag.String("security", "SECURITY.md", "markdown file with the table of known vulnerabilities without a fix")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: vulncheck [-security SECURITY.md] [label=]govulncheck.json ...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	allowed, err := readAllowedFile(*security)
	if err != nil {
		fmt.Fprintf(os.Stderr, "vulncheck: %v\n", err)
		os.Exit(2)
	}
	var scans []*scan
	for _, arg := range flag.Args() {
		label, file, ok := strings.Cut(arg, "=")
		if !ok {
			label, file = arg, arg
		}
		s, err := readScanFile(label, file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "vulncheck: %v\n", err)
			os.Exit(2)
		}
		scans = append(scans, s)
	}
	problems := judge(os.Stdout, allowed, scans)
	if len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "\nvulncheck: %d problem(s):\n", len(problems))
		for _, p := range problems {
			fmt.Fprintf(os.Stderr, "\t%s\n", p)
		}
		os.Exit(1)
	}
	fmt.Fprintf(os.Stdout, "\nvulncheck: every reached vulnerability is listed in %s without a fix, and every listed one is reached\n", *security)
}

// allowedVuln is a row of SECURITY.md's table: a vulnerability reached
// through a dependency that has no fix.
type allowedVuln struct {
	ID     string
	Module string
	Line   int // line in SECURITY.md, for messages
}

var (
	vulnID    = regexp.MustCompile(`\bGO-[0-9]{4}-[0-9]{4,}\b`)
	separator = regexp.MustCompile(`^\|?(\s*:?-+:?\s*\|)+\s*:?-*:?\s*$`)
)

func readAllowedFile(name string) (map[string]allowedVuln, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	allowed, err := readAllowed(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return allowed, nil
}

// readAllowed reads the table of the section securitySection of a markdown
// document: rows after the table's separator row, whose first cell holds a
// Go vulnerability ID (GO-YYYY-NNNN, plain, in backticks or as a link) and
// whose second cell holds the module path. A section without a table
// allows nothing; a row without an ID is an error, so that no row is
// silently skipped.
func readAllowed(r io.Reader) (map[string]allowedVuln, error) {
	allowed := map[string]allowedVuln{}
	sc := bufio.NewScanner(r)
	in, seen, body := false, false, false
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			if in && strings.HasPrefix(line, "## ") {
				in = false
			}
			if line == securitySection {
				if seen {
					return nil, fmt.Errorf("line %d: second section %q", n, securitySection)
				}
				in, seen = true, true
			}
			continue
		}
		if !in {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			body = false // a table ends at the first line that is not a row
			continue
		}
		if separator.MatchString(line) {
			body = true
			continue
		}
		if !body {
			continue // header row
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		id := vulnID.FindString(cells[0])
		if id == "" {
			return nil, fmt.Errorf("line %d: table row without a vulnerability ID (GO-YYYY-NNNN) in its first cell: %s", n, line)
		}
		if prev, ok := allowed[id]; ok {
			return nil, fmt.Errorf("line %d: %s is already listed on line %d", n, id, prev.Line)
		}
		var module string
		if len(cells) > 1 {
			module = strings.Trim(strings.TrimSpace(cells[1]), "`")
		}
		if module == "" {
			return nil, fmt.Errorf("line %d: %s has no module in the second cell", n, id)
		}
		allowed[id] = allowedVuln{ID: id, Module: module, Line: n}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !seen {
		return nil, fmt.Errorf("no section %q", securitySection)
	}
	return allowed, nil
}

// The subset of govulncheck's JSON protocol (v1.0.0,
// golang.org/x/vuln/internal/govulncheck) that vulncheck reads. Each value
// in the stream is a message with exactly one field set.
type message struct {
	Config  *config  `json:"config,omitempty"`
	OSV     *osv     `json:"osv,omitempty"`
	Finding *finding `json:"finding,omitempty"`
}

type config struct {
	ProtocolVersion string `json:"protocol_version"`
	ScannerName     string `json:"scanner_name"`
	ScannerVersion  string `json:"scanner_version"`
	DB              string `json:"db"`
	GoVersion       string `json:"go_version"`
	ScanLevel       string `json:"scan_level"`
	ScanMode        string `json:"scan_mode"`
}

type osv struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
}

type finding struct {
	OSV          string   `json:"osv"`
	FixedVersion string   `json:"fixed_version"`
	Trace        []*frame `json:"trace"`
}

type frame struct {
	Module   string    `json:"module"`
	Version  string    `json:"version"`
	Package  string    `json:"package"`
	Function string    `json:"function"`
	Receiver string    `json:"receiver"`
	Position *position `json:"position"`
}

type position struct {
	Filename string `json:"filename"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
}

// vuln is what one scan says about one vulnerability.
type vuln struct {
	ID      string
	Summary string
	Module  string
	Version string
	Fixed   string // "" if there is no fix
	Reached bool   // a symbol-level finding: our code calls the vulnerable code
	Example string // for a reached one: where our code reaches it
	depth   int    // the length of Example's trace
}

// scan is one govulncheck run (one module).
type scan struct {
	Label  string
	Config config
	Vulns  []*vuln // sorted by ID
}

func readScanFile(label, name string) (*scan, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := readScan(label, f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

// readScan reads a govulncheck JSON stream. It requires the config message
// of a symbol-level source scan; without it, the absence of symbol-level
// findings would mean nothing.
func readScan(label string, r io.Reader) (*scan, error) {
	s := &scan{Label: label}
	var haveConfig bool
	summaries := map[string]string{}
	byID := map[string]*vuln{}
	dec := jsontext.NewDecoder(r)
	for {
		var m message
		err := json.UnmarshalDecode(dec, &m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading govulncheck JSON: %w", err)
		}
		switch {
		case m.Config != nil:
			if haveConfig {
				return nil, errors.New("two config messages: not one govulncheck run")
			}
			haveConfig = true
			s.Config = *m.Config
		case m.OSV != nil:
			summaries[m.OSV.ID] = m.OSV.Summary
		case m.Finding != nil:
			if err := s.add(byID, m.Finding); err != nil {
				return nil, err
			}
		}
	}
	if !haveConfig {
		return nil, errors.New("no config message: not govulncheck JSON output (-format json)")
	}
	if major, _, _ := strings.Cut(s.Config.ProtocolVersion, "."); major != "v1" {
		return nil, fmt.Errorf("govulncheck JSON protocol %q, want v1.x", s.Config.ProtocolVersion)
	}
	if s.Config.ScanLevel != "symbol" || s.Config.ScanMode != "source" {
		return nil, fmt.Errorf("scan level %q, mode %q; want a symbol-level source scan (the default)", s.Config.ScanLevel, s.Config.ScanMode)
	}
	for id, v := range byID {
		v.Summary = summaries[id]
		s.Vulns = append(s.Vulns, v)
	}
	slices.SortFunc(s.Vulns, func(a, b *vuln) int { return cmp.Compare(a.ID, b.ID) })
	return s, nil
}

// add merges a finding into byID. govulncheck reports a vulnerability at
// module level, at package level and once per reached symbol (its trace
// starts at a function), in no promised order.
func (s *scan) add(byID map[string]*vuln, f *finding) error {
	if f.OSV == "" || len(f.Trace) == 0 || f.Trace[0] == nil {
		return fmt.Errorf("finding without an ID or a trace: %+v", f)
	}
	top := f.Trace[0]
	v := byID[f.OSV]
	if v == nil {
		v = &vuln{ID: f.OSV, Module: top.Module, Version: top.Version, Fixed: f.FixedVersion}
		byID[f.OSV] = v
	}
	if top.Function == "" {
		return nil
	}
	// Keep the shortest trace (then the first in sort order) as the
	// example, so that the output does not depend on the stream's order.
	ex := describeTrace(f.Trace)
	if !v.Reached || len(f.Trace) < v.depth || len(f.Trace) == v.depth && ex < v.Example {
		v.Reached, v.Example, v.depth = true, ex, len(f.Trace)
	}
	return nil
}

// describeTrace says where our code (the trace's last frame, the entry
// point) reaches the vulnerable symbol (the first frame).
func describeTrace(trace []*frame) string {
	sym, entry := trace[0], trace[len(trace)-1]
	var b strings.Builder
	if p := entry.Position; p != nil && p.Line > 0 {
		fmt.Fprintf(&b, "%s:%d:%d: ", p.Filename, p.Line, p.Column)
	}
	if entry != sym {
		fmt.Fprintf(&b, "%s calls ", symbol(entry))
		if len(trace) > 2 {
			b.WriteString("(through other functions) ")
		}
	}
	b.WriteString(symbol(sym))
	return b.String()
}

func symbol(f *frame) string {
	name := f.Function
	if f.Receiver != "" {
		name = strings.TrimPrefix(f.Receiver, "*") + "." + name
	}
	return f.Package + "." + name
}

// judge prints every finding of every scan to w and returns the problems.
func judge(w io.Writer, allowed map[string]allowedVuln, scans []*scan) []string {
	var problems []string
	reachedSomewhere := map[string]bool{}
	for _, s := range scans {
		c := s.Config
		fmt.Fprintf(w, "\n== %s: %s %s, %s, db %s, %s scan\n", s.Label, c.ScannerName, c.ScannerVersion, c.GoVersion, c.DB, c.ScanLevel)
		var reached, other int
		for _, v := range s.Vulns {
			if !v.Reached {
				other++
				continue
			}
			reached++
			reachedSomewhere[v.ID] = true
			a, listed := allowed[v.ID]
			var verdict string
			switch {
			case !listed && v.Fixed != "":
				verdict = "FAIL: has a fix; upgrade"
				problems = append(problems, fmt.Sprintf("%s: %s reached in %s@%s, fixed in %s: upgrade the dependency", s.Label, v.ID, v.Module, v.Version, v.Fixed))
			case !listed:
				verdict = "FAIL: no fix, not in SECURITY.md"
				problems = append(problems, fmt.Sprintf("%s: %s reached in %s@%s has no fix: add it to the table of section %q of SECURITY.md (what is affected, what users should do)", s.Label, v.ID, v.Module, v.Version, securitySection))
			case v.Fixed != "":
				verdict = "FAIL: listed, but has a fix now; upgrade"
				problems = append(problems, fmt.Sprintf("%s: %s is listed in SECURITY.md (line %d) but %s@%s has a fix in %s: upgrade, then drop the row", s.Label, v.ID, a.Line, v.Module, v.Version, v.Fixed))
			case a.Module != v.Module:
				verdict = "FAIL: listed under another module"
				problems = append(problems, fmt.Sprintf("%s: %s is listed in SECURITY.md (line %d) under module %s, but govulncheck reports it in %s", s.Label, v.ID, a.Line, a.Module, v.Module))
			default:
				verdict = fmt.Sprintf("allowed: no fix, listed in SECURITY.md line %d", a.Line)
			}
			fmt.Fprintf(w, "%s  %s@%s  fixed: %s  reached  %s\n", v.ID, v.Module, v.Version, cmp.Or(v.Fixed, "none"), verdict)
			if v.Summary != "" {
				fmt.Fprintf(w, "    %s\n", v.Summary)
			}
			fmt.Fprintf(w, "    e.g. %s\n", v.Example)
		}
		if other > 0 {
			fmt.Fprintf(w, "not reached (imported or required only; not failing):\n")
			for _, v := range s.Vulns {
				if !v.Reached {
					fmt.Fprintf(w, "%s  %s@%s  fixed: %s\n", v.ID, v.Module, v.Version, cmp.Or(v.Fixed, "none"))
				}
			}
		}
		fmt.Fprintf(w, "%s: %d vulnerabilities reached, %d more not reached\n", s.Label, reached, other)
	}
	var ids []string
	for id := range allowed {
		if !reachedSomewhere[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		problems = append(problems, fmt.Sprintf("%s is listed in SECURITY.md (line %d) but no scan reaches it any more: drop the row", id, allowed[id].Line))
	}
	return problems
}
