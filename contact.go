package openbell

import "time"

// Bot session statuses of a contact.
const (
	BotInProgress = "in_progress"
	BotStarted    = "started"
	BotEnded      = "ended"
)

// BotRequest maps a requested bot status (bot_status of POST and PATCH
// /contacts and of sends, status of POST /contacts/:uuid/bot) to the
// session status it asks for: bot_start is started, bot_end is ended.
func BotRequest(s string) (status string, ok bool) {
	switch s {
	case "bot_start":
		return BotStarted, true
	case "bot_end":
		return BotEnded, true
	}
	return "", false
}

// BotRequestWords is what BotRequest accepts, for error messages.
const BotRequestWords = "bot_start or bot_end"

// SetBotSession moves c's bot session to status (started or ended) at
// time at. Starting a session that is not started begins a new one (a new
// conversationStartedAt); asking for the status it has changes nothing.
func (c *Contact) SetBotSession(status string, at time.Time) {
	if status == c.BotSessionStatus() {
		return
	}
	c.BotStatus = status
	if status == BotStarted {
		c.BotStartedAt = at
	}
}

// CustomerWrote is the bot session's step when the customer writes: a
// started session is in progress from then on.
func (c *Contact) CustomerWrote() {
	if c.BotStatus == BotStarted {
		c.BotStatus = BotInProgress
	}
}

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
	// Details are the optional objects the message carries (a location, a
	// contact card, the message it replies to, ...).
	Details MessageDetails
	// TemplateID is the template an outbound message was sent from, "" for
	// a session message.
	TemplateID ID
	// Status is the delivery status of an outbound message's send request
	// (enqueued, sent, delivered, read, failed, mismatch, deleted); "" for
	// inbound messages and notes.
	Status string
	// StatusReason is the reason of a failed status; CorrectedNumber the
	// number a mismatch status names.
	StatusReason    string
	CorrectedNumber string
	// StatusAt is when the message took its Status, on the account's clock.
	StatusAt time.Time
	// DueAt is when the sandbox takes the next delivery step (zero: none).
	DueAt time.Time
	// FailReason, when set, makes the first delivery step fail with it.
	FailReason string
	// AuthorID is the user who wrote an outbound message or a note in the
	// web inbox; "" for the API (whose token acts as the account's first
	// admin), inbound messages and system notes.
	AuthorID ID
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
	// CreatedAt is when the change happened, on the account's clock.
	CreatedAt time.Time
	// QueuedAt is when the change happened on the server's clock, the clock
	// of delivery schedules: a webhook delivery of the event is due then.
	// Zero means CreatedAt.
	QueuedAt time.Time
}
