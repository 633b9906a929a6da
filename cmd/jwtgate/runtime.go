package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/claimheader"
	"github.com/jwtgate/jwtgate/cmd/jwtgate/internal/config"
	"github.com/jwtgate/jwtgate/cmd/jwtgate/internal/metrics"
	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/gateway"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
)

// startupRefreshTimeout bounds the first fetch of each key set made when a
// configuration goes live; requests fetch again later if it fails.
const startupRefreshTimeout = 10 * time.Second

// runtime is one configuration made live: its verifier, gateway and, in
// proxy mode, reverse proxy. Requests hold a reference to the runtime they
// started with; when a reload replaces it, the old one closes its key
// sources and idle upstream connections once the last of them is done.
type runtime struct {
	cfg       *config.Config
	handler   http.Handler // the gateway (in front of the proxy in proxy mode)
	tls       *tls.Config  // nil for plain HTTP
	remotes   []issuerRemote
	transport *http.Transport // nil in forward_auth mode
	// replay is the DPoP replay store, nil without DPoP; replaySize its
	// bound.
	replay     *dpop.MemoryStore
	replaySize int

	// refs counts the requests using the runtime, plus one while it is
	// the current one. At zero it is closed, and never used again.
	refs    atomic.Int64
	cancel  context.CancelFunc // stops the start-up fetches
	fetches sync.WaitGroup
	closed  chan struct{}
}

// issuerRemote is the remote key source of one issuer.
type issuerRemote struct {
	issuer string
	remote *jwks.Remote
}

// buildEnv is what a runtime is built with besides its configuration.
type buildEnv struct {
	logger  *slog.Logger
	metrics *metrics.Metrics
	// replay is the DPoP replay store of the configuration live before
	// (nil at start), of replaySize entries.
	replay     *dpop.MemoryStore
	replaySize int
	// nonceSecret makes the DPoP server nonces: random, made once per
	// process.
	nonceSecret []byte
}

// build makes cfg live, without I/O beyond reading the TLS files: nothing
// is fetched until start. Its error is a config.Errors.
func build(cfg *config.Config, env buildEnv) (_ *runtime, err error) {
	rt := &runtime{cfg: cfg, closed: make(chan struct{})}
	rt.refs.Store(1)
	defer func() {
		if err != nil {
			rt.closeSources()
		}
	}()
	fail := func(line int, format string, args ...any) error {
		return config.Errors{{File: cfg.File, Line: line, Msg: fmt.Sprintf(format, args...)}}
	}

	if cfg.TLS != nil {
		if rt.tls, err = tlsConfig(cfg.TLS); err != nil {
			return nil, fail(0, "tls: %v", err)
		}
	}

	sources := make(map[string]jwks.Source, len(cfg.Issuers))
	issuers := make([]string, 0, len(cfg.Issuers))
	for _, is := range cfg.Issuers {
		issuers = append(issuers, is.Issuer)
		if is.Secret != nil {
			key, err := jwks.NewSecret("", is.Secret)
			if err != nil {
				return nil, fail(0, "issuer %q: the secret is refused", is.Issuer)
			}
			static, err := jwks.NewStatic(key)
			if err != nil {
				return nil, fail(0, "issuer %q: %v", is.Issuer, err)
			}
			sources[is.Issuer] = static
			continue
		}
		rc := is.Keys.RemoteConfig(jwks.RemoteConfig{
			Hooks:  jwks.Hooks{OnFetch: env.metrics.OnFetch(is.Issuer)},
			Logger: env.logger.With("issuer", is.Issuer),
		})
		if is.Discovery {
			rc.Issuer = is.Issuer
		} else {
			rc.URL = is.JWKSURL
		}
		remote, err := jwks.NewRemote(rc)
		if err != nil {
			return nil, fail(0, "issuer %q: %v", is.Issuer, err)
		}
		rt.remotes = append(rt.remotes, issuerRemote{issuer: is.Issuer, remote: remote})
		sources[is.Issuer] = remote
	}
	keys, err := jwks.NewByIssuer(sources)
	if err != nil {
		return nil, fail(0, "issuers: %v", err)
	}
	v, err := verifier.New(verifier.Config{
		Issuers:           issuers,
		Audiences:         cfg.Audiences,
		SkipAudienceCheck: cfg.SkipAudienceCheck,
		Keys:              keys,
		Algorithms:        cfg.Algorithms,
		Leeway:            cfg.Leeway,
	})
	if err != nil {
		return nil, fail(0, "%v", err)
	}

	var headers *claimheader.Headers
	if !cfg.HeadersEmpty() {
		if headers, err = claimheader.New(cfg.Headers); err != nil {
			return nil, fail(cfg.HeadersLine, "headers: %v", err)
		}
	}
	bopts := bearer.Options{Realm: cfg.Realm}
	if cfg.DPoP != nil {
		if bopts.DPoP, err = rt.dpopChecker(cfg.DPoP, env); err != nil {
			return nil, fail(0, "dpop: %v", err)
		}
	}
	gcfg := gateway.Config{
		Verifier:          v,
		Policy:            cfg.Policy,
		Headers:           headers,
		Bearer:            bopts,
		TrustedProxies:    cfg.TrustedProxies,
		CertificateHeader: cfg.ClientCertificateHeader,
		PathPrefix:        cfg.ForwardAuth.PathPrefix,
		OnResult:          onResult,
	}
	if cfg.Upstream != nil {
		gcfg.ForwardAuthorization = cfg.Upstream.ForwardAuthorization
	}
	gw, err := gateway.New(gcfg)
	if err != nil {
		return nil, fail(0, "%v", err)
	}

	switch cfg.Mode {
	case config.ModeProxy:
		proxy, transport := newProxy(cfg.Upstream, cfg.TrustedProxies, env.logger)
		rt.transport = transport
		rt.handler = gw.Handler(upstreamTimer(env.metrics, proxy))
	default:
		rt.handler = gw.ForwardAuth()
	}
	return rt, nil
}

// dpopChecker makes the DPoP checker of p.
//
// The replay store is the previous configuration's when its size is the
// same, so that a reload does not forget the proofs already accepted: a
// proof sent once before a reload is still refused after it (within its
// max_age). A store of another size starts empty, as after a restart.
// (The store keeps each proof until the end of the window it was accepted
// under: a reload that raises max_age or leeway lets a proof whose old
// window has passed be accepted again while the new one lasts.) The
// nonces come from the process's secret, so they too survive a reload.
func (rt *runtime) dpopChecker(p *config.DPoP, env buildEnv) (*dpop.Checker, error) {
	size := p.ReplayCacheSize
	if size == 0 {
		size = dpop.DefaultMemoryStoreSize
	}
	rt.replay, rt.replaySize = env.replay, size
	if env.replay == nil || env.replaySize != size {
		rt.replay = dpop.NewMemoryStore(size)
	}
	dc := dpop.Config{
		Required:   p.Required,
		Algorithms: p.Algorithms,
		MaxAge:     p.MaxAge,
		Leeway:     p.Leeway,
		Replay:     rt.replay,
	}
	if p.Nonce {
		secret := env.nonceSecret
		if secret == nil {
			secret = newNonceSecret()
		}
		nonces, err := dpop.NewNonces(secret, p.NonceLifetime, nil)
		if err != nil {
			return nil, err
		}
		dc.Nonces = nonces
	}
	return dpop.New(dc)
}

// newNonceSecret returns 32 random bytes for dpop.NewNonces.
func newNonceSecret() []byte {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // crypto/rand.Read never fails
	return secret
}

// tlsConfig loads the listener's certificate and the client CAs.
func tlsConfig(t *config.TLS) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("cannot load the certificate and key: %w", err)
	}
	tc := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		// The listener hands each handshake the current configuration's
		// tls.Config (see server.Start), whose protocols are these.
		NextProtos: []string{"h2", "http/1.1"},
	}
	if t.ClientCAFile != "" {
		pem, err := os.ReadFile(t.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("cannot read client_ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("client_ca_file %s holds no PEM certificate", t.ClientCAFile)
		}
		tc.ClientCAs = pool
		tc.ClientAuth = tls.VerifyClientCertIfGiven
		if t.RequireClientCert {
			tc.ClientAuth = tls.RequireAndVerifyClientCert
		}
	}
	return tc, nil
}

// start fetches every remote key set in the background, so that the first
// requests find the keys loaded and /readyz turns ready.
func (rt *runtime) start(logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), startupRefreshTimeout)
	rt.cancel = cancel
	for _, ir := range rt.remotes {
		rt.fetches.Go(func() {
			if err := ir.remote.Refresh(ctx); err != nil {
				logger.Warn("keys not loaded", "issuer", ir.issuer, "error", err.Error())
			}
		})
	}
}

// acquire takes a reference for a request; it fails once the runtime is
// closing.
func (rt *runtime) acquire() bool {
	for {
		n := rt.refs.Load()
		if n <= 0 {
			return false
		}
		if rt.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release drops a reference and reports whether it was the last one: the
// caller must then close the runtime.
func (rt *runtime) release() bool {
	return rt.refs.Add(-1) == 0
}

// close stops the start-up fetches, closes the key sources and the idle
// upstream connections.
func (rt *runtime) close() {
	if rt.cancel != nil {
		rt.cancel()
	}
	rt.fetches.Wait()
	rt.closeSources()
	if rt.transport != nil {
		rt.transport.CloseIdleConnections()
	}
	close(rt.closed)
}

func (rt *runtime) closeSources() {
	for _, ir := range rt.remotes {
		_ = ir.remote.Close()
	}
}

// ready reports whether every issuer's keys are loaded, and if not, why.
func (rt *runtime) ready() (bool, string) {
	for _, ir := range rt.remotes {
		if !ir.remote.Status().Ready {
			return false, fmt.Sprintf("keys of issuer %q not loaded", ir.issuer)
		}
	}
	return true, ""
}
