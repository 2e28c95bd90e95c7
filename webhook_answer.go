package openbell

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// What is stored of a webhook receiver's answer is bounded (API.md section
// 2, WebhookEvent), so that a receiver cannot fill the attempt log: the body
// to MaxWebhookResponseBody bytes, each header value to
// MaxWebhookHeaderValue bytes, and the headers (names and values) to
// MaxWebhookHeaders bytes and MaxWebhookHeaderCount names in all.
const (
	MaxWebhookHeaderValue = 1024
	MaxWebhookHeaders     = 8192
	MaxWebhookHeaderCount = 64
)

// WebhookAnswerText returns what is stored of a text a receiver sent: valid
// UTF-8 without NUL characters (a TEXT column on both engines takes it; each
// bad byte and NUL becomes U+FFFD), cut at a character boundary to at most
// limit bytes.
func WebhookAnswerText(s string, limit int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// WebhookAnswerHeaders returns what is stored of an answer's headers: in
// name order, the values of one name joined by ", " and cut to
// MaxWebhookHeaderValue bytes; the first header that would take the names
// and values past MaxWebhookHeaders bytes, or the names past
// MaxWebhookHeaderCount, is dropped with all that follow it.
func WebhookAnswerHeaders(h map[string][]string) map[string]string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	out := make(map[string]string, min(len(names), MaxWebhookHeaderCount))
	total := 0
	for _, name := range names {
		value := WebhookAnswerText(strings.Join(h[name], ", "), MaxWebhookHeaderValue)
		name = WebhookAnswerText(name, MaxWebhookHeaderValue)
		if len(out) == MaxWebhookHeaderCount || total+len(name)+len(value) > MaxWebhookHeaders {
			break
		}
		total += len(name) + len(value)
		out[name] = value
	}
	return out
}
