package apitest_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
)

const hookAgent = "414a6d692bd645ed803f2e7ce360d4c8" // John Doe, the demo's admin user

var (
	reHookT2 = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000$`)
	reSecret = regexp.MustCompile(`^whsec_[A-Za-z0-9+/]{43}=$`)
)

// fastHooks shortens the retry schedule to 20 waits of 50 ms and the
// receiver timeout to 2 s.
func fastHooks(testing.TB) apitest.Option {
	return apitest.WithWebhooks(repeat(50*time.Millisecond, 20), 2*time.Second, 0)
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// verifySignatures checks both signature schemes of API.md section 4 with
// an implementation of its own (not the server's).
func verifySignatures(t *testing.T, h apitest.Hook, secret string) {
	t.Helper()
	// X-Callbell-Signature: t=<unix>,v1=<hex HMAC-SHA256("<t>.<body>")>, keyed
	// with the whole secret string.
	sig := h.Header.Get("X-Callbell-Signature")
	m := regexp.MustCompile(`^t=(\d+),v1=([0-9a-f]{64})$`).FindStringSubmatch(sig)
	if m == nil {
		t.Fatalf("X-Callbell-Signature %q", sig)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(m[1] + "." + string(h.Body)))
	if want := hex.EncodeToString(mac.Sum(nil)); want != m[2] {
		t.Errorf("X-Callbell-Signature v1 %s, want %s", m[2], want)
	}
	ts, _ := strconv.ParseInt(m[1], 10, 64)
	if d := time.Since(time.Unix(ts, 0)); d > time.Minute || d < -time.Minute {
		t.Errorf("signature timestamp %d is %s from now", ts, d)
	}
	// Standard Webhooks: v1,<base64 HMAC-SHA256("<id>.<timestamp>.<body>")>,
	// keyed with the base64-decoded part after whsec_.
	id, wts := h.Header.Get("webhook-id"), h.Header.Get("webhook-timestamp")
	if !strings.HasPrefix(id, "msg_") || wts != m[1] {
		t.Errorf("webhook-id %q, webhook-timestamp %q (X-Callbell t=%s)", id, wts, m[1])
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || len(key) != 32 {
		t.Fatalf("secret %q does not hold 32 base64 bytes", secret)
	}
	mac = hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + wts + "." + string(h.Body)))
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); h.Header.Get("webhook-signature") != want {
		t.Errorf("webhook-signature %q, want %q", h.Header.Get("webhook-signature"), want)
	}
}

func TestWebhookSubscribe(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for _, c := range []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"no url", map[string]any{"subscriptions": []string{"contact_created"}}, 422, "url"},
			{"relative url", map[string]any{"url": "/hooks", "subscriptions": []string{"contact_created"}}, 422, "url"},
			{"ftp url", map[string]any{"url": "ftp://example.com/x", "subscriptions": []string{"contact_created"}}, 422, "url"},
			{"no subscriptions", map[string]any{"url": "https://example.com/h"}, 422, "subscriptions"},
			{"empty subscriptions", map[string]any{"url": "https://example.com/h", "subscriptions": []string{}}, 422, "subscriptions"},
			{"unknown event", map[string]any{"url": "https://example.com/h", "subscriptions": []string{"contact_created", "contact_exploded"}}, 422, "subscriptions"},
			{"unknown event in string", map[string]any{"url": "https://example.com/h", "subscriptions": "contact_created,nope"}, 422, "subscriptions"},
			{"subscriptions a number", map[string]any{"url": "https://example.com/h", "subscriptions": 3}, 400, "subscriptions"},
			{"url a number", map[string]any{"url": 3, "subscriptions": "contact_created"}, 400, "url"},
		} {
			t.Run(c.name, func(t *testing.T) {
				expectError(t, s.DoUnchecked("POST", "/v1/webhooks/subscribe", c.body), c.status, c.field)
			})
		}
		expectError(t, s.Do("GET", "/v1/webhooks", nil), 404)
		expectError(t, s.Do("DELETE", "/v1/webhooks/unsubscribe", nil), 404)

		// Array form.
		r := s.Do("POST", "/v1/webhooks/subscribe", map[string]any{"url": "https://example.com/a", "subscriptions": []string{"contact_created", "conversation_closed"}})
		expectStatus(t, r, 200)
		m := r.JSON(t)
		secret, _ := at(m, "webhook.secret").(string)
		created, _ := at(m, "webhook.createdAt").(string)
		if !reSecret.MatchString(secret) || !reHookT2.MatchString(created) || at(m, "webhook.enabled") != true ||
			at(m, "webhook.url") != "https://example.com/a" || mustJSON(at(m, "webhook.subscriptions")) != `["contact_created","conversation_closed"]` {
			t.Fatalf("subscribe answered %s", r.Body)
		}
		// Comma-separated form replaces url and subscriptions, keeps the
		// secret and createdAt.
		r = s.Do("POST", "/v1/webhooks/subscribe", map[string]any{"url": "https://example.com/b", "subscriptions": "message_created, contact_updated,message_created"})
		expectStatus(t, r, 200)
		m = r.JSON(t)
		if at(m, "webhook.secret") != secret || at(m, "webhook.createdAt") != created || at(m, "webhook.url") != "https://example.com/b" ||
			mustJSON(at(m, "webhook.subscriptions")) != `["message_created","contact_updated"]` {
			t.Fatalf("re-subscribe answered %s (secret was %s)", r.Body, secret)
		}
		// The extension GET shows it without the secret.
		r = s.Do("GET", "/v1/webhooks", nil)
		expectStatus(t, r, 200)
		if m := r.JSON(t); at(m, "webhook.url") != "https://example.com/b" || at(m, "webhook.secret") != nil || at(m, "webhook.enabled") != true {
			t.Errorf("GET /v1/webhooks: %s", r.Body)
		}
		r = s.Do("DELETE", "/v1/webhooks/unsubscribe", nil)
		expectStatus(t, r, 200)
		if string(r.Body) != `{"status":"webhook was destroyed"}` {
			t.Errorf("unsubscribe answered %s", r.Body)
		}
		expectError(t, s.Do("DELETE", "/v1/webhooks/unsubscribe", nil), 404)
		// A new webhook after unsubscribe has a new secret.
		r = s.Do("POST", "/v1/webhooks/subscribe", map[string]any{"url": "https://example.com/c", "subscriptions": "contact_created"})
		expectStatus(t, r, 200)
		if got := at(r.JSON(t), "webhook.secret"); got == secret || !reSecret.MatchString(got.(string)) {
			t.Errorf("secret after unsubscribe %v (before %s)", got, secret)
		}
	})
}

// TestWebhookDeliversEveryEvent fires each event of API.md section 4 and
// checks what the receiver gets: the body is {"event","payload"} with the
// payload recorded for the event byte for byte, both signatures verify, the
// headers are the contract's, and each payload has its shape.
func TestWebhookDeliversEveryEvent(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rcv := apitest.NewReceiver(t)
		secret := s.Subscribe(rcv.URL)
		before := len(s.Events(""))

		r := s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+57 319 2754701", "source": "whatsapp", "name": "Ana"})
		expectStatus(t, r, 200)
		ana := at(r.JSON(t), "contact.uuid").(string)
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+ana, map[string]any{"name": "Ana Gómez", "tags": []string{"lead"}}), 200)
		expectStatus(t, s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "+57 319 2754701", "text": "Hola"}), 200)
		r = s.Do("POST", "/v1/messages/send", map[string]any{"to": "+57 319 2754701", "from": "whatsapp", "type": "text",
			"content": map[string]any{"text": "Hi Ana"}, "metadata": map[string]string{"order": "42"}})
		expectStatus(t, r, 200)
		msg := at(r.JSON(t), "message.uuid").(string)
		expectStatus(t, s.Do("POST", "/sandbox/v1/messages/"+msg+"/status", map[string]any{"status": "failed", "reason": "blocked"}), 200)
		expectStatus(t, s.Do("POST", "/v1/contacts/"+ana+"/conversation/close", map[string]any{"closing_reason": "done"}), 200)
		expectStatus(t, s.Do("POST", "/v1/contacts/"+ana+"/conversation/open", nil), 200)
		expectStatus(t, s.Do("PUT", "/v1/users/"+hookAgent+"/status", map[string]any{"available": false}), 200)
		expectStatus(t, s.Do("POST", "/sandbox/v1/users/"+hookAgent+"/session", map[string]any{"action": "user_logged_in"}), 200)
		expectStatus(t, s.Do("POST", "/sandbox/v1/teams/"+teamSup+"/members", map[string]any{"user_uuid": hookAgent, "action": "add"}), 200)
		expectStatus(t, s.Do("DELETE", "/v1/contacts/"+ana, nil), 200)

		evs := s.Events("")[before:]
		hooks := rcv.WaitDelivered(t, len(evs), 10*time.Second)
		byID := map[string]apitest.Hook{}
		for _, h := range hooks {
			byID[h.ID()] = h
		}
		seen := map[string]bool{}
		for _, h := range hooks {
			name, payload := h.Event(t)
			seen[name] = true
			verifySignatures(t, h, secret)
			if ct := h.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("%s: Content-Type %q", name, ct)
			}
			if ua := h.Header.Get("User-Agent"); !strings.HasPrefix(ua, "openbell-webhooks/") {
				t.Errorf("%s: User-Agent %q", name, ua)
			}
			var keys map[string]json.RawMessage
			if err := json.Unmarshal(h.Body, &keys); err != nil || len(keys) != 2 {
				t.Errorf("%s: body has keys %v, want event and payload", name, keys)
			}
			checkPayloadShape(t, name, payload)
		}
		// Every recorded event arrived once, with its recorded payload byte
		// for byte, and in the order recorded (one contact, one stream; the
		// agent events form the account's other stream).
		var bodies []string
		for _, h := range hooks {
			bodies = append(bodies, string(h.Body))
		}
		var want, wantAgents, gotContact, gotAgents []string
		for _, e := range evs {
			body := `{"event":"` + e.Name + `","payload":` + string(e.Payload) + `}`
			if e.ContactID == "" {
				wantAgents = append(wantAgents, body)
			} else {
				want = append(want, body)
			}
		}
		for _, b := range bodies {
			if strings.Contains(b, `"event":"agent_`) || strings.Contains(b, `"event":"team_`) {
				gotAgents = append(gotAgents, b)
			} else {
				gotContact = append(gotContact, b)
			}
		}
		if strings.Join(gotContact, "\n") != strings.Join(want, "\n") {
			t.Errorf("contact events delivered:\n%s\nwant:\n%s", strings.Join(gotContact, "\n"), strings.Join(want, "\n"))
		}
		if strings.Join(gotAgents, "\n") != strings.Join(wantAgents, "\n") {
			t.Errorf("agent events delivered:\n%s\nwant:\n%s", strings.Join(gotAgents, "\n"), strings.Join(wantAgents, "\n"))
		}
		for _, name := range []string{"contact_created", "contact_updated", "contact_deleted", "conversation_opened", "conversation_closed",
			"message_created", "message_status_updated", "agent_status_updated", "agent_session_updated", "team_membership_updated"} {
			if !seen[name] {
				t.Errorf("no %s delivered", name)
			}
		}
	})
}

// checkPayloadShape checks the keys and formats of each event's payload
// (API.md section 4).
func checkPayloadShape(t *testing.T, name string, p map[string]any) {
	t.Helper()
	has := func(keys ...string) {
		t.Helper()
		for _, k := range keys {
			if _, ok := p[k]; !ok {
				t.Errorf("%s payload lacks %q: %v", name, k, p)
			}
		}
	}
	contact := func(v any) {
		t.Helper()
		c, _ := v.(map[string]any)
		for _, k := range []string{"uuid", "name", "phoneNumber", "createdAt", "source", "href", "conversationHref", "tags", "customFields", "channel", "team", "assignedUser", "closedAt"} {
			if _, ok := c[k]; !ok {
				t.Errorf("%s: contact lacks %q: %v", name, k, c)
			}
		}
	}
	member := func(v any) {
		t.Helper()
		u, _ := v.(map[string]any)
		for _, k := range []string{"email", "name", "available", "lastUpdatedAt"} {
			if _, ok := u[k]; !ok {
				t.Errorf("%s: team member lacks %q: %v", name, k, u)
			}
		}
	}
	switch name {
	case "contact_created", "contact_updated":
		contact(p)
	case "contact_deleted":
		has("uuid", "deleted")
		if len(p) != 2 || !reT3.MatchString(p["deleted"].(string)) {
			t.Errorf("contact_deleted payload %v", p)
		}
	case "conversation_opened":
		has("source", "href", "createdAt", "contact")
		contact(p["contact"])
	case "conversation_closed":
		has("source", "href", "createdAt", "closedAt", "closingReason", "contact")
		contact(p["contact"])
		if p["closingReason"] != "done" || !reT1.MatchString(p["closedAt"].(string)) {
			t.Errorf("conversation_closed payload %v", p)
		}
	case "message_created":
		has("uuid", "to", "from", "text", "status", "channel", "contact", "createdAt")
		contact(p["contact"])
		if _, ok := p["type"]; ok {
			t.Errorf("message_created has a type: %v", p)
		}
		if !reT1.MatchString(p["createdAt"].(string)) || (p["status"] != "sent" && p["status"] != "received") {
			t.Errorf("message_created payload %v", p)
		}
		if p["status"] == "sent" && mustJSON(p["metadata"]) != `{"order":"42"}` {
			t.Errorf("message_created metadata %v", p["metadata"])
		}
	case "message_status_updated":
		has("uuid", "status", "contact", "messageStatusPayload")
		contact(p["contact"])
		enqueued := p["status"] == "enqueued" && at(p, "messageStatusPayload.type") == "enqueued"
		failed := p["status"] == "failed" && at(p, "messageStatusPayload.payload.reason") == "blocked" && at(p, "messageStatusPayload.type") == "failed"
		if !enqueued && !failed {
			t.Errorf("message_status_updated payload %v", p)
		}
	case "agent_status_updated":
		member(p)
		if p["available"] != false {
			t.Errorf("agent_status_updated payload %v", p)
		}
	case "agent_session_updated":
		has("action", "user")
		member(p["user"])
		if p["action"] != "user_logged_in" {
			t.Errorf("agent_session_updated payload %v", p)
		}
	case "team_membership_updated":
		has("team", "user", "reason", "lastUpdateAt")
		member(p["user"])
		if p["reason"] != "agent_added" || at(p, "team.uuid") != teamSup || !reT1.MatchString(p["lastUpdateAt"].(string)) {
			t.Errorf("team_membership_updated payload %v", p)
		}
	default:
		t.Errorf("unexpected event %s", name)
	}
}

// TestWebhookSendsOnlySubscribedEventsAfterSubscribe: events from before the
// webhook, events of names it does not subscribe and events after
// unsubscribe are never sent.
func TestWebhookSendsOnlySubscribedEventsAfterSubscribe(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rcv := apitest.NewReceiver(t)
		expectStatus(t, s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/close", nil), 200)
		s.Subscribe(rcv.URL, "conversation_opened")
		expectStatus(t, s.Do("POST", "/v1/contacts/"+marioRossi+"/conversation/close", nil), 200)
		expectStatus(t, s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/open", nil), 200)
		hooks := rcv.WaitDelivered(t, 1, 5*time.Second)
		if name, p := hooks[0].Event(t); name != "conversation_opened" || at(p, "contact.uuid") != johnDoe {
			t.Errorf("delivered %s for %v", name, at(p, "contact.uuid"))
		}
		expectStatus(t, s.Do("DELETE", "/v1/webhooks/unsubscribe", nil), 200)
		expectStatus(t, s.Do("POST", "/v1/contacts/"+marioRossi+"/conversation/open", nil), 200)
		// A marker event on a new subscription proves the worker has run past
		// the events that must not go out.
		s.Subscribe(rcv.URL, "contact_updated")
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+janeRoe, map[string]any{"name": "Marker"}), 200)
		rcv.WaitDelivered(t, 2, 5*time.Second)
		time.Sleep(200 * time.Millisecond)
		if hooks := rcv.Hooks(); len(hooks) != 2 {
			var got []string
			for _, h := range hooks {
				n, _ := h.Event(t)
				got = append(got, n)
			}
			t.Errorf("receiver got %v, want conversation_opened and contact_updated only", got)
		}
	})
}

// TestWebhookAccountsAreIsolated: an account's events go to its own webhook
// only, and its log is its own.
func TestWebhookAccountsAreIsolated(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		demo, other := apitest.NewReceiver(t), apitest.NewReceiver(t)
		s.Subscribe(demo.URL)
		r := s.Send(apitest.Request{Method: "POST", Path: "/v1/webhooks/subscribe", Token: "other-token",
			Body: map[string]any{"url": other.URL, "subscriptions": "contact_updated"}})
		expectStatus(t, r, 200)
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": "Demo change"}), 200)
		r = s.Send(apitest.Request{Method: "PATCH", Path: "/v1/contacts/0b7e8c7a2f0a4b7e9d5c1a2b3c4d5e6f", Token: "other-token",
			Body: map[string]any{"name": "Other change"}})
		expectStatus(t, r, 200)
		d, o := demo.WaitDelivered(t, 1, 5*time.Second), other.WaitDelivered(t, 1, 5*time.Second)
		if !bytes.Contains(d[0].Body, []byte("Demo change")) || !bytes.Contains(o[0].Body, []byte("Other change")) {
			t.Errorf("demo got %s, other got %s", d[0].Body, o[0].Body)
		}
		time.Sleep(100 * time.Millisecond)
		if len(demo.Hooks()) != 1 || len(other.Hooks()) != 1 {
			t.Errorf("demo got %d requests, other %d; want 1 each", len(demo.Hooks()), len(other.Hooks()))
		}
		// Each log is its own. An attempt is recorded after its receiver has
		// answered: wait until both are, then read both logs.
		logOf := func(token string) []any {
			r := s.Send(apitest.Request{Method: "GET", Path: "/v1/webhooks/events", Token: token})
			expectStatus(t, r, 200)
			list, _ := at(r.JSON(t), "webhook_events").([]any)
			return list
		}
		other.WaitFor(t, 5*time.Second, func() bool { return len(logOf("")) > 0 && len(logOf("other-token")) > 0 }, "both attempts to be recorded")
		for _, c := range []struct{ token, change string }{{"", "Demo change"}, {"other-token", "Other change"}} {
			if list := logOf(c.token); len(list) != 1 || !strings.Contains(mustJSON(list[0]), c.change) {
				t.Errorf("log of token %q: %s", c.token, mustJSON(list))
			}
		}
	}, withOther)
}
