// Command soak runs jwtgate under load while the issuer rotates its keys
// and fails, and reports whether it held: no invalid token accepted, no
// valid token refused outside the outage, no 5xx but the documented 503,
// heap and goroutines bounded.
//
// Everything runs on loopback, in one process tree that the program stops
// on every way out (Ctrl-C included):
//
//   - the jwtgate binary, built from ../cmd/jwtgate, in proxy mode in front
//     of an in-process echo upstream, with its admin listener; its issuer's
//     keys come from a jwks_url that points at the fault proxy, with
//     key-cache timers scaled to the run;
//   - the demo issuer (verifiertest, ES256) behind a fault-injecting
//     reverse proxy that passes requests through, except during the
//     outage, when request after request gets an error (5xx), a hang (held
//     until the client gives up), garbage (HTML, truncated JSON, documents
//     that are no usable key set) or a connection reset;
//   - an open-loop load generator: requests at fixed intervals, latency
//     measured from the intended send time, from many simulated clients
//     that each reuse a token until shortly before it expires and then get a
//     new one from the issuer's token endpoint (client credentials), plus a share
//     of fresh tokens (minted ahead, off the clock) and of invalid ones of
//     ten kinds, which must all be answered 401 (or, during the outage, 503
//     when the key they name cannot be fetched);
//   - key rotations as issuers do them (publish, use after the gateway's
//     refresh interval, retire once the old key's tokens have expired);
//   - a scraper of jwtgate's /metrics each second (heap, goroutines, key
//     fetches).
//
// Usage (from this folder):
//
//	go run .                                  the CI run: 90 s, 200 requests/s
//	go run . -duration 30m -rate 1000 -clients 500 -token-lifetime 2m \
//	    -rotate-every 5m -outage-start 10m -outage-for 2m -refresh 30s \
//	    -cooldown 10s -max-backoff 5s -out out-long     a long run
//
// It writes report.txt, report.json, soak.png and jwtgate.log into -out
// (default out/) and exits 0 when the run passes, 1 when it fails, 2 when
// it cannot run. RELIABILITY.md at the repository's root explains the
// figures.
package main
