package openbell

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"slices"
	"time"
	"unicode/utf8"
)

// EventNames lists the event names of section 4 of the contract, in its order.
var EventNames = []string{
	EventContactCreated, EventContactUpdated, EventContactDeleted,
	EventConversationOpened, EventConversationClosed,
	EventMessageCreated, EventMessageStatusUpdated,
	EventAgentStatusUpdated, EventAgentSessionUpdated, EventTeamMembershipUpdated,
}

// IsEventName reports whether name is an event of the contract.
func IsEventName(name string) bool { return slices.Contains(EventNames, name) }

// WebhookSecretPrefix starts every webhook secret.
const WebhookSecretPrefix = "whsec_"

// NewWebhookSecret returns a new secret: "whsec_" and the base64 of 32 random
// bytes.
func NewWebhookSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return WebhookSecretPrefix + base64.StdEncoding.EncodeToString(b[:])
}

// Webhook is an account's one webhook subscription.
type Webhook struct {
	AccountID     ID
	URL           string
	Subscriptions []string // event names, in the order given
	Enabled       bool
	// SealedSecret is the secret as stored: encrypted with the server's key.
	// Secret is the plain secret, filled only where it is needed (the answer
	// to subscribe, signing); it is never stored nor logged.
	SealedSecret string
	Secret       string
	// FailingSince is the time of the first failed attempt after the last
	// success (zero while deliveries succeed): the clock of automatic
	// disabling.
	FailingSince time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Subscribed reports whether the webhook subscribes to the event name.
func (w *Webhook) Subscribed(name string) bool { return slices.Contains(w.Subscriptions, name) }

// WebhookView is the Webhook object; Secret only in the answer to subscribe.
type WebhookView struct {
	URL           string   `json:"url"`
	Subscriptions []string `json:"subscriptions"`
	Enabled       bool     `json:"enabled"`
	CreatedAt     T2       `json:"createdAt"`
	Secret        string   `json:"secret,omitempty"`
}

// View returns the Webhook object of w, with the secret when withSecret.
func (w *Webhook) View(withSecret bool) WebhookView {
	v := WebhookView{URL: w.URL, Subscriptions: w.Subscriptions, Enabled: w.Enabled, CreatedAt: T2(w.CreatedAt)}
	if v.Subscriptions == nil {
		v.Subscriptions = []string{}
	}
	if withSecret {
		v.Secret = w.Secret
	}
	return v
}

// WebhookSubscription is the body of POST /webhooks/subscribe. Subscriptions
// is an array of names or one comma-separated string, so it stays raw until
// the operation reads it.
type WebhookSubscription struct {
	URL           Opt[string]          `json:"url"`
	Subscriptions Opt[json.RawMessage] `json:"subscriptions"`
}

// WebhookBody is the body POSTed for an event: {"event": name, "payload":
// payload}. It is built once, when the delivery is queued, and sent byte for
// byte on every attempt.
func WebhookBody(name string, payload []byte) []byte {
	n, _ := json.Marshal(name)
	b := make([]byte, 0, len(payload)+len(n)+24)
	b = append(b, `{"event":`...)
	b = append(b, n...)
	b = append(b, `,"payload":`...)
	b = append(b, payload...)
	return append(b, '}')
}

// WebhookDelivery is a queued event as the delivery worker claims it: the
// oldest pending delivery of its stream (a contact, or the account's events
// about no contact), with the account's webhook as it is now.
type WebhookDelivery struct {
	ID        int64
	StreamID  int64
	AccountID ID
	// Stream is the contact whose events the delivery's stream orders.
	Stream ID
	// MessageID is the webhook-id header: stable across retries, unique per
	// event, for receivers to de-duplicate.
	MessageID string
	Event     string
	Body      []byte
	Attempts  int // attempts made so far
	Failures  int // failed attempts in the current retry schedule
	CreatedAt time.Time
	Webhook   Webhook
	// ClockOffset is how far the account's sandbox clock is ahead of the
	// server's: an attempt is logged at the account's time.
	ClockOffset time.Duration
}

// Delivery outcomes, which the worker decides and the store records.
const (
	// DeliveryDelivered: a 2xx answer. The stream moves on.
	DeliveryDelivered = "delivered"
	// DeliveryRetry: a failed attempt with retries left; tried again at
	// NextAttemptAt.
	DeliveryRetry = "retry"
	// DeliveryFailed: a failed attempt with the schedule exhausted; the
	// delivery is given up and the stream moves on.
	DeliveryFailed = "failed"
	// DeliveryGone: 410 Gone. The webhook is disabled at once; the delivery
	// stays pending for the next subscribe.
	DeliveryGone = "gone"
	// DeliveryCancelled: the webhook no longer subscribes to the event; it is
	// dropped unsent.
	DeliveryCancelled = "cancelled"
	// DeliveryReleased: the attempt did not happen (shutdown); the claim is
	// given back and nothing is recorded.
	DeliveryReleased = "released"
)

// DeliveryResult is what became of one claimed delivery.
type DeliveryResult struct {
	Delivery WebhookDelivery
	Outcome  string
	// At is when the attempt was made.
	At time.Time
	// Attempt is the log entry of the attempt (unused for cancelled and
	// released outcomes).
	Attempt WebhookAttempt
	// NextAttemptAt is when a DeliveryRetry is due.
	NextAttemptAt time.Time
	// DisableBefore, when set, disables the webhook when it has been failing
	// since this time or earlier (the --webhook-disable-after rule).
	DisableBefore time.Time
}

// WebhookAttempt is one recorded delivery attempt: an entry of GET
// /webhooks/events.
type WebhookAttempt struct {
	ID         int64
	AccountID  ID
	DeliveryID int64
	MessageID  string
	Event      string
	Payload    []byte // filled on reads, from the stored body
	Attempt    int    // 1 for the first attempt of the delivery
	Success    bool
	// Code is the HTTP status of the answer, 0 when none arrived (Error says
	// why).
	Code            int
	ResponseBody    string // at most MaxWebhookResponseBody bytes
	ResponseHeaders map[string]string
	Error           string
	Duration        time.Duration
	CreatedAt       time.Time
}

// MaxWebhookResponseBody is how much of a receiver's answer is kept.
const MaxWebhookResponseBody = 4096

// WebhookAttemptFilter selects entries of GET /webhooks/events.
type WebhookAttemptFilter struct {
	Success *bool    // nil for both
	Events  []string // event names; empty for all
	Offset  int
	Limit   int
}

// WebhookEventsQuery is the query of GET /webhooks/events, already parsed.
type WebhookEventsQuery struct {
	Page   int
	Items  int
	Status string   // "", "success" or "failed"
	Events []string // the `subscriptions` filter
}

// WebhookResponseView is the `response` of a WebhookEvent. Body is the
// receiver's answer as JSON when it is JSON, else its text; without an
// answer, Body and Headers are {} and Code is null.
type WebhookResponseView struct {
	Body    json.RawMessage   `json:"body"`
	Code    *int              `json:"code"`
	Headers map[string]string `json:"headers"`
}

// WebhookEventView is the WebhookEvent object.
type WebhookEventView struct {
	ID         string              `json:"id"`
	Event      string              `json:"event"`
	Payload    json.RawMessage     `json:"payload"`
	Response   WebhookResponseView `json:"response"`
	Success    bool                `json:"success"`
	CreatedAt  T1                  `json:"createdAt"`
	Attempt    int                 `json:"attempt"`
	DurationMs int64               `json:"durationMs"`
	Error      *string             `json:"error"`
}

// View returns the WebhookEvent object of a.
func (a *WebhookAttempt) View() WebhookEventView {
	v := WebhookEventView{ID: a.MessageID, Event: a.Event, Payload: a.Payload, Success: a.Success,
		CreatedAt: T1(a.CreatedAt), Attempt: a.Attempt, DurationMs: a.Duration.Milliseconds(), Error: strOrNil(a.Error)}
	if len(v.Payload) == 0 {
		v.Payload = json.RawMessage("null")
	}
	v.Response = WebhookResponseView{Body: json.RawMessage("{}"), Headers: map[string]string{}}
	if a.Code != 0 {
		code := a.Code
		v.Response.Code, v.Response.Body = &code, responseBodyJSON(a.ResponseBody)
		if a.ResponseHeaders != nil {
			v.Response.Headers = a.ResponseHeaders
		}
	}
	return v
}

// responseBodyJSON is a receiver's answer as the value of `response.body`:
// the answer itself when it is JSON (an object stays an object), else the
// JSON string of its text. A body cut at MaxWebhookResponseBody is seldom
// JSON any more, and then shows as text.
func responseBodyJSON(body string) json.RawMessage {
	if utf8.ValidString(body) && json.Valid([]byte(body)) {
		return json.RawMessage(body)
	}
	b, _ := json.Marshal(body)
	return b
}

// WebhookPayload returns the payload of a body built by WebhookBody.
func WebhookPayload(body []byte) json.RawMessage {
	var b struct {
		Payload json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(body, &b) != nil {
		return nil
	}
	return b.Payload
}
