// Command table reads raw `go test -bench` output (the files run.sh writes
// to results/, which benchstat reads too) and prints, per benchmark group, a
// markdown table of medians for BENCHMARKS.md: ns/op, B/op, allocs/op, the
// ratio to the floor (the bare signature check) and what each row adds to
// it, and the ratio to the fastest peer library of the group.
//
//	go run ./cmd/table results/20260101-120000.txt
//
// Groups are BenchmarkX/<alg> for benchmarks with an algorithm level
// (Middleware, MiddlewareParallel), BenchmarkX otherwise (ScaleKeys,
// ScaleIssuers). A contender present in some groups of a benchmark but not
// in another is listed there as n/a. Groups whose rows report
// ns-above-floor (AboveFloor, AboveFloorDefault: one row per algorithm)
// get a table of those paired measurements instead, in µs.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

var (
	peersFlag = flag.String("peers", "keyfunc,echo-jwt,go-oidc,auth0,jwx-jws,jwx-jwt", "comma-separated contender names that are peer libraries")
	floorFlag = flag.String("floor", "floor", "name of the floor row")
)

type sample struct {
	ns, bytes, allocs []float64
	// metrics holds the values of other units, such as the AboveFloor
	// benchmarks' ns-above-floor, by unit.
	metrics map[string][]float64
}

type group struct {
	bench string // BenchmarkMiddleware
	name  string // BenchmarkMiddleware/RS256
	rows  []string
	data  map[string]*sample
}

var procSuffix = regexp.MustCompile(`-\d+$`)

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: table [-peers a,b] [-floor name] [file ...]  (stdin if no file)")
		flag.PrintDefaults()
	}
	flag.Parse()
	var in []io.Reader
	for _, name := range flag.Args() {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "table:", err)
			os.Exit(1)
		}
		defer f.Close()
		in = append(in, f)
	}
	if len(in) == 0 {
		in = append(in, os.Stdin)
	}
	groups, header, err := parse(io.MultiReader(in...))
	if err != nil {
		fmt.Fprintln(os.Stderr, "table:", err)
		os.Exit(1)
	}
	if len(groups) == 0 {
		fmt.Fprintln(os.Stderr, "table: no benchmark results in the input")
		os.Exit(1)
	}
	peers := strings.Split(*peersFlag, ",")
	write(os.Stdout, groups, header, peers, *floorFlag)
}

// parse reads benchmark lines into groups, in order of first appearance,
// and the goos/goarch/cpu header lines.
func parse(r io.Reader) ([]*group, []string, error) {
	var groups []*group
	byName := map[string]*group{}
	var header []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for _, key := range []string{"goos:", "goarch:", "cpu:"} {
			if strings.HasPrefix(line, key) && !slices.Contains(header, strings.TrimSpace(line)) {
				header = append(header, strings.TrimSpace(line))
			}
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 4 {
			continue
		}
		full := procSuffix.ReplaceAllString(fields[0], "")
		parts := strings.Split(full, "/")
		var gname, row string
		switch {
		case len(parts) >= 3:
			gname, row = parts[0]+"/"+parts[1], strings.Join(parts[2:], "/")
		case len(parts) == 2:
			gname, row = parts[0], parts[1]
		default:
			gname, row = parts[0], parts[0]
		}
		g := byName[gname]
		if g == nil {
			g = &group{bench: parts[0], name: gname, data: map[string]*sample{}}
			byName[gname] = g
			groups = append(groups, g)
		}
		s := g.data[row]
		if s == nil {
			s = &sample{}
			g.data[row] = s
			g.rows = append(g.rows, row)
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			switch fields[i+1] {
			case "ns/op":
				s.ns = append(s.ns, v)
			case "B/op":
				s.bytes = append(s.bytes, v)
			case "allocs/op":
				s.allocs = append(s.allocs, v)
			default:
				if s.metrics == nil {
					s.metrics = map[string][]float64{}
				}
				s.metrics[fields[i+1]] = append(s.metrics[fields[i+1]], v)
			}
		}
	}
	return groups, header, sc.Err()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	sort.Float64s(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func write(w io.Writer, groups []*group, header, peers []string, floor string) {
	// Rows every group of a benchmark should have, for n/a entries.
	expected := map[string][]string{}
	for _, g := range groups {
		for _, r := range g.rows {
			if !slices.Contains(expected[g.bench], r) {
				expected[g.bench] = append(expected[g.bench], r)
			}
		}
	}
	if len(header) > 0 {
		fmt.Fprintf(w, "<!-- %s -->\n\n", strings.Join(header, "; "))
	}
	for _, g := range groups {
		if isAboveFloor(g) {
			writeAboveFloor(w, g)
			continue
		}
		writeGroup(w, g, expected[g.bench], peers, floor)
	}
}

// The metrics of the AboveFloor benchmarks, which pair the floor and our
// adapter on the same token in every iteration.
const (
	aboveFloorMedian = "ns-above-floor"
	aboveFloorMean   = "mean-ns-above-floor"
	pairFloor        = "floor-ns"
	pairOurs         = "ours-ns"
)

// isAboveFloor reports whether g's rows report paired differences from the
// floor, whose ns/op (the pair and the clock reads) means nothing alone.
func isAboveFloor(g *group) bool {
	for _, r := range g.rows {
		if _, ok := g.data[r].metrics[aboveFloorMedian]; !ok {
			return false
		}
	}
	return len(g.rows) > 0
}

// writeAboveFloor prints an AboveFloor group, one row per algorithm: the
// medians over the runs of each run's medians of the floor and of our
// adapter, and of the median and mean of the paired differences, in µs,
// the differences with their range over the runs.
func writeAboveFloor(w io.Writer, g *group) {
	fmt.Fprintf(w, "### %s\n\n", strings.TrimPrefix(g.name, "Benchmark"))
	fmt.Fprintln(w, "| algorithm | floor (median) | our adapter (median) | above the floor, median of pairs | above the floor, mean of pairs |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	runs := 0
	for _, r := range g.rows {
		m := g.data[r].metrics
		runs = max(runs, len(m[aboveFloorMedian]))
		fmt.Fprintf(w, "| %s | %s | %s | **%s** %s | %s %s |\n", r,
			fmtUS(median(m[pairFloor])), fmtUS(median(m[pairOurs])),
			fmtUS(median(m[aboveFloorMedian])), fmtRange(m[aboveFloorMedian]),
			fmtUS(median(m[aboveFloorMean])), fmtRange(m[aboveFloorMean]))
	}
	fmt.Fprintf(w, "\nMedians of %d runs, each run's own medians (and mean) of its pairs; in brackets the range over the runs.\n\n", runs)
}

// fmtUS formats a duration in ns as µs with two decimals.
func fmtUS(ns float64) string {
	if math.IsNaN(ns) {
		return "–"
	}
	return fmt.Sprintf("%.2f µs", ns/1000)
}

// fmtRange formats the smallest and largest of ns as "(a-b)" in µs, or
// "(a to b)" if a is negative; nothing for fewer than two values.
func fmtRange(ns []float64) string {
	if len(ns) < 2 {
		return ""
	}
	lo, hi := slices.Min(ns)/1000, slices.Max(ns)/1000
	if lo < 0 {
		return fmt.Sprintf("(%.2f to %.2f)", lo, hi)
	}
	return fmt.Sprintf("(%.2f-%.2f)", lo, hi)
}

func writeGroup(w io.Writer, g *group, expected, peers []string, floorName string) {
	med := func(row string) (ns, b, allocs float64, n int) {
		s := g.data[row]
		return median(s.ns), median(s.bytes), median(s.allocs), len(s.ns)
	}
	var floorNS, floorAllocs float64
	_, hasFloor := g.data[floorName]
	if hasFloor {
		floorNS, _, floorAllocs, _ = med(floorName)
	}
	fastest, fastestNS := "", math.Inf(1)
	for _, r := range g.rows {
		if slices.Contains(peers, r) {
			if ns, _, _, _ := med(r); ns < fastestNS {
				fastest, fastestNS = r, ns
			}
		}
	}
	runs := 0
	for _, r := range g.rows {
		_, _, _, n := med(r)
		runs = max(runs, n)
	}

	fmt.Fprintf(w, "### %s\n\n", strings.TrimPrefix(g.name, "Benchmark"))
	first := "case"
	if hasFloor || fastest != "" {
		first = "contender"
	}
	cols := []string{first, "ns/op", "B/op", "allocs/op"}
	if hasFloor {
		cols = append(cols, "× floor", "ns above floor", "allocs above floor")
	}
	if fastest != "" {
		cols = append(cols, "× fastest peer")
	}
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(cols, " | "), strings.Repeat("---|", len(cols)))
	rows := slices.Clone(g.rows)
	for _, r := range expected {
		if !slices.Contains(rows, r) {
			rows = append(rows, r)
		}
	}
	for _, r := range rows {
		name := r
		if r == fastest {
			name = r + " (fastest peer)"
		}
		if _, ok := g.data[r]; !ok {
			cells := []string{name, "n/a"}
			for range len(cols) - 2 {
				cells = append(cells, "")
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
			continue
		}
		ns, b, allocs, _ := med(r)
		cells := []string{name, fmtNS(ns), fmtInt(b), fmtInt(allocs)}
		if hasFloor {
			cells = append(cells, fmt.Sprintf("%.2f", ns/floorNS), fmtSigned(ns-floorNS), fmtSigned(allocs-floorAllocs))
		}
		if fastest != "" {
			cells = append(cells, fmtRatio(ns/fastestNS))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	fmt.Fprintf(w, "\nMedians of %d runs.", runs)
	for _, pair := range [][2]string{
		{"ours-echo", "ours"}, {"ours-gin", "ours"},
		{"ours-echo-cached", "ours-cached"}, {"ours-gin-cached", "ours-cached"},
		{"ours-default", "ours"},
	} {
		a, okA := g.data[pair[0]]
		b, okB := g.data[pair[1]]
		if okA && okB {
			fmt.Fprintf(w, " %s = %.3f× %s.", pair[0], median(a.ns)/median(b.ns), pair[1])
		}
	}
	// What each adapter adds to its framework's own cost of a middleware
	// (the framework with a pass-through middleware), against what the
	// net/http adapter adds to a bare handler.
	for _, t := range [][4]string{
		{"ours-echo", "echo-mw", "ours", "noauth"}, {"ours-gin", "gin-mw", "ours", "noauth"},
		{"ours-echo-cached", "echo-mw", "ours-cached", "noauth"}, {"ours-gin-cached", "gin-mw", "ours-cached", "noauth"},
	} {
		a, okA := g.data[t[0]]
		fa, okFA := g.data[t[1]]
		b, okB := g.data[t[2]]
		fb, okFB := g.data[t[3]]
		if okA && okFA && okB && okFB {
			added, base := median(a.ns)-median(fa.ns), median(b.ns)-median(fb.ns)
			fmt.Fprintf(w, " %s adds %s ns to %s, %.3f× what %s adds to %s.", t[0], fmtNS(added), t[1], added/base, t[2], t[3])
		}
	}
	fmt.Fprint(w, "\n\n")
}

func fmtNS(ns float64) string {
	if ns < 100 {
		return strconv.FormatFloat(ns, 'f', 1, 64)
	}
	return fmtInt(ns)
}

// fmtInt formats v rounded, with thin separators every three digits.
func fmtInt(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	s := strconv.FormatInt(int64(math.Round(math.Abs(v))), 10)
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func fmtSigned(v float64) string {
	if v >= 0 {
		return "+" + fmtInt(v)
	}
	return fmtInt(v)
}

// fmtRatio prints a ratio, and for ratios below one half how many times
// faster the row is.
func fmtRatio(r float64) string {
	switch {
	case math.IsNaN(r) || math.IsInf(r, 0):
		return "–"
	case r < 0.5:
		return fmt.Sprintf("%.3f (%.0f× faster)", r, 1/r)
	}
	return fmt.Sprintf("%.2f", r)
}
