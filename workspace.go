package openbell

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Channel types, which are also a contact's `source`.
const (
	SourceWhatsApp  = "whatsapp"
	SourceFacebook  = "facebook"
	SourceInstagram = "instagram"
	SourceTelegram  = "telegram"
)

// IsSource reports whether s is a channel type the contract knows.
func IsSource(s string) bool {
	switch s {
	case SourceWhatsApp, SourceFacebook, SourceInstagram, SourceTelegram:
		return true
	}
	return false
}

// PhoneBased reports whether contacts of a channel type are identified by a
// phone number (and so have a phoneNumber in their JSON).
func PhoneBased(source string) bool { return source == SourceWhatsApp }

// Account is a workspace: every other object belongs to exactly one.
type Account struct {
	ID               ID
	Name             string
	Plan             string
	IncludedChannels int
	Licenses         int
	Default          bool // the account that --api-key tokens and the demo belong to
	CreatedAt        time.Time
}

// Token is an API token of an account. Only the SHA-256 hash of the secret is
// stored; Name is its public name (GET /auth/me).
type Token struct {
	ID        ID
	AccountID ID
	Name      string
	Hash      string
	CreatedAt time.Time
}

// Principal is what a valid token authenticates as.
type Principal struct {
	AccountID ID
	TokenName string
	// TokenID is the token's id (a web inbox session opened with the token
	// ends when it is revoked).
	TokenID ID
}

// User is an agent of an account.
type User struct {
	ID                    ID
	AccountID             ID
	Email                 string
	Name                  string
	Admin                 bool
	Available             bool
	LastUpdatedAt         time.Time // availability last changed
	CustomStatusID        ID        // "" when none
	CustomStatusUpdatedAt time.Time
	CreatedAt             time.Time
}

// Team is a team inbox. Members is the member count, filled by the store.
type Team struct {
	ID        ID
	AccountID ID
	Name      string
	Default   bool
	Members   int
	CreatedAt time.Time
}

// MemberFilter selects a team's members for GET /teams/:uuid/members.
type MemberFilter struct {
	Available *bool // nil: everyone; true: status=available; false: status=away
	Offset    int
	Limit     int
}

// Channel is a connected number, page or bot.
type Channel struct {
	ID         ID
	AccountID  ID
	Type       string
	Title      string
	Identifier string
	Main       bool
	Discarded  bool
	CreatedAt  time.Time
}

// TypeProblem says why a contact or message of type source cannot be on ch
// ("is a telegram channel, not whatsapp"), "" when it can.
func (ch *Channel) TypeProblem(source string) string {
	if ch.Type != source {
		return "is a " + ch.Type + " channel, not " + source
	}
	return ""
}

// DiscardedProblem says why nothing can be sent or received through ch,
// "" when it is active. A discarded channel sends and receives nothing: a
// send, a contact create or an inbound message through it is refused.
func (ch *Channel) DiscardedProblem() string {
	if ch.Discarded {
		return "the channel " + ch.Title + " is discarded: it sends and receives nothing"
	}
	return ""
}

// ChannelFilter selects channels for GET /channels.
type ChannelFilter struct {
	Type   string // "" for every type
	Active *bool  // nil: all; true: not discarded; false: discarded
	Offset int
	Limit  int
}

// Tag is an entry of an account's tag list.
type Tag struct {
	ID        ID
	AccountID ID
	Name      string
	CreatedAt time.Time // orders the account's tag list
}

// Custom field types.
const (
	FieldText     = "text"
	FieldEmail    = "email"
	FieldNumber   = "number"
	FieldDate     = "date"
	FieldDropdown = "dropdown"
	FieldCheckbox = "checkbox"
)

// CustomField is a contact attribute defined by the account.
type CustomField struct {
	ID        ID
	AccountID ID
	Name      string
	Type      string
	Options   []string // dropdown and checkbox only
	Position  int
}

// Funnel is a stage a conversation can be in.
type Funnel struct {
	ID        ID
	AccountID ID
	Name      string
	Emoji     string
	Position  int
	CreatedAt time.Time
}

// Template is a pre-approved message.
type Template struct {
	ID        ID
	AccountID ID
	Title     string
	Text      string
	Type      string // text, image, video, document
	Category  string
	Status    string
	CreatedAt time.Time
}

// Bot is an automation of an account; contacts hold a session with it.
type Bot struct {
	ID        ID
	AccountID ID
	Name      string
	Enabled   bool
	Version   int
	CreatedAt time.Time
}

// CustomStatus is an agent status such as "Lunch".
type CustomStatus struct {
	ID        ID
	AccountID ID
	Name      string
	Emoji     string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// HashToken returns the stored form of a token secret: the hex SHA-256. Tokens
// are long random strings, so a fast hash is enough; lookups go by hash and
// the database never holds a usable secret.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NewToken returns a new secret shaped like Callbell's tokens: 32 letters and
// digits, a dot, 64 hex characters.
func NewToken() string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var a [32]byte
	var h [32]byte
	if _, err := rand.Read(a[:]); err != nil {
		panic(err)
	}
	if _, err := rand.Read(h[:]); err != nil {
		panic(err)
	}
	for i := range a {
		a[i] = alnum[int(a[i])%len(alnum)]
	}
	return string(a[:]) + "." + hex.EncodeToString(h[:])
}
