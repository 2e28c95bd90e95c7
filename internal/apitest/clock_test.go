package apitest_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/store/storetest"
)

// TestAccountClockIsTheOnlyClock: once the sandbox clock has moved, every
// time the account stores or answers comes from it, so that times never
// contradict each other: a contact is not closed before it was created, and
// notes sort with the messages around them.
func TestAccountClockIsTheOnlyClock(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		const ahead = 3 * time.Hour
		expectStatus(t, s.Do("POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": int(ahead / time.Second)}), 200)
		now := time.Now().Add(ahead)
		// isNow reports whether a T1, T2 or T3 time is the account's now.
		isNow := func(where string, v any) {
			t.Helper()
			s, _ := v.(string)
			var tm time.Time
			var err error
			for _, layout := range []string{"2006-01-02T15:04:05Z", "2006-01-02T15:04:05.000Z", "2006-01-02 15:04:05 -0700"} {
				if tm, err = time.Parse(layout, s); err == nil {
					break
				}
			}
			if err != nil || tm.Sub(now).Abs() > time.Minute {
				t.Errorf("%s: %v is not the account's time %s", where, v, now.UTC().Format(time.RFC3339))
			}
		}
		rec := apitest.NewReceiver(t)
		hook := obj(t, s.Do("POST", "/v1/webhooks/subscribe", map[string]any{"url": rec.URL, "subscriptions": []string{"contact_created"}}), "webhook")
		isNow("webhook createdAt", hook["createdAt"])
		n := len(s.Events(""))
		c := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+39 347 1234567", "source": "whatsapp", "name": "Lucia"}), "contact")
		id := c["uuid"].(string)
		isNow("contact createdAt", c["createdAt"])
		r := s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "393471234567", "text": "Ciao"})
		isNow("inbound createdAt", at(r.JSON(t), "message.createdAt"))
		expectStatus(t, s.Do("POST", "/v1/contacts/"+id+"/conversation/note", map[string]any{"text": "VIP"}), 200)
		out := send(t, s, map[string]any{"to": "393471234567", "from": "whatsapp", "content": map[string]any{"text": "Buongiorno"}})
		closed := obj(t, s.Do("POST", "/v1/contacts/"+id+"/conversation/close", nil), "contact")
		isNow("closedAt", closed["closedAt"])
		if closed["closedAt"].(string) < c["createdAt"].(string) {
			t.Errorf("closed at %v, before it was created at %v", closed["closedAt"], c["createdAt"])
		}
		msgs := list(t, s.Do("GET", "/v1/contacts/"+id+"/messages", nil), "messages")
		if got := pluck(msgs, "text"); !slices.Equal(got, []string{"Conversation closed", "Buongiorno", "VIP", "Ciao"}) {
			t.Errorf("message list %v", got)
		}
		for _, m := range msgs {
			isNow("message "+fmt.Sprint(m["text"]), m["createdAt"])
		}
		// The send request's status time and every event's time.
		st := obj(t, s.Do("GET", "/v1/messages/status/"+out, nil), "message")
		ts, _ := at(st, "messageStatusPayload.payload.ts").(float64)
		if ts == 0 {
			// enqueued has no ts: force a status to get one.
			st = obj(t, s.Do("POST", "/sandbox/v1/messages/"+out+"/status", map[string]any{"status": "delivered"}), "message")
			ts, _ = at(st, "messageStatusPayload.payload.ts").(float64)
		}
		isNow("status ts", time.Unix(int64(ts), 0).UTC().Format("2006-01-02T15:04:05Z"))
		for _, e := range s.Events("")[n:] {
			isNow("event "+e.Name, e.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"))
		}
		// The workspace's times too.
		jane := member(t, s, "jane.doe@email.com")
		r = s.Do("PUT", "/v1/users/"+jane["uuid"].(string)+"/status", map[string]any{"available": false})
		isNow("user status", at(r.JSON(t), "user_status.appearance.last_updated_at"))
		cs := obj(t, s.Do("POST", "/v1/custom_statuses", map[string]any{"name": "Siesta"}), "customStatus")
		isNow("custom status createdAt", cs["createdAt"])
		// The webhook attempt log.
		rec.WaitDelivered(t, 1, 10*time.Second)
		var logged []map[string]any
		for deadline := time.Now().Add(10 * time.Second); len(logged) == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			logged = list(t, s.Do("GET", "/v1/webhooks/events", nil), "webhook_events")
		}
		if len(logged) == 0 {
			t.Fatal("no attempt logged")
		}
		isNow("webhook attempt createdAt", logged[0]["createdAt"])
	})
}

// TestMovedClockKeepsDeliveriesOnTime: events recorded on a clock moved
// ahead are still delivered at once, and delivery progression goes on.
func TestMovedClockKeepsDeliveriesOnTime(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		expectStatus(t, s.Do("POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": 7200}), 200)
		rec := apitest.NewReceiver(t)
		expectStatus(t, s.Do("POST", "/v1/webhooks/subscribe", map[string]any{"url": rec.URL, "subscriptions": []string{"message_status_updated"}}), 200)
		id := send(t, s, template("+1 555 010 6666", "x"))
		waitStatus(t, s, id, "read")
		rec.WaitDelivered(t, 4, 10*time.Second)
	}, func(testing.TB) apitest.Option { return apitest.WithDeliveryInterval(20 * time.Millisecond) })
}

// fixedClock is a server clock that does not move.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

var fixedNow = time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC)

// TestSandboxClock: GET /sandbox/v1/clock answers the account's clock, the
// server's time until POST /sandbox/v1/clock moves it, then the time it
// moved to; another account's clock stays.
func TestSandboxClock(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := apitest.StartClock(t, apitest.NewConfig(t, e, withOther(t)), fixedClock{fixedNow})
		get := func(token string) string {
			t.Helper()
			r := s.Send(apitest.Request{Method: "GET", Path: "/sandbox/v1/clock", Token: token})
			expectStatus(t, r, 200)
			return string(r.Body)
		}
		if got, want := get(""), `{"now":"2026-12-02T17:00:00Z","offset_seconds":0}`; got != want {
			t.Errorf("before: %s, want %s", got, want)
		}
		r := s.Do("POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": 90061})
		expectStatus(t, r, 200)
		want := `{"now":"2026-12-03T18:01:01Z","offset_seconds":90061}`
		if got := string(r.Body); got != want {
			t.Errorf("POST answered %s, want %s", got, want)
		}
		if got := get(""); got != want {
			t.Errorf("after: %s, want %s", got, want)
		}
		if got, want := get("other-token"), `{"now":"2026-12-02T17:00:00Z","offset_seconds":0}`; got != want {
			t.Errorf("the other account's clock: %s, want %s", got, want)
		}
	})
}
