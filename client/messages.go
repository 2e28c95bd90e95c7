package client

import (
	"context"
	"encoding/json"
	"strings"
)

// Message types of a send.
const (
	TypeText     = "text"
	TypeImage    = "image"
	TypeDocument = "document"
	TypeAudio    = "audio"
	TypeVideo    = "video"
)

// OutboundMessage is a message to send. To (or BSUID) and From (or
// ChannelUUID) say where; Text or URL what.
type OutboundMessage struct {
	// To is the recipient: a phone number in any common form, or a
	// platform id. A recipient without a contact gets one.
	To string
	// BSUID finds an existing contact instead of To.
	BSUID string
	// From is the channel type (WhatsApp, ...): its main channel sends.
	From string
	// ChannelUUID names the channel instead.
	ChannelUUID string
	// Type is TypeText (the default) or a media type.
	Type string
	// Text is the text, or the caption of media.
	Text string
	// URL is the media's absolute http(s) URL.
	URL string
	// TemplateUUID sends an approved template (needs OptinContact);
	// TemplateValues fill its placeholders ({{1}} is Text without them).
	TemplateUUID   string
	TemplateValues []string
	OptinContact   bool
	// AssignedUser, TeamUUID and BotStatus change the contact as
	// UpdateContact would.
	AssignedUser string
	TeamUUID     string
	BotStatus    string
	// Metadata is stored with the message and comes back in its events (at
	// most 10 entries).
	Metadata map[string]string
	// WithContact and WithConversation add the contact and the
	// conversation to the answer.
	WithContact      bool
	WithConversation bool
	// IdempotencyKey makes a repeated send return the first answer instead
	// of sending twice; SendMessage generates one when it is "".
	IdempotencyKey string
}

// MarshalJSON implements json.Marshaler: the body of POST /messages/send.
func (m OutboundMessage) MarshalJSON() ([]byte, error) {
	type content struct {
		Text string `json:"text,omitempty"`
		URL  string `json:"url,omitempty"`
	}
	var fields []string
	if m.WithContact {
		fields = append(fields, "contact")
	}
	if m.WithConversation {
		fields = append(fields, "conversation")
	}
	w := struct {
		To             string            `json:"to,omitempty"`
		BSUID          string            `json:"bsuid,omitempty"`
		From           string            `json:"from,omitempty"`
		ChannelUUID    string            `json:"channel_uuid,omitempty"`
		Type           string            `json:"type,omitempty"`
		Content        *content          `json:"content,omitempty"`
		TemplateUUID   string            `json:"template_uuid,omitempty"`
		TemplateValues []string          `json:"template_values,omitempty"`
		OptinContact   bool              `json:"optin_contact,omitempty"`
		AssignedUser   string            `json:"assigned_user,omitempty"`
		TeamUUID       string            `json:"team_uuid,omitempty"`
		BotStatus      string            `json:"bot_status,omitempty"`
		Metadata       map[string]string `json:"metadata,omitempty"`
		Fields         string            `json:"fields,omitempty"`
	}{m.To, m.BSUID, m.From, m.ChannelUUID, m.Type, nil, m.TemplateUUID, m.TemplateValues, m.OptinContact,
		m.AssignedUser, m.TeamUUID, m.BotStatus, m.Metadata, strings.Join(fields, ",")}
	if m.Text != "" || m.URL != "" {
		w.Content = &content{Text: m.Text, URL: m.URL}
	}
	return json.Marshal(w)
}

// SendMessage sends a message. It carries an Idempotency-Key (generated
// unless m has one), so the client retries it safely after a network error
// or a 5xx answer: the server answers a repeated send with the first answer.
func (c *Client) SendMessage(ctx context.Context, m OutboundMessage) (*SentMessage, error) {
	key := m.IdempotencyKey
	if key == "" {
		key = newIdempotencyKey()
	}
	var out struct {
		Message SentMessage `json:"message"`
	}
	if err := c.do(ctx, call{method: "POST", path: "/messages/send", body: m, safe: true, idempotencyKey: key}, &out); err != nil {
		return nil, err
	}
	return &out.Message, nil
}

// MessageStatus returns the delivery status of an outbound message.
func (c *Client) MessageStatus(ctx context.Context, uuid string) (*MessageStatus, error) {
	var out struct {
		Message MessageStatus `json:"message"`
	}
	if err := c.do(ctx, call{method: "GET", path: "/messages/status/" + pathID(uuid), safe: true}, &out); err != nil {
		return nil, err
	}
	return &out.Message, nil
}

// DeleteMessage blanks a message's text and attachments (it stays in the
// list); uuid is an outbound message's uuid or an inbound `wamid.`.
func (c *Client) DeleteMessage(ctx context.Context, uuid string) error {
	return c.do(ctx, call{method: "DELETE", path: "/messages/" + pathID(uuid)}, nil)
}
