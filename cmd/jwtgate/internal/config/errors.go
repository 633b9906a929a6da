package config

import (
	"fmt"
	"strings"
)

// Error is one problem of a configuration file, at a line of it.
type Error struct {
	File string // the file's name as given to Load or Parse
	Line int    // 1-based; 0 when no line applies
	Msg  string // what is wrong, never a secret's value
}

func (e *Error) Error() string {
	if e.Line <= 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Errors is every problem found in a file, in the order of the file
// (problems found while building come last).
type Errors []*Error

// Error returns the problems, one a line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, for errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}
