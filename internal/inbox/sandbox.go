package inbox

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
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
			ch, err = lookup(raw, func(id ob.ID) (*ob.Channel, error) { return tx.ChannelByID(accountID, id) })
			if ob.ErrorCode(err) == ob.ENOTFOUND {
				v.Add("channel_uuid", "unknown channel: "+raw)
			} else if err != nil {
				return err
			}
		} else {
			ch, err = tx.MainChannel(accountID, ob.SourceWhatsApp)
			if ob.ErrorCode(err) == ob.ENOTFOUND {
				v.Add("channel_uuid", "the account has no main whatsapp channel; name a channel")
			} else if err != nil {
				return err
			}
		}
		from, _ := in.From.Value()
		identifier := from
		if ob.IsBlank(from) {
			v.Add("from", "can't be blank")
		} else if ch != nil && ob.PhoneBased(ch.Type) {
			digits, ok := ob.ParsePhoneIdentifier(from)
			if !ok {
				v.Add("from", "is not a valid phone number")
			}
			identifier = digits
		}
		kind, _ := in.Type.Value()
		if kind == "" {
			kind = "text"
		}
		content, _ := in.Content.Value()
		text, _ := in.Text.Value()
		if text == "" {
			text, _ = content.Text.Value()
		}
		mediaURL, _ := content.URL.Value()
		switch {
		case !slices.Contains(messageTypes, kind):
			v.Add("type", "must be one of text, image, document, audio, video")
		case kind == "text" && ob.IsBlank(text):
			v.Add("text", "can't be blank")
		case kind != "text" && !absoluteURL(mediaURL):
			v.Add("content.url", "must be an absolute http or https URL")
		}
		if err := v.Err(); err != nil {
			return err
		}
		c, err := tx.ContactByIdentifier(accountID, ch.ID, identifier)
		created := false
		if ob.ErrorCode(err) == ob.ENOTFOUND {
			name, _ := in.Name.Value()
			if ob.IsBlank(name) {
				name = identifier
				if ob.PhoneBased(ch.Type) {
					name = "+" + identifier
				}
			}
			bsuid, _ := in.BSUID.Value()
			c, err = s.insertContact(tx, &ob.Contact{
				ID: ob.NewID(), AccountID: accountID, ChannelID: ch.ID, Channel: *ch, Name: name, Identifier: identifier,
				BSUID: bsuid, CreatedAt: now, ActivityAt: s.activity(), ConversationID: ob.NewID(), ConversationCreatedAt: now,
			})
			created = err == nil
			if ob.ErrorCode(err) == ob.ECONFLICT {
				// A concurrent message created it first: this one joins it.
				c, err = tx.ContactByIdentifier(accountID, ch.ID, identifier)
			}
		}
		if err != nil {
			return err
		}
		if bsuid, ok := in.BSUID.Value(); ok && bsuid != "" && c.BSUID == "" && !created {
			c.BSUID = bsuid
		}
		reopened := !c.ClosedAt.IsZero()
		if reopened {
			c.ClosedAt = time.Time{}
			if err := s.writeSystemNote(tx, c, NoteConversationOpened, now); err != nil {
				return err
			}
		}
		m := &ob.Message{
			AccountID: accountID, ContactID: c.ID, UUID: inboundID(ch.Type), Kind: ob.MessageReceived, Text: text,
			Channel: ch.Type, From: messageAddress(c), To: channelAddress(ch), CreatedAt: now,
		}
		if kind != "text" {
			m.Attachments = []string{mediaURL}
		}
		c.ActivityAt = s.activity()
		if err := tx.UpdateContact(c); err != nil {
			return err
		}
		if err := tx.InsertMessage(m); err != nil {
			return err
		}
		view := c.View(s.publicURL, nil)
		if reopened {
			if err := s.emit(tx, accountID, ob.EventConversationOpened, c.ID, ob.ConversationOpenedPayload{
				Source: view.Source, Href: view.ConversationHref, CreatedAt: ob.T1(c.ConversationCreatedAt), Contact: view,
			}); err != nil {
				return err
			}
		}
		if err := s.emit(tx, accountID, ob.EventMessageCreated, c.ID, m.CreatedPayload(view)); err != nil {
			return err
		}
		res = &InboundResult{Message: m.View(), Contact: view}
		return nil
	})
	return res, err
}

// inboundID is the id of a received message: a WhatsApp message id
// (`wamid.` and base64url) on WhatsApp, a uuid32 elsewhere.
func inboundID(channelType string) string {
	if channelType != ob.SourceWhatsApp {
		return ob.NewID()
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	return "wamid." + base64.RawURLEncoding.EncodeToString(b[:])
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
		return s.emit(tx, accountID, ob.EventAgentSessionUpdated, "", out)
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
		if changed, err = tx.SetTeamMember(team.ID, u.ID, act == "add", s.now()); err != nil {
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
		out = TeamMembershipPayload{Team: team.View(), User: member, Reason: reason, LastUpdateAt: ob.T1(s.now())}
		if !changed {
			return nil
		}
		return s.emit(tx, accountID, ob.EventTeamMembershipUpdated, "", out)
	})
	return out, changed, err
}
