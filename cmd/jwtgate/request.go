package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/jwtgate/jwtgate/gateway"
)

// requestIDHeader carries the request id to the upstream and the client.
const requestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds an inbound request id.
const maxRequestIDLen = 128

// reqState is what the layers of one request tell the access log.
type reqState struct {
	id          string
	logger      *slog.Logger
	result      gateway.Result
	haveResult  bool
	upstream    time.Duration // the upstream's part, in proxy mode
	upstreamErr error
}

type stateKey struct{}

func stateFrom(ctx context.Context) *reqState {
	st, _ := ctx.Value(stateKey{}).(*reqState)
	return st
}

// onResult is the gateway's Config.OnResult: it hands the result to the
// request's state.
func onResult(r *http.Request, res gateway.Result) {
	if st := stateFrom(r.Context()); st != nil {
		st.result = res
		st.haveResult = true
	}
}

// requestID returns the request's id: the inbound X-Request-Id when a
// trusted proxy sent one that is a short token, else a new random one.
func requestID(r *http.Request, trusted []netip.Prefix) string {
	if vs := r.Header.Values(requestIDHeader); len(vs) == 1 && validRequestID(vs[0]) && trustedPeer(r.RemoteAddr, trusted) {
		return vs[0]
	}
	return newRequestID()
}

// validRequestID reports whether id is 1 to 128 bytes of [A-Za-z0-9._-].
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// newRequestID returns 16 random bytes in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// recorder notes the status a handler answers, and passes flushes and
// hijacks (for upgrades) through.
type recorder struct {
	http.ResponseWriter
	status   int
	hijacked bool
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 || (w.status < 200 && code >= 200) {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush sends what is buffered to the client.
func (w *recorder) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack takes over the connection, as the proxy does to answer 101
// Switching Protocols.
func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return conn, rw, err
}

// finalStatus is the status the request was answered with.
func (w *recorder) finalStatus() int {
	switch {
	case w.hijacked && (w.status == 0 || w.status == http.StatusSwitchingProtocols):
		return http.StatusSwitchingProtocols
	case w.status == 0:
		return http.StatusOK
	}
	return w.status
}
