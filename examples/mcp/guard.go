package main

import (
	"bytes"
	"context"
	"encoding/json/jsontext"
	"encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"net/http"

	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// codeInsufficientScope is the JSON-RPC error code of a tool call refused
// for want of scopes: an implementation-defined server error (JSON-RPC 2.0
// section 5.1), as MCP defines none for it.
const codeInsufficientScope = -32003

// guard is the HTTP layer in front of the MCP endpoint: jwtgate's checks,
// answered in the form of RFC 6750 with the resource_metadata attribute of
// RFC 9728 section 5.1. It is built on package bearer, as an adapter for
// another framework would be.
//
// Its challenges name the resource's metadata (resource_metadata, RFC 9728
// section 5.1), as bearer.Options.ResourceMetadata asks.
type guard struct {
	auth  *bearer.Auth
	tools map[string]scopes.Requirement
}

func newGuard(v *verifier.Verifier, opts bearer.Options, metadataURL string, tools map[string]scopes.Requirement) (*guard, error) {
	opts.ResourceMetadata = metadataURL
	a, err := bearer.New(v, opts)
	if err != nil {
		return nil, err
	}
	return &guard{auth: a, tools: tools}, nil
}

// protect returns next behind the guard: a request reaches next only with
// a valid token, and a tools/call that the guard reads only with the
// tool's scopes.
func (g *guard) protect(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, err := g.auth.Authenticate(r)
		if err != nil {
			g.refuse(w, err, nil)
			return
		}
		if r.Method == http.MethodPost {
			call, err := peekToolCall(w, r)
			if err != nil {
				var tooLarge *http.MaxBytesError
				if errors.As(err, &tooLarge) {
					http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				} else {
					http.Error(w, "cannot read the request body", http.StatusBadRequest)
				}
				return
			}
			if call != nil {
				if req, ok := g.tools[call.Params.Name]; ok {
					// Reuses the claims Authenticate stored.
					if _, err := g.auth.Authorize(r, req); err != nil {
						g.refuse(w, err, call.ID)
						return
					}
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// refuse answers with bearer's RFC 6750 response for err. A tool call
// refused for want of scopes
// (id not nil) gets a JSON-RPC error as its body, which MCP clients read as
// that call's error without dropping the session.
func (g *guard) refuse(w http.ResponseWriter, err error, id jsontext.Value) {
	resp := g.auth.Response(err)
	resp.SetHeaders(w.Header())
	body := resp.Body
	if id != nil && resp.Status == http.StatusForbidden {
		body = rpcError(id, resp)
	}
	w.WriteHeader(resp.Status)
	_, _ = w.Write(body)
}

// rpcError returns the JSON-RPC error response to the call id for a
// refusal, with the RFC 6750 body (such as {"error":"insufficient_scope",
// "scope":"read write"}) as its data.
func rpcError(id jsontext.Value, resp bearer.Response) []byte {
	type rpcErr struct {
		Code    int            `json:"code"`
		Message string         `json:"message"`
		Data    jsontext.Value `json:"data"`
	}
	var data struct {
		Scope string `json:"scope"`
	}
	_ = json.Unmarshal(resp.Body, &data) // bearer's own JSON
	out, err := json.Marshal(struct {
		JSONRPC string         `json:"jsonrpc"`
		ID      jsontext.Value `json:"id"`
		Error   rpcErr         `json:"error"`
	}{"2.0", id, rpcErr{codeInsufficientScope, "insufficient scope: this tool needs " + data.Scope, bytes.TrimSpace(resp.Body)}})
	if err != nil { // cannot happen: id and data were read as JSON
		return resp.Body
	}
	return append(out, '\n')
}

// toolCall is the part of a JSON-RPC tools/call request the guard reads.
type toolCall struct {
	ID     jsontext.Value `json:"id"`
	Method string         `json:"method"`
	Params struct {
		Name string `json:"name"`
	} `json:"params"`
}

// peekToolCall reads r's body, at most as much as the SDK accepts, puts it
// back for the next handler, and returns the tools/call request it holds,
// if it holds one. It reads strictly (encoding/json/v2: member names
// exact, no duplicates); a body it does not read as one JSON-RPC request
// (a batch, invalid JSON, "Method" for "method", a repeated "name") is
// left to the SDK, whose JSON reader may be more lenient, and to
// requireToolScopes, which checks whatever tool the SDK calls.
func peekToolCall(w http.ResponseWriter, r *http.Request) (*toolCall, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, mcp.DefaultMaxRequestBodyBytes))
	_ = r.Body.Close()
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var call toolCall
	if json.Unmarshal(body, &call) != nil || call.Method != "tools/call" || call.ID == nil {
		return nil, nil
	}
	return &call, nil
}

// tokenInfo returns the SDK's token-verifier hook, verifying with v: the
// claims' scopes, expiry and user become the SDK's TokenInfo. The guard
// has verified the token already; verifying it again costs a cache lookup
// (a token seen before skips the signature check).
func tokenInfo(v *verifier.Verifier) sdkauth.TokenVerifier {
	return func(ctx context.Context, token string, _ *http.Request) (*sdkauth.TokenInfo, error) {
		claims, err := v.Verify(ctx, token)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", sdkauth.ErrInvalidToken, err)
		}
		return &sdkauth.TokenInfo{
			Scopes:     claims.Scopes().List(),
			Expiration: claims.ExpiresAt(),
			// A subject is unique only at its issuer; the SDK binds
			// each session to this value.
			UserID: claims.Issuer() + " " + claims.Subject(),
			Extra:  map[string]any{"sub": claims.Subject()},
		}, nil
	}
}

// requireToolScopes is MCP middleware that refuses a tools/call unless the
// request's token (the SDK's TokenInfo) has the tool's scopes, and a call
// of any tool that tools does not list. The guard refuses such calls over
// HTTP first; this covers whatever it did not read, such as a batch.
func requireToolScopes(tools map[string]scopes.Requirement) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			call, ok := req.(*mcp.CallToolRequest)
			if !ok {
				return next(ctx, method, req)
			}
			var name string
			if call.Params != nil {
				name = call.Params.Name
			}
			need, ok := tools[name]
			if !ok {
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("unknown tool %q", name)}
			}
			var granted scopes.Set
			if call.Extra != nil && call.Extra.TokenInfo != nil {
				granted = scopes.FromList(call.Extra.TokenInfo.Scopes...)
			}
			if err := need.Check(granted); err != nil {
				// The same error as the guard's 403 carries.
				data, _ := json.Marshal(struct {
					Error string `json:"error"`
					Scope string `json:"scope"`
				}{"insufficient_scope", need.String()})
				return nil, &jsonrpc.Error{Code: codeInsufficientScope, Message: "insufficient scope: this tool needs " + need.String(), Data: data}
			}
			return next(ctx, method, req)
		}
	}
}
