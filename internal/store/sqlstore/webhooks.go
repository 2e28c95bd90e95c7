package sqlstore

import (
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	ob "github.com/openbell/openbell"
)

// never is the next_attempt_at of a stream while its webhook is disabled:
// later than any real time, so the claim's index range never reaches it.
const never int64 = 1 << 62

const webhookCols = "account_id, url, subscriptions, enabled, secret, failing_since, created_at, updated_at"

func scanWebhook(s scanner) (ob.Webhook, error) {
	var w ob.Webhook
	err := s.Scan(webhookDest(&w)...)
	return w, err
}

func webhookDest(w *ob.Webhook) []any {
	return []any{&w.AccountID, &w.URL, jsonText{&w.Subscriptions}, (*flag)(&w.Enabled), &w.SealedSecret,
		(*millis)(&w.FailingSince), (*millis)(&w.CreatedAt), (*millis)(&w.UpdatedAt)}
}

// DeliveriesQueued implements store.DeliveryNotifier.
func (db *DB) DeliveriesQueued() <-chan struct{} { return db.queued }

func (db *DB) signalQueued() {
	select {
	case db.queued <- struct{}{}:
	default:
	}
}

func (t *tx) WebhookByAccount(accountID ob.ID) (*ob.Webhook, error) {
	return get(t, "webhook", scanWebhook, "SELECT "+webhookCols+" FROM webhooks WHERE account_id = ?", accountID)
}

func (t *tx) SaveWebhook(w *ob.Webhook, now time.Time) error {
	t.forgetWebhooks()
	at := ob.Millis(now)
	// The upsert comes first: on PostgreSQL it locks the webhook row, which
	// the worker also locks first when it records results.
	if _, err := t.exec(`INSERT INTO webhooks (`+webhookCols+`) VALUES (?, ?, ?, 1, ?, 0, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET url = excluded.url, subscriptions = excluded.subscriptions,
		enabled = 1, secret = excluded.secret, failing_since = 0, updated_at = excluded.updated_at`,
		w.AccountID, w.URL, toJSON(w.Subscriptions), w.SealedSecret, ob.Millis(w.CreatedAt), at); err != nil {
		return err
	}
	args := []any{at, w.AccountID}
	for _, name := range w.Subscriptions {
		args = append(args, name)
	}
	res, err := t.exec(`UPDATE webhook_deliveries SET status = 'cancelled', updated_at = ?
		WHERE account_id = ? AND status = 'pending' AND event_name NOT IN (`+placeholders(len(w.Subscriptions))+`)`, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		if _, err := t.exec(`UPDATE webhook_streams SET pending = (SELECT COUNT(*) FROM webhook_deliveries d
			WHERE d.account_id = webhook_streams.account_id AND d.stream = webhook_streams.stream AND d.status = 'pending')
			WHERE account_id = ? AND pending > 0`, w.AccountID); err != nil {
			return err
		}
	}
	if _, err := t.exec(`UPDATE webhook_deliveries SET failures = 0
		WHERE account_id = ? AND status = 'pending' AND failures > 0`, w.AccountID); err != nil {
		return err
	}
	if _, err := t.exec(`UPDATE webhook_streams SET next_attempt_at = ? WHERE account_id = ? AND pending > 0`, at, w.AccountID); err != nil {
		return err
	}
	t.queued = true
	return nil
}

func (t *tx) DeleteWebhook(accountID ob.ID, now time.Time) error {
	t.forgetWebhooks()
	res, err := t.exec("DELETE FROM webhooks WHERE account_id = ?", accountID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ob.NotFound("webhook")
	}
	if _, err := t.exec(`UPDATE webhook_deliveries SET status = 'cancelled', updated_at = ?
		WHERE account_id = ? AND status = 'pending'`, ob.Millis(now), accountID); err != nil {
		return err
	}
	_, err = t.exec("DELETE FROM webhook_streams WHERE account_id = ?", accountID)
	return err
}

// queueDelivery queues e for the account's webhook when it subscribes to
// e's name: InsertEvent calls it, so the delivery commits with the event.
func (t *tx) queueDelivery(e *ob.Event) error {
	hook, err := t.subscriptions(e.AccountID)
	if err != nil || hook == nil || !slices.Contains(hook.names, e.Name) {
		return err
	}
	at := ob.Millis(e.CreatedAt)
	if !e.QueuedAt.IsZero() {
		at = ob.Millis(e.QueuedAt)
	}
	due := at
	if !hook.enabled {
		due = never
	}
	// The stream row first: on PostgreSQL the upsert locks it, serializing
	// this insert with the worker's update of the same stream. A stream that
	// had nothing pending is due now; otherwise it keeps its schedule.
	if _, err := t.exec(`INSERT INTO webhook_streams (account_id, stream, pending, next_attempt_at) VALUES (?, ?, 1, ?)
		ON CONFLICT (account_id, stream) DO UPDATE SET pending = webhook_streams.pending + 1,
		next_attempt_at = CASE WHEN webhook_streams.pending = 0 THEN excluded.next_attempt_at ELSE webhook_streams.next_attempt_at END`,
		e.AccountID, e.ContactID, due); err != nil {
		return err
	}
	if _, err := t.exec(`INSERT INTO webhook_deliveries (account_id, stream, event_id, message_id, event_name, body, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
		e.AccountID, e.ContactID, e.ID, "msg_"+ob.NewID(), e.Name, string(ob.WebhookBody(e.Name, e.Payload)), at, at); err != nil {
		return err
	}
	if hook.enabled {
		t.queued = true
	}
	return nil
}

// hookSubs is what queueDelivery needs of an account's webhook.
type hookSubs struct {
	enabled bool
	names   []string
}

// subscriptions returns the account's webhook subscriptions, nil when it has
// no webhook. The transaction reads them once: a batch of delivery steps
// queues many events. Every change to a webhook row forgets them.
func (t *tx) subscriptions(accountID ob.ID) (*hookSubs, error) {
	if h, ok := t.hooks[accountID]; ok {
		return h, nil
	}
	var enabled flag
	var subs []string
	err := t.queryRow("SELECT enabled, subscriptions FROM webhooks WHERE account_id = ?", accountID).Scan(&enabled, jsonText{&subs})
	var h *hookSubs
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, err
	default:
		h = &hookSubs{enabled: bool(enabled), names: subs}
	}
	if t.hooks == nil {
		t.hooks = map[ob.ID]*hookSubs{}
	}
	t.hooks[accountID] = h
	return h, nil
}

// forgetWebhooks drops what the transaction remembers of webhook rows; every
// write to the webhooks table calls it.
func (t *tx) forgetWebhooks() { clear(t.hooks) }

func (t *tx) ListWebhookAttempts(accountID ob.ID, f ob.WebhookAttemptFilter) ([]ob.WebhookAttempt, int, error) {
	where := "a.account_id = ?"
	args := []any{accountID}
	if f.Success != nil {
		where += " AND a.success = ?"
		args = append(args, b2i(*f.Success))
	}
	if len(f.Events) > 0 {
		where += " AND a.event_name IN (" + placeholders(len(f.Events)) + ")"
		for _, e := range f.Events {
			args = append(args, e)
		}
	}
	var total int
	if err := t.queryRow("SELECT COUNT(*) FROM webhook_attempts a WHERE "+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	page, err := list(t, func(s scanner) (ob.WebhookAttempt, error) {
		var a ob.WebhookAttempt
		var durationMs int64
		var body string
		err := s.Scan(&a.ID, &a.AccountID, &a.DeliveryID, &a.MessageID, &a.Event, &a.Attempt, (*flag)(&a.Success), &a.Code,
			&a.ResponseBody, jsonText{&a.ResponseHeaders}, &a.Error, &durationMs, (*millis)(&a.CreatedAt), &body)
		a.Duration = time.Duration(durationMs) * time.Millisecond
		a.Payload = ob.WebhookPayload([]byte(body))
		return a, err
	}, `SELECT a.id, a.account_id, a.delivery_id, a.message_id, a.event_name, a.attempt, a.success, a.code,
		a.response_body, a.response_headers, a.error, a.duration_ms, a.created_at, COALESCE(d.body, '')
		FROM webhook_attempts a LEFT JOIN webhook_deliveries d ON d.id = a.delivery_id
		WHERE `+where+` ORDER BY a.id DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	return page, total, err
}

func (t *tx) ServerKey(name string) (string, error) {
	var v string
	err := t.queryRow("SELECT value FROM server_keys WHERE name = ?", name).Scan(&v)
	return v, one(err, "server key")
}

func (t *tx) InsertServerKey(name, value string, at time.Time) error {
	_, err := t.exec("INSERT INTO server_keys (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
		name, value, ob.Millis(at))
	return err
}

func (t *tx) SetServerKey(name, value string, at time.Time) error {
	_, err := t.exec("INSERT INTO server_keys (name, value, created_at) VALUES (?, ?, ?) "+
		"ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_at = excluded.created_at",
		name, value, ob.Millis(at))
	return err
}

// placeholders returns "?, ?, ..." for n values (n >= 1).
func placeholders(n int) string {
	if n < 1 {
		return "NULL"
	}
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
