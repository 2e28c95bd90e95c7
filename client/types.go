package client

import (
	"encoding/json"
	"fmt"
	"time"
)

// The objects of the API (API.md section 2). Times are time.Time in UTC,
// whatever format the API writes them in (T1 `2020-11-13T21:08:53Z`, T2
// `2024-11-22 21:29:43 +0000`, T3 `2022-10-18T12:06:29.000Z`); a time that
// can be null is a *time.Time, nil for null. An optional string that can be
// null is a *string.

// Channel types: the `source` of a contact, the `type` of a channel, the
// `from` of a send.
const (
	WhatsApp  = "whatsapp"
	Facebook  = "facebook"
	Instagram = "instagram"
	Telegram  = "telegram"
)

// Contact is a customer of the account.
type Contact struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
	// PhoneNumber is the identifier in international format (`+57 319
	// 2754701`); nil on channels without phone numbers.
	PhoneNumber *string    `json:"phoneNumber"`
	AvatarURL   *string    `json:"avatarUrl"`
	BlockedAt   *time.Time `json:"blockedAt"`
	CreatedAt   time.Time  `json:"createdAt"`
	// Source is the channel type (WhatsApp, ...).
	Source string `json:"source"`
	// FunnelID is the funnel stage of the conversation (a dashed uuid).
	FunnelID *string `json:"funnelId"`
	// ClosedAt is when the conversation was closed; nil while it is open.
	ClosedAt         *time.Time `json:"closedAt"`
	Href             string     `json:"href"`
	ConversationHref string     `json:"conversationHref"`
	Tags             []string   `json:"tags"`
	// AssignedUser is the assigned user's e-mail.
	AssignedUser *string `json:"assignedUser"`
	// CustomFields maps each field name to its value as the API writes it:
	// a checkbox value is a JSON-encoded array inside the string (use
	// Checkbox to read one).
	CustomFields map[string]string `json:"customFields"`
	// FieldTypes holds the typed values of the defined fields the contact
	// has, when asked for (ContactFilter.IncludeFieldTypes,
	// ContactWithFieldTypes); nil otherwise.
	FieldTypes map[string]FieldMeta `json:"customFieldsMetadata,omitempty"`
	Team       *Team                `json:"team"`
	Channel    Channel              `json:"channel"`
	// BSUID is the contact's business-scoped user id, "" when it has none.
	BSUID string  `json:"bsuid,omitempty"`
	Note  *string `json:"note"`
}

// Checkbox returns the options set in the checkbox custom field name (nil
// when the field has no value).
func (c *Contact) Checkbox(name string) ([]string, error) {
	raw, ok := c.CustomFields[name]
	if !ok || raw == "" {
		return nil, nil
	}
	var out []string
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("client: custom field %q is not a checkbox value: %w", name, err)
	}
	return out, nil
}

// FieldMeta is a custom field's typed value (customFieldsMetadata).
type FieldMeta struct {
	// Type is text, email, number, date, dropdown or checkbox.
	Type string
	// Value is the value of every type but checkbox.
	Value string
	// Checked is the value of a checkbox field: the options set.
	Checked []string
	// Options are the choices of dropdown and checkbox fields.
	Options []string
}

// UnmarshalJSON implements json.Unmarshaler: value is an array for
// checkbox fields and a string otherwise.
func (m *FieldMeta) UnmarshalJSON(b []byte) error {
	var w struct {
		Value   json.RawMessage `json:"value"`
		Type    string          `json:"type"`
		Options []string        `json:"options"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*m = FieldMeta{Type: w.Type, Options: w.Options}
	if len(w.Value) > 0 && w.Value[0] == '[' {
		return json.Unmarshal(w.Value, &m.Checked)
	}
	if len(w.Value) > 0 && w.Value[0] == '"' {
		return json.Unmarshal(w.Value, &m.Value)
	}
	m.Value = string(w.Value) // a number, should one come unquoted
	return nil
}

// MarshalJSON implements json.Marshaler, in the API's shape.
func (m FieldMeta) MarshalJSON() ([]byte, error) {
	var v any = m.Value
	if m.Type == "checkbox" {
		v = m.Checked
	}
	return json.Marshal(struct {
		Value   any      `json:"value"`
		Type    string   `json:"type"`
		Options []string `json:"options,omitempty"`
	}{v, m.Type, m.Options})
}

// Channel is a channel of the account.
type Channel struct {
	UUID  string `json:"uuid"`
	Title string `json:"title"`
	Type  string `json:"type"`
	Main  bool   `json:"main"`
	// Discarded means the channel is inactive (`discardedAt` on the wire).
	Discarded bool `json:"discardedAt"`
	// Identifier is the business phone number digits or page id (openbell).
	Identifier *string `json:"identifier,omitempty"`
}

// Team is a team inbox.
type Team struct {
	UUID      string    `json:"uuid"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	Default   bool      `json:"default"`
	Members   int       `json:"members"`
}

// TeamMember is a user as a team lists it, also the agent_status_updated
// payload.
type TeamMember struct {
	// UUID is the user's id, the one of SetUserStatus (openbell).
	UUID          string    `json:"uuid,omitempty"`
	Email         string    `json:"email"`
	Name          string    `json:"name"`
	Available     bool      `json:"available"`
	LastUpdatedAt time.Time `json:"lastUpdatedAt"`
	// CustomStatus is the custom status the user holds, nil when none.
	CustomStatus *HeldStatus `json:"userCustomStatus,omitempty"`
}

// HeldStatus is the custom status a team member holds.
type HeldStatus struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Emoji     *string   `json:"emoji"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// CustomStatus is a custom status users can hold.
type CustomStatus struct {
	ID        string
	Name      string
	Emoji     *string
	CreatedAt time.Time
	UpdatedAt time.Time
}

type customStatusWire struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Emoji     *string `json:"emoji"`
	CreatedAt t2      `json:"createdAt"`
	UpdatedAt t2      `json:"updatedAt"`
}

// UnmarshalJSON implements json.Unmarshaler (times in format T2).
func (s *CustomStatus) UnmarshalJSON(b []byte) error {
	var w customStatusWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = CustomStatus{ID: w.ID, Name: w.Name, Emoji: w.Emoji, CreatedAt: time.Time(w.CreatedAt), UpdatedAt: time.Time(w.UpdatedAt)}
	return nil
}

// MarshalJSON implements json.Marshaler, in the API's shape.
func (s CustomStatus) MarshalJSON() ([]byte, error) {
	return json.Marshal(customStatusWire{s.ID, s.Name, s.Emoji, t2(s.CreatedAt), t2(s.UpdatedAt)})
}

// Funnel is a funnel stage.
type Funnel struct {
	UUID      string
	Name      string
	Emoji     *string
	Position  int
	CreatedAt time.Time
}

type funnelWire struct {
	UUID      string  `json:"uuid"`
	Name      string  `json:"name"`
	Emoji     *string `json:"emoji"`
	Position  int     `json:"position"`
	CreatedAt t2      `json:"createdAt"`
}

// UnmarshalJSON implements json.Unmarshaler (times in format T2).
func (f *Funnel) UnmarshalJSON(b []byte) error {
	var w funnelWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*f = Funnel{UUID: w.UUID, Name: w.Name, Emoji: w.Emoji, Position: w.Position, CreatedAt: time.Time(w.CreatedAt)}
	return nil
}

// MarshalJSON implements json.Marshaler, in the API's shape.
func (f Funnel) MarshalJSON() ([]byte, error) {
	return json.Marshal(funnelWire{f.UUID, f.Name, f.Emoji, f.Position, t2(f.CreatedAt)})
}

// Template is a message template.
type Template struct {
	UUID  string `json:"uuid"`
	Title string `json:"title"`
	// Text holds the placeholders {{1}}, {{2}}, ...
	Text string `json:"text"`
	// Type is text, image, video or document.
	Type string `json:"templateType"`
	// Category is MARKETING, UTILITY or AUTHENTICATION.
	Category string `json:"category"`
	// Status is approved, pending, rejected, ...: only approved templates
	// can be sent.
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"createdAt"`
}

// Bot is a contact's session with the account's bot.
type Bot struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
	// Status is in_progress, started or ended.
	Status                string     `json:"status"`
	ConversationStartedAt *time.Time `json:"conversationStartedAt"`
	Version               int        `json:"version"`
	LatestBotVersion      bool       `json:"latestBotVersion"`
}

// Bot session requests of SetBotSession and the BotStatus of contact
// requests.
const (
	BotStart = "bot_start"
	BotEnd   = "bot_end"
)

// Message is a message of a contact's conversation.
type Message struct {
	// UUID is the message's id: a uuid for outbound messages and notes,
	// `wamid.…` for inbound WhatsApp messages, "" for system notes.
	UUID string `json:"uuid,omitempty"`
	Text string `json:"text"`
	// Status is sent (outbound), received (inbound) or note.
	Status  string `json:"status"`
	Channel string `json:"channel"`
	// From and To are digits (no +) on phone channels, platform ids on the
	// others.
	From        string            `json:"from"`
	To          string            `json:"to"`
	CreatedAt   time.Time         `json:"createdAt"`
	Attachments []string          `json:"attachments,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	MessageDetails
}

// MessageDetails are the optional objects a message carries, each nil when
// it does not.
type MessageDetails struct {
	Location        *Location        `json:"messageLocation,omitempty"`
	ContactCard     *ContactCard     `json:"messageContactCard,omitempty"`
	Context         *MessageContext  `json:"mesageContext,omitempty"` // sic: the API's spelling
	Forward         *Forward         `json:"messageForward,omitempty"`
	ReplyButton     *ReplyButton     `json:"messageReplyButton,omitempty"`
	InteractiveList *InteractiveList `json:"messageInteractiveList,omitempty"`
}

// Location is a shared location: X is the latitude, Y the longitude.
type Location struct {
	Coordinates struct {
		X float64 `json:"x"`
		Y float64 `json:"y"`
	} `json:"coordinates"`
	GoogleMapsLocation string `json:"googleMapsLocation"`
}

// ContactCard is one or more shared contact cards.
type ContactCard struct {
	ContactsInfo []struct {
		Name   string `json:"name"`
		Phones []struct {
			Phone string `json:"phone"`
			WaID  string `json:"wa_id"`
			Type  string `json:"type"`
		} `json:"phones"`
	} `json:"contactsInfo"`
}

// MessageContext names the message a message replies to.
type MessageContext struct {
	Target struct {
		UUID string `json:"uuid"`
	} `json:"target"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"createdAt"`
	Status    string    `json:"status"`
}

// Forward marks a forwarded message.
type Forward struct {
	Forwarded bool `json:"forwarded"`
}

// ReplyButton is a quick-reply message; inbound, the customer's tap on a
// button (Metadata.Content.Text is the button's title).
type ReplyButton struct {
	Metadata struct {
		Type    string `json:"type"`
		Content struct {
			Text        string `json:"text"`
			Header      string `json:"header,omitempty"`
			Caption     string `json:"caption,omitempty"`
			URL         string `json:"url,omitempty"`
			Filename    string `json:"filename,omitempty"`
			ContentType string `json:"contentType,omitempty"`
		} `json:"content"`
		Options []struct {
			Type         string `json:"type"`
			Title        string `json:"title"`
			PostbackURL  string `json:"postback_url"`
			PostbackText string `json:"postback_text"`
		} `json:"options"`
	} `json:"metadata"`
}

// InteractiveList is a list message; Metadata is a JSON-encoded string of
// {header, body, buttons, sections} (inbound: the customer's choice).
type InteractiveList struct {
	Metadata string `json:"metadata"`
}

// Delivery statuses of an outbound message.
const (
	StatusEnqueued  = "enqueued"
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusFailed    = "failed"
	StatusMismatch  = "mismatch"
	StatusDeleted   = "deleted"
)

// MessageStatus is the delivery status of an outbound message (the
// MessageSendRequest object).
type MessageStatus struct {
	UUID   string `json:"uuid"`
	Status string `json:"status"`
	// Payload is the raw status payload of the WhatsApp provider.
	Payload *StatusPayload `json:"messageStatusPayload"`
}

// StatusPayload is the provider's payload of a delivery status. For
// enqueued, ID is the provider's send and Details.Type and
// Details.WhatsappMessageID are set; later, ID is the WhatsApp message id,
// GsID the send, and Details.TS the status's Unix time (with Code and
// Reason for failed, CorrectedNumber for mismatch).
type StatusPayload struct {
	ID          string `json:"id"`
	GsID        string `json:"gsId,omitempty"`
	Type        string `json:"type"`
	Destination string `json:"destination"`
	Details     struct {
		Type              string `json:"type,omitempty"`
		WhatsappMessageID string `json:"whatsappMessageId,omitempty"`
		TS                int64  `json:"ts,omitempty"`
		Code              int    `json:"code,omitempty"`
		Reason            string `json:"reason,omitempty"`
		CorrectedNumber   string `json:"correctedNumber,omitempty"`
	} `json:"payload"`
}

// SentMessage is the answer to a send: the message's uuid and status
// (enqueued), with the contact and conversation when asked for.
type SentMessage struct {
	UUID         string            `json:"uuid"`
	Status       string            `json:"status"`
	Contact      *SentContact      `json:"contact,omitempty"`
	Conversation *SentConversation `json:"conversation,omitempty"`
}

// SentContact is the contact of a send (SendMessage's WithContact).
type SentContact struct {
	UUID  string  `json:"uuid"`
	Name  string  `json:"name"`
	Phone *string `json:"phone"`
	Email *string `json:"email"`
}

// SentConversation is the conversation of a send (WithConversation).
type SentConversation struct {
	Source    string    `json:"source"`
	Href      string    `json:"href"`
	CreatedAt time.Time `json:"createdAt"`
}

// UserStatus is a user's availability and custom status.
type UserStatus struct {
	Available bool
	// AvailabilityUpdatedAt is when the availability last changed.
	AvailabilityUpdatedAt time.Time
	// CustomStatus is the status the user holds, nil when none.
	CustomStatus *UserCustomStatus
}

// UserCustomStatus is the custom status a user holds.
type UserCustomStatus struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	UpdatedAt time.Time `json:"last_updated_at"`
}

// UnmarshalJSON implements json.Unmarshaler for the {user_status: {...}}
// answer.
func (u *UserStatus) UnmarshalJSON(b []byte) error {
	var w struct {
		UserStatus struct {
			CustomStatus *UserCustomStatus `json:"custom_status"`
			Appearance   struct {
				Available     bool      `json:"available"`
				LastUpdatedAt time.Time `json:"last_updated_at"`
			} `json:"appearance"`
		} `json:"user_status"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*u = UserStatus{Available: w.UserStatus.Appearance.Available, AvailabilityUpdatedAt: w.UserStatus.Appearance.LastUpdatedAt,
		CustomStatus: w.UserStatus.CustomStatus}
	return nil
}

// Plan is the account's plan.
type Plan struct {
	Plan             string `json:"plan"`
	IncludedChannels int    `json:"includedChannels"`
	Licenses         int    `json:"licenses"`
	ActiveUsers      int    `json:"activeUsers"`
	Teams            []Team `json:"teams"`
}

// Me names the user a token acts as.
type Me struct {
	Status    string  `json:"status"`
	UserEmail *string `json:"user_email"`
	UserName  *string `json:"user_name"`
	// APIKey is the token's public name, never the secret.
	APIKey string `json:"api_key"`
}

// Webhook is the account's webhook subscription.
type Webhook struct {
	URL           string
	Subscriptions []string
	Enabled       bool
	CreatedAt     time.Time
	// Secret signs the deliveries (ParseWebhook's secret); only Subscribe
	// answers it.
	Secret string
}

type webhookWire struct {
	URL           string   `json:"url"`
	Subscriptions []string `json:"subscriptions"`
	Enabled       bool     `json:"enabled"`
	CreatedAt     t2       `json:"createdAt"`
	Secret        string   `json:"secret,omitempty"`
}

// UnmarshalJSON implements json.Unmarshaler (times in format T2).
func (w *Webhook) UnmarshalJSON(b []byte) error {
	var v webhookWire
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*w = Webhook{URL: v.URL, Subscriptions: v.Subscriptions, Enabled: v.Enabled, CreatedAt: time.Time(v.CreatedAt), Secret: v.Secret}
	return nil
}

// MarshalJSON implements json.Marshaler, in the API's shape.
func (w Webhook) MarshalJSON() ([]byte, error) {
	return json.Marshal(webhookWire{w.URL, w.Subscriptions, w.Enabled, t2(w.CreatedAt), w.Secret})
}

// WebhookEvent is one delivery attempt of an event, as GET
// /webhooks/events lists it.
type WebhookEvent struct {
	// ID is the event's webhook-id, the same on every attempt (openbell).
	ID      string          `json:"id,omitempty"`
	Event   string          `json:"event"`
	Payload json.RawMessage `json:"payload"`
	// Response is the receiver's answer.
	Response struct {
		// Body is the answer: JSON when it was JSON, else a JSON string of
		// its text; {} when no answer arrived.
		Body json.RawMessage `json:"body"`
		// Code is the status, nil when no answer arrived.
		Code    *int              `json:"code"`
		Headers map[string]string `json:"headers"`
	} `json:"response"`
	Success    bool      `json:"success"`
	CreatedAt  time.Time `json:"createdAt"`
	Attempt    int       `json:"attempt,omitempty"`
	DurationMs int64     `json:"durationMs,omitempty"`
	// Error is the network error when no answer arrived (openbell).
	Error *string `json:"error,omitempty"`
}

// t2 reads and writes a time in format T2 (2024-11-22 21:29:43 +0000); null
// is the zero time.
type t2 time.Time

const layoutT2 = "2006-01-02 15:04:05 -0700"

func (t *t2) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = t2{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(layoutT2, s)
	if err != nil {
		// Be lenient with a server that writes RFC 3339.
		if v2, err2 := time.Parse(time.RFC3339Nano, s); err2 == nil {
			v, err = v2, nil
		}
	}
	*t = t2(v.UTC())
	return err
}

func (t t2) MarshalJSON() ([]byte, error) {
	if time.Time(t).IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(time.Time(t).UTC().Format("2006-01-02 15:04:05 +0000"))
}
