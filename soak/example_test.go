package main

import (
	"fmt"
	"time"
)

// The fault modes, as the -outage-modes flag takes them.
func ExampleParseModes() {
	modes, err := ParseModes("error,hang,garbage,reset")
	fmt.Println(modes, err)
	_, err = ParseModes("flood")
	fmt.Println(err)
	// Output:
	// [error hang garbage reset] <nil>
	// soak: unknown fault mode "flood" (known: pass, error, hang, garbage, reset)
}

// The configuration the soak runs jwtgate with: the issuer's keys come
// through the fault proxy, with key-cache timers scaled to the run.
func Example_gateConfig() {
	yaml, err := gateConfig{
		Listen: "127.0.0.1:8080", Admin: "127.0.0.1:9091", Upstream: "http://127.0.0.1:9000",
		Issuer: "http://127.0.0.1:9001", JWKSURL: "http://127.0.0.1:9002/jwks.json", Audience: "https://api.example.test",
		Leeway: 2 * time.Second, Timers: Timers{Refresh: 4 * time.Second, MinRefresh: time.Second, MaxStale: 45 * time.Second,
			Cooldown: 3 * time.Second, MaxWait: time.Second, Fetch: 2 * time.Second, MaxBackoff: 2 * time.Second},
	}.yaml()
	fmt.Print(yaml, err)
	// Output:
	// # Written by the soak run: loopback only.
	// mode: proxy
	// listen: 127.0.0.1:8080
	// admin_listen: 127.0.0.1:9091
	// log_level: warn
	// shutdown_timeout: 5s
	// upstream:
	//   url: "http://127.0.0.1:9000"
	// realm: soak
	// issuers:
	//   - issuer: "http://127.0.0.1:9001"
	//     jwks_url: "http://127.0.0.1:9002/jwks.json"
	//     keys:
	//       refresh_interval: 4s
	//       min_refresh_interval: 1s
	//       max_refresh_interval: 1h
	//       max_stale: 45s
	//       refresh_cooldown: 3s
	//       max_wait: 1s
	//       fetch_timeout: 2s
	//       max_backoff: 2s
	// audiences: ["https://api.example.test"]
	// leeway: 2s
	// policy:
	//   default: authenticated
	// <nil>
}
