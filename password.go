package openbell

import (
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Password limits: bcrypt reads at most 72 bytes, and a longer password
// would be cut silently, so it is refused instead.
const (
	MinPassword      = 8
	MaxPasswordBytes = 72
)

// PasswordProblem says what is wrong with a new password, "" when nothing.
func PasswordProblem(pw string) string {
	switch {
	case utf8.RuneCountInString(pw) < MinPassword:
		return "is too short (minimum is 8 characters)"
	case len(pw) > MaxPasswordBytes:
		return "is too long (maximum is 72 bytes)"
	case TextProblem(pw) != "":
		return TextProblem(pw)
	}
	return ""
}

// HashPassword returns the stored form of a password: a bcrypt hash (salted,
// slow on purpose), from golang.org/x/crypto.
func HashPassword(pw string) (string, error) {
	if p := PasswordProblem(pw); p != "" {
		return "", Invalid("password", p)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}

// CheckPassword reports whether pw is the password of hash; an empty hash
// (no password set) matches nothing.
func CheckPassword(hash, pw string) bool {
	if hash == "" || len(pw) > MaxPasswordBytes {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}
