package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwtgate/jwtgate/cmd/jwtgate/internal/config"
	"github.com/jwtgate/jwtgate/cmd/jwtgate/internal/metrics"
	"github.com/jwtgate/jwtgate/dpop"
)

// serverOptions configure a server.
type serverOptions struct {
	// Path is the configuration file, read at start and at each reload.
	Path string
	// Data, when Path is empty, is the configuration itself (the demo's),
	// named Name; it is never reloaded.
	Data []byte
	Name string
	// Logs receives the JSON log lines.
	Logs io.Writer
	// WatchInterval is how often the file is checked for changes; zero
	// turns the check off.
	WatchInterval time.Duration
}

// server is the running gateway: its listeners, the current runtime and
// the admin endpoints. Start, Reload and Shutdown are safe to call from
// several goroutines.
type server struct {
	opts    serverOptions
	level   slog.LevelVar
	logger  *slog.Logger
	metrics *metrics.Metrics
	current atomic.Pointer[runtime]

	reloadMu sync.Mutex // serializes reloads
	lastSum  [sha256.Size]byte
	// replay is the DPoP replay store handed from each configuration to
	// the next (see runtime.dpopChecker), of replaySize entries; it stays
	// while a configuration without DPoP is live, for the next one with
	// it. Guarded by reloadMu.
	replay      *dpop.MemoryStore
	replaySize  int
	nonceSecret []byte // the DPoP nonces' secret, made once

	main, admin     *http.Server
	mainLn, adminLn net.Listener
	baseCtx         context.Context
	baseCancel      context.CancelFunc
	requests        sync.WaitGroup // requests in handlers, hijacked ones included
	background      sync.WaitGroup // serving loops, the watcher, runtimes closing
	stopWatch       chan struct{}
	shutdownOnce    sync.Once
	closed          atomic.Bool // the current runtime is released for good
	shutdownErr     error
}

// newServer loads and builds the configuration; nothing listens yet.
func newServer(opts serverOptions) (*server, error) {
	s := &server{opts: opts, metrics: metrics.New(), stopWatch: make(chan struct{}), nonceSecret: newNonceSecret()}
	s.logger = slog.New(slog.NewJSONHandler(opts.Logs, &slog.HandlerOptions{Level: &s.level}))
	data, name, err := s.read()
	if err != nil {
		return nil, err
	}
	cfg, err := s.parse(name, data)
	if err != nil {
		return nil, err
	}
	rt, err := build(cfg, s.env())
	if err != nil {
		return nil, err
	}
	s.level.Set(cfg.LogLevel)
	s.lastSum = sha256.Sum256(data)
	s.keepReplay(rt)
	s.current.Store(rt)
	s.metrics.Loaded(time.Now())
	return s, nil
}

// env is what build needs besides the configuration. The caller holds
// reloadMu (or no other goroutine runs yet).
func (s *server) env() buildEnv {
	return buildEnv{logger: s.logger, metrics: s.metrics, replay: s.replay, replaySize: s.replaySize, nonceSecret: s.nonceSecret}
}

// keepReplay keeps the DPoP replay store of rt, if it has one, for the
// next configuration. The caller holds reloadMu (or no other goroutine
// runs yet).
func (s *server) keepReplay(rt *runtime) {
	if rt.replay != nil {
		s.replay, s.replaySize = rt.replay, rt.replaySize
	}
}

// read returns the configuration's bytes and name.
func (s *server) read() ([]byte, string, error) {
	if s.opts.Path == "" {
		return s.opts.Data, s.opts.Name, nil
	}
	data, err := os.ReadFile(s.opts.Path)
	if err != nil {
		return nil, s.opts.Path, config.Errors{{File: s.opts.Path, Msg: "cannot read: " + pathErr(err)}}
	}
	return data, s.opts.Path, nil
}

func (s *server) parse(name string, data []byte) (*config.Config, error) {
	dir := ""
	if s.opts.Path != "" {
		dir = filepath.Dir(s.opts.Path)
	}
	return config.Parse(name, data, config.Options{Dir: dir})
}

func pathErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Start binds the listeners and serves. It logs {"msg":"listening"} with
// the bound addresses once both are bound.
func (s *server) Start() error {
	rt := s.current.Load()
	cfg := rt.cfg
	s.baseCtx, s.baseCancel = context.WithCancel(context.Background())
	base := func(net.Listener) context.Context { return s.baseCtx }

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("jwtgate: listen: %w", err)
	}
	s.mainLn = ln
	s.main = &http.Server{
		Handler:           http.HandlerFunc(s.serveGateway),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       base,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelDebug),
	}
	if rt.tls != nil {
		// Each handshake takes the certificate and client CAs of the
		// configuration live at that moment: a reload (SIGHUP after a
		// certificate is renewed in place) changes them without a
		// restart.
		s.main.TLSConfig = &tls.Config{
			MinVersion: tls.VersionTLS12,
			GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
				return s.current.Load().tls, nil
			},
		}
	}
	if cfg.AdminListen != "" {
		aln, err := net.Listen("tcp", cfg.AdminListen)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("jwtgate: admin listen: %w", err)
		}
		s.adminLn = aln
		s.admin = &http.Server{
			Handler:           s.adminHandler(),
			ReadHeaderTimeout: 10 * time.Second,
			BaseContext:       base,
			ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelDebug),
		}
	}
	rt.start(s.logger)
	s.serve(s.main, s.mainLn, rt.tls != nil)
	attrs := []any{"addr", s.Addr(), "mode", cfg.Mode, "tls", rt.tls != nil}
	if s.admin != nil {
		s.serve(s.admin, s.adminLn, false)
		attrs = append(attrs, "admin", s.AdminAddr())
	}
	s.logger.Info("listening", attrs...)
	if s.opts.Path != "" && s.opts.WatchInterval > 0 {
		s.background.Go(s.watch)
	}
	return nil
}

func (s *server) serve(srv *http.Server, ln net.Listener, useTLS bool) {
	s.background.Go(func() {
		var err error
		if useTLS {
			// The certificate is in srv.TLSConfig.
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("serve failed", "error", err.Error())
		}
	})
}

// Addr returns the gateway listener's address.
func (s *server) Addr() string { return s.mainLn.Addr().String() }

// AdminAddr returns the admin listener's address, or "" when it is off.
func (s *server) AdminAddr() string {
	if s.adminLn == nil {
		return ""
	}
	return s.adminLn.Addr().String()
}

// serveGateway serves one request with the current runtime.
func (s *server) serveGateway(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.requests.Add(1)
	defer s.requests.Done()
	rt := s.acquire()
	if rt == nil {
		w.Header().Set("Connection", "close")
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.release(rt)

	id := requestID(r, rt.cfg.TrustedProxies)
	r.Header.Set(requestIDHeader, id)
	w.Header().Set(requestIDHeader, id)
	st := &reqState{id: id}
	rec := &recorder{ResponseWriter: w}
	rt.handler.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))

	total := time.Since(start)
	outcome := "unknown"
	if st.haveResult && st.result.Outcome != "" {
		outcome = st.result.Outcome
	}
	s.metrics.Request(outcome, total-st.upstream)
	status := rec.finalStatus()
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelWarn
	}
	if !s.logger.Enabled(r.Context(), level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("request_id", id),
		slog.String("method", r.Method),
		slog.String("path", r.URL.EscapedPath()),
		slog.Int("status", status),
		slog.String("outcome", outcome),
		slog.Float64("duration_ms", float64(total.Microseconds())/1000),
		slog.String("remote", r.RemoteAddr),
	}
	if c := st.result.Claims; c != nil {
		attrs = append(attrs, slog.String("subject", c.Subject()), slog.String("client_id", c.ClientID()))
	}
	if st.upstreamErr != nil {
		attrs = append(attrs, slog.String("upstream_error", st.upstreamErr.Error()))
	} else if st.result.Err != nil && status >= 500 {
		attrs = append(attrs, slog.String("error", st.result.Err.Error()))
	}
	s.logger.LogAttrs(r.Context(), level, "request", attrs...)
}

// acquire returns the current runtime with a reference taken, or nil once
// the server has shut down.
func (s *server) acquire() *runtime {
	for {
		rt := s.current.Load()
		if rt.acquire() {
			return rt
		}
		if s.closed.Load() {
			return nil
		}
		// rt was replaced and closed between the load and the acquire:
		// the next load sees its successor.
	}
}

// release drops a reference to rt, closing it in the background when it
// was the last.
func (s *server) release(rt *runtime) {
	if rt.release() {
		s.background.Go(rt.close)
	}
}

// Reload reads the configuration file again and, if it is valid and
// changes nothing that needs a restart, makes it live. Requests under way
// finish with the configuration they started with. On failure the current
// configuration stays, and the error says why.
func (s *server) Reload() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	data, name, err := s.read()
	if err == nil {
		s.lastSum = sha256.Sum256(data)
	}
	return s.reloadLocked(name, data, err)
}

func (s *server) reloadLocked(name string, data []byte, err error) error {
	if s.closed.Load() {
		return errors.New("jwtgate: shut down; nothing to reload")
	}
	var cfg *config.Config
	if err == nil {
		cfg, err = s.parse(name, data)
	}
	old := s.current.Load()
	if err == nil {
		err = restartNeeded(old.cfg, cfg)
	}
	var rt *runtime
	if err == nil {
		rt, err = build(cfg, s.env())
	}
	if err != nil {
		s.metrics.Reload(false, time.Now())
		s.logger.Error("reload failed", "error", oneLine(err))
		return err
	}
	rt.start(s.logger)
	s.keepReplay(rt)
	s.current.Store(rt)
	s.level.Set(cfg.LogLevel)
	s.release(old)
	s.metrics.Reload(true, time.Now())
	s.logger.Info("reloaded", "file", name)
	return nil
}

// oneLine joins the lines of a multi-line error for a log field.
func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

// restartNeeded refuses a new configuration that changes what only a
// restart can: the listeners, TLS on or off, and the mode. The TLS files
// (certificate, key, client CAs) are read again by every reload.
func restartNeeded(old, cfg *config.Config) error {
	var changed []string
	if old.Mode != cfg.Mode {
		changed = append(changed, "mode")
	}
	if old.Listen != cfg.Listen {
		changed = append(changed, "listen")
	}
	if old.AdminListen != cfg.AdminListen {
		changed = append(changed, "admin_listen")
	}
	if (old.TLS == nil) != (cfg.TLS == nil) {
		changed = append(changed, "tls")
	}
	if len(changed) == 0 {
		return nil
	}
	return fmt.Errorf("jwtgate: %s changed: restart jwtgate to apply the new file (the running configuration stays)", strings.Join(changed, ", "))
}

// watch reloads the file when its contents change.
func (s *server) watch() {
	t := time.NewTicker(s.opts.WatchInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stopWatch:
			return
		case <-t.C:
			s.checkFile()
		}
	}
}

// checkFile reloads the file if its contents differ from those last
// loaded or tried.
func (s *server) checkFile() {
	data, err := os.ReadFile(s.opts.Path)
	if err != nil {
		// A file being replaced may be briefly absent; the next tick
		// sees the new one.
		return
	}
	sum := sha256.Sum256(data)
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if bytes.Equal(sum[:], s.lastSum[:]) {
		return
	}
	s.lastSum = sum
	_ = s.reloadLocked(s.opts.Path, data, nil)
}

// Shutdown stops accepting connections and waits, at most until ctx ends,
// for the requests under way; then it cuts the rest (upgraded connections
// included) and closes the current runtime.
func (s *server) Shutdown(ctx context.Context) error {
	s.shutdownOnce.Do(func() {
		close(s.stopWatch)
		var errs []error
		if s.main != nil {
			errs = append(errs, s.main.Shutdown(ctx))
		}
		if s.admin != nil {
			errs = append(errs, s.admin.Shutdown(ctx))
		}
		if s.baseCancel != nil {
			// Ends upgraded connections, which Shutdown does not wait for,
			// and the requests still running past ctx.
			s.baseCancel()
		}
		if err := ctx.Err(); err != nil {
			if s.main != nil {
				_ = s.main.Close()
			}
			if s.admin != nil {
				_ = s.admin.Close()
			}
		}
		s.requests.Wait()
		s.reloadMu.Lock()
		s.closed.Store(true)
		s.release(s.current.Load())
		s.reloadMu.Unlock()
		s.background.Wait()
		s.shutdownErr = errors.Join(errs...)
	})
	return s.shutdownErr
}

// ShutdownTimeout is the current configuration's bound of a graceful
// shutdown.
func (s *server) ShutdownTimeout() time.Duration {
	return s.current.Load().cfg.ShutdownTimeout
}
