package config

import (
	"go.yaml.in/yaml/v3"

	"github.com/jwtgate/jwtgate/policy"
)

// policy decodes the policy section. TEMPORARY: replaced by policyyaml.Decode
// once that module lands.
func (d *decoder) policy(n *yaml.Node) *policy.Policy {
	def := policy.Deny()
	var rules []policy.Rule
	d.mapping(n, "policy", fields{
		"default": func(v *yaml.Node) {
			s, _ := d.str(v, "policy.default")
			switch s {
			case "public":
				def = policy.Public()
			case "authenticated":
				def = policy.Authenticated()
			}
		},
		"rules": func(v *yaml.Node) {
			for _, r := range v.Content {
				var patterns []string
				access := policy.Authenticated()
				d.mapping(resolve(r), "rule", fields{
					"pattern": func(p *yaml.Node) { patterns, _ = d.strings(p, "pattern") },
					"allow": func(p *yaml.Node) {
						s, _ := d.str(p, "allow")
						switch s {
						case "public":
							access = policy.Public()
						case "deny":
							access = policy.Deny()
						}
					},
					"scopes":     func(p *yaml.Node) { s, _ := d.strings(p, "scopes"); access = policy.AllOf(s...) },
					"any_scopes": func(p *yaml.Node) { s, _ := d.strings(p, "any_scopes"); access = policy.AnyOf(s...) },
				})
				for _, p := range patterns {
					rules = append(rules, policy.Rule{Pattern: p, Access: access})
				}
			}
		},
	})
	p, err := policy.New(def, rules...)
	if err != nil {
		d.errorf(n, "%v", err)
	}
	return p
}
