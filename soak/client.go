package main

import (
	"fmt"
	"time"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// soakClients returns n clients to register with the issuer: each may get
// the soak's scope, in tokens living lifetime, with a random secret.
func soakClients(n int, lifetime time.Duration) []verifiertest.Client {
	clients := make([]verifiertest.Client, n)
	for i := range clients {
		clients[i] = verifiertest.Client{
			ID:        fmt.Sprintf("soak-client-%03d", i),
			Secret:    randomHex(32),
			Scope:     scope,
			ExpiresIn: lifetime,
		}
	}
	return clients
}
