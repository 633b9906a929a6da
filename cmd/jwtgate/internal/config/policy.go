package config

import (
	"errors"

	"go.yaml.in/yaml/v3"

	"github.com/jwtgate/jwtgate/policy"
	"github.com/jwtgate/jwtgate/policyyaml"
)

// policy decodes the policy section with package policyyaml, turning each
// of its errors into one of the file's.
func (d *decoder) policy(n *yaml.Node) *policy.Policy {
	p, err := policyyaml.Decode(n)
	if err == nil {
		return p
	}
	var list policyyaml.Errors
	if errors.As(err, &list) {
		for _, e := range list {
			d.errs = append(d.errs, &Error{File: d.file, Line: e.Line, Msg: e.Msg})
		}
		return nil
	}
	d.errorf(n, "policy: %v", err)
	return nil
}
