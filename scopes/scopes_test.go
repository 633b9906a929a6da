package scopes_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/scopes"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"single spaces", "read write", []string{"read", "write"}},
		{"repeated spaces", "read   write  admin", []string{"read", "write", "admin"}},
		{"leading and trailing spaces", "  read write ", []string{"read", "write"}},
		{"empty string", "", nil},
		{"only spaces", "   ", nil},
		{"one scope", "read", []string{"read"}},
		{"duplicates removed", "read write read write", []string{"read", "write"}},
		{"order of first appearance kept", "write read write admin read", []string{"write", "read", "admin"}},
		{"case-sensitive", "Read read READ", []string{"Read", "read", "READ"}},
		{"URI scopes", "https://api.example.test/read openid", []string{"https://api.example.test/read", "openid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scopes.Parse(tt.in)
			assert.Equal(t, tt.want, nilIfEmpty(s.List()), "Parse(%q).List()", tt.in)
			assert.Equal(t, len(tt.want), s.Len(), "Parse(%q).Len()", tt.in)
			for _, v := range tt.want {
				assert.True(t, s.Has(v), "Parse(%q).Has(%q) = false, want true", tt.in, v)
			}
		})
	}
}

// TestParseManyValues covers sets longer than the few values tokens
// usually carry, where duplicates are found with a map.
func TestParseManyValues(t *testing.T) {
	var distinct []string
	for i := range 40 {
		distinct = append(distinct, fmt.Sprintf("s%d", i))
	}
	joined := strings.Join(distinct, " ")
	for _, in := range []string{
		joined,
		joined + " " + joined,
		"s39 " + joined,
		strings.Join(distinct[:20], "  ") + " s0 s19 " + strings.Join(distinct[20:], " "),
	} {
		s := scopes.Parse(in)
		want := distinct
		if strings.HasPrefix(in, "s39 ") {
			want = append([]string{"s39"}, distinct[:39]...)
		}
		assert.Equal(t, want, s.List(), "Parse(%.40q...).List()", in)
		assert.Equal(t, len(want), s.Len(), "Parse(%.40q...).Len()", in)
		assert.True(t, s.HasAll(distinct...), "Parse(%.40q...).HasAll(every value)", in)
		assert.False(t, s.Has("s40"), "Parse(%.40q...).Has(s40)", in)
	}
}

// TestParseCanonicalDoesNotAllocate: a scope claim that is already a plain
// list of distinct values, the usual case, is kept as it is, and checking it
// allocates nothing either, so that verifying a token and guarding a route
// cost no allocation for scopes.
func TestParseCanonicalDoesNotAllocate(t *testing.T) {
	in := strings.Clone("read write admin")
	req := scopes.AllOf("write admin")
	var s scopes.Set
	allocs := testing.AllocsPerRun(100, func() {
		s = scopes.Parse(in)
		if !s.Has("read") || req.Check(s) != nil {
			t.Fatal("Parse(\"read write admin\") lost a value")
		}
	})
	assert.Zero(t, allocs, "allocations per Parse and check of a canonical scope string")
	assert.Equal(t, in, s.String(), "Parse(%q).String()", in)
}

func TestParseIsCaseSensitive(t *testing.T) {
	s := scopes.Parse("Read")
	assert.True(t, s.Has("Read"), `Parse("Read").Has("Read") = false, want true`)
	assert.False(t, s.Has("read"), `Parse("Read").Has("read") = true, want false: scopes compare byte for byte`)
	assert.False(t, s.Has("READ"), `Parse("Read").Has("READ") = true, want false: scopes compare byte for byte`)
}

func TestFromList(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"no values", nil, nil},
		{"one value each", []string{"read", "write"}, []string{"read", "write"}},
		{"each value space-delimited", []string{"read write", "admin"}, []string{"read", "write", "admin"}},
		{"duplicates across values removed", []string{"read write", "write read", "admin"}, []string{"read", "write", "admin"}},
		{"empty and blank values ignored", []string{"", "  ", " read "}, []string{"read"}},
		{"case-sensitive", []string{"read", "Read"}, []string{"read", "Read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scopes.FromList(tt.in...)
			assert.Equal(t, tt.want, nilIfEmpty(s.List()), "FromList(%q).List()", tt.in)
			assert.Equal(t, len(tt.want), s.Len(), "FromList(%q).Len()", tt.in)
		})
	}
}

func TestFromListEqualsParse(t *testing.T) {
	a := scopes.FromList("read write")
	b := scopes.FromList("read", "write")
	c := scopes.Parse("read write")
	assert.Equal(t, c.List(), a.List(), `FromList("read write") and Parse("read write") differ`)
	assert.Equal(t, c.List(), b.List(), `FromList("read", "write") and Parse("read write") differ`)
}

func TestUnion(t *testing.T) {
	tests := []struct {
		name        string
		a, b        scopes.Set
		want        []string
		wantAString string
		wantBString string
	}{
		{"both empty", scopes.Set{}, scopes.Set{}, nil, "", ""},
		{"left empty", scopes.Set{}, scopes.Parse("read write"), []string{"read", "write"}, "", "read write"},
		{"right empty", scopes.Parse("read write"), scopes.Set{}, []string{"read", "write"}, "read write", ""},
		{"disjoint", scopes.Parse("read"), scopes.Parse("write admin"), []string{"read", "write", "admin"}, "read", "write admin"},
		{"overlapping keeps first order", scopes.Parse("write read"), scopes.Parse("read admin write"), []string{"write", "read", "admin"}, "write read", "read admin write"},
		{"equal", scopes.Parse("read"), scopes.Parse("read"), []string{"read"}, "read", "read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.a.Union(tt.b)
			assert.Equal(t, tt.want, nilIfEmpty(u.List()), "(%q).Union(%q).List()", tt.a, tt.b)
			assert.Equal(t, len(tt.want), u.Len(), "(%q).Union(%q).Len()", tt.a, tt.b)
			// Sets are immutable: the operands are unchanged.
			assert.Equal(t, tt.wantAString, tt.a.String(), "receiver of Union changed")
			assert.Equal(t, tt.wantBString, tt.b.String(), "argument of Union changed")
		})
	}
}

func TestUnionDoesNotAliasOperands(t *testing.T) {
	// Build a set whose backing array has spare capacity, then take two
	// unions of it: neither may overwrite the other's element.
	base := scopes.FromList("a", "b", "c")
	u1 := base.Union(scopes.Parse("x"))
	u2 := base.Union(scopes.Parse("y"))
	assert.Equal(t, []string{"a", "b", "c", "x"}, u1.List(), "first union after a second union on the same receiver")
	assert.Equal(t, []string{"a", "b", "c", "y"}, u2.List(), "second union on the same receiver")
	assert.Equal(t, []string{"a", "b", "c"}, base.List(), "receiver after two unions")
}

func TestHas(t *testing.T) {
	s := scopes.Parse("read write")
	tests := []struct {
		scope string
		want  bool
	}{
		{"read", true},
		{"write", true},
		{"admin", false},
		{"", false},
		{"read write", false},
		{"rea", false},
		{"READ", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.scope), func(t *testing.T) {
			assert.Equal(t, tt.want, s.Has(tt.scope), "Parse(%q).Has(%q)", "read write", tt.scope)
		})
	}
}

func TestHasAllHasAny(t *testing.T) {
	s := scopes.Parse("read write")
	tests := []struct {
		name    string
		set     scopes.Set
		args    []string
		wantAll bool
		wantAny bool
	}{
		{"no arguments", s, nil, true, false},
		{"no arguments on empty set", scopes.Set{}, nil, true, false},
		{"all present", s, []string{"read", "write"}, true, true},
		{"one present one missing", s, []string{"read", "admin"}, false, true},
		{"missing first present second", s, []string{"admin", "write"}, false, true},
		{"none present", s, []string{"admin", "delete"}, false, false},
		{"empty set", scopes.Set{}, []string{"read"}, false, false},
		{"repeated argument", s, []string{"read", "read"}, true, true},
		{"case differs", s, []string{"Read"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.wantAll, tt.set.HasAll(tt.args...), "(%q).HasAll(%q)", tt.set, tt.args)
			assert.Equal(t, tt.wantAny, tt.set.HasAny(tt.args...), "(%q).HasAny(%q)", tt.set, tt.args)
		})
	}
}

func TestListReturnsCopy(t *testing.T) {
	s := scopes.Parse("read write")
	l := s.List()
	require.Equal(t, []string{"read", "write"}, l, "Parse(%q).List()", "read write")
	l[0] = "admin"
	_ = append(l[:1], "delete") // would overwrite a shared backing array
	assert.Equal(t, []string{"read", "write"}, s.List(), "List after modifying an earlier List result: want the set unchanged")
	assert.True(t, s.Has("read"), `Has("read") after modifying List result = false, want true`)
	assert.False(t, s.Has("admin"), `Has("admin") after modifying List result = true, want false`)
}

func TestString(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"", ""},
		{"read", "read"},
		{"read write", "read write"},
		{"  write   read write ", "write read"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			s := scopes.Parse(tt.in)
			assert.Equal(t, tt.want, s.String(), "Parse(%q).String()", tt.in)
			// String is the form of the "scope" claim: it parses back to the same set.
			assert.Equal(t, s.List(), scopes.Parse(s.String()).List(), "Parse(Parse(%q).String())", tt.in)
		})
	}
}

func TestZeroSet(t *testing.T) {
	var s scopes.Set
	assert.Equal(t, 0, s.Len(), "zero Set Len()")
	assert.Empty(t, s.List(), "zero Set List()")
	assert.Equal(t, "", s.String(), "zero Set String()")
	assert.False(t, s.Has("read"), `zero Set Has("read")`)
	assert.False(t, s.Has(""), `zero Set Has("")`)
	assert.True(t, s.HasAll(), "zero Set HasAll()")
	assert.False(t, s.HasAny("read"), `zero Set HasAny("read")`)
	assert.Equal(t, []string{"read"}, s.Union(scopes.Parse("read")).List(), `zero Set Union(Parse("read"))`)
	assert.NoError(t, scopes.AllOf().Check(s), "AllOf().Check(zero Set)")
	assert.Error(t, scopes.AllOf("read").Check(s), `AllOf("read").Check(zero Set)`)
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name        string
		req         scopes.Requirement
		have        string
		wantMissing []string // nil: Check must succeed
		wantMsg     string
	}{
		{"all-of met", scopes.AllOf("read", "write"), "write read admin", nil, ""},
		{"all-of met exactly", scopes.AllOf("read write"), "read write", nil, ""},
		{"all-of one missing", scopes.AllOf("read", "write"), "read", []string{"write"}, "scopes: insufficient scope: missing write"},
		{"all-of only the missing ones in requirement order", scopes.AllOf("delete", "read", "admin", "write"), "read write", []string{"delete", "admin"}, "scopes: insufficient scope: missing delete, admin"},
		{"all-of all missing", scopes.AllOf("read write"), "", []string{"read", "write"}, "scopes: insufficient scope: missing read, write"},
		{"all-of case-sensitive", scopes.AllOf("read"), "READ", []string{"read"}, "scopes: insufficient scope: missing read"},
		{"any-of met by first", scopes.AnyOf("read", "write"), "read", nil, ""},
		{"any-of met by last", scopes.AnyOf("read", "write"), "write", nil, ""},
		{"any-of none present names all alternatives", scopes.AnyOf("read", "write"), "admin", []string{"read", "write"}, "scopes: insufficient scope: need one of read, write"},
		{"any-of empty set", scopes.AnyOf("read write", "admin"), "", []string{"read", "write", "admin"}, "scopes: insufficient scope: need one of read, write, admin"},
		{"zero requirement", scopes.Requirement{}, "", nil, ""},
		{"zero requirement with scopes", scopes.Requirement{}, "read", nil, ""},
		{"all-of no scopes", scopes.AllOf(), "", nil, ""},
		{"all-of blank scopes", scopes.AllOf("", " "), "", nil, ""},
		{"any-of no scopes", scopes.AnyOf(), "", nil, ""},
		{"any-of no scopes with scopes", scopes.AnyOf(), "read", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Check(scopes.Parse(tt.have))
			if tt.wantMissing == nil {
				assert.NoError(t, err, "%v(%q).Check(Parse(%q))", kind(tt.req), tt.req, tt.have)
				return
			}
			require.Error(t, err, "%v(%q).Check(Parse(%q)) = nil, want a *MissingError", kind(tt.req), tt.req, tt.have)
			var missing *scopes.MissingError
			require.True(t, errors.As(err, &missing), "%v(%q).Check(Parse(%q)) = %T %v, want *scopes.MissingError", kind(tt.req), tt.req, tt.have, err, err)
			assert.Equal(t, tt.wantMissing, missing.Missing, "MissingError.Missing of %v(%q).Check(Parse(%q))", kind(tt.req), tt.req, tt.have)
			assert.Equal(t, tt.req, missing.Required, "MissingError.Required of %v(%q).Check(Parse(%q))", kind(tt.req), tt.req, tt.have)
			assert.ErrorIs(t, err, scopes.ErrInsufficientScope, "errors.Is(%v(%q).Check(Parse(%q)), ErrInsufficientScope)", kind(tt.req), tt.req, tt.have)
			assert.EqualError(t, err, tt.wantMsg, "%v(%q).Check(Parse(%q)).Error()", kind(tt.req), tt.req, tt.have)
		})
	}
}

func kind(r scopes.Requirement) string {
	if r.IsAnyOf() {
		return "AnyOf"
	}
	return "AllOf"
}

func TestMissingErrorWrapped(t *testing.T) {
	err := fmt.Errorf("route /items: %w", scopes.AllOf("write").Check(scopes.Parse("read")))
	assert.ErrorIs(t, err, scopes.ErrInsufficientScope, "errors.Is(wrapped MissingError, ErrInsufficientScope)")
	var missing *scopes.MissingError
	require.True(t, errors.As(err, &missing), "errors.As(wrapped MissingError, *MissingError) = false, want true")
	assert.Equal(t, []string{"write"}, missing.Missing, "Missing of wrapped MissingError")
}

func TestMissingErrorIsOnlyInsufficientScope(t *testing.T) {
	err := scopes.AllOf("write").Check(scopes.Set{})
	require.Error(t, err, `AllOf("write").Check(empty) = nil, want error`)
	other := errors.New("scopes: insufficient scope") // same text, different identity
	assert.NotErrorIs(t, err, other, "MissingError must match ErrInsufficientScope by identity, not by text")
	assert.NotErrorIs(t, err, errors.New("x"), "MissingError matched an unrelated error")
}

func TestCheckMissingIsACopy(t *testing.T) {
	req := scopes.AnyOf("read", "write")
	err := req.Check(scopes.Set{})
	var missing *scopes.MissingError
	require.True(t, errors.As(err, &missing), "AnyOf(read, write).Check(empty) = %v, want *MissingError", err)
	missing.Missing[0] = "admin"
	assert.Equal(t, []string{"read", "write"}, req.Scopes(), "requirement changed after modifying MissingError.Missing")
	assert.Equal(t, "read write", req.String(), "requirement String changed after modifying MissingError.Missing")
}

func TestRequirement(t *testing.T) {
	tests := []struct {
		name       string
		req        scopes.Requirement
		wantString string
		wantScopes []string
		wantAnyOf  bool
	}{
		{"zero", scopes.Requirement{}, "", nil, false},
		{"all-of two args", scopes.AllOf("read", "write"), "read write", []string{"read", "write"}, false},
		{"all-of one string", scopes.AllOf("read write"), "read write", []string{"read", "write"}, false},
		{"all-of duplicates", scopes.AllOf("read write", "read"), "read write", []string{"read", "write"}, false},
		{"any-of", scopes.AnyOf("read", "write"), "read write", []string{"read", "write"}, true},
		{"any-of none", scopes.AnyOf(), "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.wantString, tt.req.String(), "Requirement.String()")
			assert.Equal(t, tt.wantScopes, nilIfEmpty(tt.req.Scopes()), "Requirement.Scopes()")
			assert.Equal(t, tt.wantAnyOf, tt.req.IsAnyOf(), "Requirement.IsAnyOf()")
		})
	}
}

func TestAllOfSpaceDelimitedEqualsSeparate(t *testing.T) {
	a := scopes.AllOf("read write")
	b := scopes.AllOf("read", "write")
	assert.Equal(t, b, a, `AllOf("read write") != AllOf("read", "write")`)
	assert.Equal(t, scopes.AnyOf("read", "write"), scopes.AnyOf("read write"), `AnyOf("read write") != AnyOf("read", "write")`)
	assert.NotEqual(t, scopes.AnyOf("read", "write"), b, `AnyOf("read", "write") == AllOf("read", "write"), want different`)
}

func TestRequirementScopesReturnsCopy(t *testing.T) {
	req := scopes.AllOf("read", "write")
	got := req.Scopes()
	got[0] = "admin"
	assert.Equal(t, []string{"read", "write"}, req.Scopes(), "Scopes after modifying an earlier Scopes result")
	assert.NoError(t, req.Check(scopes.Parse("read write")), `AllOf("read","write").Check("read write") after modifying Scopes result`)
}

func TestConcurrentReads(t *testing.T) {
	s := scopes.Parse("read write admin")
	all := scopes.AllOf("read", "write")
	anyOf := scopes.AnyOf("delete", "admin")
	missing := scopes.AllOf("read", "delete")

	const workers = 32
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				u := s.Union(scopes.Parse(fmt.Sprintf("extra%d", i)))
				switch {
				case !s.Has("read") || !s.HasAll("read", "write") || s.HasAny("delete"):
					errs <- errors.New("Has/HasAll/HasAny gave a wrong answer")
					return
				case s.String() != "read write admin" || s.Len() != 3 || len(s.List()) != 3:
					errs <- fmt.Errorf("String/Len/List gave %q/%d/%d", s.String(), s.Len(), len(s.List()))
					return
				case u.Len() != 4 || !u.Has(fmt.Sprintf("extra%d", i)):
					errs <- fmt.Errorf("Union gave %q", u)
					return
				case all.Check(s) != nil || anyOf.Check(s) != nil:
					errs <- errors.New("Check of a met requirement failed")
					return
				case !errors.Is(missing.Check(s), scopes.ErrInsufficientScope):
					errs <- errors.New("Check of an unmet requirement succeeded")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
