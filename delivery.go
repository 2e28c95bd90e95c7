package openbell

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
)

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

// DeliveryStatuses lists the delivery statuses of the contract, in the
// order a message takes them.
var DeliveryStatuses = []string{StatusEnqueued, StatusSent, StatusDelivered, StatusRead, StatusFailed, StatusMismatch, StatusDeleted}

// IsDeliveryStatus reports whether s is a status of the contract.
func IsDeliveryStatus(s string) bool { return slices.Contains(DeliveryStatuses, s) }

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
	case status == StatusEnqueued && strings.HasSuffix(destination, MagicStaysEnqueued):
		// Stuck until a status is forced; a forced later status moves on.
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

// Failure codes of the provider, in the `code` of a failed status.
const (
	// CodeNoWhatsApp: the number does not exist on WhatsApp.
	CodeNoWhatsApp = 1002
	// CodeTemplateMismatch: the template's parameters do not match it.
	CodeTemplateMismatch = 1008
	// CodeFailed: any other failure (a status forced in the sandbox).
	CodeFailed = 1001
)

// FailureCode is the provider's code of a failure reason.
func FailureCode(reason string) int {
	switch reason {
	case ReasonNoWhatsApp:
		return CodeNoWhatsApp
	case ReasonTemplateMismatch:
		return CodeTemplateMismatch
	}
	return CodeFailed
}

// MessageStatusPayload is the messageStatusPayload object: the raw status
// payload of the WhatsApp provider. The enqueued status names the
// provider's send (ID, a uuid36) and the WhatsApp message id; the later
// ones name the WhatsApp message (ID) and the send (GsID).
type MessageStatusPayload struct {
	ID          string        `json:"id"`
	GsID        string        `json:"gsId,omitempty"`
	Type        string        `json:"type"`
	Payload     StatusDetails `json:"payload"`
	Destination string        `json:"destination"`
}

// StatusDetails is the `payload` of a MessageStatusPayload: type and
// whatsappMessageId for enqueued; ts for the later statuses, with code and
// reason for failed and correctedNumber for mismatch.
type StatusDetails struct {
	Type              string `json:"type,omitempty"`
	WhatsappMessageID string `json:"whatsappMessageId,omitempty"`
	TS                int64  `json:"ts,omitempty"`
	Code              int    `json:"code,omitempty"`
	Reason            string `json:"reason,omitempty"`
	CorrectedNumber   string `json:"correctedNumber,omitempty"`
}

// SendRequestView is the MessageSendRequest object.
type SendRequestView struct {
	UUID                 string                `json:"uuid"`
	Status               string                `json:"status"`
	MessageStatusPayload *MessageStatusPayload `json:"messageStatusPayload"`
}

// ProviderIDs are the ids the WhatsApp provider gives one outbound message:
// its send (a uuid36) and the WhatsApp message id. They are derived from the
// message's uuid, so they stay the same for the whole life of the message
// without being stored.
func ProviderIDs(messageUUID string) (gsID, whatsappMessageID string) {
	g := sha256.Sum256([]byte("gs:" + messageUUID))
	g[6] = (g[6] & 0x0f) | 0x40
	g[8] = (g[8] & 0x3f) | 0x80
	w := sha256.Sum256([]byte("wa:" + messageUUID))
	return Dashed(hex.EncodeToString(g[:16])), "gBEG" + base64.RawURLEncoding.EncodeToString(w[:18])
}

// StatusPayload returns the messageStatusPayload of an outbound message in
// its current status.
func (m *Message) StatusPayload() *MessageStatusPayload {
	gsID, waID := ProviderIDs(m.UUID)
	if m.Status == StatusEnqueued {
		kind := "session"
		if m.TemplateID != "" {
			kind = "template"
		}
		return &MessageStatusPayload{ID: gsID, Type: StatusEnqueued, Destination: m.To,
			Payload: StatusDetails{Type: kind, WhatsappMessageID: waID}}
	}
	p := &MessageStatusPayload{ID: waID, GsID: gsID, Type: m.Status, Destination: m.To,
		Payload: StatusDetails{TS: m.StatusAt.Unix()}}
	switch m.Status {
	case StatusFailed:
		p.Payload.Code, p.Payload.Reason = FailureCode(m.StatusReason), m.StatusReason
	case StatusMismatch:
		p.Payload.CorrectedNumber = m.CorrectedNumber
	}
	return p
}

// SendRequest returns the MessageSendRequest object of an outbound message.
func (m *Message) SendRequest() SendRequestView {
	return SendRequestView{UUID: m.UUID, Status: m.Status, MessageStatusPayload: m.StatusPayload()}
}

// MessageCreatedPayload is the payload of message_created: no `type`, a T1
// createdAt (recorded production payloads have no milliseconds), and the
// optional objects the message carries.
type MessageCreatedPayload struct {
	UUID        string            `json:"uuid"`
	To          string            `json:"to"`
	From        string            `json:"from"`
	Text        string            `json:"text"`
	Status      string            `json:"status"`
	Channel     string            `json:"channel"`
	Contact     ContactView       `json:"contact"`
	CreatedAt   T1                `json:"createdAt"`
	Attachments []string          `json:"attachments,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	MessageDetails
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
		Contact: c, CreatedAt: T1(m.CreatedAt), Attachments: m.Attachments, Metadata: m.Metadata, MessageDetails: m.Details}
}

// StatusUpdatedPayload returns the message_status_updated payload of m in
// its current status, for contact view c.
func (m *Message) StatusUpdatedPayload(c ContactView) MessageStatusUpdatedPayload {
	return MessageStatusUpdatedPayload{UUID: m.UUID, Status: m.Status, Contact: c, Metadata: m.Metadata,
		MessageStatusPayload: m.StatusPayload()}
}
