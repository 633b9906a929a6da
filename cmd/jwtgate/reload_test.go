package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// Two policies for /items/: A lets a "read" token through, B needs "admin".
const (
	rulesA = "    - pattern: GET /public/\n      allow: public\n    - pattern: GET /items/\n      scopes: [read]\n"
	rulesB = "    - pattern: GET /public/\n      allow: public\n    - pattern: GET /items/\n      scopes: [admin]\n"
)

func TestReloadMethod(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := echoUpstream(t)
	a := configText(settings{issuer: iss, upstream: up.URL, rules: rulesA})
	g := startGateway(t, a)
	token := iss.MustMint(t, verifiertest.Token{Scope: "read"})
	require.Equal(t, 200, send(t, http.DefaultClient, "GET", g.url("/items/"), token, nil).status, "policy A")

	g.rewrite(t, configText(settings{issuer: iss, upstream: up.URL, rules: rulesB}))
	old := g.current.Load()
	require.NoError(t, g.Reload(), "Reload to policy B")
	assert.Equal(t, 403, send(t, http.DefaultClient, "GET", g.url("/items/"), token, nil).status, "policy B")
	select {
	case <-old.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the replaced runtime was not closed")
	}
	assert.Len(t, g.logs.withMsg(t, "reloaded"), 1)

	tests := []struct {
		name    string
		text    string
		wantErr string
	}{
		{"invalid file", a + "scope: read\n", g.path + ":23: unknown key \"scope\""},
		{"listen changed", strings.Replace(a, "listen: 127.0.0.1:0", "listen: 127.0.0.1:1", 1),
			"jwtgate: listen changed: restart jwtgate to apply the new file (the running configuration stays)"},
		{"mode changed", strings.Replace(strings.Replace(a, "mode: proxy", "mode: forward_auth", 1), "upstream:\n  url: "+up.URL+"\n", "trusted_proxies: [127.0.0.1/32]\n", 1) + "",
			"jwtgate: mode changed: restart jwtgate to apply the new file (the running configuration stays)"},
		{"tls added", a + "tls:\n  cert_file: a.crt\n  key_file: a.key\n",
			"jwtgate: tls changed: restart jwtgate to apply the new file (the running configuration stays)"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g.rewrite(t, tt.text)
			err := g.Reload()
			require.Error(t, err, "Reload of %s", tt.name)
			assert.Equal(t, tt.wantErr, err.Error())
			assert.Equal(t, 403, send(t, http.DefaultClient, "GET", g.url("/items/"), token, nil).status, "policy B still in force")
			failed := g.logs.withMsg(t, "reload failed")
			require.Len(t, failed, i+1, "reload failed log lines")
			assert.Equal(t, tt.wantErr, failed[i]["error"])
		})
	}
	_, body := get(t, g.adminURL("/metrics"))
	assert.Contains(t, body, `jwtgate_config_reloads_total{result="success"} 1`)
	assert.Contains(t, body, fmt.Sprintf(`jwtgate_config_reloads_total{result="failure"} %d`, len(tests)))
}

func TestReloadWaitsForRequestsUnderWay(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	arrived, release := make(chan struct{}), make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/items/slow" {
			close(arrived)
			<-release
		}
		io.WriteString(w, "done")
	}))
	t.Cleanup(up.Close)
	g := startGateway(t, configText(settings{issuer: iss, upstream: up.URL, rules: rulesA}))
	token := iss.MustMint(t, verifiertest.Token{Scope: "read"})

	result := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("GET", g.url("/items/slow"), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			result <- 0
			return
		}
		resp.Body.Close()
		result <- resp.StatusCode
	}()
	<-arrived
	old := g.current.Load()
	g.rewrite(t, configText(settings{issuer: iss, upstream: up.URL, rules: rulesB}))
	require.NoError(t, g.Reload())
	assert.Equal(t, 403, send(t, http.DefaultClient, "GET", g.url("/items/"), token, nil).status, "new requests get policy B")
	select {
	case <-old.closed:
		t.Fatal("the old runtime was closed while a request still used it")
	default:
	}
	close(release)
	assert.Equal(t, 200, <-result, "the request under way finishes with policy A")
	select {
	case <-old.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the old runtime was not closed after its last request")
	}
}

func TestReloadOnFileChange(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := echoUpstream(t)
	g := startGatewayWatching(t, configText(settings{issuer: iss, upstream: up.URL, rules: rulesA}), 5*time.Millisecond)
	token := iss.MustMint(t, verifiertest.Token{Scope: "read"})
	require.Equal(t, 200, send(t, http.DefaultClient, "GET", g.url("/items/"), token, nil).status, "policy A")

	g.rewrite(t, configText(settings{issuer: iss, upstream: up.URL, rules: rulesB}))
	require.Eventually(t, func() bool { return len(g.logs.withMsg(t, "reloaded")) == 1 }, 10*time.Second, time.Millisecond,
		"no reload after the file changed; logs:\n%s", g.logs)
	assert.Equal(t, 403, send(t, http.DefaultClient, "GET", g.url("/items/"), token, nil).status, "policy B")

	g.rewrite(t, "mode: proxy\nlisten: [\n")
	require.Eventually(t, func() bool { return len(g.logs.withMsg(t, "reload failed")) == 1 }, 10*time.Second, time.Millisecond,
		"no failed reload after the file broke; logs:\n%s", g.logs)
	assert.Equal(t, 403, send(t, http.DefaultClient, "GET", g.url("/items/"), token, nil).status, "policy B kept")
	assert.Equal(t, g.path+":2: invalid YAML: did not find expected node content", g.logs.withMsg(t, "reload failed")[0]["error"])
}

// TestReloadUnderLoad sends requests without pause from several goroutines
// while the file changes ten times, to an invalid file and back, and
// between two policies; every request must get one of the two policies'
// answers, none an error.
func TestReloadUnderLoad(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := echoUpstream(t)
	textA := configText(settings{issuer: iss, upstream: up.URL, rules: rulesA})
	textB := configText(settings{issuer: iss, upstream: up.URL, rules: rulesB})
	invalid := textA + "scope: read\n"
	g := startGatewayWatching(t, textA, 2*time.Millisecond)
	token := iss.MustMint(t, verifiertest.Token{Scope: "read"})

	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
		counts   = map[string]int{}
	)
	const workers = 4
	transport := &http.Transport{MaxIdleConnsPerHost: workers}
	t.Cleanup(transport.CloseIdleConnections)
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	for w := range workers {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				path, allowed := "/items/", []int{200, 403}
				if (i+w)%4 == 0 {
					path, allowed = "/public/x", []int{200}
				}
				req, _ := http.NewRequest("GET", g.url(path), nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				var outcome string
				good := false
				if err != nil {
					outcome = "error: " + err.Error()
				} else {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					outcome = fmt.Sprintf("%s %d", path, resp.StatusCode)
					good = slices.Contains(allowed, resp.StatusCode)
				}
				mu.Lock()
				counts[outcome]++
				if !good {
					failures = append(failures, outcome)
				}
				mu.Unlock()
			}
		})
	}

	texts := []string{textB, textA, invalid, textA, textB, invalid, textB, textA, textB, textA}
	reloaded, failed := 0, 0
	for i, text := range texts {
		// Wait for some requests under the current configuration first.
		mu.Lock()
		before := total(counts)
		mu.Unlock()
		require.Eventually(t, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return total(counts) >= before+20
		}, 10*time.Second, time.Millisecond, "requests do not progress")
		g.rewrite(t, text)
		if text == invalid {
			failed++
		} else {
			reloaded++
		}
		require.Eventually(t, func() bool {
			return len(g.logs.withMsg(t, "reloaded")) == reloaded && len(g.logs.withMsg(t, "reload failed")) == failed
		}, 10*time.Second, time.Millisecond, "change %d not seen; logs:\n%s", i+1, g.logs)
	}
	stop.Store(true)
	wg.Wait()

	assert.Empty(t, failures, "requests that failed or got an answer of neither configuration")
	assert.Positive(t, counts["/items/ 200"], "answers under policy A: %v", counts)
	assert.Positive(t, counts["/items/ 403"], "answers under policy B: %v", counts)
	t.Logf("answers: %v", counts)
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func TestShutdownWaitsForRequests(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	arrived, release := make(chan struct{}), make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		io.WriteString(w, "done")
	}))
	t.Cleanup(up.Close)
	g := startGateway(t, configText(settings{issuer: iss, upstream: up.URL}))
	result := make(chan string, 1)
	go func() {
		resp, err := http.Get(g.url("/public/slow"))
		if err != nil {
			result <- err.Error()
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		result <- fmt.Sprintf("%d %s", resp.StatusCode, body)
	}()
	<-arrived
	done := make(chan error, 1)
	go func() { done <- g.Shutdown(context.Background()) }()
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v while a request was under way", err)
	default:
	}
	close(release)
	assert.Equal(t, "200 done", <-result, "the request under way at shutdown")
	require.NoError(t, <-done)
	_, err := http.Get(g.url("/public/x"))
	assert.Error(t, err, "a request after shutdown")
	select {
	case <-g.current.Load().closed:
	default:
		t.Error("the runtime is not closed after Shutdown")
	}
}
