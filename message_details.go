package openbell

import (
	"encoding/json"
	"strconv"
)

// MessageDetails are the optional objects a message may carry (API.md
// section 4, "Optional objects of message_created"), in Callbell's shapes and
// spelling. Each is nil when the message does not carry it. The struct is
// embedded in the listed message and in the message_created payload, so the
// two always show the same objects.
type MessageDetails struct {
	Location        *MessageLocation        `json:"messageLocation,omitempty"`
	ContactCard     *MessageContactCard     `json:"messageContactCard,omitempty"`
	Context         *MessageContext         `json:"mesageContext,omitempty"` // sic: Callbell's spelling
	Forward         *MessageForward         `json:"messageForward,omitempty"`
	ReplyButton     *MessageReplyButton     `json:"messageReplyButton,omitempty"`
	InteractiveList *MessageInteractiveList `json:"messageInteractiveList,omitempty"`
}

// Empty reports whether the message carries none of the objects.
func (d MessageDetails) Empty() bool { return d == MessageDetails{} }

// MessageLocation is a shared location: x is the latitude, y the longitude.
type MessageLocation struct {
	Coordinates        Coordinates `json:"coordinates"`
	GoogleMapsLocation string      `json:"googleMapsLocation"`
}

// Coordinates is the point of a MessageLocation.
type Coordinates struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// NewLocation returns the messageLocation of a point, with the URL of a map
// image centred on it (a URL only: openbell never fetches it).
func NewLocation(latitude, longitude float64) *MessageLocation {
	at := strconv.FormatFloat(latitude, 'f', -1, 64) + "," + strconv.FormatFloat(longitude, 'f', -1, 64)
	return &MessageLocation{
		Coordinates:        Coordinates{X: latitude, Y: longitude},
		GoogleMapsLocation: "https://maps.googleapis.com/maps/api/staticmap?center=" + at + "&zoom=15&size=400x400&markers=" + at,
	}
}

// ValidCoordinates reports whether latitude and longitude name a point.
func ValidCoordinates(latitude, longitude float64) bool {
	return latitude >= -90 && latitude <= 90 && longitude >= -180 && longitude <= 180
}

// MessageContactCard is one or more shared contact cards.
type MessageContactCard struct {
	ContactsInfo []ContactInfo `json:"contactsInfo"`
}

// ContactInfo is one shared contact card.
type ContactInfo struct {
	Name   string         `json:"name"`
	Phones []ContactPhone `json:"phones"`
}

// ContactPhone is a number of a shared contact card: digits; wa_id is ""
// when unknown.
type ContactPhone struct {
	Phone string `json:"phone"`
	WaID  string `json:"wa_id"`
	Type  string `json:"type"`
}

// DefaultPhoneType is the type of a shared number that names none.
const DefaultPhoneType = "MOBILE"

// MessageContext names the message this one replies to.
type MessageContext struct {
	Target    MessageTarget `json:"target"`
	Text      string        `json:"text"`
	CreatedAt T1            `json:"createdAt"`
	Status    string        `json:"status"`
}

// MessageTarget is the message a reply answers.
type MessageTarget struct {
	UUID string `json:"uuid"`
}

// ContextOf returns the mesageContext of a reply to m.
func ContextOf(m *Message) *MessageContext {
	return &MessageContext{Target: MessageTarget{UUID: m.UUID}, Text: m.Text, CreatedAt: T1(m.CreatedAt), Status: m.Kind}
}

// MessageForward marks a forwarded message.
type MessageForward struct {
	Forwarded bool `json:"forwarded"`
}

// MessageReplyButton is a quick-reply button message; on an inbound message,
// the customer's tap on a button.
type MessageReplyButton struct {
	Metadata ReplyButtonMetadata `json:"metadata"`
}

// ReplyButtonMetadata is the body of a MessageReplyButton.
type ReplyButtonMetadata struct {
	Type    string             `json:"type"`
	Content ReplyButtonContent `json:"content"`
	Options []ReplyOption      `json:"options"`
}

// ReplyButtonContent is the content of a quick-reply message.
type ReplyButtonContent struct {
	Text        string `json:"text"`
	Header      string `json:"header,omitempty"`
	Caption     string `json:"caption,omitempty"`
	URL         string `json:"url,omitempty"`
	Filename    string `json:"filename,omitempty"`
	ContentType string `json:"contentType,omitempty"`
}

// ReplyOption is a button of a quick-reply message.
type ReplyOption struct {
	Type         string `json:"type"`
	Title        string `json:"title"`
	PostbackURL  string `json:"postback_url"`
	PostbackText string `json:"postback_text"`
}

// ButtonReply returns the messageReplyButton of a customer's tap on the
// button titled title.
func ButtonReply(title string) *MessageReplyButton {
	return &MessageReplyButton{Metadata: ReplyButtonMetadata{
		Type:    "quick_reply",
		Content: ReplyButtonContent{Text: title},
		Options: []ReplyOption{{Type: "text", Title: title}},
	}}
}

// MessageInteractiveList is a list message; Metadata is a JSON-encoded
// string (Callbell sends it that way) of an InteractiveList.
type MessageInteractiveList struct {
	Metadata string `json:"metadata"`
}

// InteractiveList is what the metadata string of a MessageInteractiveList
// encodes.
type InteractiveList struct {
	Header   string        `json:"header"`
	Body     string        `json:"body"`
	Buttons  []ListButton  `json:"buttons"`
	Sections []ListSection `json:"sections"`
}

// ListButton is a button of a list message.
type ListButton struct {
	Title string `json:"title"`
}

// ListSection is a section of a list message.
type ListSection struct {
	Title    string     `json:"title"`
	Subtitle string     `json:"subtitle"`
	Items    []ListItem `json:"items"`
}

// ListItem is an entry of a list section.
type ListItem struct {
	Header      string `json:"header"`
	Description string `json:"description"`
}

// ListReply returns the messageInteractiveList of a customer's choice of the
// item titled choice.
func ListReply(choice string) *MessageInteractiveList {
	b, _ := json.Marshal(InteractiveList{
		Body:     choice,
		Buttons:  []ListButton{},
		Sections: []ListSection{{Items: []ListItem{{Header: choice}}}},
	})
	return &MessageInteractiveList{Metadata: string(b)}
}
