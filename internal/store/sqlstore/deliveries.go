package sqlstore

import (
	"cmp"
	"database/sql"
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	ob "github.com/openbell/openbell"
)

// ClaimDeliveries leases due streams and returns the oldest pending delivery
// of each. Each account's streams are claimed on their own, up to its
// allowance, starting from an account drawn at random: one account's
// backlog never fills a claim that another account's due deliveries wait
// for. On PostgreSQL the candidate rows are taken FOR UPDATE SKIP LOCKED, so
// concurrent processes claim different streams; on SQLite the single writer
// serializes claims.
func (t *tx) ClaimDeliveries(worker string, now, leaseUntil time.Time, limit int, allowance func(ob.ID) int) ([]ob.WebhookDelivery, error) {
	at := ob.Millis(now)
	accounts, err := t.accountsWithPending()
	if err != nil || len(accounts) == 0 {
		return nil, err
	}
	start := rand.IntN(len(accounts))
	var ids []int64
	for i := range accounts {
		acct := accounts[(start+i)%len(accounts)]
		n := min(allowance(acct), limit-len(ids))
		if n <= 0 {
			continue
		}
		got, err := list(t, func(s scanner) (int64, error) {
			var id int64
			return id, s.Scan(&id)
		}, `UPDATE webhook_streams SET claimed_by = ?, lease_until = ?
			WHERE id IN (SELECT id FROM webhook_streams WHERE account_id = ? AND pending > 0 AND next_attempt_at <= ? AND lease_until <= ?
				ORDER BY next_attempt_at, id LIMIT ?`+t.db.d.SkipLocked+`)
			RETURNING id`, worker, ob.Millis(leaseUntil), acct, at, at, n)
		if err != nil {
			return nil, err
		}
		if ids = append(ids, got...); len(ids) >= limit {
			break
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	slices.Sort(ids)
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	heads, err := list(t, func(s scanner) (ob.WebhookDelivery, error) {
		var d ob.WebhookDelivery
		var body string
		var offset int64
		dest := append([]any{&d.StreamID, &d.ID, &d.AccountID, &d.Stream, &d.MessageID, &d.Event, &body, &d.Attempts, &d.Failures,
			(*millis)(&d.CreatedAt), &offset}, webhookDest(&d.Webhook)...)
		err := s.Scan(dest...)
		d.Body, d.ClockOffset = []byte(body), time.Duration(offset)*time.Millisecond
		return d, err
	}, `SELECT s.id, d.id, d.account_id, d.stream, d.message_id, d.event_name, d.body, d.attempts, d.failures, d.created_at,
		COALESCE((SELECT c.offset_ms FROM account_clocks c WHERE c.account_id = s.account_id), 0),
		w.`+strings.ReplaceAll(webhookCols, ", ", ", w.")+`
		FROM webhook_streams s
		JOIN webhook_deliveries d ON d.id = (SELECT MIN(x.id) FROM webhook_deliveries x
			WHERE x.account_id = s.account_id AND x.stream = s.stream AND x.status = 'pending')
		JOIN webhooks w ON w.account_id = s.account_id
		WHERE s.id IN (`+placeholders(len(ids))+`) ORDER BY d.id`, args...)
	if err != nil {
		return nil, err
	}
	// A claimed stream without a sendable head goes back: with its count
	// corrected when it has no pending delivery after all, held when its
	// webhook is disabled (a disable that raced with an insert).
	out := heads[:0]
	found := map[int64]bool{}
	for _, d := range heads {
		found[d.StreamID] = true
		if d.Webhook.Enabled {
			out = append(out, d)
			continue
		}
		if _, err := t.exec("UPDATE webhook_streams SET next_attempt_at = ?, claimed_by = '', lease_until = 0 WHERE id = ?", never, d.StreamID); err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		if found[id] {
			continue
		}
		if _, err := t.exec(`UPDATE webhook_streams SET claimed_by = '', lease_until = 0, pending = (SELECT COUNT(*)
			FROM webhook_deliveries d WHERE d.account_id = webhook_streams.account_id AND d.stream = webhook_streams.stream
			AND d.status = 'pending') WHERE id = ?`, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// maxClaimAccounts bounds how many accounts one claim looks at.
const maxClaimAccounts = 10_000

// accountsWithPending lists the accounts that have pending deliveries, one
// index seek each (a loose scan of webhook_streams_account_due).
func (t *tx) accountsWithPending() ([]ob.ID, error) {
	return list(t, func(s scanner) (ob.ID, error) {
		var id ob.ID
		return id, s.Scan(&id)
	}, `WITH RECURSIVE acc(id) AS (
			SELECT (SELECT account_id FROM webhook_streams WHERE pending > 0 ORDER BY account_id LIMIT 1)
			UNION ALL
			SELECT (SELECT s.account_id FROM webhook_streams s WHERE s.pending > 0 AND s.account_id > acc.id ORDER BY s.account_id LIMIT 1)
			FROM acc WHERE acc.id IS NOT NULL
		) SELECT id FROM acc WHERE id IS NOT NULL LIMIT ?`, maxClaimAccounts)
}

// RecordDeliveries stores a batch of results in one transaction. The
// webhook rows of the batch are locked first, in account order, as
// SaveWebhook and DeleteWebhook lock them first; then the streams, by
// account and contact, the order in which a progression batch queues
// deliveries (DueMessages): PostgreSQL transactions take the locks in one
// order.
func (t *tx) RecordDeliveries(worker string, results []ob.DeliveryResult) ([]ob.ID, error) {
	defer t.forgetWebhooks() // results may disable a webhook
	results = slices.Clone(results)
	slices.SortStableFunc(results, func(a, b ob.DeliveryResult) int {
		return cmp.Or(strings.Compare(a.Delivery.AccountID, b.Delivery.AccountID), strings.Compare(a.Delivery.Stream, b.Delivery.Stream),
			cmp.Compare(a.Delivery.StreamID, b.Delivery.StreamID))
	})
	enabled := map[ob.ID]bool{}
	for _, r := range results {
		acct := r.Delivery.AccountID
		if _, seen := enabled[acct]; seen {
			continue
		}
		var on flag
		err := t.queryRow("SELECT enabled FROM webhooks WHERE account_id = ?"+t.db.d.ForUpdate, acct).Scan(&on)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		enabled[acct] = bool(on)
	}
	before := maps.Clone(enabled)
	// cleared notes the accounts whose failure clock this batch has already
	// reset (and not started again since): one reset is enough.
	cleared := map[ob.ID]bool{}
	for _, r := range results {
		if err := t.recordDelivery(worker, r, enabled, cleared); err != nil {
			return nil, err
		}
	}
	var disabled []ob.ID
	for _, acct := range slices.Sorted(maps.Keys(before)) {
		if before[acct] && !enabled[acct] {
			disabled = append(disabled, acct)
		}
	}
	return disabled, nil
}

func (t *tx) recordDelivery(worker string, r ob.DeliveryResult, enabled, cleared map[ob.ID]bool) error {
	d := r.Delivery
	at := ob.Millis(r.At)
	if r.Outcome == ob.DeliveryReleased {
		_, err := t.exec("UPDATE webhook_streams SET claimed_by = '', lease_until = 0 WHERE id = ? AND claimed_by = ?", d.StreamID, worker)
		return err
	}
	if r.Outcome != ob.DeliveryCancelled {
		// A delivery that is gone (its account was reset while it was in
		// flight) leaves no trace: no attempt, and no failure on a webhook
		// subscribed since.
		a := r.Attempt
		res, err := t.exec(`INSERT INTO webhook_attempts (account_id, delivery_id, message_id, event_name, attempt, success, code,
			response_body, response_headers, error, duration_ms, created_at) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
			WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = ?)`,
			d.AccountID, d.ID, d.MessageID, d.Event, a.Attempt, b2i(a.Success), a.Code, a.ResponseBody,
			toJSON(a.ResponseHeaders), a.Error, a.Duration.Milliseconds(), ob.Millis(a.CreatedAt), d.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
	}

	// The webhook's failure clock, and disabling.
	disabled := false
	switch r.Outcome {
	case ob.DeliveryDelivered:
		if !cleared[d.AccountID] {
			if _, err := t.exec("UPDATE webhooks SET failing_since = 0 WHERE account_id = ? AND failing_since <> 0", d.AccountID); err != nil {
				return err
			}
			cleared[d.AccountID] = true
		}
	case ob.DeliveryRetry, ob.DeliveryFailed, ob.DeliveryGone:
		cleared[d.AccountID] = false
		if _, err := t.exec("UPDATE webhooks SET failing_since = ? WHERE account_id = ? AND failing_since = 0", at, d.AccountID); err != nil {
			return err
		}
		query := "UPDATE webhooks SET enabled = 0, updated_at = ? WHERE account_id = ? AND enabled = 1"
		args := []any{at, d.AccountID}
		if r.Outcome != ob.DeliveryGone {
			if r.DisableBefore.IsZero() {
				break
			}
			query += " AND failing_since > 0 AND failing_since <= ?"
			args = append(args, ob.Millis(r.DisableBefore))
		}
		res, err := t.exec(query, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			disabled, enabled[d.AccountID] = true, false
		}
	}

	// The delivery: only a delivery still pending changes (SaveWebhook or
	// DeleteWebhook may have cancelled it while it was in flight).
	status, failures, attempts := "pending", d.Failures, 1
	switch r.Outcome {
	case ob.DeliveryDelivered:
		status = "delivered"
	case ob.DeliveryFailed:
		status, failures = "failed", failures+1
	case ob.DeliveryRetry:
		failures++
	case ob.DeliveryCancelled:
		status, attempts = "cancelled", 0
	}
	res, err := t.exec(`UPDATE webhook_deliveries SET status = ?, attempts = attempts + ?, failures = ?, updated_at = ?
		WHERE id = ? AND status = 'pending'`, status, attempts, failures, at, d.ID)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	still := n > 0
	done := 0
	if still && status != "pending" {
		done = 1
	}

	// The stream: one fewer pending when the delivery is done; due again at
	// once, at the retry time, or never while the webhook is disabled. Only
	// the holder of the lease reschedules and releases it.
	next := at
	switch {
	case !enabled[d.AccountID]:
		next = never
	case still && r.Outcome == ob.DeliveryRetry:
		next = ob.Millis(r.NextAttemptAt)
	}
	if _, err := t.exec(`UPDATE webhook_streams SET pending = pending - ?,
		next_attempt_at = CASE WHEN claimed_by = ? THEN ? ELSE next_attempt_at END,
		lease_until = CASE WHEN claimed_by = ? THEN 0 ELSE lease_until END,
		claimed_by = CASE WHEN claimed_by = ? THEN '' ELSE claimed_by END
		WHERE id = ?`, done, worker, next, worker, worker, d.StreamID); err != nil {
		return err
	}
	if disabled {
		if _, err := t.exec("UPDATE webhook_streams SET next_attempt_at = ? WHERE account_id = ? AND pending > 0", never, d.AccountID); err != nil {
			return err
		}
	}
	if next <= at {
		t.queued = true
	}
	return nil
}

func (t *tx) ReleaseLeases(worker string) error {
	if worker == "" {
		_, err := t.exec("UPDATE webhook_streams SET claimed_by = '', lease_until = 0 WHERE lease_until > 0")
		return err
	}
	_, err := t.exec("UPDATE webhook_streams SET claimed_by = '', lease_until = 0 WHERE claimed_by = ?", worker)
	return err
}

func (t *tx) DeliveryBacklog() (int, time.Time, error) {
	var n int
	var oldest int64
	err := t.queryRow(`SELECT COUNT(*), COALESCE(MIN(created_at), 0) FROM webhook_deliveries WHERE status = 'pending'`).Scan(&n, &oldest)
	return n, ob.FromMillis(oldest), err
}

func (t *tx) NextDeliveryAt(now time.Time) (time.Time, error) {
	var next int64
	err := t.queryRow(`SELECT COALESCE(MIN(next_attempt_at), 0) FROM webhook_streams
		WHERE pending > 0 AND next_attempt_at > ? AND next_attempt_at < ?`, ob.Millis(now), never).Scan(&next)
	return ob.FromMillis(next), err
}
