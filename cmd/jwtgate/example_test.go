package main

import (
	"context"
	"os"
)

// -check validates a configuration file without starting anything: it
// prints a summary and exits 0, or prints every error with its line and
// exits 1.
func Example_check() {
	code := run(context.Background(), []string{"-check", "jwtgate.example.yaml"}, os.Stdout, os.Stdout)
	if code != 0 {
		os.Stdout.WriteString("exit code is not 0\n")
	}
	// Output:
	// ok: jwtgate.example.yaml: mode proxy, listen 127.0.0.1:8080, upstream http://127.0.0.1:9000, admin 127.0.0.1:9091, 2 issuers, 4 policy rules (default deny), DPoP off
}
