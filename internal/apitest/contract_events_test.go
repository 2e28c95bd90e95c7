package apitest_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
)

// since returns the events recorded after the first n, as name and payload.
func since(t *testing.T, s *apitest.Server, token string, n int) ([]string, []map[string]any) {
	t.Helper()
	evs := s.Events(token)[n:]
	out := make([]map[string]any, len(evs))
	for i, e := range evs {
		out[i] = payload(t, e.Payload)
	}
	return names(evs), out
}

// oneEvent fails unless exactly the events want were recorded after n, and
// returns the payload of the last.
func oneEvent(t *testing.T, s *apitest.Server, n int, want ...string) map[string]any {
	t.Helper()
	got, ps := since(t, s, "", n)
	if !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	return ps[len(ps)-1]
}

// TestContractContactEventPayloads: contact_created and contact_updated
// carry the whole Contact, equal to what the request answered; contact_deleted
// carries exactly {uuid, deleted T3}.
func TestContractContactEventPayloads(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		n := len(s.Events(""))
		r := s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+57 319 2754701", "source": "whatsapp", "name": "Ana",
			"tags": []string{"usa", "LEAD"}, "custom_fields": map[string]any{"Features": []string{"Analytics"}, "orderNumber": 12},
			"assigned_user": "jane.doe@email.com", "team_uuid": dashedUpper(teamSup), "note": "hello"})
		answer := obj(t, r, "contact")
		got, ps := since(t, s, "", n)
		if !slices.Equal(got, []string{"contact_created", "conversation_opened"}) {
			t.Fatalf("events %v, want contact_created then conversation_opened", got)
		}
		p := ps[0]
		if mustJSON(ps[1]["contact"]) != mustJSON(p) || ps[1]["href"] != p["conversationHref"] || ps[1]["createdAt"] != p["createdAt"] {
			t.Errorf("conversation_opened of a new contact %s", mustJSON(ps[1]))
		}
		checkContact(t, s, "contact_created", p)
		if mustJSON(p) != mustJSON(answer) {
			t.Errorf("contact_created payload differs from the answer:\n%s\n%s", mustJSON(p), mustJSON(answer))
		}
		if mustJSON(p["tags"]) != `["USA","lead"]` || at(p, "customFields.Features") != `["Analytics"]` || at(p, "team.uuid") != teamSup {
			t.Errorf("contact_created %s", mustJSON(p))
		}
		id := answer["uuid"].(string)

		for _, step := range []struct {
			method, path string
			body         any
		}{
			{"PATCH", "/v1/contacts/" + dashedUpper(id), map[string]any{"tags": []string{"hot"}, "unassign_user": true, "custom_fields": map[string]any{"orderNumber": nil}}},
			{"PUT", "/v1/contacts/" + id + "/conversation/update_funnel", map[string]any{"funnel_id": "1E6C0C57C81D49D281D2FCEC053A1AB6"}},
			{"POST", "/v1/contacts/" + id + "/messages/update_funnel", map[string]any{"funnel_id": nil}},
			{"PATCH", "/v1/contacts/" + id, map[string]any{"note": ""}},
		} {
			n = len(s.Events(""))
			answer := obj(t, s.Do(step.method, step.path, step.body), "contact")
			p := oneEvent(t, s, n, "contact_updated")
			checkContact(t, s, "contact_updated", p)
			if mustJSON(p) != mustJSON(answer) {
				t.Errorf("%s %s: payload differs from the answer:\n%s\n%s", step.method, step.path, mustJSON(p), mustJSON(answer))
			}
		}
		// The bot status is a contact change too; the payload is the contact as GET shows it.
		n = len(s.Events(""))
		expectStatus(t, s.Do("POST", "/v1/contacts/"+id+"/bot", map[string]any{"status": "bot_end"}), 200)
		p = oneEvent(t, s, n, "contact_updated")
		if mustJSON(p) != mustJSON(obj(t, s.Do("GET", "/v1/contacts/"+id, nil), "contact")) {
			t.Errorf("bot contact_updated %s", mustJSON(p))
		}

		n = len(s.Events(""))
		expectStatus(t, s.Do("DELETE", "/v1/contacts/"+dashedUpper(id), nil), 200)
		p = oneEvent(t, s, n, "contact_deleted")
		exactKeys(t, "contact_deleted", p, "uuid", "deleted")
		if p["uuid"] != id || !isT3(p["deleted"]) || !near(p["deleted"], time.Minute) {
			t.Errorf("contact_deleted %s", mustJSON(p))
		}
	})
}

// TestContractConversationEventPayloads: conversation_closed and
// conversation_opened carry exactly their keys, the Conversation's href and
// source, and the contact as the request answered it.
func TestContractConversationEventPayloads(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		n := len(s.Events(""))
		closed := obj(t, s.Do("POST", "/v1/contacts/"+dashedUpper(janeRoe)+"/conversation/close", map[string]any{"closing_reason": "spam"}), "contact")
		p := oneEvent(t, s, n, "conversation_closed")
		exactKeys(t, "conversation_closed", p, "source", "href", "createdAt", "closedAt", "closingReason", "contact")
		c, _ := p["contact"].(map[string]any)
		checkContact(t, s, "conversation_closed.contact", c)
		if mustJSON(c) != mustJSON(closed) {
			t.Errorf("conversation_closed contact differs from the answer:\n%s\n%s", mustJSON(c), mustJSON(closed))
		}
		if p["closedAt"] != closed["closedAt"] || !isT1(p["closedAt"]) || p["closingReason"] != "spam" || p["href"] != closed["conversationHref"] ||
			p["source"] != "whatsapp" || !isT1(p["createdAt"]) {
			t.Errorf("conversation_closed %s", mustJSON(p))
		}
		createdAt := p["createdAt"]

		n = len(s.Events(""))
		opened := obj(t, s.Do("POST", "/v1/contacts/"+janeRoe+"/conversation/open", nil), "contact")
		p = oneEvent(t, s, n, "conversation_opened")
		exactKeys(t, "conversation_opened", p, "source", "href", "createdAt", "contact")
		c, _ = p["contact"].(map[string]any)
		checkContact(t, s, "conversation_opened.contact", c)
		if mustJSON(c) != mustJSON(opened) || c["closedAt"] != nil {
			t.Errorf("conversation_opened contact:\n%s\n%s", mustJSON(c), mustJSON(opened))
		}
		if p["href"] != opened["conversationHref"] || p["createdAt"] != createdAt || p["source"] != "whatsapp" {
			t.Errorf("conversation_opened %s (closed had createdAt %v)", mustJSON(p), createdAt)
		}

		// A telegram conversation names its source.
		tg := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "tg_conv", "source": "telegram", "name": "Tg"}), "contact")
		n = len(s.Events(""))
		expectStatus(t, s.Do("POST", "/v1/contacts/"+tg["uuid"].(string)+"/conversation/close", nil), 200)
		if p := oneEvent(t, s, n, "conversation_closed"); p["source"] != "telegram" || at(p, "contact.phoneNumber") != nil || p["closingReason"] != nil {
			t.Errorf("telegram conversation_closed %s", mustJSON(p))
		}

		// An inbound message reopens: conversation_opened, then message_created, both with the open contact.
		expectStatus(t, s.Do("POST", "/v1/contacts/"+janeRoe+"/conversation/close", nil), 200)
		n = len(s.Events(""))
		r := s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "+57 90 372023", "text": "back"})
		expectStatus(t, r, 200)
		got, ps := since(t, s, "", n)
		if !slices.Equal(got, []string{"conversation_opened", "message_created"}) {
			t.Fatalf("inbound to a closed conversation: %v", got)
		}
		for i, p := range ps {
			if at(p, "contact.uuid") != janeRoe || at(p, "contact.closedAt") != nil {
				t.Errorf("%s contact %s", got[i], mustJSON(p["contact"]))
			}
		}
		exactKeys(t, "reopening conversation_opened", ps[0], "source", "href", "createdAt", "contact")
		// The reopening wrote its system note, without uuid, before the message.
		msgs := list(t, s.Do("GET", "/v1/contacts/"+janeRoe+"/messages", nil), "messages")
		if msgs[0]["text"] != "back" || msgs[1]["text"] != "Conversation opened" || msgs[1]["status"] != "note" {
			t.Errorf("messages after the reopening %v", pluck(msgs[:2], "text"))
		}
		if _, ok := msgs[1]["uuid"]; ok {
			t.Errorf("reopening note has a uuid")
		}
	})
}

// TestContractMessageCreatedPayloads: message_created for inbound and
// outbound messages, on WhatsApp and Telegram, to new and known contacts;
// never for notes.
func TestContractMessageCreatedPayloads(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		required := []string{"uuid", "to", "from", "text", "status", "channel", "contact", "createdAt"}
		check := func(where string, p map[string]any) {
			t.Helper()
			hasKeys(t, where, p, required...)
			for _, k := range keysOf(p) {
				if !slices.Contains(required, k) && k != "attachments" && k != "metadata" {
					t.Errorf("%s: unexpected key %q", where, k)
				}
			}
			c, _ := p["contact"].(map[string]any)
			checkContact(t, s, where+".contact", c)
			if !isT1(p["createdAt"]) || !near(p["createdAt"], time.Minute) {
				t.Errorf("%s: createdAt %v is not a current T1", where, p["createdAt"])
			}
			if p["channel"] != c["source"] {
				t.Errorf("%s: channel %v, contact source %v", where, p["channel"], c["source"])
			}
		}
		n := len(s.Events(""))
		r := s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "+49 151 7777 8888", "text": "hallo"})
		msg := obj(t, r, "message")
		got, ps := since(t, s, "", n)
		if !slices.Equal(got, []string{"contact_created", "conversation_opened", "message_created"}) {
			t.Fatalf("inbound from a new number: %v", got)
		}
		p := ps[2]
		check("inbound", p)
		if p["uuid"] != msg["uuid"] || !reWamid.MatchString(fmt.Sprint(p["uuid"])) || p["status"] != "received" || p["from"] != "4915177778888" ||
			p["to"] != "391234567890" || p["text"] != "hallo" || p["channel"] != "whatsapp" || at(p, "contact.uuid") != at(ps[0], "uuid") {
			t.Errorf("inbound message_created %s", mustJSON(p))
		}
		for _, k := range []string{"attachments", "metadata"} {
			if _, ok := p[k]; ok {
				t.Errorf("inbound text has %s", k)
			}
		}
		contact := at(p, "contact.uuid").(string)

		// Outbound text without metadata.
		n = len(s.Events(""))
		id := send(t, s, map[string]any{"to": "4915177778888", "from": "whatsapp", "content": map[string]any{"text": "antwort"}})
		got, ps = since(t, s, "", n)
		if !slices.Equal(got, []string{"message_created", "message_status_updated"}) || ps[1]["status"] != "enqueued" {
			t.Fatalf("send fired %v", got)
		}
		p = ps[0]
		check("outbound", p)
		if p["uuid"] != id || p["status"] != "sent" || p["from"] != "391234567890" || p["to"] != "4915177778888" || p["text"] != "antwort" ||
			at(p, "contact.uuid") != contact {
			t.Errorf("outbound message_created %s", mustJSON(p))
		}
		for _, k := range []string{"attachments", "metadata"} {
			if _, ok := p[k]; ok {
				t.Errorf("outbound text has %s", k)
			}
		}
		// A template is stored and announced filled.
		n = len(s.Events(""))
		send(t, s, map[string]any{"to": "4915177778888", "from": "whatsapp", "template_uuid": welcome, "optin_contact": true, "content": map[string]any{"text": "Eva"}})
		if p := oneEvent(t, s, n, "message_created", "message_status_updated"); at(p, "messageStatusPayload.payload.type") != "template" {
			t.Errorf("template enqueued %s", mustJSON(p))
		}
		if _, ps := since(t, s, "", n); ps[0]["text"] != "Hello Eva, this is a template message example" {
			t.Errorf("template message_created text %v", p["text"])
		}
		// Inbound media: attachments, caption as text.
		n = len(s.Events(""))
		expectStatus(t, s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "4915177778888", "type": "video",
			"content": map[string]any{"url": "https://example.com/v.mp4"}}), 200)
		p = oneEvent(t, s, n, "message_created")
		check("inbound media", p)
		if mustJSON(p["attachments"]) != `["https://example.com/v.mp4"]` || p["text"] != "" {
			t.Errorf("inbound media %s", mustJSON(p))
		}
		// Notes fire nothing.
		n = len(s.Events(""))
		expectStatus(t, s.Do("POST", "/v1/contacts/"+contact+"/conversation/note", map[string]any{"text": "quiet"}), 200)
		if got, _ := since(t, s, "", n); len(got) != 0 {
			t.Errorf("a note fired %v", got)
		}
		// Telegram: no 24-hour rule; a new platform id gets a contact first.
		n = len(s.Events(""))
		r = s.Do("POST", "/v1/messages/send", map[string]any{"to": "tg_reader", "from": "telegram", "content": map[string]any{"text": "hi tg"}})
		expectStatus(t, r, 200)
		got, ps = since(t, s, "", n)
		if !slices.Equal(got, []string{"contact_created", "conversation_opened", "message_created", "message_status_updated"}) {
			t.Fatalf("telegram send: %v", got)
		}
		check("telegram", ps[2])
		if ps[2]["channel"] != "telegram" || at(ps[2], "contact.phoneNumber") != nil || at(ps[2], "contact.name") != "tg_reader" {
			t.Errorf("telegram message_created %s", mustJSON(ps[2]))
		}
	})
}

// TestContractMessageStatusPayloads: message_status_updated for every
// status, with messageStatusPayload {id, type, payload, destination}, and
// metadata exactly when the send had it.
func TestContractMessageStatusPayloads(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		openWindow(t, s, "", "31612345678")
		plain := send(t, s, map[string]any{"to": "+31 6 12345678", "from": "whatsapp", "content": map[string]any{"text": "a"}})
		tagged := send(t, s, map[string]any{"to": "+31 6 12345678", "from": "whatsapp", "content": map[string]any{"text": "b"},
			"metadata": map[string]any{"ref": "R-1"}})
		check := func(id, status string, md bool) map[string]any {
			t.Helper()
			n := len(s.Events(""))
			body := map[string]any{"status": status}
			switch status {
			case "failed":
				body["reason"] = "blocked by user"
			case "mismatch":
				body["corrected_number"] = "+31 6 1234 0000"
			}
			if status == "deleted" {
				expectStatus(t, s.Do("DELETE", "/v1/messages/"+id, nil), 204)
			} else {
				expectStatus(t, s.Do("POST", "/sandbox/v1/messages/"+dashedUpper(id)+"/status", body), 200)
			}
			p := oneEvent(t, s, n, "message_status_updated")
			keys := []string{"uuid", "status", "contact", "messageStatusPayload"}
			if md {
				keys = append(keys, "metadata")
			}
			exactKeys(t, status, p, keys...)
			c, _ := p["contact"].(map[string]any)
			checkContact(t, s, status+".contact", c)
			msp, _ := p["messageStatusPayload"].(map[string]any)
			exactKeys(t, status+".messageStatusPayload", msp, "id", "gsId", "type", "payload", "destination")
			if p["uuid"] != id || p["status"] != status || msp["type"] != status || msp["destination"] != "31612345678" || c["uuid"] != johnDoe {
				t.Errorf("%s: %s", status, mustJSON(p))
			}
			if _, ok := msp["payload"].(map[string]any); !ok {
				t.Errorf("%s: payload %s", status, mustJSON(msp["payload"]))
			}
			if md && mustJSON(p["metadata"]) != `{"ref":"R-1"}` {
				t.Errorf("%s: metadata %s", status, mustJSON(p["metadata"]))
			}
			// GET /messages/status answers the same messageStatusPayload.
			st := obj(t, s.Do("GET", "/v1/messages/status/"+id, nil), "message")
			if st["status"] != status || mustJSON(st["messageStatusPayload"]) != mustJSON(msp) {
				t.Errorf("%s: status %s, event %s", status, mustJSON(st), mustJSON(msp))
			}
			return msp
		}
		for _, st := range []string{"sent", "delivered", "read"} {
			check(plain, st, false)
			check(tagged, st, true)
		}
		if msp := check(plain, "failed", false); at(msp, "payload.reason") != "blocked by user" || at(msp, "payload.code") != float64(1001) {
			t.Errorf("failed %s", mustJSON(msp))
		}
		if msp := check(tagged, "mismatch", true); at(msp, "payload.correctedNumber") != "31612340000" {
			t.Errorf("mismatch %s", mustJSON(msp))
		}
		check(tagged, "deleted", true)
	})
}

// TestContractAgentEventPayloads: agent_status_updated is the TeamMember;
// agent_session_updated is {action, user}; team_membership_updated is
// {team, user, reason, lastUpdateAt}; each user and team equal to what the
// API lists for them.
func TestContractAgentEventPayloads(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		jane := member(t, s, "jane.doe@email.com")
		janeID := jane["uuid"].(string)

		n := len(s.Events(""))
		expectStatus(t, s.Do("PUT", "/v1/users/"+dashedUpper(janeID)+"/status", map[string]any{"available": false}), 200)
		p := oneEvent(t, s, n, "agent_status_updated")
		checkMember(t, "agent_status_updated", p)
		if mustJSON(p) != mustJSON(member(t, s, "jane.doe@email.com")) || p["available"] != false || at(p, "userCustomStatus.id") != csVacation {
			t.Errorf("agent_status_updated %s", mustJSON(p))
		}
		if !near(p["lastUpdatedAt"], time.Minute) {
			t.Errorf("lastUpdatedAt %v did not move", p["lastUpdatedAt"])
		}

		for _, action := range []string{"user_logged_in", "user_logged_out", "system_logged_out"} {
			n = len(s.Events(""))
			expectStatus(t, s.Do("POST", "/sandbox/v1/users/"+dashedUpper(janeID)+"/session", map[string]any{"action": action}), 200)
			p = oneEvent(t, s, n, "agent_session_updated")
			exactKeys(t, action, p, "action", "user")
			u, _ := p["user"].(map[string]any)
			checkMember(t, action+".user", u)
			if p["action"] != action || mustJSON(u) != mustJSON(member(t, s, "jane.doe@email.com")) {
				t.Errorf("%s: %s", action, mustJSON(p))
			}
		}

		for _, tc := range []struct {
			action, reason string
			members        float64
		}{{"add", "agent_added", 2}, {"remove", "agent_removed", 1}, {"add", "agent_added", 2}} {
			n = len(s.Events(""))
			r := s.Do("POST", "/sandbox/v1/teams/"+dashedUpper(teamSup)+"/members", map[string]any{"user_uuid": dashedUpper(userJohn), "action": tc.action})
			expectStatus(t, r, 200)
			p = oneEvent(t, s, n, "team_membership_updated")
			exactKeys(t, tc.action, p, "team", "user", "reason", "lastUpdateAt")
			tm, _ := p["team"].(map[string]any)
			checkTeam(t, tc.action+".team", tm)
			u, _ := p["user"].(map[string]any)
			checkMember(t, tc.action+".user", u)
			if p["reason"] != tc.reason || tm["uuid"] != teamSup || tm["members"] != tc.members || u["uuid"] != userJohn ||
				!isT1(p["lastUpdateAt"]) || !near(p["lastUpdateAt"], time.Minute) {
				t.Errorf("%s: %s", tc.action, mustJSON(p))
			}
			if mustJSON(tm) != mustJSON(obj(t, s.Do("GET", "/v1/teams/"+teamSup, nil), "team")) {
				t.Errorf("%s: team %s differs from GET", tc.action, mustJSON(tm))
			}
			if mustJSON(u) != mustJSON(member(t, s, "john.doe@email.com")) {
				t.Errorf("%s: user %s differs from the member list", tc.action, mustJSON(u))
			}
		}
		emails := pluck(list(t, s.Do("GET", "/v1/teams/"+teamSup+"/members", nil), "users"), "email")
		if !slices.Equal(emails, []string{"jane.doe@email.com", "john.doe@email.com"}) {
			t.Errorf("Support members %v", emails)
		}
	})
}
