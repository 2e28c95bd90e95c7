package openbell

import "strings"

// Delivery statuses of an outbound message's send request.
const (
	StatusEnqueued  = "enqueued"
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusFailed    = "failed"
	StatusMismatch  = "mismatch"
	StatusDeleted   = "deleted"
)

// IsDeliveryStatus reports whether s is a status of the contract.
func IsDeliveryStatus(s string) bool {
	switch s {
	case StatusEnqueued, StatusSent, StatusDelivered, StatusRead, StatusFailed, StatusMismatch, StatusDeleted:
		return true
	}
	return false
}

// FinalStatus reports whether nothing but a forced status moves a message
// out of s.
func FinalStatus(s string) bool {
	return s == StatusRead || s == StatusFailed || s == StatusMismatch || s == StatusDeleted
}

// Sandbox magic numbers: destinations whose digits end in these behave like
// test card numbers (API.md section 5).
const (
	MagicFails         = "0001"
	MagicNeverRead     = "0002"
	MagicMismatch      = "0003"
	MagicStaysEnqueued = "0004"
)

// ReasonNoWhatsApp is the failure reason of the MagicFails number.
const ReasonNoWhatsApp = "number does not exist on WhatsApp"

// ReasonTemplateMismatch is the failure reason of a template sent with the
// wrong number of values.
const ReasonTemplateMismatch = "template parameters do not match the template"

// Step is one simulated delivery step.
type Step struct {
	Status          string
	Reason          string
	CorrectedNumber string
}

// NextStep returns the step that follows status for a message to the
// destination digits; ok is false when the message moves no further.
// failReason, when set, makes the first step a failure.
func NextStep(status, destination, failReason string) (step Step, ok bool) {
	if FinalStatus(status) {
		return Step{}, false
	}
	switch {
	case strings.HasSuffix(destination, MagicStaysEnqueued):
		return Step{}, false
	case status == StatusEnqueued && failReason != "":
		return Step{Status: StatusFailed, Reason: failReason}, true
	case status == StatusEnqueued && strings.HasSuffix(destination, MagicFails):
		return Step{Status: StatusFailed, Reason: ReasonNoWhatsApp}, true
	case status == StatusEnqueued && strings.HasSuffix(destination, MagicMismatch):
		return Step{Status: StatusMismatch, CorrectedNumber: CorrectedNumber(destination)}, true
	case status == StatusEnqueued:
		return Step{Status: StatusSent}, true
	case status == StatusSent:
		return Step{Status: StatusDelivered}, true
	case status == StatusDelivered && strings.HasSuffix(destination, MagicNeverRead):
		return Step{}, false
	case status == StatusDelivered:
		return Step{Status: StatusRead}, true
	}
	return Step{}, false
}

// CorrectedNumber is the number a mismatch answer names: the destination with
// its last four digits replaced by 0000.
func CorrectedNumber(destination string) string {
	if len(destination) < 4 {
		return destination
	}
	return destination[:len(destination)-4] + "0000"
}

// MessageStatusPayload is the messageStatusPayload object.
type MessageStatusPayload struct {
	ID          string            `json:"id"`
	Type        string            `json:"type"`
	Payload     map[string]string `json:"payload"`
	Destination string            `json:"destination"`
}

// SendRequestView is the MessageSendRequest object.
type SendRequestView struct {
	UUID                 string                `json:"uuid"`
	Status               string                `json:"status"`
	MessageStatusPayload *MessageStatusPayload `json:"messageStatusPayload,omitempty"`
}

// StatusPayload returns the messageStatusPayload of an outbound message.
func (m *Message) StatusPayload() *MessageStatusPayload {
	p := &MessageStatusPayload{ID: m.UUID, Type: m.Status, Payload: map[string]string{}, Destination: m.To}
	switch m.Status {
	case StatusFailed:
		p.Payload["reason"] = m.StatusReason
	case StatusMismatch:
		p.Payload["correctedNumber"] = m.CorrectedNumber
	}
	return p
}

// SendRequest returns the MessageSendRequest object of an outbound message.
func (m *Message) SendRequest() SendRequestView {
	v := SendRequestView{UUID: m.UUID, Status: m.Status}
	if m.Status != StatusEnqueued {
		v.MessageStatusPayload = m.StatusPayload()
	}
	return v
}

// MessageCreatedPayload is the payload of message_created: no `type`, a T3
// createdAt.
type MessageCreatedPayload struct {
	UUID        string            `json:"uuid"`
	To          string            `json:"to"`
	From        string            `json:"from"`
	Text        string            `json:"text"`
	Status      string            `json:"status"`
	Channel     string            `json:"channel"`
	Contact     ContactView       `json:"contact"`
	CreatedAt   T3                `json:"createdAt"`
	Attachments []string          `json:"attachments,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// MessageStatusUpdatedPayload is the payload of message_status_updated.
type MessageStatusUpdatedPayload struct {
	UUID                 string                `json:"uuid"`
	Status               string                `json:"status"`
	Contact              ContactView           `json:"contact"`
	Metadata             map[string]string     `json:"metadata,omitempty"`
	MessageStatusPayload *MessageStatusPayload `json:"messageStatusPayload"`
}

// CreatedPayload returns the message_created payload of m for contact view c.
func (m *Message) CreatedPayload(c ContactView) MessageCreatedPayload {
	return MessageCreatedPayload{UUID: m.UUID, To: m.To, From: m.From, Text: m.Text, Status: m.Kind, Channel: m.Channel,
		Contact: c, CreatedAt: T3(m.CreatedAt), Attachments: m.Attachments, Metadata: m.Metadata}
}
