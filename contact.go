package openbell

import "time"

// Bot session statuses of a contact.
const (
	BotInProgress = "in_progress"
	BotStarted    = "started"
	BotEnded      = "ended"
)

// Contact is a customer on one channel, with its single conversation.
//
// The store fills the joined fields (Channel, Team, AssignedUserEmail) on every
// read, so a Contact can be shown without further queries.
type Contact struct {
	ID         ID
	AccountID  ID
	ChannelID  ID
	Name       string
	Identifier string // digits for phone-based channels, platform id otherwise
	BSUID      string
	AvatarURL  string
	BlockedAt  time.Time
	CreatedAt  time.Time
	// ActivityAt is the newest of its last message or note and its last
	// change through the API: the list order.
	ActivityAt            time.Time
	ConversationID        ID
	ConversationCreatedAt time.Time
	ClosedAt              time.Time // zero while the conversation is open
	FunnelID              ID
	AssignedUserID        ID
	TeamID                ID
	Note                  string // "" means none
	BotStatus             string // "" when the contact never had a bot session
	BotStartedAt          time.Time
	Tags                  []string          // account spelling, in the order set
	CustomFields          map[string]string // field name to stored string value

	// Joined, read-only.
	Channel           Channel
	Team              *Team
	AssignedUserEmail string
}

// ContactFilter selects contacts for GET /contacts.
type ContactFilter struct {
	Source string
	Tags   []string // tag names, matched case-insensitively; all must be carried
	TeamID ID
	Offset int
	Limit  int
}

// Message kinds, which are also the `status` of a listed message.
const (
	MessageSent     = "sent"
	MessageReceived = "received"
	MessageNote     = "note"
)

// Message is an entry of a contact's message list: inbound and outbound
// messages, API notes and system notes.
type Message struct {
	ID          ID // row id, always set
	AccountID   ID
	ContactID   ID
	UUID        string // public id; "" for system notes
	Kind        string // sent, received, note
	System      bool   // a system note ("Conversation closed")
	Text        string
	Channel     string // channel type
	From        string
	To          string
	CreatedAt   time.Time
	Attachments []string
	Metadata    map[string]string
	// Status is the delivery status of an outbound message's send request
	// (enqueued, sent, delivered, read, failed, mismatch, deleted); "" for
	// inbound messages and notes.
	Status string
	// StatusReason is the reason of a failed status; CorrectedNumber the
	// number a mismatch status names.
	StatusReason    string
	CorrectedNumber string
	// DueAt is when the sandbox takes the next delivery step (zero: none).
	DueAt time.Time
	// FailReason, when set, makes the first delivery step fail with it.
	FailReason string
}

// Event names of section 4 of the contract.
const (
	EventContactCreated        = "contact_created"
	EventContactUpdated        = "contact_updated"
	EventContactDeleted        = "contact_deleted"
	EventConversationOpened    = "conversation_opened"
	EventConversationClosed    = "conversation_closed"
	EventMessageCreated        = "message_created"
	EventMessageStatusUpdated  = "message_status_updated"
	EventAgentStatusUpdated    = "agent_status_updated"
	EventAgentSessionUpdated   = "agent_session_updated"
	EventTeamMembershipUpdated = "team_membership_updated"
)

// Event is a recorded change, stored in the same transaction as the change,
// from which webhooks are delivered. Payload is the JSON payload object.
type Event struct {
	ID        int64
	AccountID ID
	Name      string
	ContactID ID // "" for events about no contact; orders delivery per contact
	Payload   []byte
	CreatedAt time.Time
}
