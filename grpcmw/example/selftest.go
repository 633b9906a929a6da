package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/jwtgate/jwtgate/grpcmw"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// demoCall is a call that the grpcurl commands show and the self-test
// makes, with the answer it must get.
type demoCall struct {
	about     string
	method    string        // full method name
	auth      string        // the authorization metadata; "" sends none
	request   proto.Message // sent as is
	data      string        // request as grpcurl's -d JSON; "" for an empty message
	stream    bool          // a server-streaming method answering StringValues
	code      codes.Code
	challenge string // the exact www-authenticate trailer; "" means none
	reply     string // the answer contains it
}

const (
	fleetPrefix = "/drones.v1.Fleet/"
	healthCheck = "/grpc.health.v1.Health/Check"
)

// demoCalls mints the demo tokens and lists the calls that show off every
// method.
func demoCalls(demo *verifiertest.Issuer) []demoCall {
	fleet := demo.AuthorizationHeader(verifiertest.Token{Subject: "drone-fleet", Scope: "read write"})
	dashboard := demo.AuthorizationHeader(verifiertest.Token{Subject: "dashboard", Scope: "read"})
	expired := demo.AuthorizationHeader(verifiertest.Token{Subject: "old-client", Scope: "read write", ExpiresIn: -time.Hour})
	empty, flight := &emptypb.Empty{}, wrapperspb.String("survey-7")
	const (
		realm        = `Bearer realm="drones"`
		invalidToken = realm + `, error="invalid_token", error_description=`
	)
	return []demoCall{
		{"health check, skipped even with a broken token", healthCheck, "Bearer not.a.jwt", &healthpb.HealthCheckRequest{}, "", false, codes.OK, "", "SERVING"},
		{"public, no token needed", fleetPrefix + "Status", "", empty, "", false, codes.OK, "", "fleet online"},
		{"public, a broken token is not looked at", fleetPrefix + "Status", "Bearer not.a.jwt", empty, "", false, codes.OK, "", "fleet online"},
		{"no token", fleetPrefix + "ListFlights", "", empty, "", false, codes.Unauthenticated, realm, ""},
		{"another scheme counts as no token", fleetPrefix + "ListFlights", "Basic ZHJvbmU6c2VjcmV0", empty, "", false, codes.Unauthenticated, realm, ""},
		{"scope read", fleetPrefix + "ListFlights", dashboard, empty, "", false, codes.OK, "", "flights visible to dashboard"},
		{"expired token", fleetPrefix + "ListFlights", expired, empty, "", false, codes.Unauthenticated, invalidToken + `"token expired"`, ""},
		{"malformed token", fleetPrefix + "ListFlights", "Bearer not.a.jwt", empty, "", false, codes.Unauthenticated, invalidToken + `"malformed token"`, ""},
		{"stream, scope read", fleetPrefix + "WatchFlights", dashboard, empty, "", true, codes.OK, "", "update 1 for dashboard; update 2 for dashboard"},
		{"stream, no token", fleetPrefix + "WatchFlights", "", empty, "", true, codes.Unauthenticated, realm, ""},
		{"stream, expired token", fleetPrefix + "WatchFlights", expired, empty, "", true, codes.Unauthenticated, invalidToken + `"token expired"`, ""},
		{"scope read, method needs read write", fleetPrefix + "PlanFlight", dashboard, flight, `"survey-7"`, false, codes.PermissionDenied,
			realm + `, error="insufficient_scope", scope="read write"`, ""},
		{"scopes read write", fleetPrefix + "PlanFlight", fleet, flight, `"survey-7"`, false, codes.OK, "", "flight survey-7 planned by drone-fleet"},
		{"no rule: denied, whatever the token", fleetPrefix + "Decommission", fleet, wrapperspb.String("d-12"), `"d-12"`, false, codes.PermissionDenied, "", ""},
	}
}

// shortName returns the service's last name and the method, such as
// "Fleet/ListFlights".
func (c demoCall) shortName() string {
	service, method, _ := strings.Cut(strings.TrimPrefix(c.method, "/"), "/")
	return service[strings.LastIndexByte(service, '.')+1:] + "/" + method
}

func printCommands(target string, calls []demoCall, out io.Writer) {
	fmt.Fprintf(out, "# list the services (server reflection needs no token)\ngrpcurl -plaintext %s list drones.v1.Fleet\n\n", target)
	for _, c := range calls {
		fmt.Fprintf(out, "# %s (%s)\ngrpcurl -plaintext", c.about, c.code)
		if c.auth != "" {
			fmt.Fprintf(out, " -H 'authorization: %s'", c.auth)
		}
		if c.data != "" {
			fmt.Fprintf(out, " -d '%s'", c.data)
		}
		fmt.Fprintf(out, " %s %s\n\n", target, strings.TrimPrefix(c.method, "/"))
	}
	fmt.Fprintln(out, "# With -v, grpcurl shows the www-authenticate challenge of a refused call in the response trailers.")
}

// selfTest makes calls to the service at target and reports every
// surprise.
func selfTest(ctx context.Context, target string, calls []demoCall, out io.Writer) error {
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	failed := 0
	for _, c := range calls {
		reply, trailer, err := c.do(ctx, conn)
		st := status.Convert(err)
		challenge := trailer.Get(grpcmw.MetadataChallenge)
		want := []string(nil)
		if c.challenge != "" {
			want = []string{c.challenge}
		}
		if st.Code() != c.code || !slices.Equal(challenge, want) || !strings.Contains(reply, c.reply) {
			failed++
			fmt.Fprintf(out, "FAIL %-18s %s: got %s %q, www-authenticate %q, reply %q; want %s, www-authenticate %q, reply with %q\n",
				c.shortName(), c.about, st.Code(), st.Message(), challenge, reply, c.code, want, c.reply)
			continue
		}
		fmt.Fprintf(out, "ok   %-18s %s -> %s\n", c.shortName(), c.about, st.Code())
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d self-test calls got an unexpected answer", failed, len(calls))
	}
	fmt.Fprintf(out, "all %d self-test calls answered as expected\n", len(calls))
	return nil
}

// do makes the call and returns the answer as text (the replies of a
// stream joined by "; "), the trailer metadata, and the call's error.
func (c demoCall) do(ctx context.Context, conn *grpc.ClientConn) (string, metadata.MD, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if c.auth != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", c.auth)
	}
	var trailer metadata.MD
	if _, ok := c.request.(*healthpb.HealthCheckRequest); ok {
		r := new(healthpb.HealthCheckResponse)
		err := conn.Invoke(ctx, c.method, c.request, r, grpc.Trailer(&trailer))
		return r.GetStatus().String(), trailer, err
	}
	if !c.stream {
		r := new(wrapperspb.StringValue)
		err := conn.Invoke(ctx, c.method, c.request, r, grpc.Trailer(&trailer))
		return r.GetValue(), trailer, err
	}
	stream, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, c.method)
	if err != nil {
		return "", nil, err
	}
	// Send and CloseSend fail with io.EOF once the server has ended the
	// stream; the status then comes from RecvMsg.
	_ = stream.SendMsg(c.request)
	_ = stream.CloseSend()
	var replies []string
	for {
		r := new(wrapperspb.StringValue)
		if err = stream.RecvMsg(r); err != nil {
			break
		}
		replies = append(replies, r.GetValue())
	}
	if err == io.EOF {
		err = nil
	}
	return strings.Join(replies, "; "), stream.Trailer(), err
}
