package client

import (
	"context"
	"encoding/json"
	"iter"
	"strings"
)

// FieldValue is the value of a custom field in a request: Text for text,
// e-mail, number, date and dropdown fields, Checkbox for checkbox fields,
// ClearField to remove a value (on update).
type FieldValue struct {
	text    string
	checked []string
	kind    byte // 't', 'c' or 0 (clear)
}

// Text is the value of a text, e-mail, number (its decimal form), date
// (YYYY-MM-DD) or dropdown (one of the options) field.
func Text(s string) FieldValue { return FieldValue{text: s, kind: 't'} }

// Checkbox is the value of a checkbox field: the options set.
func Checkbox(options ...string) FieldValue {
	if options == nil {
		options = []string{}
	}
	return FieldValue{checked: options, kind: 'c'}
}

// ClearField removes a field's value (UpdateContact).
func ClearField() FieldValue { return FieldValue{} }

// MarshalJSON implements json.Marshaler: a string, an array or null.
func (v FieldValue) MarshalJSON() ([]byte, error) {
	switch v.kind {
	case 't':
		return json.Marshal(v.text)
	case 'c':
		return json.Marshal(v.checked)
	}
	return []byte("null"), nil
}

// NewContact is a contact to create. Identifier, Source and Name are
// required.
type NewContact struct {
	// Identifier is the phone number (any common form) or platform id.
	Identifier string `json:"identifier"`
	// Source is the channel type (WhatsApp, ...).
	Source string `json:"source"`
	Name   string `json:"name"`
	// ChannelUUID is the channel; default: the main channel of Source.
	ChannelUUID  string                `json:"channel_uuid,omitempty"`
	Tags         []string              `json:"tags,omitempty"`
	CustomFields map[string]FieldValue `json:"custom_fields,omitempty"`
	// AssignedUser is the e-mail of a user of the account.
	AssignedUser string `json:"assigned_user,omitempty"`
	TeamUUID     string `json:"team_uuid,omitempty"`
	// BotStatus is BotStart or BotEnd (needs an enabled bot).
	BotStatus string `json:"bot_status,omitempty"`
	Note      string `json:"note,omitempty"`
}

// ContactUpdate changes a contact; nil fields are left as they are.
type ContactUpdate struct {
	Name *string
	// Tags replaces the whole list; a pointer to an empty list clears it.
	Tags *[]string
	// CustomFields sets the named fields (ClearField removes one) and keeps
	// the others.
	CustomFields map[string]FieldValue
	// AssignedUser assigns the contact to the user of this e-mail.
	AssignedUser *string
	// Unassign removes the assigned user.
	Unassign bool
	// TeamUUID moves the contact to a team; a pointer to "" removes it from
	// its team.
	TeamUUID *string
	// BotStatus is BotStart or BotEnd.
	BotStatus *string
	// Note replaces the note; a pointer to "" clears it.
	Note *string
}

// MarshalJSON implements json.Marshaler: only the fields to change.
func (u ContactUpdate) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	if u.Name != nil {
		m["name"] = *u.Name
	}
	if u.Tags != nil {
		tags := *u.Tags
		if tags == nil {
			tags = []string{}
		}
		m["tags"] = tags
	}
	if u.CustomFields != nil {
		m["custom_fields"] = u.CustomFields
	}
	if u.AssignedUser != nil {
		m["assigned_user"] = *u.AssignedUser
	}
	if u.Unassign {
		m["unassign_user"] = true
	}
	if u.TeamUUID != nil {
		if *u.TeamUUID == "" {
			m["team_uuid"] = nil
		} else {
			m["team_uuid"] = *u.TeamUUID
		}
	}
	if u.BotStatus != nil {
		m["bot_status"] = *u.BotStatus
	}
	if u.Note != nil {
		m["note"] = *u.Note
	}
	return json.Marshal(m)
}

// ContactFilter selects contacts of ListContacts and Contacts.
type ContactFilter struct {
	// Page is the page of ListContacts and the first page of Contacts
	// (default 1).
	Page int
	// Source keeps the contacts of this channel type.
	Source string
	// Tags keeps the contacts that carry all of them (case-insensitive).
	Tags []string
	// TeamUUID keeps the contacts of this team inbox.
	TeamUUID string
	// IncludeFieldTypes fills Contact.FieldTypes.
	IncludeFieldTypes bool
}

func (f ContactFilter) query(page int) string {
	q := query{}
	q.page(page)
	q.set("source", f.Source)
	q.set("tags", strings.Join(f.Tags, ","))
	q.set("team_uuid", f.TeamUUID)
	if f.IncludeFieldTypes {
		q.set("include_field_types", "true")
	}
	return q.String()
}

// ListContacts returns one page of contacts, most recent activity first, 20
// per page.
func (c *Client) ListContacts(ctx context.Context, f ContactFilter) (*Page[Contact], error) {
	return listPage[Contact](ctx, c, call{method: "GET", path: "/contacts" + f.query(f.Page), safe: true}, "contacts")
}

// Contacts iterates over the contacts of every page from f.Page on.
func (c *Client) Contacts(ctx context.Context, f ContactFilter) iter.Seq2[Contact, error] {
	return all(f.Page, func(page int) (*Page[Contact], error) {
		return listPage[Contact](ctx, c, call{method: "GET", path: "/contacts" + f.query(page), safe: true}, "contacts")
	})
}

func (c *Client) contact(ctx context.Context, cl call) (*Contact, error) {
	var out struct {
		Contact Contact `json:"contact"`
	}
	if err := c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	return &out.Contact, nil
}

// Contact returns the contact of uuid (ErrNotFound when the account has
// none).
func (c *Client) Contact(ctx context.Context, uuid string) (*Contact, error) {
	return c.contact(ctx, call{method: "GET", path: "/contacts/" + pathID(uuid), safe: true})
}

// ContactWithFieldTypes is Contact with Contact.FieldTypes filled.
func (c *Client) ContactWithFieldTypes(ctx context.Context, uuid string) (*Contact, error) {
	return c.contact(ctx, call{method: "GET", path: "/contacts/" + pathID(uuid) + "?include_field_types=true", safe: true})
}

// ContactByPhone finds a contact by phone number (any common form, matched
// on its digits) on the channel channelUUID, or on the main WhatsApp
// channel when channelUUID is "".
func (c *Client) ContactByPhone(ctx context.Context, number, channelUUID string) (*Contact, error) {
	q := query{}
	q.set("channel_uuid", channelUUID)
	return c.contact(ctx, call{method: "GET", path: "/contacts/phone/" + pathID(number) + q.String(), safe: true})
}

// ContactByBSUID finds a contact by its business-scoped user id.
func (c *Client) ContactByBSUID(ctx context.Context, bsuid string) (*Contact, error) {
	return c.contact(ctx, call{method: "GET", path: "/contacts/bsuid/" + pathID(bsuid), safe: true})
}

// CreateContact creates a contact (ErrConflict, with Error.UUID, when one
// with that identifier exists on the channel; ErrValidation naming the
// fields that break a rule).
func (c *Client) CreateContact(ctx context.Context, nc NewContact) (*Contact, error) {
	return c.contact(ctx, call{method: "POST", path: "/contacts", body: nc})
}

// UpdateContact changes a contact.
func (c *Client) UpdateContact(ctx context.Context, uuid string, u ContactUpdate) (*Contact, error) {
	return c.contact(ctx, call{method: "PATCH", path: "/contacts/" + pathID(uuid), body: u, safe: true})
}

// DeleteContact removes a contact, its conversation and messages,
// irreversibly.
func (c *Client) DeleteContact(ctx context.Context, uuid string) error {
	return c.do(ctx, call{method: "DELETE", path: "/contacts/" + pathID(uuid)}, nil)
}

// ListMessages returns one page of a contact's messages, newest first, 20
// per page.
func (c *Client) ListMessages(ctx context.Context, contactUUID string, page int) (*Page[Message], error) {
	q := query{}
	q.page(page)
	return listPage[Message](ctx, c, call{method: "GET", path: "/contacts/" + pathID(contactUUID) + "/messages" + q.String(), safe: true}, "messages")
}

// Messages iterates over a contact's messages, newest first.
func (c *Client) Messages(ctx context.Context, contactUUID string) iter.Seq2[Message, error] {
	return all(1, func(page int) (*Page[Message], error) { return c.ListMessages(ctx, contactUUID, page) })
}

// CloseConversation closes the contact's conversation, with an optional
// closing reason ("" for none). Closing a closed conversation changes
// nothing.
func (c *Client) CloseConversation(ctx context.Context, contactUUID, reason string) (*Contact, error) {
	var body any
	if reason != "" {
		body = map[string]string{"closing_reason": reason}
	}
	return c.contact(ctx, call{method: "POST", path: "/contacts/" + pathID(contactUUID) + "/conversation/close", body: body, safe: true})
}

// OpenConversation opens the contact's conversation again.
func (c *Client) OpenConversation(ctx context.Context, contactUUID string) (*Contact, error) {
	return c.contact(ctx, call{method: "POST", path: "/contacts/" + pathID(contactUUID) + "/conversation/open", safe: true})
}

// AddNote adds a note to the contact's conversation.
func (c *Client) AddNote(ctx context.Context, contactUUID, text string) error {
	return c.do(ctx, call{method: "POST", path: "/contacts/" + pathID(contactUUID) + "/conversation/note", body: map[string]string{"text": text}}, nil)
}

// UpdateFunnel moves the contact's conversation to the funnel stage
// funnelID; "" takes it out of the funnel.
func (c *Client) UpdateFunnel(ctx context.Context, contactUUID, funnelID string) (*Contact, error) {
	var id any
	if funnelID != "" {
		id = funnelID
	}
	return c.contact(ctx, call{method: "PUT", path: "/contacts/" + pathID(contactUUID) + "/conversation/update_funnel",
		body: map[string]any{"funnel_id": id}, safe: true})
}

// BotSession returns the contact's session with the account's bot
// (ErrNotFound when the account has no enabled bot).
func (c *Client) BotSession(ctx context.Context, contactUUID string) (*Bot, error) {
	var out struct {
		Bot Bot `json:"bot"`
	}
	if err := c.do(ctx, call{method: "GET", path: "/contacts/" + pathID(contactUUID) + "/bot", safe: true}, &out); err != nil {
		return nil, err
	}
	return &out.Bot, nil
}

// SetBotSession starts (BotStart) or ends (BotEnd) the contact's bot
// session.
func (c *Client) SetBotSession(ctx context.Context, contactUUID, status string) (*Bot, error) {
	var out struct {
		Bot Bot `json:"bot"`
	}
	err := c.do(ctx, call{method: "POST", path: "/contacts/" + pathID(contactUUID) + "/bot", body: map[string]string{"status": status}}, &out)
	if err != nil {
		return nil, err
	}
	return &out.Bot, nil
}
