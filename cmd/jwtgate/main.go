// Command jwtgate is an API gateway that verifies the Bearer JWT access
// tokens of incoming requests against a policy of routes, either as a
// reverse proxy in front of a service or as the forward-auth server that
// nginx (auth_request), Caddy (forward_auth), Traefik (forwardAuth) and
// Envoy (ext_authz) ask about each request.
//
// Usage:
//
//	jwtgate -config jwtgate.yaml          run
//	jwtgate -check jwtgate.yaml           validate the file, start nothing
//	jwtgate -demo                         run with a demo issuer and upstream
//	jwtgate -demo -selftest               run the demo, call it, exit 0 or 1
//
// The configuration file is YAML; jwtgate.example.yaml beside this file
// describes every key. Logs are JSON lines on standard error. SIGHUP, or a
// change of the file's contents, reloads the configuration (an invalid one
// is refused and the running one kept); SIGINT and SIGTERM shut down
// gracefully.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jwtgate/jwtgate/cmd/jwtgate/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the program: it returns the exit code. It stops when ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("jwtgate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "the configuration `file` to run with")
	checkPath := fs.String("check", "", "check the configuration `file` and exit: 0 if valid, 1 with every error otherwise")
	demo := fs.Bool("demo", false, "run with an embedded demo issuer and a demo upstream that echoes the headers it gets")
	selftest := fs.Bool("selftest", false, "with -demo: send requests to the demo, report each answer, exit 0 if all are as expected")
	addr := fs.String("addr", "127.0.0.1:8080", "with -demo: the gateway's address (port 0 picks a free one)")
	adminAddr := fs.String("admin", "127.0.0.1:0", "with -demo: the admin listener's address, or \"off\"")
	watch := fs.Duration("watch-interval", 2*time.Second, "how often the configuration file is checked for changes (0: only SIGHUP reloads)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: jwtgate -config FILE | -check FILE | -demo [-selftest]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "jwtgate: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	modes := 0
	for _, set := range []bool{*configPath != "", *checkPath != "", *demo} {
		if set {
			modes++
		}
	}
	if modes != 1 {
		fmt.Fprintln(stderr, "jwtgate: give exactly one of -config, -check and -demo")
		fs.Usage()
		return 2
	}
	if *selftest && !*demo {
		fmt.Fprintln(stderr, "jwtgate: -selftest works only with -demo")
		return 2
	}
	switch {
	case *checkPath != "":
		return check(*checkPath, stdout, stderr)
	case *demo:
		return runDemo(ctx, demoOptions{addr: *addr, admin: *adminAddr, selftest: *selftest}, stdout, stderr)
	}
	return serve(ctx, serverOptions{Path: *configPath, Logs: stderr, WatchInterval: *watch}, stderr)
}

// check validates the file at path: the configuration is built as for a
// run (secrets and TLS files read, the verifier and gateway made), and
// nothing is started.
func check(path string, stdout, stderr io.Writer) int {
	cfg, err := config.Load(path)
	if err == nil {
		var rt *runtime
		rt, err = build(cfg, buildEnv{logger: discardLogger(), metrics: newCheckMetrics()})
		if err == nil {
			rt.close()
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintln(stdout, summary(cfg))
	return 0
}

// summary describes a valid configuration in one line.
func summary(cfg *config.Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ok: %s: mode %s, listen %s", cfg.File, cfg.Mode, cfg.Listen)
	if cfg.TLS != nil {
		b.WriteString(" (TLS")
		if cfg.TLS.ClientCAFile != "" {
			if cfg.TLS.RequireClientCert {
				b.WriteString(", client certificates required")
			} else {
				b.WriteString(", client certificates verified if given")
			}
		}
		b.WriteString(")")
	}
	if cfg.Upstream != nil {
		fmt.Fprintf(&b, ", upstream %s", cfg.Upstream.URL)
	}
	if cfg.AdminListen != "" {
		fmt.Fprintf(&b, ", admin %s", cfg.AdminListen)
	} else {
		b.WriteString(", admin off")
	}
	fmt.Fprintf(&b, ", %s, %s (default %s)",
		plural(len(cfg.Issuers), "issuer"), plural(len(cfg.Policy.Rules()), "policy rule"), cfg.Policy.Default())
	b.WriteString(dpopSummary(cfg.DPoP))
	return b.String()
}

// dpopSummary describes the DPoP setting for summary.
func dpopSummary(p *config.DPoP) string {
	switch {
	case p == nil:
		return ", DPoP off"
	case p.Required:
		if p.Nonce {
			return ", DPoP required (with nonces)"
		}
		return ", DPoP required"
	case p.Nonce:
		return ", DPoP allowed (with nonces)"
	}
	return ", DPoP allowed"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// serve runs the gateway until ctx ends, reloading on SIGHUP.
func serve(ctx context.Context, opts serverOptions, stderr io.Writer) int {
	// Before anything is logged, so that a SIGHUP sent once the
	// "listening" line shows never finds the default action (exit).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	s, err := newServer(opts)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := s.Start(); err != nil {
		fmt.Fprintln(stderr, err)
		_ = s.Shutdown(context.Background())
		return 1
	}
	for {
		select {
		case <-hup:
			_ = s.Reload() // logged either way
		case <-ctx.Done():
			return shutdown(s)
		}
	}
}

// shutdown stops s gracefully within its shutdown_timeout.
func shutdown(s *server) int {
	s.logger.Info("shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), s.ShutdownTimeout())
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		s.logger.Error("shutdown", "error", err.Error())
		return 1
	}
	s.logger.Info("stopped")
	return 0
}
