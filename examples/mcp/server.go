package main

import (
	"net/http"
	"net/url"

	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/resourcemeta"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// config is what the server is made of.
type config struct {
	// resource is the public resource identifier: the URL of the MCP
	// endpoint as clients write it, such as https://mcp.example.com/mcp.
	resource string
	// issuer is the issuer identifier of the authorization server.
	issuer string
	// verifier verifies the tokens; its audience should be resource.
	verifier verifier.Config
}

// toolScopes are the scopes each tool needs. A tool that is not listed
// cannot be called.
var toolScopes = map[string]scopes.Requirement{
	"list_flights": scopes.AllOf("read"),
	"plan_flight":  scopes.AllOf("read", "write"),
}

// newMetadata returns the RFC 9728 document of the MCP server at resource,
// whose tokens issuer issues.
func newMetadata(resource, issuer string) (*resourcemeta.Document, error) {
	return resourcemeta.New(resourcemeta.Metadata{
		Resource:               resource,
		AuthorizationServers:   []string{issuer},
		ScopesSupported:        []string{"read", "write"},
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "Flight planner (jwtgate MCP example)",
	})
}

// newServer builds the MCP server and the handler serving it, with its
// metadata document: the part of this example to copy.
//
//	GET  /.well-known/oauth-protected-resource/mcp   the metadata (doc.Path())
//	     /mcp                                         the MCP endpoint (the resource's path)
//
// Requests to the endpoint pass through three layers:
//
//  1. guard (ours): verifies the token with jwtgate and answers every
//     failure in the form of RFC 6750, with the resource_metadata
//     attribute of RFC 9728 section 5.1 in the challenge; it also answers
//     a tools/call whose token lacks the tool's scopes with 403
//     insufficient_scope, the step-up challenge of the MCP authorization
//     specification.
//  2. sdkauth.RequireBearerToken, the SDK's own hook, with a TokenVerifier
//     that calls our verifier: it hands the SDK the token's scopes, expiry
//     and user (auth.TokenInfo), which the SDK passes to tool handlers and
//     uses to bind each session to its user. The guard has refused every
//     token this layer would refuse, so its own (non-RFC 6750) answers are
//     never sent.
//  3. the SDK's streamable HTTP handler, with requireToolScopes checking
//     each tools/call again at the MCP layer, whatever reached it.
func newServer(cfg config) (http.Handler, *resourcemeta.Document, error) {
	doc, err := newMetadata(cfg.resource, cfg.issuer)
	if err != nil {
		return nil, nil, err
	}
	v, err := verifier.New(cfg.verifier)
	if err != nil {
		return nil, nil, err
	}
	g, err := newGuard(v, bearer.Options{Realm: "mcp"}, doc.URL(), toolScopes)
	if err != nil {
		return nil, nil, err
	}

	server := mcp.NewServer(&mcp.Implementation{Name: "flights", Version: "1.0.0"}, nil)
	addFlightTools(server)
	server.AddReceivingMiddleware(requireToolScopes(toolScopes))
	// Behind a reverse proxy on the same machine (which connects to a
	// loopback address but passes on the public Host), set
	// StreamableHTTPOptions.DisableLocalhostProtection: the SDK refuses
	// requests that reach a loopback address with another Host.
	endpoint := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)
	adopt := sdkauth.RequireBearerToken(tokenInfo(v), &sdkauth.RequireBearerTokenOptions{
		ClockSkew: cfg.verifier.Leeway, // as lenient as our verifier, so that it never refuses what the guard let through
	})

	mux := http.NewServeMux()
	mux.Handle(doc.Path(), doc.Handler())
	mux.Handle(endpointPattern(cfg.resource), g.protect(adopt(endpoint)))
	return mux, doc, nil
}

// endpointPattern returns the ServeMux pattern of the MCP endpoint: the
// path of the resource identifier, which resourcemeta has checked.
func endpointPattern(resource string) string {
	u, err := url.Parse(resource)
	if err != nil || u.EscapedPath() == "" || u.EscapedPath() == "/" {
		return "/{$}"
	}
	return u.EscapedPath()
}
