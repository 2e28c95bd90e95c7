package client

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhook event names (API.md section 4).
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

// AllEvents lists every event name.
var AllEvents = []string{
	EventContactCreated, EventContactUpdated, EventContactDeleted, EventConversationOpened, EventConversationClosed,
	EventMessageCreated, EventMessageStatusUpdated, EventAgentStatusUpdated, EventAgentSessionUpdated, EventTeamMembershipUpdated,
}

// Event is a decoded webhook event: one of *ContactCreated,
// *ContactUpdated, *ContactDeleted, *ConversationOpened,
// *ConversationClosed, *MessageCreated, *MessageStatusUpdated,
// *AgentStatusUpdated, *AgentSessionUpdated, *TeamMembershipUpdated, or
// *UnknownEvent for a name this client does not know.
type Event interface {
	// EventName is the event's name (EventContactCreated, ...).
	EventName() string
}

// ContactCreated: a contact was created (through the API, an inbound
// message or a send to a new number).
type ContactCreated struct{ Contact }

// ContactUpdated: a contact changed.
type ContactUpdated struct{ Contact }

// ContactDeleted: a contact was deleted.
type ContactDeleted struct {
	UUID    string    `json:"uuid"`
	Deleted time.Time `json:"deleted"`
}

// ConversationOpened: a conversation started or was reopened.
type ConversationOpened struct {
	Source    string    `json:"source"`
	Href      string    `json:"href"`
	CreatedAt time.Time `json:"createdAt"`
	Contact   Contact   `json:"contact"`
}

// ConversationClosed: a conversation was closed.
type ConversationClosed struct {
	Source        string    `json:"source"`
	Href          string    `json:"href"`
	CreatedAt     time.Time `json:"createdAt"`
	ClosedAt      time.Time `json:"closedAt"`
	ClosingReason *string   `json:"closingReason"`
	Contact       Contact   `json:"contact"`
}

// MessageCreated: a message was received (Status "received") or sent
// ("sent").
type MessageCreated struct {
	UUID        string            `json:"uuid"`
	To          string            `json:"to"`
	From        string            `json:"from"`
	Text        string            `json:"text"`
	Status      string            `json:"status"`
	Channel     string            `json:"channel"`
	Contact     Contact           `json:"contact"`
	CreatedAt   time.Time         `json:"createdAt"`
	Attachments []string          `json:"attachments,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	MessageDetails
}

// MessageStatusUpdated: an outbound message got a delivery status.
type MessageStatusUpdated struct {
	UUID     string            `json:"uuid"`
	Status   string            `json:"status"`
	Contact  Contact           `json:"contact"`
	Metadata map[string]string `json:"metadata,omitempty"`
	Payload  *StatusPayload    `json:"messageStatusPayload"`
}

// AgentStatusUpdated: a user's availability or custom status changed.
type AgentStatusUpdated struct{ TeamMember }

// AgentSessionUpdated: a user logged in or out.
type AgentSessionUpdated struct {
	// Action is UserLoggedIn, UserLoggedOut or SystemLoggedOut.
	Action string     `json:"action"`
	User   TeamMember `json:"user"`
}

// TeamMembershipUpdated: a user was added to a team (Reason
// "agent_added") or removed from one ("agent_removed").
type TeamMembershipUpdated struct {
	Team         Team       `json:"team"`
	User         TeamMember `json:"user"`
	Reason       string     `json:"reason"`
	LastUpdateAt time.Time  `json:"lastUpdateAt"`
}

// UnknownEvent is an event of a name this client does not know.
type UnknownEvent struct {
	Name    string
	Payload json.RawMessage
}

func (*ContactCreated) EventName() string        { return EventContactCreated }
func (*ContactUpdated) EventName() string        { return EventContactUpdated }
func (*ContactDeleted) EventName() string        { return EventContactDeleted }
func (*ConversationOpened) EventName() string    { return EventConversationOpened }
func (*ConversationClosed) EventName() string    { return EventConversationClosed }
func (*MessageCreated) EventName() string        { return EventMessageCreated }
func (*MessageStatusUpdated) EventName() string  { return EventMessageStatusUpdated }
func (*AgentStatusUpdated) EventName() string    { return EventAgentStatusUpdated }
func (*AgentSessionUpdated) EventName() string   { return EventAgentSessionUpdated }
func (*TeamMembershipUpdated) EventName() string { return EventTeamMembershipUpdated }
func (e *UnknownEvent) EventName() string        { return e.Name }

// DecodeEvent decodes a webhook body, {"event": name, "payload": {...}},
// without checking its signature (ParseWebhook does).
func DecodeEvent(body []byte) (Event, error) {
	var b struct {
		Event   string          `json:"event"`
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("client: webhook body: %w", err)
	}
	var ev Event
	switch b.Event {
	case EventContactCreated:
		ev = &ContactCreated{}
	case EventContactUpdated:
		ev = &ContactUpdated{}
	case EventContactDeleted:
		ev = &ContactDeleted{}
	case EventConversationOpened:
		ev = &ConversationOpened{}
	case EventConversationClosed:
		ev = &ConversationClosed{}
	case EventMessageCreated:
		ev = &MessageCreated{}
	case EventMessageStatusUpdated:
		ev = &MessageStatusUpdated{}
	case EventAgentStatusUpdated:
		ev = &AgentStatusUpdated{}
	case EventAgentSessionUpdated:
		ev = &AgentSessionUpdated{}
	case EventTeamMembershipUpdated:
		ev = &TeamMembershipUpdated{}
	default:
		return &UnknownEvent{Name: b.Event, Payload: b.Payload}, nil
	}
	if err := json.Unmarshal(b.Payload, ev); err != nil {
		return nil, fmt.Errorf("client: %s payload: %w", b.Event, err)
	}
	return ev, nil
}

// Errors of ParseWebhook.
var (
	// ErrNoSignature: the delivery carries neither X-Callbell-Signature nor
	// webhook-signature.
	ErrNoSignature = errors.New("client: webhook delivery is not signed")
	// ErrBadSignature: a signature does not match the body and the secret.
	ErrBadSignature = errors.New("client: webhook signature does not match")
	// ErrStaleWebhook: the signed time is outside the tolerance (a replay,
	// or clocks far apart).
	ErrStaleWebhook = errors.New("client: webhook timestamp outside the tolerance")
)

// Delivery is a verified webhook delivery.
type Delivery struct {
	// ID is the webhook-id header: the same on every attempt of one event,
	// to de-duplicate (openbell; "" from Callbell).
	ID string
	// Timestamp is the signed time of the attempt.
	Timestamp time.Time
	// Event is the decoded event.
	Event Event
}

// WebhookOption configures ParseWebhook.
type WebhookOption func(*webhookCheck)

type webhookCheck struct {
	tolerance time.Duration
	now       func() time.Time
}

// WithTolerance sets how far the signed time may be from now (default 5
// minutes).
func WithTolerance(d time.Duration) WebhookOption { return func(w *webhookCheck) { w.tolerance = d } }

// WithNow sets the clock the tolerance is measured with.
func WithNow(now func() time.Time) WebhookOption { return func(w *webhookCheck) { w.now = now } }

// maxWebhookBody bounds what ParseWebhookRequest reads.
const maxWebhookBody = 4 << 20

// ParseWebhookRequest reads a delivery from r (at most 4 MiB of body) and
// returns ParseWebhook's result.
func ParseWebhookRequest(r *http.Request, secret string, opts ...WebhookOption) (*Delivery, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody))
	if err != nil {
		return nil, err
	}
	return ParseWebhook(r.Header, body, secret, opts...)
}

// ParseWebhook verifies a webhook delivery with the webhook's secret
// (`whsec_…`, from Subscribe) and decodes its event. Every signature
// scheme present must verify, and at least one must be present:
// X-Callbell-Signature (`t=<unix>,v1=<hex HMAC-SHA256 of "t.body" keyed
// with the whole secret>`, Callbell's) and the Standard Webhooks headers
// webhook-id, webhook-timestamp and webhook-signature (`v1,<base64
// HMAC-SHA256 of "id.timestamp.body">` keyed with the base64-decoded part
// after `whsec_`, openbell's extension). The signed time must be within
// the tolerance of now, so that a captured delivery cannot be replayed
// later.
func ParseWebhook(header http.Header, body []byte, secret string, opts ...WebhookOption) (*Delivery, error) {
	chk := webhookCheck{tolerance: 5 * time.Minute, now: time.Now}
	for _, o := range opts {
		o(&chk)
	}
	var at time.Time
	checked := false
	if sig := header.Get("X-Callbell-Signature"); sig != "" {
		t, err := verifyCallbell(sig, body, secret)
		if err != nil {
			return nil, err
		}
		at, checked = t, true
	}
	if sig := header.Get("webhook-signature"); sig != "" {
		t, err := verifyStandard(header.Get("webhook-id"), header.Get("webhook-timestamp"), sig, body, secret)
		if err != nil {
			return nil, err
		}
		at, checked = t, true
	}
	if !checked {
		return nil, ErrNoSignature
	}
	if d := chk.now().Sub(at); d > chk.tolerance || d < -chk.tolerance {
		return nil, ErrStaleWebhook
	}
	ev, err := DecodeEvent(body)
	if err != nil {
		return nil, err
	}
	return &Delivery{ID: header.Get("webhook-id"), Timestamp: at, Event: ev}, nil
}

func verifyCallbell(header string, body []byte, secret string) (time.Time, error) {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	at, err := unixTime(ts)
	if err != nil || len(sigs) == 0 {
		return time.Time{}, ErrBadSignature
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, s := range sigs {
		if got, err := hex.DecodeString(s); err == nil && hmac.Equal(got, want) {
			return at, nil
		}
	}
	return time.Time{}, ErrBadSignature
}

func verifyStandard(id, ts, header string, body []byte, secret string) (time.Time, error) {
	at, err := unixTime(ts)
	if err != nil || id == "" {
		return time.Time{}, ErrBadSignature
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return time.Time{}, fmt.Errorf("client: webhook secret is not whsec_<base64>: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	// Several signatures may come, space-separated (during a key rotation).
	for _, s := range strings.Fields(header) {
		version, sig, _ := strings.Cut(s, ",")
		if version != "v1" {
			continue
		}
		if got, err := base64.StdEncoding.DecodeString(sig); err == nil && hmac.Equal(got, want) {
			return at, nil
		}
	}
	return time.Time{}, ErrBadSignature
}

func unixTime(s string) (time.Time, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(n, 0).UTC(), nil
}
