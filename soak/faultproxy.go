package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Mode is how the fault proxy answers one request for the issuer.
type Mode int

// The modes of the fault proxy.
const (
	// ModePass forwards the request to the issuer.
	ModePass Mode = iota
	// ModeError answers a 5xx status (500, 502, 503, 504 in turn).
	ModeError
	// ModeHang holds the request until the client gives up or the proxy
	// closes, then drops the connection unanswered.
	ModeHang
	// ModeGarbage answers 200 OK with a body that is no usable key set:
	// an HTML page, the issuer's document cut in half, an empty key set,
	// an OAuth error object, a JSON array, a key without material.
	ModeGarbage
	// ModeReset resets the TCP connection without answering.
	ModeReset
	numModes
)

var modeNames = [numModes]string{"pass", "error", "hang", "garbage", "reset"}

// String returns the mode's name, such as "hang".
func (m Mode) String() string {
	if m >= 0 && m < numModes {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseModes reads a comma-separated list of mode names.
func ParseModes(s string) ([]Mode, error) {
	var out []Mode
	for name := range strings.SplitSeq(s, ",") {
		name = strings.TrimSpace(name)
		found := false
		for m, n := range modeNames {
			if n == name {
				out = append(out, Mode(m))
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("soak: unknown fault mode %q (known: %s)", name, strings.Join(modeNames[:], ", "))
		}
	}
	if len(out) == 0 {
		return nil, errors.New("soak: no fault mode given")
	}
	return out, nil
}

// garbageBodies are the bodies of ModeGarbage, in turn; "" stands for the
// issuer's real document cut in half.
var garbageBodies = []struct{ name, contentType, body string }{
	{"html", "text/html; charset=utf-8", "<!DOCTYPE html>\n<html><head><title>Maintenance</title></head><body><h1>Back soon</h1></body></html>\n"},
	{"truncated", "application/json", ""},
	{"empty-set", "application/jwk-set+json", `{"keys":[]}`},
	{"oauth-error", "application/json", `{"error":"temporarily_unavailable"}`},
	{"array", "application/json", `[]`},
	{"key-without-material", "application/jwk-set+json", `{"keys":[{"kty":"EC","kid":"x","crv":"P-256"}]}`},
}

// FaultProxy is a reverse proxy in front of an issuer that misbehaves on
// schedule: outside the outage it forwards every request; within it, each
// request gets the next mode of the outage's list, in turn. It counts the
// requests of each mode. It is safe for concurrent use.
type FaultProxy struct {
	target *url.URL
	proxy  *httputil.ReverseProxy
	client *http.Client

	mu          sync.Mutex
	outageStart time.Time
	outageEnd   time.Time
	modes       []Mode
	next        int // index into modes of the next outage request
	garbageNext int
	now         func() time.Time

	counts  [numModes]atomic.Int64
	garbage sync.Map // variant name -> *atomic.Int64
	done    chan struct{}
	once    sync.Once
	held    sync.WaitGroup
}

// NewFaultProxy returns a proxy to target (scheme and host) that forwards
// every request until SetOutage.
func NewFaultProxy(target *url.URL) *FaultProxy {
	p := &FaultProxy{
		target: target,
		client: &http.Client{Timeout: 5 * time.Second},
		now:    time.Now,
		done:   make(chan struct{}),
	}
	p.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = target.Host
		},
	}
	return p
}

// SetOutage makes requests arriving in [start, end) misbehave with modes,
// in turn.
func (p *FaultProxy) SetOutage(start, end time.Time, modes []Mode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.outageStart, p.outageEnd, p.modes, p.next = start, end, append([]Mode(nil), modes...), 0
}

// pick returns the mode of a request arriving now, and for ModeGarbage
// the body variant.
func (p *FaultProxy) pick() (Mode, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if len(p.modes) == 0 || now.Before(p.outageStart) || !now.Before(p.outageEnd) {
		return ModePass, 0
	}
	m := p.modes[p.next%len(p.modes)]
	p.next++
	g := 0
	if m == ModeGarbage {
		g = p.garbageNext % len(garbageBodies)
		p.garbageNext++
	}
	return m, g
}

// Counts returns how many requests each mode served, by mode name.
func (p *FaultProxy) Counts() map[string]int64 {
	out := make(map[string]int64, numModes)
	for m := range numModes {
		out[m.String()] = p.counts[m].Load()
	}
	return out
}

// GarbageCounts returns how many garbage answers of each variant were
// sent.
func (p *FaultProxy) GarbageCounts() map[string]int64 {
	out := map[string]int64{}
	p.garbage.Range(func(k, v any) bool {
		out[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return out
}

// Close releases the held requests (their connections are dropped) and
// waits for them.
func (p *FaultProxy) Close() {
	p.once.Do(func() { close(p.done) })
	p.held.Wait()
}

// ServeHTTP answers r as the schedule says.
func (p *FaultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m, g := p.pick()
	p.counts[m].Add(1)
	switch m {
	case ModePass:
		p.proxy.ServeHTTP(w, r)
	case ModeError:
		statuses := []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}
		status := statuses[int(p.counts[m].Load())%len(statuses)]
		http.Error(w, http.StatusText(status), status)
	case ModeHang:
		p.held.Add(1)
		defer p.held.Done()
		select {
		case <-r.Context().Done():
		case <-p.done:
		}
		panic(http.ErrAbortHandler) // drop the connection unanswered
	case ModeGarbage:
		v := garbageBodies[g]
		c, _ := p.garbage.LoadOrStore(v.name, new(atomic.Int64))
		c.(*atomic.Int64).Add(1)
		body := v.body
		if body == "" {
			body = p.truncated(r.Context(), r.URL.Path)
		}
		w.Header().Set("Content-Type", v.contentType)
		_, _ = io.WriteString(w, body)
	case ModeReset:
		reset(w)
	}
}

// truncated returns the first half of the issuer's document at path.
func (p *FaultProxy) truncated(ctx context.Context, path string) string {
	const fallback = `{"keys":[{"kty":`
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.target.JoinPath(path).String(), nil)
	if err != nil {
		return fallback
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return fallback
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || len(b) < 2 {
		return fallback
	}
	return string(b[:len(b)/2])
}

// reset closes the request's TCP connection with SO_LINGER 0, so that the
// client sees a connection reset.
func reset(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	conn, _, err := rc.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
