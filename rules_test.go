package openbell_test

import (
	"encoding/json"
	"strings"
	"testing"

	ob "github.com/openbell/openbell"
)

func TestTextProblem(t *testing.T) {
	for s, want := range map[string]string{
		"": "", "plain": "", "é 😀 \uFFFD \x01\t\x7f": "",
		"a\x00b": ob.MsgNUL, "\x00": ob.MsgNUL, "a\x00\xff": ob.MsgNUL,
		"a\xffb": ob.MsgNotUTF8, "\xed\xa0\x80": ob.MsgNotUTF8, "é"[:1]: ob.MsgNotUTF8,
	} {
		if got := ob.TextProblem(s); got != want {
			t.Errorf("TextProblem(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestLongerCountsCharacters: the limits are in characters, not bytes.
func TestLongerCountsCharacters(t *testing.T) {
	for _, tc := range []struct {
		s    string
		max  int
		want bool
	}{
		{"", 0, false}, {"a", 0, true}, {strings.Repeat("é", 255), 255, false}, {strings.Repeat("é", 256), 255, true},
		{strings.Repeat("😀", 32), 32, false}, {strings.Repeat("😀", 33), 32, true}, {strings.Repeat("a", 65), 64, true},
	} {
		if got := ob.Longer(tc.s, tc.max); got != tc.want {
			t.Errorf("Longer(%d bytes, %d) = %v", len(tc.s), tc.max, got)
		}
	}
	if got := ob.TooLong(255); got != "is too long (maximum is 255 characters)" {
		t.Errorf("TooLong: %q", got)
	}
}

// TestCustomFieldValueLimit: the stored form is bounded, a checkbox's JSON
// array included.
func TestCustomFieldValueLimit(t *testing.T) {
	text := ob.CustomField{Name: "Notes", Type: ob.FieldText}
	for _, tc := range []struct {
		f    ob.CustomField
		v    any
		want string
	}{
		{text, strings.Repeat("é", 1000), ""},
		{text, strings.Repeat("é", 1001), ob.TooLong(1000)},
		{ob.CustomField{Name: "N", Type: ob.FieldNumber}, json.Number("1" + strings.Repeat("0", 1000)), ob.TooLong(1000)},
		{ob.CustomField{Name: "C", Type: ob.FieldCheckbox, Options: []string{strings.Repeat("o", 600), strings.Repeat("p", 600)}},
			[]string{strings.Repeat("o", 600)}, ""},
		{ob.CustomField{Name: "C", Type: ob.FieldCheckbox, Options: []string{strings.Repeat("o", 600), strings.Repeat("p", 600)}},
			[]string{strings.Repeat("o", 600), strings.Repeat("p", 600)}, ob.TooLong(1000)},
	} {
		raw, _ := json.Marshal(tc.v)
		if _, msg := ob.CustomFieldValue(tc.f, raw); msg != tc.want {
			t.Errorf("%s (%d bytes): %q, want %q", tc.f.Type, len(raw), msg, tc.want)
		}
	}
}
