package scopes_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/jwtgate/jwtgate/scopes"
)

// FuzzScopes feeds arbitrary strings to Parse and to the requirement
// checks. A parsed set holds no empty value, no duplicate and no value with
// a space; it survives a round trip through String; FromList agrees with
// Parse however the string is split at spaces; a requirement built from
// the same string is met by its set; and a requirement built from the first
// half of the string, checked against the set of the second half, reports
// exactly the scopes the set lacks. Seeds are in testdata/fuzz/FuzzScopes;
// run with
//
//	go test ./scopes/ -run '^$' -fuzz '^FuzzScopes$' -fuzztime 60s
func FuzzScopes(f *testing.F) {
	for _, s := range []string{"", " ", "read write", "read  read write ", "a\tb", "\u00a0x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set := scopes.Parse(s)
		list := set.List()
		if set.Len() != len(list) {
			t.Errorf("Parse(%q) has Len() = %d and List() = %q; want Len() to count List()", s, set.Len(), list)
		}
		for i, v := range list {
			if v == "" || strings.Contains(v, " ") {
				t.Errorf("Parse(%q).List() = %q holds %q; want non-empty values without spaces", s, list, v)
			}
			if slices.Contains(list[:i], v) {
				t.Errorf("Parse(%q).List() = %q holds %q twice; want no duplicates", s, list, v)
			}
			if !set.Has(v) {
				t.Errorf("Parse(%q).Has(%q) = false, but List() = %q holds it; want true", s, v, list)
			}
			if !strings.Contains(s, v) {
				t.Errorf("Parse(%q).List() = %q holds %q, which is not in the input; want only substrings of the input", s, list, v)
			}
		}
		// RFC 6749 section 3.3: scope tokens are separated by the space
		// character (%x20) alone.
		var want []string
		for _, v := range strings.Split(s, " ") {
			if v != "" && !slices.Contains(want, v) {
				want = append(want, v)
			}
		}
		if !slices.Equal(list, want) {
			t.Errorf("Parse(%q).List() = %q; want %q, the distinct non-empty values between spaces in order", s, list, want)
		}
		if !set.HasAll(list...) || (len(list) > 0 && !set.HasAny(list...)) {
			t.Errorf("Parse(%q) with List() = %q: HasAll = %v, HasAny = %v; want both true", s, list, set.HasAll(list...), set.HasAny(list...))
		}

		if again := scopes.Parse(set.String()).List(); !slices.Equal(again, list) {
			t.Errorf("Parse(Parse(%q).String() = %q).List() = %q; want %q", s, set.String(), again, list)
		}
		if got := scopes.FromList(s).List(); !slices.Equal(got, list) {
			t.Errorf("FromList(%q).List() = %q; want Parse's %q", s, got, list)
		}
		if got := scopes.FromList(strings.Split(s, " ")...).List(); !slices.Equal(got, list) {
			t.Errorf("FromList(strings.Split(%q, \" \")...).List() = %q; want Parse's %q", s, got, list)
		}
		// Only the space separates scopes (RFC 6749 section 3.3); other white
		// space is part of a value, so strings.Fields agrees only without it.
		if !strings.ContainsFunc(s, func(r rune) bool { return r != ' ' && unicode.IsSpace(r) }) {
			if got := scopes.FromList(strings.Fields(s)...).List(); !slices.Equal(got, list) {
				t.Errorf("FromList(strings.Fields(%q)...).List() = %q; want Parse's %q", s, got, list)
			}
		}
		if got := set.Union(set).List(); !slices.Equal(got, list) {
			t.Errorf("Parse(%q).Union(itself).List() = %q; want %q", s, got, list)
		}

		if err := scopes.AllOf(s).Check(set); err != nil {
			t.Errorf("AllOf(%q).Check(Parse(%q)) = %v; want nil", s, s, err)
		}
		if err := scopes.AnyOf(s).Check(set); err != nil {
			t.Errorf("AnyOf(%q).Check(Parse(%q)) = %v; want nil", s, s, err)
		}

		first, second := s[:len(s)/2], s[len(s)/2:]
		have := scopes.Parse(second)
		for _, req := range []scopes.Requirement{scopes.AllOf(first), scopes.AnyOf(first)} {
			fzCheckRequirement(t, req, first, second, have)
		}
	})
}

// fzCheckRequirement checks req, built from first, against have, the set
// of second.
func fzCheckRequirement(t *testing.T, req scopes.Requirement, first, second string, have scopes.Set) {
	t.Helper()
	fn := "AllOf"
	if req.IsAnyOf() {
		fn = "AnyOf"
	}
	required := scopes.Parse(first).List()
	if !slices.Equal(req.Scopes(), required) {
		t.Errorf("%s(%q).Scopes() = %q; want Parse's %q", fn, first, req.Scopes(), required)
	}
	var lacking []string
	for _, v := range required {
		if !have.Has(v) {
			lacking = append(lacking, v)
		}
	}
	met := len(lacking) == 0 || req.IsAnyOf() && len(lacking) < len(required)
	err := req.Check(have)
	if met {
		if err != nil {
			t.Errorf("%s(%q).Check(Parse(%q)) = %v; want nil, the set lacks only %q", fn, first, second, err, lacking)
		}
		return
	}
	var missing *scopes.MissingError
	if !errors.As(err, &missing) || !errors.Is(err, scopes.ErrInsufficientScope) {
		t.Fatalf("%s(%q).Check(Parse(%q)) = %T %v; want a *MissingError matching ErrInsufficientScope (the set lacks %q)", fn, first, second, err, err, lacking)
	}
	for _, v := range missing.Missing {
		if have.Has(v) {
			t.Errorf("%s(%q).Check(Parse(%q)) reports %q missing, but the set has it; want only scopes the set lacks", fn, first, second, v)
		}
	}
	if !slices.Equal(missing.Missing, lacking) {
		t.Errorf("%s(%q).Check(Parse(%q)) reports %q missing; want %q", fn, first, second, missing.Missing, lacking)
	}
	if !slices.Equal(missing.Required.Scopes(), required) || missing.Required.IsAnyOf() != req.IsAnyOf() {
		t.Errorf("%s(%q).Check(Parse(%q)) reports the requirement %q (any of: %v); want %q (any of: %v)", fn, first, second, missing.Required.Scopes(), missing.Required.IsAnyOf(), required, req.IsAnyOf())
	}
}
