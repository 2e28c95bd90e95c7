package sqlstore

import (
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
