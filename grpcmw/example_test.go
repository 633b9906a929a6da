package grpcmw_test

import (
	"context"
	"fmt"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/grpcmw"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// Protecting a gRPC service by scope, method by method. The client reads
// the status code and the RFC 6750 challenge in the trailer.
func Example() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, err := verifier.New(issuer.VerifierConfig())
	if err != nil {
		panic(err)
	}
	auth, err := grpcmw.New(v, grpcmw.Options{
		Options: bearer.Options{Realm: "api"},
		Methods: map[string]grpcmw.Rule{
			"/items.v1.Items/Get": grpcmw.Require(scopes.AllOf("read")),
			"/items.v1.Items/Put": grpcmw.Require(scopes.AllOf("read", "write")),
		},
	})
	if err != nil {
		panic(err)
	}

	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(auth.Unary()), grpc.ChainStreamInterceptor(auth.Stream()))
	srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "items.v1.Items",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{
			exampleMethod("Get", func(ctx context.Context) string {
				claims, _ := grpcmw.ClaimsFrom(ctx)
				return "items for " + claims.Subject()
			}),
			exampleMethod("Put", func(context.Context) string { return "stored" }),
		},
	}, nil)
	lis := bufconn.Listen(1 << 16)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	conn, err := grpc.NewClient("passthrough:///items",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		panic(err)
	}
	defer conn.Close()

	reader, _ := issuer.Mint(verifiertest.Token{Subject: "dashboard", Scope: "read"})
	for _, call := range []struct{ method, token string }{
		{"/items.v1.Items/Get", ""},
		{"/items.v1.Items/Get", reader},
		{"/items.v1.Items/Put", reader},
		{"/items.v1.Items/Get", "not-a-token"},
	} {
		ctx := context.Background()
		if call.token != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+call.token)
		}
		var trailer metadata.MD
		reply := new(wrapperspb.StringValue)
		err := conn.Invoke(ctx, call.method, &emptypb.Empty{}, reply, grpc.Trailer(&trailer))
		if err != nil {
			fmt.Println(call.method, status.Code(err), trailer.Get("www-authenticate"))
			continue
		}
		fmt.Println(call.method, "OK", reply.GetValue())
	}
	// Output:
	// /items.v1.Items/Get Unauthenticated [Bearer realm="api"]
	// /items.v1.Items/Get OK items for dashboard
	// /items.v1.Items/Put PermissionDenied [Bearer realm="api", error="insufficient_scope", scope="read write"]
	// /items.v1.Items/Get Unauthenticated [Bearer realm="api", error="invalid_token", error_description="malformed token"]
}

// exampleMethod describes a unary method taking google.protobuf.Empty and
// answering a google.protobuf.StringValue, without generated code.
func exampleMethod(name string, answer func(context.Context) string) grpc.MethodDesc {
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(emptypb.Empty)
			if err := dec(in); err != nil {
				return nil, err
			}
			handle := func(ctx context.Context, _ any) (any, error) { return wrapperspb.String(answer(ctx)), nil }
			if interceptor == nil {
				return handle(ctx, in)
			}
			return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/items.v1.Items/" + name}, handle)
		},
	}
}

// An ErrorHandler that logs every refusal and answers as usual.
func ExampleOptions_errorHandler() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, _ := verifier.New(issuer.VerifierConfig())

	var auth *grpcmw.Interceptors
	auth, _ = grpcmw.New(v, grpcmw.Options{
		Default: grpcmw.Authenticated(),
		ErrorHandler: func(ctx context.Context, fullMethod string, err error) error {
			fmt.Printf("refused %s: %v\n", fullMethod, err)
			return auth.Error(ctx, err) // the default answer
		},
	})

	// Calling the interceptor directly, as a server would.
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer not-a-token"))
	_, err := auth.Unary()(ctx, &emptypb.Empty{}, &grpc.UnaryServerInfo{FullMethod: "/items.v1.Items/Get"},
		func(context.Context, any) (any, error) { return &emptypb.Empty{}, nil })
	fmt.Println(err)
	// Output:
	// refused /items.v1.Items/Get: verifier: malformed token: not a compact JWS of three dot-separated parts
	// rpc error: code = Unauthenticated desc = malformed token
}

// Health checks and reflection without a token; every other method needs
// one.
func ExampleHealthOrReflection() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, _ := verifier.New(issuer.VerifierConfig())
	_, err := grpcmw.New(v, grpcmw.Options{
		Default: grpcmw.Authenticated(),
		Skip:    func(_ context.Context, m string) bool { return grpcmw.HealthOrReflection(m) },
	})
	fmt.Println(err)
	for _, m := range []string{"/grpc.health.v1.Health/Check", "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", "/items.v1.Items/Get"} {
		fmt.Println(m, grpcmw.HealthOrReflection(m))
	}
	// Output:
	// <nil>
	// /grpc.health.v1.Health/Check true
	// /grpc.reflection.v1.ServerReflection/ServerReflectionInfo true
	// /items.v1.Items/Get false
}
