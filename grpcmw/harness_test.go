package grpcmw_test

// The test harness: a real gRPC server with the interceptors under test, a
// real client, and one function that makes a call with given
// "authorization" values and returns everything the client got back and
// what the handler saw. Tests of any rule table (such as the HTTP
// conformance table mapped onto gRPC codes and metadata) can use it as it
// is.

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/jwtgate/jwtgate/grpcmw"
	"github.com/jwtgate/jwtgate/verifier"
)

// probeService is the service the harness serves. Each of probeMethods is
// a unary method; the same name followed by "Stream" is a bidirectional
// streaming method. Every method answers with a description of the claims
// its handler saw.
const probeService = "test.v1.Probe"

var probeMethods = []string{"Read", "Write", "Any", "Open", "Public", "Unlisted"}

// unaryMethod and streamMethod return the full names of the probe
// service's methods called name.
func unaryMethod(name string) string  { return "/" + probeService + "/" + name }
func streamMethod(name string) string { return "/" + probeService + "/" + name + "Stream" }

// callIDKey is the metadata key by which the handler files what it saw.
const callIDKey = "x-call-id"

// outcome is what a call returned, and what its handler saw.
type outcome struct {
	Code    codes.Code
	Message string
	Header  metadata.MD // the response header metadata (nil for a trailers-only answer)
	Trailer metadata.MD
	Reply   string // the handler's answer, if the call succeeded

	Reached bool             // the handler ran
	Claims  *verifier.Claims // the claims the handler found in its context
	Typed   probeClaims      // the claims the handler read with grpcmw.ClaimsAs
}

// probeClaims are the claims the handlers read with grpcmw.ClaimsAs.
type probeClaims struct {
	Sub   string `json:"sub"`
	Scope string `json:"scope"`
}

// seen is what a handler saw.
type seen struct {
	claims *verifier.Claims
	typed  probeClaims
}

// harness is a running server with a client connected to it.
type harness struct {
	// authority is the :authority of the calls, which a DPoP proof's htu
	// names.
	authority string
	conn      *grpc.ClientConn
	health    *health.Server
	calls     sync.Map // call ID -> seen
	nextID    atomic.Int64
}

// serverSetup is what a test may add to the server: interceptors and
// server options.
type serverSetup struct {
	unary   []grpc.UnaryServerInterceptor
	stream  []grpc.StreamServerInterceptor
	bufconn bool // serve over bufconn rather than loopback TCP
}

// startHarness starts a server with the interceptors of ints, listening
// on 127.0.0.1:0, and connects a client; both stop when t ends.
func startHarness(t testing.TB, ints *grpcmw.Interceptors) *harness {
	t.Helper()
	return startHarnessWith(t, serverSetup{unary: unaries(ints), stream: streams(ints)})
}

// unaries and streams return the unary and stream interceptors of ints, in
// order, for serverSetup.
func unaries(ints ...*grpcmw.Interceptors) []grpc.UnaryServerInterceptor {
	var out []grpc.UnaryServerInterceptor
	for _, i := range ints {
		out = append(out, i.Unary())
	}
	return out
}

func streams(ints ...*grpcmw.Interceptors) []grpc.StreamServerInterceptor {
	var out []grpc.StreamServerInterceptor
	for _, i := range ints {
		out = append(out, i.Stream())
	}
	return out
}

// startHarnessWith starts a server as setup says, serving the probe
// service, the health service and server reflection, and connects a
// client; both stop when t ends.
func startHarnessWith(t testing.TB, setup serverSetup) *harness {
	t.Helper()
	h := &harness{health: health.NewServer()}
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(setup.unary...), grpc.ChainStreamInterceptor(setup.stream...))
	srv.RegisterService(h.serviceDesc(), nil)
	h.health.SetServingStatus(probeService, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, h.health)
	reflection.Register(srv)

	var (
		lis    net.Listener
		target string
		dial   []grpc.DialOption
	)
	if setup.bufconn {
		bl := bufconn.Listen(1 << 20)
		lis, target = bl, "passthrough:///bufnet"
		h.authority = "bufnet"
		dial = append(dial, grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return bl.DialContext(ctx) }))
	} else {
		var err error
		lis, err = net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err, "net.Listen on loopback")
		target = lis.Addr().String()
		h.authority = target
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-served; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			t.Errorf("grpc.Server.Serve returned %v", err)
		}
	})

	dial = append(dial, grpc.WithTransportCredentials(insecure.NewCredentials()))
	conn, err := grpc.NewClient(target, dial...)
	require.NoError(t, err, "grpc.NewClient(%q)", target)
	t.Cleanup(func() { _ = conn.Close() })
	h.conn = conn
	return h
}

// serviceDesc describes the probe service, without generated code.
func (h *harness) serviceDesc() *grpc.ServiceDesc {
	sd := &grpc.ServiceDesc{ServiceName: probeService, HandlerType: (*any)(nil)}
	for _, name := range probeMethods {
		full := unaryMethod(name)
		sd.Methods = append(sd.Methods, grpc.MethodDesc{
			MethodName: name,
			Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
				in := new(wrapperspb.StringValue)
				if err := dec(in); err != nil {
					return nil, err
				}
				if interceptor == nil {
					return h.serve(ctx), nil
				}
				info := &grpc.UnaryServerInfo{Server: srv, FullMethod: full}
				return interceptor(ctx, in, info, func(ctx context.Context, _ any) (any, error) { return h.serve(ctx), nil })
			},
		})
		sd.Streams = append(sd.Streams, grpc.StreamDesc{
			StreamName:    name + "Stream",
			ServerStreams: true,
			ClientStreams: true,
			Handler: func(_ any, stream grpc.ServerStream) error {
				in := new(wrapperspb.StringValue)
				if err := stream.RecvMsg(in); err != nil {
					return err
				}
				return stream.SendMsg(h.serve(stream.Context()))
			},
		})
	}
	return sd
}

// serve files what the handler of a call sees in ctx, and returns its
// answer.
func (h *harness) serve(ctx context.Context) *wrapperspb.StringValue {
	var s seen
	s.claims, _ = grpcmw.ClaimsFrom(ctx)
	s.typed, _ = grpcmw.ClaimsAs[probeClaims](ctx)
	md, _ := metadata.FromIncomingContext(ctx)
	if id := md.Get(callIDKey); len(id) == 1 {
		h.calls.Store(id[0], s)
	}
	if s.claims == nil {
		return wrapperspb.String("anonymous")
	}
	return wrapperspb.String("sub=" + s.claims.Subject())
}

// call calls method (a full name of the probe service; streaming if it
// ends in "Stream") with the given "authorization" metadata values, and
// returns what came back and what the handler saw. For a streaming method,
// the client sends one message and reads until the stream ends.
func (h *harness) call(t testing.TB, method string, authorization ...string) outcome {
	t.Helper()
	return h.callWith(t, method, nil, authorization...)
}

// callWith is call with further request metadata, such as "dpop".
func (h *harness) callWith(t testing.TB, method string, extra metadata.MD, authorization ...string) outcome {
	t.Helper()
	id := strconv.FormatInt(h.nextID.Add(1), 10)
	md := metadata.Join(extra, metadata.MD{callIDKey: {id}})
	if authorization != nil {
		md["authorization"] = authorization
	}
	ctx := metadata.NewOutgoingContext(t.Context(), md)

	var o outcome
	var err error
	if strings.HasSuffix(method, "Stream") {
		o, err = h.callStream(ctx, method)
	} else {
		reply := new(wrapperspb.StringValue)
		err = h.conn.Invoke(ctx, method, wrapperspb.String("hello"), reply, grpc.Header(&o.Header), grpc.Trailer(&o.Trailer))
		o.Reply = reply.GetValue()
	}
	st := status.Convert(err)
	o.Code, o.Message = st.Code(), st.Message()
	if s, ok := h.calls.LoadAndDelete(id); ok {
		o.Reached = true
		o.Claims, o.Typed = s.(seen).claims, s.(seen).typed
	}
	return o
}

func (h *harness) callStream(ctx context.Context, method string) (outcome, error) {
	var o outcome
	desc := &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}
	stream, err := h.conn.NewStream(ctx, desc, method)
	if err != nil {
		return o, err
	}
	// SendMsg fails with io.EOF when the server has ended the stream; the
	// status then comes from RecvMsg.
	_ = stream.SendMsg(wrapperspb.String("hello"))
	_ = stream.CloseSend()
	o.Header, _ = stream.Header() // nil for a trailers-only answer
	for {
		reply := new(wrapperspb.StringValue)
		if err = stream.RecvMsg(reply); err != nil {
			break
		}
		o.Reply = reply.GetValue()
	}
	o.Trailer = stream.Trailer()
	if err == io.EOF {
		err = nil
	}
	return o, err
}
