package openbell

import (
	"encoding/json"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

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
// A value whose stored form is longer than MaxCustomFieldValue is refused.
func CustomFieldValue(f CustomField, raw json.RawMessage) (string, string) {
	stored, msg := customFieldValue(f, raw)
	if msg == "" && Longer(stored, MaxCustomFieldValue) {
		return "", TooLong(MaxCustomFieldValue)
	}
	return stored, msg
}

func customFieldValue(f CustomField, raw json.RawMessage) (string, string) {
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

// Limits of the contract, in characters (API.md section 1, "Lengths"): every
// string a client can store has one, and a longer one is refused with
// TooLong (a 422 through the API, an error of its line when loading a
// fixture). They are the one copy of each limit: every operation and the
// fixture loader use them.
const (
	// MaxName bounds names and titles: contact, team, channel, template,
	// custom status, funnel, and the fixture's account, user, bot and
	// custom field names and options; the sandbox's inbound `name`, the
	// names and phone types of a shared contact card, and a fault's
	// `method`.
	MaxName = 255
	// MaxTag bounds a tag.
	MaxTag = 255
	// MaxClosingReason bounds the `closing_reason` of a close.
	MaxClosingReason = 255
	// MaxStatusReason bounds the `reason` of a failed status forced in
	// the sandbox.
	MaxStatusReason = 255
	// MaxCustomFieldValue bounds a custom field value as stored (for a
	// checkbox, its JSON-encoded array).
	MaxCustomFieldValue = 1000
	// MaxContactNote bounds a contact's `note`.
	MaxContactNote = 1000
	// MaxMessageNote bounds the `text` of a note.
	MaxMessageNote = 4096
	// MaxMessageText bounds the text of a message: the `content.text` of a
	// send (and the template text it fills), the `text` of an inbound
	// message, a template's text.
	MaxMessageText = 4096
	// MaxURL bounds URLs: `content.url`, a webhook's `url`.
	MaxURL = 2048
	// MaxIdentifier bounds identifiers: a contact's `identifier`, the
	// `to` of a send, the `from` of an inbound message, a `bsuid`, the
	// phones of a shared contact card, a forced `corrected_number`, a
	// channel's identifier.
	MaxIdentifier = 64
	// MaxMessageRef bounds a reference to a message by uuid or wamid (the
	// `reply_to` of an inbound message, a fixture message's uuid).
	MaxMessageRef = 255
	// MaxPathPrefix bounds the `path_prefix` of a sandbox fault rule.
	MaxPathPrefix = 2048
	// MaxEmoji bounds the emoji of a custom status or funnel: one emoji,
	// sequences of several code points included, fits with room to spare.
	MaxEmoji = 32
	// MaxMetadataEntries, MaxMetadataKey and MaxMetadataValue bound the
	// `metadata` of a send (API.md "Messages").
	MaxMetadataEntries = 10
	MaxMetadataKey     = 50
	MaxMetadataValue   = 500
)

// PageSize is the size of a list page unless a route says otherwise.
const PageSize = 20

// TooLong is the message of a string over its limit of max characters,
// for the field's entry in `errors` ("is too long (maximum is 255
// characters)"). Every limit above is reported with it.
func TooLong(max int) string {
	return "is too long (maximum is " + strconv.Itoa(max) + " characters)"
}

// Longer reports whether s has more than max characters.
func Longer(s string, max int) bool {
	return len(s) > max && CharCount(s) > max // a string of n bytes has at most n characters
}

// Problems of text that no engine stores alike, for the field's entry in
// `errors`. PostgreSQL refuses a NUL in text where SQLite keeps it, and
// encoding/json decodes an unpaired surrogate escape ("\ud800") as U+FFFD
// without a word: both are refused instead, on every engine.
const (
	MsgNUL       = "must not contain a NUL character (U+0000)"
	MsgSurrogate = `must not contain an unpaired surrogate escape (\ud800 to \udfff)`
	MsgNotUTF8   = "must be valid UTF-8"
)

// TextProblem returns why s cannot be stored as text (MsgNUL or
// MsgNotUTF8), or "" when it can.
func TextProblem(s string) string {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return MsgNUL
	case !utf8.ValidString(s):
		return MsgNotUTF8
	}
	return ""
}

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
func CharCount(s string) int { return utf8.RuneCountInString(s) }
