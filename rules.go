package openbell

import (
	"encoding/json"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// Digits returns only the ASCII digits of s.
func Digits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// ParsePhoneIdentifier checks a phone-channel identifier: digits with an
// optional leading `+`, spaces, dashes (and, as people write them, dots and
// parentheses), 6 to 15 digits. It returns the digits.
func ParsePhoneIdentifier(s string) (digits string, ok bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') {
			return "", false
		}
	}
	d := Digits(s)
	if len(d) < 6 || len(d) > 15 {
		return "", false
	}
	return d, true
}

// FormatPhone returns the display form of a number given as digits:
// international format (`+57 319 2754701`), or `+` and the digits when the
// number cannot be formatted.
func FormatPhone(digits string) string {
	if digits == "" {
		return ""
	}
	if f, ok := phoneFormats.Load(digits); ok {
		return f.(string)
	}
	f := formatPhone(digits)
	if phoneFormatCount.Add(1) > maxPhoneFormats {
		phoneFormats.Clear()
		phoneFormatCount.Store(0)
	}
	phoneFormats.Store(digits, f)
	return f
}

// phoneFormats caches FormatPhone, which every Contact object calls and which
// costs a parse by libphonenumber; it is cleared when it grows past
// maxPhoneFormats entries.
var (
	phoneFormats     sync.Map
	phoneFormatCount atomic.Int64
)

const maxPhoneFormats = 100_000

func formatPhone(digits string) string {
	num, err := phonenumbers.Parse("+"+digits, "")
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "+" + digits
	}
	// libphonenumber groups some countries' numbers with dashes (+1
	// 415-555-0100); the contract's display form uses spaces only.
	f := strings.ReplaceAll(phonenumbers.Format(num, phonenumbers.INTERNATIONAL), "-", " ")
	if Digits(f) != digits {
		return "+" + digits
	}
	return f
}

// ValidEmail reports whether s is a plain e-mail address (local@domain.tld).
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasSuffix(domain, ".") && !strings.HasPrefix(domain, ".")
}

// ValidDate reports whether s is YYYY-MM-DD and a real date.
func ValidDate(s string) bool {
	if len(s) != 10 {
		return false
	}
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// CustomFieldValue checks a raw JSON value against a custom field's type and
// returns the stored string form; "" means clear (JSON null or "").
// The message of a rejected value is meant for the field's entry in `errors`.
func CustomFieldValue(f CustomField, raw json.RawMessage) (string, string) {
	s := strings.TrimSpace(string(raw))
	if s == "null" || s == `""` {
		return "", ""
	}
	switch f.Type {
	case FieldCheckbox:
		var items []string
		if err := json.Unmarshal(raw, &items); err != nil {
			return "", "must be an array of options"
		}
		if len(items) == 0 {
			return "", ""
		}
		for _, it := range items {
			if !contains(f.Options, it) {
				return "", "is not an option: " + it
			}
		}
		return encodeCheckbox(items), ""
	case FieldNumber:
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			var n json.Number
			dec := json.NewDecoder(strings.NewReader(s))
			dec.UseNumber()
			if err := dec.Decode(&n); err != nil {
				return "", "must be a number"
			}
			return n.String(), ""
		}
		str = strings.TrimSpace(str)
		if _, err := strconv.ParseFloat(str, 64); err != nil {
			return "", "must be a number"
		}
		return str, ""
	}
	var str string
	if err := json.Unmarshal(raw, &str); err != nil {
		return "", "must be a string"
	}
	if str == "" {
		return "", ""
	}
	switch f.Type {
	case FieldEmail:
		if !ValidEmail(str) {
			return "", "is not a valid email"
		}
	case FieldDate:
		if !ValidDate(str) {
			return "", "must be a date (YYYY-MM-DD)"
		}
	case FieldDropdown:
		if !contains(f.Options, str) {
			return "", "is not an option: " + str
		}
	}
	return str, ""
}

// encodeCheckbox is Callbell's string form of a checkbox value: a JSON array
// with ", " between items (`["A", "B"]`).
func encodeCheckbox(items []string) string {
	parts := make([]string, len(items))
	for i, it := range items {
		b, _ := json.Marshal(it)
		parts[i] = string(b)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// TypedFieldValue turns a stored custom field value into its typed JSON value
// for customFieldsMetadata: an array for checkboxes, a string otherwise.
func TypedFieldValue(f CustomField, stored string) any {
	if f.Type == FieldCheckbox {
		var items []string
		if json.Unmarshal([]byte(stored), &items) == nil {
			return items
		}
		return []string{}
	}
	return stored
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Limits of the contract.
const (
	MaxContactNote = 1000
	MaxMessageNote = 4096
	PageSize       = 20
)

// Pages returns the `pages` of a list meta: at least 1.
func Pages(total, size int) int {
	if total <= 0 {
		return 1
	}
	return (total + size - 1) / size
}

// IsBlank reports whether s is empty or only white space.
func IsBlank(s string) bool { return strings.TrimSpace(s) == "" }

// CharCount counts characters (runes), the unit of the contract's limits.
func CharCount(s string) int { return len([]rune(s)) }
