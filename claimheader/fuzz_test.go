package claimheader_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jwtgate/jwtgate/claimheader"
)

// canonical is the reference for name matching: "_" as "-", then the
// standard library's canonical form, which changes the ASCII case of a
// valid name only (and leaves an invalid one as it is).
func canonical(name string) string {
	return http.CanonicalHeaderKey(strings.ReplaceAll(name, "_", "-"))
}

// FuzzStrip checks that Strip removes a header exactly when its name is the
// configured one in another ASCII case or with "_" for "-" (or the other
// way round), and that Matches agrees.
func FuzzStrip(f *testing.F) {
	for _, seed := range [][2]string{
		{"X-Auth-Subject", "x_auth_SUBJECT"},
		{"X_Auth_Subject", "X-AUTH-SUBJECT"},
		{"X-Auth-Subject", "X-Auth-Subjeſt"},  // Unicode folds ſ to s; HTTP does not
		{"X-Auth-Subject", "X-Auth-Subject "}, // not a valid name
		{"X-Auth-Subject", "X-Auth-Subjects"},
		{"K-Id", "\u212a-Id"}, // the Kelvin sign
		{"a", "A"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, name, key string) {
		h, err := claimheader.New(claimheader.Mapping{Subject: name})
		if err != nil {
			return
		}
		hdr := http.Header{key: {"smuggled"}}
		h.Strip(hdr)
		_, kept := hdr[key]
		want := canonical(key) == canonical(name)
		if kept == want {
			t.Errorf("mapping %q: Strip(%q) kept it: %v; want kept: %v", name, key, kept, !want)
		}
		if got := h.Matches(key); got != want {
			t.Errorf("mapping %q: Matches(%q) = %v; want %v", name, key, got, want)
		}
	})
}

// FuzzSetValue checks that a claim value is either sent exactly, or
// refused with ErrInvalidValue because a header could not carry it as it
// is: never altered, never sent with a control character.
func FuzzSetValue(f *testing.F) {
	for _, seed := range []string{"robot", "zoë", "a\r\nX-Admin: yes", " admin", "admin ", "\x7f", "\t", "", "a b", "\u2028"} {
		f.Add(seed)
	}
	ri := newRawIssuer(f)
	h, err := claimheader.New(claimheader.Mapping{Subject: "X-Sub", Claims: map[string]string{"c": "X-C"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, value string) {
		if !utf8.ValidString(value) {
			return // claims are valid UTF-8: the verifier refuses others
		}
		quoted, err := json.Marshal(value)
		if err != nil {
			t.Fatalf("json.Marshal(%q): %v", value, err)
		}
		claims := ri.claims(t, `"sub":`+string(quoted)+`,"c":`+string(quoted))
		hdr := http.Header{}
		err = h.Set(hdr, claims)
		refuse := strings.ContainsFunc(value, func(r rune) bool { return r < 0x20 || r == 0x7f }) ||
			strings.HasPrefix(value, " ") || strings.HasSuffix(value, " ")
		switch {
		case refuse:
			if !errors.Is(err, claimheader.ErrInvalidValue) || len(hdr) != 0 {
				t.Errorf("Set with the value %q = %v, header %v; want ErrInvalidValue and no header", value, err, hdr)
			}
			if err != nil && strings.ContainsFunc(err.Error(), func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Errorf("Set with the value %q: error %q carries a control character", value, err)
			}
		case err != nil:
			t.Errorf("Set with the value %q = %v; want no error", value, err)
		case value == "":
			if len(hdr) != 0 {
				t.Errorf("Set with an empty value: header %v; want none", hdr)
			}
		default:
			want := http.Header{"X-Sub": {value}, "X-C": {value}}
			if len(hdr) != 2 || hdr.Get("X-Sub") != value || hdr.Get("X-C") != value || len(hdr["X-Sub"]) != 1 || len(hdr["X-C"]) != 1 {
				t.Errorf("Set with the value %q: header %v; want %v", value, hdr, want)
			}
		}
	})
}
