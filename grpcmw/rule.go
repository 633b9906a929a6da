package grpcmw

import (
	"fmt"
	"strings"

	"github.com/jwtgate/jwtgate/scopes"
)

// Rule says what a call to a method needs. The zero Rule denies the call,
// as [Deny] does. A Rule is immutable and safe for concurrent use.
type Rule struct {
	kind ruleKind
	req  scopes.Requirement
}

type ruleKind uint8

const (
	ruleDeny ruleKind = iota
	rulePublic
	ruleAuthenticated
	ruleRequire
)

// Deny returns the rule of a method nobody may call: the call is answered
// with PermissionDenied ("method not allowed", [ErrMethodDenied]) without
// a look at its token. It is the zero Rule, and the rule of every method
// that Options.Methods, Options.MethodRule and Options.Default leave
// unmentioned.
func Deny() Rule { return Rule{} }

// Public returns the rule of a method anyone may call, with or without a
// token: the call goes through as a skipped one does (Options.Skip), and
// the handler sees no claims, unless an earlier interceptor with the same
// verifier stored some. A token the call carries is not verified.
func Public() Rule { return Rule{kind: rulePublic} }

// Authenticated returns the rule of a method that needs a valid token,
// whatever its scopes. With bearer.Options.Optional, a call without any
// token goes through too, without claims; a bad token is still refused.
func Authenticated() Rule { return Rule{kind: ruleAuthenticated} }

// Require returns the rule of a method that needs a valid token meeting
// req, such as scopes.AllOf("write") or scopes.AnyOf("read", "admin"). A
// token is needed even with bearer.Options.Optional; Require of the zero
// Requirement thus asks for a valid token, whatever its scopes, in every
// case.
func Require(req scopes.Requirement) Rule { return Rule{kind: ruleRequire, req: req} }

// String describes the rule, such as "deny", "public", "authenticated",
// "require read write" or "require any of read admin".
func (r Rule) String() string {
	switch r.kind {
	case rulePublic:
		return "public"
	case ruleAuthenticated:
		return "authenticated"
	case ruleRequire:
		if r.req.IsAnyOf() {
			return "require any of " + r.req.String()
		}
		return "require " + r.req.String()
	default:
		return "deny"
	}
}

// verifies reports whether r lets some calls through after verifying a
// token.
func (r Rule) verifies() bool { return r.kind == ruleAuthenticated || r.kind == ruleRequire }

// Health and reflection services of google.golang.org/grpc.
const (
	healthService          = "grpc.health.v1.Health"
	reflectionService      = "grpc.reflection.v1.ServerReflection"
	reflectionAlphaService = "grpc.reflection.v1alpha.ServerReflection"
)

// HealthOrReflection reports whether fullMethod is one of the methods of
// the gRPC health service (grpc.health.v1.Health: Check, List and Watch)
// or of server reflection (grpc.reflection.v1.ServerReflection and
// grpc.reflection.v1alpha.ServerReflection), which load balancers and
// tools such as grpcurl call without a token. Use it as Options.Skip
//
//	Skip: func(_ context.Context, m string) bool { return grpcmw.HealthOrReflection(m) },
//
// or within Options.MethodRule to give those methods the [Public] rule.
func HealthOrReflection(fullMethod string) bool {
	service, method, ok := splitMethod(fullMethod)
	if !ok {
		return false
	}
	switch service {
	case healthService:
		return method == "Check" || method == "List" || method == "Watch"
	case reflectionService, reflectionAlphaService:
		return true
	}
	return false
}

// splitMethod splits a gRPC full method name, "/package.Service/Method",
// into service and method; ok is false if it is not of that form.
func splitMethod(fullMethod string) (service, method string, ok bool) {
	rest, found := strings.CutPrefix(fullMethod, "/")
	if !found {
		return "", "", false
	}
	service, method, found = strings.Cut(rest, "/")
	if !found || service == "" || method == "" || strings.Contains(method, "/") {
		return "", "", false
	}
	return service, method, true
}

// checkMethodName returns an error unless name is a full method name as
// gRPC hands it to interceptors: "/", the service name (with its package),
// "/", the method name, without spaces or control characters.
func checkMethodName(name string) error {
	_, _, ok := splitMethod(name)
	if ok && strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		ok = false
	}
	if !ok {
		return fmt.Errorf("grpcmw: method %q in Options.Methods is not a full method name such as \"/pkg.Service/Method\"", name)
	}
	return nil
}
