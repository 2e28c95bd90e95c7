package apitest_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
)

// TestContractContactShapeEverywhere holds every Contact the API answers to
// section 2: on every route that returns one, all listed keys, id forms and
// T1 times.
func TestContractContactShapeEverywhere(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		var got []map[string]any
		add := func(where string, c map[string]any) {
			t.Helper()
			checkContact(t, s, where, c)
			got = append(got, c)
		}
		for i, c := range list(t, s.Do("GET", "/v1/contacts", nil), "contacts") {
			add(fmt.Sprint("list[", i, "]"), c)
			if _, ok := c["customFieldsMetadata"]; ok {
				t.Errorf("list[%d]: customFieldsMetadata without include_field_types", i)
			}
		}
		for _, id := range []string{johnDoe, marioRossi, janeRoe} {
			add("GET "+id, obj(t, s.Do("GET", "/v1/contacts/"+dashedUpper(id), nil), "contact"))
		}
		add("phone", obj(t, s.Do("GET", "/v1/contacts/phone/+33112233445", nil), "contact"))
		add("bsuid", obj(t, s.Do("GET", "/v1/contacts/bsuid/bsuid_abc123", nil), "contact"))
		created := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+49 30 1234567", "source": "whatsapp", "name": "Min"}), "contact")
		add("POST", created)
		add("POST telegram", obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "tg_min", "source": "telegram", "name": "Tg"}), "contact"))
		add("PATCH", obj(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"note": "n"}), "contact"))
		add("close", obj(t, s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/close", nil), "contact"))
		add("open", obj(t, s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/open", nil), "contact"))
		add("update_funnel", obj(t, s.Do("PUT", "/v1/contacts/"+johnDoe+"/conversation/update_funnel", map[string]any{"funnel_id": "FF0F96B9B0034D0CB14F27F3F6868DD6"}), "contact"))
		add("update_funnel alias", obj(t, s.Do("POST", "/v1/contacts/"+marioRossi+"/messages/update_funnel", map[string]any{"funnel_id": funnelInt}), "contact"))
		r := s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "+49 30 7654321", "text": "new"})
		add("inbound", obj(t, r, "contact"))

		// A minimal new contact: every optional value is null or empty, not absent.
		for k, want := range map[string]string{"avatarUrl": "null", "blockedAt": "null", "funnelId": "null", "closedAt": "null",
			"assignedUser": "null", "note": "null", "tags": "[]", "customFields": "{}"} {
			if v, ok := created[k]; !ok || mustJSON(v) != want {
				t.Errorf("new contact %s = %s (present %v), want %s", k, mustJSON(v), ok, want)
			}
		}
		if _, ok := created["bsuid"]; ok {
			t.Errorf("bsuid present on a contact without one")
		}
		if !near(created["createdAt"], time.Minute) {
			t.Errorf("createdAt %v is not the current UTC time", created["createdAt"])
		}
		// Funnel ids are answered dashed whatever form was given.
		if fid := at(got[len(got)-3], "funnelId"); fid != funnelAw {
			t.Errorf("funnelId %v, want %s", fid, funnelAw)
		}
		// Closing sets closedAt to the current second.
		closed := got[len(got)-5]
		if !near(closed["closedAt"], 10*time.Second) {
			t.Errorf("closedAt %v is not now", closed["closedAt"])
		}
		// The conversation link is stable for a contact and differs between contacts.
		hrefs := map[string]string{}
		for _, c := range got {
			id, h := c["uuid"].(string), c["conversationHref"].(string)
			if prev, ok := hrefs[id]; ok && prev != h {
				t.Errorf("contact %s has two conversation links %s and %s", id, prev, h)
			}
			hrefs[id] = h
		}
		seen := map[string]string{}
		for id, h := range hrefs {
			if other, ok := seen[h]; ok {
				t.Errorf("contacts %s and %s share conversation %s", id, other, h)
			}
			seen[h] = id
		}
	})
}

// TestContractCustomFieldsMetadataShape checks include_field_types on the
// list and on one contact: {value, type, options?} with options only for
// dropdown and checkbox, and the typed value.
func TestContractCustomFieldsMetadataShape(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"custom_fields": map[string]any{
			"Preferences": []string{"Updates", "Newsletter"}, "Work Email": "john@example.com", "orderNumber": 7.5, "Join Date": "2024-02-29",
		}})
		expectStatus(t, r, 200)
		if at(r.JSON(t), "contact.customFields.Preferences") != `["Updates", "Newsletter"]` || at(r.JSON(t), "contact.customFields.orderNumber") != "7.5" {
			t.Errorf("customFields %s", mustJSON(at(r.JSON(t), "contact.customFields")))
		}
		for _, path := range []string{"/v1/contacts?include_field_types=true", "/v1/contacts/" + johnDoe + "?include_field_types=true"} {
			var c map[string]any
			if strings.HasPrefix(path, "/v1/contacts?") {
				for _, x := range list(t, s.Do("GET", path, nil), "contacts") {
					if x["uuid"] == johnDoe {
						c = x
					}
				}
			} else {
				c = obj(t, s.Do("GET", path, nil), "contact")
			}
			md, _ := c["customFieldsMetadata"].(map[string]any)
			for name, want := range map[string]string{
				"Preferences": `{"options":["Newsletter","Promotions","Updates"],"type":"checkbox","value":["Updates","Newsletter"]}`,
				"Work Email":  `{"type":"email","value":"john@example.com"}`,
				"Join Date":   `{"type":"date","value":"2024-02-29"}`,
				"Address":     `{"type":"text","value":"Oxford Street 123"}`,
			} {
				if got := mustJSON(md[name]); got != want {
					t.Errorf("%s: %s = %s, want %s", path, name, got, want)
				}
			}
			if e := at(md, "orderNumber").(map[string]any); e["type"] != "number" || (e["value"] != "7.5" && e["value"] != 7.5) {
				t.Errorf("%s: orderNumber %s", path, mustJSON(e))
			}
			// customFields keeps the string forms next to the metadata.
			if at(c, "customFields.Preferences") != `["Updates", "Newsletter"]` {
				t.Errorf("%s: customFields %s", path, mustJSON(c["customFields"]))
			}
		}
	})
}

// TestContractCustomFieldsMetadataWithoutValues: with include_field_types=true
// the key is listed on every contact, also on one without field values (only
// its presence hangs on the parameter).
func TestContractCustomFieldsMetadataWithoutValues(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for _, x := range list(t, s.Do("GET", "/v1/contacts?include_field_types=true", nil), "contacts") {
			if _, ok := x["customFieldsMetadata"].(map[string]any); !ok {
				t.Errorf("list: contact %v lacks customFieldsMetadata", x["uuid"])
			}
		}
		c := obj(t, s.Do("GET", "/v1/contacts/"+marioRossi+"?include_field_types=true", nil), "contact")
		if _, ok := c["customFieldsMetadata"].(map[string]any); !ok {
			t.Errorf("GET: Mario lacks customFieldsMetadata: %s", mustJSON(c))
		}
	})
}

// TestContractMessageListShapes walks every kind of message through the
// list: inbound text and media, outbound text with and without metadata,
// outbound media, an API note, system notes; then blanks a media message.
func TestContractMessageListShapes(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		const who = "4915255501234"
		in := s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "+49 152 5550 1234", "text": "first"})
		expectStatus(t, in, 200)
		contact := at(in.JSON(t), "contact.uuid").(string)
		checkMessage(t, "inbound answer", obj(t, in, "message"))
		inMedia := s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": who, "type": "image",
			"content": map[string]any{"url": "https://example.com/in.jpg", "text": "see this"}})
		expectStatus(t, inMedia, 200)
		plain := send(t, s, map[string]any{"to": who, "from": "whatsapp", "type": "text", "content": map[string]any{"text": "plain"}})
		withMD := send(t, s, map[string]any{"to": who, "from": "whatsapp", "type": "text", "content": map[string]any{"text": "tagged"},
			"metadata": map[string]any{"order": "42", "lang": "de"}})
		media := send(t, s, map[string]any{"to": who, "from": "whatsapp", "type": "document", "content": map[string]any{"url": "https://example.com/a.pdf"}})
		expectStatus(t, s.Do("POST", "/v1/contacts/"+contact+"/conversation/note", map[string]any{"text": "internal"}), 200)
		expectStatus(t, s.Do("POST", "/v1/contacts/"+contact+"/conversation/close", nil), 200)
		expectStatus(t, s.Do("POST", "/v1/contacts/"+contact+"/conversation/open", nil), 200)

		r := s.Do("GET", "/v1/contacts/"+strings.ToUpper(contact)+"/messages", nil)
		msgs := list(t, r, "messages")
		expectMeta(t, r, 1, 1)
		if len(msgs) != 8 {
			t.Fatalf("%d messages, want 8: %s", len(msgs), r.Body)
		}
		byText := map[string]map[string]any{}
		for i, m := range msgs {
			checkMessage(t, fmt.Sprint("messages[", i, "]"), m)
			byText[fmt.Sprint(m["text"])] = m
			if !near(m["createdAt"], time.Minute) {
				t.Errorf("messages[%d] createdAt %v is not now", i, m["createdAt"])
			}
		}
		// Newest first: the opening note, then the closing note.
		if msgs[0]["text"] != "Conversation opened" || msgs[1]["text"] != "Conversation closed" {
			t.Errorf("order %v", pluck(msgs, "text"))
		}
		for i := 1; i < len(msgs); i++ {
			if fmt.Sprint(msgs[i]["createdAt"]) > fmt.Sprint(msgs[i-1]["createdAt"]) {
				t.Errorf("messages[%d] is newer than messages[%d]", i, i-1)
			}
		}
		for _, text := range []string{"Conversation opened", "Conversation closed"} {
			m := byText[text]
			if _, ok := m["uuid"]; ok || m["status"] != "note" || m["from"] != who || m["to"] != who {
				t.Errorf("system note %s", mustJSON(m))
			}
		}
		if m := byText["internal"]; m["status"] != "note" || !isU32(m["uuid"]) {
			t.Errorf("API note %s", mustJSON(m))
		}
		if m := byText["first"]; m["status"] != "received" || m["from"] != who || m["to"] != "391234567890" || !reWamid.MatchString(fmt.Sprint(m["uuid"])) {
			t.Errorf("inbound %s", mustJSON(m))
		}
		if m := byText["see this"]; mustJSON(m["attachments"]) != `["https://example.com/in.jpg"]` || m["status"] != "received" {
			t.Errorf("inbound media %s", mustJSON(m))
		}
		if m := byText["plain"]; m["uuid"] != plain || m["from"] != "391234567890" || m["to"] != who || m["status"] != "sent" {
			t.Errorf("outbound %s", mustJSON(m))
		}
		for _, text := range []string{"plain", "first", "internal"} {
			for _, k := range []string{"attachments", "metadata"} {
				if _, ok := byText[text][k]; ok {
					t.Errorf("%q has %s: %s", text, k, mustJSON(byText[text]))
				}
			}
		}
		if m := byText["tagged"]; m["uuid"] != withMD || mustJSON(m["metadata"]) != `{"lang":"de","order":"42"}` {
			t.Errorf("outbound with metadata %s", mustJSON(m))
		}
		if m := byText[""]; m["uuid"] != media || mustJSON(m["attachments"]) != `["https://example.com/a.pdf"]` {
			t.Errorf("media without caption %s", mustJSON(m))
		}
		// Deleting blanks text and attachments; the message stays.
		expectStatus(t, s.Do("DELETE", "/v1/messages/"+dashedUpper(media), nil), 204)
		wamid := fmt.Sprint(byText["see this"]["uuid"])
		expectStatus(t, s.Do("DELETE", "/v1/messages/"+wamid, nil), 204)
		after := list(t, s.Do("GET", "/v1/contacts/"+contact+"/messages", nil), "messages")
		if len(after) != 8 {
			t.Fatalf("%d messages after deletes", len(after))
		}
		for _, m := range after {
			if m["uuid"] == media || m["uuid"] == wamid {
				if m["text"] != "" {
					t.Errorf("deleted message text %v", m["text"])
				}
				if a, ok := m["attachments"]; ok {
					t.Errorf("deleted message still lists attachments %s", mustJSON(a))
				}
			}
		}
	})
}

// TestContractSendAnswerShapes checks the answer of POST /messages/send per
// `fields`, and the MessageSendRequest of GET /messages/status.
func TestContractSendAnswerShapes(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		openWindow(t, s, "", "31612345678")
		base := map[string]any{"to": "+31 6 12345678", "from": "whatsapp", "type": "text", "content": map[string]any{"text": "x"}}
		// With fields, contact and conversation go inside message, as
		// Callbell's examples show.
		for fields, keys := range map[string][]string{
			"":                     {"uuid", "status"},
			"contact":              {"uuid", "status", "contact"},
			"conversation":         {"uuid", "status", "conversation"},
			"contact,conversation": {"uuid", "status", "contact", "conversation"},
			"conversation,contact": {"uuid", "status", "contact", "conversation"},
		} {
			body := base
			if fields != "" {
				body = merged(base, "fields", fields)
			}
			r := s.Do("POST", "/v1/messages/send", body)
			expectStatus(t, r, 200)
			m := r.JSON(t)
			exactKeys(t, "fields="+fields, m, "message")
			msg, _ := m["message"].(map[string]any)
			exactKeys(t, "fields="+fields+" message", msg, keys...)
			if !isU32(msg["uuid"]) || msg["status"] != "enqueued" {
				t.Errorf("message %s", mustJSON(msg))
			}
			if c, ok := msg["contact"].(map[string]any); ok {
				exactKeys(t, "contact", c, "uuid", "name", "phone", "email")
				if c["uuid"] != johnDoe || c["phone"] != "+31612345678" {
					t.Errorf("contact %s", mustJSON(c))
				}
			}
			if c, ok := msg["conversation"].(map[string]any); ok {
				exactKeys(t, "conversation", c, "source", "href", "createdAt")
				john := obj(t, s.Do("GET", "/v1/contacts/"+johnDoe, nil), "contact")
				if c["href"] != john["conversationHref"] || c["source"] != "whatsapp" || !isT1(c["createdAt"]) {
					t.Errorf("conversation %s", mustJSON(c))
				}
			}
			// The send request, asked for in the dashed upper-case form.
			st := obj(t, s.Do("GET", "/v1/messages/status/"+dashedUpper(msg["uuid"].(string)), nil), "message")
			if st["uuid"] != msg["uuid"] || st["status"] != "enqueued" {
				t.Errorf("status %s", mustJSON(st))
			}
			for _, k := range keysOf(st) {
				if !slices.Contains([]string{"uuid", "status", "messageStatusPayload"}, k) {
					t.Errorf("status has key %s", k)
				}
			}
		}
		// A send request after a forced status names the type and destination.
		id := send(t, s, base)
		r := s.Do("POST", "/sandbox/v1/messages/"+id+"/status", map[string]any{"status": "read"})
		expectStatus(t, r, 200)
		st := obj(t, s.Do("GET", "/v1/messages/status/"+id, nil), "message")
		p, _ := st["messageStatusPayload"].(map[string]any)
		exactKeys(t, "messageStatusPayload", p, "id", "gsId", "type", "payload", "destination")
		exactKeys(t, "messageStatusPayload.payload", p["payload"].(map[string]any), "ts")
		if st["status"] != "read" || p["type"] != "read" || p["destination"] != "31612345678" || !isU36(p["gsId"]) {
			t.Errorf("status %s", mustJSON(st))
		}
	})
}

// TestContractWorkspaceObjectShapes checks every workspace object type on
// every route that answers it: keys, id forms (uuid32 or uuid36 per type)
// and time formats (T1 or T2 per type).
func TestContractWorkspaceObjectShapes(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for i, c := range list(t, s.Do("GET", "/v1/channels", nil), "channels") {
			checkChannel(t, fmt.Sprint("channels[", i, "]"), c)
		}
		checkChannel(t, "GET channel", obj(t, s.Do("GET", "/v1/channels/"+dashedUpper(tgMain), nil), "channel"))
		checkChannel(t, "PATCH channel", obj(t, s.Do("PATCH", "/v1/channels/"+dashedUpper(tgMain), map[string]any{"title": "T"}), "channel"))
		for i, tm := range list(t, s.Do("GET", "/v1/teams", nil), "teams") {
			checkTeam(t, fmt.Sprint("teams[", i, "]"), tm)
		}
		checkTeam(t, "PATCH team", obj(t, s.Do("PATCH", "/v1/teams/"+dashedUpper(teamGen), map[string]any{"name": "Everyone"}), "team"))
		for i, tm := range list(t, s.Do("GET", "/v1/plan", nil), "teams") {
			checkTeam(t, fmt.Sprint("plan.teams[", i, "]"), tm)
		}
		for i, m := range list(t, s.Do("GET", "/v1/teams/"+teamGen+"/members", nil), "users") {
			checkMember(t, fmt.Sprint("members[", i, "]"), m)
		}
		checkCS := func(where string, c map[string]any) {
			t.Helper()
			exactKeys(t, where, c, "id", "name", "emoji", "createdAt", "updatedAt")
			if !isU36(c["id"]) || !isStr(c["name"]) || !isOptStr(c["emoji"]) || !reCT2.MatchString(fmt.Sprint(c["createdAt"])) || !reCT2.MatchString(fmt.Sprint(c["updatedAt"])) {
				t.Errorf("%s: %s", where, mustJSON(c))
			}
		}
		for i, c := range list(t, s.Do("GET", "/v1/custom_statuses", nil), "customStatuses") {
			checkCS(fmt.Sprint("customStatuses[", i, "]"), c)
		}
		created := obj(t, s.Do("POST", "/v1/custom_statuses", map[string]any{"name": "Shape"}), "customStatus")
		checkCS("POST custom status", created)
		checkCS("PUT custom status", obj(t, s.Do("PUT", "/v1/custom_statuses/"+strings.ToUpper(strings.ReplaceAll(created["id"].(string), "-", "")), map[string]any{"emoji": "🧪"}), "customStatus"))
		for i, f := range list(t, s.Do("GET", "/v1/funnels", nil), "funnels") {
			exactKeys(t, "funnel", f, "uuid", "name", "emoji", "position", "createdAt")
			if !isU36(f["uuid"]) || !isStr(f["name"]) || !isOptStr(f["emoji"]) || !isInt(f["position"]) || !reCT2.MatchString(fmt.Sprint(f["createdAt"])) || f["position"] != float64(i+1) {
				t.Errorf("funnels[%d] %s", i, mustJSON(f))
			}
		}
		checkTpl := func(where string, tp map[string]any) {
			t.Helper()
			exactKeys(t, where, tp, "uuid", "title", "text", "templateType", "category", "status", "createdAt")
			if !isU32(tp["uuid"]) || !isT1(tp["createdAt"]) ||
				!slices.Contains([]string{"text", "image", "video", "document"}, fmt.Sprint(tp["templateType"])) ||
				!slices.Contains([]string{"MARKETING", "UTILITY", "AUTHENTICATION"}, fmt.Sprint(tp["category"])) {
				t.Errorf("%s: %s", where, mustJSON(tp))
			}
		}
		for i, tp := range list(t, s.Do("GET", "/v1/templates", nil), "templates") {
			checkTpl(fmt.Sprint("templates[", i, "]"), tp)
		}
		checkTpl("PATCH template", obj(t, s.Do("PATCH", "/v1/templates/"+dashedUpper(welcome), map[string]any{"title": "W"}), "template"))
		for _, r := range []*apitest.Response{s.Do("GET", "/v1/contacts/"+dashedUpper(johnDoe)+"/bot", nil),
			s.Do("POST", "/v1/contacts/"+johnDoe+"/bot", map[string]any{"status": "bot_start"})} {
			b := obj(t, r, "bot")
			exactKeys(t, "bot", b, "uuid", "name", "status", "conversationStartedAt", "version", "latestBotVersion")
			if !isU32(b["uuid"]) || !slices.Contains([]string{"in_progress", "started", "ended"}, fmt.Sprint(b["status"])) ||
				!isInt(b["version"]) || !isBool(b["latestBotVersion"]) || (b["conversationStartedAt"] != nil && !isT1(b["conversationStartedAt"])) {
				t.Errorf("bot %s", mustJSON(b))
			}
		}
		// The user-status answer: custom_status and appearance, T3 times.
		r := s.Do("PUT", "/v1/users/"+dashedUpper(userJohn)+"/status", map[string]any{"custom_status_uuid": csMeeting})
		us := obj(t, r, "user_status")
		exactKeys(t, "user_status", us, "custom_status", "appearance")
		cs, _ := us["custom_status"].(map[string]any)
		exactKeys(t, "custom_status", cs, "id", "name", "last_updated_at")
		ap, _ := us["appearance"].(map[string]any)
		exactKeys(t, "appearance", ap, "available", "last_updated_at")
		if cs["id"] != csMeeting || !isT3(cs["last_updated_at"]) || !isT3(ap["last_updated_at"]) || !near(cs["last_updated_at"], time.Minute) {
			t.Errorf("user_status %s", r.Body)
		}
		m := r.JSON(t)
		exactKeys(t, "plan", s.Do("GET", "/v1/plan", nil).JSON(t), "plan", "includedChannels", "licenses", "activeUsers", "teams")
		exactKeys(t, "status answer", m, "user_status")
	})
}
