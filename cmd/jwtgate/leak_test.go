package main

import (
	"context"
	"fmt"
	"net/http"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// TestNoGoroutineLeft starts a gateway, serves, reloads it a few times and
// shuts it down: the goroutines it started (listeners, watcher, closing
// runtimes, upstream connections) must all end.
func stacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:goruntime.Stack(buf, true)])
}

func TestNoGoroutineLeft(t *testing.T) {
	up := echoUpstream(t)
	secret := strings.Repeat("k", 32)
	t.Setenv("JWTGATE_LEAK_SECRET", secret)
	text := func(scope string) string {
		return fmt.Sprintf(`mode: proxy
listen: 127.0.0.1:0
admin_listen: 127.0.0.1:0
upstream:
  url: %s
issuers:
  - issuer: client-1
    secret_env: JWTGATE_LEAK_SECRET
audiences: [api]
policy:
  rules:
    - pattern: GET /items/
      scopes: [%s]
`, up.URL, scope)
	}
	token, err := verifiertest.Sign("HS256", []byte(secret), nil, map[string]any{
		"iss": "client-1", "aud": "api", "scope": "read", "exp": time.Now().Add(time.Hour).Unix(),
	})
	require.NoError(t, err)
	client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}

	// require.Eventually runs its condition on a goroutine of its own:
	// count the goroutines from one here too.
	count := make(chan int)
	go func() { count <- goruntime.NumGoroutine() }()
	before := <-count
	g := startGatewayWatching(t, text("read"), time.Millisecond)
	want := 200
	for i, scope := range []string{"admin", "read", "admin", "read"} {
		require.Equal(t, want, send(t, client, "GET", g.url("/items/"), token, nil).status, "request %d", i)
		g.rewrite(t, text(scope))
		require.NoError(t, g.Reload(), "Reload %d", i)
		want = map[string]int{"read": 200, "admin": 403}[scope]
	}
	client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, g.Shutdown(ctx))
	require.Eventually(t, func() bool { return goruntime.NumGoroutine() <= before }, 10*time.Second, 5*time.Millisecond,
		"goroutines: %d before the gateway, %d after its shutdown:\n%s", before, goruntime.NumGoroutine(), stacks())
}
