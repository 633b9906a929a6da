// Command jwtdoctor explains what the jwtgate middleware would do with an
// access token, and why.
//
// Give it the token and the settings the middleware runs with: the trusted
// issuer, the key source, the accepted audience, the algorithms and the
// scopes a route requires. It decodes the token's header and claims as
// strictly as the verifier reads them, runs the real verifier once with
// those settings, and lists every check of verifier.Checks that runs with
// them, in the verifier's order and under the verifier's names, with its
// outcome: the failed check is the one the verifier names in its error.
// The scope requirements follow. Last comes the HTTP answer the middleware
// would send: status, WWW-Authenticate and JSON body, byte for byte as the
// net/http, Echo and Gin adapters write them.
//
// Usage:
//
//	jwtdoctor [flags] TOKEN
//	jwtdoctor [flags] -           # read the token from standard input
//	jwtdoctor [flags] -token-file FILE
//
// The token may be pasted as it appears in a request, "Bearer eyJ..." or
// "Authorization: Bearer eyJ...": the scheme word is checked as the
// middleware would check it (see -scheme) and stripped.
//
// Examples:
//
//	# keys from the issuer's discovery document and JWKS endpoint
//	jwtdoctor -issuer https://auth.example.com -audience https://api.example.com -scope read "$TOKEN"
//
//	# offline, with a saved key set; the clock fixed for a reproducible answer
//	jwtdoctor -issuer https://auth.example.com -jwks-file jwks.json \
//		-audience https://api.example.com -now 2026-01-01T12:00:00Z "$TOKEN"
//
//	# an HS256 token; the secret is read from an environment variable
//	JWT_SECRET=... jwtdoctor -skip-issuer-check -skip-audience-check \
//		-hmac-secret-env JWT_SECRET -scheme JWT - < token.txt
//
// The key source is one of -jwks-file, -pem-file, -hmac-secret-env or
// -jwks-url; without any, the keys are found by discovery from each -issuer.
// Only -jwks-url and discovery use the network, once, with the -timeout.
//
// The report never contains the token as given, its signature, a secret or
// private key material: only the decoded header and claims, and sizes.
//
// Exit status: 0 if the middleware would let the request through, 1 if it
// would refuse it (401, 400, 403 or 503), 2 for a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jwtgate/jwtgate/verifier"
)

// maxInput bounds the input read from a file or standard input: far above
// the verifier's token size limit, so that an oversized token is still
// reported as such.
const maxInput = 1 << 20

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Getenv))
}

// run is the whole command: it parses args, reads the token (from stdin when
// asked), writes the report to stdout and returns the exit status. env looks
// up environment variables.
func run(args []string, stdin io.Reader, stdout io.Writer, env func(string) string) int {
	opts, err := parseArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		writeUsage(stdout)
		return 0
	}
	if err != nil {
		return usageError(stdout, err)
	}
	input, err := readInput(opts, stdin)
	if err != nil {
		return usageError(stdout, err)
	}
	s, err := configure(opts, env)
	if err != nil {
		return usageError(stdout, err)
	}
	defer s.close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*opts.timeout)
	defer cancel()
	d := diagnose(ctx, s, input)
	s.close() // waits for any key fetch, so that its notes are complete
	d.write(stdout, s)
	if d.passed() {
		return 0
	}
	return 1
}

func usageError(w io.Writer, err error) int {
	fmt.Fprintf(w, "jwtdoctor: %v\nRun 'jwtdoctor -h' for usage.\n", err)
	return 2
}

// options is the parsed command line.
type options struct {
	token     string // the positional argument; "-" for standard input
	tokenFile string

	issuers   []string
	jwksURL   string
	jwksFile  string
	pemFile   string
	hmacEnv   string
	audiences []string
	algs      []string
	allOf     []string
	anyOf     []string
	leeway    time.Duration
	skipIss   bool
	skipAud   bool
	strict    bool
	maxAge    time.Duration
	now       time.Time
	realm     string
	schemes   []string
	timeout   time.Duration
}

// listFlag is a repeatable flag whose values may also be separated by the
// characters in sep.
type listFlag struct {
	values *[]string
	sep    string
}

func (f listFlag) String() string {
	if f.values == nil {
		return ""
	}
	return strings.Join(*f.values, ",")
}

func (f listFlag) Set(s string) error {
	*f.values = append(*f.values, strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(f.sep, r) })...)
	return nil
}

// timeFlag is an RFC 3339 time.
type timeFlag struct{ t *time.Time }

func (f timeFlag) String() string {
	if f.t == nil || f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339)
}

func (f timeFlag) Set(s string) error {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return errors.New("not an RFC 3339 time such as 2026-01-01T12:00:00Z")
	}
	*f.t = t
	return nil
}

func newFlagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("jwtdoctor", flag.ContinueOnError)
	fs.StringVar(&o.tokenFile, "token-file", "", "read the token from `FILE` (- for standard input)")
	fs.Var(listFlag{&o.issuers, ""}, "issuer", "trusted issuer (`URL`, repeatable); also where keys are discovered when no key source is given")
	fs.StringVar(&o.jwksURL, "jwks-url", "", "fetch the key set from this JWKS `URL`")
	fs.StringVar(&o.jwksFile, "jwks-file", "", "read the key set from this JWKS `FILE` (offline)")
	fs.StringVar(&o.pemFile, "pem-file", "", "read public keys or certificates from this PEM `FILE` (offline)")
	fs.StringVar(&o.hmacEnv, "hmac-secret-env", "", "read an HMAC secret from the environment variable `NAME` (never printed)")
	fs.Var(listFlag{&o.audiences, ""}, "audience", "accepted `AUD` (repeatable)")
	fs.Var(listFlag{&o.algs, ", "}, "alg", "allowed algorithms (`ALGS`), comma-separated (default all supported)")
	fs.Var(listFlag{&o.allOf, ", "}, "scope", "`SCOPES` the route requires, all of them (space- or comma-separated, repeatable)")
	fs.Var(listFlag{&o.anyOf, ", "}, "any-scope", "`SCOPES` of which the route requires any one (space- or comma-separated, repeatable)")
	fs.DurationVar(&o.leeway, "leeway", verifier.DefaultLeeway, "clock skew tolerated for exp, nbf and iat")
	fs.BoolVar(&o.skipIss, "skip-issuer-check", false, "accept any iss (for issuers that put none in their tokens)")
	fs.BoolVar(&o.skipAud, "skip-audience-check", false, "accept any aud (for issuers that put none in their tokens)")
	fs.BoolVar(&o.strict, "strict", false, "require the RFC 9068 access-token profile (typ at+jwt; sub, client_id, iat, jti)")
	fs.DurationVar(&o.maxAge, "max-age", 0, "refuse tokens issued (iat) longer ago than this (0: no limit)")
	fs.Var(timeFlag{&o.now}, "now", "check the token at this RFC 3339 `time` instead of the current time")
	fs.StringVar(&o.realm, "realm", "", "`REALM` of the WWW-Authenticate challenge")
	fs.Var(listFlag{&o.schemes, ", "}, "scheme", "accepted Authorization scheme `WORDS`, comma-separated; the first one is used in challenges (default Bearer)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "time limit for fetching keys (-jwks-url, discovery)")
	return fs
}

// parseArgs parses the command line. Flags may come before or after the
// token.
func parseArgs(args []string) (*options, error) {
	o := &options{}
	fs := newFlagSet(o)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case len(positional) > 1:
		return nil, fmt.Errorf("%d arguments given; want one token (quote it if it contains spaces)", len(positional))
	case len(positional) == 1 && o.tokenFile != "":
		return nil, errors.New("a token argument and -token-file given; choose one")
	case len(positional) == 0 && o.tokenFile == "":
		return nil, errors.New("no token given: pass it as the argument, - to read standard input, or -token-file FILE")
	case len(positional) == 1:
		o.token = positional[0]
	}
	if len(o.schemes) == 0 {
		o.schemes = []string{"Bearer"}
	}
	if o.timeout <= 0 {
		return nil, errors.New("-timeout must be positive")
	}
	return o, nil
}

func writeUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: jwtdoctor [flags] TOKEN | - | -token-file FILE

Explains what the jwtgate middleware would answer to a request carrying
TOKEN, with the same settings: decoded header and claims, each check of the
verifier with its outcome, and the HTTP status, WWW-Authenticate and body.
The token may be pasted as "Bearer ..." or "Authorization: Bearer ...".
Key sources: -jwks-file, -pem-file, -hmac-secret-env, -jwks-url, or
discovery from -issuer. Exit status: 0 accepted, 1 refused, 2 usage error.

Flags:
`)
	fs := newFlagSet(&options{})
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// readInput returns the token text as given: the argument, a file or
// standard input.
func readInput(o *options, stdin io.Reader) (string, error) {
	var r io.Reader
	var name string
	switch {
	case o.token == "-" || o.tokenFile == "-":
		r, name = stdin, "standard input"
	case o.tokenFile != "":
		f, err := os.Open(o.tokenFile)
		if err != nil {
			return "", fmt.Errorf("-token-file: %w", err)
		}
		defer f.Close()
		r, name = f, o.tokenFile
	default:
		return o.token, nil
	}
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > maxInput {
		return "", fmt.Errorf("%s holds more than %d bytes; that is no token", name, maxInput)
	}
	return string(data), nil
}
