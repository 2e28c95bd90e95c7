package inbox

import (
	"context"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// System note texts written into the message list.
const (
	NoteConversationClosed = "Conversation closed"
	NoteConversationOpened = "Conversation opened"
)

// CloseConversation closes the contact's conversation: closedAt becomes the
// current second, a system note is written and conversation_closed fires with
// reason (nil for none). Closing a closed conversation changes nothing.
func (s *Service) CloseConversation(ctx context.Context, accountID ob.ID, rawID string, reason *string) (*ob.Contact, error) {
	if reason != nil && ob.Longer(*reason, ob.MaxClosingReason) {
		return nil, ob.Invalid("closing_reason", ob.TooLong(ob.MaxClosingReason))
	}
	return s.conversationStep(ctx, accountID, rawID, func(tx store.Tx, c *ob.Contact) error {
		if !c.ClosedAt.IsZero() {
			return nil
		}
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return err
		}
		c.ClosedAt = secondOf(now)
		if err := s.writeSystemNote(tx, c, NoteConversationClosed, now); err != nil {
			return err
		}
		v := c.View(s.publicURL, nil)
		return s.emit(tx, now, accountID, ob.EventConversationClosed, c.ID, ob.ConversationClosedPayload{
			Source: v.Source, Href: v.ConversationHref, CreatedAt: ob.T1(c.ConversationCreatedAt),
			ClosedAt: v.ClosedAt, ClosingReason: reason, Contact: v,
		})
	})
}

// OpenConversation reopens the contact's conversation, writing a system note
// and firing conversation_opened; an open conversation is left as it is.
func (s *Service) OpenConversation(ctx context.Context, accountID ob.ID, rawID string) (*ob.Contact, error) {
	return s.conversationStep(ctx, accountID, rawID, func(tx store.Tx, c *ob.Contact) error {
		if c.ClosedAt.IsZero() {
			return nil
		}
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return err
		}
		return s.reopen(tx, c, now)
	})
}

// reopen reopens c's closed conversation: a system note, and
// conversation_opened.
func (s *Service) reopen(tx store.Tx, c *ob.Contact, now time.Time) error {
	c.ClosedAt = time.Time{}
	if err := s.writeSystemNote(tx, c, NoteConversationOpened, now); err != nil {
		return err
	}
	return s.emit(tx, now, c.AccountID, ob.EventConversationOpened, c.ID, conversationOpened(c, c.View(s.publicURL, nil)))
}

// conversationOpened is the conversation_opened payload of c, shown as v.
func conversationOpened(c *ob.Contact, v ob.ContactView) ob.ConversationOpenedPayload {
	return ob.ConversationOpenedPayload{Source: v.Source, Href: v.ConversationHref, CreatedAt: ob.T1(c.ConversationCreatedAt), Contact: v}
}

// conversationStep runs step on the locked contact in one transaction and
// returns the contact as step left it.
func (s *Service) conversationStep(ctx context.Context, accountID ob.ID, rawID string, step func(store.Tx, *ob.Contact) error) (*ob.Contact, error) {
	return s.withLockedContact(ctx, accountID, rawID, func(tx store.Tx, c *ob.Contact) (*ob.Contact, error) {
		return c, step(tx, c)
	})
}

// withLockedContact runs fn in one write transaction on the contact rawID
// names, locked until the transaction ends, and returns what fn returns.
func (s *Service) withLockedContact(ctx context.Context, accountID ob.ID, rawID string, fn func(store.Tx, *ob.Contact) (*ob.Contact, error)) (*ob.Contact, error) {
	id, ok := ob.ParseID(rawID)
	if !ok {
		return nil, ob.NotFound("contact")
	}
	var out *ob.Contact
	err := s.store.Write(ctx, func(tx store.Tx) error {
		c, err := tx.ContactForUpdate(accountID, id)
		if err != nil {
			return err
		}
		out, err = fn(tx, c)
		return err
	})
	return out, err
}

// writeSystemNote stores a note without uuid and counts it as activity.
func (s *Service) writeSystemNote(tx store.Tx, c *ob.Contact, text string, now time.Time) error {
	c.ActivityAt = s.activity()
	if err := tx.UpdateContact(c); err != nil {
		return err
	}
	customer := messageAddress(c)
	return tx.InsertMessage(&ob.Message{
		AccountID: c.AccountID, ContactID: c.ID, Kind: ob.MessageNote, System: true, Text: text,
		Channel: c.Channel.Type, From: customer, To: customer, CreatedAt: now,
	})
}

// messageAddress is how a contact appears in from/to of its messages: digits
// for phone-based channels, the platform id otherwise.
func messageAddress(c *ob.Contact) string {
	if ob.PhoneBased(c.Channel.Type) {
		return ob.Digits(c.Identifier)
	}
	return c.Identifier
}

// AddNote adds an agent note (status note, with a uuid) to the message list.
func (s *Service) AddNote(ctx context.Context, accountID ob.ID, rawID string, text ob.Opt[string]) error {
	body, _ := text.Value()
	if ob.IsBlank(body) {
		return ob.Invalid("text", "can't be blank")
	}
	if ob.Longer(body, ob.MaxMessageNote) {
		return ob.Invalid("text", ob.TooLong(ob.MaxMessageNote))
	}
	_, err := s.conversationStep(ctx, accountID, rawID, func(tx store.Tx, c *ob.Contact) error {
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return err
		}
		c.ActivityAt = s.activity()
		if err := tx.UpdateContact(c); err != nil {
			return err
		}
		customer := messageAddress(c)
		return tx.InsertMessage(&ob.Message{
			AccountID: c.AccountID, ContactID: c.ID, UUID: ob.NewID(), Kind: ob.MessageNote, Text: body,
			Channel: c.Channel.Type, From: customer, To: customer, CreatedAt: now, AuthorID: actor(ctx),
		})
	})
	return err
}

// UpdateFunnel moves the conversation to a funnel stage (or out of every
// stage when funnelID is null).
func (s *Service) UpdateFunnel(ctx context.Context, accountID ob.ID, rawID string, funnelID ob.Opt[string]) (*ob.Contact, error) {
	if !funnelID.Set {
		return nil, ob.Invalid("funnel_id", "can't be blank")
	}
	return s.changeContact(ctx, accountID, rawID, func(tx store.Tx, c *ob.Contact) error {
		raw, ok := funnelID.Value()
		if !ok {
			c.FunnelID = ""
			return nil
		}
		f, err := lookup(raw, func(id ob.ID) (*ob.Funnel, error) { return tx.FunnelByID(accountID, id) })
		if ob.ErrorCode(err) == ob.ENOTFOUND {
			return ob.Invalid("funnel_id", "unknown funnel: "+raw)
		} else if err != nil {
			return err
		}
		c.FunnelID = f.ID
		return nil
	})
}

// Bot returns the contact's session with the account's enabled bot.
func (s *Service) Bot(ctx context.Context, accountID ob.ID, rawID string) (ob.BotView, error) {
	id, ok := ob.ParseID(rawID)
	if !ok {
		return ob.BotView{}, ob.NotFound("contact")
	}
	var view ob.BotView
	err := s.store.Read(ctx, func(tx store.Tx) error {
		c, err := tx.ContactByID(accountID, id)
		if err != nil {
			return err
		}
		b, err := tx.EnabledBot(accountID)
		if err != nil {
			return err
		}
		view = c.BotSession(b)
		return nil
	})
	return view, err
}

// SetBot starts (bot_start) or ends (bot_end) the contact's bot session.
func (s *Service) SetBot(ctx context.Context, accountID ob.ID, rawID string, status ob.Opt[string]) (ob.BotView, error) {
	raw, _ := status.Value()
	next, ok := ob.BotRequest(raw)
	if !ok {
		return ob.BotView{}, ob.Invalid("status", "must be "+ob.BotRequestWords)
	}
	var bot *ob.Bot
	c, err := s.changeContact(ctx, accountID, rawID, func(tx store.Tx, c *ob.Contact) error {
		b, err := tx.EnabledBot(accountID)
		if ob.ErrorCode(err) == ob.ENOTFOUND {
			return ob.Invalid("status", "the account has no enabled bot")
		} else if err != nil {
			return err
		}
		bot = b
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return err
		}
		c.SetBotSession(next, now)
		return nil
	})
	if err != nil {
		return ob.BotView{}, err
	}
	return c.BotSession(bot), nil
}
