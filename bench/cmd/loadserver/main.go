// Command loadserver serves the benchmark fixture on a loopback port for
// load tests (see ../../load.sh): one server, four routes, the same handler
// behind each.
//
//	/noauth    no authentication
//	/nethttp   jwtgate's net/http adapter, Require(scopes.AllOf("read"))
//	/echo      jwtgate's Echo adapter on an echo.Echo, same requirement
//	/gin       jwtgate's Gin adapter on a gin.Engine, same requirement
//
// The fixture token of -alg is written to -token-file. With -cache=false
// every request is verified in full (first sight); with -cache=true a
// repeated token is answered from the verifier's cache. With -mutexprofile,
// mutex contention is sampled (runtime.SetMutexProfileFraction(1)) and the
// profile written when the server receives SIGTERM or SIGINT.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/bench"
	"github.com/jwtgate/jwtgate/echomw"
	"github.com/jwtgate/jwtgate/ginmw"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/scopes"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18080", "loopback address to listen on")
	alg := flag.String("alg", "RS256", "algorithm of the fixture token")
	cache := flag.Bool("cache", true, "use the verifier's token cache (false: every request verifies in full)")
	tokenFile := flag.String("token-file", "", "write the fixture token to this file")
	mutexProfile := flag.String("mutexprofile", "", "write a mutex profile to this file on SIGTERM")
	flag.Parse()
	if err := run(*addr, *alg, *cache, *tokenFile, *mutexProfile); err != nil {
		log.Fatal("loadserver: ", err)
	}
}

func run(addr, alg string, cache bool, tokenFile, mutexProfile string) error {
	if host, _, err := net.SplitHostPort(addr); err != nil || !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("-addr %q is not a loopback address", addr)
	}
	if mutexProfile != "" {
		runtime.SetMutexProfileFraction(1)
	}
	fs, err := bench.Load()
	if err != nil {
		return err
	}
	f, ok := fs[alg]
	if !ok {
		return fmt.Errorf("no fixture for -alg %q (have %v)", alg, bench.Algorithms)
	}
	if tokenFile != "" {
		if err := os.WriteFile(tokenFile, []byte(f.Token), 0o600); err != nil {
			return err
		}
	}
	handler, err := routes(f, !cache)
	if err != nil {
		return err
	}
	if err := selfCheck(handler, f); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	log.Printf("loadserver: %s on http://%s (GOMAXPROCS=%d, cache=%v)", alg, ln.Addr(), runtime.GOMAXPROCS(0), cache)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if mutexProfile != "" {
		out, err := os.Create(mutexProfile)
		if err != nil {
			return err
		}
		defer out.Close()
		if err := pprof.Lookup("mutex").WriteTo(out, 0); err != nil {
			return err
		}
		log.Printf("loadserver: mutex profile written to %s", mutexProfile)
	}
	return nil
}

// selfCheck serves each route once with the fixture token and once, for the
// protected routes, without, so that a misconfigured route fails at start-up
// rather than as a fast stream of errors under load.
func selfCheck(h http.Handler, f *bench.Fixture) error {
	for _, route := range []string{"/noauth", "/nethttp", "/echo", "/gin"} {
		r := bench.Request(f.Token)
		r.URL.Path = route
		w := bench.NewWriter()
		h.ServeHTTP(w, r)
		if w.Status != http.StatusOK {
			return fmt.Errorf("self-check: GET %s with the fixture token answered %d, want 200", route, w.Status)
		}
		if route == "/noauth" {
			continue
		}
		r.Header.Del("Authorization")
		w = bench.NewWriter()
		h.ServeHTTP(w, r)
		if w.Status != http.StatusUnauthorized {
			return fmt.Errorf("self-check: GET %s without a token answered %d, want 401", route, w.Status)
		}
	}
	return nil
}

func routes(f *bench.Fixture, disableCache bool) (http.Handler, error) {
	v, err := bench.Ours(f, disableCache)
	if err != nil {
		return nil, err
	}
	read := scopes.AllOf("read")
	opts := bearer.Options{Realm: "bench"}

	netMW, err := nethttp.New(v, nethttp.Options{Options: opts})
	if err != nil {
		return nil, err
	}
	echoMW, err := echomw.New(v, echomw.Options{Options: opts})
	if err != nil {
		return nil, err
	}
	ginMW, err := ginmw.New(v, ginmw.Options{Options: opts})
	if err != nil {
		return nil, err
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/echo", func(c echo.Context) error {
		claims, ok := echomw.ClaimsFrom(c)
		if !ok || claims.Subject() != bench.Subject {
			return c.NoContent(http.StatusInternalServerError)
		}
		return c.NoContent(http.StatusOK)
	}, echoMW.Require(read))

	gin.SetMode(gin.ReleaseMode)
	g := gin.New()
	g.GET("/gin", ginMW.Require(read), func(c *gin.Context) {
		claims, ok := ginmw.ClaimsFrom(c)
		if !ok || claims.Subject() != bench.Subject {
			c.Status(http.StatusInternalServerError)
			return
		}
		c.Status(http.StatusOK)
	})

	mux := http.NewServeMux()
	mux.Handle("GET /noauth", bench.NoAuthHandler)
	mux.Handle("GET /nethttp", netMW.Require(read)(bench.Handler(func(r *http.Request) string {
		c, ok := nethttp.ClaimsFrom(r)
		if !ok {
			return ""
		}
		return c.Subject()
	})))
	mux.Handle("GET /echo", e)
	mux.Handle("GET /gin", g)
	return mux, nil
}
