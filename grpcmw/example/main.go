// Command example runs a small gRPC service protected by bearer JWTs, with
// a demo issuer on loopback that mints the tokens, and prints grpcurl
// commands to try it:
//
//	go run ./example      (from the grpcmw folder)
//
// The service, drones.v1.Fleet, written without generated code:
//
//	Status         no token needed                           Empty -> StringValue
//	ListFlights    needs scope "read"                        Empty -> StringValue
//	WatchFlights   needs scope "read" (server streaming)     Empty -> stream StringValue
//	PlanFlight     needs scopes "read" and "write"           StringValue -> StringValue
//	Decommission   no rule, so denied to everyone            StringValue -> StringValue
//
// The health service and server reflection answer without a token
// (Options.Skip), so that grpcurl can list and describe the service.
//
// With -selftest it makes the calls itself through a real client, checks
// each status code and www-authenticate challenge, and exits non-zero if
// any answer differs from what is expected.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/grpcmw"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "example:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:50051", "address the gRPC service listens on")
	selftest := fs.Bool("selftest", false, "call every method with right and wrong tokens, print each answer, exit non-zero on any surprise")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *selftest {
		*addr = "127.0.0.1:0"
	}

	demo := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer demo.Close()
	v, err := verifier.New(demo.VerifierConfig())
	if err != nil {
		return err
	}
	if err := registerDescriptor(); err != nil {
		return err
	}
	srv, err := newServer(v)
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	defer func() {
		srv.Stop()
		<-served
	}()
	target := lis.Addr().String()

	calls := demoCalls(demo)
	if *selftest {
		return selfTest(ctx, target, calls, out)
	}
	fmt.Fprintf(out, "gRPC service listening on %s, trusting demo issuer %s\n\n", target, demo.URL)
	printCommands(target, calls, out)
	fmt.Fprintln(out, "Press Ctrl-C to stop.")
	select {
	case <-ctx.Done():
		srv.GracefulStop()
		return nil
	case err := <-served:
		served <- err // for the deferred Stop
		if errors.Is(err, grpc.ErrServerStopped) {
			return nil
		}
		return err
	}
}

// newServer builds the protected gRPC server: the part of this example to
// copy.
func newServer(v *verifier.Verifier) (*grpc.Server, error) {
	auth, err := grpcmw.New(v, grpcmw.Options{
		Options: bearer.Options{Realm: "drones"},
		Methods: map[string]grpcmw.Rule{
			"/drones.v1.Fleet/Status":       grpcmw.Public(),
			"/drones.v1.Fleet/ListFlights":  grpcmw.Require(scopes.AllOf("read")),
			"/drones.v1.Fleet/WatchFlights": grpcmw.Require(scopes.AllOf("read")),
			"/drones.v1.Fleet/PlanFlight":   grpcmw.Require(scopes.AllOf("read", "write")),
		},
		// Any other method is denied (PermissionDenied) until it gets a rule.
		Skip: func(_ context.Context, method string) bool { return grpcmw.HealthOrReflection(method) },
	})
	if err != nil {
		return nil, err
	}
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(auth.Unary()), grpc.ChainStreamInterceptor(auth.Stream()))
	srv.RegisterService(&fleetService, fleet{})
	healthpb.RegisterHealthServer(srv, health.NewServer())
	reflection.Register(srv)
	return srv, nil
}
