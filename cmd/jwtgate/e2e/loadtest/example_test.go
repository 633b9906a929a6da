package main

import "fmt"

// The table loadtest prints, here for made-up measurements.
func Example() {
	fmt.Print(table(
		summary{RPS: 20000, P50: 2000, P90: 4000, P99: 8000},
		summary{RPS: 18500, P50: 2200, P90: 4300, P99: 8900},
	))
	// Output:
	// | target | requests/s | p50 | p90 | p99 |
	// |---|---:|---:|---:|---:|
	// | bare httputil.ReverseProxy | 20000 | 2.00 ms | 4.00 ms | 8.00 ms |
	// | jwtgate, proxy mode, token seen before | 18500 | 2.20 ms | 4.30 ms | 8.90 ms |
	// | jwtgate / bare | 0.93 (meets the 0.90 bar) | +0.20 ms | +0.30 ms | +0.90 ms |
}
