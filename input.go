package openbell

import (
	"encoding/json"
	"reflect"
)

// Opt is a request field that distinguishes absent (Set false), null (Set and
// Null) and a value. PATCH semantics need all three: an absent field leaves
// the stored value alone, null or "" clears it.
type Opt[T any] struct {
	Set  bool
	Null bool
	V    T
}

// UnmarshalJSON implements json.Unmarshaler. A value of the wrong JSON type
// fails with *json.UnmarshalTypeError, which the HTTP layer answers with 400.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.V)
}

// Value returns the value and whether one was given (neither absent nor null).
func (o Opt[T]) Value() (T, bool) { return o.V, o.Set && !o.Null }

// Strings is a JSON array of strings in a request. Unlike []string it
// refuses null items (encoding/json would decode them as ""), so that a
// wrong JSON type is a 400 wherever it stands.
type Strings []string

// UnmarshalJSON implements json.Unmarshaler.
func (s *Strings) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make([]string, len(raw))
	for i, r := range raw {
		if string(r) == "null" {
			return &json.UnmarshalTypeError{Value: "null", Type: reflect.TypeFor[string]()}
		}
		if err := json.Unmarshal(r, &out[i]); err != nil {
			return err
		}
	}
	*s = out
	return nil
}

// ContactFields are the fields POST /contacts and PATCH /contacts/:uuid
// share, validated alike (API.md "Validation on create and update"); POST
// /messages/send takes some of them too.
type ContactFields struct {
	Tags         Opt[Strings]                    `json:"tags"`
	CustomFields Opt[map[string]json.RawMessage] `json:"custom_fields"`
	AssignedUser Opt[string]                     `json:"assigned_user"`
	TeamUUID     Opt[string]                     `json:"team_uuid"`
	BotStatus    Opt[string]                     `json:"bot_status"`
	Note         Opt[string]                     `json:"note"`
}

// NewContact is the body of POST /contacts.
type NewContact struct {
	Identifier  Opt[string] `json:"identifier"`
	Source      Opt[string] `json:"source"`
	Name        Opt[string] `json:"name"`
	ChannelUUID Opt[string] `json:"channel_uuid"`
	ContactFields
}

// ContactChanges is the body of PATCH /contacts/:uuid. Absent fields are left
// as they are.
type ContactChanges struct {
	Name         Opt[string] `json:"name"`
	UnassignUser Opt[bool]   `json:"unassign_user"`
	ContactFields
}

// ListContactsQuery is the query of GET /contacts, already parsed.
type ListContactsQuery struct {
	Page              int
	Source            string
	Tags              []string
	TeamUUID          string // canonical, "" for none
	IncludeFieldTypes bool
}

// MessageContent is the `content` of a send or an inbound message.
type MessageContent struct {
	Text Opt[string] `json:"text"`
	URL  Opt[string] `json:"url"`
}

// SendMessage is the body of POST /messages/send.
type SendMessage struct {
	To             Opt[string]                     `json:"to"`
	BSUID          Opt[string]                     `json:"bsuid"`
	From           Opt[string]                     `json:"from"`
	ChannelUUID    Opt[string]                     `json:"channel_uuid"`
	Type           Opt[string]                     `json:"type"`
	Content        Opt[MessageContent]             `json:"content"`
	TemplateUUID   Opt[string]                     `json:"template_uuid"`
	TemplateValues Opt[Strings]                    `json:"template_values"`
	OptinContact   Opt[bool]                       `json:"optin_contact"`
	AssignedUser   Opt[string]                     `json:"assigned_user"`
	TeamUUID       Opt[string]                     `json:"team_uuid"`
	BotStatus      Opt[string]                     `json:"bot_status"`
	Metadata       Opt[map[string]json.RawMessage] `json:"metadata"`
	Fields         Opt[string]                     `json:"fields"`
}

// InboundMessage is the body of POST /sandbox/v1/inbound: a customer writes.
type InboundMessage struct {
	From        Opt[string]         `json:"from"`
	Text        Opt[string]         `json:"text"`
	Type        Opt[string]         `json:"type"`
	Content     Opt[InboundContent] `json:"content"`
	ChannelUUID Opt[string]         `json:"channel_uuid"`
	BSUID       Opt[string]         `json:"bsuid"`
	Name        Opt[string]         `json:"name"`
	// ReplyTo names the message the customer answers (its uuid or wamid).
	ReplyTo   Opt[string] `json:"reply_to"`
	Forwarded Opt[bool]   `json:"forwarded"`
}

// InboundContent is the `content` of an inbound message: the text or media
// URL of a send, a point for a location, contact cards for contacts.
type InboundContent struct {
	Text      Opt[string]               `json:"text"`
	URL       Opt[string]               `json:"url"`
	Latitude  Opt[float64]              `json:"latitude"`
	Longitude Opt[float64]              `json:"longitude"`
	Contacts  Opt[[]InboundContactCard] `json:"contacts"`
}

// InboundContactCard is a contact card a customer shares.
type InboundContactCard struct {
	Name   Opt[string]         `json:"name"`
	Phones Opt[[]InboundPhone] `json:"phones"`
}

// InboundPhone is a number of a shared contact card.
type InboundPhone struct {
	Phone Opt[string] `json:"phone"`
	Type  Opt[string] `json:"type"`
}

// ForcedStatus is the body of POST /sandbox/v1/messages/:uuid/status.
type ForcedStatus struct {
	Status          Opt[string] `json:"status"`
	Reason          Opt[string] `json:"reason"`
	CorrectedNumber Opt[string] `json:"corrected_number"`
}

// ChannelChanges is the body of PATCH /channels/:uuid.
type ChannelChanges struct {
	Title Opt[string] `json:"title"`
}

// TeamChanges is the body of PATCH /teams/:uuid.
type TeamChanges struct {
	Name Opt[string] `json:"name"`
}

// TemplateChanges is the body of PATCH /templates/:uuid.
type TemplateChanges struct {
	Title Opt[string] `json:"title"`
}

// CustomStatusFields is the body of POST /custom_statuses (name required) and
// PUT /custom_statuses/:id (absent fields are left as they are).
type CustomStatusFields struct {
	Name  Opt[string] `json:"name"`
	Emoji Opt[string] `json:"emoji"`
}

// UserStatusChanges is the body of PUT /users/:uuid/status. A null or ""
// custom_status_uuid clears the custom status.
type UserStatusChanges struct {
	Available        Opt[bool]   `json:"available"`
	CustomStatusUUID Opt[string] `json:"custom_status_uuid"`
}
