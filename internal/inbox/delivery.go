package inbox

import (
	"context"
	"slices"
	"strings"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// MessageStatus returns the send request of an outbound message.
func (s *Service) MessageStatus(ctx context.Context, accountID ob.ID, uuid string) (ob.SendRequestView, error) {
	var view ob.SendRequestView
	err := s.store.Read(ctx, func(tx store.Tx) error {
		m, err := s.outbound(tx, accountID, uuid)
		if err != nil {
			return err
		}
		view = m.SendRequest()
		return nil
	})
	return view, err
}

// outbound finds an outbound message by its uuid (either form).
func (s *Service) outbound(tx store.Tx, accountID ob.ID, uuid string) (*ob.Message, error) {
	id, ok := ob.ParseID(uuid)
	if !ok {
		return nil, ob.NotFound("message")
	}
	m, err := tx.MessageByUUID(accountID, id)
	if err != nil {
		return nil, err
	}
	if m.Kind != ob.MessageSent {
		return nil, ob.NotFound("message")
	}
	return m, nil
}

// DeleteMessage blanks the text and attachments of a message (outbound by
// uuid, inbound by wamid). An outbound message that is not yet final moves
// to `deleted`, firing message_status_updated.
func (s *Service) DeleteMessage(ctx context.Context, accountID ob.ID, uuid string) error {
	return s.store.Write(ctx, func(tx store.Tx) error {
		key := uuid
		if id, ok := ob.ParseID(uuid); ok {
			key = id
		}
		m, err := tx.MessageByUUID(accountID, key)
		if err != nil {
			return err
		}
		if m.Kind == ob.MessageNote {
			return ob.NotFound("message")
		}
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return err
		}
		m.Text, m.Attachments = "", nil
		// The content goes; what the message answers or forwards stays.
		m.Details.Location, m.Details.ContactCard, m.Details.ReplyButton, m.Details.InteractiveList = nil, nil, nil, nil
		statusChanged := m.Kind == ob.MessageSent && m.Status != ob.StatusDeleted
		if statusChanged {
			m.Status, m.StatusReason, m.CorrectedNumber, m.DueAt, m.StatusAt = ob.StatusDeleted, "", "", time.Time{}, now
		}
		if err := tx.UpdateMessage(m); err != nil {
			return err
		}
		if !statusChanged {
			return nil
		}
		return s.emitStatus(tx, m, nil, now)
	})
}

// emitStatus fires message_status_updated for m at now (the account's
// time); c is its contact when the caller has it.
func (s *Service) emitStatus(tx store.Tx, m *ob.Message, c *ob.Contact, now time.Time) error {
	if c == nil {
		var err error
		if c, err = tx.ContactByID(m.AccountID, m.ContactID); err != nil {
			return err
		}
	}
	return s.emit(tx, now, m.AccountID, ob.EventMessageStatusUpdated, m.ContactID, m.StatusUpdatedPayload(c.View(s.publicURL, nil)))
}

// AdvanceDeliveries takes the due delivery steps of up to limit messages in
// one transaction: each step is stored together with its
// message_status_updated event, so no step is skipped or taken twice, even
// with several processes on one database. A message's steps fall due one
// interval after another; when the worker is behind (under load), the steps
// of a message that are all due by now are taken together, each with its own
// event, in order. It returns how many messages moved and how late the
// most overdue step was taken.
func (s *Service) AdvanceDeliveries(ctx context.Context, limit int) (n int, lag time.Duration, err error) {
	err = s.store.Write(ctx, func(tx store.Tx) error {
		n, lag = 0, 0
		now := s.now()
		due, err := tx.DueMessages(now, limit)
		if err != nil {
			return err
		}
		contacts, err := contactsOf(tx, due)
		if err != nil {
			return err
		}
		offsets := map[ob.ID]time.Duration{}
		for i := range due {
			m := &due[i]
			c := contacts[m.ContactID]
			if c == nil {
				return ob.NotFound("contact")
			}
			lag = max(lag, now.Sub(m.DueAt))
			off, ok := offsets[m.AccountID]
			if !ok {
				if off, err = tx.ClockOffset(m.AccountID); err != nil {
					return err
				}
				offsets[m.AccountID] = off
			}
			moved, err := s.takeSteps(tx, m, c, now, off)
			if err != nil {
				return err
			}
			if moved {
				n++
			}
		}
		return nil
	})
	return n, lag, err
}

// takeSteps takes m's due step and those after it that are due by now (the
// server's clock, the one of delivery schedules), and stores the message
// with the due time of its next step (none when it is final or progression
// is off). off is the account's clock offset: each step happens at its due
// time on the account's clock.
func (s *Service) takeSteps(tx store.Tx, m *ob.Message, c *ob.Contact, now time.Time, off time.Duration) (bool, error) {
	at := m.DueAt
	m.DueAt = time.Time{}
	moved := false
	for {
		step, ok := ob.NextStep(m.Status, m.To, m.FailReason)
		if !ok {
			break
		}
		m.Status, m.StatusReason, m.CorrectedNumber = step.Status, step.Reason, step.CorrectedNumber
		m.StatusAt = at.Add(off)
		if err := s.emitStatus(tx, m, c, m.StatusAt); err != nil {
			return false, err
		}
		moved = true
		if _, more := ob.NextStep(m.Status, m.To, m.FailReason); !more || s.opts.DeliveryInterval <= 0 {
			break
		}
		if at = at.Add(s.opts.DeliveryInterval); at.After(now) {
			m.DueAt = at
			break
		}
	}
	return moved, tx.UpdateMessage(m)
}

// contactsOf reads the contacts of msgs, one query per account.
func contactsOf(tx store.Tx, msgs []ob.Message) (map[ob.ID]*ob.Contact, error) {
	ids := map[ob.ID][]ob.ID{}
	for _, m := range msgs {
		if !slices.Contains(ids[m.AccountID], m.ContactID) {
			ids[m.AccountID] = append(ids[m.AccountID], m.ContactID)
		}
	}
	out := make(map[ob.ID]*ob.Contact, len(msgs))
	for account, list := range ids {
		cs, err := tx.ContactsByID(account, list)
		if err != nil {
			return nil, err
		}
		for i := range cs {
			out[cs[i].ID] = &cs[i]
		}
	}
	return out, nil
}

// ForceStatus sets a message's delivery status (sandbox). A status that is
// not final resumes automatic progression from there.
func (s *Service) ForceStatus(ctx context.Context, accountID ob.ID, uuid string, in ob.ForcedStatus) (ob.SendRequestView, error) {
	v := ob.NewValidation(ob.EINVALID)
	status, _ := in.Status.Value()
	if !ob.IsDeliveryStatus(status) {
		v.Add("status", "must be one of "+strings.Join(ob.DeliveryStatuses, ", "))
	}
	reason, _ := in.Reason.Value()
	v.MaxLength("reason", reason, ob.MaxStatusReason)
	corrected, _ := in.CorrectedNumber.Value()
	v.MaxLength("corrected_number", corrected, ob.MaxIdentifier)
	if err := v.Err(); err != nil {
		return ob.SendRequestView{}, err
	}
	var view ob.SendRequestView
	scheduled := false
	err := s.store.Write(ctx, func(tx store.Tx) error {
		m, err := s.outbound(tx, accountID, uuid)
		if err != nil {
			return err
		}
		now, err := s.accountNow(tx, accountID)
		if err != nil {
			return err
		}
		m.Status, m.StatusReason, m.CorrectedNumber, m.DueAt, m.FailReason = status, "", "", time.Time{}, ""
		m.StatusAt = now
		switch status {
		case ob.StatusFailed:
			m.StatusReason = reason
			if m.StatusReason == "" {
				m.StatusReason = "failed (forced in the sandbox)"
			}
		case ob.StatusMismatch:
			m.CorrectedNumber = corrected
			if m.CorrectedNumber == "" {
				m.CorrectedNumber = ob.CorrectedNumber(m.To)
			}
			m.CorrectedNumber = ob.Digits(m.CorrectedNumber)
		}
		if _, more := ob.NextStep(m.Status, m.To, ""); more && s.opts.DeliveryInterval > 0 {
			m.DueAt = s.now().Add(s.opts.DeliveryInterval)
			scheduled = true
		}
		if err := tx.UpdateMessage(m); err != nil {
			return err
		}
		view = m.SendRequest()
		return s.emitStatus(tx, m, nil, now)
	})
	if scheduled && err == nil {
		s.signalScheduled()
	}
	return view, err
}
