package openbell

import (
	"encoding/json"
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

// NewContact is the body of POST /contacts.
type NewContact struct {
	Identifier   Opt[string]                     `json:"identifier"`
	Source       Opt[string]                     `json:"source"`
	Name         Opt[string]                     `json:"name"`
	Tags         Opt[[]string]                   `json:"tags"`
	CustomFields Opt[map[string]json.RawMessage] `json:"custom_fields"`
	AssignedUser Opt[string]                     `json:"assigned_user"`
	TeamUUID     Opt[string]                     `json:"team_uuid"`
	ChannelUUID  Opt[string]                     `json:"channel_uuid"`
	BotStatus    Opt[string]                     `json:"bot_status"`
	Note         Opt[string]                     `json:"note"`
}

// ContactChanges is the body of PATCH /contacts/:uuid. Absent fields are left
// as they are.
type ContactChanges struct {
	Name         Opt[string]                     `json:"name"`
	Tags         Opt[[]string]                   `json:"tags"`
	CustomFields Opt[map[string]json.RawMessage] `json:"custom_fields"`
	AssignedUser Opt[string]                     `json:"assigned_user"`
	UnassignUser Opt[bool]                       `json:"unassign_user"`
	TeamUUID     Opt[string]                     `json:"team_uuid"`
	BotStatus    Opt[string]                     `json:"bot_status"`
	Note         Opt[string]                     `json:"note"`
}

// ListContactsQuery is the query of GET /contacts, already parsed.
type ListContactsQuery struct {
	Page              int
	Source            string
	Tags              []string
	TeamUUID          string // canonical, "" for none
	IncludeFieldTypes bool
}
