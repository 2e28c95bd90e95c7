package openbell

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// An ID is the canonical stored form of every object id: 32 lowercase hex
// characters. Objects whose contract form is a dashed uuid (funnels, custom
// statuses) are formatted with Dashed on the way out.
type ID = string

// NewID returns a random UUIDv4 in its 32-character form.
func NewID() ID {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return hex.EncodeToString(b[:])
}

// ParseID accepts a uuid32 or uuid36 in any letter case and returns the
// canonical 32-character form. ok is false for anything else.
func ParseID(s string) (id ID, ok bool) {
	if len(s) == 36 {
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return "", false
		}
		s = s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	}
	if len(s) != 32 {
		return "", false
	}
	s = strings.ToLower(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", false
		}
	}
	return s, true
}

// Dashed formats a canonical id as a uuid36.
func Dashed(id ID) string {
	if len(id) != 32 {
		return id
	}
	return id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:]
}

// NewWAMID returns a new id of an inbound WhatsApp message: `wamid.` and the
// base64url of 24 random bytes.
func NewWAMID() string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return "wamid." + base64.RawURLEncoding.EncodeToString(b[:])
}

// InboundMessageID returns the id of a message a customer sends on a channel
// of type channelType: a WhatsApp message id on WhatsApp, a uuid32
// elsewhere.
func InboundMessageID(channelType string) string {
	if channelType == SourceWhatsApp {
		return NewWAMID()
	}
	return NewID()
}
