package apitest_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/openbell/openbell/internal/apitest"
)

// TestContractDemoWorkspaceTable checks the rows of API.md "The demo
// workspace" that the other tests do not: every tag, every custom field with
// its type and options, the contacts' tags and numbers, the statuses' emoji,
// the users, and ids shared across object types.
func TestContractDemoWorkspaceTable(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		// Tags, matched case-insensitively, stored with the account's spelling.
		c := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+49 30 5559999", "source": "whatsapp", "name": "All tags",
			"tags": []string{"SALES", "Lead", "HOT", "call back", "INTERESTED", "usa"}}), "contact")
		if got := mustJSON(c["tags"]); got != `["sales","lead","hot","Call back","Interested","USA"]` {
			t.Errorf("tags %s", got)
		}
		// Every custom field, with a value of its type.
		values := map[string]any{
			"Address": "A 1", "Billing Address": "B 2", "VAT": "NL123", "Stripe link": "https://s.test/x", "zipCode": "1011",
			"Work Email": "w@example.com", "orderNumber": 99, "Birth Date": "1990-01-31", "Join Date": "2020-12-01",
			"Status": "Active", "Features": []string{"Analytics"}, "Preferences": []string{"Promotions", "Newsletter"},
		}
		id := c["uuid"].(string)
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+id, map[string]any{"custom_fields": values}), 200)
		md := obj(t, s.Do("GET", "/v1/contacts/"+id+"?include_field_types=true", nil), "contact")["customFieldsMetadata"].(map[string]any)
		types := map[string]string{
			"Address": "text", "Billing Address": "text", "VAT": "text", "Stripe link": "text", "zipCode": "text", "Work Email": "email",
			"orderNumber": "number", "Birth Date": "date", "Join Date": "date", "Status": "dropdown", "Features": "checkbox", "Preferences": "checkbox",
		}
		options := map[string]string{"Status": `["Active","Inactive"]`, "Features": `["Dark Mode","Notifications","Analytics"]`,
			"Preferences": `["Newsletter","Promotions","Updates"]`}
		if len(md) != len(types) {
			t.Errorf("metadata for %d fields, want %d: %v", len(md), len(types), keysOf(md))
		}
		for name, typ := range types {
			e, _ := md[name].(map[string]any)
			if e["type"] != typ {
				t.Errorf("%s: type %v, want %s", name, e["type"], typ)
			}
			o, has := e["options"]
			if want, ok := options[name]; ok != has || (ok && mustJSON(o) != want) {
				t.Errorf("%s: options %s (present %v)", name, mustJSON(o), has)
			}
		}
		if mustJSON(at(md, "Preferences.value")) != `["Promotions","Newsletter"]` || at(md, "Features.value") == nil {
			t.Errorf("checkbox values %s", mustJSON(md))
		}

		// The demo contacts.
		mario := obj(t, s.Do("GET", "/v1/contacts/"+marioRossi, nil), "contact")
		if mustJSON(mario["tags"]) != `["sales","lead","hot"]` || mario["name"] != "Mario Rossi" || mario["source"] != "whatsapp" || at(mario, "channel.uuid") != waMain {
			t.Errorf("Mario %s", mustJSON(mario))
		}
		jane := obj(t, s.Do("GET", "/v1/contacts/"+janeRoe, nil), "contact")
		if p := fmt.Sprint(jane["phoneNumber"]); strings.ReplaceAll(p, " ", "") != "+5790372023" || jane["name"] != "Jane Roe" || jane["assignedUser"] != nil {
			t.Errorf("Jane Roe %s", mustJSON(jane))
		}
		if id := at(s.Do("GET", "/v1/contacts/phone/+57%2090%20372023", nil).JSON(t), "contact.uuid"); id != janeRoe {
			t.Errorf("Jane Roe by phone: %v", id)
		}
		john := obj(t, s.Do("GET", "/v1/contacts/"+johnDoe, nil), "contact")
		if mustJSON(john["tags"]) != `["sales","lead"]` || john["assignedUser"] != nil || john["note"] != nil || mustJSON(john["customFields"]) != `{"Address":"Oxford Street 123"}` {
			t.Errorf("John %s", mustJSON(john))
		}
		msgs := list(t, s.Do("GET", "/v1/contacts/"+johnDoe+"/messages", nil), "messages")
		if len(msgs) != 2 || msgs[1]["text"] != "Hello there 👋" || fmt.Sprint(msgs[1]["createdAt"]) > fmt.Sprint(msgs[0]["createdAt"]) {
			t.Errorf("John's messages %s", mustJSON(msgs))
		}

		// Custom statuses and their emoji; users.
		cs := list(t, s.Do("GET", "/v1/custom_statuses", nil), "customStatuses")
		if got := fmt.Sprint(pluck(cs, "name"), pluck(cs, "emoji")); got != "[Vacationing In meeting Lunch] [🚌 💬 🍙]" {
			t.Errorf("custom statuses %s", got)
		}
		users := list(t, s.Do("GET", "/v1/teams/"+teamGen+"/members", nil), "users")
		if len(users) != 2 || users[0]["uuid"] != userJohn || users[0]["name"] != "John Doe" || users[1]["name"] != "Jane Doe" ||
			users[0]["available"] != true || users[1]["available"] != true || at(users[1], "userCustomStatus.name") != "Vacationing" {
			t.Errorf("users %s", mustJSON(users))
		}

		// Ids shared across types name different objects per type.
		for path, want := range map[string]string{
			"/v1/templates/" + tplTitle:   "template.title=Template title",
			"/v1/teams/" + tplTitle:       "team.name=General",
			"/v1/templates/" + tplAnother: "template.title=Another Template title",
			"/v1/teams/" + tplAnother:     "team.name=Support",
			"/v1/contacts/" + userJohn:    "contact.name=John Doe",
		} {
			k, v, _ := strings.Cut(want, "=")
			if got := at(s.Do("GET", path, nil).JSON(t), k); got != v {
				t.Errorf("%s: %s = %v, want %s", path, k, got, v)
			}
		}
		for _, tc := range []struct{ id, text, status string }{
			{tplTitle, "Message text", "approved"}, {tplAnother, "Another Message text", "rejected"},
		} {
			tp := obj(t, s.Do("GET", "/v1/templates/"+tc.id, nil), "template")
			if tp["text"] != tc.text || tp["status"] != tc.status || tp["category"] != "MARKETING" || tp["templateType"] != "text" {
				t.Errorf("template %s", mustJSON(tp))
			}
		}
	})
}

// TestContractPublishedExamples runs requests in the shape of Callbell's
// published examples, unchanged but for the host, against a fresh demo
// workspace: the sound ones succeed, the others answer the contract's error.
func TestContractPublishedExamples(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		// Send a text: John wrote at load time, so the window is open.
		r := s.Do("POST", "/v1/messages/send", `{"to": "+31612345678", "from": "whatsapp", "type": "text", "content": {"text": "Hello!"}}`)
		m := obj(t, r, "message")
		if !isU32(m["uuid"]) || m["status"] != "enqueued" || len(r.JSON(t)) != 1 {
			t.Errorf("send text %s", r.Body)
		}
		// Media, with and without caption.
		for _, body := range []string{
			`{"to": "+31612345678", "from": "whatsapp", "type": "image", "content": {"url": "https://example.com/my_image.jpeg"}}`,
			`{"to": "+31612345678", "from": "whatsapp", "type": "document", "content": {"url": "https://example.com/my_file.pdf", "text": "Here it is"}}`,
			`{"to": "+31612345678", "from": "whatsapp", "type": "audio", "content": {"url": "http://example.com/a.mp3"}}`,
			`{"to": "+31612345678", "from": "whatsapp", "type": "video", "content": {"url": "https://example.com/v.mp4"}}`,
			`{"to": "+31612345678", "from": "whatsapp", "type": "text", "content": {"text": "Hello!"}, "metadata": {"myCustomProperty": "myCustomValue"}}`,
			`{"to": "+31612345678", "from": "whatsapp", "type": "text", "content": {"text": "Hello!"}, "channel_uuid": "7c996996fea947f4a1d5a11e7fac84db"}`,
			`{"to": "+31612345678", "from": "whatsapp", "type": "text", "content": {"text": "Hello!"}, "assigned_user": "john.doe@email.com", "team_uuid": "47aad5f9b4ca423c9d630f06ab93fe1f"}`,
			`{"to": "+31612345678", "from": "whatsapp", "type": "text", "content": {"text": "Hello!"}, "bot_status": "bot_end"}`,
		} {
			if r := s.Do("POST", "/v1/messages/send", body); r.Status != 200 || at(r.JSON(t), "message.status") != "enqueued" {
				t.Errorf("%s: %d %s", body, r.Status, r.Body)
			}
		}
		// The approved template example: {{1}} from content.text.
		r = s.Do("POST", "/v1/messages/send", `{"to": "+31612345678", "from": "whatsapp", "type": "text", "content": {"text": "John Doe"},
			"template_uuid": "d980fb66fd5043d3ace1aa06ba044342", "optin_contact": true}`)
		expectStatus(t, r, 200)
		// The template without placeholders.
		expectStatus(t, s.Do("POST", "/v1/messages/send", `{"to": "+31612345678", "from": "whatsapp", "type": "text", "content": {"text": "x"},
			"template_uuid": "ad42a09715814e6483b1c5debd6a2dbc", "optin_contact": true, "template_values": []}`), 200)
		msgs := list(t, s.Do("GET", "/v1/contacts/"+johnDoe+"/messages", nil), "messages")
		if msgs[0]["text"] != "Message text" || msgs[1]["text"] != "Hello John Doe, this is a template message example" {
			t.Errorf("template texts %v", pluck(msgs[:2], "text"))
		}
		john := obj(t, s.Do("GET", "/v1/contacts/"+johnDoe, nil), "contact")
		if john["assignedUser"] != "john.doe@email.com" || at(john, "team.uuid") != teamSup {
			t.Errorf("send did not assign: %s", mustJSON(john))
		}
		// The rejected template and the template without opt-in.
		expectError(t, s.Do("POST", "/v1/messages/send", `{"to": "+31612345678", "from": "whatsapp", "type": "text", "content": {"text": "x"},
			"template_uuid": "47aad5f9b4ca423c9d630f06ab93fe1f", "optin_contact": true}`), 422, "template_uuid")
		expectError(t, s.Do("POST", "/v1/messages/send", `{"to": "+31612345678", "from": "whatsapp", "type": "text", "content": {"text": "x"},
			"template_uuid": "d980fb66fd5043d3ace1aa06ba044342"}`), 422, "optin_contact")
		// Create the example contact: it exists already.
		r = s.Do("POST", "/v1/contacts", `{"source": "whatsapp", "identifier": "+31612345678", "name": "John Doe", "tags": ["sales", "lead"],
			"custom_fields": {"Address": "Oxford Street 123"}}`)
		if m := expectError(t, r, 409); m["uuid"] != johnDoe {
			t.Errorf("409 %s", r.Body)
		}
		// Update, funnel, note, close, bot.
		r = s.Do("PATCH", "/v1/contacts/414a6d692bd645ed803f2e7ce360d4c8", `{"name": "John Doe", "tags": ["sales", "hot"],
			"custom_fields": {"Billing Address": "Oxford Street 123", "Status": "Active", "Features": ["Dark Mode", "Notifications"]}}`)
		if c := obj(t, r, "contact"); mustJSON(c["tags"]) != `["sales","hot"]` || at(c, "customFields.Features") != `["Dark Mode", "Notifications"]` {
			t.Errorf("PATCH %s", r.Body)
		}
		expectStatus(t, s.Do("PUT", "/v1/contacts/414a6d692bd645ed803f2e7ce360d4c8/conversation/update_funnel", `{"funnel_id": "ff0f96b9-b003-4d0c-b14f-27f3f6868dd6"}`), 200)
		expectStatus(t, s.Do("POST", "/v1/contacts/414a6d692bd645ed803f2e7ce360d4c8/messages/update_funnel", `{"funnel_id": "8c51dfc8-667a-4f7f-9c83-ae065524483a"}`), 200)
		if at(s.Do("GET", "/v1/contacts/"+johnDoe, nil).JSON(t), "contact.funnelId") != funnelAct {
			t.Errorf("funnel not Action")
		}
		r = s.Do("POST", "/v1/contacts/414a6d692bd645ed803f2e7ce360d4c8/conversation/note", `{"text": "Please call back @jane.doe@email.com"}`)
		if expectStatus(t, r, 200); mustJSON(r.JSON(t)) != `{"success":true}` {
			t.Errorf("note %s", r.Body)
		}
		expectStatus(t, s.Do("POST", "/v1/contacts/414a6d692bd645ed803f2e7ce360d4c8/conversation/close", nil), 200)
		if b := obj(t, s.Do("POST", "/v1/contacts/414a6d692bd645ed803f2e7ce360d4c8/bot", `{"status": "bot_start"}`), "bot"); b["status"] != "started" || b["uuid"] != "f7155fc557b74597b429bd3dbb5ca677" {
			t.Errorf("bot %s", mustJSON(b))
		}
		// Users and statuses.
		r = s.Do("PUT", "/v1/users/414a6d692bd645ed803f2e7ce360d4c8/status", `{"available": true, "custom_status_uuid": "8dbd6f6c-ec09-4b87-a04e-bef1c2ca41db"}`)
		if at(r.JSON(t), "user_status.custom_status.name") != "Lunch" || at(r.JSON(t), "user_status.appearance.available") != true {
			t.Errorf("user status %s", r.Body)
		}
		expectStatus(t, s.Do("DELETE", "/v1/users/414a6d692bd645ed803f2e7ce360d4c8/status", nil), 204)
		r = s.Do("POST", "/v1/custom_statuses", `{"name": "On a break", "emoji": "☕"}`)
		if cs := obj(t, r, "customStatus"); cs["name"] != "On a break" || cs["emoji"] != "☕" || !isU36(cs["id"]) {
			t.Errorf("custom status %s", r.Body)
		}
		expectStatus(t, s.Do("PUT", "/v1/custom_statuses/25003aa2-d2b0-4089-852a-3e216e0a7495", `{"name": "In a meeting", "emoji": "📅"}`), 200)
		r = s.Do("DELETE", "/v1/custom_statuses/0d6041a2-8b88-49ec-a99b-a88a078a16c1", nil)
		if expectStatus(t, r, 200); mustJSON(r.JSON(t)) != `{"status":"custom status was destroyed"}` {
			t.Errorf("delete status %s", r.Body)
		}
		got := pluck(list(t, s.Do("GET", "/v1/teams/ad42a09715814e6483b1c5debd6a2dbc/members?status=available", nil), "users"), "email")
		if !slices.Equal(got, []string{"john.doe@email.com", "jane.doe@email.com"}) {
			t.Errorf("available members %v", got)
		}
		// Delete the example message; its status and the list follow.
		expectStatus(t, s.Do("DELETE", "/v1/messages/adf3d1216d4c4dcd908199d6700f2381", nil), 204)
		if st := at(s.Do("GET", "/v1/messages/status/adf3d1216d4c4dcd908199d6700f2381", nil).JSON(t), "message.status"); st != "deleted" {
			t.Errorf("status %v", st)
		}
		// A malformed example body.
		expectError(t, s.DoUnchecked("POST", "/v1/messages/send", `{"to": "+31612345678", "from": "whatsapp", "type": "text", "content": {"text": "Hello!"},}`), 400)
		// The example that names a contact that does not exist.
		expectError(t, s.Do("GET", "/v1/contacts/00000000000000000000000000000000", nil), 404)
	})
}
