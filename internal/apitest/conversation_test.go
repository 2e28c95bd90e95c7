package apitest_test

import (
	"encoding/json"
	"testing"

	"github.com/openbell/openbell/internal/apitest"
)

func TestCloseConversation(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		before := len(s.Events(""))
		r := s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/close", map[string]string{"closing_reason": "resolved"})
		expectStatus(t, r, 200)
		m := r.JSON(t)
		closedAt, _ := at(m, "contact.closedAt").(string)
		if !reT1.MatchString(closedAt) {
			t.Fatalf("closedAt %q is not T1: %s", closedAt, r.Body)
		}
		if at(m, "contact.uuid") != johnDoe {
			t.Errorf("uuid %v", at(m, "contact.uuid"))
		}
		// The system note is the newest message, without uuid.
		msgs := s.Do("GET", "/v1/contacts/"+johnDoe+"/messages", nil).JSON(t)
		first := at(msgs, "messages").([]any)[0].(map[string]any)
		if first["text"] != "Conversation closed" || first["status"] != "note" {
			t.Errorf("newest message %v, want the system note", first)
		}
		if _, has := first["uuid"]; has {
			t.Errorf("system note has a uuid: %v", first)
		}
		if first["from"] != "31612345678" || first["to"] != "31612345678" {
			t.Errorf("system note from/to %v/%v, want the customer's digits", first["from"], first["to"])
		}
		// One conversation_closed event with the reason and the contact.
		evs := s.Events("")[before:]
		if len(evs) != 1 || evs[0].Name != "conversation_closed" {
			t.Fatalf("events %v, want one conversation_closed", names(evs))
		}
		var p map[string]any
		if err := json.Unmarshal(evs[0].Payload, &p); err != nil {
			t.Fatal(err)
		}
		if p["closingReason"] != "resolved" || p["closedAt"] != closedAt || at(p, "contact.uuid") != johnDoe ||
			p["source"] != "whatsapp" || p["href"] != at(m, "contact.conversationHref") || !reT1.MatchString(p["createdAt"].(string)) {
			t.Errorf("payload %v", p)
		}
		// Closing again changes nothing, writes nothing, fires nothing.
		r2 := s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/close", nil)
		expectStatus(t, r2, 200)
		if got := at(r2.JSON(t), "contact.closedAt"); got != closedAt {
			t.Errorf("second close moved closedAt to %v", got)
		}
		if n := len(s.Events("")); n != before+1 {
			t.Errorf("second close fired %d events", n-before-1)
		}
		msgs2 := s.Do("GET", "/v1/contacts/"+johnDoe+"/messages", nil).JSON(t)
		if len(at(msgs2, "messages").([]any)) != len(at(msgs, "messages").([]any)) {
			t.Errorf("second close wrote a message")
		}
	})
}

func TestCloseWithoutReasonHasNullReason(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		expectStatus(t, s.Do("POST", "/v1/contacts/"+marioRossi+"/conversation/close", nil), 200)
		evs := s.Events("")
		var p map[string]any
		_ = json.Unmarshal(evs[len(evs)-1].Payload, &p)
		if v, ok := p["closingReason"]; !ok || v != nil {
			t.Errorf("closingReason %v (present %v), want null", v, ok)
		}
	})
}

func TestOpenConversation(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		// Open on an open conversation: no-op.
		before := len(s.Events(""))
		r := s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/open", nil)
		expectStatus(t, r, 200)
		if at(r.JSON(t), "contact.closedAt") != nil {
			t.Errorf("closedAt not null")
		}
		if len(s.Events("")) != before {
			t.Errorf("open on open fired an event")
		}
		expectStatus(t, s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/close", nil), 200)
		r = s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/open", nil)
		expectStatus(t, r, 200)
		if at(r.JSON(t), "contact.closedAt") != nil {
			t.Errorf("closedAt after open: %v", at(r.JSON(t), "contact.closedAt"))
		}
		evs := s.Events("")[before:]
		if len(evs) != 2 || evs[1].Name != "conversation_opened" {
			t.Fatalf("events %v", names(evs))
		}
		var p map[string]any
		_ = json.Unmarshal(evs[1].Payload, &p)
		if at(p, "contact.closedAt") != nil || p["source"] != "whatsapp" || p["href"] == nil {
			t.Errorf("payload %v", p)
		}
		if _, has := p["closedAt"]; has {
			t.Errorf("conversation_opened payload has closedAt")
		}
		msgs := s.Do("GET", "/v1/contacts/"+johnDoe+"/messages", nil).JSON(t)
		first := at(msgs, "messages").([]any)[0].(map[string]any)
		if first["status"] != "note" || first["text"] != "Conversation opened" {
			t.Errorf("newest message %v, want the opening note", first)
		}
	})
}

func TestConversationNotFoundAndIsolation(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for _, path := range []string{
			"/v1/contacts/00000000000000000000000000000000/conversation/close",
			"/v1/contacts/not-a-uuid/conversation/close",
			"/v1/contacts/0b7e8c7a2f0a4b7e9d5c1a2b3c4d5e6f/conversation/close", // the other account's
		} {
			r := s.DoUnchecked("POST", path, nil)
			m := expectError(t, r, 404)
			if m["error"] != "contact not found" {
				t.Errorf("%s: error %v", path, m["error"])
			}
		}
		// The other account closes its own contact with its token.
		r := s.Send(apitest.Request{Method: "POST", Path: "/v1/contacts/0b7e8c7a-2f0a-4b7e-9d5c-1a2b3c4d5e6f/conversation/close", Token: "other-token"})
		expectStatus(t, r, 200)
		if at(r.JSON(t), "contact.uuid") != "0b7e8c7a2f0a4b7e9d5c1a2b3c4d5e6f" {
			t.Errorf("uuid not canonical: %s", r.Body)
		}
		// The demo account saw no event of it.
		for _, e := range s.Events("") {
			if e.ContactID == "0b7e8c7a2f0a4b7e9d5c1a2b3c4d5e6f" {
				t.Errorf("demo account recorded the other account's event")
			}
		}
	}, withOther)
}

func TestNote(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("POST", "/v1/contacts/"+marioRossi+"/conversation/note", map[string]string{"text": "Call @john.doe@email.com back"})
		expectStatus(t, r, 200)
		if mustJSON(r.JSON(t)) != `{"success":true}` {
			t.Errorf("body %s", r.Body)
		}
		msgs := s.Do("GET", "/v1/contacts/"+marioRossi+"/messages", nil).JSON(t)
		first := at(msgs, "messages").([]any)[0].(map[string]any)
		if first["text"] != "Call @john.doe@email.com back" || first["status"] != "note" || len(first["uuid"].(string)) != 32 {
			t.Errorf("note %v", first)
		}
		long := make([]byte, 4097)
		for i := range long {
			long[i] = 'a'
		}
		for _, body := range []any{map[string]string{"text": "  "}, map[string]any{}, map[string]string{"text": string(long)}} {
			expectError(t, s.DoUnchecked("POST", "/v1/contacts/"+marioRossi+"/conversation/note", body), 422, "text")
		}
		expectError(t, s.DoUnchecked("POST", "/v1/contacts/"+marioRossi+"/conversation/note", map[string]any{"text": 5}), 400, "text")
		expectStatus(t, s.Do("POST", "/v1/contacts/"+marioRossi+"/conversation/note", map[string]string{"text": string(long[:4096])}), 200)
	})
}
