package main

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/jwtgate/jwtgate/grpcmw"
	"github.com/jwtgate/jwtgate/verifier"
)

// fleet implements drones.v1.Fleet. Every handler but Status runs behind a
// scope rule, so it finds claims in its context.
type fleet struct{}

func (fleet) status(context.Context, *emptypb.Empty) (*wrapperspb.StringValue, error) {
	return wrapperspb.String("fleet online"), nil
}

func (fleet) listFlights(ctx context.Context, _ *emptypb.Empty) (*wrapperspb.StringValue, error) {
	claims, err := claimsFrom(ctx)
	if err != nil {
		return nil, err
	}
	return wrapperspb.String("flights visible to " + claims.Subject()), nil
}

func (fleet) planFlight(ctx context.Context, name *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	claims, err := claimsFrom(ctx)
	if err != nil {
		return nil, err
	}
	return wrapperspb.String("flight " + name.GetValue() + " planned by " + claims.Subject()), nil
}

// claimsFrom returns the claims the interceptors stored in ctx, or an
// error if there are none (the server was built without them).
func claimsFrom(ctx context.Context) (*verifier.Claims, error) {
	claims, ok := grpcmw.ClaimsFrom(ctx)
	if !ok {
		return nil, status.Error(codes.Unauthenticated, "no verified token")
	}
	return claims, nil
}

// decommission has no rule in newServer: every call is denied before it
// gets here.
func (fleet) decommission(_ context.Context, name *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	return wrapperspb.String("drone " + name.GetValue() + " decommissioned"), nil
}

// watchFlights sends two updates; a streaming handler finds the claims in
// stream.Context().
func (fleet) watchFlights(_ *emptypb.Empty, stream grpc.ServerStream) error {
	claims, err := claimsFrom(stream.Context())
	if err != nil {
		return err
	}
	for n := 1; n <= 2; n++ {
		if err := stream.SendMsg(wrapperspb.String(fmt.Sprintf("update %d for %s", n, claims.Subject()))); err != nil {
			return err
		}
	}
	return nil
}

// fleetService describes drones.v1.Fleet by hand, as protoc-gen-go-grpc
// would generate it, with well-known types as messages.
var fleetService = grpc.ServiceDesc{
	ServiceName: "drones.v1.Fleet",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		unary("Status", fleet.status),
		unary("ListFlights", fleet.listFlights),
		unary("PlanFlight", fleet.planFlight),
		unary("Decommission", fleet.decommission),
	},
	Streams: []grpc.StreamDesc{{
		StreamName:    "WatchFlights",
		ServerStreams: true,
		Handler: func(srv any, stream grpc.ServerStream) error {
			in := new(emptypb.Empty)
			if err := stream.RecvMsg(in); err != nil {
				return err
			}
			return srv.(fleet).watchFlights(in, stream)
		},
	}},
	Metadata: fleetFile,
}

// unary describes a unary method of fleet whose request is a *Req.
func unary[Req any](name string, handle func(fleet, context.Context, *Req) (*wrapperspb.StringValue, error)) grpc.MethodDesc {
	fullMethod := "/drones.v1.Fleet/" + name
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(Req)
			if err := dec(in); err != nil {
				return nil, err
			}
			call := func(ctx context.Context, req any) (any, error) { return handle(srv.(fleet), ctx, req.(*Req)) }
			if interceptor == nil {
				return call(ctx, in)
			}
			return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: fullMethod}, call)
		},
	}
}

// fleetFile is the name of the file descriptor of drones.v1.Fleet, which
// registerDescriptor registers so that server reflection (and grpcurl)
// can describe the service without a .proto file.
const fleetFile = "drones/v1/fleet.proto"

var registerDescriptor = sync.OnceValue(func() error {
	method := func(name, in, out string, serverStreaming bool) *descriptorpb.MethodDescriptorProto {
		return &descriptorpb.MethodDescriptorProto{
			Name:            proto.String(name),
			InputType:       proto.String(".google.protobuf." + in),
			OutputType:      proto.String(".google.protobuf." + out),
			ServerStreaming: proto.Bool(serverStreaming),
		}
	}
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:       proto.String(fleetFile),
		Package:    proto.String("drones.v1"),
		Dependency: []string{"google/protobuf/empty.proto", "google/protobuf/wrappers.proto"},
		Syntax:     proto.String("proto3"),
		Service: []*descriptorpb.ServiceDescriptorProto{{
			Name: proto.String("Fleet"),
			Method: []*descriptorpb.MethodDescriptorProto{
				method("Status", "Empty", "StringValue", false),
				method("ListFlights", "Empty", "StringValue", false),
				method("PlanFlight", "StringValue", "StringValue", false),
				method("WatchFlights", "Empty", "StringValue", true),
				method("Decommission", "StringValue", "StringValue", false),
			},
		}},
	}, protoregistry.GlobalFiles)
	if err != nil {
		return fmt.Errorf("describing drones.v1.Fleet: %w", err)
	}
	return protoregistry.GlobalFiles.RegisterFile(fd)
})
