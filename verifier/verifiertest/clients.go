package verifiertest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"time"
)

// Client is an OAuth 2.0 client registered with an [Issuer] through
// IssuerConfig.Clients. It gets tokens from the issuer's token endpoints
// with its ID and secret, and can mint its own tokens with
// [MintClientToken].
type Client struct {
	// ID is the client identifier: the "sub" and "client_id" of the tokens
	// it gets, and the "iss" and "sub" of the tokens it mints itself.
	ID string
	// Secret is the client secret. The issuer compares it in constant time
	// and never writes it anywhere.
	Secret string
	// Scope lists the scopes the client may get, space-delimited, such as
	// "read write". A token request without a scope gets all of them.
	Scope string
	// ExpiresIn is the lifetime of the client's tokens; zero means
	// DefaultExpiresIn.
	ExpiresIn time.Duration
}

// lifetime returns the client's token lifetime with the default filled in.
func (c Client) lifetime() time.Duration {
	if c.ExpiresIn == 0 {
		return DefaultExpiresIn
	}
	return c.ExpiresIn
}

// The IDs of the clients [DemoClients] returns, one per issuer style.
const (
	DemoDroneMappingClient    = "drone-mapping"
	DemoTravelClient          = "travel-connect"
	DemoCameraCatalogueClient = "camera-catalogue"
	DemoGeoFinanceClient      = "geo-finance"
)

// DemoClients returns one client for each issuer style our users meet,
// each with a fresh random secret, in this order:
//
//   - DemoDroneMappingClient, scope "read write", 10 h tokens (expires_in
//     36000), as a drone-mapping cloud API issues them for form credentials
//     and token_format=jwt;
//   - DemoTravelClient, scope "read", 1 h tokens (expires_in 3600), as a
//     travel or connectivity API issues them for HTTP Basic credentials;
//   - DemoCameraCatalogueClient, scope "read", 1 h tokens, a user of a
//     Django-style API that signs HS256 tokens with its server secret
//     ([Issuer.DjangoTokenURL]);
//   - DemoGeoFinanceClient, scope "read", 5 min tokens, which a
//     geospatial finance API lets mint their own tokens
//     ([MintClientToken]).
//
// Pass them as IssuerConfig.Clients. It panics if the system's random
// source fails.
func DemoClients() []Client {
	return []Client{
		{ID: DemoDroneMappingClient, Secret: randomSecret(), Scope: "read write", ExpiresIn: 10 * time.Hour},
		{ID: DemoTravelClient, Secret: randomSecret(), Scope: "read", ExpiresIn: time.Hour},
		{ID: DemoCameraCatalogueClient, Secret: randomSecret(), Scope: "read", ExpiresIn: time.Hour},
		{ID: DemoGeoFinanceClient, Secret: randomSecret(), Scope: "read", ExpiresIn: 5 * time.Minute},
	}
}

// randomSecret returns 32 random bytes in base64url without padding: 43
// characters that need no escaping in a form, a URL or HTTP Basic, and
// that are long enough for an HS256 key.
func randomSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// MintClientToken returns a token that client c mints itself, as APIs
// that let each client sign its own tokens expect: "iss" and "sub" are the
// client ID, "aud" is audience (left out when empty), "iat" is now, "exp"
// is expiresIn later (zero means the client's ExpiresIn, negative mints
// an expired token), "jti" is random, and the token is signed with HS256
// using the client secret as the key. A verifier finds that key by "iss"
// with jwks.SecretsByIssuer, which needs secrets of at least 32 bytes.
func MintClientToken(c Client, audience string, expiresIn time.Duration) (string, error) {
	if c.ID == "" || c.Secret == "" {
		return "", fmt.Errorf("verifiertest: a client-minted token needs the client's ID and secret")
	}
	if expiresIn == 0 {
		expiresIn = c.lifetime()
	}
	now := time.Now()
	claims := map[string]any{
		"iss": c.ID,
		"sub": c.ID,
		"iat": now.Unix(),
		"exp": now.Add(expiresIn).Unix(),
		"jti": randomID(),
	}
	if audience != "" {
		claims["aud"] = audience
	}
	return Sign("HS256", []byte(c.Secret), map[string]any{"typ": "JWT"}, claims)
}

// registeredClient is a Client as the issuer keeps it.
type registeredClient struct {
	Client
	digest [sha256.Size]byte // SHA-256 of the secret
	number int               // 1-based position in IssuerConfig.Clients
}

// registerClients copies clients into a map by ID. It fails on an empty
// or repeated ID, an empty secret or a negative lifetime.
func registerClients(clients []Client) (map[string]*registeredClient, error) {
	m := make(map[string]*registeredClient, len(clients))
	for n, c := range clients {
		switch {
		case c.ID == "":
			return nil, fmt.Errorf("verifiertest: IssuerConfig.Clients[%d] has no ID", n)
		case m[c.ID] != nil:
			return nil, fmt.Errorf("verifiertest: IssuerConfig.Clients has client %q twice", c.ID)
		case c.Secret == "":
			return nil, fmt.Errorf("verifiertest: client %q has no secret", c.ID)
		case c.ExpiresIn < 0:
			return nil, fmt.Errorf("verifiertest: client %q has a negative ExpiresIn", c.ID)
		}
		m[c.ID] = &registeredClient{Client: c, digest: sha256.Sum256([]byte(c.Secret)), number: n + 1}
	}
	return m, nil
}

// authenticate returns the client with the given ID if secret is its
// secret. The secret is compared in constant time, as SHA-256 digests so
// that its length does not show either, and the comparison is made even
// for an unknown ID, so that timing does not tell which IDs exist.
func (i *Issuer) authenticate(id, secret string) (*registeredClient, bool) {
	c := i.clients[id]
	want := i.unknownClientDigest
	if c != nil {
		want = c.digest
	}
	got := sha256.Sum256([]byte(secret))
	i.secretCompares.Add(1)
	same := subtle.ConstantTimeCompare(got[:], want[:]) == 1
	return c, same && c != nil
}
