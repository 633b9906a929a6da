package main

import (
	"strings"
	"testing"
)

// twoRuns is raw output of two runs of a Middleware group and of an
// AboveFloor benchmark, as run.sh and compare.sh save it.
const twoRuns = `# a comment
goos: linux
cpu: Test CPU
BenchmarkMiddleware/HS256/floor-2          1000   400 ns/op     0 B/op   0 allocs/op
BenchmarkMiddleware/HS256/ours-2           1000  1800 ns/op   944 B/op   3 allocs/op
BenchmarkMiddleware/HS256/ours-default-2   1000  2700 ns/op  1560 B/op   7 allocs/op
BenchmarkMiddleware/HS256/keyfunc-2        1000  9000 ns/op  3936 B/op  58 allocs/op
BenchmarkAboveFloorDefault/RS256-2  100  60000 ns/op  27000 floor-ns  1500 mean-ns-above-floor  1000 ns-above-floor  28000 ours-ns  2000 B/op  15 allocs/op
BenchmarkAboveFloorDefault/HS256-2  100   3000 ns/op    400 floor-ns  -100 mean-ns-above-floor   900 ns-above-floor   1300 ours-ns  1500 B/op   7 allocs/op
BenchmarkMiddleware/HS256/floor-2          1000   420 ns/op     0 B/op   0 allocs/op
BenchmarkMiddleware/HS256/ours-2           1000  1900 ns/op   944 B/op   3 allocs/op
BenchmarkMiddleware/HS256/ours-default-2   1000  2900 ns/op  1560 B/op   7 allocs/op
BenchmarkMiddleware/HS256/keyfunc-2        1000  9200 ns/op  3936 B/op  58 allocs/op
BenchmarkAboveFloorDefault/RS256-2  100  61000 ns/op  27200 floor-ns  1700 mean-ns-above-floor  1040 ns-above-floor  28400 ours-ns  2000 B/op  15 allocs/op
BenchmarkAboveFloorDefault/HS256-2  100   3100 ns/op    420 floor-ns   300 mean-ns-above-floor   940 ns-above-floor   1340 ours-ns  1500 B/op   7 allocs/op
`

func TestTables(t *testing.T) {
	groups, header, err := parse(strings.NewReader(twoRuns))
	if err != nil {
		t.Fatalf("parse(two runs) = %v, want no error", err)
	}
	var b strings.Builder
	write(&b, groups, header, []string{"keyfunc"}, "floor")
	out := b.String()
	for _, want := range []string{
		"<!-- goos: linux; cpu: Test CPU -->",
		"### Middleware/HS256\n",
		// medians of 2 runs: 2,800 ns, 6.83× the floor (410 ns), 1.514× ours (1,850 ns)
		"| ours-default | 2,800 | 1,560 | 7 | 6.83 | +2,390 | +7 | 0.308 (3× faster) |",
		"ours-default = 1.514× ours.",
		"### AboveFloorDefault\n",
		"| RS256 | 27.10 µs | 28.20 µs | **1.02 µs** (1.00-1.04) | 1.60 µs (1.50-1.70) |",
		"| HS256 | 0.41 µs | 1.32 µs | **0.92 µs** (0.90-0.94) | 0.10 µs (-0.10 to 0.30) |",
		"Medians of 2 runs, each run's own medians",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("write(two runs) does not contain %q; it wrote:\n%s", want, out)
		}
	}
	if strings.Contains(out, "| RS256 | 60,500") {
		t.Errorf("write(two runs) printed AboveFloorDefault's ns/op (the pair and clock reads) as a result:\n%s", out)
	}
}
