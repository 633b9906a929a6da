package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

// setup is the middleware the doctor stands in for: the verifier, the
// shared HTTP answer logic and the scope guards, built from the options.
type setup struct {
	opts     *options
	now      time.Time
	v        *verifier.Verifier
	auth     *bearer.Auth
	keys     *recorder
	keyDesc  []string // how the keys were obtained, one line each
	remotes  []*remoteSource
	algs     []string // the allowlist in force
	required []requirement
	closed   bool
}

// requirement is one scope guard, as set up with Require.
type requirement struct {
	flag string // "-scope" or "-any-scope"
	req  scopes.Requirement
}

// remoteSource is a key set fetched from the network, with the notes its
// fetches logged (keys skipped, failures).
type remoteSource struct {
	what  string // "JWKS URL ..." or "discovery from issuer ..."
	r     *jwks.Remote
	notes *noteHandler
}

// configure builds the verifier and the answer logic from o, as an
// application would from the same settings. Its errors are usage errors.
func configure(o *options, env func(string) string) (*setup, error) {
	s := &setup{opts: o, now: o.now}
	if s.now.IsZero() {
		s.now = time.Now().Truncate(time.Second) // as printed
	}
	src, err := s.keySource(env)
	if err != nil {
		return nil, err
	}
	s.keys = &recorder{src: src}
	now := s.now
	v, err := verifier.New(verifier.Config{
		Issuers:           o.issuers,
		Audiences:         o.audiences,
		Keys:              s.keys,
		Algorithms:        o.algs,
		Leeway:            o.leeway,
		SkipIssuerCheck:   o.skipIss,
		SkipAudienceCheck: o.skipAud,
		StrictRFC9068:     o.strict,
		MaxTokenAge:       o.maxAge,
		DisableCache:      true, // the doctor verifies once
		Now:               func() time.Time { return now },
	})
	if err != nil {
		s.close()
		return nil, err
	}
	s.v = v
	s.algs = o.algs
	if len(s.algs) == 0 {
		s.algs = jwks.Algorithms()
	}
	s.auth, err = bearer.New(v, bearer.Options{Realm: o.realm, Schemes: o.schemes})
	if err != nil {
		s.close()
		return nil, err
	}
	if len(o.allOf) > 0 {
		s.required = append(s.required, requirement{"-scope", scopes.AllOf(o.allOf...)})
	}
	if len(o.anyOf) > 0 {
		s.required = append(s.required, requirement{"-any-scope", scopes.AnyOf(o.anyOf...)})
	}
	return s, nil
}

// keySource returns the key source the options name: one of the key flags,
// or discovery from each issuer.
func (s *setup) keySource(env func(string) string) (jwks.Source, error) {
	o := s.opts
	var given []string
	for _, f := range []struct{ name, value string }{
		{"-jwks-file", o.jwksFile}, {"-pem-file", o.pemFile},
		{"-hmac-secret-env", o.hmacEnv}, {"-jwks-url", o.jwksURL},
	} {
		if f.value != "" {
			given = append(given, f.name)
		}
	}
	if len(given) > 1 {
		return nil, fmt.Errorf("%s given; choose one key source", strings.Join(given, " and "))
	}
	switch {
	case o.jwksFile != "":
		data, err := readKeyFile("-jwks-file", o.jwksFile)
		if err != nil {
			return nil, err
		}
		keys, err := jwks.ParseJWKS(data)
		if err != nil {
			return nil, fmt.Errorf("-jwks-file %s: %w", o.jwksFile, err)
		}
		return s.static("JWKS file "+o.jwksFile, keys)
	case o.pemFile != "":
		data, err := readKeyFile("-pem-file", o.pemFile)
		if err != nil {
			return nil, err
		}
		keys, err := jwks.ParsePEM(data)
		if err != nil {
			return nil, fmt.Errorf("-pem-file %s: %w", o.pemFile, err)
		}
		return s.static("PEM file "+o.pemFile, keys)
	case o.hmacEnv != "":
		secret := env(o.hmacEnv)
		if secret == "" {
			return nil, fmt.Errorf("-hmac-secret-env: environment variable %s is unset or empty", o.hmacEnv)
		}
		k, err := jwks.NewSecret("", []byte(secret))
		if err != nil {
			return nil, fmt.Errorf("-hmac-secret-env %s: %w", o.hmacEnv, err)
		}
		return s.static(fmt.Sprintf("HMAC secret from $%s (%d bytes, not shown)", o.hmacEnv, len(secret)), []*jwks.Key{k})
	case o.jwksURL != "":
		r, err := s.remote(jwks.RemoteConfig{URL: o.jwksURL}, "JWKS URL "+redactURL(o.jwksURL))
		if err != nil {
			return nil, fmt.Errorf("-jwks-url: %w", err)
		}
		return r, nil
	}
	if len(o.issuers) == 0 {
		return nil, errors.New("no key source: give -jwks-file, -pem-file, -hmac-secret-env or -jwks-url, or -issuer to discover the keys")
	}
	sources := map[string]jwks.Source{}
	for _, iss := range o.issuers {
		r, err := s.remote(jwks.RemoteConfig{Issuer: iss}, fmt.Sprintf("discovery from issuer %q", iss))
		if err != nil {
			s.close()
			return nil, fmt.Errorf("-issuer %q: %w", iss, err)
		}
		if len(o.issuers) == 1 {
			return r, nil
		}
		sources[iss] = r
	}
	return jwks.NewByIssuer(sources)
}

// readKeyFile reads the file a key flag names, with an error that reads
// the same on every system.
func readKeyFile(flagName, path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s: %s does not exist", flagName, path)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", flagName, err)
	}
	return data, nil
}

func (s *setup) static(what string, keys []*jwks.Key) (jwks.Source, error) {
	src, err := jwks.NewStatic(keys...)
	if err != nil {
		return nil, err
	}
	s.keyDesc = append(s.keyDesc, fmt.Sprintf("%s: %d %s", what, len(keys), plural(len(keys), "key", "keys")))
	for _, k := range keys {
		s.keyDesc = append(s.keyDesc, "  "+describeKey(k))
	}
	return src, nil
}

func (s *setup) remote(cfg jwks.RemoteConfig, what string) (*jwks.Remote, error) {
	notes := &noteHandler{}
	cfg.FetchTimeout = s.opts.timeout
	cfg.MaxWait = s.opts.timeout
	cfg.Logger = slog.New(notes)
	r, err := jwks.NewRemote(cfg)
	if err != nil {
		return nil, err
	}
	s.remotes = append(s.remotes, &remoteSource{what: what, r: r, notes: notes})
	return r, nil
}

// close stops the remote key sources, waiting for any fetch under way.
func (s *setup) close() {
	if s.closed {
		return
	}
	s.closed = true
	for _, r := range s.remotes {
		_ = r.r.Close()
	}
}

// keyLines describes the key sources, after verification: for a remote
// source, whether its keys were loaded and what its fetches reported.
func (s *setup) keyLines() []string {
	lines := slices.Clone(s.keyDesc)
	for _, rs := range s.remotes {
		st := rs.r.Status()
		switch {
		case st.Ready:
			lines = append(lines, fmt.Sprintf("%s: %d usable %s fetched", rs.what, st.Keys, plural(st.Keys, "key", "keys")))
		case st.LastError != nil:
			lines = append(lines, fmt.Sprintf("%s: no keys loaded: %v", rs.what, st.LastError))
		default:
			lines = append(lines, rs.what+": not fetched (the verifier stopped before looking up a key)")
		}
		for _, n := range rs.notes.list() {
			if st.LastError != nil && n.err == st.LastError.Error() {
				continue // said above
			}
			lines = append(lines, "  "+n.text)
		}
	}
	return lines
}

// recorder is the key source the verifier uses: it passes each lookup on
// and remembers it, so that the report can say which keys the verifier saw.
type recorder struct {
	src    jwks.Source
	called bool
	query  jwks.Query
	keys   []*jwks.Key
	err    error
}

// Keys implements jwks.Source.
func (r *recorder) Keys(ctx context.Context, q jwks.Query) ([]*jwks.Key, error) {
	keys, err := r.src.Keys(ctx, q)
	r.called, r.query, r.keys, r.err = true, q, keys, err
	return keys, err
}

// noteHandler is a slog.Handler that keeps the warnings of a remote key
// source (a key skipped, a fetch failed) for the report.
type noteHandler struct {
	mu    sync.Mutex
	notes []note
}

type note struct {
	text string
	err  string // the error the record carried, if any
}

func (h *noteHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *noteHandler) Handle(_ context.Context, rec slog.Record) error {
	n := note{text: rec.Message}
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" {
			n.err = a.Value.String()
			n.text = strings.TrimSuffix(n.text, "; keeping the previous key set") + ": " + n.err
		}
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	if !slices.Contains(h.notes, n) {
		h.notes = append(h.notes, n)
	}
	return nil
}

func (h *noteHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *noteHandler) WithGroup(string) slog.Handler      { return h }

func (h *noteHandler) list() []note {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.notes)
}

// describeKey names a key by type, ID and algorithms, never its material.
func describeKey(k *jwks.Key) string {
	return fmt.Sprintf("%s (%s)", keyName(k), strings.Join(k.Algorithms(), ", "))
}

// keyName names a key by type and ID.
func keyName(k *jwks.Key) string {
	kind := k.Type() + " key"
	if k.IsSymmetric() {
		kind = "HMAC secret"
	}
	if k.ID() == "" {
		return kind + " without ID"
	}
	return fmt.Sprintf("%s %q", kind, k.ID())
}

// redactURL drops user information, query and fragment, which may hold
// credentials.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(invalid URL)"
	}
	p.User, p.RawQuery, p.Fragment, p.RawFragment = nil, "", "", ""
	return p.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
