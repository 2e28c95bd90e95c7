package apitest_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/openbell/openbell/internal/apitest"
)

func createPhone(t *testing.T, s *apitest.Server, identifier string) map[string]any {
	t.Helper()
	r := s.Do("POST", "/v1/contacts", map[string]any{"identifier": identifier, "source": "whatsapp", "name": "P " + identifier})
	if r.Status != 200 {
		t.Fatalf("create %q: %d %s", identifier, r.Status, r.Body)
	}
	return obj(t, r, "contact")
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestContractPhoneNumberForms: identifiers in the accepted forms (digits,
// optional +, spaces, dashes; 6 to 15 digits) are accepted and displayed as
// "+" and groups of digits separated by spaces, holding exactly the digits
// given; every form finds the contact again.
func TestContractPhoneNumberForms(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for identifier, want := range map[string]string{
			"+44 20 7946 0958":  "+44 20 7946 0958",
			"442079460959":      "+44 20 7946 0959",
			"+49-30-1234567":    "+49 30 1234567",
			"+33 6 12 34 56 78": "+33 6 12 34 56 78",
			" +61 2 1234 5678 ": "+61 2 1234 5678",
			"+999 123456":       "+999123456",
		} {
			c := createPhone(t, s, identifier)
			if c["phoneNumber"] != want {
				t.Errorf("%q: phoneNumber %v, want %s", identifier, c["phoneNumber"], want)
			}
			d := digitsOf(identifier)
			if p := fmt.Sprint(c["phoneNumber"]); strings.ReplaceAll(p, " ", "") != "+"+d {
				t.Errorf("%q: phoneNumber %q does not hold the digits %s", identifier, p, d)
			}
			for _, form := range []string{d, "+" + d, strings.ReplaceAll(want, " ", "-"), strings.ReplaceAll(want, " ", "%20")} {
				r := s.Do("GET", "/v1/contacts/phone/"+strings.ReplaceAll(form, "+", "%2B"), nil)
				if r.Status != 200 || at(r.JSON(t), "contact.uuid") != c["uuid"] {
					t.Errorf("lookup %q: %d %s", form, r.Status, r.Body)
				}
			}
			// The same digits in another form conflict on the same channel.
			r := s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+" + d, "source": "whatsapp", "name": "Dup"})
			if m := expectError(t, r, 409); m["uuid"] != c["uuid"] {
				t.Errorf("%q: 409 names %v", identifier, m["uuid"])
			}
		}
		// The bounds: 6 and 15 digits are plausible.
		for _, identifier := range []string{"+999 123", "+999 123 456 789 012"} {
			if d := digitsOf(identifier); len(d) != 6 && len(d) != 15 {
				t.Fatalf("bad fixture %s", identifier)
			}
			c := createPhone(t, s, identifier)
			if p := fmt.Sprint(c["phoneNumber"]); strings.ReplaceAll(p, " ", "") != "+"+digitsOf(identifier) {
				t.Errorf("%q: phoneNumber %q", identifier, p)
			}
		}
		// Not phone numbers.
		for _, identifier := range []string{"", "   ", "+", "----", "+31 6 1234 567x", "31 6 12345678 ext 5", "٣١٦١٢٣٤٥٦٧٨", "12 345"} {
			r := s.Do("POST", "/v1/contacts", map[string]any{"identifier": identifier, "source": "whatsapp", "name": "Bad"})
			if r.Status != 422 {
				t.Errorf("%q: %d %s, want 422", identifier, r.Status, r.Body)
				continue
			}
			expectError(t, r, 422, "identifier")
		}
	})
}

// TestContractPhoneDisplayUsesSpaces: the display form is "+" and digits
// with spaces, also for numbers whose national format uses dashes (North
// America, Russia).
func TestContractPhoneDisplayUsesSpaces(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for identifier, want := range map[string]string{
			"+1 415 555 0100":   "+1 415 555 0100",
			"+1 (212) 555-0123": "+1 212 555 0123",
			"+7 495 123 45 67":  "+7 495 123 45 67",
		} {
			if c := createPhone(t, s, identifier); c["phoneNumber"] != want {
				t.Errorf("%q: phoneNumber %v, want %s", identifier, c["phoneNumber"], want)
			}
		}
	})
}

// TestContractPhoneDisplayUnformattable: a number that cannot be formatted
// is displayed as "+" and the bare digits, not half-formatted.
func TestContractPhoneDisplayUnformattable(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for identifier, want := range map[string]string{
			"+57 90 372024": "+5790372024",
			"123456":        "+123456",
		} {
			if c := createPhone(t, s, identifier); c["phoneNumber"] != want {
				t.Errorf("%q: phoneNumber %v, want %s", identifier, c["phoneNumber"], want)
			}
		}
	})
}

// TestContractPhoneChannels: the same digits on another channel are another
// contact; the phone lookup uses the main WhatsApp channel unless
// channel_uuid narrows it; a telegram identifier that looks like a number is
// no phone number.
func TestContractPhoneChannels(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+31 6 12345678", "source": "whatsapp", "name": "Second line John",
			"channel_uuid": strings.ToUpper(waLine3)})
		other := obj(t, r, "contact")
		if other["uuid"] == johnDoe || at(other, "channel.uuid") != waLine3 || other["phoneNumber"] != "+31 6 12345678" {
			t.Errorf("contact on the second line %s", mustJSON(other))
		}
		if id := at(s.Do("GET", "/v1/contacts/phone/31612345678", nil).JSON(t), "contact.uuid"); id != johnDoe {
			t.Errorf("lookup without channel found %v", id)
		}
		if id := at(s.Do("GET", "/v1/contacts/phone/+31612345678?channel_uuid="+dashedUpper(waLine3), nil).JSON(t), "contact.uuid"); id != other["uuid"] {
			t.Errorf("lookup on the second line found %v", id)
		}
		if id := at(s.Do("GET", "/v1/contacts/phone/31612345678?channel_uuid="+dashedUpper(waMain), nil).JSON(t), "contact.uuid"); id != johnDoe {
			t.Errorf("lookup on the main line found %v", id)
		}
		// The second contact conflicts on its own channel only.
		m := expectError(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "31 6 12345678", "source": "whatsapp", "name": "x", "channel_uuid": waLine3}), 409)
		if m["uuid"] != other["uuid"] {
			t.Errorf("409 names %v", m["uuid"])
		}
		tg := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "31612345678", "source": "telegram", "name": "Tg digits"}), "contact")
		if tg["phoneNumber"] != nil || tg["source"] != "telegram" {
			t.Errorf("telegram contact %s", mustJSON(tg))
		}
		if id := at(s.Do("GET", "/v1/contacts/phone/31612345678", nil).JSON(t), "contact.uuid"); id != johnDoe {
			t.Errorf("lookup found %v after a telegram contact with the same digits", id)
		}
		// Sends in any common form reach John, creating nobody.
		count := len(list(t, s.Do("GET", "/v1/contacts", nil), "contacts"))
		for _, to := range []string{"+31 6 1234 5678", "31-6-12345678", "+31612345678", " 31 6 12 34 56 78"} {
			r := s.Do("POST", "/v1/messages/send", map[string]any{"to": to, "from": "whatsapp", "content": map[string]any{"text": "x"}, "fields": "contact"})
			if r.Status != 200 || at(r.JSON(t), "message.contact.uuid") != johnDoe {
				t.Errorf("send to %q: %d %s", to, r.Status, r.Body)
			}
		}
		if n := len(list(t, s.Do("GET", "/v1/contacts", nil), "contacts")); n != count {
			t.Errorf("sends created %d contacts", n-count)
		}
	}, withThirdLine)
}

// TestContractTagEdges: tags keep the order they were set in and the
// account's spelling; filters match any case, by name with spaces, and need
// all tags.
func TestContractTagEdges(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		c := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+49 30 5556666", "source": "whatsapp", "name": "Tagged",
			"tags": []string{"usa", "interested", "CALL BACK", "Hot"}}), "contact")
		if got := mustJSON(c["tags"]); got != `["USA","Interested","Call back","hot"]` {
			t.Errorf("tags %s", got)
		}
		id := c["uuid"].(string)
		if got := mustJSON(at(s.Do("GET", "/v1/contacts/"+id, nil).JSON(t), "contact.tags")); got != `["USA","Interested","Call back","hot"]` {
			t.Errorf("GET tags %s", got)
		}
		c = obj(t, s.Do("PATCH", "/v1/contacts/"+id, map[string]any{"tags": []string{"sales", "call back"}}), "contact")
		if got := mustJSON(c["tags"]); got != `["sales","Call back"]` {
			t.Errorf("patched tags %s", got)
		}
		// A PATCH without tags keeps them; the same tags in another case are no change.
		n := len(s.Events(""))
		c = obj(t, s.Do("PATCH", "/v1/contacts/"+id, map[string]any{"tags": []string{"SALES", "Call Back"}}), "contact")
		if got := mustJSON(c["tags"]); got != `["sales","Call back"]` {
			t.Errorf("re-cased tags %s", got)
		}
		if len(s.Events("")) != n {
			t.Errorf("re-casing the same tags fired %v", names(s.Events("")[n:]))
		}
		for q, want := range map[string][]string{
			"tags=call%20back":                      {id},
			"tags[]=CALL%20BACK&tags[]=Sales":       {id},
			"tags=Call%20back,sales,lead":           {},
			"tags=sales,lead":                       {marioRossi, johnDoe},
			"tags[]=hot":                            {marioRossi},
			"tags=call%20back&source=telegram":      {},
			"tags=call%20back&team_uuid=" + teamSup: {},
		} {
			got := pluck(list(t, s.Do("GET", "/v1/contacts?"+q, nil), "contacts"), "uuid")
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("%s: %v, want %v", q, got, want)
			}
		}
		// Unknown tags, each named; "" is no tag of the account.
		m := expectError(t, s.Do("PATCH", "/v1/contacts/"+id, map[string]any{"tags": []string{"sales", "Gold", ""}}), 422, "tags")
		if list := at(m, "errors.tags").([]any); len(list) != 2 || !strings.Contains(fmt.Sprint(list[0]), "Gold") {
			t.Errorf("tag errors %v", list)
		}
		if got := mustJSON(at(s.Do("GET", "/v1/contacts/"+id, nil).JSON(t), "contact.tags")); got != `["sales","Call back"]` {
			t.Errorf("a refused PATCH changed tags to %s", got)
		}
	})
}

// TestContractTextIsCountedInCharacters: name is stored byte for byte; note
// (1000) and conversation notes (4096) are limited in characters, not bytes.
func TestContractTextIsCountedInCharacters(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		name := " Zoe\u0301 \t😀\u200b "
		c := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+49 30 5557777", "source": "whatsapp", "name": name,
			"note": strings.Repeat("é", 1000)}), "contact")
		id := c["uuid"].(string)
		if c["name"] != name || c["note"] != strings.Repeat("é", 1000) {
			t.Errorf("created %q / note of %d bytes", c["name"], len(fmt.Sprint(c["note"])))
		}
		for i, x := range list(t, s.Do("GET", "/v1/contacts", nil), "contacts") {
			if x["uuid"] == id && x["name"] != name {
				t.Errorf("list[%d] name %q", i, x["name"])
			}
		}
		evs := eventsOf(t, s, "", 0, "contact_created")
		if len(evs) == 0 || evs[len(evs)-1]["name"] != name {
			t.Errorf("contact_created name changed")
		}
		expectError(t, s.Do("PATCH", "/v1/contacts/"+id, map[string]any{"note": strings.Repeat("é", 1001)}), 422, "note")
		c = obj(t, s.Do("PATCH", "/v1/contacts/"+id, map[string]any{"note": strings.Repeat("😀", 1000)}), "contact")
		if c["note"] != strings.Repeat("😀", 1000) {
			t.Errorf("1000 emoji note not stored")
		}
		expectStatus(t, s.Do("POST", "/v1/contacts/"+id+"/conversation/note", map[string]any{"text": strings.Repeat("ü", 4096)}), 200)
		expectError(t, s.DoUnchecked("POST", "/v1/contacts/"+id+"/conversation/note", map[string]any{"text": strings.Repeat("ü", 4097)}), 422, "text")
		msgs := list(t, s.Do("GET", "/v1/contacts/"+id+"/messages", nil), "messages")
		if len(msgs) != 1 || msgs[0]["text"] != strings.Repeat("ü", 4096) {
			t.Errorf("notes %d", len(msgs))
		}
	})
}

// TestContractCustomFieldValues: the typed checks of custom field values.
func TestContractCustomFieldValues(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		ok := map[string]any{
			"orderNumber": -3, "Join Date": "2024-02-29", "Work Email": "first.last@sub.example.com", "Status": "Inactive",
			"Features": []string{"Notifications", "Dark Mode"}, "Stripe link": "https://buy.stripe.com/x", "VAT": "",
		}
		c := obj(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"custom_fields": ok}), "contact")
		want := map[string]string{"orderNumber": "-3", "Join Date": "2024-02-29", "Work Email": "first.last@sub.example.com", "Status": "Inactive",
			"Features": `["Notifications", "Dark Mode"]`, "Stripe link": "https://buy.stripe.com/x", "Address": "Oxford Street 123"}
		if mustJSON(c["customFields"]) != mustJSON(want) {
			t.Errorf("customFields %s, want %s", mustJSON(c["customFields"]), mustJSON(want))
		}
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"custom_fields": map[string]any{"orderNumber": "0.25"}}), 200)
		if v := at(s.Do("GET", "/v1/contacts/"+johnDoe, nil).JSON(t), "contact.customFields.orderNumber"); v != "0.25" {
			t.Errorf("number string %v", v)
		}
		for name, v := range map[string]any{
			"Join Date": "2023-02-29", "Birth Date": "2024-13-01", "orderNumber": "twelve", "Work Email": "john@", "Status": "active!",
			"Preferences": []string{"Newsletter", "Dark Mode"},
		} {
			r := s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"custom_fields": map[string]any{name: v, "Address": "changed"}})
			m := expectError(t, r, 422, "custom_fields")
			if !strings.Contains(mustJSON(at(m, "errors.custom_fields")), name) {
				t.Errorf("%s: errors %s do not name the field", name, mustJSON(m["errors"]))
			}
		}
		if v := at(s.Do("GET", "/v1/contacts/"+johnDoe, nil).JSON(t), "contact.customFields.Address"); v != "Oxford Street 123" {
			t.Errorf("a refused PATCH changed Address to %v", v)
		}
	})
}

// TestContractIdFormsEverywhere: ids in bodies and queries are accepted in
// both forms and any case; answers use each type's canonical form.
func TestContractIdFormsEverywhere(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		c := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+49 30 5558888", "source": "whatsapp", "name": "Ids",
			"team_uuid": strings.ToUpper(teamSup), "channel_uuid": dashedUpper(waMain)}), "contact")
		if at(c, "team.uuid") != teamSup || at(c, "channel.uuid") != waMain {
			t.Errorf("created %s", mustJSON(c))
		}
		id := c["uuid"].(string)
		got := pluck(list(t, s.Do("GET", "/v1/contacts?team_uuid="+dashedUpper(teamSup), nil), "contacts"), "uuid")
		if !slices.Equal(got, []string{id, janeRoe}) {
			t.Errorf("team filter %v", got)
		}
		c = obj(t, s.Do("PATCH", "/v1/contacts/"+id, map[string]any{"team_uuid": dashedUpper(teamGen)}), "contact")
		if at(c, "team.uuid") != teamGen {
			t.Errorf("patched team %v", at(c, "team.uuid"))
		}
		r := s.Do("POST", "/v1/messages/send", map[string]any{"to": "+49 30 5558888", "channel_uuid": strings.ToUpper(waMain),
			"template_uuid": dashedUpper(welcome), "optin_contact": true, "template_values": []string{"Ids"}, "fields": "contact"})
		if r.Status != 200 || at(r.JSON(t), "message.contact.uuid") != id {
			t.Errorf("send %d %s", r.Status, r.Body)
		}
		msgs := list(t, s.Do("GET", "/v1/contacts/"+dashedUpper(id)+"/messages", nil), "messages")
		if len(msgs) != 1 || msgs[0]["text"] != "Hello Ids, this is a template message example" || !isU32(msgs[0]["uuid"]) {
			t.Errorf("messages %s", mustJSON(msgs))
		}
		expectStatus(t, s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "4930555888", "text": "x", "channel_uuid": dashedUpper(waMain)}), 200)
	})
}

// TestContractDeleteContactIsIrreversible: a deleted contact's conversation
// and messages are gone with it; the number starts afresh.
func TestContractDeleteContactIsIrreversible(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		old := obj(t, s.Do("GET", "/v1/contacts/"+johnDoe, nil), "contact")
		msgs := list(t, s.Do("GET", "/v1/contacts/"+johnDoe+"/messages", nil), "messages")
		wamid := fmt.Sprint(msgs[1]["uuid"])
		expectStatus(t, s.Do("DELETE", "/v1/contacts/"+johnDoe, nil), 200)
		for _, req := range [][2]string{
			{"GET", "/v1/contacts/" + johnDoe}, {"GET", "/v1/contacts/phone/31612345678"}, {"GET", "/v1/contacts/bsuid/bsuid_abc123"},
			{"GET", "/v1/contacts/" + johnDoe + "/bot"}, {"POST", "/v1/contacts/" + johnDoe + "/conversation/open"},
			{"GET", "/v1/messages/status/adf3d1216d4c4dcd908199d6700f2381"}, {"DELETE", "/v1/messages/adf3d1216d4c4dcd908199d6700f2381"},
			{"DELETE", "/v1/messages/" + wamid},
		} {
			expectError(t, s.Do(req[0], req[1], nil), 404)
		}
		n := obj(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "31612345678", "source": "whatsapp", "name": "John again"}), "contact")
		if n["uuid"] == johnDoe || n["conversationHref"] == old["conversationHref"] || mustJSON(n["tags"]) != "[]" || mustJSON(n["customFields"]) != "{}" {
			t.Errorf("new contact inherits the old one: %s", mustJSON(n))
		}
		if _, ok := n["bsuid"]; ok {
			t.Errorf("new contact inherits the bsuid")
		}
		if got := list(t, s.Do("GET", "/v1/contacts/"+n["uuid"].(string)+"/messages", nil), "messages"); len(got) != 0 {
			t.Errorf("new contact lists old messages %s", mustJSON(got))
		}
		// The old inbound message no longer opens the window.
		expectError(t, s.Do("POST", "/v1/messages/send", map[string]any{"to": "31612345678", "from": "whatsapp", "content": map[string]any{"text": "x"}}), 422, "template_uuid")
	})
}

// TestContractConversationNoOps: opening an open conversation and closing a
// closed one write no message; the funnel set to its stage again fires
// nothing.
func TestContractConversationNoOps(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		count := func() int { return len(list(t, s.Do("GET", "/v1/contacts/"+marioRossi+"/messages", nil), "messages")) }
		before := count()
		expectStatus(t, s.Do("POST", "/v1/contacts/"+marioRossi+"/conversation/open", nil), 200)
		if count() != before {
			t.Errorf("opening an open conversation wrote a message")
		}
		expectStatus(t, s.Do("POST", "/v1/contacts/"+marioRossi+"/conversation/close", nil), 200)
		closed := obj(t, s.Do("GET", "/v1/contacts/"+marioRossi, nil), "contact")
		// The list shows the closed conversation too.
		for _, c := range list(t, s.Do("GET", "/v1/contacts", nil), "contacts") {
			if c["uuid"] == marioRossi && c["closedAt"] != closed["closedAt"] {
				t.Errorf("list closedAt %v, GET %v", c["closedAt"], closed["closedAt"])
			}
		}
		mid := count()
		n := len(s.Events(""))
		r := s.Do("POST", "/v1/contacts/"+marioRossi+"/conversation/close", map[string]any{"closing_reason": "again"})
		if mustJSON(obj(t, r, "contact")) != mustJSON(closed) || count() != mid || len(s.Events("")) != n {
			t.Errorf("closing a closed conversation changed something")
		}
		expectStatus(t, s.Do("PUT", "/v1/contacts/"+marioRossi+"/conversation/update_funnel", map[string]any{"funnel_id": funnelAw}), 200)
		n = len(s.Events(""))
		expectStatus(t, s.Do("PUT", "/v1/contacts/"+marioRossi+"/conversation/update_funnel", map[string]any{"funnel_id": strings.ToUpper(funnelAw)}), 200)
		expectStatus(t, s.Do("POST", "/v1/contacts/"+janeRoe+"/messages/update_funnel", map[string]any{"funnel_id": nil}), 200)
		if len(s.Events("")) != n {
			t.Errorf("unchanged funnels fired %v", names(s.Events("")[n:]))
		}
	})
}

// TestContractWindowBoundary: the 24-hour window counts from the customer's
// last inbound message: open just before 24 hours, closed at 24 hours;
// templates and non-WhatsApp channels are not subject to it.
func TestContractWindowBoundary(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		openWindow(t, s, "", "4915199990000")
		text := map[string]any{"to": "4915199990000", "from": "whatsapp", "content": map[string]any{"text": "x"}}
		expectStatus(t, s.Do("POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": 24*3600 - 30}), 200)
		expectStatus(t, s.Do("POST", "/v1/messages/send", text), 200)
		expectStatus(t, s.Do("POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": 31}), 200)
		expectError(t, s.Do("POST", "/v1/messages/send", text), 422, "template_uuid")
		// A contact that never wrote has no window.
		expectStatus(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+49 151 9999 1111", "source": "whatsapp", "name": "Silent"}), 200)
		expectError(t, s.Do("POST", "/v1/messages/send", merged(text, "to", "+49 151 9999 1111")), 422, "template_uuid")
		// A template goes, and does not open the window.
		expectStatus(t, s.Do("POST", "/v1/messages/send", merged(text, "template_uuid", welcome, "optin_contact", true)), 200)
		expectError(t, s.Do("POST", "/v1/messages/send", text), 422, "template_uuid")
		// The customer writes again: the window reopens.
		openWindow(t, s, "", "4915199990000")
		expectStatus(t, s.Do("POST", "/v1/messages/send", text), 200)
		// Telegram has no window.
		expectStatus(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "tg_silent", "source": "telegram", "name": "Tg"}), 200)
		expectStatus(t, s.Do("POST", "/v1/messages/send", map[string]any{"to": "tg_silent", "from": "telegram", "content": map[string]any{"text": "x"}}), 200)
	})
}
