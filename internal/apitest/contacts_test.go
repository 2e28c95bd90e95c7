package apitest_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/openbell/openbell/internal/apitest"
)

func TestGetContactShape(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for _, id := range []string{johnDoe, strings.ToUpper(johnDoe), "414a6d69-2bd6-45ed-803f-2e7ce360d4c8"} {
			r := s.Do("GET", "/v1/contacts/"+id, nil)
			expectStatus(t, r, 200)
			c := at(r.JSON(t), "contact").(map[string]any)
			for _, key := range []string{"uuid", "name", "phoneNumber", "avatarUrl", "blockedAt", "createdAt", "source",
				"funnelId", "closedAt", "href", "conversationHref", "tags", "assignedUser", "customFields", "team", "channel", "note"} {
				if _, ok := c[key]; !ok {
					t.Errorf("key %s missing", key)
				}
			}
			if _, ok := c["customFieldsMetadata"]; ok {
				t.Errorf("customFieldsMetadata present without include_field_types")
			}
			if c["uuid"] != johnDoe || c["name"] != "John Doe" || c["phoneNumber"] != "+31 6 12345678" || c["source"] != "whatsapp" ||
				c["bsuid"] != "bsuid_abc123" || !reT1.MatchString(c["createdAt"].(string)) || c["closedAt"] != nil {
				t.Errorf("contact %v", c)
			}
			if c["href"] != s.URL+"/contacts/"+johnDoe || !strings.HasPrefix(c["conversationHref"].(string), s.URL+"/chat/") {
				t.Errorf("hrefs %v %v", c["href"], c["conversationHref"])
			}
			if mustJSON(c["tags"]) != `["sales","lead"]` || at(c, "customFields.Address") != "Oxford Street 123" {
				t.Errorf("tags/fields %v %v", c["tags"], c["customFields"])
			}
			if at(c, "channel.uuid") != waMain || at(c, "channel.main") != true || at(c, "channel.type") != "whatsapp" {
				t.Errorf("channel %v", c["channel"])
			}
		}
		// Jane Roe is in team Support.
		c := at(s.Do("GET", "/v1/contacts/"+janeRoe, nil).JSON(t), "contact").(map[string]any)
		if at(c, "team.uuid") != teamSup || at(c, "team.name") != "Support" || !reT1.MatchString(at(c, "team.createdAt").(string)) {
			t.Errorf("team %v", c["team"])
		}
		if _, ok := c["bsuid"]; ok {
			t.Errorf("bsuid present on a contact without one")
		}
		// Mario is assigned to John Doe.
		c = at(s.Do("GET", "/v1/contacts/"+marioRossi, nil).JSON(t), "contact").(map[string]any)
		if c["assignedUser"] != "john.doe@email.com" || c["phoneNumber"] != "+33 1 12 23 34 45" {
			t.Errorf("assignedUser %v phone %v", c["assignedUser"], c["phoneNumber"])
		}
		expectError(t, s.Do("GET", "/v1/contacts/ffffffffffffffffffffffffffffffff", nil), 404)
	})
}

func TestIncludeFieldTypes(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"custom_fields": map[string]any{
			"Features": []string{"Dark Mode", "Analytics"}, "Status": "Active", "orderNumber": 42,
		}})
		expectStatus(t, r, 200)
		c := at(r.JSON(t), "contact").(map[string]any)
		if at(c, "customFields.Features") != `["Dark Mode", "Analytics"]` || at(c, "customFields.orderNumber") != "42" {
			t.Errorf("customFields %v", c["customFields"])
		}
		r = s.Do("GET", "/v1/contacts/"+johnDoe+"?include_field_types=true", nil)
		expectStatus(t, r, 200)
		md := at(r.JSON(t), "contact.customFieldsMetadata").(map[string]any)
		if mustJSON(md["Features"]) != `{"options":["Dark Mode","Notifications","Analytics"],"type":"checkbox","value":["Dark Mode","Analytics"]}` {
			t.Errorf("Features %s", mustJSON(md["Features"]))
		}
		if mustJSON(md["Address"]) != `{"type":"text","value":"Oxford Street 123"}` {
			t.Errorf("Address %s", mustJSON(md["Address"]))
		}
		if mustJSON(md["Status"]) != `{"options":["Active","Inactive"],"type":"dropdown","value":"Active"}` {
			t.Errorf("Status %s", mustJSON(md["Status"]))
		}
		expectError(t, s.DoUnchecked("GET", "/v1/contacts/"+johnDoe+"?include_field_types=maybe", nil), 400)
	})
}

func TestContactByPhoneAndBSUID(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for _, number := range []string{"31612345678", "+31612345678", "+31%206%2012345678", "31-6-1234-5678", "%2B31%206%2012345678"} {
			r := s.Do("GET", "/v1/contacts/phone/"+number, nil)
			expectStatus(t, r, 200)
			if at(r.JSON(t), "contact.uuid") != johnDoe {
				t.Errorf("%s: %s", number, r.Body)
			}
		}
		expectStatus(t, s.Do("GET", "/v1/contacts/phone/31612345678?channel_uuid="+waMain, nil), 200)
		expectError(t, s.Do("GET", "/v1/contacts/phone/31612345678?channel_uuid="+tgMain, nil), 404)
		expectError(t, s.Do("GET", "/v1/contacts/phone/999999999", nil), 404)
		r := s.Do("GET", "/v1/contacts/bsuid/bsuid_abc123", nil)
		expectStatus(t, r, 200)
		if at(r.JSON(t), "contact.uuid") != johnDoe {
			t.Errorf("bsuid: %s", r.Body)
		}
		expectError(t, s.Do("GET", "/v1/contacts/bsuid/nope", nil), 404)
		// Another account's number is not found.
		expectError(t, s.Do("GET", "/v1/contacts/phone/447700900123", nil), 404)
	}, withOther)
}

func TestCreateContact(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		before := len(s.Events(""))
		r := s.Do("POST", "/v1/contacts", map[string]any{
			"identifier": "+57 319 275-4701", "source": "whatsapp", "name": "  Ana Gómez ",
			"tags": []string{"LEAD", "call back"}, "custom_fields": map[string]any{"Work Email": "ana@example.com", "Birth Date": "1990-02-28"},
			"assigned_user": "jane.doe@email.com", "team_uuid": "47aad5f9-b4ca-423c-9d63-0f06ab93fe1f", "note": "VIP",
		})
		expectStatus(t, r, 200)
		c := at(r.JSON(t), "contact").(map[string]any)
		if c["name"] != "  Ana Gómez " || c["phoneNumber"] != "+57 319 2754701" || mustJSON(c["tags"]) != `["lead","Call back"]` ||
			c["assignedUser"] != "jane.doe@email.com" || at(c, "team.uuid") != teamSup || c["note"] != "VIP" ||
			at(c, "channel.uuid") != waMain || c["closedAt"] != nil || at(c, "customFields.Birth Date") != "1990-02-28" {
			t.Errorf("contact %v", c)
		}
		id := c["uuid"].(string)
		if len(id) != 32 {
			t.Errorf("uuid %q", id)
		}
		evs := s.Events("")[before:]
		if len(evs) != 2 || evs[0].Name != "contact_created" || evs[1].Name != "conversation_opened" {
			t.Fatalf("events %v", names(evs))
		}
		var p map[string]any
		_ = json.Unmarshal(evs[0].Payload, &p)
		if p["uuid"] != id || p["name"] != "  Ana Gómez " {
			t.Errorf("payload %v", p)
		}
		// Same number on the same channel: 409 naming the contact.
		r = s.Do("POST", "/v1/contacts", map[string]any{"identifier": "573192754701", "source": "whatsapp", "name": "Again"})
		m := expectError(t, r, 409)
		if m["uuid"] != id {
			t.Errorf("409 uuid %v, want %s", m["uuid"], id)
		}
		if len(s.Events("")) != before+2 {
			t.Errorf("failed create fired an event")
		}
		// A telegram contact has no phone number.
		r = s.Do("POST", "/v1/contacts", map[string]any{"identifier": "ana_tg", "source": "telegram", "name": "Ana"})
		expectStatus(t, r, 200)
		if c := at(r.JSON(t), "contact").(map[string]any); c["phoneNumber"] != nil || c["source"] != "telegram" || at(c, "channel.uuid") != tgMain {
			t.Errorf("telegram contact %v", c)
		}
	})
}

func TestCreateContactValidation(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		ok := map[string]any{"identifier": "+1 415 555 0100", "source": "whatsapp", "name": "X"}
		with := func(kv ...any) map[string]any { return merged(ok, kv...) }
		cases := []struct {
			name   string
			body   any
			status int
			fields []string
		}{
			{"missing identifier", with("identifier", nil), 422, []string{"identifier"}},
			{"missing name", with("name", nil), 422, []string{"name"}},
			{"blank name", with("name", "   "), 422, []string{"name"}},
			{"missing source", with("source", nil), 422, []string{"source"}},
			{"unknown source", with("source", "sms"), 422, []string{"source"}},
			{"bad phone", with("identifier", "call me"), 422, []string{"identifier"}},
			{"short phone", with("identifier", "12345"), 422, []string{"identifier"}},
			{"long phone", with("identifier", "1234567890123456"), 422, []string{"identifier"}},
			{"unknown tags", with("tags", []string{"VIP", "lead", "Gold"}), 422, []string{"tags"}},
			{"unknown field", with("custom_fields", map[string]any{"Shoe size": "42"}), 422, []string{"custom_fields"}},
			{"bad email", with("custom_fields", map[string]any{"Work Email": "not-an-email"}), 422, []string{"custom_fields"}},
			{"bad date", with("custom_fields", map[string]any{"Birth Date": "2023-02-30"}), 422, []string{"custom_fields"}},
			{"bad date form", with("custom_fields", map[string]any{"Join Date": "01/02/2023"}), 422, []string{"custom_fields"}},
			{"bad number", with("custom_fields", map[string]any{"orderNumber": "12a"}), 422, []string{"custom_fields"}},
			{"bad dropdown", with("custom_fields", map[string]any{"Status": "Dormant"}), 422, []string{"custom_fields"}},
			{"bad checkbox", with("custom_fields", map[string]any{"Features": []string{"Dark Mode", "Turbo"}}), 422, []string{"custom_fields"}},
			{"checkbox not array", with("custom_fields", map[string]any{"Features": "Dark Mode"}), 422, []string{"custom_fields"}},
			{"unknown user", with("assigned_user", "nobody@email.com"), 422, []string{"assigned_user"}},
			{"unknown team", with("team_uuid", "00000000000000000000000000000000"), 422, []string{"team_uuid"}},
			{"channel of other type", with("channel_uuid", tgMain), 422, []string{"channel_uuid"}},
			{"unknown channel", with("channel_uuid", "00000000000000000000000000000001"), 422, []string{"channel_uuid"}},
			{"bad bot status", with("bot_status", "maybe"), 422, []string{"bot_status"}},
			{"long note", with("note", strings.Repeat("n", 1001)), 422, []string{"note"}},
			{"name not string", with("name", 5), 400, []string{"name"}},
			{"tags not array", with("tags", "lead"), 400, []string{"tags"}},
			{"tag not string", with("tags", []any{"lead", 3}), 400, []string{"tags"}},
			{"fields not object", with("custom_fields", []string{"a"}), 400, []string{"custom_fields"}},
			{"malformed", `{"name": "x",`, 400, nil},
			{"array body", `[]`, 400, nil},
			{"trailing data", `{"name":"x"} {}`, 400, nil},
		}
		before := len(s.Events(""))
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				expectError(t, s.DoUnchecked("POST", "/v1/contacts", c.body), c.status, c.fields...)
			})
		}
		if len(s.Events("")) != before {
			t.Errorf("rejected creates fired events")
		}
		// Each unknown tag is named.
		m := s.Do("POST", "/v1/contacts", with("tags", []string{"VIP", "Gold"})).JSON(t)
		if got := mustJSON(at(m, "errors.tags")); got != `["unknown tag: VIP","unknown tag: Gold"]` {
			t.Errorf("tags errors %s", got)
		}
		// Nothing was created by the rejected requests.
		list := s.Do("GET", "/v1/contacts", nil).JSON(t)
		if n := len(at(list, "contacts").([]any)); n != 3 {
			t.Errorf("%d contacts after rejected creates, want the demo's 3", n)
		}
		// The bot status works with the demo's enabled bot.
		expectStatus(t, s.Do("POST", "/v1/contacts", with("bot_status", "bot_start")), 200)
	})
}

func TestUpdateContact(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		before := len(s.Events(""))
		r := s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{
			"name": "Johnny", "tags": []string{"hot"}, "custom_fields": map[string]any{"zipCode": "10115"},
			"assigned_user": "jane.doe@email.com", "team_uuid": teamGen, "note": "likes tea",
		})
		expectStatus(t, r, 200)
		c := at(r.JSON(t), "contact").(map[string]any)
		if c["name"] != "Johnny" || mustJSON(c["tags"]) != `["hot"]` || at(c, "customFields.Address") != "Oxford Street 123" ||
			at(c, "customFields.zipCode") != "10115" || c["assignedUser"] != "jane.doe@email.com" || at(c, "team.uuid") != teamGen || c["note"] != "likes tea" {
			t.Errorf("after patch %v", c)
		}
		// Clearing: tags [], a field with "" and another with null, unassign, note "".
		r = s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{
			"tags": []string{}, "custom_fields": map[string]any{"zipCode": "", "Address": nil}, "unassign_user": true, "note": "",
		})
		expectStatus(t, r, 200)
		c = at(r.JSON(t), "contact").(map[string]any)
		if mustJSON(c["tags"]) != `[]` || mustJSON(c["customFields"]) != `{}` || c["assignedUser"] != nil || c["note"] != nil || c["name"] != "Johnny" {
			t.Errorf("after clearing %v", c)
		}
		// An absent note is left alone.
		s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"note": "keep"})
		c = at(s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": "Johnny B"}).JSON(t), "contact").(map[string]any)
		if c["note"] != "keep" {
			t.Errorf("absent note changed it: %v", c["note"])
		}
		evs := s.Events("")[before:]
		if fmt.Sprint(names(evs)) != "[contact_updated contact_updated contact_updated contact_updated]" {
			t.Errorf("events %v", names(evs))
		}
		// A patch that changes nothing fires nothing.
		n := len(s.Events(""))
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": "Johnny B", "tags": []string{}}), 200)
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{}), 200)
		if len(s.Events("")) != n {
			t.Errorf("no-op patch fired an event")
		}
		// Validation is all or nothing.
		r = s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": "Changed", "tags": []string{"nope"}})
		expectError(t, r, 422, "tags")
		if at(s.Do("GET", "/v1/contacts/"+johnDoe, nil).JSON(t), "contact.name") != "Johnny B" {
			t.Errorf("rejected patch changed the name")
		}
		expectError(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": ""}), 422, "name")
		expectError(t, s.DoUnchecked("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"unassign_user": "yes"}), 400, "unassign_user")
		expectError(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"custom_fields": map[string]any{"Status": "Nope"}}), 422, "custom_fields")
		expectError(t, s.Do("PATCH", "/v1/contacts/00000000000000000000000000000000", map[string]any{"name": "x"}), 404)
	})
}

func TestDeleteContact(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("DELETE", "/v1/contacts/"+johnDoe, nil)
		expectStatus(t, r, 200)
		if mustJSON(r.JSON(t)) != `{"status":"contact was destroyed"}` {
			t.Errorf("body %s", r.Body)
		}
		expectError(t, s.Do("GET", "/v1/contacts/"+johnDoe, nil), 404)
		expectError(t, s.Do("GET", "/v1/contacts/"+johnDoe+"/messages", nil), 404)
		expectError(t, s.Do("DELETE", "/v1/contacts/"+johnDoe, nil), 404)
		evs := s.Events("")
		last := evs[len(evs)-1]
		var p map[string]any
		_ = json.Unmarshal(last.Payload, &p)
		if last.Name != "contact_deleted" || p["uuid"] != johnDoe || !reT3.MatchString(fmt.Sprint(p["deleted"])) || len(p) != 2 {
			t.Errorf("event %s %v", last.Name, p)
		}
		// The number can be used again.
		expectStatus(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+31 6 12345678", "source": "whatsapp", "name": "New John"}), 200)
		// Tag counts follow: only Mario carries "sales" now, plus nobody new.
		m := s.Do("GET", "/v1/contacts?tags=sales", nil).JSON(t)
		if n := len(at(m, "contacts").([]any)); n != 1 {
			t.Errorf("%d contacts tagged sales", n)
		}
	})
}
