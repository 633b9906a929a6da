package redisreplay_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// installHint says how to get the server the tests start.
const installHint = "redis-server is not on PATH; install it with `apt-get install redis-server` " +
	"(the tests start their own server on a loopback port)"

// redisServer is a redis-server process that a test started on a loopback
// port, with no persistence, and a client connected to it.
type redisServer struct {
	addr   string
	client *redis.Client
	stop   func() // kills the server and waits for it; safe to call twice
}

// startRedis starts a redis-server for tb and stops it in tb.Cleanup. When
// redis-server is missing it skips tb, or fails it when
// JWTGATE_REQUIRE_REDIS=1 (as in CI).
func startRedis(tb testing.TB) *redisServer {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("JWTGATE_REQUIRE_REDIS") == "1" {
			tb.Fatalf("JWTGATE_REQUIRE_REDIS=1 but %s", installHint)
		}
		tb.Skip(installHint)
	}
	// A port found free may be taken before redis-server binds it; try a
	// few times.
	var errs []error
	for range 3 {
		srv, err := launch(tb, bin)
		if err == nil {
			return srv
		}
		errs = append(errs, err)
	}
	tb.Fatalf("starting redis-server: %v", errors.Join(errs...))
	return nil
}

// launch starts one redis-server on a free loopback port and waits until it
// answers PING.
func launch(tb testing.TB, bin string) (*redisServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer // redis-server's log; read only after it exited
	cmd := exec.Command(bin,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", tb.TempDir())
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.SysProcAttr = dieWithParent()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	var once sync.Once
	kill := func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			<-exited
		})
	}

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	client := redis.NewClient(&redis.Options{
		Addr:                  addr,
		ContextTimeoutEnabled: true,
		DialTimeout:           time.Second,
	})
	if err := waitForPing(client, exited); err != nil {
		_ = client.Close()
		kill()
		return nil, fmt.Errorf("%w; redis-server said: %q", err, out.String())
	}
	srv := &redisServer{addr: addr, client: client, stop: kill}
	tb.Cleanup(func() {
		_ = client.Close()
		kill()
	})
	return srv, nil
}

// waitForPing polls the server with PING, backing off a little between
// tries, until it answers, exits or 10 s have passed.
func waitForPing(client *redis.Client, exited <-chan struct{}) error {
	deadline := time.Now().Add(10 * time.Second)
	backoff := 5 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		err := client.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer to PING within 10s: %w", err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-exited:
			t.Stop()
			return errors.New("redis-server exited before answering PING")
		case <-t.C:
		}
		backoff = min(2*backoff, 100*time.Millisecond)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// newClient returns another client of srv, closed in tb.Cleanup, so that a
// test can change how it behaves without disturbing srv.client.
func (srv *redisServer) newClient(tb testing.TB, opt redis.Options) *redis.Client {
	tb.Helper()
	opt.Addr = srv.addr
	c := redis.NewClient(&opt)
	tb.Cleanup(func() { _ = c.Close() })
	return c
}
