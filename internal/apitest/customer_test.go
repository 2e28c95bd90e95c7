package apitest_test

// What the customer can send through the sandbox, and what an integrator
// sees of it: the optional message objects of API.md section 4 in
// message_created and in the message list, bot sessions, discarded
// channels.

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
)

// inbound makes the customer at from send body (from is set) and returns
// the answer's message and the message_created payload it fired.
func inbound(t *testing.T, s *apitest.Server, from string, body map[string]any) (msg, created map[string]any) {
	t.Helper()
	n := len(s.Events(""))
	body["from"] = from
	msg = obj(t, s.Do("POST", "/sandbox/v1/inbound", body), "message")
	got, ps := since(t, s, "", n)
	i := slices.Index(got, "message_created")
	if i < 0 {
		t.Fatalf("no message_created among %v", got)
	}
	return msg, ps[i]
}

// TestCustomerMessageObjects: every kind of message the sandbox customer can
// send fills its optional object, the same in the answer, in message_created
// and in GET /contacts/:uuid/messages, in Callbell's shapes and spelling.
func TestCustomerMessageObjects(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		const from = "+34 612 345 678"
		first, _ := inbound(t, s, from, map[string]any{"text": "Hola"})

		cases := []struct {
			name string
			body map[string]any
			key  string // the optional object the message carries
			want string // its JSON
			text string
		}{
			{"location", map[string]any{"type": "location", "content": map[string]any{"latitude": 41.3874, "longitude": 2.1686}},
				"messageLocation", `{"coordinates":{"x":41.3874,"y":2.1686},"googleMapsLocation":"https://maps.googleapis.com/maps/api/staticmap?center=41.3874,2.1686\u0026zoom=15\u0026size=400x400\u0026markers=41.3874,2.1686"}`, ""},
			{"contacts", map[string]any{"type": "contacts", "content": map[string]any{"contacts": []any{
				map[string]any{"name": "Marta", "phones": []any{map[string]any{"phone": "+34 600 111 222"}, map[string]any{"phone": "34 93 123 45 67", "type": "HOME"}}}}}},
				"messageContactCard", `{"contactsInfo":[{"name":"Marta","phones":[{"phone":"34600111222","type":"MOBILE","wa_id":""},{"phone":"34931234567","type":"HOME","wa_id":""}]}]}`, ""},
			{"button_reply", map[string]any{"type": "button_reply", "content": map[string]any{"text": "Yes, please"}},
				"messageReplyButton", `{"metadata":{"content":{"text":"Yes, please"},"options":[{"postback_text":"","postback_url":"","title":"Yes, please","type":"text"}],"type":"quick_reply"}}`, "Yes, please"},
			{"forwarded", map[string]any{"text": "look at this", "forwarded": true},
				"messageForward", `{"forwarded":true}`, "look at this"},
		}
		for _, c := range cases {
			msg, created := inbound(t, s, from, c.body)
			if got := mustJSON(msg[c.key]); got != c.want {
				t.Errorf("%s: answer %s = %s\nwant %s", c.name, c.key, got, c.want)
			}
			if got := mustJSON(created[c.key]); got != c.want {
				t.Errorf("%s: message_created %s = %s", c.name, c.key, got)
			}
			if msg["text"] != c.text || created["text"] != c.text {
				t.Errorf("%s: text %v / %v, want %q", c.name, msg["text"], created["text"], c.text)
			}
			for _, other := range []string{"messageLocation", "messageContactCard", "mesageContext", "messageForward", "messageReplyButton", "messageInteractiveList"} {
				if _, has := created[other]; has && other != c.key {
					t.Errorf("%s: message_created also has %s", c.name, other)
				}
			}
			if _, has := created["type"]; has {
				t.Errorf("%s: message_created has a type", c.name)
			}
		}

		// A list reply: metadata is a JSON-encoded string.
		msg, created := inbound(t, s, from, map[string]any{"type": "list_reply", "content": map[string]any{"text": "Large box"}})
		meta, _ := at(created, "messageInteractiveList.metadata").(string)
		var lr struct {
			Body     string `json:"body"`
			Sections []struct {
				Items []struct {
					Header string `json:"header"`
				} `json:"items"`
			} `json:"sections"`
		}
		if err := json.Unmarshal([]byte(meta), &lr); err != nil || lr.Body != "Large box" || len(lr.Sections) != 1 ||
			len(lr.Sections[0].Items) != 1 || lr.Sections[0].Items[0].Header != "Large box" || msg["text"] != "Large box" {
			t.Errorf("list reply %s (%v)", mustJSON(created["messageInteractiveList"]), err)
		}

		// A sticker is media.
		msg, _ = inbound(t, s, from, map[string]any{"type": "sticker", "content": map[string]any{"url": "https://example.com/s.webp"}})
		if mustJSON(msg["attachments"]) != `["https://example.com/s.webp"]` {
			t.Errorf("sticker %s", mustJSON(msg))
		}

		// A reply names the message it answers: by wamid, and by uuid an
		// outbound message of the conversation.
		_, created = inbound(t, s, from, map[string]any{"text": "about that", "reply_to": first["uuid"]})
		ctx, _ := created["mesageContext"].(map[string]any)
		if at(ctx, "target.uuid") != first["uuid"] || ctx["text"] != "Hola" || ctx["status"] != "received" || ctx["createdAt"] != first["createdAt"] {
			t.Errorf("reply context %s", mustJSON(created["mesageContext"]))
		}
		out := send(t, s, map[string]any{"to": from, "from": "whatsapp", "content": map[string]any{"text": "Sure"}})
		_, created = inbound(t, s, from, map[string]any{"text": "thanks", "reply_to": dashedUpper(out)})
		if at(created, "mesageContext.target.uuid") != out || at(created, "mesageContext.status") != "sent" || at(created, "mesageContext.text") != "Sure" {
			t.Errorf("reply to outbound %s", mustJSON(created["mesageContext"]))
		}

		// The message list shows the same objects as the events.
		contact := at(created, "contact.uuid").(string)
		listed := list(t, s.Do("GET", "/v1/contacts/"+contact+"/messages", nil), "messages")
		keys := map[string]bool{}
		for _, m := range listed {
			for _, k := range []string{"messageLocation", "messageContactCard", "mesageContext", "messageForward", "messageReplyButton", "messageInteractiveList"} {
				if m[k] != nil {
					keys[k] = true
				}
			}
		}
		if len(keys) != 6 {
			t.Errorf("message list carries %v, want all six objects", keys)
		}
		if listed[0]["text"] != "thanks" || at(listed[0], "mesageContext.target.uuid") != out {
			t.Errorf("newest listed message %s", mustJSON(listed[0]))
		}
	})
}

// TestCustomerMessageValidation: what the customer sends is checked like any
// request: a 422 naming the field, and nothing stored.
func TestCustomerMessageValidation(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		other := openWindow(t, s, "", "4915100000001")
		otherMsg := list(t, s.Do("GET", "/v1/contacts/"+other+"/messages", nil), "messages")[0]["uuid"]
		n := len(s.Events(""))
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"from": "31612345678", "type": "location", "content": map[string]any{"latitude": 95, "longitude": 10}}, "content"},
			{map[string]any{"from": "31612345678", "type": "location", "content": map[string]any{"latitude": 45}}, "content"},
			{map[string]any{"from": "31612345678", "type": "contacts", "content": map[string]any{"contacts": []any{}}}, "content.contacts"},
			{map[string]any{"from": "31612345678", "type": "contacts", "content": map[string]any{"contacts": []any{map[string]any{"phones": []any{}}}}}, "content.contacts"},
			{map[string]any{"from": "31612345678", "type": "button_reply"}, "content.text"},
			{map[string]any{"from": "31612345678", "type": "carousel", "text": "x"}, "type"},
			{map[string]any{"from": "31612345678", "text": "x", "reply_to": "wamid.nothere"}, "reply_to"},
			// A message of another contact's conversation is no reply.
			{map[string]any{"from": "31612345678", "text": "x", "reply_to": otherMsg}, "reply_to"},
			// A new number has no message to answer yet.
			{map[string]any{"from": "4915100000002", "text": "x", "reply_to": otherMsg}, "reply_to"},
		} {
			expectError(t, s.DoUnchecked("POST", "/sandbox/v1/inbound", c.body), 422, c.field)
		}
		if got, _ := since(t, s, "", n); len(got) != 0 {
			t.Errorf("refused messages fired %v", got)
		}
		expectError(t, s.Do("GET", "/v1/contacts/phone/4915100000002", nil), 404)
		expectError(t, s.DoUnchecked("POST", "/sandbox/v1/inbound", map[string]any{"from": "31612345678", "text": "x", "forwarded": "yes"}), 400, "forwarded")
	})
}

// TestBotSessions: with an enabled bot, a new contact's session starts
// (API, send to a new number), or is in progress when the customer wrote
// first; a customer's message moves a started session to in_progress;
// bot_status bot_end at creation keeps it ended.
func TestBotSessions(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		bot := func(id string) map[string]any {
			t.Helper()
			return obj(t, s.Do("GET", "/v1/contacts/"+id+"/bot", nil), "bot")
		}
		created := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+44 7700 900111", "source": "whatsapp", "name": "Api"}), "contact")
		b := bot(created["uuid"].(string))
		if b["status"] != "started" || b["conversationStartedAt"] != created["createdAt"] {
			t.Errorf("contact created by the API: bot %s, created %v", mustJSON(b), created["createdAt"])
		}
		// The customer writes: the bot is talking with them.
		openWindow(t, s, "", "447700900111")
		if b := bot(created["uuid"].(string)); b["status"] != "in_progress" || b["conversationStartedAt"] != created["createdAt"] {
			t.Errorf("after the customer wrote: %s", mustJSON(b))
		}
		// bot_start starts a new session.
		if b := obj(t, s.Do("POST", "/v1/contacts/"+created["uuid"].(string)+"/bot", map[string]any{"status": "bot_start"}), "bot"); b["status"] != "started" {
			t.Errorf("bot_start on a session in progress: %s", mustJSON(b))
		}

		// A contact created by an inbound message starts in progress.
		c := openWindow(t, s, "", "447700900222")
		if b := bot(c); b["status"] != "in_progress" || !near(b["conversationStartedAt"], time.Minute) {
			t.Errorf("contact created by an inbound message: %s", mustJSON(b))
		}
		// A send to a new number: started.
		r := s.Do("POST", "/v1/messages/send", merged(template("+44 7700 900333", "x"), "fields", "contact"))
		expectStatus(t, r, 200)
		if b := bot(at(r.JSON(t), "message.contact.uuid").(string)); b["status"] != "started" {
			t.Errorf("contact created by a send: %s", mustJSON(b))
		}
		// Unless the request says bot_end.
		ended := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+44 7700 900444", "source": "whatsapp", "name": "No bot",
			"bot_status": "bot_end"}), "contact")
		if b := bot(ended["uuid"].(string)); b["status"] != "ended" || b["conversationStartedAt"] != nil {
			t.Errorf("created with bot_end: %s", mustJSON(b))
		}
		// An ended session stays ended when the customer writes.
		openWindow(t, s, "", "447700900444")
		if b := bot(ended["uuid"].(string)); b["status"] != "ended" {
			t.Errorf("ended session after the customer wrote: %s", mustJSON(b))
		}
		// The bot status words are bot_start and bot_end, on every route.
		expectError(t, s.DoUnchecked("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"bot_status": "started"}), 422, "bot_status")
		expectError(t, s.DoUnchecked("POST", "/v1/contacts/"+johnDoe+"/bot", map[string]any{"status": "started"}), 422, "status")
	})
}

// TestDiscardedChannel: a discarded channel sends and receives nothing: a
// send, a contact create and an inbound message through it are 422s that
// say so, and nothing is stored or fired.
func TestDiscardedChannel(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		n := len(s.Events(""))
		contacts := len(list(t, s.Do("GET", "/v1/contacts", nil), "contacts"))
		for _, r := range []*apitest.Response{
			s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+31 6 55555555", "source": "whatsapp", "name": "Old line", "channel_uuid": waOld}),
			s.Do("POST", "/v1/messages/send", merged(template("+31 6 55555555", "x"), "channel_uuid", waOld)),
			s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "+31 6 55555555", "text": "hi", "channel_uuid": dashedUpper(waOld)}),
		} {
			m := expectError(t, r, 422, "channel_uuid")
			if msg := mustJSON(m["errors"]); !strings.Contains(msg, "discarded") {
				t.Errorf("error does not say the channel is discarded: %s", msg)
			}
		}
		if got, _ := since(t, s, "", n); len(got) != 0 {
			t.Errorf("refused requests fired %v", got)
		}
		if got := len(list(t, s.Do("GET", "/v1/contacts", nil), "contacts")); got != contacts {
			t.Errorf("%d contacts, want %d", got, contacts)
		}
	})
}

// TestDeletedMessageLosesItsContent: deleting a message blanks its text and
// its content objects (here a location); what it answers and whether it was
// forwarded stay.
func TestDeletedMessageLosesItsContent(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		first, _ := inbound(t, s, "+34 612 000 111", map[string]any{"text": "where are you?"})
		msg, _ := inbound(t, s, "+34 612 000 111", map[string]any{"type": "location", "reply_to": first["uuid"], "forwarded": true,
			"content": map[string]any{"latitude": 40.4, "longitude": -3.7}})
		r := s.Do("DELETE", "/v1/messages", map[string]any{"uuid": msg["uuid"]})
		expectStatus(t, r, 204)
		contact := at(obj(t, s.Do("GET", "/v1/contacts/phone/34612000111", nil), "contact"), "uuid").(string)
		listed := list(t, s.Do("GET", "/v1/contacts/"+contact+"/messages", nil), "messages")[0]
		if listed["uuid"] != msg["uuid"] || listed["text"] != "" || listed["messageLocation"] != nil ||
			at(listed, "mesageContext.target.uuid") != first["uuid"] || at(listed, "messageForward.forwarded") != true {
			t.Errorf("deleted message %s", mustJSON(listed))
		}
	})
}
