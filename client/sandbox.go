package client

import (
	"context"
	"time"
)

// Sandbox calls openbell's sandbox (API.md section 5): the routes under
// /sandbox/v1 that play the customer and the network. Callbell has none of
// them (its answers are ErrNotFound).
type Sandbox struct{ c *Client }

// Sandbox returns the sandbox of the client's server.
func (c *Client) Sandbox() *Sandbox { return &Sandbox{c} }

// InboundMessage is what a customer writes.
type InboundMessage struct {
	// From is the customer: a phone number or platform id.
	From string `json:"from"`
	Text string `json:"text,omitempty"`
	// Type is text (the default), image, document, audio, video, sticker,
	// location, contacts, button_reply or list_reply.
	Type    string          `json:"type,omitempty"`
	Content *InboundContent `json:"content,omitempty"`
	// ChannelUUID is the channel written to; default the main WhatsApp
	// channel.
	ChannelUUID string `json:"channel_uuid,omitempty"`
	BSUID       string `json:"bsuid,omitempty"`
	// Name is the name of a new contact.
	Name string `json:"name,omitempty"`
	// ReplyTo is the uuid or wamid of the message the customer answers.
	ReplyTo   string `json:"reply_to,omitempty"`
	Forwarded bool   `json:"forwarded,omitempty"`
}

// InboundContent is the content of an inbound message of a type other than
// text: URL for media, Latitude and Longitude for a location, Contacts for
// contact cards, Text for a button or list reply.
type InboundContent struct {
	Text      string        `json:"text,omitempty"`
	URL       string        `json:"url,omitempty"`
	Latitude  *float64      `json:"latitude,omitempty"`
	Longitude *float64      `json:"longitude,omitempty"`
	Contacts  []InboundCard `json:"contacts,omitempty"`
}

// InboundCard is a contact card a customer shares.
type InboundCard struct {
	Name   string         `json:"name"`
	Phones []InboundPhone `json:"phones"`
}

// InboundPhone is a number of a shared contact card.
type InboundPhone struct {
	Phone string `json:"phone"`
	Type  string `json:"type,omitempty"`
}

// Inbound makes a customer write: it answers the stored message and its
// contact (created when new).
func (s *Sandbox) Inbound(ctx context.Context, m InboundMessage) (*Message, *Contact, error) {
	var out struct {
		Message Message `json:"message"`
		Contact Contact `json:"contact"`
	}
	if err := s.c.do(ctx, call{method: "POST", path: "/inbound", body: m, sandbox: true}, &out); err != nil {
		return nil, nil, err
	}
	return &out.Message, &out.Contact, nil
}

// ForcedStatus is a delivery status to force.
type ForcedStatus struct {
	Status string `json:"status"`
	// Reason is the failure reason of StatusFailed.
	Reason string `json:"reason,omitempty"`
	// CorrectedNumber is the number of StatusMismatch.
	CorrectedNumber string `json:"corrected_number,omitempty"`
}

// ForceStatus moves an outbound message to a delivery status.
func (s *Sandbox) ForceStatus(ctx context.Context, messageUUID string, st ForcedStatus) (*MessageStatus, error) {
	var out struct {
		Message MessageStatus `json:"message"`
	}
	if err := s.c.do(ctx, call{method: "POST", path: "/messages/" + pathID(messageUUID) + "/status", body: st, sandbox: true}, &out); err != nil {
		return nil, err
	}
	return &out.Message, nil
}

// Clock is the account's clock.
type Clock struct {
	Now time.Time `json:"now"`
	// Offset is how far it is ahead of the server's clock.
	Offset time.Duration `json:"-"`
}

func (s *Sandbox) clock(ctx context.Context, cl call) (*Clock, error) {
	var out struct {
		Now           time.Time `json:"now"`
		OffsetSeconds int64     `json:"offset_seconds"`
	}
	cl.sandbox = true
	if err := s.c.do(ctx, cl, &out); err != nil {
		return nil, err
	}
	return &Clock{Now: out.Now, Offset: time.Duration(out.OffsetSeconds) * time.Second}, nil
}

// Clock reads the account's clock.
func (s *Sandbox) Clock(ctx context.Context) (*Clock, error) {
	return s.clock(ctx, call{method: "GET", path: "/clock", safe: true})
}

// AdvanceClock moves the account's clock forward by d (whole seconds).
func (s *Sandbox) AdvanceClock(ctx context.Context, d time.Duration) (*Clock, error) {
	return s.clock(ctx, call{method: "POST", path: "/clock", body: map[string]int64{"advance_seconds": int64(d / time.Second)}})
}

// Agent session actions of AgentSession.
const (
	UserLoggedIn    = "user_logged_in"
	UserLoggedOut   = "user_logged_out"
	SystemLoggedOut = "system_logged_out"
)

// AgentSession logs a user in or out (UserLoggedIn, ...), firing
// agent_session_updated.
func (s *Sandbox) AgentSession(ctx context.Context, userUUID, action string) (*AgentSessionUpdated, error) {
	var out AgentSessionUpdated
	if err := s.c.do(ctx, call{method: "POST", path: "/users/" + pathID(userUUID) + "/session", body: map[string]string{"action": action}, sandbox: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SetTeamMember adds a user to a team (add true) or removes one, firing
// team_membership_updated when that changed something; changed reports
// whether it did.
func (s *Sandbox) SetTeamMember(ctx context.Context, teamUUID, userUUID string, add bool) (ev *TeamMembershipUpdated, changed bool, err error) {
	action := "remove"
	if add {
		action = "add"
	}
	var out struct {
		TeamMembershipUpdated
		Changed bool `json:"changed"`
	}
	err = s.c.do(ctx, call{method: "POST", path: "/teams/" + pathID(teamUUID) + "/members",
		body: map[string]string{"user_uuid": userUUID, "action": action}, sandbox: true}, &out)
	if err != nil {
		return nil, false, err
	}
	return &out.TeamMembershipUpdated, out.Changed, nil
}

// Fault is a rule that makes matching /v1 requests fail: answered with
// Status (and the error body that status has elsewhere) after Delay.
type Fault struct {
	// ID is set by the server.
	ID int `json:"id,omitempty"`
	// Method limits the rule to one method ("" for any).
	Method string `json:"method,omitempty"`
	// PathPrefix selects the requests whose path starts with it, such as
	// "/v1/messages/send".
	PathPrefix string `json:"path_prefix"`
	// Status is the error status (400 to 599), or 0 for a delay only.
	Status int `json:"status"`
	// Probability is the share of matching requests that fail, 0 to 1
	// (the server reads 0 here as 1).
	Probability float64 `json:"probability,omitempty"`
	DelayMS     int     `json:"delay_ms,omitempty"`
	// Count fails this many requests, then drops the rule; 0 for no limit.
	Count int `json:"count,omitempty"`
}

// AddFault adds a fault rule (first match wins).
func (s *Sandbox) AddFault(ctx context.Context, f Fault) (*Fault, error) {
	return one[Fault](ctx, s.c, call{method: "POST", path: "/faults", body: f, sandbox: true}, "fault")
}

// Faults lists the fault rules in match order.
func (s *Sandbox) Faults(ctx context.Context) ([]Fault, error) {
	var out struct {
		Faults []Fault `json:"faults"`
	}
	if err := s.c.do(ctx, call{method: "GET", path: "/faults", safe: true, sandbox: true}, &out); err != nil {
		return nil, err
	}
	return out.Faults, nil
}

// ClearFaults removes every fault rule.
func (s *Sandbox) ClearFaults(ctx context.Context) error {
	return s.c.do(ctx, call{method: "DELETE", path: "/faults", safe: true, sandbox: true}, nil)
}

// Reset puts the account back to its state at creation (the demo
// workspace, or its fixture), deleting everything else of it; the token
// stays valid.
func (s *Sandbox) Reset(ctx context.Context) error {
	return s.c.do(ctx, call{method: "POST", path: "/reset", safe: true, sandbox: true}, nil)
}
