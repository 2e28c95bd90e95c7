package apitest_test

// Independent black-box tests of issue 9, written from the contract
// (/work/shared/API.md) without reading the implementation. Each test names
// the rule of the issue it checks; a test that found the server departing
// from API.md is kept but skipped with "DEPARTURE: ...".

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/app"
	"github.com/openbell/openbell/internal/store/storetest"
)

const (
	indJohnNumber   = "+31 6 12345678"
	indJohnDigits   = "31612345678"
	indJohnUser     = "414a6d692bd645ed803f2e7ce360d4c8"
	indDiscarded    = "dcefe6d18b5c4bbdb0661136c7f63c8e"
	indBotUUID      = "f7155fc557b74597b429bd3dbb5ca677"
	indWelcome      = "d980fb66fd5043d3ace1aa06ba044342"
	indDemoSendReq  = "adf3d1216d4c4dcd908199d6700f2381"
	indVacationing  = "0d6041a2-8b88-49ec-a99b-a88a078a16c1"
	indFunnelDesire = "1e6c0c57-c81d-49d2-81d2-fcec053a1ab6"
	indFunnelAction = "8c51dfc8-667a-4f7f-9c83-ae065524483a"
)

var indOptional = []string{"messageLocation", "messageContactCard", "mesageContext", "messageForward",
	"messageReplyButton", "messageInteractiveList"}

// ---- helpers ----

// indWait polls cond every 20 ms until it holds, failing after timeout.
func indWait(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type indEvent struct {
	name string
	p    map[string]any
}

func indEvents(t *testing.T, s *apitest.Server, token string) []indEvent {
	t.Helper()
	var out []indEvent
	for _, e := range s.Events(token) {
		out = append(out, indEvent{e.Name, payload(t, e.Payload)})
	}
	return out
}

// indSend sends a free-form text to `to` and returns the message uuid.
func indSend(t *testing.T, s *apitest.Server, to, text string) string {
	t.Helper()
	r := s.Do("POST", "/v1/messages/send", map[string]any{"to": to, "from": "whatsapp", "type": "text",
		"content": map[string]any{"text": text}})
	m := obj(t, r, "message")
	if m["status"] != "enqueued" || !isU32(m["uuid"]) {
		t.Fatalf("send answered %s", r.Body)
	}
	return m["uuid"].(string)
}

// indSendTemplate sends the approved demo template Welcome to `to`.
func indSendTemplate(t *testing.T, s *apitest.Server, to string) string {
	t.Helper()
	r := s.Do("POST", "/v1/messages/send", map[string]any{"to": to, "from": "whatsapp", "type": "text",
		"template_uuid": indWelcome, "optin_contact": true, "template_values": []string{"Ann"},
		"content": map[string]any{"text": "Ann"}})
	m := obj(t, r, "message")
	return m["uuid"].(string)
}

func indStatus(t *testing.T, s *apitest.Server, uuid string) map[string]any {
	t.Helper()
	return obj(t, s.Do("GET", "/v1/messages/status/"+uuid, nil), "message")
}

func indForce(t *testing.T, s *apitest.Server, uuid string, body map[string]any) {
	t.Helper()
	r := s.Do("POST", "/sandbox/v1/messages/"+uuid+"/status", body)
	if r.Status/100 != 2 {
		t.Fatalf("force %v: status %d %s", body, r.Status, r.Body)
	}
}

func indInbound(t *testing.T, s *apitest.Server, body map[string]any) (msg, contact map[string]any) {
	t.Helper()
	r := s.Do("POST", "/sandbox/v1/inbound", body)
	return obj(t, r, "message"), obj(t, r, "contact")
}

func indMessages(t *testing.T, s *apitest.Server, contact string) []map[string]any {
	t.Helper()
	return list(t, s.Do("GET", "/v1/contacts/"+contact+"/messages", nil), "messages")
}

func indByUUID(msgs []map[string]any, uuid string) map[string]any {
	for _, m := range msgs {
		if m["uuid"] == uuid {
			return m
		}
	}
	return nil
}

func indContactByPhone(t *testing.T, s *apitest.Server, digits string) map[string]any {
	t.Helper()
	return obj(t, s.Do("GET", "/v1/contacts/phone/"+digits, nil), "contact")
}

// indTime parses a T1, T2 or T3 time.
func indTime(v any) (time.Time, bool) {
	s, _ := v.(string)
	for _, layout := range []string{"2006-01-02T15:04:05Z", "2006-01-02 15:04:05 -0700", "2006-01-02T15:04:05.000Z"} {
		if tm, err := time.Parse(layout, s); err == nil {
			return tm, true
		}
	}
	return time.Time{}, false
}

// indNear reports whether v is a time within d of want.
func indNear(v any, want time.Time, d time.Duration) bool {
	tm, ok := indTime(v)
	if !ok {
		return false
	}
	diff := tm.Sub(want)
	return diff < d && diff > -d
}

func indUsers(t *testing.T, s *apitest.Server) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, u := range list(t, s.Do("GET", "/v1/teams/"+teamGen+"/members", nil), "users") {
		out[fmt.Sprint(u["email"])] = u
	}
	return out
}

func indExactError(t *testing.T, r *apitest.Response, status int, msg string) {
	t.Helper()
	expectStatus(t, r, status)
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body %q is not JSON", r.Body)
	}
	if !reflect.DeepEqual(m, map[string]any{"error": msg}) {
		t.Errorf("body %s, want {\"error\":%q}", r.Body, msg)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
}

// ---- rule 1: empty bodies ----

func TestFidelityEmptyBodies(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		closePath := "/v1/contacts/" + johnDoe + "/conversation/close"
		for _, body := range []string{"", "   \n\t ", "null", " null ", `""`, ` "" `} {
			r := s.Do("POST", closePath, body)
			c := obj(t, r, "contact")
			if !isT1(c["closedAt"]) {
				t.Errorf("close with body %q: closedAt %v", body, c["closedAt"])
			}
		}
		for _, body := range []string{`""`, "null", ""} {
			r := s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/open", body)
			if c := obj(t, r, "contact"); c["closedAt"] != nil {
				t.Errorf("open with body %q: closedAt %v", body, c["closedAt"])
			}
		}
		// No parameters on PATCH: the contact stays as it is.
		for _, body := range []string{`""`, "null", " "} {
			c := obj(t, s.Do("PATCH", "/v1/contacts/"+marioRossi, body), "contact")
			if !reflect.DeepEqual(c["tags"], []any{"sales", "lead", "hot"}) || c["name"] != "Mario Rossi" {
				t.Errorf("PATCH with body %q changed the contact: %s", body, mustJSON(c))
			}
		}
		// No parameters where some are required: a 422 on the missing fields, not a 400.
		for _, body := range []string{`""`, "null", ""} {
			expectError(t, s.DoUnchecked("POST", "/v1/contacts", body), 422, "identifier", "source", "name")
			expectError(t, s.DoUnchecked("POST", "/v1/contacts/"+johnDoe+"/conversation/note", body), 422, "text")
		}
		// Routes without required parameters.
		expectStatus(t, s.Do("DELETE", "/v1/messages/"+indSend(t, s, indJohnNumber, "x"), `""`), 204)
		expectStatus(t, s.Do("DELETE", "/v1/custom_statuses/"+indVacationing, "null"), 200)
		expectStatus(t, s.Do("DELETE", "/v1/contacts/"+janeRoe, `""`), 200)
		if r := s.Do("DELETE", "/sandbox/v1/faults", `""`); r.Status/100 != 2 {
			t.Errorf("DELETE faults with \"\": %d %s", r.Status, r.Body)
		}
		expectError(t, s.Do("DELETE", "/v1/webhooks/unsubscribe", "null"), 404)
		// Other routes with required parameters: 422 (never 400) for each empty form.
		for _, body := range []string{`""`, "null", "", " \r\n"} {
			for _, rt := range [][2]string{
				{"POST", "/v1/messages/send"},
				{"POST", "/sandbox/v1/inbound"},
				{"POST", "/v1/webhooks/subscribe"},
				{"PUT", "/v1/contacts/" + johnDoe + "/conversation/update_funnel"},
				{"POST", "/v1/contacts/" + johnDoe + "/bot"},
				{"POST", "/v1/custom_statuses"},
				{"POST", "/sandbox/v1/messages/" + indDemoSendReq + "/status"},
			} {
				if r := s.DoUnchecked(rt[0], rt[1], body); r.Status != 422 {
					t.Errorf("%s %s with body %q: %d %s, want 422 (no parameters)", rt[0], rt[1], body, r.Status, r.Body)
				}
			}
			expectStatus(t, s.Do("POST", "/sandbox/v1/reset", body), 200)
		}
		// Any other JSON that is not an object is a 400.
		for _, body := range []string{"[]", "[1]", "1", "0", "true", "false", `"x"`, `" "`, `"null"`} {
			expectError(t, s.DoUnchecked("POST", closePath, body), 400)
			expectError(t, s.DoUnchecked("PATCH", "/v1/contacts/"+marioRossi, body), 400)
			expectError(t, s.DoUnchecked("POST", "/v1/contacts", body), 400)
			expectError(t, s.DoUnchecked("POST", "/sandbox/v1/inbound", body), 400)
			expectError(t, s.DoUnchecked("POST", "/v1/messages/send", body), 400)
		}
	})
}

// ---- rule 2: auth scheme ----

func TestFidelityAuthScheme(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		tok := apitest.DemoToken
		for _, h := range []string{"Bearer " + tok, "bearer " + tok, "BEARER " + tok, "bEaReR " + tok,
			"Token token=" + tok, `Token token="` + tok + `"`, "token token=" + tok, "TOKEN token=" + tok} {
			r := s.Send(apitest.Request{Method: "GET", Path: "/v1/auth/me", Token: "-", Header: map[string]string{"Authorization": h}})
			if r.Status != 200 {
				t.Errorf("Authorization %q: %d %s", h, r.Status, r.Body)
			}
		}
		for _, h := range []string{"Bearer Bearer x", "Bearer Bearer " + tok, "bearer bearer " + tok, "BEARER Bearer " + tok,
			"Basic " + tok, tok, "Bearer", "Bearer " + tok + "x"} {
			r := s.Send(apitest.Request{Method: "GET", Path: "/v1/auth/me", Token: "-", Header: map[string]string{"Authorization": h}})
			indExactError(t, r, 401, "not authorized")
		}
	})
}

// ---- rule 3: fields on send ----

func TestFidelitySendFields(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		john := obj(t, s.Do("GET", "/v1/contacts/"+johnDoe, nil), "contact")
		send := func(fields string) (map[string]any, map[string]any) {
			body := map[string]any{"to": indJohnNumber, "from": "whatsapp", "type": "text", "content": map[string]any{"text": "f " + fields}}
			if fields != "" {
				body["fields"] = fields
			}
			r := s.Do("POST", "/v1/messages/send", body)
			top := r.JSON(t)
			return top, obj(t, r, "message")
		}
		checkC := func(where string, c any) {
			m, ok := c.(map[string]any)
			if !ok {
				t.Errorf("%s: contact %v", where, c)
				return
			}
			exactKeys(t, where+".contact", m, "uuid", "name", "phone", "email")
			p, _ := m["phone"].(string)
			if m["uuid"] != johnDoe || m["name"] != "John Doe" || !strings.HasPrefix(p, "+") ||
				regexp.MustCompile(`\D`).ReplaceAllString(p, "") != indJohnDigits || m["email"] != nil {
				t.Errorf("%s: contact %s", where, mustJSON(m))
			}
		}
		checkV := func(where string, c any) {
			m, ok := c.(map[string]any)
			if !ok {
				t.Errorf("%s: conversation %v", where, c)
				return
			}
			exactKeys(t, where+".conversation", m, "source", "href", "createdAt")
			if m["source"] != "whatsapp" || m["href"] != john["conversationHref"] || !isT1(m["createdAt"]) {
				t.Errorf("%s: conversation %s", where, mustJSON(m))
			}
		}
		top, m := send("contact,conversation")
		exactKeys(t, "top", top, "message")
		exactKeys(t, "both", m, "uuid", "status", "contact", "conversation")
		checkC("both", m["contact"])
		checkV("both", m["conversation"])

		top, m = send("contact")
		exactKeys(t, "top", top, "message")
		exactKeys(t, "contact", m, "uuid", "status", "contact")
		checkC("contact", m["contact"])

		top, m = send("conversation")
		exactKeys(t, "top", top, "message")
		exactKeys(t, "conversation", m, "uuid", "status", "conversation")
		checkV("conversation", m["conversation"])

		_, m = send("")
		exactKeys(t, "none", m, "uuid", "status")
	})
}

// ---- rule 4: message_created.createdAt without milliseconds ----

func TestFidelityMessageCreatedTime(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rc := apitest.NewReceiver(t)
		s.Subscribe(rc.URL, "message_created")
		out := indSend(t, s, indJohnNumber, "outbound")
		in, _ := indInbound(t, s, map[string]any{"from": indJohnDigits, "text": "inbound"})
		hooks := rc.WaitDelivered(t, 2, 15*time.Second)
		seen := map[string]bool{}
		for _, h := range hooks {
			name, p := h.Event(t)
			if name != "message_created" {
				continue
			}
			seen[fmt.Sprint(p["uuid"])] = true
			if !isT1(p["createdAt"]) {
				t.Errorf("webhook message_created createdAt %v is not T1", p["createdAt"])
			}
			if _, ok := p["type"]; ok {
				t.Errorf("message_created carries type: %s", mustJSON(p))
			}
		}
		if !seen[out] || !seen[in["uuid"].(string)] {
			t.Errorf("message_created for %s and %v not delivered: %v", out, in["uuid"], seen)
		}
		var evs []map[string]any
		indWait(t, 15*time.Second, "2 events in the log", func() bool {
			evs = list(t, s.Do("GET", "/v1/webhooks/events", nil), "webhook_events")
			return len(evs) >= 2
		})
		for _, e := range evs {
			if p, _ := e["payload"].(map[string]any); !isT1(p["createdAt"]) {
				t.Errorf("event log message_created createdAt %v is not T1", p["createdAt"])
			}
		}
	})
}

// ---- rule 5: the optional message objects ----

func TestFidelityOptionalMessageObjects(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		const num = "447700900111"
		first, c := indInbound(t, s, map[string]any{"from": "+44 7700 900111", "text": "first"})
		contact := c["uuid"].(string)
		wamid1 := first["uuid"].(string)
		out := indSend(t, s, num, "agent reply")

		type cse struct {
			name string
			body map[string]any
			key  string
			chk  func(t *testing.T, v any)
		}
		cases := []cse{
			{"location", map[string]any{"type": "location", "content": map[string]any{"latitude": 51.5007, "longitude": -0.1246}}, "messageLocation",
				func(t *testing.T, v any) {
					m, _ := v.(map[string]any)
					exactKeys(t, "messageLocation", m, "coordinates", "googleMapsLocation")
					co, _ := m["coordinates"].(map[string]any)
					exactKeys(t, "coordinates", co, "x", "y")
					if co["x"] != 51.5007 || co["y"] != -0.1246 {
						t.Errorf("coordinates %s, want x latitude 51.5007, y longitude -0.1246", mustJSON(co))
					}
					u, err := url.Parse(fmt.Sprint(m["googleMapsLocation"]))
					if !isStr(m["googleMapsLocation"]) || err != nil || !u.IsAbs() {
						t.Errorf("googleMapsLocation %v", m["googleMapsLocation"])
					}
				}},
			{"contacts", map[string]any{"type": "contacts", "content": map[string]any{"contacts": []any{
				map[string]any{"name": "Ann Example", "phones": []any{map[string]any{"phone": "+1 555 0100", "type": "MOBILE"}}}}}}, "messageContactCard",
				func(t *testing.T, v any) {
					m, _ := v.(map[string]any)
					exactKeys(t, "messageContactCard", m, "contactsInfo")
					ci, _ := m["contactsInfo"].([]any)
					if len(ci) != 1 {
						t.Fatalf("contactsInfo %s", mustJSON(m))
					}
					one, _ := ci[0].(map[string]any)
					exactKeys(t, "contactsInfo[0]", one, "name", "phones")
					ph, _ := one["phones"].([]any)
					if one["name"] != "Ann Example" || len(ph) != 1 {
						t.Fatalf("contactsInfo[0] %s", mustJSON(one))
					}
					p, _ := ph[0].(map[string]any)
					exactKeys(t, "phones[0]", p, "phone", "wa_id", "type")
					if p["phone"] != "15550100" || !isStr(p["wa_id"]) || p["type"] != "MOBILE" {
						t.Errorf("phones[0] %s, want phone digits 15550100, wa_id a string, type MOBILE", mustJSON(p))
					}
				}},
			{"sticker", map[string]any{"type": "sticker", "content": map[string]any{"url": "https://example.com/sticker.webp"}}, "",
				func(t *testing.T, v any) {}},
			{"button_reply", map[string]any{"type": "button_reply", "content": map[string]any{"text": "Yes please"}}, "messageReplyButton",
				func(t *testing.T, v any) {
					m, _ := v.(map[string]any)
					exactKeys(t, "messageReplyButton", m, "metadata")
					md, _ := m["metadata"].(map[string]any)
					hasKeys(t, "messageReplyButton.metadata", md, "type", "content", "options")
					if md["type"] != "quick_reply" {
						t.Errorf("metadata.type %v", md["type"])
					}
					ct, _ := md["content"].(map[string]any)
					if ct["text"] != "Yes please" {
						t.Errorf("metadata.content %s, want text the chosen title", mustJSON(md["content"]))
					}
					for k := range ct {
						if !slices.Contains([]string{"text", "header", "caption", "url", "filename", "contentType"}, k) {
							t.Errorf("metadata.content has key %q", k)
						}
					}
					opts, ok := md["options"].([]any)
					if !ok {
						t.Errorf("metadata.options %v", md["options"])
					}
					for _, o := range opts {
						om, _ := o.(map[string]any)
						exactKeys(t, "option", om, "type", "title", "postback_url", "postback_text")
						if om["type"] != "text" || !isStr(om["title"]) || om["postback_url"] != "" || om["postback_text"] != "" {
							t.Errorf("option %s", mustJSON(om))
						}
					}
				}},
			{"list_reply", map[string]any{"type": "list_reply", "content": map[string]any{"text": "Large pizza"}}, "messageInteractiveList",
				func(t *testing.T, v any) {
					m, _ := v.(map[string]any)
					exactKeys(t, "messageInteractiveList", m, "metadata")
					raw, ok := m["metadata"].(string)
					if !ok {
						t.Fatalf("metadata is not a JSON-encoded string: %s", mustJSON(m))
					}
					var md map[string]any
					if err := json.Unmarshal([]byte(raw), &md); err != nil {
						t.Fatalf("metadata %q is not a JSON object: %v", raw, err)
					}
					hasKeys(t, "list metadata", md, "header", "body", "buttons", "sections")
					bs, ok := md["buttons"].([]any)
					if !ok {
						t.Errorf("buttons %v", md["buttons"])
					}
					for _, b := range bs {
						bm, _ := b.(map[string]any)
						hasKeys(t, "button", bm, "title")
					}
					ss, ok := md["sections"].([]any)
					if !ok || len(ss) == 0 {
						t.Errorf("sections %v", md["sections"])
					}
					for _, sec := range ss {
						sm, _ := sec.(map[string]any)
						hasKeys(t, "section", sm, "title", "subtitle", "items")
						items, _ := sm["items"].([]any)
						for _, it := range items {
							im, _ := it.(map[string]any)
							hasKeys(t, "item", im, "header", "description")
						}
					}
					if !strings.Contains(raw, "Large pizza") {
						t.Errorf("the customer's choice is not in %s", raw)
					}
				}},
			{"reply_to inbound", map[string]any{"text": "re first", "reply_to": wamid1}, "mesageContext",
				func(t *testing.T, v any) {
					m, _ := v.(map[string]any)
					exactKeys(t, "mesageContext", m, "target", "text", "createdAt", "status")
					if !reflect.DeepEqual(m["target"], map[string]any{"uuid": wamid1}) || m["text"] != "first" ||
						m["createdAt"] != first["createdAt"] || m["status"] != "received" {
						t.Errorf("mesageContext %s, want the first message %s", mustJSON(m), mustJSON(first))
					}
				}},
			{"reply_to outbound", map[string]any{"text": "re agent", "reply_to": out}, "mesageContext",
				func(t *testing.T, v any) {
					m, _ := v.(map[string]any)
					exactKeys(t, "mesageContext", m, "target", "text", "createdAt", "status")
					if !reflect.DeepEqual(m["target"], map[string]any{"uuid": out}) || m["text"] != "agent reply" ||
						!isT1(m["createdAt"]) || m["status"] != "sent" {
						t.Errorf("mesageContext %s, want the outbound message %s", mustJSON(m), out)
					}
				}},
			{"forwarded", map[string]any{"text": "fwd", "forwarded": true}, "messageForward",
				func(t *testing.T, v any) {
					if !reflect.DeepEqual(v, map[string]any{"forwarded": true}) {
						t.Errorf("messageForward %s", mustJSON(v))
					}
				}},
		}
		onlyKey := func(t *testing.T, where string, m map[string]any, key string) {
			t.Helper()
			for _, k := range indOptional {
				if _, ok := m[k]; ok != (k == key) {
					t.Errorf("%s: key %s present=%v (want only %q): %s", where, k, ok, key, mustJSON(m))
				}
			}
		}
		got := map[string]map[string]any{} // uuid -> answer message
		caseUUID := map[string]string{}    // case name -> message uuid
		for _, c := range cases {
			body := merged(c.body, "from", num)
			r := s.Do("POST", "/sandbox/v1/inbound", body)
			if r.Status != 200 {
				t.Errorf("%s: inbound %d %s", c.name, r.Status, r.Body)
				continue
			}
			m := obj(t, r, "message")
			got[fmt.Sprint(m["uuid"])] = m
			caseUUID[c.name] = fmt.Sprint(m["uuid"])
			t.Run(c.name, func(t *testing.T) {
				checkMessage(t, c.name, m)
				if m["status"] != "received" {
					t.Errorf("status %v", m["status"])
				}
				onlyKey(t, "answer", m, c.key)
				if c.key != "" {
					c.chk(t, m[c.key])
				}
				if c.name == "sticker" && m["text"] != "" {
					t.Errorf("sticker without caption: text %q, want \"\"", m["text"])
				}
			})
		}
		// The same objects in message_created and in the message list.
		created := map[string]map[string]any{}
		for _, e := range indEvents(t, s, "") {
			if e.name == "message_created" {
				created[fmt.Sprint(e.p["uuid"])] = e.p
			}
		}
		listed := indMessages(t, s, contact)
		for _, c := range cases {
			uuid := caseUUID[c.name]
			if uuid == "" {
				continue
			}
			t.Run(c.name+" elsewhere", func(t *testing.T) {
				p := created[uuid]
				l := indByUUID(listed, uuid)
				if p == nil || l == nil {
					t.Fatalf("message %s: message_created %v, listed %v", uuid, p != nil, l != nil)
				}
				if _, ok := p["type"]; ok {
					t.Errorf("message_created carries type")
				}
				onlyKey(t, "message_created", p, c.key)
				onlyKey(t, "listed", l, c.key)
				if c.key != "" {
					c.chk(t, p[c.key])
					c.chk(t, l[c.key])
					if !reflect.DeepEqual(p[c.key], l[c.key]) || !reflect.DeepEqual(p[c.key], got[uuid][c.key]) {
						t.Errorf("%s differs: event %s, list %s, answer %s", c.key, mustJSON(p[c.key]), mustJSON(l[c.key]), mustJSON(got[uuid][c.key]))
					}
				}
			})
		}
		// A plain message carries none of them.
		onlyKey(t, "plain listed", indByUUID(listed, wamid1), "")
		onlyKey(t, "plain created", created[wamid1], "")
		onlyKey(t, "plain outbound", created[out], "")
	})
}

// ---- rule 6: messageStatusPayload ----

func indCheckEnqueued(t *testing.T, where string, msp map[string]any, dest, kind string) {
	t.Helper()
	hasKeys(t, where, msp, "id", "type", "payload", "destination")
	pl, _ := msp["payload"].(map[string]any)
	if !isU36(msp["id"]) || msp["type"] != "enqueued" || msp["destination"] != dest ||
		pl["type"] != kind || !isStr(pl["whatsappMessageId"]) || pl["whatsappMessageId"] == "" {
		t.Errorf("%s: enqueued payload %s (want id uuid36, type enqueued, payload.type %s, whatsappMessageId, destination %s)",
			where, mustJSON(msp), kind, dest)
	}
}

func indCheckLater(t *testing.T, where string, msp, enq map[string]any, status string) {
	t.Helper()
	hasKeys(t, where, msp, "id", "gsId", "type", "payload", "destination")
	pl, _ := msp["payload"].(map[string]any)
	if msp["id"] != at(enq, "payload.whatsappMessageId") || msp["gsId"] != enq["id"] || msp["type"] != status ||
		msp["destination"] != enq["destination"] || !isInt(pl["ts"]) {
		t.Errorf("%s: %s payload %s, enqueued was %s", where, status, mustJSON(msp), mustJSON(enq))
	}
	if ts, _ := pl["ts"].(float64); ts < float64(time.Now().Add(-time.Hour).Unix()) || ts > float64(time.Now().Add(time.Hour).Unix()) {
		t.Errorf("%s: ts %v is not unix seconds of now", where, pl["ts"])
	}
}

func TestFidelityStatusPayload(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		before := len(s.Events(""))
		u := indSend(t, s, indJohnNumber, "status me")
		m := indStatus(t, s, u)
		if m["uuid"] != u || m["status"] != "enqueued" {
			t.Fatalf("status %s", mustJSON(m))
		}
		enq, _ := m["messageStatusPayload"].(map[string]any)
		indCheckEnqueued(t, "GET status", enq, indJohnDigits, "session")

		// The send fires message_created and then message_status_updated with enqueued.
		evs := indEvents(t, s, "")[before:]
		var seq []string
		for _, e := range evs {
			if e.p["uuid"] == u {
				seq = append(seq, e.name+":"+fmt.Sprint(e.p["status"]))
				if e.name == "message_status_updated" {
					hasKeys(t, "message_status_updated", e.p, "uuid", "status", "contact", "messageStatusPayload")
					if !reflect.DeepEqual(e.p["messageStatusPayload"], enq) {
						t.Errorf("event payload %s, GET status %s", mustJSON(e.p["messageStatusPayload"]), mustJSON(enq))
					}
				}
			}
		}
		if !slices.Equal(seq, []string{"message_created:sent", "message_status_updated:enqueued"}) {
			t.Errorf("events of the send: %v", seq)
		}

		for _, st := range []string{"sent", "delivered", "read"} {
			indForce(t, s, u, map[string]any{"status": st})
			m := indStatus(t, s, u)
			if m["status"] != st {
				t.Errorf("status %v, want %s", m["status"], st)
			}
			msp, _ := m["messageStatusPayload"].(map[string]any)
			indCheckLater(t, st, msp, enq, st)
		}

		// failed: code and reason.
		u2 := indSend(t, s, indJohnNumber, "fail me")
		enq2, _ := indStatus(t, s, u2)["messageStatusPayload"].(map[string]any)
		indCheckEnqueued(t, "second", enq2, indJohnDigits, "session")
		if enq2["id"] == enq["id"] || at(enq2, "payload.whatsappMessageId") == at(enq, "payload.whatsappMessageId") {
			t.Errorf("two messages share ids: %s %s", mustJSON(enq), mustJSON(enq2))
		}
		indForce(t, s, u2, map[string]any{"status": "failed", "reason": "boom"})
		msp, _ := indStatus(t, s, u2)["messageStatusPayload"].(map[string]any)
		indCheckLater(t, "failed", msp, enq2, "failed")
		if pl, _ := msp["payload"].(map[string]any); !isInt(pl["code"]) || pl["reason"] != "boom" {
			t.Errorf("failed payload %s, want code integer and reason boom", mustJSON(msp))
		}

		// mismatch: correctedNumber.
		u3 := indSend(t, s, indJohnNumber, "mismatch me")
		enq3, _ := indStatus(t, s, u3)["messageStatusPayload"].(map[string]any)
		indForce(t, s, u3, map[string]any{"status": "mismatch", "corrected_number": "+31 6 12345699"})
		msp, _ = indStatus(t, s, u3)["messageStatusPayload"].(map[string]any)
		indCheckLater(t, "mismatch", msp, enq3, "mismatch")
		if pl, _ := msp["payload"].(map[string]any); pl["correctedNumber"] != "31612345699" {
			t.Errorf("mismatch payload %s, want correctedNumber digits 31612345699", mustJSON(msp))
		}

		// Forced failed and mismatch without reason or number still carry them.
		u5 := indSend(t, s, indJohnNumber, "fail without reason")
		enq5, _ := indStatus(t, s, u5)["messageStatusPayload"].(map[string]any)
		indForce(t, s, u5, map[string]any{"status": "failed"})
		msp, _ = indStatus(t, s, u5)["messageStatusPayload"].(map[string]any)
		indCheckLater(t, "failed without reason", msp, enq5, "failed")
		if pl, _ := msp["payload"].(map[string]any); !isInt(pl["code"]) || !isStr(pl["reason"]) || pl["reason"] == "" {
			t.Errorf("failed payload without a given reason %s, want code and reason", mustJSON(msp))
		}
		u6 := indSend(t, s, indJohnNumber, "mismatch without number")
		enq6, _ := indStatus(t, s, u6)["messageStatusPayload"].(map[string]any)
		indForce(t, s, u6, map[string]any{"status": "mismatch"})
		msp, _ = indStatus(t, s, u6)["messageStatusPayload"].(map[string]any)
		indCheckLater(t, "mismatch without number", msp, enq6, "mismatch")
		if cn, _ := at(msp, "payload.correctedNumber").(string); !reDigits.MatchString(cn) {
			t.Errorf("mismatch payload without a given number %s, want correctedNumber digits", mustJSON(msp))
		}
		// deleted: the later shape.
		u7 := indSend(t, s, indJohnNumber, "deleted status")
		enq7, _ := indStatus(t, s, u7)["messageStatusPayload"].(map[string]any)
		indForce(t, s, u7, map[string]any{"status": "deleted"})
		msp, _ = indStatus(t, s, u7)["messageStatusPayload"].(map[string]any)
		indCheckLater(t, "deleted", msp, enq7, "deleted")

		// A template send: payload.type template.
		u4 := indSendTemplate(t, s, indJohnNumber)
		enq4, _ := indStatus(t, s, u4)["messageStatusPayload"].(map[string]any)
		indCheckEnqueued(t, "template", enq4, indJohnDigits, "template")

		// Every message_status_updated of u carries the same ids.
		for _, e := range indEvents(t, s, "") {
			if e.name == "message_status_updated" && e.p["uuid"] == u && e.p["status"] != "enqueued" {
				msp, _ := e.p["messageStatusPayload"].(map[string]any)
				indCheckLater(t, "event "+fmt.Sprint(e.p["status"]), msp, enq, fmt.Sprint(e.p["status"]))
			}
		}
	})
}

// The demo workspace's delivered send request has its payload too ("present
// from the first status on").
func TestFidelityStatusPayloadDemo(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		m := indStatus(t, s, indDemoSendReq)
		msp, _ := m["messageStatusPayload"].(map[string]any)
		if m["status"] != "delivered" || msp == nil {
			t.Fatalf("demo send request %s", mustJSON(m))
		}
		hasKeys(t, "demo", msp, "id", "gsId", "type", "payload", "destination")
		if !isStr(msp["id"]) || !isU36(msp["gsId"]) || msp["type"] != "delivered" || msp["destination"] != indJohnDigits || !isInt(at(msp, "payload.ts")) {
			t.Errorf("demo payload %s", mustJSON(msp))
		}
		indForce(t, s, indDemoSendReq, map[string]any{"status": "read"})
		msp2, _ := indStatus(t, s, indDemoSendReq)["messageStatusPayload"].(map[string]any)
		if msp2["id"] != msp["id"] || msp2["gsId"] != msp["gsId"] || msp2["type"] != "read" {
			t.Errorf("ids changed: %s then %s", mustJSON(msp), mustJSON(msp2))
		}
	})
}

// The ids survive a restart of the server.
func TestFidelityStatusPayloadRestart(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		cfg := apitest.NewConfig(t, e)
		s := apitest.StartConfig(t, cfg)
		u := indSend(t, s, indJohnNumber, "survive")
		enq, _ := indStatus(t, s, u)["messageStatusPayload"].(map[string]any)
		s.Stop()
		s = apitest.StartConfig(t, cfg)
		if again, _ := indStatus(t, s, u)["messageStatusPayload"].(map[string]any); !reflect.DeepEqual(again, enq) {
			t.Errorf("after restart %s, before %s", mustJSON(again), mustJSON(enq))
		}
		indForce(t, s, u, map[string]any{"status": "delivered"})
		msp, _ := indStatus(t, s, u)["messageStatusPayload"].(map[string]any)
		indCheckLater(t, "after restart", msp, enq, "delivered")
	})
}

// The magic numbers, with automatic progression: ids stable through it.
func TestFidelityStatusPayloadProgression(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		type want struct{ digits, final string }
		ws := []want{{"447700900120", "read"}, {"447700900001", "failed"}, {"447700900003", "mismatch"}}
		uuids := map[string]want{}
		for _, w := range ws {
			openWindow(t, s, "", w.digits)
			uuids[indSend(t, s, w.digits, "progress")] = w
		}
		// A template whose placeholders do not match the values fails later.
		const tplDigits = "447700900121"
		r := s.Do("POST", "/v1/messages/send", map[string]any{"to": tplDigits, "from": "whatsapp", "type": "text",
			"template_uuid": indWelcome, "optin_contact": true, "template_values": []string{"a", "b"}})
		tpl := obj(t, r, "message")["uuid"].(string)
		indWait(t, 20*time.Second, "the template failed", func() bool { return indStatus(t, s, tpl)["status"] == "failed" })
		if pl, _ := at(indStatus(t, s, tpl), "messageStatusPayload.payload").(map[string]any); !isInt(pl["code"]) ||
			pl["reason"] != "template parameters do not match the template" {
			t.Errorf("template mismatch payload %s", mustJSON(pl))
		}
		for u, w := range uuids {
			indWait(t, 20*time.Second, u+" "+w.final, func() bool { return indStatus(t, s, u)["status"] == w.final })
		}
		byMsg := map[string][]map[string]any{}
		for _, e := range indEvents(t, s, "") {
			if e.name == "message_status_updated" {
				u := fmt.Sprint(e.p["uuid"])
				byMsg[u] = append(byMsg[u], e.p)
			}
		}
		for u, w := range uuids {
			evs := byMsg[u]
			if len(evs) < 2 || evs[0]["status"] != "enqueued" {
				t.Errorf("%s: events %s", w.digits, mustJSON(evs))
				continue
			}
			enq, _ := evs[0]["messageStatusPayload"].(map[string]any)
			indCheckEnqueued(t, w.digits, enq, w.digits, "session")
			var seq []string
			for _, e := range evs[1:] {
				st := fmt.Sprint(e["status"])
				seq = append(seq, st)
				msp, _ := e["messageStatusPayload"].(map[string]any)
				indCheckLater(t, w.digits+" event "+st, msp, enq, st)
			}
			final, _ := indStatus(t, s, u)["messageStatusPayload"].(map[string]any)
			indCheckLater(t, w.digits+" final", final, enq, w.final)
			pl, _ := final["payload"].(map[string]any)
			switch w.final {
			case "read":
				if !slices.Equal(seq, []string{"sent", "delivered", "read"}) {
					t.Errorf("%s: progression %v", w.digits, seq)
				}
			case "failed":
				if !isInt(pl["code"]) || pl["reason"] != "number does not exist on WhatsApp" {
					t.Errorf("0001: payload %s", mustJSON(final))
				}
			case "mismatch":
				if s, _ := pl["correctedNumber"].(string); !reDigits.MatchString(s) {
					t.Errorf("0003: payload %s, want correctedNumber digits", mustJSON(final))
				}
			}
		}
	}, func(testing.TB) apitest.Option { return apitest.WithDeliveryInterval(20 * time.Millisecond) })
}

// ---- rule 7: conversation_opened right after contact_created ----

func TestFidelityConversationOpenedAfterCreated(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		check := func(where, uuid string) {
			t.Helper()
			evs := indEvents(t, s, "")
			i := slices.IndexFunc(evs, func(e indEvent) bool { return e.name == "contact_created" && e.p["uuid"] == uuid })
			if i < 0 {
				t.Errorf("%s: no contact_created for %s: %v", where, uuid, evs)
				return
			}
			if i+1 >= len(evs) || evs[i+1].name != "conversation_opened" {
				var rest []string
				for _, e := range evs[i:] {
					rest = append(rest, e.name)
				}
				t.Errorf("%s: after contact_created come %v, want conversation_opened next", where, rest)
				return
			}
			p := evs[i+1].p
			exactKeys(t, where+" conversation_opened", p, "source", "href", "createdAt", "contact")
			if at(p, "contact.uuid") != uuid || p["href"] != at(p, "contact.conversationHref") || !isT1(p["createdAt"]) || p["source"] != "whatsapp" {
				t.Errorf("%s: conversation_opened %s", where, mustJSON(p))
			}
			if n := len(slices.DeleteFunc(slices.Clone(evs), func(e indEvent) bool {
				return e.name != "conversation_opened" || at(e.p, "contact.uuid") != uuid
			})); n != 1 {
				t.Errorf("%s: %d conversation_opened events", where, n)
			}
		}
		c := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+44 7700 900201", "source": "whatsapp", "name": "Api"}), "contact")
		check("API create", c["uuid"].(string))

		_, c = indInbound(t, s, map[string]any{"from": "+44 7700 900202", "text": "hello"})
		check("inbound", c["uuid"].(string))

		indSendTemplate(t, s, "+44 7700 900203")
		c = indContactByPhone(t, s, "447700900203")
		check("send", c["uuid"].(string))
	})
}

// ---- rule 8: bot sessions ----

func indBot(t *testing.T, s *apitest.Server, token, contact string) map[string]any {
	t.Helper()
	b := obj(t, s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts/" + contact + "/bot", Token: token}), "bot")
	hasKeys(t, "bot", b, "uuid", "name", "status", "conversationStartedAt", "version", "latestBotVersion")
	if b["conversationStartedAt"] != nil && !isT1(b["conversationStartedAt"]) {
		t.Errorf("conversationStartedAt %v", b["conversationStartedAt"])
	}
	return b
}

func TestFidelityBotSessions(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		// API create: started at that moment.
		c := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+44 7700 900301", "source": "whatsapp", "name": "Bot A"}), "contact")
		a := c["uuid"].(string)
		b := indBot(t, s, "", a)
		if b["uuid"] != indBotUUID || b["name"] != "My Bot" || b["version"] != 5.0 || !isBool(b["latestBotVersion"]) {
			t.Errorf("bot %s, want the demo bot", mustJSON(b))
		}
		if b["status"] != "started" || b["conversationStartedAt"] != c["createdAt"] {
			t.Errorf("API-created contact: bot %s, want started at %v", mustJSON(b), c["createdAt"])
		}
		// API create with bot_end: ended.
		c = obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+44 7700 900302", "source": "whatsapp", "name": "Bot B", "bot_status": "bot_end"}), "contact")
		if b := indBot(t, s, "", c["uuid"].(string)); b["status"] != "ended" {
			t.Errorf("bot_end on create: %s", mustJSON(b))
		}
		// Inbound while started: in_progress.
		started := b["conversationStartedAt"]
		indInbound(t, s, map[string]any{"from": "447700900301", "text": "hi bot"})
		if b := indBot(t, s, "", a); b["status"] != "in_progress" || b["conversationStartedAt"] != started {
			t.Errorf("after inbound: %s, want in_progress since %v", mustJSON(b), started)
		}
		// Created by an inbound message: in_progress.
		_, c = indInbound(t, s, map[string]any{"from": "447700900303", "text": "new"})
		in := c["uuid"].(string)
		if b := indBot(t, s, "", in); b["status"] != "in_progress" || !isT1(b["conversationStartedAt"]) {
			t.Errorf("inbound-created contact: %s, want in_progress", mustJSON(b))
		}
		// Created by a send: started.
		indSendTemplate(t, s, "+44 7700 900304")
		c = indContactByPhone(t, s, "447700900304")
		if b := indBot(t, s, "", c["uuid"].(string)); b["status"] != "started" || b["conversationStartedAt"] != c["createdAt"] {
			t.Errorf("send-created contact: %s, want started at %v", mustJSON(b), c["createdAt"])
		}
		// A send to a new number saying bot_end: ended.
		r0 := s.Do("POST", "/v1/messages/send", map[string]any{"to": "+44 7700 900305", "from": "whatsapp", "type": "text",
			"template_uuid": indWelcome, "optin_contact": true, "template_values": []string{"Ann"}, "bot_status": "bot_end"})
		expectStatus(t, r0, 200)
		if b := indBot(t, s, "", indContactByPhone(t, s, "447700900305")["uuid"].(string)); b["status"] != "ended" {
			t.Errorf("send with bot_end to a new number: %s", mustJSON(b))
		}
		// API create saying bot_start: started.
		c = obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+44 7700 900306", "source": "whatsapp", "name": "Bot F", "bot_status": "bot_start"}), "contact")
		if b := indBot(t, s, "", c["uuid"].(string)); b["status"] != "started" || b["conversationStartedAt"] != c["createdAt"] {
			t.Errorf("bot_start on create: %s", mustJSON(b))
		}
		// bot_end ends; bot_start starts a new session at a new moment.
		r := s.Do("POST", "/v1/contacts/"+a+"/bot", map[string]any{"status": "bot_end"})
		if b := obj(t, r, "bot"); b["status"] != "ended" {
			t.Errorf("bot_end: %s", r.Body)
		}
		expectStatus(t, s.Do("POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": 3600}), 200)
		r = s.Do("POST", "/v1/contacts/"+a+"/bot", map[string]any{"status": "bot_start"})
		b2 := obj(t, r, "bot")
		t0, _ := indTime(started)
		t1, ok := indTime(b2["conversationStartedAt"])
		if b2["status"] != "started" || !ok || t1.Sub(t0) < 3600*time.Second {
			t.Errorf("bot_start: %s, want started with a new conversationStartedAt an hour after %v", r.Body, started)
		}
		if b := indBot(t, s, "", a); !reflect.DeepEqual(b, b2) {
			t.Errorf("GET bot %s, POST answered %s", mustJSON(b), mustJSON(b2))
		}
		// PATCH bot_status applies too.
		obj(t, s.Do("PATCH", "/v1/contacts/"+in, map[string]any{"bot_status": "bot_end"}), "contact")
		if b := indBot(t, s, "", in); b["status"] != "ended" {
			t.Errorf("PATCH bot_end: %s", mustJSON(b))
		}
	})
}

const indBotlessSeed = `
accounts:
  - name: Botless
    tokens: ["botless-token"]
    users:
      - {email: bo@botless.test, name: Bo, admin: true, available: true}
    teams:
      - {name: General, default: true, members: [bo@botless.test]}
    channels:
      - {type: whatsapp, title: Line, identifier: "+44 20 7946 0111", main: true}
    bots:
      - {uuid: 4b0c3a2e1d0f4e9a8b7c6d5e4f3a2b1c, name: Later, enabled: ENABLED, version: 1}
`

func TestFidelityBotSessionsWithoutBot(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		const tok = "botless-token"
		cfg := apitest.NewConfig(t, e, apitest.WithSeed(t, strings.Replace(indBotlessSeed, "ENABLED", "false", 1)))
		s := apitest.StartConfig(t, cfg)
		r := s.Send(apitest.Request{Method: "POST", Path: "/v1/contacts", Token: tok,
			Body: map[string]any{"identifier": "+44 7700 900401", "source": "whatsapp", "name": "No bot"}})
		c := obj(t, r, "contact")
		id := c["uuid"].(string)
		expectError(t, s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts/" + id + "/bot", Token: tok}), 404)
		expectError(t, s.Send(apitest.Request{Method: "POST", Path: "/v1/contacts/" + id + "/bot", Token: tok,
			Body: map[string]any{"status": "bot_start"}}), 422)
		expectError(t, s.Send(apitest.Request{Method: "POST", Path: "/v1/contacts", Token: tok,
			Body: map[string]any{"identifier": "+44 7700 900402", "source": "whatsapp", "name": "No bot 2", "bot_status": "bot_start"}}), 422)
		s.Stop()

		// The bot is enabled later: the contact created without one has an
		// ended session that never started.
		apitest.WithSeed(t, strings.Replace(indBotlessSeed, "ENABLED", "true", 1))(&cfg)
		s = apitest.StartConfig(t, cfg)
		b := indBot(t, s, tok, id)
		if b["status"] != "ended" || b["conversationStartedAt"] != nil {
			t.Errorf("contact created without an enabled bot: %s, want ended, conversationStartedAt null", mustJSON(b))
		}
		r = s.Send(apitest.Request{Method: "POST", Path: "/v1/contacts", Token: tok,
			Body: map[string]any{"identifier": "+44 7700 900403", "source": "whatsapp", "name": "With bot"}})
		c = obj(t, r, "contact")
		if b := indBot(t, s, tok, c["uuid"].(string)); b["status"] != "started" {
			t.Errorf("contact created with the bot enabled: %s", mustJSON(b))
		}
	})
}

// ---- rule 9: DELETE /v1/messages and DELETE /v1/custom_status/:id ----

func TestFidelityPublishedDeletePaths(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		out := indSend(t, s, indJohnNumber, "to be deleted")
		in, _ := indInbound(t, s, map[string]any{"from": indJohnDigits, "text": "inbound to delete"})
		for _, id := range []string{out, in["uuid"].(string)} {
			r := s.Do("DELETE", "/v1/messages", map[string]any{"uuid": id})
			expectStatus(t, r, 204)
			if len(r.Body) != 0 {
				t.Errorf("204 with body %q", r.Body)
			}
			m := indByUUID(indMessages(t, s, johnDoe), id)
			if m == nil || m["text"] != "" {
				t.Errorf("deleted message %s: %s, want it listed with text \"\"", id, mustJSON(m))
			}
		}
		expectError(t, s.Do("DELETE", "/v1/messages", map[string]any{"uuid": "0123456789abcdef0123456789abcdef"}), 404)
		out2 := indSend(t, s, indJohnNumber, "delete by dashed id")
		expectStatus(t, s.Do("DELETE", "/v1/messages", map[string]any{"uuid": dashedUpper(out2)}), 204)
		if m := indByUUID(indMessages(t, s, johnDoe), out2); m == nil || m["text"] != "" {
			t.Errorf("deleted by dashed upper-case id: %s", mustJSON(m))
		}
		// The singular path takes the uuid32 form in upper case too.
		r0 := s.Do("DELETE", "/v1/custom_status/"+strings.ToUpper(strings.ReplaceAll("25003aa2-d2b0-4089-852a-3e216e0a7495", "-", "")), nil)
		expectStatus(t, r0, 200)
		expectError(t, s.Do("GET", "/v1/custom_statuses/25003aa2-d2b0-4089-852a-3e216e0a7495", nil), 404)

		r := s.Do("DELETE", "/v1/custom_status/"+indVacationing, nil)
		expectStatus(t, r, 200)
		if !reflect.DeepEqual(r.JSON(t), map[string]any{"status": "custom status was destroyed"}) {
			t.Errorf("body %s", r.Body)
		}
		expectError(t, s.Do("GET", "/v1/custom_statuses/"+indVacationing, nil), 404)
		if u := indUsers(t, s)["jane.doe@email.com"]; hasKey(u, "userCustomStatus") {
			t.Errorf("Jane keeps the deleted status: %s", mustJSON(u))
		}
		expectError(t, s.Do("DELETE", "/v1/custom_status/"+indVacationing, nil), 404)
	})
}

// ---- rule 10: activeUsers ----

func TestFidelityPlanActiveUsers(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		active := func() any {
			r := s.Do("GET", "/v1/plan", nil)
			expectStatus(t, r, 200)
			return r.JSON(t)["activeUsers"]
		}
		if n := active(); n != 2.0 {
			t.Errorf("activeUsers %v, want 2", n)
		}
		users := indUsers(t, s)
		for _, email := range []string{"jane.doe@email.com", "john.doe@email.com"} {
			u := users[email]["uuid"].(string)
			obj(t, s.Do("PUT", "/v1/users/"+u+"/status", map[string]any{"available": false}), "user_status")
			if n := active(); n != 2.0 {
				t.Errorf("after %s goes away: activeUsers %v, want 2", email, n)
			}
		}
		for email, u := range indUsers(t, s) {
			if u["available"] != false {
				t.Errorf("%s still available", email)
			}
		}
	})
}

// ---- rule 11: the webhook event log's response ----

func TestFidelityWebhookEventResponse(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		newContact := func(digits string) string {
			c := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": digits, "source": "whatsapp", "name": digits}), "contact")
			return c["uuid"].(string)
		}
		arr, fail, slow := newContact("447700900901"), newContact("447700900902"), newContact("447700900903")
		rc := apitest.NewReceiver(t)
		rc.Respond(func(n int, h apitest.Hook) apitest.Answer {
			_, p := h.Event(t)
			hdr := map[string][]string{"X-Test": {"yes"}, "Content-Type": {"application/json"}}
			switch p["uuid"] {
			case johnDoe:
				return apitest.Answer{Status: 200, Header: hdr, Body: `{"ok":true,"n":[1,2],"inner":{"a":"b"}}`}
			case arr:
				return apitest.Answer{Status: 200, Header: hdr, Body: `[1,"a",{"b":null}]`}
			case fail:
				return apitest.Answer{Status: 500, Header: hdr, Body: `{"error":"receiver broke"}`}
			case slow:
				return apitest.Answer{Status: 200, Header: hdr, Body: `{"late":true}`, Delay: 8 * time.Second}
			}
			hdr["Content-Type"] = []string{"text/plain"}
			return apitest.Answer{Status: 200, Header: hdr, Body: "thanks"}
		})
		s.Subscribe(rc.URL, "contact_updated")
		for _, id := range []string{johnDoe, marioRossi, arr, fail, slow} {
			obj(t, s.Do("PATCH", "/v1/contacts/"+id, map[string]any{"name": "Renamed " + id}), "contact")
		}
		indWait(t, 30*time.Second, "five logged attempts", func() bool {
			seen := map[any]bool{}
			for _, e := range list(t, s.Do("GET", "/v1/webhooks/events?items=100", nil), "webhook_events") {
				seen[at(e, "payload.uuid")] = true
			}
			return len(seen) >= 5
		})

		// A receiver that does not answer at all.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dead := "http://" + l.Addr().String() + "/hooks"
		l.Close()
		s.Subscribe(dead, "contact_updated")
		obj(t, s.Do("PATCH", "/v1/contacts/"+janeRoe, map[string]any{"name": "Jane R."}), "contact")

		byContact := map[string]map[string]any{}
		indWait(t, 15*time.Second, "six logged attempts", func() bool {
			for _, e := range list(t, s.Do("GET", "/v1/webhooks/events?items=100", nil), "webhook_events") {
				byContact[fmt.Sprint(at(e, "payload.uuid"))] = e
			}
			return len(byContact) >= 6
		})
		for _, e := range byContact {
			hasKeys(t, "webhook event", e, "event", "payload", "response", "success", "createdAt")
			if !isT1(e["createdAt"]) || e["event"] != "contact_updated" {
				t.Errorf("event %s", mustJSON(e))
			}
			resp, _ := e["response"].(map[string]any)
			exactKeys(t, "response", resp, "body", "code", "headers")
		}
		headerVal := func(h any, name string) any {
			m, ok := h.(map[string]any)
			if !ok {
				return nil
			}
			for k, v := range m {
				if strings.EqualFold(k, name) {
					return v
				}
			}
			return nil
		}
		j := byContact[johnDoe]
		if !reflect.DeepEqual(at(j, "response.body"), map[string]any{"ok": true, "n": []any{1.0, 2.0}, "inner": map[string]any{"a": "b"}}) {
			t.Errorf("JSON answer stored as %s, want the parsed object", mustJSON(at(j, "response.body")))
		}
		if at(j, "response.code") != 200.0 || j["success"] != true {
			t.Errorf("JSON answer: %s", mustJSON(j))
		}
		if headerVal(at(j, "response.headers"), "X-Test") != "yes" {
			t.Errorf("headers %s, want an object with X-Test: yes", mustJSON(at(j, "response.headers")))
		}
		m := byContact[marioRossi]
		if at(m, "response.body") != "thanks" || at(m, "response.code") != 200.0 {
			t.Errorf("text answer: %s", mustJSON(m["response"]))
		}
		if headerVal(at(m, "response.headers"), "X-Test") != "yes" {
			t.Errorf("headers %s, want an object with X-Test: yes", mustJSON(at(m, "response.headers")))
		}
		if a := byContact[arr]; !reflect.DeepEqual(at(a, "response.body"), []any{1.0, "a", map[string]any{"b": nil}}) || a["success"] != true {
			t.Errorf("JSON array answer: %s, want the parsed array", mustJSON(a))
		}
		if f := byContact[fail]; !reflect.DeepEqual(at(f, "response.body"), map[string]any{"error": "receiver broke"}) ||
			at(f, "response.code") != 500.0 || f["success"] != false || headerVal(at(f, "response.headers"), "X-Test") != "yes" {
			t.Errorf("500 JSON answer: %s", mustJSON(f))
		}
		for what, id := range map[string]string{"refused": janeRoe, "timed out": slow} {
			n := byContact[id]
			if !reflect.DeepEqual(n["response"], map[string]any{"body": map[string]any{}, "code": nil, "headers": map[string]any{}}) ||
				n["success"] != false {
				t.Errorf("no answer (%s): %s, want response {body: {}, code: null, headers: {}} and success false", what, mustJSON(n))
			}
		}
	}, func(testing.TB) apitest.Option {
		return apitest.WithWebhooks([]time.Duration{time.Hour}, 2*time.Second, 6*time.Hour)
	})
}

// ---- rule 12: null for missing optional strings; demo funnel emojis ----

const indChanNoID = "9c1d2e3f4a5b4c6d8e7f0a1b2c3d4e5f"

func TestFidelityNullOptionalStrings(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		cs := obj(t, s.Do("POST", "/v1/custom_statuses", map[string]any{"name": "Focus"}), "customStatus")
		if v, ok := cs["emoji"]; !ok || v != nil {
			t.Errorf("custom status without emoji: %s, want emoji null", mustJSON(cs))
		}
		id := cs["id"].(string)
		if g := obj(t, s.Do("GET", "/v1/custom_statuses/"+id, nil), "customStatus"); !hasKey(g, "emoji") || g["emoji"] != nil {
			t.Errorf("GET: %s", mustJSON(g))
		}
		for _, l := range list(t, s.Do("GET", "/v1/custom_statuses", nil), "customStatuses") {
			if l["id"] == id && (!hasKey(l, "emoji") || l["emoji"] != nil) {
				t.Errorf("list: %s", mustJSON(l))
			}
		}
		// The user holding it shows emoji null too.
		obj(t, s.Do("PUT", "/v1/users/"+indJohnUser+"/status", map[string]any{"custom_status_uuid": id}), "user_status")
		john := indUsers(t, s)["john.doe@email.com"]
		if ucs, _ := john["userCustomStatus"].(map[string]any); ucs == nil || !hasKey(ucs, "emoji") || ucs["emoji"] != nil {
			t.Errorf("userCustomStatus %s, want emoji null", mustJSON(john["userCustomStatus"]))
		}
		// An emoji given as "" is no emoji.
		cs = obj(t, s.Do("POST", "/v1/custom_statuses", map[string]any{"name": "Blank", "emoji": ""}), "customStatus")
		if cs["emoji"] != nil {
			t.Errorf("emoji \"\" stored as %s, want null", mustJSON(cs["emoji"]))
		}

		// A funnel without emoji and a channel without identifier (from the fixture).
		var found bool
		for _, f := range list(t, s.Do("GET", "/v1/funnels", nil), "funnels") {
			if f["name"] == "Retention" {
				found = true
				if !hasKey(f, "emoji") || f["emoji"] != nil {
					t.Errorf("funnel without emoji: %s", mustJSON(f))
				}
			}
		}
		if !found {
			t.Errorf("funnel Retention not listed")
		}
		ch := obj(t, s.Do("GET", "/v1/channels/"+indChanNoID, nil), "channel")
		if !hasKey(ch, "identifier") || ch["identifier"] != nil {
			t.Errorf("channel without identifier: %s", mustJSON(ch))
		}
		for _, c := range list(t, s.Do("GET", "/v1/channels", nil), "channels") {
			if c["uuid"] == indChanNoID && c["identifier"] != nil {
				t.Errorf("list: channel %s", mustJSON(c))
			}
		}
		fb := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "1234567890123", "source": "facebook", "name": "Page fan"}), "contact")
		if at(fb, "channel.uuid") != indChanNoID || !hasKey(fb["channel"], "identifier") || at(fb, "channel.identifier") != nil || fb["phoneNumber"] != nil {
			t.Errorf("contact on the channel without identifier: %s", mustJSON(fb))
		}
		// PUT with emoji "" or null clears it to null.
		for _, e := range []any{"", nil} {
			obj(t, s.Do("PUT", "/v1/custom_statuses/"+indVacationing, map[string]any{"emoji": "x"}), "customStatus")
			cs := obj(t, s.Do("PUT", "/v1/custom_statuses/"+indVacationing, map[string]any{"emoji": e}), "customStatus")
			if !hasKey(cs, "emoji") || cs["emoji"] != nil {
				t.Errorf("PUT emoji %#v: %s, want null", e, mustJSON(cs))
			}
		}
	}, func(t testing.TB) apitest.Option {
		return apitest.WithSeed(t, `
accounts:
  - name: Demo
    funnels:
      - {name: Retention, position: 5}
    channels:
      - {uuid: `+indChanNoID+`, type: facebook, title: Page without id, main: true}
`)
	})
}

func TestFidelityDemoEmojis(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		want := map[string][2]string{
			funnelAw:        {"Awareness", "\U0001F9D8\u200D\u2642\uFE0F"},
			funnelInt:       {"Interest", "\U0001F441\uFE0F"},
			indFunnelDesire: {"Desire", "\u2728"},
			indFunnelAction: {"Action", "\U0001F3AF"},
		}
		fs := list(t, s.Do("GET", "/v1/funnels", nil), "funnels")
		if len(fs) != 4 {
			t.Errorf("%d funnels", len(fs))
		}
		for i, f := range fs {
			w, ok := want[fmt.Sprint(f["uuid"])]
			if !ok || f["name"] != w[0] || f["emoji"] != w[1] || f["position"] != float64(i+1) {
				t.Errorf("funnel %s, want %q", mustJSON(f), w)
			}
		}
		wantCS := map[string]string{"Vacationing": "\U0001F68C", "In meeting": "\U0001F4AC", "Lunch": "\U0001F359"}
		for _, c := range list(t, s.Do("GET", "/v1/custom_statuses", nil), "customStatuses") {
			if c["emoji"] != wantCS[fmt.Sprint(c["name"])] {
				t.Errorf("custom status %s", mustJSON(c))
			}
		}
	})
}

// ---- rule 13: discarded channels ----

func TestFidelityDiscardedChannel(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		before := len(s.Events(""))
		saysDiscarded := func(where string, r *apitest.Response) {
			t.Helper()
			expectError(t, r, 422)
			if !strings.Contains(strings.ToLower(string(r.Body)), "discarded") {
				t.Errorf("%s: %s does not say the channel is discarded", where, r.Body)
			}
		}
		saysDiscarded("send", s.Do("POST", "/v1/messages/send", map[string]any{"to": indJohnNumber, "from": "whatsapp",
			"channel_uuid": indDiscarded, "type": "text", "content": map[string]any{"text": "x"}}))
		saysDiscarded("send template", s.Do("POST", "/v1/messages/send", map[string]any{"to": "+44 7700 900501", "from": "whatsapp",
			"channel_uuid": indDiscarded, "type": "text", "template_uuid": indWelcome, "optin_contact": true, "template_values": []string{"A"}}))
		saysDiscarded("create", s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+44 7700 900502", "source": "whatsapp",
			"name": "Nope", "channel_uuid": indDiscarded}))
		saysDiscarded("inbound", s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "+44 7700 900503", "text": "x",
			"channel_uuid": dashedUpper(indDiscarded)}))
		for _, d := range []string{"447700900501", "447700900502", "447700900503"} {
			expectError(t, s.Do("GET", "/v1/contacts/phone/"+d+"?channel_uuid="+indDiscarded, nil), 404)
			expectError(t, s.Do("GET", "/v1/contacts/phone/"+d, nil), 404)
		}
		if evs := s.Events("")[before:]; len(evs) != 0 {
			t.Errorf("refused requests fired %v", names(evs))
		}
	})
}

// ---- rule 14: idempotency keys compare JSON values ----

func TestFidelityIdempotencyJSONValues(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		send := func(key, body string) *apitest.Response {
			return s.Send(apitest.Request{Method: "POST", Path: "/v1/messages/send", Body: body, Header: map[string]string{"Idempotency-Key": key}})
		}
		a := `{"to":"+31 6 12345678","from":"whatsapp","type":"text","content":{"text":"idem","x":[1,2]},"metadata":{"k":"v"}}`
		b := "{\n  \"metadata\" : {\"k\" : \"v\"},\n\t\"content\": { \"x\": [ 1, 2 ], \"text\": \"idem\" },\"type\":\"text\",\n \"from\":\"whatsapp\", \"to\": \"+31 6 12345678\"\n}\n"
		c := `{"to":"+31 6 12345678","from":"whatsapp","type":"text","content":{"text":"\u0069dem","x":[1,2]},"metadata":{"k":"v"}}`
		r1 := send("k-1", a)
		u := obj(t, r1, "message")["uuid"]
		for name, body := range map[string]string{"reordered and spaced": b, "escaped": c} {
			r := send("k-1", body)
			if r.Status != 200 || obj(t, r, "message")["uuid"] != u {
				t.Errorf("%s body with the same key: %d %s, want the first answer %s", name, r.Status, r.Body, r1.Body)
			}
		}
		var n int
		for _, m := range indMessages(t, s, johnDoe) {
			if m["text"] == "idem" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d messages sent, want 1", n)
		}
		// A different value is a different body.
		expectError(t, send("k-1", `{"to":"+31 6 12345678","from":"whatsapp","type":"text","content":{"text":"idem","x":[2,1]},"metadata":{"k":"v"}}`), 422)
		expectError(t, send("k-1", `{"to":"+31 6 12345678","from":"whatsapp","type":"text","content":{"text":"other","x":[1,2]},"metadata":{"k":"v"}}`), 422)
	})
}

// ---- rule 15: the sandbox clock ----

func TestFidelitySandboxClock(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		const shift = 3 * 24 * time.Hour
		const tol = 10 * time.Minute
		moved := func(where string, v any) {
			t.Helper()
			if !indNear(v, time.Now().Add(shift), tol) {
				t.Errorf("%s: %v is not the moved clock (%s)", where, v, time.Now().Add(shift).UTC().Format(time.RFC3339))
			}
		}
		ck := s.Do("GET", "/sandbox/v1/clock", nil)
		expectStatus(t, ck, 200)
		m := ck.JSON(t)
		exactKeys(t, "clock", m, "now", "offset_seconds")
		if !isT1(m["now"]) || !indNear(m["now"], time.Now(), tol) || m["offset_seconds"] != 0.0 {
			t.Errorf("clock %s", ck.Body)
		}
		expectStatus(t, s.Do("POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": int(shift.Seconds())}), 200)
		m = s.Do("GET", "/sandbox/v1/clock", nil).JSON(t)
		if !isT1(m["now"]) || m["offset_seconds"] != shift.Seconds() {
			t.Errorf("clock after advance %s", mustJSON(m))
		}
		moved("clock now", m["now"])

		rc := apitest.NewReceiver(t)
		r := s.Do("POST", "/v1/webhooks/subscribe", map[string]any{"url": rc.URL, "subscriptions": []string{"contact_created",
			"conversation_closed", "message_created", "message_status_updated", "contact_deleted", "agent_status_updated"}})
		moved("webhook createdAt", obj(t, r, "webhook")["createdAt"])

		// Contacts and closes.
		c := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+44 7700 900601", "source": "whatsapp", "name": "Clock"}), "contact")
		moved("contact createdAt", c["createdAt"])
		cl := obj(t, s.Do("POST", "/v1/contacts/"+c["uuid"].(string)+"/conversation/close", nil), "contact")
		moved("closedAt", cl["closedAt"])
		for _, id := range []string{c["uuid"].(string), johnDoe} {
			x := obj(t, s.Do("POST", "/v1/contacts/"+id+"/conversation/close", nil), "contact")
			t0, _ := indTime(x["createdAt"])
			t1, ok := indTime(x["closedAt"])
			if !ok || t1.Before(t0) {
				t.Errorf("closedAt %v before createdAt %v", x["closedAt"], x["createdAt"])
			}
		}
		// Notes, inbound and outbound messages, sorted newest first.
		expectStatus(t, s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/note", map[string]any{"text": "moved note"}), 200)
		in, _ := indInbound(t, s, map[string]any{"from": indJohnDigits, "text": "moved inbound"})
		moved("inbound createdAt", in["createdAt"])
		out := indSend(t, s, indJohnNumber, "moved outbound")
		msgs := indMessages(t, s, johnDoe)
		var texts []string
		for i, m := range msgs {
			texts = append(texts, fmt.Sprint(m["text"]))
			if i > 0 {
				a, _ := indTime(msgs[i-1]["createdAt"])
				b, _ := indTime(m["createdAt"])
				if a.Before(b) {
					t.Errorf("messages not newest first: %v before %v", msgs[i-1]["createdAt"], m["createdAt"])
				}
			}
		}
		// The inbound message reopened the closed conversation (a system note).
		want := []string{"moved outbound", "moved inbound", "Conversation opened", "moved note", "Conversation closed",
			"Hello there how can I help you?", "Hello there 👋"}
		if !slices.Equal(texts, want) {
			t.Errorf("message list %q, want %q", texts, want)
		}
		for _, m := range msgs[:min(5, len(msgs))] {
			moved("message "+fmt.Sprint(m["text"]), m["createdAt"])
		}
		// Statuses.
		indForce(t, s, out, map[string]any{"status": "sent"})
		msp, _ := indStatus(t, s, out)["messageStatusPayload"].(map[string]any)
		ts, _ := at(msp, "payload.ts").(float64)
		moved("status ts", time.Unix(int64(ts), 0).UTC().Format(time.RFC3339))
		// User statuses.
		us := obj(t, s.Do("PUT", "/v1/users/"+indJohnUser+"/status", map[string]any{"available": false, "custom_status_uuid": indVacationing}), "user_status")
		moved("appearance.last_updated_at", at(us, "appearance.last_updated_at"))
		moved("custom_status.last_updated_at", at(us, "custom_status.last_updated_at"))
		john := indUsers(t, s)["john.doe@email.com"]
		moved("member lastUpdatedAt", john["lastUpdatedAt"])
		moved("userCustomStatus.updatedAt", at(john, "userCustomStatus.updatedAt"))
		cs := obj(t, s.Do("POST", "/v1/custom_statuses", map[string]any{"name": "Moved", "emoji": "⏰"}), "customStatus")
		moved("custom status createdAt", cs["createdAt"])
		// The bot session of a contact created now starts now.
		nb := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+44 7700 900602", "source": "whatsapp", "name": "Clock bot"}), "contact")
		moved("bot conversationStartedAt", indBot(t, s, "", nb["uuid"].(string))["conversationStartedAt"])
		// A send's conversation createdAt (fields) for a contact created now.
		r = s.Do("POST", "/v1/messages/send", map[string]any{"to": "+44 7700 900603", "from": "whatsapp", "type": "text",
			"template_uuid": indWelcome, "optin_contact": true, "template_values": []string{"A"}, "fields": "conversation"})
		moved("send conversation.createdAt", at(obj(t, r, "message"), "conversation.createdAt"))
		// Deletion.
		expectStatus(t, s.Do("DELETE", "/v1/contacts/"+c["uuid"].(string), nil), 200)
		// Team membership and sessions.
		users := indUsers(t, s)
		jane := users["jane.doe@email.com"]["uuid"].(string)
		before := len(s.Events(""))
		if r := s.Do("POST", "/sandbox/v1/teams/"+teamSup+"/members", map[string]any{"user_uuid": indJohnUser, "action": "add"}); r.Status/100 != 2 {
			t.Errorf("team member add: %d %s", r.Status, r.Body)
		}
		if r := s.Do("POST", "/sandbox/v1/users/"+jane+"/session", map[string]any{"action": "user_logged_out"}); r.Status/100 != 2 {
			t.Errorf("session: %d %s", r.Status, r.Body)
		}
		for _, e := range indEvents(t, s, "")[before:] {
			switch e.name {
			case "team_membership_updated":
				moved(e.name+" lastUpdateAt", e.p["lastUpdateAt"])
			}
		}

		// Events.
		hooks := rc.WaitFor(t, 20*time.Second, func() bool {
			seen := map[string]bool{}
			for _, h := range rc.Delivered() {
				n, _ := h.Event(t)
				seen[n] = true
			}
			return len(seen) >= 6
		}, "all six event kinds")
		for _, h := range hooks {
			name, p := h.Event(t)
			switch name {
			case "contact_created":
				moved(name, p["createdAt"])
			case "conversation_closed":
				moved(name+" closedAt", p["closedAt"])
			case "message_created":
				moved(name, p["createdAt"])
			case "contact_deleted":
				moved(name, p["deleted"])
			case "agent_status_updated":
				moved(name, p["lastUpdatedAt"])
			case "message_status_updated":
				if ts, ok := at(p, "messageStatusPayload.payload.ts").(float64); ok {
					moved(name+" ts", time.Unix(int64(ts), 0).UTC().Format(time.RFC3339))
				}
			}
			if ts, err := strconv.ParseInt(h.Header.Get("webhook-timestamp"), 10, 64); err != nil {
				t.Errorf("webhook-timestamp %q", h.Header.Get("webhook-timestamp"))
			} else {
				moved("webhook-timestamp", time.Unix(ts, 0).UTC().Format(time.RFC3339))
			}
		}
		var log []map[string]any
		indWait(t, 15*time.Second, "logged attempts", func() bool {
			log = list(t, s.Do("GET", "/v1/webhooks/events?items=100", nil), "webhook_events")
			return len(log) >= len(hooks)
		})
		for _, e := range log {
			moved("event log createdAt", e["createdAt"])
		}
	})
}

func TestFidelitySandboxReset(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rc := apitest.NewReceiver(t)
		s.Subscribe(rc.URL)
		c := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+44 7700 900701", "source": "whatsapp", "name": "Gone"}), "contact")
		expectStatus(t, s.Do("DELETE", "/v1/contacts/"+marioRossi, nil), 200)
		obj(t, s.Do("POST", "/v1/custom_statuses", map[string]any{"name": "Extra"}), "customStatus")
		obj(t, s.Do("PATCH", "/v1/contacts/"+janeRoe, map[string]any{"tags": []string{"hot"}, "name": "Changed"}), "contact")
		expectStatus(t, s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/note", map[string]any{"text": "extra note"}), 200)
		indForce(t, s, indDemoSendReq, map[string]any{"status": "read"})
		expectStatus(t, s.Do("POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": 86400}), 200)
		r := s.Do("POST", "/sandbox/v1/faults", map[string]any{"path_prefix": "/v1/templates", "status": 500, "probability": 1})
		if r.Status/100 != 2 {
			t.Fatalf("fault: %d %s", r.Status, r.Body)
		}
		expectStatus(t, s.Do("GET", "/v1/templates", nil), 500)
		rc.WaitDelivered(t, 1, 15*time.Second)

		r = s.Do("POST", "/sandbox/v1/reset", nil)
		expectStatus(t, r, 200)

		expectStatus(t, s.Do("GET", "/v1/auth/me", nil), 200)
		ck := s.Do("GET", "/sandbox/v1/clock", nil).JSON(t)
		if ck["offset_seconds"] != 0.0 || !indNear(ck["now"], time.Now(), 10*time.Minute) {
			t.Errorf("clock after reset %s", mustJSON(ck))
		}
		expectStatus(t, s.Do("GET", "/v1/templates", nil), 200)
		expectError(t, s.Do("DELETE", "/v1/webhooks/unsubscribe", nil), 404)
		expectError(t, s.Do("GET", "/v1/contacts/"+c["uuid"].(string), nil), 404)
		m := obj(t, s.Do("GET", "/v1/contacts/"+marioRossi, nil), "contact")
		if !reflect.DeepEqual(m["tags"], []any{"sales", "lead", "hot"}) || m["assignedUser"] != "john.doe@email.com" || m["name"] != "Mario Rossi" {
			t.Errorf("Mario Rossi after reset: %s", mustJSON(m))
		}
		j := obj(t, s.Do("GET", "/v1/contacts/"+janeRoe, nil), "contact")
		if j["name"] != "Jane Roe" || !reflect.DeepEqual(j["tags"], []any{}) || at(j, "team.uuid") != teamSup {
			t.Errorf("Jane Roe after reset: %s", mustJSON(j))
		}
		if n := len(list(t, s.Do("GET", "/v1/custom_statuses", nil), "customStatuses")); n != 3 {
			t.Errorf("%d custom statuses after reset, want 3", n)
		}
		var texts []string
		for _, m := range indMessages(t, s, johnDoe) {
			texts = append(texts, fmt.Sprint(m["text"]))
		}
		if !slices.Equal(texts, []string{"Hello there how can I help you?", "Hello there 👋"}) {
			t.Errorf("John Doe's messages after reset: %q", texts)
		}
		if st := indStatus(t, s, indDemoSendReq)["status"]; st != "delivered" {
			t.Errorf("demo send request status %v after reset, want delivered", st)
		}
		if u := indUsers(t, s)["jane.doe@email.com"]; at(u, "userCustomStatus.name") != "Vacationing" {
			t.Errorf("Jane after reset: %s", mustJSON(u))
		}
		if evs := s.Events(""); len(evs) != 0 {
			t.Errorf("events after reset: %v", names(evs))
		}
	})
}

// ---- rule 16: magic number ...0004 resumes after a forced status ----

func TestFidelityMagic0004Resumes(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		const stuck, stuck2, normal = "447700900004", "447700910004", "447700900804"
		for _, d := range []string{stuck, stuck2, normal} {
			openWindow(t, s, "", d)
		}
		a := indSend(t, s, stuck, "stay")
		b := indSend(t, s, stuck2, "stay too")
		n := indSend(t, s, normal, "go")
		indWait(t, 20*time.Second, "the normal message read", func() bool { return indStatus(t, s, n)["status"] == "read" })
		for _, u := range []string{a, b} {
			if st := indStatus(t, s, u)["status"]; st != "enqueued" {
				t.Fatalf("...0004 message is %v while another reached read, want enqueued", st)
			}
		}
		indForce(t, s, a, map[string]any{"status": "sent"})
		indForce(t, s, b, map[string]any{"status": "delivered"})
		for _, u := range []string{a, b} {
			indWait(t, 20*time.Second, "the forced ...0004 message read", func() bool { return indStatus(t, s, u)["status"] == "read" })
		}
		var seq []string
		for _, e := range indEvents(t, s, "") {
			if e.name == "message_status_updated" && e.p["uuid"] == a {
				seq = append(seq, fmt.Sprint(e.p["status"]))
			}
		}
		if !slices.Equal(seq, []string{"enqueued", "sent", "delivered", "read"}) {
			t.Errorf("...0004 statuses %v", seq)
		}
	}, func(testing.TB) apitest.Option { return apitest.WithDeliveryInterval(20 * time.Millisecond) })
}

// ---- rule 17: injected faults look like the real errors ----

func TestFidelityInjectedFaults(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		fault := func(body map[string]any) {
			t.Helper()
			r := s.Do("POST", "/sandbox/v1/faults", body)
			if r.Status/100 != 2 {
				t.Fatalf("fault %v: %d %s", body, r.Status, r.Body)
			}
		}
		retryAfter := func(where string, r *apitest.Response) {
			t.Helper()
			v := r.Header.Get("Retry-After")
			if n, err := strconv.Atoi(v); err != nil || n < 1 {
				t.Errorf("%s: Retry-After %q, want seconds", where, v)
			}
		}
		fault(map[string]any{"path_prefix": "/v1/contacts", "status": 429, "probability": 1, "count": 1})
		r := s.Do("GET", "/v1/contacts", nil)
		indExactError(t, r, 429, "rate limit exceeded")
		retryAfter("429", r)
		expectStatus(t, s.Do("GET", "/v1/contacts", nil), 200)

		fault(map[string]any{"method": "POST", "path_prefix": "/v1/contacts", "status": 500, "probability": 1, "count": 1})
		create := map[string]any{"identifier": "+44 7700 900801", "source": "whatsapp", "name": "Faulted"}
		before := len(s.Events(""))
		indExact500(t, s.Do("POST", "/v1/contacts", create))
		expectError(t, s.Do("GET", "/v1/contacts/phone/447700900801", nil), 404)
		if evs := s.Events("")[before:]; len(evs) != 0 {
			t.Errorf("faulted request fired %v", names(evs))
		}
		obj(t, s.Do("POST", "/v1/contacts", create), "contact")

		fault(map[string]any{"path_prefix": "/v1/teams", "status": 503, "probability": 1, "count": 1})
		r = s.Do("GET", "/v1/teams", nil)
		expectError(t, r, 503)
		retryAfter("503", r)
		expectStatus(t, s.Do("GET", "/v1/teams", nil), 200)

		if r := s.Do("DELETE", "/sandbox/v1/faults", nil); r.Status/100 != 2 {
			t.Errorf("DELETE faults: %d %s", r.Status, r.Body)
		}
	})
}

// An injected 429 carries what a real 429 carries.
func TestFidelityInjected429LikeReal(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("POST", "/sandbox/v1/faults", map[string]any{"path_prefix": "/v1/teams", "status": 429, "probability": 1, "count": 1})
		if r.Status/100 != 2 {
			t.Fatalf("fault: %d %s", r.Status, r.Body)
		}
		injected := s.Do("GET", "/v1/teams", nil)
		indExactError(t, injected, 429, "rate limit exceeded")
		var real *apitest.Response
		for i := 0; i < 500 && real == nil; i++ {
			if r := s.Do("GET", "/v1/teams", nil); r.Status == 429 {
				real = r
			}
		}
		if real == nil {
			t.Fatal("no real 429 in 500 requests")
		}
		indExactError(t, real, 429, "rate limit exceeded")
		keys := func(r *apitest.Response) []string {
			var out []string
			for k := range r.Header {
				if k != "Date" && k != "Content-Length" {
					out = append(out, k)
				}
			}
			slices.Sort(out)
			return out
		}
		if a, b := keys(injected), keys(real); !slices.Equal(a, b) {
			t.Errorf("injected 429 headers %v, real 429 headers %v", a, b)
		}
		for _, r := range []*apitest.Response{injected, real} {
			if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n < 1 {
				t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
			}
		}
	}, func(testing.TB) apitest.Option { return func(c *app.Config) { c.RateLimit = 20 } })
}

// indExact500 is indExactError for the generic 500 message.
func indExact500(t *testing.T, r *apitest.Response) {
	indExactError(t, r, 500, "internal server error")
}
