package sqlstore

import (
	"database/sql"
	"errors"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// IdempotentResponse returns the request hash and stored response of an
// idempotency key, or ENOTFOUND.
func (t *tx) IdempotentResponse(accountID ob.ID, key string, since time.Time) (string, []byte, error) {
	var hash, resp string
	err := t.queryRow("SELECT request_hash, response FROM idempotency_keys WHERE account_id = ? AND idem_key = ? AND created_at >= ?",
		accountID, key, ob.Millis(since)).Scan(&hash, &resp)
	if err != nil {
		return "", nil, one(err, "idempotency key")
	}
	return hash, []byte(resp), nil
}

// SaveIdempotentResponse stores the answer given to a key, and forgets keys
// older than before.
func (t *tx) SaveIdempotentResponse(accountID ob.ID, key, hash string, response []byte, at, before time.Time) error {
	if _, err := t.exec("DELETE FROM idempotency_keys WHERE created_at < ?", ob.Millis(before)); err != nil {
		return err
	}
	// An expired row of the key is replaced; a live one belongs to a
	// concurrent send that committed first (the insert waits for it).
	res, err := t.exec(`INSERT INTO idempotency_keys (account_id, idem_key, request_hash, response, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account_id, idem_key) DO UPDATE SET request_hash = excluded.request_hash, response = excluded.response,
		created_at = excluded.created_at WHERE idempotency_keys.created_at < ?`,
		accountID, key, hash, string(response), ob.Millis(at), ob.Millis(before))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return store.ErrRetry
	}
	return nil
}

// ClockOffset returns how far the account's sandbox clock is ahead.
func (t *tx) ClockOffset(accountID ob.ID) (time.Duration, error) {
	var ms int64
	err := t.queryRow("SELECT offset_ms FROM account_clocks WHERE account_id = ?", accountID).Scan(&ms)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return time.Duration(ms) * time.Millisecond, err
}

// SetClockOffset stores how far the account's sandbox clock is ahead.
func (t *tx) SetClockOffset(accountID ob.ID, d time.Duration) error {
	_, err := t.exec(`INSERT INTO account_clocks (account_id, offset_ms) VALUES (?, ?)
		ON CONFLICT (account_id) DO UPDATE SET offset_ms = excluded.offset_ms`, accountID, d.Milliseconds())
	return err
}

// ShiftWebhookSchedule brings the account's pending webhook retries d
// earlier and moves the start of its failing period back by d, as if d had
// passed: the sandbox clock moves retry schedules and the disable-after
// period too. A disabled webhook's streams stay parked.
func (t *tx) ShiftWebhookSchedule(accountID ob.ID, d time.Duration) error {
	t.forgetWebhooks()
	ms := d.Milliseconds()
	if t.db.d.ForUpdate != "" {
		if err := t.lockWebhook(accountID); err != nil { // the webhook before its streams, as the worker
			return err
		}
	}
	if _, err := t.exec(`UPDATE webhook_streams SET next_attempt_at = CASE WHEN next_attempt_at > ? THEN next_attempt_at - ? ELSE 0 END
		WHERE account_id = ? AND pending > 0 AND next_attempt_at < ?`, ms, ms, accountID, never); err != nil {
		return err
	}
	_, err := t.exec(`UPDATE webhooks SET failing_since = CASE WHEN failing_since > ? THEN failing_since - ? ELSE 1 END
		WHERE account_id = ? AND failing_since > 0`, ms, ms, accountID)
	return err
}
