package inbox

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// InboundResult is the answer of POST /sandbox/v1/inbound.
type InboundResult struct {
	Message ob.MessageView `json:"message"`
	Contact ob.ContactView `json:"contact"`
}

// Inbound plays the customer: it stores a received message, creating the
// contact when new and reopening a closed conversation, which opens the
// 24-hour window. Each of those changes fires its event.
func (s *Service) Inbound(ctx context.Context, accountID ob.ID, in ob.InboundMessage) (*InboundResult, error) {
	var res *InboundResult
	err := s.store.Write(ctx, func(tx store.Tx) error {
		v := ob.NewValidation(ob.EINVALID)
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return err
		}
		var ch *ob.Channel
		if raw, ok := in.ChannelUUID.Value(); ok && raw != "" {
			ch, err = s.channel(tx, accountID, raw, "", "channel_uuid", v)
		} else {
			ch, err = s.mainChannel(tx, accountID, ob.SourceWhatsApp, "channel_uuid", v)
		}
		if err != nil {
			return err
		}
		from, _ := in.From.Value()
		identifier := from
		switch {
		case ob.IsBlank(from):
			v.Add("from", "can't be blank")
		case !v.MaxLength("from", from, ob.MaxIdentifier):
		case ch != nil && ob.PhoneBased(ch.Type):
			digits, ok := ob.ParsePhoneIdentifier(from)
			if !ok {
				v.Add("from", "is not a valid phone number")
			}
			identifier = digits
		}
		name, _ := in.Name.Value()
		v.MaxLength("name", name, ob.MaxName)
		bsuid, _ := in.BSUID.Value()
		v.MaxLength("bsuid", bsuid, ob.MaxIdentifier)
		replyTo, _ := in.ReplyTo.Value()
		v.MaxLength("reply_to", replyTo, ob.MaxMessageRef)
		m, err := inboundMessage(in, v)
		if err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		c, created, err := s.contactFor(tx, ch, identifier, name, bsuid, now)
		if err != nil {
			return err
		}
		if replyTo != "" {
			target, err := s.conversationMessage(tx, c, replyTo)
			if ob.ErrorCode(err) == ob.ENOTFOUND {
				return ob.Invalid("reply_to", "no message "+replyTo+" in the conversation")
			} else if err != nil {
				return err
			}
			m.Details.Context = ob.ContextOf(target)
		}
		if bsuid != "" && c.BSUID == "" && !created {
			c.BSUID = bsuid
		}
		if !c.ClosedAt.IsZero() {
			if err := s.reopen(tx, c, now); err != nil {
				return err
			}
		}
		c.CustomerWrote()
		m.AccountID, m.ContactID, m.UUID, m.Kind, m.CreatedAt = accountID, c.ID, ob.InboundMessageID(ch.Type), ob.MessageReceived, now
		m.Channel, m.From, m.To = ch.Type, messageAddress(c), channelAddress(ch)
		c.ActivityAt = s.activity()
		if err := tx.UpdateContact(c); err != nil {
			return err
		}
		if err := tx.InsertMessage(m); err != nil {
			return err
		}
		view := c.View(s.publicURL, nil)
		if err := s.emit(tx, now, accountID, ob.EventMessageCreated, c.ID, m.CreatedPayload(view)); err != nil {
			return err
		}
		res = &InboundResult{Message: m.View(), Contact: view}
		return nil
	})
	return res, err
}

// Types of inbound messages (API.md section 5): the media types carry a
// URL, the others fill an optional object of the message.
var (
	inboundMedia = []string{"image", "document", "audio", "video", "sticker"}
	inboundTypes = append([]string{"text", "location", "contacts", "button_reply", "list_reply"}, inboundMedia...)
)

// inboundMessage checks what a customer sends and returns its text,
// attachments and optional objects; what is wrong goes to v.
func inboundMessage(in ob.InboundMessage, v *ob.Validation) (*ob.Message, error) {
	kind, _ := in.Type.Value()
	if kind == "" {
		kind = "text"
	}
	content, _ := in.Content.Value()
	text, _ := in.Text.Value()
	v.MaxLength("text", text, ob.MaxMessageText)
	contentText, _ := content.Text.Value()
	v.MaxLength("content.text", contentText, ob.MaxMessageText)
	if text == "" {
		text = contentText
	}
	m := &ob.Message{Text: text}
	if fw, _ := in.Forwarded.Value(); fw {
		m.Details.Forward = &ob.MessageForward{Forwarded: true}
	}
	switch {
	case !slices.Contains(inboundTypes, kind):
		v.Add("type", "must be one of "+strings.Join(inboundTypes, ", "))
	case kind == "text":
		if ob.IsBlank(text) {
			v.Add("text", "can't be blank")
		}
	case slices.Contains(inboundMedia, kind):
		url, _ := content.URL.Value()
		if v.MaxLength("content.url", url, ob.MaxURL) && !absoluteURL(url) {
			v.Add("content.url", "must be an absolute http or https URL")
		}
		m.Attachments = []string{url}
	case kind == "location":
		lat, okLat := content.Latitude.Value()
		lng, okLng := content.Longitude.Value()
		if !okLat || !okLng || !ob.ValidCoordinates(lat, lng) {
			v.Add("content", "a location needs latitude (-90 to 90) and longitude (-180 to 180)")
			break
		}
		m.Details.Location = ob.NewLocation(lat, lng)
	case kind == "contacts":
		cards, _ := content.Contacts.Value()
		card, msg := contactCard(cards)
		if msg != "" {
			v.Add("content.contacts", msg)
			break
		}
		m.Details.ContactCard = card
	case kind == "button_reply", kind == "list_reply":
		choice, _ := content.Text.Value()
		if ob.IsBlank(choice) {
			v.Add("content.text", "can't be blank: the title the customer chose")
			break
		}
		m.Text = choice
		if kind == "button_reply" {
			m.Details.ReplyButton = ob.ButtonReply(choice)
		} else {
			m.Details.InteractiveList = ob.ListReply(choice)
		}
	}
	return m, nil
}

// contactCard checks the contact cards a customer shares; the message of a
// card that is wrong is returned instead.
func contactCard(cards []ob.InboundContactCard) (*ob.MessageContactCard, string) {
	if len(cards) == 0 {
		return nil, "can't be empty: share at least one contact"
	}
	out := &ob.MessageContactCard{ContactsInfo: make([]ob.ContactInfo, 0, len(cards))}
	for i, card := range cards {
		name, _ := card.Name.Value()
		n := "contact " + strconv.Itoa(i+1)
		if ob.IsBlank(name) {
			return nil, n + " needs a name"
		}
		if ob.Longer(name, ob.MaxName) {
			return nil, n + " name " + ob.TooLong(ob.MaxName)
		}
		info := ob.ContactInfo{Name: name, Phones: []ob.ContactPhone{}}
		phones, _ := card.Phones.Value()
		for _, p := range phones {
			raw, _ := p.Phone.Value()
			if ob.Longer(raw, ob.MaxIdentifier) {
				return nil, n + " phone " + ob.TooLong(ob.MaxIdentifier)
			}
			digits, ok := ob.ParsePhoneIdentifier(raw)
			if !ok {
				return nil, n + " has a phone that is not a valid number: " + raw
			}
			kind, _ := p.Type.Value()
			if ob.Longer(kind, ob.MaxName) {
				return nil, n + " phone type " + ob.TooLong(ob.MaxName)
			}
			if kind == "" {
				kind = ob.DefaultPhoneType
			}
			info.Phones = append(info.Phones, ob.ContactPhone{Phone: digits, Type: kind})
		}
		out.ContactsInfo = append(out.ContactsInfo, info)
	}
	return out, ""
}

// conversationMessage finds a message of c's conversation by its uuid
// (either form) or wamid; notes are not messages to answer.
func (s *Service) conversationMessage(tx store.Tx, c *ob.Contact, raw string) (*ob.Message, error) {
	key := raw
	if id, ok := ob.ParseID(raw); ok {
		key = id
	}
	m, err := tx.MessageByUUID(c.AccountID, key)
	if err != nil {
		return nil, err
	}
	if m.ContactID != c.ID || m.Kind == ob.MessageNote {
		return nil, ob.NotFound("message")
	}
	return m, nil
}

// ClockResult is the answer of POST /sandbox/v1/clock.
type ClockResult struct {
	Now           ob.T1 `json:"now"`
	OffsetSeconds int64 `json:"offset_seconds"`
}

// maxClockAdvance bounds one move of the sandbox clock (100 years), far
// below where time arithmetic overflows.
const maxClockAdvance = 100 * 365 * 24 * 3600

// AdvanceClock moves the account's sandbox clock forward: the 24-hour window
// and the account's webhook retry schedule (and failing period) see the time
// pass.
func (s *Service) AdvanceClock(ctx context.Context, accountID ob.ID, seconds ob.Opt[int64]) (ClockResult, error) {
	n, ok := seconds.Value()
	if !ok || n <= 0 || n > maxClockAdvance {
		return ClockResult{}, ob.Invalid("advance_seconds", "must be a whole number of seconds from 1 to 3153600000 (100 years)")
	}
	var res ClockResult
	err := s.store.Write(ctx, func(tx store.Tx) error {
		off, err := tx.ClockOffset(accountID)
		if err != nil {
			return err
		}
		if off+time.Duration(n)*time.Second > maxClockAdvance*time.Second {
			return ob.Invalid("advance_seconds", "the sandbox clock cannot move more than 100 years ahead")
		}
		off += time.Duration(n) * time.Second
		if err := tx.SetClockOffset(accountID, off); err != nil {
			return err
		}
		if err := tx.ShiftWebhookSchedule(accountID, time.Duration(n)*time.Second); err != nil {
			return err
		}
		res = ClockResult{Now: ob.T1(s.now().Add(off)), OffsetSeconds: int64(off / time.Second)}
		return nil
	})
	return res, err
}

// Agent session actions of POST /sandbox/v1/users/:uuid/session.
var sessionActions = []string{"user_logged_in", "user_logged_out", "system_logged_out"}

// AgentSessionPayload is the payload of agent_session_updated.
type AgentSessionPayload struct {
	Action string            `json:"action"`
	User   ob.TeamMemberView `json:"user"`
}

// AgentSession plays an agent logging in or out: it fires
// agent_session_updated. The user's availability is left as it is.
func (s *Service) AgentSession(ctx context.Context, accountID ob.ID, rawUserID string, action ob.Opt[string]) (AgentSessionPayload, error) {
	act, _ := action.Value()
	if !slices.Contains(sessionActions, act) {
		return AgentSessionPayload{}, ob.Invalid("action", "must be one of user_logged_in, user_logged_out, system_logged_out")
	}
	var out AgentSessionPayload
	err := s.store.Write(ctx, func(tx store.Tx) error {
		u, err := lookup(rawUserID, func(id ob.ID) (*ob.User, error) { return tx.UserByID(accountID, id) })
		if err != nil {
			return err
		}
		member, err := s.memberView(tx, u)
		if err != nil {
			return err
		}
		out = AgentSessionPayload{Action: act, User: member}
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return err
		}
		return s.emit(tx, now, accountID, ob.EventAgentSessionUpdated, "", out)
	})
	return out, err
}

// memberView is the TeamMember object of u, with its custom status.
func (s *Service) memberView(tx store.Tx, u *ob.User) (ob.TeamMemberView, error) {
	status, err := heldStatus(tx, u)
	if err != nil {
		return ob.TeamMemberView{}, err
	}
	return u.MemberView(status), nil
}

// TeamMembershipPayload is the payload of team_membership_updated.
type TeamMembershipPayload struct {
	Team         ob.TeamView       `json:"team"`
	User         ob.TeamMemberView `json:"user"`
	Reason       string            `json:"reason"`
	LastUpdateAt ob.T1             `json:"lastUpdateAt"`
}

// ChangeTeamMembership adds (action add) or removes (remove) a user of the
// account to or from a team, firing team_membership_updated when the
// membership changed. changed reports whether it did.
func (s *Service) ChangeTeamMembership(ctx context.Context, accountID ob.ID, rawTeamID string, rawUserID, action ob.Opt[string]) (out TeamMembershipPayload, changed bool, err error) {
	act, _ := action.Value()
	if act != "add" && act != "remove" {
		return out, false, ob.Invalid("action", "must be add or remove")
	}
	err = s.store.Write(ctx, func(tx store.Tx) error {
		team, err := lookup(rawTeamID, func(id ob.ID) (*ob.Team, error) { return tx.TeamByID(accountID, id) })
		if err != nil {
			return err
		}
		rawUser, _ := rawUserID.Value()
		u, err := lookup(rawUser, func(id ob.ID) (*ob.User, error) { return tx.UserByID(accountID, id) })
		if ob.ErrorCode(err) == ob.ENOTFOUND {
			return ob.Invalid("user_uuid", "unknown user: "+rawUser)
		} else if err != nil {
			return err
		}
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return err
		}
		if changed, err = tx.SetTeamMember(team.ID, u.ID, act == "add", now); err != nil {
			return err
		}
		if team, err = tx.TeamByID(accountID, team.ID); err != nil {
			return err
		}
		member, err := s.memberView(tx, u)
		if err != nil {
			return err
		}
		reason := "agent_added"
		if act == "remove" {
			reason = "agent_removed"
		}
		out = TeamMembershipPayload{Team: team.View(), User: member, Reason: reason, LastUpdateAt: ob.T1(now)}
		if !changed {
			return nil
		}
		return s.emit(tx, now, accountID, ob.EventTeamMembershipUpdated, "", out)
	})
	return out, changed, err
}
