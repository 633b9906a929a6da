package config

import (
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/jwtgate/jwtgate/dpop"
)

// The DPoP modes.
const (
	DPoPAllowed  = "allowed"  // Bearer and DPoP-bound tokens
	DPoPRequired = "required" // DPoP-bound tokens only
)

// Defaults and bounds of the dpop section.
const (
	// DefaultNonceLifetime is the length of a server nonce's time bucket:
	// a nonce is accepted for one to two lifetimes after it is first
	// issued.
	DefaultNonceLifetime = 5 * time.Minute
	// maxDPoPWindow bounds max_age, leeway and nonce_lifetime: a proof is
	// a one-request credential.
	maxDPoPWindow = 10 * time.Minute
	// maxReplayCacheSize bounds replay_cache_size (about 17 MB per 2^17
	// entries when full).
	maxReplayCacheSize = 1 << 24
)

// DPoP holds the settings of DPoP-bound tokens (RFC 9449). Zero values
// mean the defaults of package dpop.
type DPoP struct {
	// Required refuses tokens sent with the Bearer scheme (mode required).
	Required bool
	// Algorithms are the proof algorithms accepted; empty means
	// dpop.DefaultAlgorithms.
	Algorithms []string
	// MaxAge is how long after its "iat" a proof is accepted; zero means
	// dpop.DefaultMaxAge.
	MaxAge time.Duration
	// Leeway is how far in the future a proof's "iat" may be; zero means
	// dpop.DefaultLeeway.
	Leeway time.Duration
	// Nonce makes every proof carry a server nonce (use_dpop_nonce
	// challenges with a DPoP-Nonce header).
	Nonce bool
	// NonceLifetime is the length of a nonce's time bucket, with Nonce.
	NonceLifetime time.Duration
	// ReplayCacheSize bounds the in-memory replay store, in proofs; zero
	// means dpop.DefaultMemoryStoreSize.
	ReplayCacheSize int
}

// dpopAlgorithms are the names dpop.Config.Algorithms accepts.
var dpopAlgorithms = append(slices.Clone(dpop.DefaultAlgorithms), "Ed25519")

func (d *decoder) dpop(n *yaml.Node) *DPoP {
	if isNull(n) {
		d.errorf(n, "dpop must be a mapping (remove the key to refuse DPoP-bound tokens)")
		return nil
	}
	p := &DPoP{NonceLifetime: DefaultNonceLifetime}
	var lifetimeNode *yaml.Node
	if !d.mapping(n, "dpop", fields{
		"mode": func(v *yaml.Node) {
			if s, ok := d.str(v, "dpop.mode"); ok {
				switch s {
				case DPoPAllowed:
				case DPoPRequired:
					p.Required = true
				default:
					d.errorf(v, "dpop.mode must be allowed or required, not %q", s)
				}
			}
		},
		"algorithms": func(v *yaml.Node) {
			list, ok := d.strings(v, "dpop.algorithms")
			if !ok {
				return
			}
			if len(list) == 0 {
				d.errorf(v, "dpop.algorithms must name at least one algorithm (or be left out for the default list)")
			}
			for _, alg := range list {
				if !slices.Contains(dpopAlgorithms, alg) {
					d.errorf(v, "dpop.algorithms: unsupported algorithm %q (supported: %s)", alg, strings.Join(dpopAlgorithms, ", "))
				}
			}
			p.Algorithms = list
		},
		"max_age": func(v *yaml.Node) { p.MaxAge = d.window(v, "dpop.max_age") },
		"leeway":  func(v *yaml.Node) { p.Leeway = d.window(v, "dpop.leeway") },
		"nonce":   func(v *yaml.Node) { p.Nonce, _ = d.boolean(v, "dpop.nonce") },
		"nonce_lifetime": func(v *yaml.Node) {
			lifetimeNode = v
			if w := d.window(v, "dpop.nonce_lifetime"); w > 0 {
				p.NonceLifetime = w
			}
		},
		"replay_cache_size": func(v *yaml.Node) {
			var size int
			if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Decode(&size) != nil || size <= 0 || size > maxReplayCacheSize {
				d.errorf(v, "dpop.replay_cache_size must be a whole number from 1 to %d", maxReplayCacheSize)
				return
			}
			p.ReplayCacheSize = size
		},
	}) {
		return nil
	}
	if lifetimeNode != nil && !p.Nonce {
		d.errorf(lifetimeNode, "dpop.nonce_lifetime needs dpop.nonce: true")
	}
	return p
}

// window decodes a duration of the dpop section: more than zero and at
// most maxDPoPWindow. It returns zero on error.
func (d *decoder) window(n *yaml.Node, key string) time.Duration {
	v, ok := d.duration(n, key)
	switch {
	case !ok:
		return 0
	case v == 0:
		d.errorf(n, "%s must be more than 0s", key)
		return 0
	case v > maxDPoPWindow:
		d.errorf(n, "%s must be at most 10m", key)
		return 0
	}
	return v
}
