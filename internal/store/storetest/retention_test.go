package storetest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/sqlstore"
	"github.com/openbell/openbell/internal/store/storetest"
)

// prune runs PruneEvents in batches of limit until nothing older than
// before is left, and returns how many transactions that took.
func prune(t *testing.T, db *sqlstore.DB, before time.Time, limit int) int {
	t.Helper()
	for n := 1; n < 100; n++ {
		var more bool
		err := db.Write(context.Background(), func(tx store.Tx) (err error) {
			more, err = tx.PruneEvents(before, limit)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !more {
			return n
		}
	}
	t.Fatal("PruneEvents still had more after 100 batches")
	return 0
}

// eventLog returns the account's events, as "name n", and its number of
// attempts.
func eventLog(t *testing.T, db *sqlstore.DB, acct ob.ID) (events []string, attempts int) {
	t.Helper()
	err := db.Read(context.Background(), func(tx store.Tx) error {
		evs, err := tx.EventsAfter(acct, 0, 1000)
		for _, e := range evs {
			events = append(events, e.Name+" "+string(e.Payload))
		}
		if err != nil {
			return err
		}
		_, attempts, err = tx.ListWebhookAttempts(acct, ob.WebhookAttemptFilter{Limit: 1})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return events, attempts
}

// TestPruneEvents: events and attempts older than the cutoff are deleted,
// a batch at a time; an event whose delivery is pending is kept until the
// delivery is done, and the streams still deliver afterwards.
func TestPruneEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := e.Open(t)
		t0 := time.UnixMilli(1_800_000_000_000).UTC()
		c1, c2 := ob.NewID(), ob.NewID()
		// 13 events: one from before the webhook, and per contact three
		// contact_updated (queued) and three contact_created (not).
		acct := queueFixture(t, db, []string{c1, c2}, 3, t0)
		// c1's first event is delivered, c2's fails and waits for a retry.
		ds := claim(t, db, "w1", t0, 10)
		att := ob.WebhookAttempt{Attempt: 1, CreatedAt: t0}
		record(t, db, "w1",
			ob.DeliveryResult{Delivery: ds[0], Outcome: ob.DeliveryDelivered, At: t0, Attempt: att},
			ob.DeliveryResult{Delivery: ds[1], Outcome: ob.DeliveryRetry, At: t0, Attempt: att, NextAttemptAt: t0.Add(time.Hour)})
		// A newer event, after the cutoff.
		err := db.Write(context.Background(), func(tx store.Tx) error {
			return tx.InsertEvent(&ob.Event{AccountID: acct, Name: ob.EventContactCreated, ContactID: c1, Payload: []byte(`{"n":"new"}`), CreatedAt: t0.Add(time.Minute)})
		})
		if err != nil {
			t.Fatal(err)
		}
		if evs, attempts := eventLog(t, db, acct); len(evs) != 14 || attempts != 2 {
			t.Fatalf("before pruning: %d events, %d attempts", len(evs), attempts)
		}

		// Nothing is older than t0.
		prune(t, db, t0, 3)
		if evs, attempts := eventLog(t, db, acct); len(evs) != 14 || attempts != 2 {
			t.Fatalf("pruning before t0 deleted something: %d events, %d attempts", len(evs), attempts)
		}

		// Everything of t0 goes but the five events still pending, in batches
		// of three (8 events to delete).
		if n := prune(t, db, t0.Add(time.Second), 3); n < 3 {
			t.Errorf("pruned in %d transactions, want batches of 3", n)
		}
		evs, attempts := eventLog(t, db, acct)
		want := fmt.Sprint([]string{
			`contact_updated {"n":0}`, // c2's, waiting for its retry
			`contact_updated {"n":1}`, `contact_updated {"n":1}`,
			`contact_updated {"n":2}`, `contact_updated {"n":2}`,
			`contact_created {"n":"new"}`,
		})
		if fmt.Sprint(evs) != want || attempts != 0 {
			t.Errorf("after pruning: events %v, %d attempts; want %v and none", evs, attempts, want)
		}

		// The streams deliver on; a delivered event goes at the next prune.
		next := claim(t, db, "w1", t0, 10)
		if len(next) != 1 || next[0].Stream != c1 || string(ob.WebhookPayload(next[0].Body)) != `{"n":1}` {
			t.Fatalf("claim after pruning: %+v", next)
		}
		record(t, db, "w1", ob.DeliveryResult{Delivery: next[0], Outcome: ob.DeliveryDelivered, At: t0, Attempt: att})
		prune(t, db, t0.Add(time.Second), 3)
		if evs, _ := eventLog(t, db, acct); len(evs) != 5 {
			t.Errorf("after delivering one more: %v", evs)
		}
		// A given-up delivery's event goes too.
		retry := claim(t, db, "w1", t0.Add(time.Hour), 10)
		if len(retry) != 2 {
			t.Fatalf("claim at the retry: %+v", retry)
		}
		for _, d := range retry {
			outcome := ob.DeliveryReleased
			if d.Stream == c2 {
				outcome = ob.DeliveryFailed
			}
			record(t, db, "w1", ob.DeliveryResult{Delivery: d, Outcome: outcome, At: t0, Attempt: att})
		}
		prune(t, db, t0.Add(time.Second), 3)
		if evs, _ := eventLog(t, db, acct); len(evs) != 4 || evs[0] != `contact_updated {"n":1}` {
			t.Errorf("after giving one up: %v", evs)
		}
	})
}
