package apitest_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/app"
	"github.com/openbell/openbell/internal/store/storetest"
)

const welcome = "d980fb66fd5043d3ace1aa06ba044342" // approved, "Hello {{1}}, this is a template message example"

// progression is the order of the automatic delivery steps.
var progression = map[string]int{"enqueued": 0, "sent": 1, "delivered": 2, "read": 3}

// waitStatus polls the send request until it reaches want, or a later step
// of the progression (polls may miss a step that lasts a few milliseconds).
func waitStatus(t *testing.T, s *apitest.Server, uuid, want string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := s.Do("GET", "/v1/messages/status/"+uuid, nil)
		expectStatus(t, r, 200)
		m := at(r.JSON(t), "message").(map[string]any)
		got, _ := m["status"].(string)
		if got == want {
			return m
		}
		if w, ok := progression[want]; ok && want != "enqueued" {
			if g, ok := progression[got]; ok && g > w {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %s is %v, want %s", uuid, m["status"], want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// deliveryEvents lists the statuses message_status_updated reported for uuid.
func deliveryEvents(t *testing.T, s *apitest.Server, uuid string) []string {
	var out []string
	for _, e := range s.Events("") {
		if e.Name != ob.EventMessageStatusUpdated {
			continue
		}
		var p map[string]any
		_ = json.Unmarshal(e.Payload, &p)
		if p["uuid"] == uuid {
			out = append(out, p["status"].(string))
		}
	}
	return out
}

func send(t *testing.T, s *apitest.Server, body map[string]any) string {
	t.Helper()
	r := s.Do("POST", "/v1/messages/send", body)
	expectStatus(t, r, 200)
	m := r.JSON(t)
	if at(m, "message.status") != "enqueued" {
		t.Fatalf("send answered %s", r.Body)
	}
	return at(m, "message.uuid").(string)
}

func template(to string, values ...string) map[string]any {
	return map[string]any{"to": to, "from": "whatsapp", "type": "text", "template_uuid": welcome,
		"optin_contact": true, "template_values": values}
}

// TestScriptedConversation plays a whole conversation: the customer writes,
// the integration answers, statuses arrive, the window closes, a template
// goes out, the conversation is closed.
func TestScriptedConversation(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		before := len(s.Events(""))
		r := s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "+49 151 2222 3333", "text": "Hi, is my order on its way?"})
		expectStatus(t, r, 200)
		in := r.JSON(t)
		contact := at(in, "contact.uuid").(string)
		if id := at(in, "message.uuid").(string); !strings.HasPrefix(id, "wamid.") || at(in, "message.status") != "received" ||
			at(in, "message.from") != "4915122223333" || at(in, "message.to") != "391234567890" {
			t.Errorf("inbound message %v", in["message"])
		}
		if at(in, "contact.name") != "+4915122223333" || at(in, "contact.phoneNumber") != "+49 1512 2223333" {
			t.Errorf("new contact %v", in["contact"])
		}
		// The reply, within the window.
		out := send(t, s, map[string]any{"to": "4915122223333", "from": "whatsapp", "type": "text",
			"content": map[string]string{"text": "Yes, it ships today"}, "metadata": map[string]string{"order": "42"}})
		for _, st := range []string{"sent", "delivered", "read"} {
			waitStatus(t, s, out, st)
		}
		if got := fmt.Sprint(deliveryEvents(t, s, out)); got != "[enqueued sent delivered read]" {
			t.Errorf("status events %s", got)
		}
		msgs := at(s.Do("GET", "/v1/contacts/"+contact+"/messages", nil).JSON(t), "messages").([]any)
		top := msgs[0].(map[string]any)
		if top["uuid"] != out || top["status"] != "sent" || top["from"] != "391234567890" || top["to"] != "4915122223333" ||
			top["text"] != "Yes, it ships today" || mustJSON(top["metadata"]) != `{"order":"42"}` {
			t.Errorf("listed reply %v", top)
		}
		// The window closes after 24 hours of the account's clock.
		expectStatus(t, s.Do("POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": 25 * 3600}), 200)
		r = s.Do("POST", "/v1/messages/send", map[string]any{"to": "4915122223333", "from": "whatsapp", "type": "text", "content": map[string]string{"text": "Still there?"}})
		m := expectError(t, r, 422, "template_uuid")
		if !strings.Contains(fmt.Sprint(m["errors"]), "template") {
			t.Errorf("window error does not say to use a template: %s", r.Body)
		}
		tpl := send(t, s, template("4915122223333", "Ana"))
		waitStatus(t, s, tpl, "read")
		msgs = at(s.Do("GET", "/v1/contacts/"+contact+"/messages", nil).JSON(t), "messages").([]any)
		if at(msgs[0], "text") != "Hello Ana, this is a template message example" {
			t.Errorf("template text %v", at(msgs[0], "text"))
		}
		expectStatus(t, s.Do("POST", "/v1/contacts/"+contact+"/conversation/close", nil), 200)
		// A new inbound message reopens the conversation.
		r = s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "4915122223333", "text": "One more thing"})
		if at(r.JSON(t), "contact.closedAt") != nil {
			t.Errorf("inbound did not reopen: %s", r.Body)
		}
		var got []string
		for _, e := range s.Events("")[before:] {
			if e.ContactID == contact && e.Name != ob.EventMessageStatusUpdated {
				got = append(got, e.Name)
			}
		}
		want := "[contact_created conversation_opened message_created message_created message_created conversation_closed conversation_opened message_created]"
		if fmt.Sprint(got) != want {
			t.Errorf("events %v\nwant %s", got, want)
		}
	}, func(testing.TB) apitest.Option { return apitest.WithDeliveryInterval(20 * time.Millisecond) })
}

func TestMessageCreatedPayload(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "31612345678", "text": "hello"})
		id := send(t, s, map[string]any{"to": "+31 6 12345678", "from": "whatsapp", "type": "image",
			"content": map[string]string{"url": "https://example.com/a.png", "text": "look"}, "metadata": map[string]string{"k": "v"}})
		evs := s.Events("")
		var p map[string]any
		_ = json.Unmarshal(evs[len(evs)-2].Payload, &p)
		if evs[len(evs)-2].Name != "message_created" || p["uuid"] != id || p["status"] != "sent" || p["text"] != "look" ||
			p["from"] != "391234567890" || p["to"] != "31612345678" || p["channel"] != "whatsapp" ||
			!reT1.MatchString(fmt.Sprint(p["createdAt"])) || at(p, "contact.uuid") != johnDoe ||
			mustJSON(p["attachments"]) != `["https://example.com/a.png"]` || mustJSON(p["metadata"]) != `{"k":"v"}` {
			t.Errorf("payload %v", p)
		}
		if _, has := p["type"]; has {
			t.Errorf("message_created payload has a type field")
		}
		// The inbound message's payload: received, no attachments key.
		for _, e := range evs {
			var q map[string]any
			_ = json.Unmarshal(e.Payload, &q)
			if e.Name == "message_created" && q["status"] == "received" {
				if _, has := q["attachments"]; has || q["text"] != "hello" || q["from"] != "31612345678" {
					t.Errorf("inbound payload %v", q)
				}
			}
		}
	})
}

func TestMagicNumbers(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		fails := send(t, s, template("+1 555 010 0001", "x"))
		never := send(t, s, template("+1 555 010 0002", "x"))
		mismatch := send(t, s, template("+1 555 010 0003", "x"))
		stays := send(t, s, template("+1 555 010 0004", "x"))
		wrongCount := send(t, s, template("+1 555 010 0005", "a", "b"))
		m := waitStatus(t, s, fails, "failed")
		if at(m, "messageStatusPayload.payload.reason") != "number does not exist on WhatsApp" || at(m, "messageStatusPayload.type") != "failed" ||
			at(m, "messageStatusPayload.destination") != "15550100001" {
			t.Errorf("0001: %v", m)
		}
		m = waitStatus(t, s, mismatch, "mismatch")
		if at(m, "messageStatusPayload.payload.correctedNumber") != "15550100000" {
			t.Errorf("0003: %v", m)
		}
		m = waitStatus(t, s, wrongCount, "failed")
		if at(m, "messageStatusPayload.payload.reason") != "template parameters do not match the template" {
			t.Errorf("count mismatch: %v", m)
		}
		waitStatus(t, s, never, "delivered")
		time.Sleep(150 * time.Millisecond) // many intervals
		if st := waitStatus(t, s, never, "delivered"); st["status"] != "delivered" {
			t.Errorf("0002 moved on")
		}
		if st := waitStatus(t, s, stays, "enqueued"); at(st, "messageStatusPayload.type") != "enqueued" {
			t.Errorf("0004: %v", st)
		}
		if fmt.Sprint(deliveryEvents(t, s, never)) != "[enqueued sent delivered]" || fmt.Sprint(deliveryEvents(t, s, stays)) != "[enqueued]" ||
			fmt.Sprint(deliveryEvents(t, s, fails)) != "[enqueued failed]" {
			t.Errorf("events: 0002 %v, 0004 %v, 0001 %v", deliveryEvents(t, s, never), deliveryEvents(t, s, stays), deliveryEvents(t, s, fails))
		}
		// A forced non-final status resumes progression of 0004 from there.
		expectStatus(t, s.Do("POST", "/sandbox/v1/messages/"+stays+"/status", map[string]any{"status": "sent"}), 200)
		waitStatus(t, s, stays, "read")
		if got := fmt.Sprint(deliveryEvents(t, s, stays)); got != "[enqueued sent delivered read]" {
			t.Errorf("0004 after a forced sent: %s", got)
		}
	}, func(testing.TB) apitest.Option { return apitest.WithDeliveryInterval(10 * time.Millisecond) })
}

func TestProgressionResumesAfterRestart(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		cfg := apitest.NewConfig(t, e, apitest.WithDeliveryInterval(400*time.Millisecond))
		s := apitest.StartConfig(t, cfg)
		id := send(t, s, template("+1 555 010 7777", "x"))
		s.Stop() // before the first step is due
		s = apitest.StartConfig(t, cfg)
		waitStatus(t, s, id, "read")
		if got := fmt.Sprint(deliveryEvents(t, s, id)); got != "[enqueued sent delivered read]" {
			t.Errorf("status events after restart %s", got)
		}
	})
}

// TestProgressionCatchesUp: steps that all fell due while the server could
// not take them (here: its clock jumped three intervals ahead) are taken in
// one pass, each with its own event, in order.
func TestProgressionCatchesUp(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		clock := &movableClock{}
		s := apitest.StartClock(t, apitest.NewConfig(t, e, apitest.WithDeliveryInterval(time.Hour)), clock)
		id := send(t, s, template("+1 555 010 8888", "x"))
		clock.advance(3*time.Hour + time.Minute)
		waitStatus(t, s, id, "read")
		if got := fmt.Sprint(deliveryEvents(t, s, id)); got != "[enqueued sent delivered read]" {
			t.Errorf("status events %s", got)
		}
	})
}

// movableClock is the wall clock moved ahead by a settable amount.
type movableClock struct {
	mu    sync.Mutex
	ahead time.Duration
}

func (c *movableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().UTC().Add(c.ahead)
}

func (c *movableClock) advance(d time.Duration) {
	c.mu.Lock()
	c.ahead += d
	c.mu.Unlock()
}

func TestSendValidation(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "31612345678", "text": "open the window"})
		ok := map[string]any{"to": "31612345678", "from": "whatsapp", "type": "text", "content": map[string]any{"text": "hi"}}
		with := func(kv ...any) map[string]any { return merged(ok, kv...) }
		many := map[string]string{}
		for i := 0; i < 11; i++ {
			many[fmt.Sprint("k", i)] = "v"
		}
		cases := []struct {
			name   string
			body   any
			status int
			fields []string
		}{
			{"no recipient", with("to", nil), 422, []string{"to"}},
			{"bad number", with("to", "call me"), 422, []string{"to"}},
			{"no from", with("from", nil), 422, []string{"from"}},
			{"bad from", with("from", "sms"), 422, []string{"from"}},
			{"channel disagrees", with("channel_uuid", tgMain), 422, []string{"channel_uuid"}},
			{"unknown channel", with("channel_uuid", "00000000000000000000000000000009"), 422, []string{"channel_uuid"}},
			{"bad type", with("type", "sticker"), 422, []string{"type"}},
			{"no text", with("content", map[string]any{}), 422, []string{"content.text"}},
			{"media without url", with("type", "image", "content", map[string]any{"text": "x"}), 422, []string{"content.url"}},
			{"media relative url", with("type", "document", "content", map[string]any{"url": "/a.pdf"}), 422, []string{"content.url"}},
			{"media ftp url", with("type", "video", "content", map[string]any{"url": "ftp://x.test/a"}), 422, []string{"content.url"}},
			{"unknown template", with("template_uuid", "00000000000000000000000000000000", "optin_contact", true), 422, []string{"template_uuid"}},
			{"rejected template", with("template_uuid", "47aad5f9b4ca423c9d630f06ab93fe1f", "optin_contact", true), 422, []string{"template_uuid"}},
			{"template without optin", with("template_uuid", welcome), 422, []string{"optin_contact"}},
			{"unknown user", with("assigned_user", "x@y.test"), 422, []string{"assigned_user"}},
			{"unknown team", with("team_uuid", "00000000000000000000000000000000"), 422, []string{"team_uuid"}},
			{"bad bot status", with("bot_status", "x"), 422, []string{"bot_status"}},
			{"too much metadata", with("metadata", many), 422, []string{"metadata"}},
			{"long metadata key", with("metadata", map[string]string{strings.Repeat("k", 51): "v"}), 422, []string{"metadata"}},
			{"long metadata value", with("metadata", map[string]string{"k": strings.Repeat("v", 501)}), 422, []string{"metadata"}},
			{"metadata not string", with("metadata", map[string]any{"k": 1}), 400, []string{"metadata"}},
			{"bad fields", with("fields", "contact,owner"), 422, []string{"fields"}},
			{"to not string", with("to", 31612345678), 400, []string{"to"}},
			{"content not object", with("content", "hi"), 400, []string{"content"}},
		}
		n := len(s.Events(""))
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				expectError(t, s.DoUnchecked("POST", "/v1/messages/send", c.body), c.status, c.fields...)
			})
		}
		m := s.DoUnchecked("POST", "/v1/messages/send", with("metadata", map[string]any{"k": 1})).JSON(t)
		if mustJSON(m) != `{"error":"validation failed","errors":{"metadata":["must be string"]}}` {
			t.Errorf("metadata 400 body %s", mustJSON(m))
		}
		if len(s.Events("")) != n {
			t.Errorf("rejected sends fired events")
		}
		// A rejected send to a new number creates no contact.
		expectError(t, s.Do("POST", "/v1/messages/send", with("to", "+1 555 010 4444")), 422, "template_uuid")
		expectError(t, s.Do("GET", "/v1/contacts/phone/15550104444", nil), 404)
		// bsuid, and `to` winning over it.
		expectStatus(t, s.Do("POST", "/v1/messages/send", with("to", nil, "bsuid", "bsuid_abc123")), 200)
		expectError(t, s.Do("POST", "/v1/messages/send", with("to", nil, "bsuid", "nobody")), 422, "bsuid")
		expectStatus(t, s.Do("POST", "/v1/messages/send", with("bsuid", "nobody")), 200)
	})
}

func TestSendEffects(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "31612345678", "text": "hi"})
		r := s.Do("POST", "/v1/messages/send", map[string]any{"to": "31612345678", "from": "whatsapp", "type": "text",
			"content": map[string]any{"text": "hi"}, "fields": "contact,conversation", "assigned_user": "jane.doe@email.com",
			"team_uuid": teamSup, "channel_uuid": waMain})
		expectStatus(t, r, 200)
		m := r.JSON(t)["message"].(map[string]any)
		if mustJSON(m["contact"]) != `{"email":null,"name":"John Doe","phone":"+31612345678","uuid":"`+johnDoe+`"}` {
			t.Errorf("contact %s", mustJSON(m["contact"]))
		}
		if at(m, "conversation.source") != "whatsapp" || !reT1.MatchString(fmt.Sprint(at(m, "conversation.createdAt"))) ||
			!strings.Contains(fmt.Sprint(at(m, "conversation.href")), "/chat/") {
			t.Errorf("conversation %v", m["conversation"])
		}
		c := at(s.Do("GET", "/v1/contacts/"+johnDoe, nil).JSON(t), "contact")
		if at(c, "assignedUser") != "jane.doe@email.com" || at(c, "team.uuid") != teamSup {
			t.Errorf("send did not assign: %v", c)
		}
		evs := s.Events("")
		if fmt.Sprint(names(evs[len(evs)-3:])) != "[contact_updated message_created message_status_updated]" {
			t.Errorf("events %v", names(evs[len(evs)-3:]))
		}
		// A new recipient gets a contact named by its number.
		tpl := send(t, s, template("+44 7700 900777", "Bo"))
		ct := s.Do("GET", "/v1/contacts/phone/447700900777", nil)
		expectStatus(t, ct, 200)
		if at(ct.JSON(t), "contact.name") != "+447700900777" {
			t.Errorf("new contact %s", ct.Body)
		}
		if st := waitStatus(t, s, tpl, "enqueued"); st["uuid"] != tpl {
			t.Errorf("status %v", st)
		}
		// Outbound messages leave open and closed alone.
		s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/close", nil)
		send(t, s, map[string]any{"to": "31612345678", "from": "whatsapp", "content": map[string]any{"text": "bye"}})
		if at(s.Do("GET", "/v1/contacts/"+johnDoe, nil).JSON(t), "contact.closedAt") == nil {
			t.Errorf("an outbound message reopened the conversation")
		}
	})
}

func TestWindowRuleOff(t *testing.T) {
	t.Parallel()
	s := apitest.Start(t, storetest.Engines()[0], func(c *app.Config) { c.WindowRule = false })
	send(t, s, map[string]any{"to": "+1 555 010 8888", "from": "whatsapp", "content": map[string]any{"text": "cold"}})
}

func TestIdempotencyKey(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		body := template("+1 555 010 9999", "x")
		req := apitest.Request{Method: "POST", Path: "/v1/messages/send", Body: body, Header: map[string]string{"Idempotency-Key": "k-1"}}
		a, b := s.Send(req), s.Send(req)
		expectStatus(t, a, 200)
		expectStatus(t, b, 200)
		if string(a.Body) != string(b.Body) {
			t.Errorf("retry answered %s, first %s", b.Body, a.Body)
		}
		msgs := at(s.Do("GET", "/v1/contacts/"+at(s.Do("GET", "/v1/contacts/phone/15550109999", nil).JSON(t), "contact.uuid").(string)+"/messages", nil).JSON(t), "messages").([]any)
		if len(msgs) != 1 {
			t.Errorf("%d messages after a retried send", len(msgs))
		}
		req.Body = template("+1 555 010 9999", "y")
		expectError(t, s.Send(req), 422)
		// Bodies are compared as JSON values: the same body with its keys in
		// another order and other whitespace is the same request.
		first := `{"to":"+1 555 010 9797","from":"whatsapp","type":"text","template_uuid":"` + welcome + `","optin_contact":true,"template_values":["a","b"],"metadata":{"k":"v","n":"1"}}`
		retry := "{\n  \"metadata\": { \"n\": \"1\", \"k\": \"v\" },\n\t\"template_values\" : [ \"a\", \"\\u0062\" ], \"optin_contact\": true,\r\n" +
			`  "template_uuid": "` + welcome + `", "type": "text", "from": "whatsapp", "to": "+1 555 010 9797"  }` + "\n"
		req = apitest.Request{Method: "POST", Path: "/v1/messages/send", Body: first, Header: map[string]string{"Idempotency-Key": "k-2"}}
		a = s.Send(req)
		expectStatus(t, a, 200)
		req.Body = retry
		if b := s.Send(req); b.Status != 200 || string(b.Body) != string(a.Body) {
			t.Errorf("reordered retry: %d %s, first %s", b.Status, b.Body, a.Body)
		}
		contact := at(s.Do("GET", "/v1/contacts/phone/15550109797", nil).JSON(t), "contact.uuid")
		if n := len(list(t, s.Do("GET", fmt.Sprint("/v1/contacts/", contact, "/messages"), nil), "messages")); n != 1 {
			t.Errorf("%d messages after a reordered retry", n)
		}
		// A genuinely different body (values in another order) stays a 422.
		req.Body = strings.Replace(first, `["a","b"]`, `["b","a"]`, 1)
		expectError(t, s.Send(req), 422)
		// Keys are per account.
		req.Token, req.Body = "other-token", map[string]any{"to": "+44 7700 900123", "from": "whatsapp", "template_uuid": "00000000000000000000000000000000", "optin_contact": true}
		expectError(t, s.Send(req), 422, "template_uuid")
	}, withOther)
}

func TestDeleteMessageAndStatus(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("GET", "/v1/messages/status/adf3d1216d4c4dcd908199d6700f2381", nil)
		expectStatus(t, r, 200)
		gs, wa := ob.ProviderIDs("adf3d1216d4c4dcd908199d6700f2381")
		if p := at(r.JSON(t), "message.messageStatusPayload"); at(r.JSON(t), "message.status") != "delivered" || at(p, "id") != wa || at(p, "gsId") != gs ||
			at(p, "type") != "delivered" || at(p, "destination") != "31612345678" || at(p, "payload.ts") == nil {
			t.Errorf("status %s", r.Body)
		}
		expectError(t, s.Do("GET", "/v1/messages/status/00000000000000000000000000000000", nil), 404)
		r = s.Do("DELETE", "/v1/messages/adf3d121-6d4c-4dcd-9081-99d6700f2381", nil)
		if r.Status != 204 || len(r.Body) != 0 {
			t.Errorf("delete: %d %q", r.Status, r.Body)
		}
		msgs := at(s.Do("GET", "/v1/contacts/"+johnDoe+"/messages", nil).JSON(t), "messages").([]any)
		if at(msgs[0], "text") != "" || at(msgs[0], "uuid") != "adf3d1216d4c4dcd908199d6700f2381" {
			t.Errorf("deleted message %v", msgs[0])
		}
		if st := at(s.Do("GET", "/v1/messages/status/adf3d1216d4c4dcd908199d6700f2381", nil).JSON(t), "message.status"); st != "deleted" {
			t.Errorf("status after delete %v", st)
		}
		// An inbound message by its wamid.
		wamid := at(msgs[1], "uuid").(string)
		expectStatus(t, s.Do("DELETE", "/v1/messages/"+wamid, nil), 204)
		msgs = at(s.Do("GET", "/v1/contacts/"+johnDoe+"/messages", nil).JSON(t), "messages").([]any)
		if at(msgs[1], "text") != "" {
			t.Errorf("inbound not blanked: %v", msgs[1])
		}
		expectError(t, s.Do("DELETE", "/v1/messages/wamid.nothing", nil), 404)
		expectError(t, s.Send(apitest.Request{Method: "DELETE", Path: "/v1/messages/" + wamid, Token: "other-token"}), 404)
	}, withOther)
}

// TestDeleteMessageNamedInBody: DELETE /v1/messages with {"uuid": ...}, the
// form of Callbell's published examples, does what DELETE
// /v1/messages/{uuid} does.
func TestDeleteMessageNamedInBody(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("DELETE", "/v1/messages", `{"uuid": "ADF3D121-6D4C-4DCD-9081-99D6700F2381"}`)
		if r.Status != 204 || len(r.Body) != 0 {
			t.Fatalf("delete: %d %q", r.Status, r.Body)
		}
		msgs := list(t, s.Do("GET", "/v1/contacts/"+johnDoe+"/messages", nil), "messages")
		if msgs[0]["uuid"] != "adf3d1216d4c4dcd908199d6700f2381" || msgs[0]["text"] != "" {
			t.Errorf("deleted message %v", msgs[0])
		}
		if got := fmt.Sprint(deliveryEvents(t, s, "adf3d1216d4c4dcd908199d6700f2381")); got != "[deleted]" {
			t.Errorf("events %s", got)
		}
		// An inbound message by its wamid.
		expectStatus(t, s.Do("DELETE", "/v1/messages", map[string]any{"uuid": msgs[1]["uuid"]}), 204)
		if text := list(t, s.Do("GET", "/v1/contacts/"+johnDoe+"/messages", nil), "messages")[1]["text"]; text != "" {
			t.Errorf("inbound not blanked: %v", text)
		}
		for _, body := range []any{map[string]any{}, "", map[string]any{"uuid": nil}, map[string]any{"uuid": " "}, map[string]any{"id": "adf3d1216d4c4dcd908199d6700f2381"}} {
			expectError(t, s.DoUnchecked("DELETE", "/v1/messages", body), 422, "uuid")
		}
		expectError(t, s.DoUnchecked("DELETE", "/v1/messages", map[string]any{"uuid": 5}), 400, "uuid")
		expectError(t, s.DoUnchecked("DELETE", "/v1/messages", `[]`), 400)
		if m := expectError(t, s.Do("DELETE", "/v1/messages", map[string]any{"uuid": "00000000000000000000000000000000"}), 404); m["error"] != "message not found" {
			t.Errorf("unknown: %v", m)
		}
		expectError(t, s.Send(apitest.Request{Method: "DELETE", Path: "/v1/messages", Token: "other-token", Body: map[string]any{"uuid": msgs[1]["uuid"]}}), 404)
		r = s.DoUnchecked("GET", "/v1/messages", nil)
		if expectError(t, r, 405); r.Header.Get("Allow") != "DELETE" {
			t.Errorf("Allow %q", r.Header.Get("Allow"))
		}
	}, withOther)
}

func TestForcedStatusAndFaults(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		id := send(t, s, template("+1 555 010 1212", "x"))
		r := s.Do("POST", "/sandbox/v1/messages/"+id+"/status", map[string]any{"status": "failed", "reason": "blocked by user"})
		expectStatus(t, r, 200)
		if at(r.JSON(t), "message.messageStatusPayload.payload.reason") != "blocked by user" {
			t.Errorf("forced failed %s", r.Body)
		}
		r = s.Do("POST", "/sandbox/v1/messages/"+id+"/status", map[string]any{"status": "mismatch", "corrected_number": "+1 555 010 1213"})
		if at(r.JSON(t), "message.messageStatusPayload.payload.correctedNumber") != "15550101213" {
			t.Errorf("forced mismatch %s", r.Body)
		}
		if fmt.Sprint(deliveryEvents(t, s, id)) != "[enqueued failed mismatch]" {
			t.Errorf("events %v", deliveryEvents(t, s, id))
		}
		expectError(t, s.DoUnchecked("POST", "/sandbox/v1/messages/"+id+"/status", map[string]any{"status": "lost"}), 422, "status")
		expectError(t, s.Do("POST", "/sandbox/v1/messages/00000000000000000000000000000000/status", map[string]any{"status": "read"}), 404)

		r = s.Do("POST", "/sandbox/v1/faults", map[string]any{"method": "POST", "path_prefix": "/v1/messages/send", "status": 503, "probability": 1, "count": 1})
		expectStatus(t, r, 200)
		n := len(s.Events(""))
		r = s.Do("POST", "/v1/messages/send", template("+1 555 010 1414", "x"))
		expectError(t, r, 503)
		if len(s.Events("")) != n {
			t.Errorf("a faulted send fired events")
		}
		expectError(t, s.Do("GET", "/v1/contacts/phone/15550101414", nil), 404)
		send(t, s, template("+1 555 010 1414", "x")) // count 1 is used up
		s.Do("POST", "/sandbox/v1/faults", map[string]any{"path_prefix": "/v1/contacts", "status": 500})
		list := s.Do("GET", "/sandbox/v1/faults", nil).JSON(t)
		if n := len(list["faults"].([]any)); n != 1 {
			t.Errorf("%d faults listed", n)
		}
		expectError(t, s.Do("GET", "/v1/contacts", nil), 500)
		// Another account is not affected.
		expectStatus(t, s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts", Token: "other-token"}), 200)
		expectStatus(t, s.Do("DELETE", "/sandbox/v1/faults", nil), 200)
		expectStatus(t, s.Do("GET", "/v1/contacts", nil), 200)
		expectError(t, s.DoUnchecked("POST", "/sandbox/v1/faults", map[string]any{"path_prefix": "v1", "status": 200, "probability": 2}), 422, "path_prefix", "status", "probability")
		expectError(t, s.Do("POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": 0}), 422, "advance_seconds")
		expectError(t, s.Send(apitest.Request{Unchecked: true, Method: "POST", Path: "/sandbox/v1/inbound", Token: "-", Body: map[string]any{"from": "1"}}), 401)
	}, withOther)
}

func TestInboundValidation(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		expectError(t, s.Do("POST", "/sandbox/v1/inbound", map[string]any{"text": "x"}), 422, "from")
		expectError(t, s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "31612345678"}), 422, "text")
		expectError(t, s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "31612345678", "type": "image"}), 422, "content.url")
		expectError(t, s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "31612345678", "text": "x", "channel_uuid": "00000000000000000000000000000000"}), 422, "channel_uuid")
		r := s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "tg_user", "text": "hey", "channel_uuid": tgMain})
		expectStatus(t, r, 200)
		if at(r.JSON(t), "contact.source") != "telegram" || at(r.JSON(t), "contact.phoneNumber") != nil {
			t.Errorf("telegram inbound %s", r.Body)
		}
		r = s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "31612345678", "type": "image", "content": map[string]any{"url": "https://x.test/p.jpg"}})
		expectStatus(t, r, 200)
		if mustJSON(at(r.JSON(t), "message.attachments")) != `["https://x.test/p.jpg"]` || at(r.JSON(t), "message.text") != "" {
			t.Errorf("media inbound %s", r.Body)
		}
	})
}
