package verifier

import (
	"bytes"
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

// jrB64 encodes s as base64url without padding, as in a compact JWS.
func jrB64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// jrSig is a 32-byte signature, as long as an HS256 MAC.
var jrSig = bytes.Repeat([]byte{0xA5, 0x5A, 0xFF, 0x00}, 8)

// jrClaims is a claims set, and jrPayload its encoding; the tests of
// parseCompact only check that it is decoded.
const jrClaims = `{"sub":"SECRETMARKER","exp":1700000000}`

var jrPayload = jrB64(jrClaims)

// jrToken builds a compact JWS from a header's JSON, with jrPayload and jrSig.
func jrToken(header string) string {
	return jrB64(header) + "." + jrPayload + "." + base64.RawURLEncoding.EncodeToString(jrSig)
}

// jrReasons lists every reason sentinel, to check that an error matches
// exactly one.
var jrReasons = []error{
	ErrMalformed, ErrAlgorithm, ErrUnsupportedHeader, ErrUnknownKey, ErrSignature,
	ErrMissingClaim, ErrExpired, ErrNotYetValid, ErrIssuer, ErrAudience,
}

// jrCheckRejection checks that err rejects token for reason (and, if cause
// is not nil, because of cause), and that its message gives away neither
// the token nor any of its parts.
func jrCheckRejection(t *testing.T, fn, token string, err, reason, cause error) {
	t.Helper()
	require.Error(t, err, "%s(%.60q) accepted the token; want %v", fn, token, reason)
	var e *Error
	require.ErrorAs(t, err, &e, "%s(%.60q) returned %T (%v); want *Error", fn, token, err, err)
	assert.ErrorIs(t, err, ErrInvalidToken, "%s(%.60q) returned %v; want it to match ErrInvalidToken", fn, token, err)
	for _, r := range jrReasons {
		if r == reason {
			assert.ErrorIs(t, err, r, "%s(%.60q) returned %v; want reason %v", fn, token, err, reason)
		} else {
			assert.NotErrorIs(t, err, r, "%s(%.60q) returned %v, which also matches %v; want only %v", fn, token, err, r, reason)
		}
	}
	if cause != nil {
		assert.ErrorIs(t, err, cause, "%s(%.60q) returned %v; want cause %v", fn, token, err, cause)
	}
	msg := err.Error()
	assert.True(t, strings.HasPrefix(msg, "verifier: "), "%s(%.60q) returned message %q; want the \"verifier: \" prefix", fn, token, msg)
	if token != "" {
		assert.NotContains(t, msg, token, "%s returned a message that contains the token", fn)
	}
	for i, part := range strings.Split(token, ".") {
		// Parts of a few bytes could occur in any text; every part the
		// tests build that matters is longer.
		if len(part) >= 4 {
			assert.NotContains(t, msg, part, "%s(%.60q) returned a message that contains part %d of the token: %q", fn, token, i, msg)
		}
	}
	assert.NotContains(t, msg, "SECRETMARKER", "%s returned a message that contains the token's content", fn)
}

func TestParseCompactAccepts(t *testing.T) {
	sig := base64.RawURLEncoding.EncodeToString(jrSig)
	tests := []struct {
		name  string
		token string
		want  header
	}{
		{"alg only", jrToken(`{"alg":"HS256"}`), header{alg: "HS256"}},
		{"alg, kid and typ", jrToken(`{"typ":"at+jwt","kid":"key-1","alg":"RS256"}`), header{alg: "RS256", kid: "key-1", typ: "at+jwt"}},
		{"escaped values", jrToken(`{"alg":"\u0045S256","kid":"k\u00e9\/1","typ":"JWT"}`), header{alg: "ES256", kid: "ké/1", typ: "JWT"}},
		{"whitespace in the header", jrToken(" {\n\t\"alg\" : \"PS256\" ,\r\n \"kid\":\"k\" } "), header{alg: "PS256", kid: "k"}},
		{"b64 true", jrToken(`{"alg":"HS256","b64":true}`), header{alg: "HS256"}},
		{"unknown parameters ignored", jrToken(`{"alg":"EdDSA","cty":"JWT","x-custom":{"nested":[1,2,3]},"zip":null}`), header{alg: "EdDSA"}},
		{
			"key-naming parameters jku, x5u, jwk and x5c read past",
			jrToken(`{"alg":"RS256","kid":"k1","jku":"https://attacker.example/jwks.json","x5u":"https://attacker.example/cert.pem",` +
				`"jwk":{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB"},` +
				`"x5c":["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]}`),
			header{alg: "RS256", kid: "k1"},
		},
		{"empty payload", jrB64(`{"alg":"HS256"}`) + ".." + sig, header{alg: "HS256"}},
		{"empty alg is left for the allowlist", jrToken(`{"alg":""}`), header{alg: ""}},
		{"unsupported alg is left for the allowlist", jrToken(`{"alg":"HS1"}`), header{alg: "HS1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := jrSplit(tt.token)
			require.NoError(t, err, "parseCompact(%.60q) failed; want it accepted", tt.token)
			assert.Equal(t, tt.want, j.header, "parseCompact(%.60q) read this header", tt.token)
			dot := strings.LastIndexByte(tt.token, '.')
			assert.Equal(t, tt.token[:dot], string(j.signingInput), "parseCompact(%.60q) returned this signing input", tt.token)
			parts := strings.Split(tt.token, ".")
			decoded, err := base64.RawURLEncoding.DecodeString(parts[1])
			require.NoError(t, err)
			payload, err := j.payload, j.payloadErr
			require.NoError(t, err, "parseCompact(%.60q): decodePayload failed", tt.token)
			assert.Equal(t, string(decoded), string(payload), "parseCompact(%.60q) decoded this payload", tt.token)
			assert.Equal(t, jrSig, j.signature, "parseCompact(%.60q) decoded this signature", tt.token)
		})
	}
}

func TestParseCompactSignatureSizes(t *testing.T) {
	for _, size := range []int{1, 32, 512, 513, 1024} { // up to an RSA-8192 signature
		sig := bytes.Repeat([]byte{0xC3}, size)
		token := jrB64(`{"alg":"RS512"}`) + "." + jrPayload + "." + base64.RawURLEncoding.EncodeToString(sig)
		j, err := jrSplit(token)
		require.NoError(t, err, "parseCompact with a %d-byte signature", size)
		assert.Equal(t, sig, j.signature, "parseCompact with a %d-byte signature decoded this signature", size)
		// The payload's room in the shared buffer ends where the
		// signature starts: decoding one must not overwrite the other.
		payload, err := j.payload, j.payloadErr
		require.NoError(t, err)
		assert.Equal(t, jrClaims, string(payload), "parseCompact with a %d-byte signature decoded this payload", size)
	}
}

// jrNonCanonical returns s, a base64url encoding whose length is not a
// multiple of 4, with non-zero bits where the last character has unused
// bits: lenient decoders read the same bytes, strict ones reject it.
func jrNonCanonical(t *testing.T, s string) string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	require.NotZero(t, len(s)%4, "%q has no unused bits", s)
	v := strings.IndexByte(alphabet, s[len(s)-1])
	require.Zero(t, v&1, "%q is not canonical to begin with", s)
	out := s[:len(s)-1] + string(alphabet[v|1])
	want, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(t, err)
	got, err := base64.RawURLEncoding.DecodeString(out)
	require.NoError(t, err, "lenient decoding of %q", out)
	require.Equal(t, want, got, "the non-canonical %q must decode to the same bytes as %q", out, s)
	return out
}

func TestParseCompactRejects(t *testing.T) {
	hdr := jrB64(`{"alg":"HS256","kid":"k"}`) // 25 bytes: unused bits in the last character
	sig := base64.RawURLEncoding.EncodeToString(jrSig)
	// An encrypted token (RFC 7516 appendix A.1), five parts.
	jwe := "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ." +
		"OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGeipsEdY3mx_etLbbWSrFr05kLzcSr4qKAq7YN7e9jwQRb23nfa6c9d-StnImGyFDbSv04uVuxIp5Zms1gNxKKK2Da14B8S4rzVRltdYwam_lDp5XnZAYpQdb76FdIKLaVmqgfwX7XWRxv2322i-vDxRfqNzo_tETKzpVLzfiwQyeyPGLBIO56YJ7eObdv0je81860ppamavo35UgoRdbYaBcoh9QcfylQr66oc6vFWXRcZ_ZT2LawVCWTIy3brGPi6UklfCpIMfIjf7iGdXKHzg." +
		"48V1_ALb6US04U3b." +
		"5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A." +
		"XFBoMYUZodetZdvTiFvSkQ"
	var corrupt base64.CorruptInputError
	tests := []struct {
		name   string
		token  string
		reason error
		cause  error // nil: checked separately or not at all
	}{
		// Structure.
		{"empty token", "", ErrMalformed, errParts},
		{"one part", hdr, ErrMalformed, errParts},
		{"two parts", hdr + "." + jrPayload, ErrMalformed, errParts},
		{"two parts, signature dropped with its dot", hdr + "." + jrPayload + sig, ErrMalformed, errParts},
		{"four parts", hdr + "." + jrPayload + "." + sig + "." + sig, ErrMalformed, errParts},
		{"four parts, trailing dot", hdr + "." + jrPayload + "." + sig + ".", ErrMalformed, errParts},
		{"five parts (JWE)", jwe, ErrMalformed, errParts},
		{"empty header", "." + jrPayload + "." + sig, ErrMalformed, errEmptyHeader},
		{"empty signature", hdr + "." + jrPayload + ".", ErrMalformed, errNoSignature},
		{"only dots", "..", ErrMalformed, errEmptyHeader},
		{"JSON serialization", `{"payload":"` + jrPayload + `","signatures":[{"protected":"` + hdr + `","signature":"` + sig + `"}]}`, ErrMalformed, errAlphabet},

		// Base64url.
		{"header of impossible length", hdr + "AAA." + jrPayload + "." + sig, ErrMalformed, nil},
		{"signature of impossible length", hdr + "." + jrPayload + "." + sig + "AA", ErrMalformed, nil},
		{"header with non-zero unused bits", jrNonCanonical(t, hdr) + "." + jrPayload + "." + sig, ErrMalformed, nil},
		{"signature with non-zero unused bits", hdr + "." + jrPayload + "." + jrNonCanonical(t, sig), ErrMalformed, nil},

		// The header's JSON.
		{"header not JSON", jrToken(`alg=HS256`), ErrMalformed, errJSONNotObject},
		{"header a JSON array", jrToken(`["alg","HS256"]`), ErrMalformed, errJSONNotObject},
		{"header a JSON string", jrToken(`"HS256"`), ErrMalformed, errJSONNotObject},
		{"header null", jrToken(`null`), ErrMalformed, errJSONNotObject},
		{"header unterminated", jrToken(`{"alg":"HS256"`), ErrMalformed, errJSONSyntax},
		{"header with trailing data", jrToken(`{"alg":"HS256"}{}`), ErrMalformed, errJSONSyntax},
		{"header with trailing comma", jrToken(`{"alg":"HS256",}`), ErrMalformed, errJSONSyntax},
		{"header with invalid UTF-8", jrToken("{\"alg\":\"HS256\",\"kid\":\"\xff\"}"), ErrMalformed, errJSONSyntax},
		{"header with a lone surrogate", jrToken(`{"alg":"HS256","kid":"\udc00"}`), ErrMalformed, errJSONSyntax},
		{"header nested too deeply", jrToken(`{"alg":"HS256","x":` + jrNest(maxDepth+1, "[", "]") + `}`), ErrMalformed, errJSONDepth},

		// "alg".
		{"empty header object", jrToken(`{}`), ErrMalformed, errNoAlg},
		{"no alg", jrToken(`{"kid":"k","typ":"JWT"}`), ErrMalformed, errNoAlg},
		{"alg in upper case is another name", jrToken(`{"ALG":"HS256"}`), ErrMalformed, errNoAlg},
		{"alg nested", jrToken(`{"x":{"alg":"HS256"}}`), ErrMalformed, errNoAlg},
		{"alg a number", jrToken(`{"alg":256}`), ErrMalformed, errJSONType},
		{"alg null", jrToken(`{"alg":null}`), ErrMalformed, errJSONType},
		{"alg an array", jrToken(`{"alg":["HS256"]}`), ErrMalformed, errJSONType},
		{"alg an object", jrToken(`{"alg":{"name":"HS256"}}`), ErrMalformed, errJSONType},
		{"alg true", jrToken(`{"alg":true}`), ErrMalformed, errJSONType},
		{"duplicate alg", jrToken(`{"alg":"HS256","alg":"RS256"}`), ErrMalformed, errJSONDuplicate},
		{"duplicate alg, none last", jrToken(`{"alg":"HS256","alg":"none"}`), ErrMalformed, errJSONDuplicate},
		{"duplicate alg after unescaping", jrToken(`{"alg":"none","\u0061lg":"HS256"}`), ErrMalformed, errJSONDuplicate},
		{"alg none", jrToken(`{"alg":"none"}`), ErrAlgorithm, errAlgNone},
		{"alg None", jrToken(`{"alg":"None"}`), ErrAlgorithm, errAlgNone},
		{"alg NONE", jrToken(`{"alg":"NONE"}`), ErrAlgorithm, errAlgNone},
		{"alg nOnE", jrToken(`{"alg":"nOnE"}`), ErrAlgorithm, errAlgNone},
		{"alg none, escaped", jrToken(`{"alg":"\u006eone"}`), ErrAlgorithm, errAlgNone},
		{"alg none with kid and typ", jrToken(`{"typ":"JWT","alg":"none","kid":"k"}`), ErrAlgorithm, errAlgNone},

		// "crit" and "b64".
		{"crit listing b64", jrToken(`{"alg":"HS256","crit":["b64"],"b64":true}`), ErrUnsupportedHeader, errCrit},
		{"crit listing an unknown extension", jrToken(`{"alg":"HS256","crit":["http://example.com/ext"],"http://example.com/ext":1}`), ErrUnsupportedHeader, errCrit},
		{"crit empty", jrToken(`{"alg":"HS256","crit":[]}`), ErrUnsupportedHeader, errCrit},
		{"crit null", jrToken(`{"alg":"HS256","crit":null}`), ErrUnsupportedHeader, errCrit},
		{"crit a string", jrToken(`{"alg":"HS256","crit":"exp"}`), ErrUnsupportedHeader, errCrit},
		{"crit an object", jrToken(`{"alg":"HS256","crit":{}}`), ErrUnsupportedHeader, errCrit},
		{"crit before alg", jrToken(`{"crit":["exp"],"alg":"RS256"}`), ErrUnsupportedHeader, errCrit},
		{"crit duplicated", jrToken(`{"alg":"HS256","crit":["a"],"crit":["b"]}`), ErrMalformed, errJSONDuplicate},
		{"b64 false", jrToken(`{"alg":"HS256","b64":false}`), ErrUnsupportedHeader, errUnencoded},
		{"b64 false with crit", jrToken(`{"alg":"HS256","b64":false,"crit":["b64"]}`), ErrUnsupportedHeader, nil},
		{"b64 a string", jrToken(`{"alg":"HS256","b64":"false"}`), ErrMalformed, errJSONType},
		{"b64 a number", jrToken(`{"alg":"HS256","b64":0}`), ErrMalformed, errJSONType},
		{"b64 null", jrToken(`{"alg":"HS256","b64":null}`), ErrMalformed, errJSONType},
		{"b64 misspelt literal", jrToken(`{"alg":"HS256","b64":fals}`), ErrMalformed, errJSONSyntax},
		{"b64 duplicated", jrToken(`{"alg":"HS256","b64":true,"b64":false}`), ErrMalformed, errJSONDuplicate},

		// "kid" and "typ".
		{"kid a number", jrToken(`{"alg":"HS256","kid":1}`), ErrMalformed, errJSONType},
		{"kid null", jrToken(`{"alg":"HS256","kid":null}`), ErrMalformed, errJSONType},
		{"kid an array", jrToken(`{"alg":"HS256","kid":["a","b"]}`), ErrMalformed, errJSONType},
		{"typ an object", jrToken(`{"alg":"HS256","typ":{}}`), ErrMalformed, errJSONType},
		{"duplicate kid", jrToken(`{"alg":"HS256","kid":"a","kid":"b"}`), ErrMalformed, errJSONDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jrSplit(tt.token)
			jrCheckRejection(t, "parseCompact", tt.token, err, tt.reason, tt.cause)
			if tt.cause == nil && tt.reason == ErrMalformed {
				assert.ErrorAs(t, err, &corrupt, "parseCompact(%.60q) returned %v; want a base64 decoding error", tt.token, err)
			}
		})
	}
}

// TestParseCompactRejectsNonBase64URL inserts characters outside the
// base64url alphabet at the start, middle and end of each part.
func TestParseCompactRejectsNonBase64URL(t *testing.T) {
	valid := jrToken(`{"alg":"HS256","kid":"k"}`)
	_, err := jrSplit(valid)
	require.NoError(t, err, "parseCompact(%q): the token the cases start from must be valid", valid)

	bad := []struct{ name, s string }{
		{"space", " "}, {"plus", "+"}, {"slash", "/"}, {"padding", "="}, {"double padding", "=="},
		{"newline", "\n"}, {"carriage return", "\r"}, {"tab", "\t"}, {"NUL", "\x00"},
		{"e acute", "é"}, {"byte 0x80", "\x80"}, {"byte 0xff", "\xff"}, {"non-breaking space", "\u00a0"},
		{"question mark", "?"}, {"hash", "#"}, {"percent", "%"}, {"backslash", `\`}, {"quote", `"`},
		{"DEL", "\x7f"}, {"full-width A", "Ａ"},
	}
	parts := strings.Split(valid, ".")
	for _, b := range bad {
		for p, part := range parts {
			for _, at := range []struct {
				where string
				i     int
			}{{"start", 0}, {"middle", len(part) / 2}, {"end", len(part)}} {
				t.Run(b.name+" at "+at.where+" of part "+string(rune('1'+p)), func(t *testing.T) {
					mod := slices.Clone(parts)
					mod[p] = part[:at.i] + b.s + part[at.i:]
					token := strings.Join(mod, ".")
					_, err := jrSplit(token)
					jrCheckRejection(t, "parseCompact", token, err, ErrMalformed, errAlphabet)
				})
			}
		}
	}
	// The standard alphabet's '+' and '/' in place of '-' and '_'.
	std := base64.RawStdEncoding.EncodeToString([]byte{0xfb, 0xff, 0xfe})
	require.Equal(t, "+//+", std)
	token := parts[0] + "." + parts[1] + "." + std
	_, err = jrSplit(token)
	jrCheckRejection(t, "parseCompact", token, err, ErrMalformed, errAlphabet)
}

// TestParseCompactPayloadErrorAfterAlgorithm checks the order of the
// checks: a payload that is not canonical base64url passes parseCompact,
// whose caller first checks the algorithm, and is then reported by
// decodePayload as malformed.
func TestParseCompactPayloadErrorAfterAlgorithm(t *testing.T) {
	payload := jrNonCanonical(t, jrB64(`{"a":1}`)) // 7 bytes
	token := jrB64(`{"alg":"HS256"}`) + "." + payload + "." + base64.RawURLEncoding.EncodeToString(jrSig)
	j, err := jrSplit(token)
	require.NoError(t, err, "parseCompact(%q) rejected a token whose payload only decodePayload reports", token)
	assert.Equal(t, "HS256", j.header.alg, "parseCompact(%q) read this algorithm", token)
	err = j.payloadErr
	jrCheckRejection(t, "decodePayload", token, err, ErrMalformed, nil)
	var corrupt base64.CorruptInputError
	assert.ErrorAs(t, err, &corrupt, "decodePayload for the non-canonical payload %q returned %v; want a base64 decoding error", payload, err)
}

func TestParseHeaderDirect(t *testing.T) {
	tests := []struct {
		in     string
		want   header
		reason error
	}{
		{`{"alg":"ES384","kid":"","typ":""}`, header{alg: "ES384"}, nil},
		{`{"kid":"k\u0031","alg":"ES512"}`, header{alg: "ES512", kid: "k1"}, nil},
		{`{"alg":"RS256","jwk":{"kty":"oct","k":"c2VjcmV0"}}`, header{alg: "RS256"}, nil},
		{`{"alg":"RS256","x5c":"not even an array"}`, header{alg: "RS256"}, nil},
		{`{"alg":"RS256","jku":1,"x5u":null}`, header{alg: "RS256"}, nil},
		{`{"alg":"none","crit":["x"]}`, header{}, ErrAlgorithm},              // none is named before crit
		{`{"crit":["x"]}`, header{}, ErrMalformed},                           // no alg comes first
		{`{"alg":"none","b64":false}`, header{}, ErrAlgorithm},               // none before b64
		{`{"alg":"HS256","crit":["b64"],"b64":"x"}`, header{}, ErrMalformed}, // syntax before semantics
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			h, err := parseHeader(new(objectReader), []byte(tt.in), jwks.Algorithms())
			if tt.reason != nil {
				jrCheckRejection(t, "parseHeader", "", err, tt.reason, nil)
				assert.NotContains(t, err.Error(), tt.in, "parseHeader(%q) returned a message that contains the header", tt.in)
				return
			}
			require.NoError(t, err, "parseHeader(%q) failed; want it accepted", tt.in)
			assert.Equal(t, tt.want, h, "parseHeader(%q) read this header", tt.in)
		})
	}
}

// jrSplit splits token as Verify does, with every algorithm allowed.
func jrSplit(token string) (*parser, error) {
	p := new(parser)
	err := p.split(token, jwks.Algorithms(), nil)
	return p, err
}
