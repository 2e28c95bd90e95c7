package inbox

import (
	"context"
	"maps"
	"slices"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// ListContacts returns one page of contacts in list order and the page count.
func (s *Service) ListContacts(ctx context.Context, accountID ob.ID, q ob.ListContactsQuery) ([]ob.Contact, int, error) {
	offset, limit := Page(q.Page, ob.PageSize)
	var page []ob.Contact
	var total int
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		page, total, err = tx.ListContacts(accountID, ob.ContactFilter{
			Source: q.Source, Tags: q.Tags, TeamID: q.TeamUUID, Offset: offset, Limit: limit,
		})
		return err
	})
	return page, ob.Pages(total, ob.PageSize), err
}

// Contact returns a contact of the account by uuid (either form).
func (s *Service) Contact(ctx context.Context, accountID ob.ID, rawID string) (*ob.Contact, error) {
	id, ok := ob.ParseID(rawID)
	if !ok {
		return nil, ob.NotFound("contact")
	}
	var c *ob.Contact
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		c, err = tx.ContactByID(accountID, id)
		return err
	})
	return c, err
}

// ContactByPhone finds a contact by a phone number in any common form on the
// channel rawChannel names, or on the main WhatsApp channel.
func (s *Service) ContactByPhone(ctx context.Context, accountID ob.ID, number, rawChannel string) (*ob.Contact, error) {
	digits := ob.Digits(number)
	var c *ob.Contact
	err := s.store.Read(ctx, func(tx store.Tx) error {
		var ch *ob.Channel
		var err error
		if rawChannel != "" {
			ch, err = lookup(rawChannel, func(id ob.ID) (*ob.Channel, error) { return tx.ChannelByID(accountID, id) })
			if ob.ErrorCode(err) == ob.ENOTFOUND {
				return ob.NotFound("channel")
			}
		} else {
			ch, err = tx.MainChannel(accountID, ob.SourceWhatsApp)
			if ob.ErrorCode(err) == ob.ENOTFOUND {
				return ob.NotFound("contact")
			}
		}
		if err != nil {
			return err
		}
		if digits == "" {
			return ob.NotFound("contact")
		}
		c, err = tx.ContactByIdentifier(accountID, ch.ID, digits)
		return err
	})
	return c, err
}

// ContactByBSUID finds a contact by its business-scoped user id.
func (s *Service) ContactByBSUID(ctx context.Context, accountID ob.ID, bsuid string) (*ob.Contact, error) {
	var c *ob.Contact
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		c, err = tx.ContactByBSUID(accountID, bsuid)
		return err
	})
	return c, err
}

// CreateContact validates in and creates the contact with its conversation,
// firing contact_created and conversation_opened.
func (s *Service) CreateContact(ctx context.Context, accountID ob.ID, in ob.NewContact) (*ob.Contact, error) {
	var out *ob.Contact
	err := s.store.Write(ctx, func(tx store.Tx) error {
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return err
		}
		v := ob.NewValidation(ob.EINVALID)
		identifier, _ := in.Identifier.Value()
		source, _ := in.Source.Value()
		name, _ := in.Name.Value()
		if ob.IsBlank(identifier) {
			v.Add("identifier", "can't be blank")
		} else {
			v.MaxLength("identifier", identifier, ob.MaxIdentifier)
		}
		if ob.IsBlank(name) {
			v.Add("name", "can't be blank")
		} else {
			v.MaxLength("name", name, ob.MaxName)
		}
		if ob.IsBlank(source) {
			v.Add("source", "can't be blank")
		} else if !ob.IsSource(source) {
			v.Add("source", "is not a valid source (whatsapp, facebook, instagram, telegram)")
		}
		var ch *ob.Channel
		if raw, ok := in.ChannelUUID.Value(); ok && raw != "" {
			ch, err = s.channel(tx, accountID, raw, source, "channel_uuid", v)
		} else if ob.IsSource(source) {
			ch, err = s.mainChannel(tx, accountID, source, "source", v)
		}
		if err != nil {
			return err
		}
		if ob.PhoneBased(source) && !v.Has("identifier") {
			digits, ok := ob.ParsePhoneIdentifier(identifier)
			if !ok {
				v.Add("identifier", "is not a valid phone number")
			}
			identifier = digits
		}
		c := &ob.Contact{AccountID: accountID, Name: name, Identifier: identifier}
		if ch != nil {
			if c, err = s.newContact(tx, ch, name, identifier, now); err != nil {
				return err
			}
		}
		if err := s.apply(tx, c, in.ContactFields, v, now); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		out, err = s.insertContact(tx, c, now)
		return err
	})
	return out, err
}

// UpdateContact applies a PATCH. It fires contact_updated, and counts as
// activity, only when something changed.
func (s *Service) UpdateContact(ctx context.Context, accountID ob.ID, rawID string, in ob.ContactChanges) (*ob.Contact, error) {
	return s.changeContact(ctx, accountID, rawID, func(tx store.Tx, c *ob.Contact) error {
		v := ob.NewValidation(ob.EINVALID)
		if in.Name.Set {
			if name, _ := in.Name.Value(); ob.IsBlank(name) {
				v.Add("name", "can't be blank")
			} else if v.MaxLength("name", name, ob.MaxName) {
				c.Name = name
			}
		}
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return err
		}
		if err := s.apply(tx, c, in.ContactFields, v, now); err != nil {
			return err
		}
		if unassign, _ := in.UnassignUser.Value(); unassign {
			c.AssignedUserID, c.AssignedUserEmail = "", ""
		}
		return v.Err()
	})
}

// changeContact runs change on the locked contact and, when the contact's
// visible state changed, stores it as activity and fires contact_updated.
func (s *Service) changeContact(ctx context.Context, accountID ob.ID, rawID string, change func(store.Tx, *ob.Contact) error) (*ob.Contact, error) {
	return s.withLockedContact(ctx, accountID, rawID, func(tx store.Tx, c *ob.Contact) (*ob.Contact, error) {
		before := snapshot(c)
		if err := change(tx, c); err != nil {
			return nil, err
		}
		if snapshot(c).equal(before) {
			return c, nil
		}
		c.ActivityAt = s.activity()
		if err := tx.UpdateContact(c); err != nil {
			return nil, err
		}
		out, err := tx.ContactByID(accountID, c.ID)
		if err != nil {
			return nil, err
		}
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return nil, err
		}
		return out, s.emit(tx, now, accountID, ob.EventContactUpdated, c.ID, out.View(s.publicURL, nil))
	})
}

// state is what contact_updated reports a change of.
type state struct {
	name, assigned, team, note, bot, funnel string
	tags                                    []string
	fields                                  map[string]string
}

func snapshot(c *ob.Contact) state {
	return state{c.Name, c.AssignedUserID, c.TeamID, c.Note, c.BotStatus, c.FunnelID,
		slices.Clone(c.Tags), maps.Clone(c.CustomFields)}
}

func (a state) equal(b state) bool {
	return a.name == b.name && a.assigned == b.assigned && a.team == b.team && a.note == b.note &&
		a.bot == b.bot && a.funnel == b.funnel && slices.Equal(a.tags, b.tags) && maps.Equal(a.fields, b.fields)
}

// DeleteContact removes the contact with its conversation and messages and
// fires contact_deleted.
func (s *Service) DeleteContact(ctx context.Context, accountID ob.ID, rawID string) error {
	id, ok := ob.ParseID(rawID)
	if !ok {
		return ob.NotFound("contact")
	}
	return s.store.Write(ctx, func(tx store.Tx) error {
		if _, err := tx.ContactForUpdate(accountID, id); err != nil {
			return err
		}
		if err := tx.DeleteContact(accountID, id); err != nil {
			return err
		}
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return err
		}
		return s.emit(tx, now, accountID, ob.EventContactDeleted, id, ob.ContactDeletedPayload{UUID: id, Deleted: ob.T3(now)})
	})
}

// Messages returns one page of a contact's message list, newest first, and
// the page count.
func (s *Service) Messages(ctx context.Context, accountID ob.ID, rawID string, page int) ([]ob.Message, int, error) {
	id, ok := ob.ParseID(rawID)
	if !ok {
		return nil, 0, ob.NotFound("contact")
	}
	offset, limit := Page(page, ob.PageSize)
	var msgs []ob.Message
	var total int
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		if _, err = tx.ContactByID(accountID, id); err != nil {
			return err
		}
		msgs, total, err = tx.ListMessages(accountID, id, offset, limit)
		return err
	})
	return msgs, ob.Pages(total, ob.PageSize), err
}

// newContact returns a new contact of the account on channel ch, created
// now with its conversation open. Its bot session follows the account's
// default: started when the account has an enabled bot, else ended.
func (s *Service) newContact(tx store.Tx, ch *ob.Channel, name, identifier string, now time.Time) (*ob.Contact, error) {
	c := &ob.Contact{
		ID: ob.NewID(), AccountID: ch.AccountID, ChannelID: ch.ID, Channel: *ch, Name: name, Identifier: identifier,
		CreatedAt: now, ActivityAt: s.activity(), ConversationID: ob.NewID(), ConversationCreatedAt: now,
	}
	if _, err := tx.EnabledBot(ch.AccountID); err == nil {
		c.SetBotSession(ob.BotStarted, now)
	} else if ob.ErrorCode(err) != ob.ENOTFOUND {
		return nil, err
	}
	return c, nil
}

// insertContact stores a new contact and fires contact_created and then
// conversation_opened: its conversation starts.
func (s *Service) insertContact(tx store.Tx, c *ob.Contact, now time.Time) (*ob.Contact, error) {
	if err := tx.InsertContact(c); err != nil {
		return nil, err
	}
	out, err := tx.ContactByID(c.AccountID, c.ID)
	if err != nil {
		return nil, err
	}
	v := out.View(s.publicURL, nil)
	if err := s.emit(tx, now, c.AccountID, ob.EventContactCreated, c.ID, v); err != nil {
		return nil, err
	}
	return out, s.emit(tx, now, c.AccountID, ob.EventConversationOpened, c.ID, conversationOpened(out, v))
}

// contactFor finds the contact with identifier on channel ch, creating it
// (named name, with bsuid) when there is none. created reports whether it
// was created.
func (s *Service) contactFor(tx store.Tx, ch *ob.Channel, identifier, name, bsuid string, now time.Time) (c *ob.Contact, created bool, err error) {
	c, err = tx.ContactByIdentifier(ch.AccountID, ch.ID, identifier)
	if ob.ErrorCode(err) != ob.ENOTFOUND {
		return c, false, err
	}
	if ob.IsBlank(name) {
		name = identifier
		if ob.PhoneBased(ch.Type) {
			name = "+" + identifier
		}
	}
	if c, err = s.newContact(tx, ch, name, identifier, now); err != nil {
		return nil, false, err
	}
	c.BSUID = bsuid
	c, err = s.insertContact(tx, c, now)
	if ob.ErrorCode(err) == ob.ECONFLICT {
		// A concurrent request created it first: this one joins it.
		c, err = tx.ContactByIdentifier(ch.AccountID, ch.ID, identifier)
		return c, false, err
	}
	return c, err == nil, err
}

// channel resolves a client-given channel id that must be of type source
// (any type when source is "") and usable, adding what is wrong to v under
// field.
func (s *Service) channel(tx store.Tx, accountID ob.ID, raw, source, field string, v *ob.Validation) (*ob.Channel, error) {
	ch, err := lookup(raw, func(id ob.ID) (*ob.Channel, error) { return tx.ChannelByID(accountID, id) })
	if ob.ErrorCode(err) == ob.ENOTFOUND {
		v.Add(field, "unknown channel: "+raw)
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if p := ch.TypeProblem(source); source != "" && ob.IsSource(source) && p != "" {
		v.Add(field, p)
	} else if p := ch.DiscardedProblem(); p != "" {
		v.Add(field, p)
	}
	return ch, nil
}

// mainChannel resolves the account's main channel of type source, adding
// what is wrong to v under field.
func (s *Service) mainChannel(tx store.Tx, accountID ob.ID, source, field string, v *ob.Validation) (*ob.Channel, error) {
	ch, err := tx.MainChannel(accountID, source)
	if ob.ErrorCode(err) == ob.ENOTFOUND {
		v.Add(field, "the account has no main "+source+" channel")
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if p := ch.DiscardedProblem(); p != "" {
		v.Add(field, p)
	}
	return ch, nil
}

// secondOf truncates t to the second, the precision of closedAt.
func secondOf(t time.Time) time.Time { return t.Truncate(time.Second) }
