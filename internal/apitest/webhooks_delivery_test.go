package apitest_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/app"
	"github.com/openbell/openbell/internal/store/storetest"
)

// webhookEvents reads GET /v1/webhooks/events with query q.
func webhookEvents(t *testing.T, s *apitest.Server, q string) []map[string]any {
	t.Helper()
	r := s.Do("GET", "/v1/webhooks/events"+q, nil)
	expectStatus(t, r, 200)
	list, _ := at(r.JSON(t), "webhook_events").([]any)
	out := make([]map[string]any, len(list))
	for i, e := range list {
		out[i] = e.(map[string]any)
	}
	return out
}

// TestWebhookRetriesAfterErrors: two 500 answers, then 200. Three attempts
// of one event, byte-identical bodies under one webhook-id, each signed, and
// three entries in the log.
func TestWebhookRetriesAfterErrors(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rcv := apitest.NewReceiver(t)
		rcv.Respond(func(n int, _ apitest.Hook) apitest.Answer {
			if n < 2 {
				return apitest.Answer{Status: 500, Body: fmt.Sprintf("oops %d", n)}
			}
			return apitest.Answer{Status: 204}
		})
		secret := s.Subscribe(rcv.URL)
		expectStatus(t, s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/close", nil), 200)
		rcv.WaitDelivered(t, 1, 5*time.Second)
		hooks := rcv.Hooks()
		if len(hooks) != 3 {
			t.Fatalf("%d requests, want 3", len(hooks))
		}
		for i, h := range hooks {
			verifySignatures(t, h, secret)
			if !bytes.Equal(h.Body, hooks[0].Body) || h.ID() != hooks[0].ID() {
				t.Errorf("attempt %d differs: id %s body %s", i+1, h.ID(), h.Body)
			}
		}
		// The receiver has answered; the log follows once the result is stored.
		rcv.WaitFor(t, 5*time.Second, func() bool { return len(webhookEvents(t, s, "")) == 3 }, "3 log entries")
		log := webhookEvents(t, s, "")
		for i, e := range log { // newest first
			attempt := 3 - i
			code, success, body := 500, false, fmt.Sprintf("oops %d", attempt-1)
			if attempt == 3 {
				code, success, body = 204, true, ""
			}
			if e["attempt"] != float64(attempt) || at(e, "response.code") != float64(code) || e["success"] != success ||
				at(e, "response.body") != body || e["event"] != "conversation_closed" || e["id"] != hooks[0].ID() ||
				e["error"] != nil || !reT1.MatchString(e["createdAt"].(string)) || at(e, "payload.contact.uuid") != johnDoe {
				t.Errorf("log entry %d: %v", i, e)
			}
			if _, ok := e["durationMs"].(float64); !ok {
				t.Errorf("log entry %d has no durationMs: %v", i, e)
			}
		}
	}, fastHooks)
}

// TestWebhookRetriesAfterTimeout: an answer later than --webhook-timeout is
// a failure without a response; the event is sent again.
func TestWebhookRetriesAfterTimeout(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rcv := apitest.NewReceiver(t)
		rcv.Respond(func(n int, _ apitest.Hook) apitest.Answer {
			if n == 0 {
				return apitest.Answer{Status: 200, Delay: 2 * time.Second}
			}
			return apitest.Answer{Status: 200}
		})
		s.Subscribe(rcv.URL)
		expectStatus(t, s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/close", nil), 200)
		rcv.WaitFor(t, 5*time.Second, func() bool { return len(webhookEvents(t, s, "?status=success")) == 1 }, "a successful attempt")
		log := webhookEvents(t, s, "")
		if len(log) != 2 {
			t.Fatalf("log %v, want 2 attempts", log)
		}
		first := log[1]
		if first["success"] != false || mustJSON(first["response"]) != `{"body":{},"code":null,"headers":{}}` ||
			!strings.Contains(fmt.Sprint(first["error"]), "timeout") || first["durationMs"].(float64) < 250 {
			t.Errorf("timed-out attempt: %v", first)
		}
	}, func(testing.TB) apitest.Option {
		return apitest.WithWebhooks(repeat(50*time.Millisecond, 5), 300*time.Millisecond, 0)
	})
}

// TestWebhookOrderPerContact: with a receiver that fails at random, each
// contact's events still arrive complete and in order, and no event of a
// contact is attempted before the one before it was delivered.
func TestWebhookOrderPerContact(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rcv := apitest.NewReceiver(t)
		var mu sync.Mutex
		rng := rand.New(rand.NewPCG(1, 2))
		rcv.Respond(func(int, apitest.Hook) apitest.Answer {
			mu.Lock()
			defer mu.Unlock()
			if rng.Float64() < 0.4 {
				return apitest.Answer{Status: 503}
			}
			return apitest.Answer{Status: 200, Delay: time.Duration(rng.IntN(10)) * time.Millisecond}
		})
		s.Subscribe(rcv.URL, "contact_updated")
		contacts := []string{johnDoe, marioRossi, janeRoe}
		const perContact = 12
		var wg sync.WaitGroup
		for _, c := range contacts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perContact {
					r := s.Do("PATCH", "/v1/contacts/"+c, map[string]any{"name": fmt.Sprintf("%s-%02d", c[:4], i)})
					if r.Status != 200 {
						t.Errorf("PATCH: %d %s", r.Status, r.Body)
					}
				}
			}()
		}
		wg.Wait()
		rcv.WaitDelivered(t, len(contacts)*perContact, 20*time.Second)
		delivered := map[string][]string{}
		for _, h := range rcv.Hooks() {
			_, p := h.Event(t)
			c, name := p["uuid"].(string), p["name"].(string)
			list := delivered[c]
			if len(list) > 0 && list[len(list)-1] == name {
				continue // a retry (or duplicate) of the last one
			}
			// Anything else must be the next event (failed attempts are
			// retried in place).
			if want := fmt.Sprintf("%s-%02d", c[:4], len(list)); name != want {
				t.Fatalf("contact %s: got %s after %v, want %s", c, name, list, want)
			}
			if h.Status/100 == 2 {
				delivered[c] = append(list, name)
			}
		}
		for _, c := range contacts {
			if len(delivered[c]) != perContact {
				t.Errorf("contact %s: %d delivered, want %d", c, len(delivered[c]), perContact)
			}
		}
	}, fastHooks)
}

// TestWebhookContactsGoInParallel: a slow receiver gets the events of
// different contacts at the same time.
func TestWebhookContactsGoInParallel(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rcv := apitest.NewReceiver(t)
		rcv.Respond(func(int, apitest.Hook) apitest.Answer {
			return apitest.Answer{Status: 200, Delay: 300 * time.Millisecond}
		})
		s.Subscribe(rcv.URL, "conversation_closed")
		for _, c := range []string{johnDoe, marioRossi, janeRoe} {
			expectStatus(t, s.Do("POST", "/v1/contacts/"+c+"/conversation/close", nil), 200)
		}
		rcv.WaitDelivered(t, 3, 5*time.Second)
		if rcv.Peak() < 2 {
			t.Errorf("at most %d request in flight, want the three contacts in parallel", rcv.Peak())
		}
	}, fastHooks)
}

// TestWebhookGoneDisables: a 410 disables the webhook at once; it keeps
// queueing and sends nothing until the next subscribe, which delivers what
// was pending, in order, except the events it no longer subscribes to.
func TestWebhookGoneDisables(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rcv := apitest.NewReceiver(t)
		rcv.Respond(func(int, apitest.Hook) apitest.Answer { return apitest.Answer{Status: 410} })
		s.Subscribe(rcv.URL, "contact_updated", "conversation_closed")
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": "One"}), 200)
		rcv.WaitFor(t, 5*time.Second, func() bool { return len(rcv.Hooks()) == 1 }, "the 410")
		waitEnabled(t, s, false)
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": "Two"}), 200)
		expectStatus(t, s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/close", nil), 200)
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": "Three"}), 200)
		time.Sleep(300 * time.Millisecond)
		if n := len(rcv.Hooks()); n != 1 {
			t.Fatalf("a disabled webhook sent %d requests", n-1)
		}
		rcv.Respond(func(int, apitest.Hook) apitest.Answer { return apitest.Answer{Status: 200} })
		s.Subscribe(rcv.URL, "contact_updated") // re-enables; drops the pending conversation_closed
		hooks := rcv.WaitDelivered(t, 3, 5*time.Second)
		var got []string
		for _, h := range hooks {
			name, p := h.Event(t)
			got = append(got, name+":"+fmt.Sprint(p["name"]))
		}
		if strings.Join(got, ",") != "contact_updated:One,contact_updated:Two,contact_updated:Three" {
			t.Errorf("delivered after re-subscribe: %v", got)
		}
		waitEnabled(t, s, true)
		time.Sleep(200 * time.Millisecond)
		if n := len(rcv.Hooks()); n != 4 {
			t.Errorf("%d requests in all, want the 410 and three deliveries", n)
		}
	}, fastHooks)
}

func waitEnabled(t *testing.T, s *apitest.Server, want bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := s.Do("GET", "/v1/webhooks", nil)
		expectStatus(t, r, 200)
		if at(r.JSON(t), "webhook.enabled") == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook enabled is not %v: %s", want, r.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWebhookDisabledAfterFailingPeriod: a webhook that fails without a
// success for --webhook-disable-after is disabled; its pending events go out
// after the next subscribe.
func TestWebhookDisabledAfterFailingPeriod(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rcv := apitest.NewReceiver(t)
		rcv.Respond(func(int, apitest.Hook) apitest.Answer { return apitest.Answer{Status: 500} })
		s.Subscribe(rcv.URL, "contact_updated")
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": "One"}), 200)
		waitEnabled(t, s, false)
		if n := len(rcv.Hooks()); n < 3 {
			t.Errorf("disabled after %d attempts; want several within the period", n)
		}
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+marioRossi, map[string]any{"name": "Two"}), 200)
		n := len(rcv.Hooks())
		time.Sleep(300 * time.Millisecond)
		if m := len(rcv.Hooks()); m != n {
			t.Fatalf("a disabled webhook sent %d more requests", m-n)
		}
		rcv.Respond(func(int, apitest.Hook) apitest.Answer { return apitest.Answer{Status: 200} })
		s.Subscribe(rcv.URL, "contact_updated")
		hooks := rcv.WaitDelivered(t, 2, 5*time.Second)
		names := map[string]bool{}
		for _, h := range hooks {
			_, p := h.Event(t)
			names[fmt.Sprint(p["name"])] = true
		}
		if !names["One"] || !names["Two"] {
			t.Errorf("delivered %v, want One and Two", names)
		}
	}, func(testing.TB) apitest.Option {
		return apitest.WithWebhooks(repeat(30*time.Millisecond, 1000), time.Second, 400*time.Millisecond)
	})
}

// TestWebhookGivesUpAfterSchedule: when the schedule is exhausted the
// delivery is given up and the contact's next event goes out.
func TestWebhookGivesUpAfterSchedule(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rcv := apitest.NewReceiver(t)
		rcv.Respond(func(_ int, h apitest.Hook) apitest.Answer {
			if bytes.Contains(h.Body, []byte("Poison")) {
				return apitest.Answer{Status: 500}
			}
			return apitest.Answer{Status: 200}
		})
		s.Subscribe(rcv.URL, "contact_updated")
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": "Poison"}), 200)
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": "After"}), 200)
		hooks := rcv.WaitDelivered(t, 1, 5*time.Second)
		if _, p := hooks[0].Event(t); p["name"] != "After" {
			t.Errorf("delivered %v", p["name"])
		}
		if failed := webhookEvents(t, s, "?status=failed"); len(failed) != 3 {
			t.Errorf("%d failed attempts, want 3 (the first and two retries)", len(failed))
		}
		waitEnabled(t, s, true)
	}, func(testing.TB) apitest.Option {
		return apitest.WithWebhooks([]time.Duration{20 * time.Millisecond, 20 * time.Millisecond}, time.Second, time.Hour)
	})
}

// TestWebhookEventsLog: the filters, paging and validation of GET
// /webhooks/events, and what an entry keeps of the answer.
func TestWebhookEventsLog(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rcv := apitest.NewReceiver(t)
		var failedOnce atomic.Bool
		rcv.Respond(func(_ int, h apitest.Hook) apitest.Answer {
			if bytes.Contains(h.Body, []byte(`"event":"conversation_closed"`)) && failedOnce.CompareAndSwap(false, true) {
				return apitest.Answer{Status: 400, Body: strings.Repeat("x", 5000)}
			}
			return apitest.Answer{Status: 200, Body: `{"ok":true}`}
		})
		s.Subscribe(rcv.URL)
		expectStatus(t, s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/close", nil), 200)
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+marioRossi, map[string]any{"name": "Mario"}), 200)
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+janeRoe, map[string]any{"name": "Jane"}), 200)
		rcv.WaitFor(t, 5*time.Second, func() bool { return len(webhookEvents(t, s, "?status=success")) == 3 }, "3 successes")

		all := webhookEvents(t, s, "")
		if len(all) != 4 {
			t.Fatalf("%d entries, want 4", len(all))
		}
		failed := webhookEvents(t, s, "?status=failed")
		if len(failed) != 1 || failed[0]["success"] != false || at(failed[0], "response.code") != float64(400) ||
			len(at(failed[0], "response.body").(string)) != 4096 {
			t.Errorf("failed entry: code %v, body of %d bytes", at(failed[0], "response.code"), len(fmt.Sprint(at(failed[0], "response.body"))))
		}
		if h, _ := at(all[0], "response.headers").(map[string]any); h["Content-Length"] != "11" || mustJSON(at(all[0], "response.body")) != `{"ok":true}` {
			t.Errorf("newest entry response %v", all[0]["response"])
		}
		if got := webhookEvents(t, s, "?subscriptions=conversation_closed"); len(got) != 2 {
			t.Errorf("subscriptions=conversation_closed: %d entries, want 2", len(got))
		}
		if got := webhookEvents(t, s, "?subscriptions=contact_updated,conversation_closed&status=success"); len(got) != 3 {
			t.Errorf("two names, success: %d entries, want 3", len(got))
		}
		r := s.Do("GET", "/v1/webhooks/events?items=3&page=2", nil)
		expectStatus(t, r, 200)
		m := r.JSON(t)
		if list := at(m, "webhook_events").([]any); len(list) != 1 || at(m, "meta.page") != float64(2) || at(m, "meta.pages") != float64(2) ||
			list[0].(map[string]any)["attempt"] != float64(1) {
			t.Errorf("items=3&page=2: %s", r.Body)
		}
		r = s.Do("GET", "/v1/webhooks/events?page=9", nil)
		if m := r.JSON(t); len(at(m, "webhook_events").([]any)) != 0 || at(m, "meta.pages") != float64(1) {
			t.Errorf("page past the end: %s", r.Body)
		}
		for _, q := range []string{"status=ok", "items=0", "items=101", "items=x", "page=0", "subscriptions=nope"} {
			expectError(t, s.DoUnchecked("GET", "/v1/webhooks/events?"+q, nil), 400, strings.SplitN(q, "=", 2)[0])
		}
	}, fastHooks)
}

// TestWebhookEventsLogResponse: an entry's response.body is the receiver's
// answer parsed as JSON when it is JSON, else its text; response.headers is
// an object; without an answer (connection refused) body and headers are {}
// and code is null.
func TestWebhookEventsLogResponse(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		answers := map[string]struct{ body, want string }{ // contact name: answer, JSON of response.body
			"object": {`{"ok": true, "n": [1, 2.5], "s": {"x": null}}`, `{"n":[1,2.5],"ok":true,"s":{"x":null}}`},
			"array":  {"[1, \"a\"]\n", `[1,"a"]`},
			"number": {`42`, `42`},
			"string": {`"fine"`, `"fine"`},
			"bool":   {`true`, `true`},
			"text":   {`OK`, `"OK"`},
			"html":   {`<p>thanks</p>`, `"\u003cp\u003ethanks\u003c/p\u003e"`},
			"broken": {`{"ok":`, `"{\"ok\":"`},
			"empty":  {``, `""`},
		}
		rcv := apitest.NewReceiver(t)
		rcv.Respond(func(_ int, h apitest.Hook) apitest.Answer {
			_, p := h.Event(t)
			return apitest.Answer{Status: 200, Body: answers[fmt.Sprint(p["name"])].body}
		})
		s.Subscribe(rcv.URL, "contact_created")
		i := 0
		for name := range answers {
			i++
			expectStatus(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": fmt.Sprintf("+1 555 010 %04d", 3000+i), "source": "whatsapp", "name": name}), 200)
		}
		rcv.WaitFor(t, 10*time.Second, func() bool { return len(webhookEvents(t, s, "?status=success")) == len(answers) }, "%d successes", len(answers))
		for _, e := range webhookEvents(t, s, "") {
			name := fmt.Sprint(at(e, "payload.name"))
			resp, _ := e["response"].(map[string]any)
			if got := mustJSON(resp["body"]); got != answers[name].want {
				t.Errorf("%s: response.body %s, want %s", name, got, answers[name].want)
			}
			if h, ok := resp["headers"].(map[string]any); !ok || h["Content-Length"] != fmt.Sprint(len(answers[name].body)) {
				t.Errorf("%s: response.headers %v", name, resp["headers"])
			}
			if resp["code"] != 200.0 {
				t.Errorf("%s: response.code %v", name, resp["code"])
			}
		}

		// No answer: the connection is refused.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := "http://" + ln.Addr().String() + "/hooks"
		ln.Close()
		s.Subscribe(closed, "contact_updated")
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": "Refused"}), 200)
		var e map[string]any
		rcv.WaitFor(t, 10*time.Second, func() bool {
			for _, entry := range webhookEvents(t, s, "?status=failed") {
				if at(entry, "payload.name") == "Refused" {
					e = entry
					return true
				}
			}
			return false
		}, "a refused attempt")
		resp, _ := e["response"].(map[string]any)
		if mustJSON(resp) != `{"body":{},"code":null,"headers":{}}` || e["error"] == nil || e["success"] != false {
			t.Errorf("refused attempt: %s", mustJSON(e))
		}
		for _, k := range []string{"body", "code", "headers"} {
			if _, ok := resp[k]; !ok {
				t.Errorf("response.%s missing: %s", k, mustJSON(e))
			}
		}
	}, fastHooks)
}

// TestWebhookStoredAnswersAreBounded: a receiver cannot fill the attempt
// log. Of a 500 with twenty 1.5 KiB headers and a 1 MiB body, the log keeps
// the first 4 KiB of the body, each header value to 1 KiB and the headers to
// 8 KiB in all; a 500 with a 4 MB header is a failed attempt that keeps
// nothing of it.
func TestWebhookStoredAnswersAreBounded(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rcv := apitest.NewReceiver(t)
		rcv.Respond(func(n int, _ apitest.Hook) apitest.Answer {
			h := http.Header{}
			switch n {
			case 0:
				for i := range 20 {
					h.Set(fmt.Sprintf("X-Big-%02d", i), strings.Repeat("h", 1536))
				}
				return apitest.Answer{Status: 500, Header: h, Body: strings.Repeat("b", 1<<20)}
			case 1:
				h.Set("X-Huge", strings.Repeat("h", 4<<20))
				return apitest.Answer{Status: 500, Header: h, Body: "huge header"}
			}
			return apitest.Answer{Status: 204}
		})
		s.Subscribe(rcv.URL, "contact_updated")
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": "Bounded"}), 200)
		rcv.WaitDelivered(t, 1, 10*time.Second)
		rcv.WaitFor(t, 5*time.Second, func() bool { return len(webhookEvents(t, s, "")) == 3 }, "3 log entries")
		log := webhookEvents(t, s, "") // newest first
		headerBytes := func(e map[string]any) (total, longest int) {
			h, _ := at(e, "response.headers").(map[string]any)
			for k, v := range h {
				total += len(k) + len(fmt.Sprint(v))
				longest = max(longest, len(fmt.Sprint(v)))
			}
			return total, longest
		}

		big := log[2]
		total, longest := headerBytes(big)
		if at(big, "response.code") != float64(500) || len(fmt.Sprint(at(big, "response.body"))) != 4096 ||
			total > 8192 || longest != 1024 || total < 8192-1024-len("X-Big-00") {
			t.Errorf("1 MiB answer: code %v, body of %d bytes, headers of %d bytes (longest %d)",
				at(big, "response.code"), len(fmt.Sprint(at(big, "response.body"))), total, longest)
		}
		if h, _ := at(big, "response.headers").(map[string]any); h["X-Big-00"] == nil {
			t.Errorf("the first header by name was not kept: %v", h)
		}

		huge := log[1]
		total, longest = headerBytes(huge)
		if huge["success"] != false || at(huge, "response.code") == float64(500) || fmt.Sprint(huge["error"]) == "" ||
			total > 8192 || longest > 1024 || len(mustJSON(huge)) > 16<<10 {
			t.Errorf("4 MB header answer: code %v, error %v, headers of %d bytes, entry of %d bytes",
				at(huge, "response.code"), huge["error"], total, len(mustJSON(huge)))
		}
		if log[0]["success"] != true {
			t.Errorf("third attempt: %v", log[0])
		}
	}, fastHooks)
}

// TestWebhookDenyPrivate: with --webhook-deny-private the worker refuses to
// connect to loopback addresses, literal or resolved from a name, and says so
// in the log.
func TestWebhookDenyPrivate(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rcv := apitest.NewReceiver(t)
		for i, url := range []string{rcv.URL, strings.Replace(rcv.URL, "127.0.0.1", "localhost", 1)} {
			s.Subscribe(url, "contact_updated")
			name := fmt.Sprintf("attempt %d", i)
			expectStatus(t, s.Do("PATCH", "/v1/contacts/"+[]string{johnDoe, marioRossi}[i], map[string]any{"name": name}), 200)
			var e map[string]any
			rcv.WaitFor(t, 5*time.Second, func() bool {
				for _, entry := range webhookEvents(t, s, "") {
					if at(entry, "payload.name") == name {
						e = entry
						return true
					}
				}
				return false
			}, "an attempt")
			if msg := fmt.Sprint(e["error"]); !strings.Contains(msg, "loopback") || !strings.Contains(msg, "--webhook-deny-private") || e["success"] != false {
				t.Errorf("%s: attempt %v", url, e)
			}
		}
		if n := len(rcv.Hooks()); n != 0 {
			t.Errorf("the receiver got %d requests", n)
		}
	}, func(testing.TB) apitest.Option {
		return func(c *app.Config) {
			c.WebhookRetrySchedule, c.WebhookDenyPrivate = repeat(time.Hour, 1), true
		}
	})
}

// TestWebhookSharedPostgres: two servers on one PostgreSQL database deliver
// every event once: each stream is claimed by one process at a time.
func TestWebhookSharedPostgres(t *testing.T) {
	t.Parallel()
	var pg storetest.Engine
	for _, e := range storetest.Engines() {
		if e.Name == "postgres" {
			pg = e
		}
	}
	cfg := apitest.NewConfig(t, pg, fastHooks(t))
	cfg2 := cfg
	cfg2.DataDir = t.TempDir()
	a, b := apitest.StartConfig(t, cfg), apitest.StartConfig(t, cfg2)
	rcv := apitest.NewReceiver(t)
	rcv.Respond(func(int, apitest.Hook) apitest.Answer {
		return apitest.Answer{Status: 200, Delay: 5 * time.Millisecond}
	})
	a.Subscribe(rcv.URL, "contact_updated")
	contacts := []string{johnDoe, marioRossi, janeRoe}
	const perContact = 15
	var wg sync.WaitGroup
	for i, c := range contacts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range perContact {
				srv := []*apitest.Server{a, b}[(i+n)%2]
				if r := srv.Do("PATCH", "/v1/contacts/"+c, map[string]any{"name": fmt.Sprintf("%s-%02d", c[:4], n)}); r.Status != 200 {
					t.Errorf("PATCH: %d %s", r.Status, r.Body)
				}
			}
		}()
	}
	wg.Wait()
	rcv.WaitDelivered(t, len(contacts)*perContact, 20*time.Second)
	time.Sleep(300 * time.Millisecond)
	seq := map[string][]string{}
	for _, h := range rcv.Hooks() {
		_, p := h.Event(t)
		seq[p["uuid"].(string)] = append(seq[p["uuid"].(string)], p["name"].(string))
	}
	for _, c := range contacts {
		var want []string
		for n := range perContact {
			want = append(want, fmt.Sprintf("%s-%02d", c[:4], n))
		}
		if strings.Join(seq[c], ",") != strings.Join(want, ",") {
			t.Errorf("contact %s received %v, want each once in order", c, seq[c])
		}
	}
}
