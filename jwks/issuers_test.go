package jwks_test

import (
	"bytes"
	"context"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/hex"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

// countingSource is a fake Source that counts its calls and records the
// last query.
type countingSource struct {
	keys  []*jwks.Key
	err   error
	calls atomic.Int64
	last  atomic.Pointer[jwks.Query]
}

func (s *countingSource) Keys(_ context.Context, q jwks.Query) ([]*jwks.Key, error) {
	s.calls.Add(1)
	s.last.Store(&q)
	return s.keys, s.err
}

func TestByIssuerRoutes(t *testing.T) {
	keyA := publicKey(t, "a", &genEC(t, elliptic.P256()).PublicKey)
	keyB := publicKey(t, "b", &genEC(t, elliptic.P256()).PublicKey)
	srcA := &countingSource{keys: []*jwks.Key{keyA}}
	srcB := &countingSource{keys: []*jwks.Key{keyB}}
	srcDown := &countingSource{err: jwks.ErrUnavailable}
	r, err := jwks.NewByIssuer(map[string]jwks.Source{
		"https://a.example":    srcA,
		"https://b.example":    srcB,
		"https://down.example": srcDown,
	})
	require.NoError(t, err)

	q := jwks.Query{Issuer: "https://a.example", KeyID: "a", Algorithm: "ES256"}
	got, err := r.Keys(context.Background(), q)
	require.NoError(t, err, "ByIssuer.Keys(%+v)", q)
	assert.Equal(t, []*jwks.Key{keyA}, got, "ByIssuer.Keys for issuer A")
	assert.Equal(t, int64(1), srcA.calls.Load(), "calls to A's source")
	assert.Equal(t, int64(0), srcB.calls.Load(), "calls to B's source after a query for A")
	assert.Equal(t, q, *srcA.last.Load(), "the query passed to the source")

	got, err = r.Keys(context.Background(), jwks.Query{Issuer: "https://b.example", KeyID: "a", Algorithm: "ES256"})
	require.NoError(t, err)
	assert.Equal(t, []*jwks.Key{keyB}, got, "ByIssuer.Keys for issuer B naming A's kid returns B's source's answer")
	assert.Equal(t, int64(1), srcA.calls.Load(), "calls to A's source after a query for B")

	_, err = r.Keys(context.Background(), jwks.Query{Issuer: "https://down.example", Algorithm: "ES256"})
	assert.ErrorIs(t, err, jwks.ErrUnavailable, "ByIssuer.Keys passes on its source's error")
}

func TestByIssuerUnknownIssuer(t *testing.T) {
	src := &countingSource{keys: []*jwks.Key{publicKey(t, "a", &genEC(t, elliptic.P256()).PublicKey)}}
	r, err := jwks.NewByIssuer(map[string]jwks.Source{"https://a.example": src})
	require.NoError(t, err)

	for _, iss := range []string{"", "https://evil.example", "https://a.example/", "HTTPS://A.EXAMPLE", "https://a.example.evil.example"} {
		got, err := r.Keys(context.Background(), jwks.Query{Issuer: iss, KeyID: "a", Algorithm: "ES256"})
		assert.ErrorIs(t, err, jwks.ErrKeyNotFound, "ByIssuer.Keys(issuer %q) = %v, %v", iss, ids(got), err)
		assert.Nil(t, got)
	}
	assert.Equal(t, int64(0), src.calls.Load(), "source calls for unknown issuers; want none")
}

func TestNewByIssuerRefuses(t *testing.T) {
	src := &countingSource{}
	for name, m := range map[string]map[string]jwks.Source{
		"nil map":      nil,
		"empty map":    {},
		"empty issuer": {"": src},
		"nil source":   {"https://a.example": nil},
		"typed nil":    {"https://a.example": (*jwks.Remote)(nil)},
	} {
		r, err := jwks.NewByIssuer(m)
		assert.Error(t, err, "NewByIssuer(%s) = %v; want an error", name, r)
		assert.Nil(t, r, "NewByIssuer(%s)", name)
	}
}

func TestNewByIssuerCopiesMap(t *testing.T) {
	srcA := &countingSource{keys: []*jwks.Key{publicKey(t, "a", &genEC(t, elliptic.P256()).PublicKey)}}
	m := map[string]jwks.Source{"https://a.example": srcA}
	r, err := jwks.NewByIssuer(m)
	require.NoError(t, err)
	m["https://b.example"] = srcA
	delete(m, "https://a.example")

	assert.Equal(t, []string{"https://a.example"}, r.Issuers(), "Issuers() after the caller modified its map")
	_, err = r.Keys(context.Background(), jwks.Query{Issuer: "https://b.example", Algorithm: "ES256"})
	assert.ErrorIs(t, err, jwks.ErrKeyNotFound, "issuer added to the caller's map after NewByIssuer")
	_, err = r.Keys(context.Background(), jwks.Query{Issuer: "https://a.example", Algorithm: "ES256"})
	assert.NoError(t, err, "issuer removed from the caller's map after NewByIssuer")
}

func TestByIssuerIssuersSorted(t *testing.T) {
	src := &countingSource{}
	r, err := jwks.NewByIssuer(map[string]jwks.Source{
		"https://z.example": src, "client-42": src, "https://a.example": src, "Client-7": src, "m": src,
	})
	require.NoError(t, err)
	want := []string{"Client-7", "client-42", "https://a.example", "https://z.example", "m"}
	var lister jwks.IssuerLister = r // what verifier.New asks a key source for
	assert.Equal(t, want, lister.Issuers(), "ByIssuer.Issuers()")
	got := r.Issuers()
	got[0] = "changed"
	assert.Equal(t, want, r.Issuers(), "ByIssuer.Issuers() after the caller modified an earlier result")
}

// TestOnlyByIssuerListsIssuers: a source that holds keys for any issuer
// must not implement IssuerLister, or the verifier would refuse every
// trusted issuer it does not list.
func TestOnlyByIssuerListsIssuers(t *testing.T) {
	static, err := jwks.NewStatic(publicKey(t, "k", &genEC(t, elliptic.P256()).PublicKey))
	require.NoError(t, err)
	remote, err := jwks.NewRemote(jwks.RemoteConfig{URL: "https://issuer.example/jwks"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = remote.Close() })
	byIssuer, err := jwks.NewByIssuer(map[string]jwks.Source{"https://issuer.example": static})
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		src  jwks.Source
		want bool
	}{
		"ByIssuer": {byIssuer, true},
		"Static":   {static, false},
		"Remote":   {remote, false},
	} {
		_, ok := tc.src.(jwks.IssuerLister)
		assert.Equal(t, tc.want, ok, "%s implements jwks.IssuerLister", name)
	}
}

func TestSecretsByIssuer(t *testing.T) {
	secretA := bytes.Repeat([]byte("client-A-secret!"), 2) // 32 bytes
	secretB := bytes.Repeat([]byte("client-B-secret!"), 4) // 64 bytes
	r, err := jwks.SecretsByIssuer(map[string][]byte{"client-a": secretA, "client-b": secretB})
	require.NoError(t, err)
	assert.Equal(t, []string{"client-a", "client-b"}, r.Issuers())

	ctx := context.Background()
	signedA, sigA := signToken(t, "HS256", secretA, "")
	signedB, sigB := signToken(t, "HS256", secretB, "")

	keysA, err := r.Keys(ctx, jwks.Query{Issuer: "client-a", Algorithm: "HS256"})
	require.NoError(t, err, "Keys(client-a, HS256)")
	keysB, err := r.Keys(ctx, jwks.Query{Issuer: "client-b", Algorithm: "HS256"})
	require.NoError(t, err, "Keys(client-b, HS256)")
	require.Len(t, keysA, 1)
	require.Len(t, keysB, 1)
	assert.NotSame(t, keysA[0], keysB[0], "issuers A and B got the same key")

	assert.True(t, verifiesWith(keysA, "HS256", signedA, sigA), "A's token with A's keys")
	assert.True(t, verifiesWith(keysB, "HS256", signedB, sigB), "B's token with B's keys")
	// A token signed by A but claiming iss B: querying B returns only B's
	// key, which does not verify it.
	for _, k := range keysB {
		assert.ErrorIs(t, k.Verify("HS256", signedA, sigA), jwks.ErrSignature, "A's token checked with B's key")
	}
	for _, k := range keysA {
		assert.ErrorIs(t, k.Verify("HS256", signedB, sigB), jwks.ErrSignature, "B's token checked with A's key")
	}

	// A kid in the token does not matter: secrets have no ID, so the
	// issuer's only secret is returned.
	keys, err := r.Keys(ctx, jwks.Query{Issuer: "client-b", KeyID: "client-a", Algorithm: "HS256"})
	require.NoError(t, err)
	assert.Equal(t, keysB, keys, "Keys(client-b, kid client-a)")

	// The secret's length limits the algorithms, per issuer.
	_, err = r.Keys(ctx, jwks.Query{Issuer: "client-a", Algorithm: "HS512"})
	assert.ErrorIs(t, err, jwks.ErrKeyNotFound, "Keys(client-a, HS512) with a 32-byte secret")
	_, err = r.Keys(ctx, jwks.Query{Issuer: "client-b", Algorithm: "HS512"})
	assert.NoError(t, err, "Keys(client-b, HS512) with a 64-byte secret")
	_, err = r.Keys(ctx, jwks.Query{Issuer: "client-c", Algorithm: "HS256"})
	assert.ErrorIs(t, err, jwks.ErrKeyNotFound, "Keys(unknown issuer)")
}

func TestSecretsByIssuerCopiesSecrets(t *testing.T) {
	secret := bytes.Repeat([]byte{0x42}, 32)
	original := bytes.Clone(secret)
	m := map[string][]byte{"client": secret}
	r, err := jwks.SecretsByIssuer(m)
	require.NoError(t, err)
	clear(secret)
	m["client"] = bytes.Repeat([]byte{0x43}, 32)

	keys, err := r.Keys(context.Background(), jwks.Query{Issuer: "client", Algorithm: "HS256"})
	require.NoError(t, err)
	signed, sig := signToken(t, "HS256", original, "")
	assert.True(t, verifiesWith(keys, "HS256", signed, sig), "token signed with the original secret after the caller overwrote it")
}

func TestSecretsByIssuerRefuses(t *testing.T) {
	short := []byte("short-but-MARKED-secret")
	r, err := jwks.SecretsByIssuer(map[string][]byte{
		"client-ok":    bytes.Repeat([]byte{1}, 32),
		"client-short": short,
	})
	require.Error(t, err, "SecretsByIssuer with a %d-byte secret = %v; want an error", len(short), r)
	assert.Nil(t, r)
	msg := err.Error()
	assert.Contains(t, msg, `"client-short"`, "the error should name the issuer")
	assert.Contains(t, msg, "23 bytes", "the error should give the length")
	for form, leak := range map[string]string{
		"raw":       string(short),
		"marker":    "MARKED",
		"hex":       hex.EncodeToString(short),
		"base64":    base64.StdEncoding.EncodeToString(short),
		"base64url": base64.RawURLEncoding.EncodeToString(short),
	} {
		assert.NotContains(t, msg, leak, "SecretsByIssuer error contains the secret (%s form): %s", form, msg)
	}

	for name, m := range map[string]map[string][]byte{
		"empty":        {},
		"nil":          nil,
		"empty issuer": {"": bytes.Repeat([]byte{1}, 32)},
		"nil secret":   {"client": nil},
	} {
		r, err := jwks.SecretsByIssuer(m)
		assert.Error(t, err, "SecretsByIssuer(%s) = %v; want an error", name, r)
	}
}
