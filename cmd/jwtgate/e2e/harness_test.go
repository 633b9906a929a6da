package e2e

import (
	"bufio"
	"bytes"
	"encoding/json/v2"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// startTimeout bounds the wait for a started process to listen, and
// stopTimeout the wait for it to exit after its stop signal.
const (
	startTimeout = 30 * time.Second
	stopTimeout  = 15 * time.Second
)

// binDir holds the jwtgate binary built once for the whole test run.
var (
	binDir    string
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "jwtgate-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temporary directory:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// jwtgateBinary builds the jwtgate binary (the main package one folder
// up) on first use and returns its path.
func jwtgateBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		bin := filepath.Join(binDir, "jwtgate")
		cmd := exec.Command("go", "build", "-o", bin, "..")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build -o %s ..: %w\n%s", bin, err, out)
			return
		}
		binPath = bin
	})
	if buildErr != nil {
		t.Fatalf("building jwtgate: %v", buildErr)
	}
	return binPath
}

// lookGateway returns the path of a gateway program, or skips the test
// when it is not installed, unless JWTGATE_REQUIRE_GATEWAYS=1, which makes
// a missing gateway a failure (CI installs them).
func lookGateway(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("JWTGATE_REQUIRE_GATEWAYS") == "1" {
		t.Fatalf("exec.LookPath(%q): %v; JWTGATE_REQUIRE_GATEWAYS=1 requires it (apt-get install nginx-light caddy wrk)", name, err)
	}
	t.Skipf("%s is not installed (exec.LookPath: %v); apt-get install nginx-light caddy wrk, or set JWTGATE_REQUIRE_GATEWAYS=1 to fail instead of skipping", name, err)
	return ""
}

// freeAddr returns a loopback address with a port that was free a moment
// ago, for programs that cannot listen on port 0 and tell.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err, "net.Listen(tcp, 127.0.0.1:0)")
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// process is a program started by a test.
type process struct {
	name   string
	cmd    *exec.Cmd
	output syncBuffer    // stdout and stderr
	lines  chan string   // stderr lines, for those who wait for one
	exited chan struct{} // closed when the process has exited
	err    error         // cmd.Wait's result, set before exited closes
}

// start runs name with args in dir, its output kept for failure messages,
// and stops it with stop at the end of the test (SIGKILL if it does not
// exit within stopTimeout).
func start(t testing.TB, stop syscall.Signal, env []string, dir, name string, args ...string) *process {
	t.Helper()
	p := &process{
		name:   filepath.Base(name),
		cmd:    exec.Command(name, args...),
		lines:  make(chan string, 64),
		exited: make(chan struct{}),
	}
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout = &p.output
	stderr, err := p.cmd.StderrPipe()
	require.NoError(t, err, "StderrPipe of %s", name)
	require.NoError(t, p.cmd.Start(), "starting %s %s", name, strings.Join(args, " "))

	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.output.Write([]byte(line + "\n"))
			select {
			case p.lines <- line:
			default: // nobody is waiting for lines any more
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	go func() {
		<-copied // Wait closes the pipe: read it all first
		p.err = p.cmd.Wait()
		close(p.exited)
	}()

	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Signal(stop)
			select {
			case <-p.exited:
			case <-time.After(stopTimeout):
				_ = p.cmd.Process.Kill()
				<-p.exited
				t.Errorf("%s did not exit within %v of %v; killed", p.name, stopTimeout, stop)
			}
		}
		if t.Failed() {
			t.Logf("output of %s (exit: %v):\n%s", p.name, p.err, p.output.String())
		}
	})
	return p
}

// waitListening waits until addr accepts TCP connections, failing the test
// if the process exits first or startTimeout passes.
func (p *process) waitListening(t testing.TB, addr string) {
	t.Helper()
	require.Eventually(t, func() bool {
		select {
		case <-p.exited:
			return true // reported below
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}, startTimeout, 20*time.Millisecond, "%s never listened on %s; output:\n%s", p.name, addr, p.output.String())
	select {
	case <-p.exited:
		t.Fatalf("%s exited before serving on %s (%v); output:\n%s", p.name, addr, p.err, p.output.String())
	default:
	}
}

// listening is jwtgate's start-up log line.
type listening struct {
	Msg   string `json:"msg"`
	Addr  string `json:"addr"`
	Admin string `json:"admin"`
}

// waitLogLine waits for jwtgate's {"msg":"listening"} line and returns it.
func (p *process) waitLogLine(t testing.TB, msg string) listening {
	t.Helper()
	deadline := time.After(startTimeout)
	for {
		select {
		case line := <-p.lines:
			var l listening
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == msg {
				return l
			}
		case <-p.exited:
			t.Fatalf("%s exited (%v) before logging %q; output:\n%s", p.name, p.err, msg, p.output.String())
		case <-deadline:
			t.Fatalf("%s did not log %q within %v; output:\n%s", p.name, msg, startTimeout, p.output.String())
		}
	}
}

// startNginx runs nginx with the configuration of f (f.Dir and f.Listen
// are filled in) and returns its address once it accepts connections.
func startNginx(t testing.TB, f Front) string {
	t.Helper()
	bin := lookGateway(t, "nginx")
	f.Dir = t.TempDir()
	f.Listen = freeAddr(t)
	conf, err := NginxConf(f)
	require.NoError(t, err, "NginxConf")
	require.NoError(t, os.WriteFile(filepath.Join(f.Dir, "nginx.conf"), []byte(conf), 0o600))
	// -e: the error log before the configuration is read (nginx 1.19.5+).
	p := start(t, syscall.SIGQUIT, nil, f.Dir, bin, "-p", f.Dir, "-e", filepath.Join(f.Dir, "error.log"), "-c", "nginx.conf")
	p.waitListening(t, f.Listen)
	t.Cleanup(func() {
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(f.Dir, "error.log")); err == nil {
				t.Logf("nginx error.log:\n%s", b)
			}
		}
	})
	return f.Listen
}

// startCaddy runs caddy with the Caddyfile of f (f.Listen is filled in)
// and returns its address once it accepts connections.
func startCaddy(t testing.TB, f Front) string {
	t.Helper()
	bin := lookGateway(t, "caddy")
	dir := t.TempDir()
	f.Listen = freeAddr(t)
	conf, err := Caddyfile(f)
	require.NoError(t, err, "Caddyfile")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Caddyfile"), []byte(conf), 0o600))
	// Caddy keeps data and configuration under HOME and XDG_*: keep them
	// in the test's directory.
	env := []string{"HOME=" + dir, "XDG_DATA_HOME=" + dir, "XDG_CONFIG_HOME=" + dir}
	p := start(t, syscall.SIGTERM, env, dir, bin, "run", "--config", "Caddyfile", "--adapter", "caddyfile")
	p.waitListening(t, f.Listen)
	return f.Listen
}

// jwtgate is a running jwtgate process.
type jwtgate struct {
	*process
	Addr, Admin string // bound addresses, host:port
	Config      string // the configuration file's path
}

// startJwtgate runs the jwtgate binary with the configuration of g and
// returns it once it has logged the addresses it listens on.
func startJwtgate(t testing.TB, g Gate) *jwtgate {
	t.Helper()
	bin := jwtgateBinary(t)
	conf, err := g.YAML()
	require.NoError(t, err, "Gate.YAML")
	dir := t.TempDir()
	path := filepath.Join(dir, "jwtgate.yaml")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o600))
	p := start(t, syscall.SIGTERM, nil, dir, bin, "-config", path)
	if g.LogLevel != "" && g.LogLevel != "info" && g.LogLevel != "debug" {
		// No "listening" line at this level: wait for the port.
		require.NotEmpty(t, g.Listen, "a jwtgate logging at %s needs a Listen address", g.LogLevel)
		p.waitListening(t, g.Listen)
		return &jwtgate{process: p, Addr: g.Listen, Config: path}
	}
	l := p.waitLogLine(t, "listening")
	require.NotEmpty(t, l.Addr, "jwtgate's listening line has no addr; output:\n%s", p.output.String())
	return &jwtgate{process: p, Addr: l.Addr, Admin: l.Admin, Config: path}
}
