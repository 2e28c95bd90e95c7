package storetest_test

import (
	"context"
	"testing"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/fixture"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/sqlstore"
	"github.com/openbell/openbell/internal/store/storetest"
)

const otherWorkspace = `
accounts:
  - name: Other
    tokens: ["other-token"]
    custom_statuses: [{name: Away}]
    users: [{email: olga@other.test, name: Olga, custom_status: Away}]
    teams: [{name: General, default: true, members: [olga@other.test]}]
    channels: [{type: whatsapp, title: Other line, identifier: "+44 20 7946 0000", main: true}]
    tags: [vip]
    custom_fields: [{name: Address, type: text}]
    funnels: [{name: New}]
    templates: [{title: Hi, text: "Hi"}]
    bots: [{name: Bot}]
    contacts:
      - {name: Olga Customer, identifier: "+44 7700 900123", source: whatsapp, tags: [vip], team: General,
         messages: [{direction: inbound, text: "hi"}]}
`

// holdings counts what an account holds, kind by kind.
type holdings struct {
	users, teams, channels, tags, fields, funnels, templates, bots, statuses int
	contacts, counted, tagged, taggedCounted                                 int
	events, attempts, tokens                                                 int
	webhook, idempotencyKey                                                  bool
	offset                                                                   time.Duration
}

func holdingsOf(t *testing.T, db *sqlstore.DB, acct ob.ID, tag string) holdings {
	t.Helper()
	var h holdings
	err := db.Read(context.Background(), func(tx store.Tx) error {
		users, err := tx.Users(acct)
		h.users = len(users)
		teams, err2 := tx.Teams(acct)
		h.teams = len(teams)
		channels, err3 := tx.Channels(acct)
		h.channels = len(channels)
		tags, err4 := tx.Tags(acct)
		h.tags = len(tags)
		fields, err5 := tx.CustomFields(acct)
		h.fields = len(fields)
		funnels, err6 := tx.Funnels(acct)
		h.funnels = len(funnels)
		templates, err7 := tx.Templates(acct)
		h.templates = len(templates)
		bots, err8 := tx.Bots(acct)
		h.bots = len(bots)
		statuses, err9 := tx.CustomStatuses(acct)
		h.statuses = len(statuses)
		for _, e := range []error{err, err2, err3, err4, err5, err6, err7, err8, err9} {
			if e != nil {
				return e
			}
		}
		page, n, err := tx.ListContacts(acct, ob.ContactFilter{Limit: 100})
		if err != nil {
			return err
		}
		h.contacts, h.counted = len(page), n
		page, n, err = tx.ListContacts(acct, ob.ContactFilter{Limit: 100, Tags: []string{tag}})
		if err != nil {
			return err
		}
		h.tagged, h.taggedCounted = len(page), n
		evs, err := tx.EventsAfter(acct, 0, 1000)
		if err != nil {
			return err
		}
		h.events = len(evs)
		if _, h.attempts, err = tx.ListWebhookAttempts(acct, ob.WebhookAttemptFilter{Limit: 100}); err != nil {
			return err
		}
		if h.tokens, err = tx.CountTokens(acct); err != nil {
			return err
		}
		_, err = tx.WebhookByAccount(acct)
		h.webhook = err == nil
		_, _, err = tx.IdempotentResponse(acct, "key", time.Time{})
		h.idempotencyKey = err == nil
		h.offset, err = tx.ClockOffset(acct)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// busyAccounts loads the demo workspace and another account, and gives each
// what a client adds: a webhook with a delivered event, a clock offset, an
// idempotency key.
func busyAccounts(t *testing.T, db *sqlstore.DB, now time.Time) (demo, other ob.ID) {
	t.Helper()
	ctx := context.Background()
	if err := fixture.Apply(ctx, db, fixture.Demo(), now); err != nil {
		t.Fatal(err)
	}
	f, err := fixture.Parse([]byte(otherWorkspace))
	if err != nil {
		t.Fatal(err)
	}
	if err := fixture.Apply(ctx, db, f, now); err != nil {
		t.Fatal(err)
	}
	err = db.Write(ctx, func(tx store.Tx) error {
		for _, name := range []string{"Demo", "Other"} {
			a, err := tx.AccountByName(name)
			if err != nil {
				return err
			}
			if name == "Demo" {
				demo = a.ID
			} else {
				other = a.ID
			}
			w := &ob.Webhook{AccountID: a.ID, URL: "http://x", Subscriptions: []string{ob.EventContactUpdated}, SealedSecret: "s", CreatedAt: now}
			if err := tx.SaveWebhook(w, now); err != nil {
				return err
			}
			if err := tx.InsertEvent(&ob.Event{AccountID: a.ID, Name: ob.EventContactUpdated, Payload: []byte(`{}`), CreatedAt: now}); err != nil {
				return err
			}
			if err := tx.SetClockOffset(a.ID, time.Hour); err != nil {
				return err
			}
			if err := tx.SaveIdempotentResponse(a.ID, "key", "h", []byte(`{}`), now, now.Add(-time.Hour)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range claim(t, db, "w", now, 10) {
		record(t, db, "w", ob.DeliveryResult{Delivery: d, Outcome: ob.DeliveryDelivered, At: now, Attempt: ob.WebhookAttempt{Attempt: 1, CreatedAt: now}})
	}
	return demo, other
}

// TestClearAccount: the account keeps its row and tokens and nothing else;
// the other account keeps everything; the contact counts start again from
// zero, so a workspace loaded again lists and counts alike.
func TestClearAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := e.Open(t)
		now := time.UnixMilli(1_800_000_000_000).UTC()
		demo, other := busyAccounts(t, db, now)
		demoBefore, otherBefore := holdingsOf(t, db, demo, "sales"), holdingsOf(t, db, other, "vip")
		if demoBefore.users == 0 || demoBefore.contacts == 0 || demoBefore.attempts == 0 || !demoBefore.webhook ||
			!demoBefore.idempotencyKey || demoBefore.offset == 0 || otherBefore.attempts == 0 || otherBefore.tagged == 0 {
			t.Fatalf("the accounts do not hold what the test clears: %+v %+v", demoBefore, otherBefore)
		}

		if err := db.Write(context.Background(), func(tx store.Tx) error { return tx.ClearAccount(demo) }); err != nil {
			t.Fatal(err)
		}
		if got, want := holdingsOf(t, db, demo, "sales"), (holdings{tokens: demoBefore.tokens}); got != want {
			t.Errorf("cleared account holds %+v, want %+v", got, want)
		}
		if got := holdingsOf(t, db, other, "vip"); got != otherBefore {
			t.Errorf("other account holds %+v, held %+v", got, otherBefore)
		}
		err := db.Read(context.Background(), func(tx store.Tx) error { _, err := tx.AccountByID(demo); return err })
		if err != nil {
			t.Errorf("the account row: %v", err)
		}

		// Loaded again in the transaction that clears it.
		err = db.Write(context.Background(), func(tx store.Tx) error {
			if err := tx.ClearAccount(demo); err != nil {
				return err
			}
			_, err := fixture.ApplyAccount(tx, fixture.Demo(), "Demo", now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		h := holdingsOf(t, db, demo, "sales")
		if h.contacts != demoBefore.contacts || h.counted != h.contacts || h.tagged != demoBefore.tagged || h.taggedCounted != h.tagged ||
			h.users != demoBefore.users || h.events != 0 || h.webhook {
			t.Errorf("loaded again: %+v, first load %+v", h, demoBefore)
		}
	})
}

// TestRecordAfterClear: a delivery in flight when its account was cleared
// leaves no attempt and no failure on the webhook subscribed since; the other
// account's results are recorded.
func TestRecordAfterClear(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := e.Open(t)
		now := time.UnixMilli(1_800_000_000_000).UTC()
		a := queueFixture(t, db, []string{ob.NewID()}, 1, now)
		b := queueFixture(t, db, []string{ob.NewID()}, 1, now)
		ds := claim(t, db, "w", now, 10)
		if len(ds) != 2 {
			t.Fatalf("claimed %d deliveries, want 2", len(ds))
		}
		err := db.Write(context.Background(), func(tx store.Tx) error {
			if err := tx.ClearAccount(a); err != nil {
				return err
			}
			w := &ob.Webhook{AccountID: a, URL: "http://y", Subscriptions: []string{ob.EventContactUpdated}, SealedSecret: "s", CreatedAt: now}
			return tx.SaveWebhook(w, now)
		})
		if err != nil {
			t.Fatal(err)
		}
		var results []ob.DeliveryResult
		for _, d := range ds {
			results = append(results, ob.DeliveryResult{Delivery: d, Outcome: ob.DeliveryGone, At: now, Attempt: ob.WebhookAttempt{Attempt: 1, Code: 410, CreatedAt: now}})
		}
		record(t, db, "w", results...)
		err = db.Read(context.Background(), func(tx store.Tx) error {
			for _, c := range []struct {
				acct     ob.ID
				attempts int
				enabled  bool
			}{{a, 0, true}, {b, 1, false}} {
				_, n, err := tx.ListWebhookAttempts(c.acct, ob.WebhookAttemptFilter{Limit: 10})
				if err != nil {
					return err
				}
				w, err := tx.WebhookByAccount(c.acct)
				if err != nil {
					return err
				}
				if n != c.attempts || w.Enabled != c.enabled || w.FailingSince.IsZero() != c.enabled {
					t.Errorf("account %s: %d attempts, webhook enabled %v failing since %v; want %d attempts, enabled %v",
						c.acct, n, w.Enabled, w.FailingSince, c.attempts, c.enabled)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
