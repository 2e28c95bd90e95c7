package apitest_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/app"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/storetest"
)

// resetSeed adds to the demo account (a tag, a contact) and makes an account
// of its own, with objects pinned and not.
const resetSeed = `
accounts:
  - name: Demo
    tags: [seeded]
    contacts:
      - {uuid: 5eed0000aaaa4bbb8ccc000000000001, name: Seeded Sam, identifier: "+31 6 22222222", source: whatsapp, tags: [seeded]}
  - name: Acme
    tokens: ["acme-token"]
    custom_statuses:
      - {uuid: 5eed0000-aaaa-4bbb-8ccc-000000000002, name: Lunch, emoji: "🍙"}
      - {name: Away}
    users:
      - {uuid: 5eed0000aaaa4bbb8ccc000000000003, email: ana@acme.test, name: Ana Lima, admin: true, available: true}
      - {email: bo@acme.test, name: Bo Berg, custom_status: Away}
    teams:
      - {uuid: 5eed0000aaaa4bbb8ccc000000000004, name: General, default: true, members: [ana@acme.test, bo@acme.test]}
      - {name: Support, members: [bo@acme.test]}
    channels:
      - {uuid: 5eed0000aaaa4bbb8ccc000000000005, type: whatsapp, title: Main line, identifier: "+31 20 123 4567", main: true}
    tags: [lead, customer]
    custom_fields:
      - {name: Address, type: text}
    funnels:
      - {name: Awareness, position: 1}
    templates:
      - {title: Welcome, text: "Hello {{1}}!", status: approved}
    contacts:
      - uuid: 5eed0000aaaa4bbb8ccc000000000006
        name: Carla Acme
        identifier: "+31 6 33333333"
        source: whatsapp
        tags: [lead]
        team: Support
        assigned_user: bo@acme.test
        custom_fields: {Address: Dam 1}
        messages:
          - {direction: inbound, text: "Hi Acme", ago: 600}
          - {direction: outbound, text: "Hello Carla", ago: 300, status: delivered}
          - {direction: note, text: "VIP", ago: 60}
      - {uuid: 5eed0000aaaa4bbb8ccc000000000007, name: Dirk Acme, identifier: "+31 6 44444444", source: whatsapp}
`

const (
	resetAcmeToken = "acme-token"
	acmeCarla      = "5eed0000aaaa4bbb8ccc000000000006"
	seededSam      = "5eed0000aaaa4bbb8ccc000000000001"
	csLunchDemo    = "8dbd6f6c-ec09-4b87-a04e-bef1c2ca41db"
)

// startFixed starts a server on e with the reset seed and a clock that does
// not move: a reset then loads the fixtures at the very time a fresh server
// loaded them, so that the two answer alike to the millisecond.
func startFixed(t *testing.T, e storetest.Engine) *apitest.Server {
	return apitest.StartClock(t, apitest.NewConfig(t, e, apitest.WithSeed(t, resetSeed)), fixedClock{fixedNow})
}

// accountPaths are the answers compared between a reset account and a fresh
// one: lists of every kind of object, a contact's messages, the webhook, the
// attempt log, the fault rules and the clock.
func accountPaths(contact string) []string {
	return []string{
		"/v1/contacts", "/v1/contacts?tags=lead", "/v1/contacts?tags=seeded", "/v1/contacts/" + contact,
		"/v1/contacts/" + contact + "/messages", "/v1/teams", "/v1/custom_statuses", "/v1/channels", "/v1/funnels",
		"/v1/templates", "/v1/plan", "/v1/auth/me", "/v1/webhooks", "/v1/webhooks/events", "/sandbox/v1/faults",
		"/sandbox/v1/clock",
	}
}

var (
	// reAnyID matches the ids of every form in an answer.
	reAnyID = regexp.MustCompile(`[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|wamid\.[A-Za-z0-9_-]+=*`)
	// rePinned matches the ids a fixture pins, in either form.
	rePinned = regexp.MustCompile(`[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}`)
)

// snapshot returns what the account of token answers on paths (status and
// body), with the server's address left out and every id a fixture does not
// pin replaced by its order of appearance: those are new at each load, the
// pinned ones must come back.
func snapshot(t *testing.T, s *apitest.Server, token string, paths []string) map[string]string {
	t.Helper()
	demo, err := os.ReadFile("../fixture/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pinned := map[string]bool{}
	for _, id := range rePinned.FindAllString(string(demo)+resetSeed, -1) {
		pinned[strings.ReplaceAll(id, "-", "")] = true
	}
	seen := map[string]string{}
	out := map[string]string{}
	for _, p := range paths {
		r := s.Send(apitest.Request{Method: "GET", Path: p, Token: token})
		body := strings.ReplaceAll(string(r.Body), strings.TrimPrefix(s.URL, "http://"), "<server>")
		body = reAnyID.ReplaceAllStringFunc(body, func(id string) string {
			if pinned[strings.ReplaceAll(id, "-", "")] {
				return id
			}
			if _, ok := seen[id]; !ok {
				seen[id] = fmt.Sprintf("<id %d>", len(seen)+1)
			}
			return seen[id]
		})
		out[p] = fmt.Sprintf("%d %s", r.Status, body)
	}
	return out
}

func sameSnapshot(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: GET %s\n got %s\nwant %s", what, p, got[p], w)
		}
	}
}

// do sends a request with token and fails unless it answers want.
func do(t *testing.T, s *apitest.Server, token, method, path string, body any, want int) *apitest.Response {
	t.Helper()
	r := s.Send(apitest.Request{Method: method, Path: path, Body: body, Token: token})
	if r.Status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// mess changes everything a client can change of the account of token:
// contacts, messages, notes, statuses, the webhook (with deliveries and
// attempts), fault rules, the clock, idempotency keys and the workspace
// objects the API can change or create.
func mess(t *testing.T, s *apitest.Server, token, contact, team, status, channel string) {
	t.Helper()
	rcv := apitest.NewReceiver(t)
	subs := []string{"contact_created", "contact_updated", "message_created"}
	do(t, s, token, "POST", "/v1/webhooks/subscribe", map[string]any{"url": rcv.URL, "subscriptions": subs}, 200)
	do(t, s, token, "POST", "/v1/contacts", map[string]any{"identifier": "+49 30 5550001", "source": "whatsapp", "name": "New One", "tags": []string{"lead"}, "team_uuid": team}, 200)
	do(t, s, token, "PATCH", "/v1/contacts/"+contact, map[string]any{"name": "Renamed", "tags": []string{}}, 200)
	do(t, s, token, "POST", "/v1/contacts/"+contact+"/conversation/note", map[string]any{"text": "a note"}, 200)
	do(t, s, token, "POST", "/v1/contacts/"+contact+"/conversation/close", nil, 200)
	do(t, s, token, "POST", "/sandbox/v1/inbound", map[string]any{"from": "+49 30 5550002", "text": "hello"}, 200)
	do(t, s, token, "POST", "/sandbox/v1/inbound", map[string]any{"from": "+49 30 5550002", "text": "again"}, 200)
	send := s.Send(apitest.Request{Method: "POST", Path: "/v1/messages/send", Token: token, Header: map[string]string{"Idempotency-Key": "reset-key"},
		Body: map[string]any{"to": "+49 30 5550002", "from": "whatsapp", "type": "text", "content": map[string]any{"text": "answer"}}})
	if send.Status != 200 {
		t.Fatalf("send: %d %s", send.Status, send.Body)
	}
	do(t, s, token, "PATCH", "/v1/teams/"+team, map[string]any{"name": "Changed team"}, 200)
	do(t, s, token, "PUT", "/v1/custom_statuses/"+status, map[string]any{"name": "Changed status", "emoji": "🛑"}, 200)
	do(t, s, token, "POST", "/v1/custom_statuses", map[string]any{"name": "Made by the API"}, 200)
	do(t, s, token, "PATCH", "/v1/channels/"+channel, map[string]any{"title": "Changed channel"}, 200)
	do(t, s, token, "POST", "/sandbox/v1/faults", map[string]any{"path_prefix": "/v1/nothing", "status": 503}, 200)
	do(t, s, token, "POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": 3600}, 200)
	// Every delivery is done and logged before the caller looks.
	queued := 0
	for _, e := range s.Events(token) {
		if slices.Contains(subs, e.Name) {
			queued++
		}
	}
	rcv.WaitDelivered(t, queued, 10*time.Second)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		logged := list(t, s.Send(apitest.Request{Method: "GET", Path: "/v1/webhooks/events", Token: token}), "webhook_events")
		if len(logged) == queued {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d attempts logged, want %d", len(logged), queued)
		}
	}
}

// TestResetDemoAccount: after a client changed everything it can change of
// the demo account, POST /sandbox/v1/reset gives back exactly what a fresh
// server holds (the demo workspace and what the seed adds to it), pinned ids
// included, and records no event; the other account and every token stay
// as they were.
func TestResetDemoAccount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		fresh := startFixed(t, e)
		demoPaths := append(accountPaths(johnDoe), "/v1/contacts/"+seededSam, "/v1/teams/"+teamGen+"/members")
		acmePaths := accountPaths(acmeCarla)
		wantDemo := snapshot(t, fresh, apitest.DemoToken, demoPaths)
		wantAcme := snapshot(t, fresh, resetAcmeToken, acmePaths)
		fresh.Stop()
		for p, w := range map[string]string{"/v1/webhooks": "404 ", "/sandbox/v1/faults": `200 {"faults":[]}`,
			"/sandbox/v1/clock": `200 {"now":"2026-12-02T17:00:00Z","offset_seconds":0}`, "/v1/webhooks/events": `200 {"webhook_events":[]`} {
			if !strings.HasPrefix(wantDemo[p], w) {
				t.Errorf("a fresh server answers GET %s with %s", p, wantDemo[p])
			}
		}

		s := startFixed(t, e)
		// A token made outside the fixtures (openbell token create).
		err := s.App.Store.Write(context.Background(), func(tx store.Tx) error {
			acct, err := tx.DefaultAccount()
			if err != nil {
				return err
			}
			return tx.InsertToken(app.TokenFor(acct.ID, "made-by-token-create", fixedClock{fixedNow}))
		})
		if err != nil {
			t.Fatal(err)
		}
		sameSnapshot(t, "before any change", snapshot(t, s, apitest.DemoToken, demoPaths), wantDemo)

		mess(t, s, apitest.DemoToken, johnDoe, teamSup, csLunchDemo, tgMain)
		do(t, s, apitest.DemoToken, "DELETE", "/v1/contacts/"+marioRossi, nil, 200)
		do(t, s, apitest.DemoToken, "POST", "/sandbox/v1/messages/adf3d1216d4c4dcd908199d6700f2381/status", map[string]any{"status": "read"}, 200)
		do(t, s, apitest.DemoToken, "PUT", "/v1/users/414a6d692bd645ed803f2e7ce360d4c8/status", map[string]any{"available": false, "custom_status_uuid": csLunchDemo}, 200)
		do(t, s, apitest.DemoToken, "PATCH", "/v1/templates/d980fb66fd5043d3ace1aa06ba044342", map[string]any{"title": "Changed template"}, 200)
		mess(t, s, resetAcmeToken, acmeCarla, "5eed0000aaaa4bbb8ccc000000000004", "5eed0000-aaaa-4bbb-8ccc-000000000002", "5eed0000aaaa4bbb8ccc000000000005")
		acmeBefore := snapshot(t, s, resetAcmeToken, acmePaths)
		acmeEvents := len(s.Events(resetAcmeToken))
		if acmeEvents == 0 || len(s.Events("")) == 0 {
			t.Fatal("the changes recorded no events")
		}
		changed := snapshot(t, s, apitest.DemoToken, demoPaths)
		unchangeable := []string{"/v1/plan", "/v1/auth/me", "/v1/funnels", "/v1/contacts/" + seededSam}
		for p, w := range wantDemo {
			if changed[p] == w && !slices.Contains(unchangeable, p) {
				t.Errorf("the changes left GET %s as a fresh server answers it", p)
			}
		}

		r := do(t, s, apitest.DemoToken, "POST", "/sandbox/v1/reset", nil, 200)
		if got := string(r.Body); got != `{"status":"account was reset"}` {
			t.Errorf("reset answered %s", got)
		}
		sameSnapshot(t, "after the reset", snapshot(t, s, apitest.DemoToken, demoPaths), wantDemo)
		if evs := s.Events(""); len(evs) != 0 {
			t.Errorf("the reset left or recorded events %v", names(evs))
		}
		for _, tok := range []string{apitest.DemoToken, "made-by-token-create"} {
			do(t, s, tok, "GET", "/v1/auth/me", nil, 200)
		}
		// The other account kept its changes.
		sameSnapshot(t, "the other account", snapshot(t, s, resetAcmeToken, acmePaths), acmeBefore)
		if n := len(s.Events(resetAcmeToken)); n != acmeEvents {
			t.Errorf("the other account has %d events, had %d", n, acmeEvents)
		}

		// The idempotency key is forgotten: the same key with another body
		// is a new send, not a 422.
		do(t, s, apitest.DemoToken, "POST", "/sandbox/v1/inbound", map[string]any{"from": "+49 30 5550002", "text": "back"}, 200)
		r = s.Send(apitest.Request{Method: "POST", Path: "/v1/messages/send", Header: map[string]string{"Idempotency-Key": "reset-key"},
			Body: map[string]any{"to": "+49 30 5550002", "from": "whatsapp", "type": "text", "content": map[string]any{"text": "another answer"}}})
		expectStatus(t, r, 200)

		// The seed account resets to its seed, and the demo account stays.
		demoNow := snapshot(t, s, apitest.DemoToken, demoPaths)
		do(t, s, resetAcmeToken, "POST", "/sandbox/v1/reset", nil, 200)
		sameSnapshot(t, "the seed account after its reset", snapshot(t, s, resetAcmeToken, acmePaths), wantAcme)
		if evs := s.Events(resetAcmeToken); len(evs) != 0 {
			t.Errorf("the seed account's reset left or recorded events %v", names(evs))
		}
		sameSnapshot(t, "the demo account after the other's reset", snapshot(t, s, apitest.DemoToken, demoPaths), demoNow)
	})
}

// TestResetRacingWrites: resets while other requests change the account
// (create, update and message contacts, change a user, move the clock) all
// succeed, no request fails with a server error, the contact counts match
// the contacts afterwards, and a last reset gives back a fresh server's
// state.
func TestResetRacingWrites(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		paths := append(accountPaths(johnDoe), "/v1/contacts?team_uuid="+teamSup)
		fresh := startFixed(t, e)
		want := snapshot(t, fresh, apitest.DemoToken, paths)
		fresh.Stop()
		s := startFixed(t, e)

		writers := []func(w, n int) *apitest.Response{
			func(w, n int) *apitest.Response {
				return s.Do("POST", "/v1/contacts", map[string]any{"identifier": fmt.Sprintf("+49 30 7%d%06d", w, n), "source": "whatsapp",
					"name": "Racer", "tags": []string{"lead", "hot"}, "team_uuid": teamSup})
			},
			func(w, n int) *apitest.Response {
				tags := [][]string{{"sales"}, {"hot", "lead"}}[n%2]
				return s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": fmt.Sprint("John ", n), "tags": tags, "team_uuid": teamSup})
			},
			func(w, n int) *apitest.Response {
				from := fmt.Sprintf("+49 30 8%d%06d", w, n)
				if r := s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": from, "text": "hi"}); r.Status != 200 {
					return r
				}
				return s.Do("POST", "/v1/messages/send", map[string]any{"to": from, "from": "whatsapp", "type": "text", "content": map[string]any{"text": "hello"}})
			},
			func(w, n int) *apitest.Response {
				return s.Do("PUT", "/v1/users/414a6d692bd645ed803f2e7ce360d4c8/status", map[string]any{"available": n%2 == 0})
			},
			func(w, n int) *apitest.Response {
				return s.Do("POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": 60})
			},
		}
		var (
			wg    sync.WaitGroup
			done  = make(chan struct{})
			mu    sync.Mutex
			fails []string
			sent  atomic.Int64
		)
		for w, write := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; ; n++ {
					select {
					case <-done:
						return
					default:
					}
					if r := write(w, n); r.Status >= 500 {
						mu.Lock()
						fails = append(fails, fmt.Sprintf("writer %d: %d %s", w, r.Status, r.Body))
						mu.Unlock()
					}
					sent.Add(1)
				}
			}()
		}
		for range 6 {
			// Let every writer in before each reset.
			for from := sent.Load(); sent.Load() < from+int64(len(writers)); {
				time.Sleep(time.Millisecond)
			}
			if r := s.Do("POST", "/sandbox/v1/reset", nil); r.Status != 200 {
				t.Errorf("reset: %d %s", r.Status, r.Body)
			}
		}
		close(done)
		wg.Wait()
		for _, f := range fails {
			t.Error(f)
		}
		// The counts are read once nothing writes: on PostgreSQL the page and
		// its count are two statements, each seeing the commits before it.
		consistentCounts(t, s)
		expectStatus(t, s.Do("POST", "/sandbox/v1/reset", nil), 200)
		sameSnapshot(t, "after the last reset", snapshot(t, s, apitest.DemoToken, paths), want)
	})
}

// consistentCounts fails when the demo account's contact counts (the pages
// of GET /v1/contacts) do not match its contacts, with and without filters.
func consistentCounts(t *testing.T, s *apitest.Server) {
	t.Helper()
	err := s.App.Store.Read(context.Background(), func(tx store.Tx) error {
		acct, err := tx.DefaultAccount()
		if err != nil {
			return err
		}
		for _, f := range []ob.ContactFilter{{}, {Tags: []string{"lead"}}, {Tags: []string{"hot"}}, {TeamID: teamSup}, {Source: "whatsapp"}} {
			f.Limit = 100_000
			page, n, err := tx.ListContacts(acct.ID, f)
			if err != nil {
				return err
			}
			if len(page) != n {
				t.Errorf("filter %+v: %d contacts, counted %d", f, len(page), n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestResetNeedsItsFixtures: a reset loads the --seed file as the server
// loaded it: when the file changed since, or when the server was started
// without the file an account came from, the reset answers 409 and changes
// nothing.
func TestResetNeedsItsFixtures(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		cfg := apitest.NewConfig(t, e, apitest.WithSeed(t, resetSeed))
		s := apitest.StartClock(t, cfg, fixedClock{fixedNow})
		do(t, s, resetAcmeToken, "POST", "/v1/contacts", map[string]any{"identifier": "+49 30 5550009", "source": "whatsapp", "name": "Kept"}, 200)
		contacts := func() int {
			return len(list(t, s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts", Token: resetAcmeToken}), "contacts"))
		}
		if n := contacts(); n != 3 {
			t.Fatalf("%d contacts before, want 3", n)
		}

		if err := os.WriteFile(cfg.Seed, []byte(resetSeed+"\n# edited\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{resetAcmeToken, apitest.DemoToken} {
			r := s.Send(apitest.Request{Method: "POST", Path: "/sandbox/v1/reset", Token: tok})
			if m := expectError(t, r, 409); !strings.Contains(m["error"].(string), "changed since") {
				t.Errorf("seed changed: %s", r.Body)
			}
		}
		if n := contacts(); n != 3 {
			t.Errorf("%d contacts after a refused reset, want 3", n)
		}
		if err := os.WriteFile(cfg.Seed, []byte(resetSeed), 0o600); err != nil {
			t.Fatal(err)
		}
		do(t, s, resetAcmeToken, "POST", "/sandbox/v1/reset", nil, 200)
		if n := contacts(); n != 2 {
			t.Errorf("%d contacts after the reset, want 2", n)
		}

		// Started again without the seed: the demo account still resets,
		// the seed's account has nothing to go back to.
		s.Stop()
		cfg.Seed = ""
		s = apitest.StartClock(t, cfg, fixedClock{fixedNow})
		r := s.Send(apitest.Request{Method: "POST", Path: "/sandbox/v1/reset", Token: resetAcmeToken})
		if m := expectError(t, r, 409); !strings.Contains(m["error"].(string), "--seed") {
			t.Errorf("no seed: %s", r.Body)
		}
		if n := contacts(); n != 2 {
			t.Errorf("%d contacts after a refused reset, want 2", n)
		}
		do(t, s, apitest.DemoToken, "POST", "/sandbox/v1/reset", nil, 200)
		if n := len(list(t, s.Do("GET", "/v1/contacts", nil), "contacts")); n != 3 {
			t.Errorf("the demo account has %d contacts after its reset, want the demo's 3", n)
		}
	})
}
