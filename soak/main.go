package main

import (
	"cmp"
	"context"
	"encoding/json/v2"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Options are the run's settings, from the flags.
type Options struct {
	Duration      time.Duration // of the load
	Rate          int           // requests per second
	Clients       int
	TokenLifetime time.Duration
	RotateEvery   time.Duration
	OutageStart   time.Duration
	OutageFor     time.Duration
	OutageModes   []Mode
	Fresh         float64 // share of fresh tokens
	Invalid       float64 // share of invalid tokens
	Out           string  // folder of the report and plot
	Jwtgate       string  // a built jwtgate binary; empty: build one
	Seed          uint64
	Leeway        time.Duration
	Timers        Timers
}

// defaultTimers are the gateway's key-cache timers for a CI-length run:
// a refresh every few seconds so that rotations are seen within one,
// retries capped at 2 s so that recovery after the outage is quick.
var defaultTimers = Timers{
	Refresh:    4 * time.Second,
	MinRefresh: time.Second,
	Cooldown:   3 * time.Second,
	MaxWait:    time.Second,
	Fetch:      2 * time.Second,
	MaxBackoff: 2 * time.Second,
}

// parseFlags reads the options; the defaults are the CI run.
func parseFlags(args []string, stderr io.Writer) (*Options, error) {
	o := &Options{Timers: defaultTimers}
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.Duration, "duration", 90*time.Second, "how long the load runs")
	fs.IntVar(&o.Rate, "rate", 200, "requests per second, sent at fixed intervals (open loop)")
	fs.IntVar(&o.Clients, "clients", 50, "simulated clients, each with its own connections and token")
	fs.DurationVar(&o.TokenLifetime, "token-lifetime", 20*time.Second, "lifetime of the tokens minted; clients renew at 4/5 of it")
	fs.DurationVar(&o.RotateEvery, "rotate-every", 25*time.Second, "a key rotation starts (next key published) every this long")
	fs.DurationVar(&o.OutageStart, "outage-start", 40*time.Second, "when the issuer's outage starts, from the start of the load")
	fs.DurationVar(&o.OutageFor, "outage-for", 15*time.Second, "how long the outage lasts (0: none)")
	modes := fs.String("outage-modes", "error,hang,garbage,reset", "what the issuer does during the outage, request after request in turn")
	fs.Float64Var(&o.Fresh, "fresh", 0.1, "share of requests with a token minted for them")
	fs.Float64Var(&o.Invalid, "invalid", 0.1, "share of requests with an invalid token (every kind in turn)")
	fs.StringVar(&o.Out, "out", "out", "folder for report.txt, report.json, soak.png and jwtgate.log")
	fs.StringVar(&o.Jwtgate, "jwtgate", "", "a jwtgate binary to run; empty builds ../cmd/jwtgate")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the request mix")
	fs.DurationVar(&o.Leeway, "leeway", 2*time.Second, "the gateway's leeway for exp")
	fs.DurationVar(&o.Timers.Refresh, "refresh", defaultTimers.Refresh, "gateway keys.refresh_interval")
	fs.DurationVar(&o.Timers.Cooldown, "cooldown", defaultTimers.Cooldown, "gateway keys.refresh_cooldown")
	fs.DurationVar(&o.Timers.MaxWait, "max-wait", defaultTimers.MaxWait, "gateway keys.max_wait")
	fs.DurationVar(&o.Timers.Fetch, "fetch-timeout", defaultTimers.Fetch, "gateway keys.fetch_timeout")
	fs.DurationVar(&o.Timers.MaxBackoff, "max-backoff", defaultTimers.MaxBackoff, "gateway keys.max_backoff")
	fs.DurationVar(&o.Timers.MaxStale, "max-stale", 0, "gateway keys.max_stale (0: the outage's length plus 30s, so the last keys ride it out; less than the outage shows the documented 503)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("soak: unexpected argument %q", fs.Arg(0))
	}
	var err error
	if o.OutageModes, err = ParseModes(*modes); err != nil {
		return nil, err
	}
	if o.Timers.MaxStale == 0 {
		o.Timers.MaxStale = o.OutageFor + 30*time.Second
	}
	o.Timers.MinRefresh = min(o.Timers.Refresh, time.Second)
	return o, o.check()
}

// check refuses options that make no run.
func (o *Options) check() error {
	switch {
	case o.Duration < 4*time.Second:
		return errors.New("soak: -duration must be at least 4s")
	case o.Rate < 1 || o.Rate > 20000:
		return errors.New("soak: -rate must be from 1 to 20000")
	case o.Clients < 1:
		return errors.New("soak: -clients must be at least 1")
	case o.TokenLifetime < 3*time.Second:
		return errors.New("soak: -token-lifetime must be at least 3s")
	case o.RotateEvery <= 0:
		return errors.New("soak: -rotate-every must be more than 0s")
	case o.OutageStart < 0 || o.OutageFor < 0 || o.OutageStart+o.OutageFor > o.Duration:
		return errors.New("soak: the outage must lie within -duration")
	case o.Fresh < 0 || o.Invalid < 0 || o.Fresh+o.Invalid > 1:
		return errors.New("soak: -fresh and -invalid must be shares from 0 to 1 that add up to at most 1")
	case o.Timers.Refresh < time.Second || o.Timers.Cooldown <= 0 || o.Timers.MaxWait <= 0 || o.Timers.Fetch <= 0 || o.Timers.MaxBackoff < time.Second:
		return errors.New("soak: -refresh and -max-backoff must be at least 1s, -cooldown, -max-wait and -fetch-timeout more than 0s")
	case o.Timers.MaxWait > o.Timers.Fetch:
		return errors.New("soak: -max-wait must not exceed -fetch-timeout")
	}
	return nil
}

// window returns the outage with its recovery allowance: a fetch under way
// when the issuer comes back may hang for the fetch timeout, and the next
// retry comes within the maximum backoff; a second more for the fetch.
func (o *Options) window() Window {
	return Window{Start: o.OutageStart, For: o.OutageFor, Allowance: o.Timers.Fetch + o.Timers.MaxBackoff + time.Second}
}

// useDelay is how long after publishing a key the issuer starts using it:
// one refresh interval of the gateway, plus 2 s for the fetch.
func (o *Options) useDelay() time.Duration { return o.Timers.Refresh + 2*time.Second }

// rotations plans the rotations: a key published every RotateEvery, put
// in use after useDelay, the previous one retired once the tokens it
// signed have expired (lifetime and leeway, plus a second).
func (o *Options) rotations() []Rotation {
	var out []Rotation
	for p := o.RotateEvery; p < o.Duration; p += o.RotateEvery {
		use := p + o.useDelay()
		retire := use + o.TokenLifetime + o.Leeway + time.Second
		out = append(out, Rotation{Publish: p, Use: use, Retire: retire, PublishS: p.Seconds(), UseS: use.Seconds(), RetireS: retire.Seconds()})
	}
	return out
}

func (o *Options) settings() map[string]string {
	return map[string]string{
		"duration": o.Duration.String(), "rate": fmt.Sprint(o.Rate), "clients": fmt.Sprint(o.Clients),
		"token-lifetime": o.TokenLifetime.String(), "rotate-every": o.RotateEvery.String(),
		"outage": fmt.Sprintf("from %v for %v, modes %v", o.OutageStart, o.OutageFor, o.OutageModes),
		"fresh":  fmt.Sprint(o.Fresh), "invalid": fmt.Sprint(o.Invalid), "seed": fmt.Sprint(o.Seed),
		"gateway keys": fmt.Sprintf("refresh_interval %v, min_refresh_interval %v, max_stale %v, refresh_cooldown %v, max_wait %v, fetch_timeout %v, max_backoff %v",
			o.Timers.Refresh, o.Timers.MinRefresh, o.Timers.MaxStale, o.Timers.Cooldown, o.Timers.MaxWait, o.Timers.Fetch, o.Timers.MaxBackoff),
		"gateway leeway": o.Leeway.String(),
		"machine":        fmt.Sprintf("%s/%s, %d CPUs, GOMAXPROCS %d, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version()),
		"algorithm":      "ES256",
	}
}

// run is the program; it returns the exit code: 0 when the run passes, 1
// when it fails, 2 when it cannot run.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	r, err := soak(ctx, o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	r.WriteText(stdout)
	if !r.Pass {
		return 1
	}
	return 0
}

// soak runs the whole thing and writes the report, the JSON and the plot
// into o.Out.
func soak(ctx context.Context, o *Options, progress io.Writer) (_ *Report, err error) {
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("soak: %w", err)
	}
	tmp, err := os.MkdirTemp("", "jwtgate-soak-")
	if err != nil {
		return nil, fmt.Errorf("soak: %w", err)
	}
	defer os.RemoveAll(tmp)
	bin := o.Jwtgate
	if bin == "" {
		root, err := repoRoot(".")
		if err != nil {
			return nil, err
		}
		began := time.Now()
		if bin, err = buildGate(ctx, root, tmp); err != nil {
			return nil, err
		}
		fmt.Fprintf(progress, "soak: built jwtgate in %.1fs\n", time.Since(began).Seconds())
	}

	// Every simulated client is registered with the issuer and gets its
	// tokens from the token endpoint, as client-credentials clients do.
	creds := soakClients(o.Clients, o.TokenLifetime)
	iss := verifiertest.NewIssuer(verifiertest.IssuerConfig{Algorithm: "ES256", Clients: creds})
	defer iss.Close()
	issURL, err := url.Parse(iss.URL)
	if err != nil {
		return nil, fmt.Errorf("soak: %w", err)
	}
	fp := NewFaultProxy(issURL)
	fpAddr, stopFP, err := serve(fp)
	if err != nil {
		return nil, err
	}
	defer stopFP()
	defer fp.Close() // before the server: held requests first
	upAddr, stopUp, err := serve(http.HandlerFunc(echo))
	if err != nil {
		return nil, err
	}
	defer stopUp()

	listen, err := freeAddr()
	if err != nil {
		return nil, err
	}
	admin, err := freeAddr()
	if err != nil {
		return nil, err
	}
	yaml, err := gateConfig{
		Listen: listen, Admin: admin, Upstream: "http://" + upAddr,
		Issuer: iss.URL, JWKSURL: "http://" + fpAddr + "/jwks.json", Audience: iss.Audience(),
		Leeway: o.Leeway, Timers: o.Timers,
	}.yaml()
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(tmp, "jwtgate.yaml")
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		return nil, fmt.Errorf("soak: %w", err)
	}
	logs, err := os.Create(filepath.Join(o.Out, "jwtgate.log"))
	if err != nil {
		return nil, fmt.Errorf("soak: %w", err)
	}
	defer logs.Close()
	g, err := startGate(bin, cfgPath, logs)
	if err != nil {
		return nil, err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = g.stop(10 * time.Second)
		}
	}()
	if err := g.waitReady(ctx, admin, 30*time.Second); err != nil {
		return nil, err
	}

	m, err := newMinter(iss)
	if err != nil {
		return nil, err
	}
	l := newLoad(loadConfig{
		Target: "http://" + listen + "/items/1", Rate: o.Rate, Credentials: creds, TokenURL: iss.TokenURL(), Lifetime: o.TokenLifetime,
		Fresh: o.Fresh, Invalid: o.Invalid, Duration: o.Duration, Seed: o.Seed,
	}, m)
	defer l.close()
	w := o.window()
	rots := o.rotations()
	start := time.Now().Add(300 * time.Millisecond)
	if o.OutageFor > 0 {
		fp.SetOutage(start.Add(w.Start), start.Add(w.Start+w.For), o.OutageModes)
	}
	fmt.Fprintf(progress, "soak: load for %v at %d requests/s from %d clients; outage %v-%v\n",
		o.Duration, o.Rate, o.Clients, w.Start, w.Start+w.For)

	bg, stopBG := context.WithCancel(ctx)
	var wg sync.WaitGroup
	sc := newScraper(admin)
	wg.Go(func() { sc.run(bg, start) })
	wg.Go(func() { l.fill(bg) })
	var rotMu sync.Mutex
	wg.Go(func() { rotate(bg, iss, start, rots, &rotMu) })
	l.run(ctx, start)
	sc.once(ctx, start)
	stopBG()
	wg.Wait()

	recs, reasons := l.results()
	samples, scrapeErrs := sc.results()
	r := analyse(recs, samples, w, o.Duration)
	r.Settings = o.settings()
	r.Settings["gateway"] = listen
	r.Reasons = reasons
	r.Overload, r.TokenRequests, r.PoolMisses = l.overload.Load(), l.tokenRequests.Load(), l.poolMisses.Load()
	r.ScrapeErrors = scrapeErrs
	rotMu.Lock()
	r.Rotations = rots
	rotMu.Unlock()
	r.Issuer, r.Garbage = fp.Counts(), fp.GarbageCounts()
	r.Issuer["issuer saw (jwks.json)"] = int64(iss.JWKSRequests())
	select {
	case <-g.exited:
		r.Failures = append(r.Failures, fmt.Sprintf("jwtgate exited during the run: %v", g.err))
	default:
	}
	stopped = true
	if err := g.stop(10 * time.Second); err != nil {
		r.Failures = append(r.Failures, fmt.Sprintf("jwtgate did not stop cleanly: %v", err))
	}
	if ctx.Err() != nil {
		r.Failures = append(r.Failures, "interrupted")
	}
	r.finish()

	if err := writeReports(r, o.Out); err != nil {
		return nil, err
	}
	return r, nil
}

// writeReports writes report.txt, report.json and soak.png into dir.
func writeReports(r *Report, dir string) error {
	f, err := os.Create(filepath.Join(dir, "report.txt"))
	if err != nil {
		return fmt.Errorf("soak: %w", err)
	}
	r.WriteText(f)
	if err := f.Close(); err != nil {
		return fmt.Errorf("soak: %w", err)
	}
	data, err := json.Marshal(r, json.Deterministic(true))
	if err != nil {
		return fmt.Errorf("soak: report.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("soak: %w", err)
	}
	return writePlot(r, filepath.Join(dir, "soak.png"))
}

// rotate carries out the planned rotations, from start, until ctx ends;
// it records each new key's ID in rots (under mu).
func rotate(ctx context.Context, iss *verifiertest.Issuer, start time.Time, rots []Rotation, mu *sync.Mutex) {
	type step struct {
		at     time.Duration
		n      int
		action string
	}
	var steps []step
	for n, r := range rots {
		steps = append(steps, step{r.Publish, n, "publish"}, step{r.Use, n, "use"}, step{r.Retire, n, "retire"})
	}
	slices.SortStableFunc(steps, func(a, b step) int { return cmp.Compare(a.at, b.at) })
	kids := make([]string, len(rots))
	first := iss.KeyID()
	for _, s := range steps {
		t := time.NewTimer(time.Until(start.Add(s.at)))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		switch s.action {
		case "publish":
			kids[s.n] = iss.Publish()
			mu.Lock()
			rots[s.n].Kid = kids[s.n]
			mu.Unlock()
		case "use":
			_ = iss.Use(kids[s.n]) // published above: cannot fail
		case "retire":
			old := first
			if s.n > 0 {
				old = kids[s.n-1]
			}
			iss.Retire(old)
		}
	}
}

// serve serves h on a loopback port; stop shuts it down.
func serve(h http.Handler) (addr string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("soak: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	return ln.Addr().String(), func() {
		_ = srv.Close()
		<-done
	}, nil
}

// echo is the upstream: it answers what it was asked.
func echo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = fmt.Fprintf(w, "%s %s\n", r.Method, r.URL.Path)
}
