package web

import (
	"context"
	"strconv"
	"strings"

	ob "github.com/openbell/openbell"
)

// The sandbox in the page (API.md section 5): write as the customer and
// force a delivery status, through the operations of /sandbox/v1.

// customerWrites stores a message from the contact: text, media, a
// location, a contact card, or a tap on a button or a list item.
func (web *Web) customerWrites(v *visit) error {
	return web.contactAction(v, func(ctx context.Context, accountID ob.ID, id string) error {
		c, err := web.svc.Contact(ctx, accountID, id)
		if err != nil {
			return err
		}
		f := v.r.PostFormValue
		kind := f("type")
		from := c.Identifier
		if ob.PhoneBased(c.Channel.Type) {
			from = "+" + c.Identifier
		}
		in := ob.InboundMessage{From: some(from), ChannelUUID: some(c.ChannelID), Type: some(kind)}
		var content ob.InboundContent
		switch kind {
		case "text", "":
			in.Type = some("text")
			in.Text = some(f("text"))
		case "location":
			lat, err1 := strconv.ParseFloat(strings.TrimSpace(f("latitude")), 64)
			lon, err2 := strconv.ParseFloat(strings.TrimSpace(f("longitude")), 64)
			if err1 != nil || err2 != nil {
				return ob.Invalid("content", "latitude and longitude must be numbers")
			}
			content.Latitude, content.Longitude = some(lat), some(lon)
		case "contacts":
			content.Contacts = some([]ob.InboundContactCard{{Name: some(f("card_name")),
				Phones: some([]ob.InboundPhone{{Phone: some(f("card_phone"))}})}})
		case "button_reply", "list_reply":
			content.Text = some(f("text"))
		default: // media
			content.URL = some(f("url"))
			if t := f("text"); t != "" {
				content.Text = some(t)
			}
		}
		in.Content = some(content)
		_, err = web.svc.Inbound(ctx, accountID, in)
		return err
	})
}

// forceStatus forces a delivery status on an outbound message of the
// contact.
func (web *Web) forceStatus(v *visit) error {
	return web.contactAction(v, func(ctx context.Context, accountID ob.ID, id string) error {
		if _, err := web.svc.Contact(ctx, accountID, id); err != nil {
			return err
		}
		f := v.r.PostFormValue
		in := ob.ForcedStatus{Status: some(f("status"))}
		if r := f("reason"); r != "" {
			in.Reason = some(r)
		}
		if n := f("corrected_number"); n != "" {
			in.CorrectedNumber = some(n)
		}
		msg := f("message")
		if !web.ownMessage(ctx, accountID, id, msg) {
			return ob.Invalid("message", "choose a message of this conversation")
		}
		_, err := web.svc.ForceStatus(ctx, accountID, msg, in)
		return err
	})
}

// ownMessage reports whether the message uuid is one of the contact's
// newest outbound messages (the ones the form offers).
func (web *Web) ownMessage(ctx context.Context, accountID ob.ID, contactID, uuid string) bool {
	c, err := web.svc.Conversation(ctx, accountID, contactID, 0, timelineSize)
	if err != nil || uuid == "" {
		return false
	}
	for _, m := range c.Messages {
		if m.UUID == uuid && m.Kind == ob.MessageSent {
			return true
		}
	}
	return false
}

// Outbound returns the outbound messages of the page, newest first: those
// whose status the sandbox can force.
func (p conversationPage) Outbound() []ob.Message {
	var out []ob.Message
	for i := len(p.Messages) - 1; i >= 0; i-- {
		if p.Messages[i].Kind == ob.MessageSent && p.Messages[i].UUID != "" {
			out = append(out, p.Messages[i])
		}
	}
	return out
}

// MagicNumbers lists the sandbox's magic numbers, for the page's help.
func (conversationPage) MagicNumbers() []struct{ Suffix, Meaning string } { return magicNumbers }

// DeliveryStatuses are the statuses a message can be forced to.
func (conversationPage) DeliveryStatuses() []string { return ob.DeliveryStatuses }
