// Command loadtest compares, with wrk over loopback, the requests per
// second and latency of jwtgate in proxy mode (a token seen before, on a
// route that needs a scope) with those of a bare httputil.ReverseProxy to
// the same upstream. The upstream and the bare proxy run as processes of
// their own (this program, re-executed), as jwtgate does, so that none
// shares a runtime with another or with the issuer.
//
// From cmd/jwtgate (wrk on PATH; the bar: ratio >= 0.90):
//
//	go run ./e2e/loadtest -duration 10s -threads 2 -connections 50 -rounds 3
//
// Each round runs wrk against the bare proxy, the bare proxy with a buffer
// pool like jwtgate's (ReverseProxy.BufferPool; without one, ReverseProxy
// allocates 32 KiB per request), then jwtgate; the table gives the median of
// the rounds. The first ratio is the bar (jwtgate against a bare
// httputil.ReverseProxy as it comes); the second compares like with like,
// and is the cost of the gateway's own work. jwtgate logs at warn (no access
// log) unless -access-log.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/jwtgate/jwtgate/cmd/jwtgate/e2e"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

func main() {
	serve := flag.String("serve", "", "internal: serve as \"upstream\", \"bare\" or \"pooled\" on -listen")
	listen := flag.String("listen", "", "internal: the address to serve on")
	upstream := flag.String("upstream", "", "internal: the bare proxy's upstream URL")
	bin := flag.String("jwtgate", "", "the jwtgate binary; empty builds it (go build of github.com/jwtgate/jwtgate/cmd/jwtgate)")
	duration := flag.Duration("duration", 10*time.Second, "wrk's run time per target and round")
	threads := flag.Int("threads", 2, "wrk threads")
	conns := flag.Int("connections", 50, "wrk connections")
	rounds := flag.Int("rounds", 3, "rounds (bare, then jwtgate); the table gives medians")
	accessLog := flag.Bool("access-log", false, "run jwtgate at log_level info (an access log line per request, to a file)")
	flag.Parse()

	var err error
	switch *serve {
	case "upstream":
		err = serveUpstream(*listen)
	case "bare", "pooled":
		err = serveBare(*listen, *upstream, *serve == "pooled")
	case "":
		err = run(*bin, *duration, *threads, *conns, *rounds, *accessLog)
	default:
		err = fmt.Errorf("unknown -serve %q", *serve)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// body is the upstream's answer.
var body = []byte(`{"id":42,"name":"item"}` + "\n")

func serveUpstream(addr string) error {
	return serveUntilSignal(addr, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
}

// serveBare serves a bare httputil.ReverseProxy to upstream, with the
// idle connection limits of jwtgate's (so that the comparison is of the
// gateway, not of connection reuse).
func serveBare(addr, upstream string, pooled bool) error {
	u, err := url.Parse(upstream)
	if err != nil {
		return err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 1024
	tr.MaxIdleConnsPerHost = 256
	proxy := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(u); r.SetXForwarded() },
		Transport: tr,
	}
	if pooled {
		proxy.BufferPool = &pool{p: sync.Pool{New: func() any { b := make([]byte, 32*1024); return &b }}}
	}
	return serveUntilSignal(addr, proxy)
}

// pool is a ReverseProxy buffer pool of 32 KiB buffers, as jwtgate has.
type pool struct{ p sync.Pool }

func (p *pool) Get() []byte { return *p.p.Get().(*[]byte) }

func (p *pool) Put(b []byte) { p.p.Put(&b) }

func serveUntilSignal(addr string, h http.Handler) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

// child is a process this program started.
type child struct {
	name string
	cmd  *exec.Cmd
}

func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

func startChild(name string, stderr io.Writer, prog string, args ...string) (*child, error) {
	cmd := exec.Command(prog, args...)
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	return &child{name: name, cmd: cmd}, nil
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// waitReady polls url until it answers 200, for at most 30 seconds.
func waitReady(url, token string) error {
	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after 30s: %w", url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func run(bin string, d time.Duration, threads, conns, rounds int, accessLog bool) (err error) {
	if _, err := exec.LookPath("wrk"); err != nil {
		return fmt.Errorf("wrk: %w (apt-get install wrk)", err)
	}
	dir, err := os.MkdirTemp("", "jwtgate-loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if bin == "" {
		bin = filepath.Join(dir, "jwtgate")
		out, err := exec.Command("go", "build", "-o", bin, "github.com/jwtgate/jwtgate/cmd/jwtgate").CombinedOutput()
		if err != nil {
			return fmt.Errorf("building jwtgate: %w\n%s", err, out)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(dir, "children.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	var children []*child
	defer func() {
		for _, c := range slices.Backward(children) {
			c.stop()
		}
		if err != nil {
			if b, rerr := os.ReadFile(logf.Name()); rerr == nil {
				err = fmt.Errorf("%w\nlogs of the processes:\n%s", err, b)
			}
		}
	}()

	iss := verifiertest.NewIssuer(verifiertest.IssuerConfig{Algorithm: "ES256"})
	defer iss.Close()
	token, err := iss.Mint(verifiertest.Token{Scope: "read", ExpiresIn: time.Hour})
	if err != nil {
		return err
	}

	upAddr, err := freeAddr()
	if err != nil {
		return err
	}
	c, err := startChild("upstream", logf, self, "-serve", "upstream", "-listen", upAddr)
	if err != nil {
		return err
	}
	children = append(children, c)
	bareAddr, err := freeAddr()
	if err != nil {
		return err
	}
	c, err = startChild("bare", logf, self, "-serve", "bare", "-listen", bareAddr, "-upstream", "http://"+upAddr)
	if err != nil {
		return err
	}
	children = append(children, c)
	pooledAddr, err := freeAddr()
	if err != nil {
		return err
	}
	c, err = startChild("pooled", logf, self, "-serve", "pooled", "-listen", pooledAddr, "-upstream", "http://"+upAddr)
	if err != nil {
		return err
	}
	children = append(children, c)

	gateAddr, err := freeAddr()
	if err != nil {
		return err
	}
	level := "warn"
	if accessLog {
		level = "info"
	}
	conf, err := e2e.Gate{
		Mode: "proxy", Upstream: "http://" + upAddr,
		Issuer: iss.URL, JWKSURL: iss.JWKSURL(), Audience: iss.Audience(),
		LogLevel: level, Listen: gateAddr, AdminListen: "off", Rest: e2e.LoadRest,
	}.YAML()
	if err != nil {
		return err
	}
	confPath := filepath.Join(dir, "jwtgate.yaml")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return err
	}
	c, err = startChild("jwtgate", logf, bin, "-config", confPath)
	if err != nil {
		return err
	}
	children = append(children, c)

	targets := []struct{ name, url string }{
		{"bare ReverseProxy", "http://" + bareAddr + "/items/42"},
		{"bare, buffer pool", "http://" + pooledAddr + "/items/42"},
		{"jwtgate (proxy mode)", "http://" + gateAddr + "/items/42"},
	}
	for _, tg := range targets {
		if err := waitReady(tg.url, token); err != nil {
			return err
		}
	}
	results := make([][]e2e.WrkResult, len(targets))
	for r := range rounds {
		for i, tg := range targets {
			res, err := e2e.Wrk(context.Background(), e2e.WrkOptions{
				URL: tg.url, Header: []string{"Authorization: Bearer " + token},
				Duration: d, Threads: threads, Connections: conns,
			})
			if err != nil {
				return err
			}
			if res.Errors() != 0 {
				return fmt.Errorf("%s, round %d: %d failed requests: %+v", tg.name, r+1, res.Errors(), res)
			}
			fmt.Fprintf(os.Stderr, "round %d %-22s %8.0f req/s  p50 %6.0f µs  p99 %6.0f µs\n", r+1, tg.name, res.RequestsPerSecond(), res.P50Micros, res.P99Micros)
			results[i] = append(results[i], res)
		}
	}
	fmt.Printf("wrk -t%d -c%d -d%v, %d rounds, medians; jwtgate log_level %s\n\n", threads, conns, d, rounds, level)
	fmt.Print(table(median(results[0]), median(results[1]), median(results[2])))
	return nil
}

// median returns, field by field, the median of the runs' requests per
// second and latencies (as one WrkResult with those values).
func median(rs []e2e.WrkResult) summary {
	pick := func(f func(e2e.WrkResult) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return summary{
		RPS: pick(e2e.WrkResult.RequestsPerSecond),
		P50: pick(func(r e2e.WrkResult) float64 { return r.P50Micros }),
		P90: pick(func(r e2e.WrkResult) float64 { return r.P90Micros }),
		P99: pick(func(r e2e.WrkResult) float64 { return r.P99Micros }),
	}
}

// summary is a target's result: requests per second and latency
// percentiles in microseconds.
type summary struct{ RPS, P50, P90, P99 float64 }

// table formats the comparison as a Markdown table.
func table(bare, pooled, gate summary) string {
	ratio := func(a, b summary) float64 {
		if b.RPS == 0 {
			return 0
		}
		return a.RPS / b.RPS
	}
	verdict := "meets"
	if ratio(gate, bare) < 0.90 {
		verdict = "misses"
	}
	ms := func(us float64) string { return fmt.Sprintf("%.2f ms", us/1000) }
	row := func(name string, s summary) string {
		return fmt.Sprintf("| %s | %.0f | %s | %s | %s |\n", name, s.RPS, ms(s.P50), ms(s.P90), ms(s.P99))
	}
	added := func(name string, base summary, verdict string) string {
		return fmt.Sprintf("| jwtgate / %s | %.2f%s | %+.2f ms | %+.2f ms | %+.2f ms |\n", name, ratio(gate, base), verdict,
			(gate.P50-base.P50)/1000, (gate.P90-base.P90)/1000, (gate.P99-base.P99)/1000)
	}
	return "| target | requests/s | p50 | p90 | p99 |\n|---|---:|---:|---:|---:|\n" +
		row("bare httputil.ReverseProxy", bare) +
		row("bare, with a buffer pool", pooled) +
		row("jwtgate, proxy mode, token seen before", gate) +
		added("bare", bare, " ("+verdict+" the 0.90 bar)") +
		added("bare with a buffer pool", pooled, "")
}
