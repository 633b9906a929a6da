package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

func TestSelfTestPasses(t *testing.T) {
	var out bytes.Buffer
	err := run(t.Context(), []string{"-selftest"}, &out)
	require.NoError(t, err, "run -selftest; output:\n%s", out.String())
	n := len(demoCalls(verifiertest.Start(t, verifiertest.IssuerConfig{})))
	assert.Equal(t, n, strings.Count(out.String(), "\nok   ")+1, "lines starting with ok, one per call:\n%s", out.String())
	assert.Contains(t, out.String(), "all 14 self-test calls answered as expected")
	assert.NotContains(t, out.String(), "FAIL")
}

// Against a server with neither the service nor the health service, every
// call is a surprise, and the self-test says so.
func TestSelfTestReportsSurprises(t *testing.T) {
	demo := verifiertest.Start(t, verifiertest.IssuerConfig{})
	target := serve(t, grpc.NewServer())
	var out bytes.Buffer
	err := selfTest(t.Context(), target, demoCalls(demo), &out)
	assert.EqualError(t, err, "14 of 14 self-test calls got an unexpected answer", "selfTest against a server without the service")
	assert.Equal(t, 14, strings.Count(out.String(), "FAIL "), "selfTest output:\n%s", out.String())
	assert.Contains(t, out.String(), "got Unimplemented", "selfTest output:\n%s", out.String())
}

// Against the service without interceptors (and without health checks),
// only the public calls pass: the others are refused calls answered, the
// health check unimplemented, or handlers finding no claims.
func TestSelfTestReportsMissingAuth(t *testing.T) {
	demo := verifiertest.Start(t, verifiertest.IssuerConfig{})
	require.NoError(t, registerDescriptor())
	srv := grpc.NewServer()
	srv.RegisterService(&fleetService, fleet{})
	target := serve(t, srv)
	calls := demoCalls(demo)
	var out bytes.Buffer
	err := selfTest(t.Context(), target, calls, &out)

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, len(calls), "selfTest output, one line per call:\n%s", out.String())
	surprises := 0
	for n, c := range calls {
		surprise := c.method != fleetPrefix+"Status"
		if surprise {
			surprises++
		}
		assert.Equal(t, surprise, strings.HasPrefix(lines[n], "FAIL "), "selfTest against an unprotected server, line of %q: %s", c.about, lines[n])
	}
	assert.EqualError(t, err, fmt.Sprintf("%d of %d self-test calls got an unexpected answer", surprises, len(calls)))
}

// serve serves srv on a loopback port until t ends, and returns its address.
func serve(t *testing.T, srv *grpc.Server) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err, "net.Listen on loopback")
	var wg sync.WaitGroup
	wg.Go(func() { _ = srv.Serve(lis) })
	t.Cleanup(func() {
		srv.Stop()
		wg.Wait()
	})
	return lis.Addr().String()
}

// stopWhenReady records the output and cancels the run once it says it is
// serving.
type stopWhenReady struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	cancel context.CancelFunc
}

func (w *stopWhenReady) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), "Press Ctrl-C") {
		w.cancel()
	}
	return n, err
}

func TestPrintsCommandsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &stopWhenReady{cancel: cancel}
	require.NoError(t, run(ctx, []string{"-addr", "127.0.0.1:0"}, out), "run -addr 127.0.0.1:0 until it prints Press Ctrl-C")
	s := out.buf.String()
	assert.Contains(t, s, "gRPC service listening on 127.0.0.1:")
	assert.Equal(t, 15, strings.Count(s, "\ngrpcurl -plaintext "), "one grpcurl command per call, and list:\n%s", s)
	assert.Equal(t, 7, strings.Count(s, "-H 'authorization: Bearer ey"), "grpcurl commands with a minted token:\n%s", s)
	assert.Contains(t, s, "# scopes read write (OK)\ngrpcurl -plaintext -H 'authorization: Bearer ey")
	assert.Contains(t, s, `-d '"survey-7"' 127.0.0.1:`)
	assert.Contains(t, s, " drones.v1.Fleet/PlanFlight\n")
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{{"-addr", "127.0.0.1:-1"}, {"-no-such-flag"}, {"-selftest=maybe"}} {
		err := run(t.Context(), args, &bytes.Buffer{})
		assert.Error(t, err, "run(%q)", args)
	}
}

// Server reflection describes drones.v1.Fleet without a token, as grpcurl
// needs.
func TestReflectionDescribesTheService(t *testing.T) {
	demo := verifiertest.Start(t, verifiertest.IssuerConfig{})
	v, err := verifier.New(demo.VerifierConfig())
	require.NoError(t, err, "verifier.New")
	require.NoError(t, registerDescriptor(), "registerDescriptor")
	srv, err := newServer(v)
	require.NoError(t, err, "newServer")
	target := serve(t, srv)
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err, "grpc.NewClient(%s)", target)
	defer conn.Close()

	stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(t.Context())
	require.NoError(t, err, "ServerReflectionInfo")
	require.NoError(t, stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "drones.v1.Fleet"},
	}))
	resp, err := stream.Recv()
	require.NoError(t, err, "ServerReflectionInfo: Recv")
	files := resp.GetFileDescriptorResponse().GetFileDescriptorProto()
	require.NotEmpty(t, files, "file descriptors for drones.v1.Fleet; response %v", resp)
	var fd descriptorpb.FileDescriptorProto
	require.NoError(t, proto.Unmarshal(files[0], &fd), "decoding the first file descriptor")
	assert.Equal(t, fleetFile, fd.GetName())
	require.Len(t, fd.GetService(), 1, "services of %s", fleetFile)
	var methods []string
	for _, m := range fd.GetService()[0].GetMethod() {
		methods = append(methods, m.GetName())
	}
	var described []string
	for _, m := range fleetService.Methods {
		described = append(described, m.MethodName)
	}
	for _, s := range fleetService.Streams {
		described = append(described, s.StreamName)
	}
	assert.ElementsMatch(t, described, methods, "methods in the descriptor against those in fleetService")
	require.NoError(t, stream.CloseSend())
}
