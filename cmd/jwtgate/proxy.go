package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"sync"
	"time"

	"github.com/jwtgate/jwtgate/cmd/jwtgate/internal/config"
	"github.com/jwtgate/jwtgate/cmd/jwtgate/internal/metrics"
)

// newProxy returns the reverse proxy to the upstream and its transport.
func newProxy(u *config.Upstream, trusted []netip.Prefix, logger *slog.Logger) (*httputil.ReverseProxy, *http.Transport) {
	transport := &http.Transport{
		// The upstream is reached directly, whatever HTTP_PROXY says.
		Proxy: nil,
		DialContext: (&net.Dialer{
			Timeout:   u.DialTimeout,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       u.IdleTimeout,
		ResponseHeaderTimeout: u.ResponseHeaderTimeout,
		TLSHandshakeTimeout:   u.DialTimeout,
		ExpectContinueTimeout: time.Second,
	}
	target := u.URL
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			fromProxy := trustedPeer(pr.In.RemoteAddr, trusted)
			if fromProxy {
				// A trusted proxy's chain is kept, and our peer appended.
				pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
			}
			pr.SetURL(target)
			pr.SetXForwarded()
			if fromProxy {
				for _, h := range []string{"X-Forwarded-Host", "X-Forwarded-Proto"} {
					if v := pr.In.Header.Values(h); len(v) == 1 {
						pr.Out.Header.Set(h, v[0])
					}
				}
			}
		},
		Transport: transport,
		// No periodic flushing: ReverseProxy flushes every write of a
		// streamed answer by itself (server-sent events, or any answer
		// without a Content-Length), and buffers the others.
		BufferPool:   bufferPool{},
		ErrorHandler: proxyError,
		ErrorLog:     slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return proxy, transport
}

// bufferPool lends the proxy its copy buffers. Without one, ReverseProxy
// allocates 32 KiB for every request it proxies, by far the largest
// allocation of a request, and the garbage collector's work grows with it.
type bufferPool struct{}

// copyBuffers holds the buffers; the size is ReverseProxy's own.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32*1024); return &b }}

// Get returns a buffer for one copy.
func (bufferPool) Get() []byte { return *copyBuffers.Get().(*[]byte) }

// Put takes a buffer back.
func (bufferPool) Put(b []byte) {
	if cap(b) == 32*1024 {
		copyBuffers.Put(&b)
	}
}

// proxyError answers 502 when the upstream cannot be reached or fails,
// without telling the client why; the log line of the request says.
func proxyError(w http.ResponseWriter, r *http.Request, err error) {
	st := stateFrom(r.Context())
	if st != nil {
		st.upstreamErr = err
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away; nobody reads the answer.
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = io.WriteString(w, "bad gateway\n")
}

// upstreamTimer measures the upstream's part of a proxied request.
func upstreamTimer(m *metrics.Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		d := time.Since(start)
		m.Upstream(d)
		if st := stateFrom(r.Context()); st != nil {
			st.upstream = d
		}
	})
}

// trustedPeer reports whether the request's peer address is in trusted.
func trustedPeer(remoteAddr string, trusted []netip.Prefix) bool {
	if len(trusted) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return false
	}
	addr := ap.Addr().Unmap()
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}
