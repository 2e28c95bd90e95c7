package sqlstore

import (
	ob "github.com/openbell/openbell"
)

// ClearAccount deletes everything the account holds but its row and its
// tokens, children before the rows their foreign keys name.
//
// On PostgreSQL concurrent writes of the account are ordered around it by
// row locks. The account row comes first, FOR UPDATE: a write that inserts a
// row referring to the account (a contact, a custom status, a webhook) takes
// a share lock on it for the foreign key, so it waits until this transaction
// ends, and one that took it earlier makes this wait. Then the clock and the
// webhook (AdvanceClock locks them in that order, the delivery worker locks
// the webhook before its streams), then the contacts, which writers lock
// before their messages, tags and counts, then the teams and users, whose
// memberships a write adds without touching the account row: waiting for
// each of those locks lets the write that holds it commit first, so its rows
// are deleted too, and a write that comes later waits for the reset instead
// of adding a row that a delete below would trip over. The tables that
// writes only insert into (events, deliveries) come last, each statement
// then seeing what those writes committed.
func (t *tx) ClearAccount(accountID ob.ID) error {
	if lock := t.db.d.ForUpdate; lock != "" {
		for _, q := range []string{
			"SELECT COUNT(*) FROM (SELECT id FROM accounts WHERE id = ?" + lock + ") x",
			"SELECT COUNT(*) FROM (SELECT account_id FROM account_clocks WHERE account_id = ?" + lock + ") x",
			"SELECT COUNT(*) FROM (SELECT account_id FROM webhooks WHERE account_id = ?" + lock + ") x",
			"SELECT COUNT(*) FROM (SELECT id FROM contacts WHERE account_id = ?" + lock + ") x",
			"SELECT COUNT(*) FROM (SELECT id FROM teams WHERE account_id = ?" + lock + ") x",
			"SELECT COUNT(*) FROM (SELECT id FROM users WHERE account_id = ?" + lock + ") x",
		} {
			var n int
			if err := t.queryRow(q, accountID).Scan(&n); err != nil {
				return err
			}
		}
	}
	t.forgetWebhooks()
	clear(t.loaded) // what the transaction read of contacts is gone
	for k := range t.counts {
		if k.account == accountID {
			delete(t.counts, k)
		}
	}
	const ofContacts = "(SELECT id FROM contacts WHERE account_id = ?)"
	for _, q := range []string{
		"DELETE FROM account_clocks WHERE account_id = ?",
		"DELETE FROM webhooks WHERE account_id = ?",
		"DELETE FROM contact_tags WHERE contact_id IN " + ofContacts,
		"DELETE FROM messages WHERE contact_id IN " + ofContacts,
		"DELETE FROM contacts WHERE account_id = ?",
		"DELETE FROM contact_counts WHERE account_id = ?",
		"DELETE FROM team_members WHERE team_id IN (SELECT id FROM teams WHERE account_id = ?)",
		"DELETE FROM teams WHERE account_id = ?",
		"DELETE FROM users WHERE account_id = ?",
		"DELETE FROM channels WHERE account_id = ?",
		"DELETE FROM tags WHERE account_id = ?",
		"DELETE FROM custom_fields WHERE account_id = ?",
		"DELETE FROM funnels WHERE account_id = ?",
		"DELETE FROM templates WHERE account_id = ?",
		"DELETE FROM bots WHERE account_id = ?",
		"DELETE FROM custom_statuses WHERE account_id = ?",
		"DELETE FROM events WHERE account_id = ?",
		"DELETE FROM webhook_streams WHERE account_id = ?",
		"DELETE FROM webhook_deliveries WHERE account_id = ?",
		"DELETE FROM webhook_attempts WHERE account_id = ?",
		"DELETE FROM idempotency_keys WHERE account_id = ?",
	} {
		if _, err := t.exec(q, accountID); err != nil {
			return err
		}
	}
	return nil
}
