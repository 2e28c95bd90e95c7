package web

import (
	"strings"

	ob "github.com/openbell/openbell"
)

// magicNumbers explains the sandbox's magic numbers (API.md section 5),
// shown where a number is typed or reached.
var magicNumbers = []struct{ Suffix, Meaning string }{
	{ob.MagicFails, "fails: number does not exist on WhatsApp"},
	{ob.MagicNeverRead, "reaches delivered, never read"},
	{ob.MagicMismatch, "answers mismatch with a corrected number"},
	{ob.MagicStaysEnqueued, "stays queued until a status is forced"},
}

// magicNumber says what the sandbox does with messages to digits, "" for
// an ordinary number.
func magicNumber(digits string) string {
	for _, m := range magicNumbers {
		if strings.HasSuffix(ob.Digits(digits), m.Suffix) {
			return "Sandbox magic number …" + m.Suffix + ": " + m.Meaning + "."
		}
	}
	return ""
}
