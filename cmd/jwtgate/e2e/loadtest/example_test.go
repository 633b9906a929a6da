package main

import "fmt"

// The table loadtest prints, here for made-up measurements.
func Example() {
	fmt.Print(table(
		summary{RPS: 20000, P50: 2000, P90: 4000, P99: 8000},
		summary{RPS: 22000, P50: 1800, P90: 3700, P99: 7500},
		summary{RPS: 20500, P50: 1900, P90: 4100, P99: 8100},
	))
	// Output:
	// | target | requests/s | p50 | p90 | p99 |
	// |---|---:|---:|---:|---:|
	// | bare httputil.ReverseProxy | 20000 | 2.00 ms | 4.00 ms | 8.00 ms |
	// | bare, with a buffer pool | 22000 | 1.80 ms | 3.70 ms | 7.50 ms |
	// | jwtgate, proxy mode, token seen before | 20500 | 1.90 ms | 4.10 ms | 8.10 ms |
	// | jwtgate / bare | 1.02 (meets the 0.90 bar) | -0.10 ms | +0.10 ms | +0.10 ms |
	// | jwtgate / bare with a buffer pool | 0.93 | +0.10 ms | +0.40 ms | +0.60 ms |
}
