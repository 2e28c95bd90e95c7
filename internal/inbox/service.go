// Package inbox holds the application operations of openbell: each exported
// method is one thing a client can do (create a contact, close a
// conversation, ...), run in one store transaction together with the events it
// fires. The rules of the contract live here and in the root package; the HTTP
// layer only translates.
package inbox

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// Service runs the operations. It is safe for concurrent use.
type Service struct {
	store        store.Store
	clock        ob.Clock
	publicURL    string
	opts         Options
	lastActivity atomic.Int64
	lastCreation atomic.Int64
	// delivered is signalled after a commit that scheduled a delivery step,
	// so the progression worker need not wait for its next poll.
	delivered chan struct{}
}

// Options are the behaviour flags of API.md section 6 that the operations
// follow.
type Options struct {
	// DeliveryInterval is the sandbox step between delivery statuses; 0
	// turns automatic progression off.
	DeliveryInterval time.Duration
	// WindowRule enforces the 24-hour rule on WhatsApp channels.
	WindowRule bool
	// Secrets encrypts webhook secrets for storage (the server key of
	// --secret-key); without it subscribing is an internal error.
	Secrets SecretBox
	// Origins loads an account's workspace again for ResetAccount; without
	// it a reset is an internal error.
	Origins Origins
}

// New returns a Service on st. publicURL is the base of href links.
func New(st store.Store, clock ob.Clock, publicURL string, opts Options) *Service {
	return &Service{store: st, clock: clock, publicURL: publicURL, opts: opts, delivered: make(chan struct{}, 1)}
}

// Scheduled is signalled after a commit that scheduled a delivery step.
func (s *Service) Scheduled() <-chan struct{} { return s.delivered }

func (s *Service) signalScheduled() {
	select {
	case s.delivered <- struct{}{}:
	default:
	}
}

// accountNow is the account's clock: the server's time moved forward by
// POST /sandbox/v1/clock. It is the only clock of what the account stores
// or answers (contacts, conversations, notes, messages, statuses, events,
// user statuses), so that its times never contradict each other; only the
// schedules of background work (delivery steps, webhook retries) and the
// contact list's order key run on the server's clock.
func (s *Service) accountNow(tx store.Tx, accountID ob.ID) (time.Time, error) {
	off, err := tx.ClockOffset(accountID)
	return s.now().Add(off), err
}

// Store returns the store the service runs on.
func (s *Service) Store() store.Store { return s.store }

// now is the current time at millisecond precision, the precision stored.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Millisecond) }

// creationTime is now on the account's clock for an object that lists sort
// by creation time: never the same millisecond twice in this process (on the
// server's clock, which the account's offset only moves forward), so objects
// created one after the other keep their order. Creations are rare
// enough that the stamps do not drift from the clock.
func (s *Service) creationTime(tx store.Tx, accountID ob.ID) (time.Time, error) {
	off, err := tx.ClockOffset(accountID)
	if err != nil {
		return time.Time{}, err
	}
	ms := s.clock.Now().UnixMilli()
	for {
		last := s.lastCreation.Load()
		if ms <= last {
			ms = last + 1
		}
		if s.lastCreation.CompareAndSwap(last, ms) {
			return time.UnixMilli(ms).UTC().Add(off), nil
		}
	}
}

// activity returns the stamp of a contact's latest activity, the key of the
// contact list order: the server's time in microseconds, never the same
// twice in this process, so that changes made one after the other keep their
// order even within one millisecond. It follows the server's clock, not the
// account's sandbox clock, so moving that clock does not reorder contacts.
func (s *Service) activity() time.Time {
	us := s.clock.Now().UnixMicro()
	for {
		last := s.lastActivity.Load()
		if us <= last {
			us = last + 1
		}
		if s.lastActivity.CompareAndSwap(last, us) {
			return time.UnixMicro(us).UTC()
		}
	}
}

// ContactView returns the Contact object of c; with fieldTypes it carries
// customFieldsMetadata, read from the account's field definitions.
func (s *Service) ContactView(ctx context.Context, c *ob.Contact, fieldTypes bool) (ob.ContactView, error) {
	if !fieldTypes {
		return c.View(s.publicURL, nil), nil
	}
	var fields []ob.CustomField
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		fields, err = tx.CustomFields(c.AccountID)
		return err
	})
	if err != nil {
		return ob.ContactView{}, err
	}
	if fields == nil {
		fields = []ob.CustomField{}
	}
	return c.View(s.publicURL, fields), nil
}

// emit records an event in tx, the transaction of the change that causes
// it; now is the account's time of the change.
func (s *Service) emit(tx store.Tx, now time.Time, accountID ob.ID, name string, contactID ob.ID, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	return tx.InsertEvent(&ob.Event{AccountID: accountID, Name: name, ContactID: contactID, Payload: b, CreatedAt: now, QueuedAt: s.now()})
}

// maxPage bounds the page number used for the offset: any page past it is
// past the end of every list.
const maxPage = 1 << 30

// Page turns a 1-based page number into an offset and limit of size.
func Page(page, size int) (offset, limit int) {
	if page < 1 {
		page = 1
	}
	// Far past the end of any list; keeps page*size from overflowing.
	page = min(page, maxPage)
	return (page - 1) * size, size
}
