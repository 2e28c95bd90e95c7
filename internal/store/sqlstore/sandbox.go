package sqlstore

import (
	"database/sql"
	"errors"
	"time"

	ob "github.com/openbell/openbell"
)

// IdempotentResponse returns the request hash and stored response of an
// idempotency key, or ENOTFOUND.
func (t *tx) IdempotentResponse(accountID ob.ID, key string) (string, []byte, error) {
	var hash, resp string
	err := t.queryRow("SELECT request_hash, response FROM idempotency_keys WHERE account_id = ? AND idem_key = ?", accountID, key).Scan(&hash, &resp)
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
	_, err := t.exec("INSERT INTO idempotency_keys (account_id, idem_key, request_hash, response, created_at) VALUES (?, ?, ?, ?, ?)",
		accountID, key, hash, string(response), ob.Millis(at))
	return err
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
