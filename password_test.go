package openbell

import (
	"strings"
	"testing"
)

func TestPasswords(t *testing.T) {
	for _, c := range []struct {
		pw, problem string
	}{
		{"seven77", "is too short (minimum is 8 characters)"},
		{"eight888", ""},
		{"ünïcødé!", ""},
		{strings.Repeat("x", 72), ""},
		{strings.Repeat("x", 73), "is too long (maximum is 72 bytes)"},
		{"nul\x00byte!", MsgNUL},
	} {
		if got := PasswordProblem(c.pw); got != c.problem {
			t.Errorf("PasswordProblem(%q) = %q, want %q", c.pw, got, c.problem)
		}
	}
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$2") || strings.Contains(h, "correct horse") {
		t.Errorf("hash %q is not bcrypt", h)
	}
	for pw, want := range map[string]bool{"correct horse": true, "correct horsE": false, "": false} {
		if CheckPassword(h, pw) != want {
			t.Errorf("CheckPassword(%q) = %v", pw, !want)
		}
	}
	if CheckPassword("", "") {
		t.Error("an empty hash matches")
	}
	if _, err := HashPassword("short"); ErrorCode(err) != EINVALID {
		t.Errorf("hashing a short password: %v", err)
	}
}
