package storetest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/sqlstore"
	"github.com/openbell/openbell/internal/store/storetest"
)

// queueFixture makes an account with a webhook for contact_updated and
// queues n events for each of the given contacts, in turn.
func queueFixture(t *testing.T, db *sqlstore.DB, contacts []string, n int, now time.Time) ob.ID {
	t.Helper()
	acct := ob.NewID()
	err := db.Write(context.Background(), func(tx store.Tx) error {
		if err := tx.InsertAccount(&ob.Account{ID: acct, Name: "A" + acct, CreatedAt: now}); err != nil {
			return err
		}
		// An event before the webhook is never queued.
		if err := tx.InsertEvent(&ob.Event{AccountID: acct, Name: ob.EventContactUpdated, ContactID: contacts[0], Payload: []byte(`{"n":-1}`), CreatedAt: now}); err != nil {
			return err
		}
		w := &ob.Webhook{AccountID: acct, URL: "http://x", Subscriptions: []string{ob.EventContactUpdated}, SealedSecret: "s", CreatedAt: now}
		if err := tx.SaveWebhook(w, now); err != nil {
			return err
		}
		for i := range n {
			for _, c := range contacts {
				for _, name := range []string{ob.EventContactUpdated, ob.EventContactCreated} { // the second is not subscribed
					if err := tx.InsertEvent(&ob.Event{AccountID: acct, Name: name, ContactID: c, Payload: []byte(`{"n":` + string(rune('0'+i)) + `}`), CreatedAt: now}); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return acct
}

func claim(t *testing.T, db *sqlstore.DB, worker string, now time.Time, limit int) []ob.WebhookDelivery {
	t.Helper()
	var ds []ob.WebhookDelivery
	err := db.Write(context.Background(), func(tx store.Tx) (err error) {
		ds, err = tx.ClaimDeliveries(worker, now, now.Add(time.Minute), limit, func(ob.ID) int { return limit })
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func record(t *testing.T, db *sqlstore.DB, worker string, rs ...ob.DeliveryResult) {
	t.Helper()
	if err := db.Write(context.Background(), func(tx store.Tx) error { _, err := tx.RecordDeliveries(worker, rs); return err }); err != nil {
		t.Fatal(err)
	}
}

// TestDeliveryQueue: the claim takes the oldest pending delivery of each
// stream only, holds the stream while leased, moves on when the delivery is
// done, holds everything while the webhook is disabled, and a re-subscribe
// makes it due again.
func TestDeliveryQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := e.Open(t)
		now := time.UnixMilli(1_800_000_000_000).UTC()
		c1, c2 := ob.NewID(), ob.NewID()
		acct := queueFixture(t, db, []string{c1, c2}, 3, now)

		ds := claim(t, db, "w1", now, 10)
		if len(ds) != 2 || ds[0].Event != ob.EventContactUpdated || string(ob.WebhookPayload(ds[0].Body)) != `{"n":0}` ||
			string(ob.WebhookPayload(ds[1].Body)) != `{"n":0}` || ds[0].Webhook.URL != "http://x" {
			t.Fatalf("first claim: %+v", ds)
		}
		if string(ds[0].Body) != `{"event":"contact_updated","payload":{"n":0}}` || ds[0].MessageID == "" || ds[0].Attempts != 0 {
			t.Errorf("delivery %s %q %d", ds[0].Body, ds[0].MessageID, ds[0].Attempts)
		}
		if again := claim(t, db, "w2", now, 10); len(again) != 0 {
			t.Fatalf("leased streams claimed again: %+v", again)
		}
		// c1's head delivered: its next is due; c2's head fails and waits.
		att := ob.WebhookAttempt{Attempt: 1, CreatedAt: now}
		record(t, db, "w1",
			ob.DeliveryResult{Delivery: ds[0], Outcome: ob.DeliveryDelivered, At: now, Attempt: att},
			ob.DeliveryResult{Delivery: ds[1], Outcome: ob.DeliveryRetry, At: now, Attempt: att, NextAttemptAt: now.Add(30 * time.Second)})
		next := claim(t, db, "w1", now, 10)
		if len(next) != 1 || next[0].StreamID != ds[0].StreamID || string(ob.WebhookPayload(next[0].Body)) != `{"n":1}` {
			t.Fatalf("after one success: %+v", next)
		}
		var due time.Time
		_ = db.Read(context.Background(), func(tx store.Tx) (err error) { due, err = tx.NextDeliveryAt(now); return err })
		if !due.Equal(now.Add(30 * time.Second)) {
			t.Errorf("next due %s, want the retry at %s", due, now.Add(30*time.Second))
		}
		// At the retry time c1's stream is still leased (a minute).
		retried := claim(t, db, "w1", now.Add(30*time.Second), 10)
		if len(retried) != 1 || retried[0].ID != ds[1].ID || retried[0].Failures != 1 || retried[0].Attempts != 1 {
			t.Fatalf("retry claim: %+v", retried)
		}
		// 410: the webhook is disabled and nothing is claimable.
		record(t, db, "w1", ob.DeliveryResult{Delivery: retried[0], Outcome: ob.DeliveryGone, At: now, Attempt: att},
			ob.DeliveryResult{Delivery: next[0], Outcome: ob.DeliveryReleased, At: now})
		var hook *ob.Webhook
		_ = db.Read(context.Background(), func(tx store.Tx) (err error) { hook, err = tx.WebhookByAccount(acct); return err })
		if hook.Enabled {
			t.Error("a 410 left the webhook enabled")
		}
		if got := claim(t, db, "w1", now.Add(time.Hour), 10); len(got) != 0 {
			t.Fatalf("a disabled webhook's deliveries were claimed: %+v", got)
		}
		// Re-subscribe: both streams due again, with a fresh schedule.
		err := db.Write(context.Background(), func(tx store.Tx) error { hook.Enabled = true; return tx.SaveWebhook(hook, now) })
		if err != nil {
			t.Fatal(err)
		}
		again := claim(t, db, "w1", now, 10)
		if len(again) != 2 || again[0].Failures != 0 || again[1].Failures != 0 {
			t.Fatalf("after re-subscribe: %+v", again)
		}
		// The log has the three recorded attempts, newest first.
		var log []ob.WebhookAttempt
		var total int
		_ = db.Read(context.Background(), func(tx store.Tx) (err error) {
			log, total, err = tx.ListWebhookAttempts(acct, ob.WebhookAttemptFilter{Limit: 10})
			return err
		})
		if total != 3 || len(log) != 3 || log[0].ID < log[2].ID || string(log[0].Payload) == "" {
			t.Errorf("log: %d entries of %d: %+v", len(log), total, log)
		}
	})
}

// TestConcurrentClaims: workers claiming at the same time never get the
// same stream (FOR UPDATE SKIP LOCKED on PostgreSQL, the single writer on
// SQLite).
func TestConcurrentClaims(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := e.Open(t)
		now := time.UnixMilli(1_800_000_000_000).UTC()
		var contacts []string
		for range 60 {
			contacts = append(contacts, ob.NewID())
		}
		queueFixture(t, db, contacts, 2, now)
		var mu sync.Mutex
		seen := map[int64]string{}
		var wg sync.WaitGroup
		for w := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				worker := string(rune('a' + w))
				for range 5 {
					for _, d := range claim(t, db, worker, now, 5) {
						mu.Lock()
						if other, dup := seen[d.StreamID]; dup {
							t.Errorf("stream %d claimed by %s and %s", d.StreamID, other, worker)
						}
						seen[d.StreamID] = worker
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		if len(seen) != len(contacts) {
			t.Errorf("%d streams claimed, want %d", len(seen), len(contacts))
		}
	})
}
