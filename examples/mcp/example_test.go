package main

import (
	"fmt"
)

// The metadata of the MCP server at its public URL: where clients find it,
// which a 401 challenge names in resource_metadata, and what it says.
func Example_metadata() {
	doc, err := newMetadata("https://mcp.example.com/mcp", "https://auth.example.com")
	if err != nil {
		panic(err)
	}
	fmt.Println(doc.URL())
	fmt.Print(string(doc.JSON()))
	// Output:
	// https://mcp.example.com/.well-known/oauth-protected-resource/mcp
	// {"resource":"https://mcp.example.com/mcp","authorization_servers":["https://auth.example.com"],"scopes_supported":["read","write"],"bearer_methods_supported":["header"],"resource_name":"Flight planner (jwtgate MCP example)"}
}
