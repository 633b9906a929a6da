package main

import (
	"fmt"
	"io"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// The positions of the styles' clients in verifiertest.DemoClients.
const (
	droneClient = iota
	travelClient
	cameraClient
	geoClient
)

// sedField is the sed command that takes one string member out of the
// issuer's compact JSON answer.
func sedField(name string) string {
	return fmt.Sprintf(`sed -E 's/.*"%s":"([^"]+)".*/\1/'`, name)
}

// printCommands prints each issuer style's two commands: get a token, then
// call the API with it.
func printCommands(base string, demo *verifiertest.Issuer, clients []verifiertest.Client, out io.Writer) {
	drone, travel, camera, geo := clients[droneClient], clients[travelClient], clients[cameraClient], clients[geoClient]
	fmt.Fprintf(out, "Demo issuer %s (token endpoint %s, keys at %s)\n", demo.URL, demo.TokenURL(), demo.JWKSURL())
	fmt.Fprintf(out, "Each style in two steps: get a token with the client ID and secret, then call the API.\n\n")

	fmt.Fprintf(out, "# 1. Drone-mapping style: client credentials in the form, token_format=jwt; scopes read write, expires_in 36000 (201)\n")
	fmt.Fprintf(out, "TOKEN=$(curl -s %s -d grant_type=client_credentials -d client_id=%s -d client_secret=%s -d token_format=jwt | %s)\n",
		demo.TokenURL(), drone.ID, drone.Secret, sedField("access_token"))
	fmt.Fprintf(out, "curl -i -X POST %s/items -H \"Authorization: Bearer $TOKEN\"\n\n", base)

	fmt.Fprintf(out, "# 2. Travel/connectivity style: client credentials in HTTP Basic; scope read, expires_in 3600 (200; POST gets 403, a wrong secret 401)\n")
	fmt.Fprintf(out, "TOKEN=$(curl -s -u %s:%s %s -d grant_type=client_credentials | %s)\n",
		travel.ID, travel.Secret, demo.TokenURL(), sedField("access_token"))
	fmt.Fprintf(out, "curl -i %s/items -H \"Authorization: Bearer $TOKEN\"\n\n", base)

	fmt.Fprintf(out, "# 3. Camera-catalogue style (Django): username and password, HS256 token sent with the scheme word JWT (200)\n")
	fmt.Fprintf(out, "TOKEN=$(curl -s %s -d username=%s -d password=%s | %s)\n",
		demo.DjangoTokenURL(), camera.ID, camera.Secret, sedField("token"))
	fmt.Fprintf(out, "curl -i %s/cameras -H \"Authorization: JWT $TOKEN\"\n\n", base)

	fmt.Fprintf(out, "# 4. Geospatial-finance style: the client mints its own token, iss = sub = client ID, HS256 with its secret (200)\n")
	fmt.Fprintf(out, "TOKEN=$(go run ./examples/quickstart -mint-client-token -client-id %s -client-secret %s -audience %s)\n",
		geo.ID, geo.Secret, ledgerAudience)
	fmt.Fprintf(out, "curl -i %s/ledger -H \"Authorization: Bearer $TOKEN\"\n\n", base)

	fmt.Fprintf(out, "# Without a token, or with another style's token, the API answers 401:\ncurl -i %s/items\n\n", base)
}
