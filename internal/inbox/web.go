package inbox

import (
	"context"
	"slices"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// The reads of the web inbox (docs/UI.md). Its actions are the operations
// the API calls, done as the signed-in user (AsUser).

// Workspace is what the web inbox offers to choose from: the account's
// users, teams, channels, tags, funnels, custom fields, approved templates
// and enabled bot (nil when none).
type Workspace struct {
	Account      *ob.Account
	Users        []ob.User
	Teams        []ob.Team
	Channels     []ob.Channel
	Tags         []ob.Tag
	Funnels      []ob.Funnel
	CustomFields []ob.CustomField
	Templates    []ob.Template
	Bot          *ob.Bot
}

// User returns the user of id, nil when none.
func (w *Workspace) User(id ob.ID) *ob.User {
	for i := range w.Users {
		if w.Users[i].ID == id {
			return &w.Users[i]
		}
	}
	return nil
}

// Workspace reads the account's workspace.
func (s *Service) Workspace(ctx context.Context, accountID ob.ID) (*Workspace, error) {
	var w *Workspace
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		w, err = workspaceOf(tx, accountID)
		return err
	})
	return w, err
}

func workspaceOf(tx store.Tx, accountID ob.ID) (*Workspace, error) {
	w := &Workspace{}
	var err error
	if w.Account, err = tx.AccountByID(accountID); err != nil {
		return nil, err
	}
	for _, step := range []func() error{
		func() (err error) { w.Users, err = tx.Users(accountID); return err },
		func() (err error) { w.Teams, err = tx.Teams(accountID); return err },
		func() (err error) { w.Channels, err = tx.Channels(accountID); return err },
		func() (err error) { w.Tags, err = tx.Tags(accountID); return err },
		func() (err error) { w.Funnels, err = tx.Funnels(accountID); return err },
		func() (err error) { w.CustomFields, err = tx.CustomFields(accountID); return err },
		func() (err error) { w.Templates, err = tx.Templates(accountID); return err },
		func() error {
			b, err := tx.EnabledBot(accountID)
			if err == nil {
				w.Bot = b
			} else if ob.ErrorCode(err) == ob.ENOTFOUND {
				err = nil
			}
			return err
		},
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	w.Templates = slices.DeleteFunc(w.Templates, func(t ob.Template) bool { return t.Status != "approved" })
	return w, nil
}

// InboxRow is a conversation of the web inbox's list.
type InboxRow struct {
	Contact ob.Contact
	// Last is the newest message that is not a note; nil when none.
	Last *ob.Message
	// Waiting reports that the customer wrote last: an answer is due.
	Waiting bool
}

// Inbox returns the conversations f selects, most recent activity first.
func (s *Service) Inbox(ctx context.Context, accountID ob.ID, f ob.InboxFilter) ([]InboxRow, error) {
	var rows []InboxRow
	err := s.store.Read(ctx, func(tx store.Tx) error {
		contacts, err := tx.InboxContacts(accountID, f)
		if err != nil {
			return err
		}
		ids := make([]ob.ID, len(contacts))
		for i := range contacts {
			ids[i] = contacts[i].ID
		}
		last, err := tx.LastMessages(accountID, ids)
		if err != nil {
			return err
		}
		rows = make([]InboxRow, len(contacts))
		for i, c := range contacts {
			rows[i].Contact = c
			if m, ok := last[c.ID]; ok {
				rows[i].Last = &m
				rows[i].Waiting = m.Kind == ob.MessageReceived
			}
		}
		return nil
	})
	return rows, err
}

// Conversation is what the web inbox shows of a conversation.
type Conversation struct {
	Contact *ob.Contact
	// Messages are the newest messages, oldest first; Older reports that
	// there are more before them.
	Messages []ob.Message
	Older    bool
	// WindowOpen reports that a free-form reply may be sent now (the
	// 24-hour rule); when it is closed only a template may.
	WindowOpen bool
	// WindowEnds is when the window closes (zero when it is not open or
	// the rule does not apply).
	WindowEnds time.Time
	// BotSession is the contact's session with the account's enabled bot
	// (nil when it has none).
	BotSession *ob.BotView
	*Workspace
}

// Conversation reads a contact's conversation: its newest limit messages
// (skipping the newest skip) and what the page offers.
func (s *Service) Conversation(ctx context.Context, accountID ob.ID, rawID string, skip, limit int) (*Conversation, error) {
	id, ok := ob.ParseID(rawID)
	if !ok {
		return nil, ob.NotFound("contact")
	}
	out := &Conversation{}
	err := s.store.Read(ctx, func(tx store.Tx) error {
		c, err := tx.ContactByID(accountID, id)
		if err != nil {
			return err
		}
		out.Contact = c
		msgs, total, err := tx.ListMessages(accountID, id, skip, limit)
		if err != nil {
			return err
		}
		slices.Reverse(msgs)
		out.Messages, out.Older = msgs, skip+len(msgs) < total
		if out.Workspace, err = workspaceOf(tx, accountID); err != nil {
			return err
		}
		if out.Workspace.Bot != nil {
			b := c.BotSession(out.Workspace.Bot)
			out.BotSession = &b
		}
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return err
		}
		if out.WindowOpen, err = s.windowOpen(tx, c, now, ob.NewValidation(ob.EINVALID)); err != nil {
			return err
		}
		if out.WindowOpen && s.opts.WindowRule && c.Channel.Type == ob.SourceWhatsApp {
			last, err := tx.LastInboundAt(accountID, id)
			if err != nil {
				return err
			}
			out.WindowEnds = last.Add(window)
		}
		return nil
	})
	return out, err
}

// ConversationContact returns the id of the contact whose conversation
// rawID names (the /chat/<id> of a conversationHref).
func (s *Service) ConversationContact(ctx context.Context, accountID ob.ID, rawID string) (ob.ID, error) {
	c, err := readByID(ctx, s, "conversation", rawID, func(tx store.Tx, id ob.ID) (*ob.Contact, error) {
		return tx.ContactByConversation(accountID, id)
	})
	if err != nil {
		return "", err
	}
	return c.ID, nil
}

// EventsAfter returns up to limit of the account's events after the one of
// id after, oldest first: what the web inbox's open pages hear of.
func (s *Service) EventsAfter(ctx context.Context, accountID ob.ID, after int64, limit int) ([]ob.Event, error) {
	var out []ob.Event
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		out, err = tx.EventsAfter(accountID, after, limit)
		return err
	})
	return out, err
}

// LastEventID is the id of the account's newest event (0 when none): a page
// listens for the events after it.
func (s *Service) LastEventID(ctx context.Context, accountID ob.ID) (int64, error) {
	var id int64
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		id, err = tx.LastEventID(accountID)
		return err
	})
	return id, err
}
