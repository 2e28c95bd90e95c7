package sqlstore

import (
	"time"

	ob "github.com/openbell/openbell"
)

// InsertEvent records an event and, when the account's webhook subscribes to
// it, queues its delivery; it runs in the transaction of the change that
// causes it, so the three commit or roll back together.
func (t *tx) InsertEvent(e *ob.Event) error {
	const insert = `INSERT INTO events (account_id, name, contact_id, payload, created_at) VALUES (?, ?, ?, ?, ?)`
	args := []any{e.AccountID, e.Name, e.ContactID, string(e.Payload), ob.Millis(e.CreatedAt)}
	if t.db.d.LastInsertID {
		res, err := t.exec(insert, args...)
		if err != nil {
			return err
		}
		if e.ID, err = res.LastInsertId(); err != nil {
			return err
		}
	} else if err := t.queryRow(insert+" RETURNING id", args...).Scan(&e.ID); err != nil {
		return err
	}
	return t.queueDelivery(e)
}

func (t *tx) EventsAfter(accountID ob.ID, afterID int64, limit int) ([]ob.Event, error) {
	return list(t, func(s scanner) (ob.Event, error) {
		var e ob.Event
		var payload string
		err := s.Scan(&e.ID, &e.AccountID, &e.Name, &e.ContactID, &payload, (*millis)(&e.CreatedAt))
		e.Payload = []byte(payload)
		return e, err
	}, `SELECT id, account_id, name, contact_id, payload, created_at FROM events
		WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?`, accountID, afterID, limit)
}

// LastEventID is the id of the account's newest event, 0 when none, read off
// events_account.
func (t *tx) LastEventID(accountID ob.ID) (int64, error) {
	var id int64
	err := t.queryRow("SELECT COALESCE(MAX(id), 0) FROM events WHERE account_id = ?", accountID).Scan(&id)
	return id, err
}

// PruneEvents deletes one batch of each kind of old row. Old attempts,
// deliveries and events no longer change (a delivery that is done never
// becomes pending again), but a stream may get a delivery at any time: its
// DELETE repeats the conditions on the rows it deletes, so that PostgreSQL
// checks a row that changed since the subquery read it again, and takes them
// SKIP LOCKED, so that the pruner never waits for a busy one. Indexes:
// webhook_attempts_created, webhook_deliveries_done, events_created,
// webhook_deliveries_pending_event.
func (t *tx) PruneEvents(before time.Time, limit int) (bool, error) {
	b := ob.Millis(before)
	more := false
	for _, q := range []struct {
		query string
		args  []any
	}{
		{`DELETE FROM webhook_attempts WHERE created_at < ? AND id IN (SELECT id FROM webhook_attempts
			WHERE created_at < ? ORDER BY created_at LIMIT ?)`, []any{b, b, limit}},
		{`DELETE FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < ? AND id IN (SELECT id FROM webhook_deliveries
			WHERE status <> 'pending' AND updated_at < ? ORDER BY updated_at LIMIT ?)`, []any{b, b, limit}},
		{`DELETE FROM events WHERE created_at < ? AND id IN (SELECT e.id FROM events e WHERE e.created_at < ?
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
			ORDER BY e.created_at LIMIT ?)`, []any{b, b, limit}},
		{`DELETE FROM webhook_streams WHERE pending = 0 AND lease_until = 0 AND id IN (SELECT id FROM webhook_streams
			WHERE pending = 0 AND lease_until = 0 LIMIT ?` + t.db.d.SkipLocked + `)`, []any{limit}},
	} {
		res, err := t.exec(q.query, q.args...)
		if err != nil {
			return false, err
		}
		if n, _ := res.RowsAffected(); n >= int64(limit) {
			more = true
		}
	}
	return more, nil
}
