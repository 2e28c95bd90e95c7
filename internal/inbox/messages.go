package inbox

import (
	"context"
	"encoding/json"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// Message types of POST /messages/send and inbound messages.
var messageTypes = []string{"text", "image", "document", "audio", "video"}

const (
	// idempotencyTTL is how long an Idempotency-Key is remembered.
	idempotencyTTL = 24 * time.Hour
	// window is the WhatsApp customer service window.
	window = 24 * time.Hour
)

// SendResult is the answer of POST /messages/send.
type SendResult struct {
	Message SendAck `json:"message"`
}

// SendAck is the `message` of a send answer; with `fields`, the contact
// and the conversation go inside it, as Callbell's examples show.
type SendAck struct {
	UUID         string            `json:"uuid"`
	Status       string            `json:"status"`
	Contact      *SendContact      `json:"contact,omitempty"`
	Conversation *SendConversation `json:"conversation,omitempty"`
}

// SendContact is the `contact` a send adds with fields=contact.
type SendContact struct {
	UUID  string  `json:"uuid"`
	Name  string  `json:"name"`
	Phone *string `json:"phone"`
	Email *string `json:"email"`
}

// SendConversation is the `conversation` a send adds with fields=conversation.
type SendConversation struct {
	Source    string `json:"source"`
	Href      string `json:"href"`
	CreatedAt ob.T1  `json:"createdAt"`
}

// Idempotency names a send's Idempotency-Key and the hash of its body.
type Idempotency struct {
	Key, BodyHash string
}

// SendMessage validates and stores an outbound message, creating the
// recipient's contact when new, and schedules its delivery. It returns the
// JSON answer: with an Idempotency-Key seen before (same body), the first
// answer, and nothing is sent again.
func (s *Service) SendMessage(ctx context.Context, accountID ob.ID, in ob.SendMessage, idem Idempotency) ([]byte, error) {
	metadata, err := checkMetadata(in.Metadata)
	if err != nil {
		return nil, err
	}
	var answer []byte
	scheduled := false
	err = s.store.Write(ctx, func(tx store.Tx) error {
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return err
		}
		if idem.Key != "" {
			hash, resp, err := tx.IdempotentResponse(accountID, idem.Key, s.now().Add(-idempotencyTTL))
			if err == nil {
				if hash != idem.BodyHash {
					return ob.Invalid("Idempotency-Key", "was used with a different request")
				}
				answer = resp
				return nil
			} else if ob.ErrorCode(err) != ob.ENOTFOUND {
				return err
			}
		}
		res, due, err := s.send(tx, accountID, actor(ctx), in, metadata, now)
		if err != nil {
			return err
		}
		scheduled = due
		if answer, err = json.Marshal(res); err != nil {
			return err
		}
		if idem.Key != "" {
			return tx.SaveIdempotentResponse(accountID, idem.Key, idem.BodyHash, answer, s.now(), s.now().Add(-idempotencyTTL))
		}
		return nil
	})
	if scheduled && err == nil {
		s.signalScheduled()
	}
	return answer, err
}

// send is SendMessage inside its transaction.
func (s *Service) send(tx store.Tx, accountID, author ob.ID, in ob.SendMessage, metadata map[string]string, now time.Time) (*SendResult, bool, error) {
	v := ob.NewValidation(ob.EINVALID)
	ch, err := s.sendChannel(tx, accountID, in, v)
	if err != nil {
		return nil, false, err
	}
	kind, _ := in.Type.Value()
	if kind == "" {
		kind = "text"
	}
	content, _ := in.Content.Value()
	text, _ := content.Text.Value()
	mediaURL, _ := content.URL.Value()
	v.MaxLength("content.text", text, ob.MaxMessageText) // the text, a caption, or what fills a template
	if !slices.Contains(messageTypes, kind) {
		v.Add("type", "must be one of "+strings.Join(messageTypes, ", "))
	}
	var tpl *ob.Template
	if raw, ok := in.TemplateUUID.Value(); ok && raw != "" {
		tpl, err = lookup(raw, func(id ob.ID) (*ob.Template, error) { return tx.TemplateByID(accountID, id) })
		switch {
		case ob.ErrorCode(err) == ob.ENOTFOUND:
			v.Add("template_uuid", "unknown template: "+raw)
		case err != nil:
			return nil, false, err
		case tpl.Status != "approved":
			v.Add("template_uuid", "template is not approved (status "+tpl.Status+")")
		}
		if optin, _ := in.OptinContact.Value(); !optin {
			v.Add("optin_contact", "must be true to send a template")
		}
	}
	fields, ferr := sendFields(in.Fields)
	if ferr != "" {
		v.Add("fields", ferr)
	}
	switch {
	case tpl != nil && tpl.Type != "" && tpl.Type != "text":
		if v.MaxLength("content.url", mediaURL, ob.MaxURL) && !absoluteURL(mediaURL) {
			v.Add("content.url", "must be an absolute http or https URL for a "+tpl.Type+" template")
		}
	case tpl != nil:
	case kind == "text":
		if ob.IsBlank(text) {
			v.Add("content.text", "can't be blank")
		}
	default:
		if v.MaxLength("content.url", mediaURL, ob.MaxURL) && !absoluteURL(mediaURL) {
			v.Add("content.url", "must be an absolute http or https URL")
		}
	}
	c, _, err := s.recipient(tx, accountID, ch, in, v, now)
	if err != nil {
		return nil, false, err
	}
	if err := v.Err(); err != nil {
		return nil, false, err
	}
	m := &ob.Message{
		AccountID: accountID, ContactID: c.ID, UUID: ob.NewID(), Kind: ob.MessageSent, Text: text,
		Channel: ch.Type, From: channelAddress(ch), To: messageAddress(c), CreatedAt: now,
		Metadata: metadata, Status: ob.StatusEnqueued, StatusAt: now, AuthorID: author,
	}
	if tpl != nil {
		m.TemplateID = tpl.ID
		values, given := in.TemplateValues.Value()
		if !given && text != "" && placeholderCount(tpl.Text) > 0 {
			values = []string{text}
		}
		m.Text = fillTemplate(tpl.Text, values)
		if ob.Longer(m.Text, ob.MaxMessageText) {
			field := "content.text"
			if given {
				field = "template_values"
			}
			return nil, false, ob.Invalid(field, "the filled template "+ob.TooLong(ob.MaxMessageText))
		}
		if len(values) != placeholderCount(tpl.Text) {
			m.FailReason = ob.ReasonTemplateMismatch
		}
		if tpl.Type != "" && tpl.Type != "text" {
			m.Attachments = []string{mediaURL}
		}
	} else {
		if open, err := s.windowOpen(tx, c, now, v); err != nil {
			return nil, false, err
		} else if !open {
			return nil, false, v.Err()
		}
		if kind != "text" {
			m.Attachments = []string{mediaURL}
		}
	}
	// Assignment, team and bot status apply to the contact as PATCH would.
	before := snapshot(c)
	if err := s.apply(tx, c, ob.ContactFields{AssignedUser: in.AssignedUser, TeamUUID: in.TeamUUID, BotStatus: in.BotStatus}, v, now); err != nil {
		return nil, false, err
	}
	if err := v.Err(); err != nil {
		return nil, false, err
	}
	changed := !snapshot(c).equal(before)
	if _, ok := ob.NextStep(m.Status, m.To, m.FailReason); ok && s.opts.DeliveryInterval > 0 {
		m.DueAt = s.now().Add(s.opts.DeliveryInterval)
	}
	c.ActivityAt = s.activity()
	if err := tx.UpdateContact(c); err != nil {
		return nil, false, err
	}
	if err := tx.InsertMessage(m); err != nil {
		return nil, false, err
	}
	view := c.View(s.publicURL, nil)
	if changed {
		if err := s.emit(tx, now, accountID, ob.EventContactUpdated, c.ID, view); err != nil {
			return nil, false, err
		}
	}
	if err := s.emit(tx, now, accountID, ob.EventMessageCreated, c.ID, m.CreatedPayload(view)); err != nil {
		return nil, false, err
	}
	if err := s.emit(tx, now, accountID, ob.EventMessageStatusUpdated, c.ID, m.StatusUpdatedPayload(view)); err != nil {
		return nil, false, err
	}
	res := &SendResult{Message: SendAck{UUID: m.UUID, Status: ob.StatusEnqueued}}
	if fields["contact"] {
		sc := &SendContact{UUID: c.ID, Name: c.Name}
		if ob.PhoneBased(ch.Type) {
			p := "+" + ob.Digits(c.Identifier)
			sc.Phone = &p
		}
		if sc.Email, err = contactEmail(tx, c); err != nil {
			return nil, false, err
		}
		res.Message.Contact = sc
	}
	if fields["conversation"] {
		res.Message.Conversation = &SendConversation{Source: ch.Type, Href: view.ConversationHref, CreatedAt: ob.T1(c.ConversationCreatedAt)}
	}
	return res, !m.DueAt.IsZero(), nil
}

// sendChannel resolves `channel_uuid` and `from`.
func (s *Service) sendChannel(tx store.Tx, accountID ob.ID, in ob.SendMessage, v *ob.Validation) (*ob.Channel, error) {
	from, _ := in.From.Value()
	if raw, ok := in.ChannelUUID.Value(); ok && raw != "" {
		return s.channel(tx, accountID, raw, from, "channel_uuid", v)
	}
	if from == "" {
		v.Add("from", "can't be blank")
		return nil, nil
	}
	if !ob.IsSource(from) {
		v.Add("from", "is not a valid channel type (whatsapp, facebook, instagram, telegram)")
		return nil, nil
	}
	return s.mainChannel(tx, accountID, from, "from", v)
}

// recipient finds the contact a send goes to, creating it for a new number.
func (s *Service) recipient(tx store.Tx, accountID ob.ID, ch *ob.Channel, in ob.SendMessage, v *ob.Validation, now time.Time) (*ob.Contact, bool, error) {
	to, hasTo := in.To.Value()
	bsuid, hasBSUID := in.BSUID.Value()
	hasTo, hasBSUID = hasTo && !ob.IsBlank(to), hasBSUID && !ob.IsBlank(bsuid)
	if !hasTo && !hasBSUID {
		v.Add("to", "can't be blank (give to or bsuid)")
		return nil, false, nil
	}
	toFits := !hasTo || v.MaxLength("to", to, ob.MaxIdentifier)
	if bsuidFits := !hasBSUID || v.MaxLength("bsuid", bsuid, ob.MaxIdentifier); !toFits || !bsuidFits {
		return nil, false, nil
	}
	if ch == nil {
		return nil, false, nil
	}
	if !hasTo {
		c, err := tx.ContactByBSUID(accountID, bsuid)
		if ob.ErrorCode(err) == ob.ENOTFOUND || (err == nil && c.ChannelID != ch.ID) {
			v.Add("bsuid", "no contact with this bsuid on the channel")
			return nil, false, nil
		}
		return c, false, err
	}
	identifier := to
	if ob.PhoneBased(ch.Type) {
		digits, ok := ob.ParsePhoneIdentifier(to)
		if !ok {
			v.Add("to", "is not a valid phone number")
			return nil, false, nil
		}
		identifier = digits
	}
	if v.Err() != nil {
		// Do not create a contact for a send that fails.
		c, err := tx.ContactByIdentifier(accountID, ch.ID, identifier)
		if ob.ErrorCode(err) == ob.ENOTFOUND {
			return nil, false, nil
		}
		return c, false, err
	}
	return s.contactFor(tx, ch, identifier, "", "", now)
}

// windowOpen applies the 24-hour rule: on WhatsApp, a free-form message
// needs an inbound message from the contact in the last 24 hours.
func (s *Service) windowOpen(tx store.Tx, c *ob.Contact, now time.Time, v *ob.Validation) (bool, error) {
	if !s.opts.WindowRule || c.Channel.Type != ob.SourceWhatsApp {
		return true, nil
	}
	last, err := tx.LastInboundAt(c.AccountID, c.ID)
	if err != nil {
		return false, err
	}
	if !last.IsZero() && now.Sub(last) < window {
		return true, nil
	}
	v.Add("template_uuid", "the 24-hour window is closed: the contact has not written in the last 24 hours, send a template instead")
	return false, nil
}

var placeholder = regexp.MustCompile(`\{\{\s*(\d+)\s*\}\}`)

// placeholderCount is the number of distinct {{n}} in a template text.
func placeholderCount(text string) int {
	seen := map[string]bool{}
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		seen[m[1]] = true
	}
	return len(seen)
}

// fillTemplate replaces {{n}} with values[n-1]; placeholders without a value
// stay as they are.
func fillTemplate(text string, values []string) string {
	return placeholder.ReplaceAllStringFunc(text, func(p string) string {
		n, _ := strconv.Atoi(placeholder.FindStringSubmatch(p)[1])
		if n >= 1 && n <= len(values) {
			return values[n-1]
		}
		return p
	})
}

// checkMetadata applies the limits of `metadata`; a non-string value is a 400.
func checkMetadata(raw ob.Opt[map[string]json.RawMessage]) (map[string]string, error) {
	m, ok := raw.Value()
	if !ok || len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(m))
	for k, val := range m {
		var s string
		if err := json.Unmarshal(val, &s); err != nil || string(val) == "null" {
			return nil, ob.BadField("metadata", "must be string")
		}
		out[k] = s
	}
	v := ob.NewValidation(ob.EINVALID)
	if len(out) > ob.MaxMetadataEntries {
		v.Add("metadata", "must have at most "+strconv.Itoa(ob.MaxMetadataEntries)+" entries")
	}
	for _, k := range slices.Sorted(maps.Keys(out)) {
		if ob.Longer(k, ob.MaxMetadataKey) {
			v.Add("metadata", "key "+strconv.Quote(k)+" "+ob.TooLong(ob.MaxMetadataKey))
		}
		if ob.Longer(out[k], ob.MaxMetadataValue) {
			v.Add("metadata", "value of "+strconv.Quote(k)+" "+ob.TooLong(ob.MaxMetadataValue))
		}
	}
	return out, v.Err()
}

// sendFields parses `fields` (a comma-separated subset of
// contact,conversation).
func sendFields(raw ob.Opt[string]) (map[string]bool, string) {
	out := map[string]bool{}
	s, _ := raw.Value()
	for _, f := range strings.Split(s, ",") {
		switch f = strings.TrimSpace(f); f {
		case "":
		case "contact", "conversation":
			out[f] = true
		default:
			return nil, "unknown field: " + f + " (contact, conversation)"
		}
	}
	return out, ""
}

// absoluteURL reports whether s is an absolute http or https URL.
func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// channelAddress is how the business appears in from/to: the channel's
// identifier, digits only for phone-based channels.
func channelAddress(ch *ob.Channel) string {
	if ob.PhoneBased(ch.Type) {
		return ob.Digits(ch.Identifier)
	}
	return ch.Identifier
}

// contactEmail is the contact's e-mail for fields=contact: the value of its
// first e-mail custom field, nil when none.
func contactEmail(tx store.Tx, c *ob.Contact) (*string, error) {
	defs, err := tx.CustomFields(c.AccountID)
	if err != nil {
		return nil, err
	}
	for _, d := range defs {
		if v := c.CustomFields[d.Name]; d.Type == ob.FieldEmail && v != "" {
			return &v, nil
		}
	}
	return nil, nil
}

// PlaceholderCount is the number of distinct placeholders ({{1}}, {{2}},
// ...) of a template text: the values a send of it needs.
func PlaceholderCount(text string) int { return placeholderCount(text) }
