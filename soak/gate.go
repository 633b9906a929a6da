package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"text/template"
	"time"
)

// Timers are the gateway's key-cache timers for the run (the issuer's
// "keys" mapping in jwtgate's configuration).
type Timers struct {
	Refresh    time.Duration
	MinRefresh time.Duration
	MaxStale   time.Duration
	Cooldown   time.Duration
	MaxWait    time.Duration
	Fetch      time.Duration
	MaxBackoff time.Duration
}

// gateConfig is what the gateway's configuration file is made of.
type gateConfig struct {
	Listen, Admin, Upstream string
	Issuer, JWKSURL         string
	Audience                string
	Leeway                  time.Duration
	Timers                  Timers
}

var gateTemplate = template.Must(template.New("jwtgate.yaml").Funcs(template.FuncMap{"quote": strconv.Quote}).Parse(
	`# Written by the soak run: loopback only.
mode: proxy
listen: {{.Listen}}
admin_listen: {{.Admin}}
log_level: warn
shutdown_timeout: 5s
upstream:
  url: {{quote .Upstream}}
realm: soak
issuers:
  - issuer: {{quote .Issuer}}
    jwks_url: {{quote .JWKSURL}}
    keys:
      refresh_interval: {{.Timers.Refresh}}
      min_refresh_interval: {{.Timers.MinRefresh}}
      max_refresh_interval: 1h
      max_stale: {{.Timers.MaxStale}}
      refresh_cooldown: {{.Timers.Cooldown}}
      max_wait: {{.Timers.MaxWait}}
      fetch_timeout: {{.Timers.Fetch}}
      max_backoff: {{.Timers.MaxBackoff}}
audiences: [{{quote .Audience}}]
leeway: {{.Leeway}}
policy:
  default: authenticated
`))

// yaml returns the configuration file's text.
func (g gateConfig) yaml() (string, error) {
	var b bytes.Buffer
	if err := gateTemplate.Execute(&b, g); err != nil {
		return "", fmt.Errorf("soak: jwtgate.yaml: %w", err)
	}
	return b.String(), nil
}

// repoRoot finds the repository's root from dir: the first folder up that
// holds cmd/jwtgate/go.mod.
func repoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "cmd", "jwtgate", "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("soak: cmd/jwtgate/go.mod not found in this folder or any above it; run from the repository")
		}
		dir = parent
	}
}

// buildGate builds the jwtgate binary of the repository at root into dir.
func buildGate(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "jwtgate")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Join(root, "cmd", "jwtgate")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("soak: go build of cmd/jwtgate: %w\n%s", err, out)
	}
	return bin, nil
}

// gate is a running jwtgate process.
type gate struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // cmd.Wait's, set before exited closes
}

// startGate runs bin with the configuration file at config, its output to
// logs.
func startGate(bin, config string, logs io.Writer) (*gate, error) {
	cmd := exec.Command(bin, "-config", config, "-watch-interval", "0")
	cmd.Stdout, cmd.Stderr = logs, logs
	setParentDeath(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("soak: starting jwtgate: %w", err)
	}
	g := &gate{cmd: cmd, exited: make(chan struct{})}
	go func() {
		g.err = cmd.Wait()
		close(g.exited)
	}()
	return g, nil
}

// waitReady polls the admin listener's /readyz until it answers 200.
func (g *gate) waitReady(ctx context.Context, admin string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	defer client.CloseIdleConnections()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+admin+"/readyz", nil)
		if resp, err := client.Do(req); err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(body))
		} else {
			last = err
		}
		select {
		case <-g.exited:
			return fmt.Errorf("soak: jwtgate exited before it was ready: %v", g.err)
		case <-ctx.Done():
			return fmt.Errorf("soak: jwtgate not ready after %v: %w", timeout, last)
		case <-tick.C:
		}
	}
}

// stop asks jwtgate to shut down (SIGTERM) and kills it after timeout. It
// returns the process's exit error, if any.
func (g *gate) stop(timeout time.Duration) error {
	select {
	case <-g.exited:
		return g.err
	default:
	}
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.exited:
		return g.err
	case <-time.After(timeout):
		_ = g.cmd.Process.Kill()
		<-g.exited
		return fmt.Errorf("soak: jwtgate did not stop within %v of SIGTERM; killed", timeout)
	}
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("soak: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
