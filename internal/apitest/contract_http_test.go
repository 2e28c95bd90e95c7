package apitest_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/app"
	"github.com/openbell/openbell/internal/store/storetest"
)

const missing32 = "0123456789abcdef0123456789abcdef"

// TestContractForeignIdsAnswerLikeMissing points the demo token at the far
// account's objects on every path that takes an id, in both id forms: each
// answers exactly what a missing id answers (404, same body), and nothing of
// the far account changes.
func TestContractForeignIdsAnswerLikeMissing(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		farBefore := len(s.Events(farToken))
		demoBefore := len(s.Events(""))
		type route struct {
			method, path  string // %s is the id
			foreign, miss string
			body          any
		}
		routes := []route{
			{"GET", "/v1/contacts/%s", farContact, missing32, nil},
			{"PATCH", "/v1/contacts/%s", farContact, missing32, map[string]any{"name": "stolen"}},
			{"GET", "/v1/contacts/%s/messages", farContact, missing32, nil},
			{"GET", "/v1/contacts/%s/messages?page=2", farContact, missing32, nil},
			{"POST", "/v1/contacts/%s/conversation/close", farContact, missing32, nil},
			{"POST", "/v1/contacts/%s/conversation/open", farContact, missing32, nil},
			{"POST", "/v1/contacts/%s/conversation/note", farContact, missing32, map[string]any{"text": "stolen"}},
			{"PUT", "/v1/contacts/%s/conversation/update_funnel", farContact, missing32, map[string]any{"funnel_id": funnelAw}},
			{"POST", "/v1/contacts/%s/messages/update_funnel", farContact, missing32, map[string]any{"funnel_id": nil}},
			{"GET", "/v1/contacts/%s/bot", farContact, missing32, nil},
			{"POST", "/v1/contacts/%s/bot", farContact, missing32, map[string]any{"status": "bot_start"}},
			{"DELETE", "/v1/contacts/%s", farContact, missing32, nil},
			{"GET", "/v1/contacts/phone/%s", farPhone, "447700900556", nil},
			{"GET", "/v1/contacts/phone/%s", "+44 7700 900555", "+44 7700 900556", nil},
			{"GET", "/v1/contacts/bsuid/%s", farBSUID, "bsuid_far_2", nil},
			{"GET", "/v1/contacts/phone/31612345678?channel_uuid=%s", farChannel, missing32, nil},
			{"GET", "/v1/messages/status/%s", farOutbound, missing32, nil},
			{"DELETE", "/v1/messages/%s", farOutbound, missing32, nil},
			{"DELETE", "/v1/messages/%s", farWamid, "wamid.TUlTU0lORw", nil},
			{"GET", "/v1/channels/%s", farChannel, missing32, nil},
			{"PATCH", "/v1/channels/%s", farTgChan, missing32, map[string]any{"title": "stolen"}},
			{"GET", "/v1/teams/%s", farTeam, missing32, nil},
			{"PATCH", "/v1/teams/%s", farTeam, missing32, map[string]any{"name": "stolen"}},
			{"GET", "/v1/teams/%s/members", farTeam, missing32, nil},
			{"PUT", "/v1/users/%s/status", farUser, missing32, map[string]any{"available": false}},
			{"DELETE", "/v1/users/%s/status", farUser, missing32, nil},
			{"GET", "/v1/custom_statuses/%s", farStatus, "01234567-89ab-4def-8123-456789abcdef", nil},
			{"PUT", "/v1/custom_statuses/%s", farStatus, "01234567-89ab-4def-8123-456789abcdef", map[string]any{"name": "stolen"}},
			{"DELETE", "/v1/custom_statuses/%s", farStatus, "01234567-89ab-4def-8123-456789abcdef", nil},
			{"GET", "/v1/templates/%s", farTemplate, missing32, nil},
			{"PATCH", "/v1/templates/%s", farTemplate, missing32, map[string]any{"title": "stolen"}},
			{"POST", "/sandbox/v1/messages/%s/status", farOutbound, missing32, map[string]any{"status": "read"}},
			{"POST", "/sandbox/v1/users/%s/session", farUser, missing32, map[string]any{"action": "user_logged_in"}},
			{"POST", "/sandbox/v1/teams/%s/members", farTeam, missing32, map[string]any{"user_uuid": userJohn, "action": "add"}},
		}
		for _, rt := range routes {
			forms := []string{rt.foreign}
			missForms := []string{rt.miss}
			if len(rt.foreign) == 32 || len(rt.foreign) == 36 {
				forms = append(forms, dashedUpper(strings.ReplaceAll(rt.foreign, "-", "")))
				missForms = append(missForms, dashedUpper(strings.ReplaceAll(rt.miss, "-", "")))
			}
			for i := range forms {
				where := rt.method + " " + fmt.Sprintf(rt.path, forms[i])
				f := s.Do(rt.method, strings.ReplaceAll(fmt.Sprintf(rt.path, forms[i]), " ", "%20"), rt.body)
				m := s.Do(rt.method, strings.ReplaceAll(fmt.Sprintf(rt.path, missForms[i]), " ", "%20"), rt.body)
				if f.Status != 404 {
					t.Errorf("%s: %d %s, want 404", where, f.Status, f.Body)
					continue
				}
				sameAnswer(t, where, f, m)
			}
		}
		// Nothing of the far account moved, and nobody recorded an event.
		far := obj(t, s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts/" + farContact, Token: farToken}), "contact")
		if far["name"] != "Fred Far" || far["closedAt"] != nil || far["funnelId"] != nil {
			t.Errorf("far contact %s", mustJSON(far))
		}
		msgs := list(t, s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts/" + farContact + "/messages", Token: farToken}), "messages")
		if got := pluck(msgs, "text"); !slices.Equal(got, []string{"far reply", "far hello"}) {
			t.Errorf("far messages %v", got)
		}
		st := obj(t, s.Send(apitest.Request{Method: "GET", Path: "/v1/messages/status/" + farOutbound, Token: farToken}), "message")
		if st["status"] != "delivered" {
			t.Errorf("far send request %s", mustJSON(st))
		}
		for path, want := range map[string]string{"/v1/channels/" + farTgChan: "channel.title", "/v1/teams/" + farTeam: "team.name",
			"/v1/templates/" + farTemplate: "template.title", "/v1/custom_statuses/" + farStatus: "customStatus.name"} {
			r := s.Send(apitest.Request{Method: "GET", Path: path, Token: farToken})
			if v := at(r.JSON(t), want); r.Status != 200 || v == "stolen" {
				t.Errorf("far %s: %d %s", path, r.Status, r.Body)
			}
		}
		m := list(t, s.Send(apitest.Request{Method: "GET", Path: "/v1/teams/" + farTeam + "/members", Token: farToken}), "users")
		if len(m) != 1 || m[0]["available"] != true {
			t.Errorf("far members %s", mustJSON(m))
		}
		if n := len(s.Events(farToken)); n != farBefore {
			t.Errorf("far account recorded %d events", n-farBefore)
		}
		if n := len(s.Events("")); n != demoBefore {
			t.Errorf("demo account recorded %v", names(s.Events("")[demoBefore:]))
		}
	}, withFar)
}

// TestContractForeignReferencesInBodies: ids and names of the far account
// inside request bodies and filters answer like unknown ones (422 on the
// same field, or the same list), never act on the far objects.
func TestContractForeignReferencesInBodies(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		openWindow(t, s, "", "31612345678")
		before := len(s.Events(""))
		newContact := map[string]any{"identifier": "+49 30 5551111", "source": "whatsapp", "name": "N"}
		sendBase := map[string]any{"to": "31612345678", "from": "whatsapp", "type": "text", "content": map[string]any{"text": "x"}}
		cases := []struct {
			method, path  string
			foreign, miss map[string]any
			field         string
		}{
			{"POST", "/v1/contacts", merged(newContact, "team_uuid", farTeam), merged(newContact, "team_uuid", missing32), "team_uuid"},
			{"POST", "/v1/contacts", merged(newContact, "channel_uuid", farChannel), merged(newContact, "channel_uuid", missing32), "channel_uuid"},
			{"POST", "/v1/contacts", merged(newContact, "assigned_user", farUserMail), merged(newContact, "assigned_user", "nobody@far.test"), "assigned_user"},
			{"POST", "/v1/contacts", merged(newContact, "tags", []string{"fartag"}), merged(newContact, "tags", []string{"nosuchtag"}), "tags"},
			{"POST", "/v1/contacts", merged(newContact, "custom_fields", map[string]any{"Far field": "x"}), merged(newContact, "custom_fields", map[string]any{"No field": "x"}), "custom_fields"},
			{"PATCH", "/v1/contacts/" + johnDoe, map[string]any{"team_uuid": dashedUpper(farTeam)}, map[string]any{"team_uuid": dashedUpper(missing32)}, "team_uuid"},
			{"PATCH", "/v1/contacts/" + johnDoe, map[string]any{"assigned_user": farUserMail}, map[string]any{"assigned_user": "nobody@far.test"}, "assigned_user"},
			{"PATCH", "/v1/contacts/" + johnDoe, map[string]any{"tags": []string{"FARTAG"}}, map[string]any{"tags": []string{"NOSUCHTAG"}}, "tags"},
			{"PUT", "/v1/contacts/" + johnDoe + "/conversation/update_funnel", map[string]any{"funnel_id": farFunnel}, map[string]any{"funnel_id": "01234567-89ab-4def-8123-456789abcdef"}, "funnel_id"},
			{"POST", "/v1/messages/send", merged(sendBase, "template_uuid", farTemplate, "optin_contact", true), merged(sendBase, "template_uuid", missing32, "optin_contact", true), "template_uuid"},
			{"POST", "/v1/messages/send", merged(sendBase, "channel_uuid", farChannel), merged(sendBase, "channel_uuid", missing32), "channel_uuid"},
			{"POST", "/v1/messages/send", merged(sendBase, "to", nil, "bsuid", farBSUID), merged(sendBase, "to", nil, "bsuid", "bsuid_far_2"), "bsuid"},
			{"POST", "/v1/messages/send", merged(sendBase, "team_uuid", farTeam), merged(sendBase, "team_uuid", missing32), "team_uuid"},
			{"POST", "/v1/messages/send", merged(sendBase, "assigned_user", farUserMail), merged(sendBase, "assigned_user", "nobody@far.test"), "assigned_user"},
			{"POST", "/sandbox/v1/inbound", map[string]any{"from": "4930555", "text": "x", "channel_uuid": farChannel}, map[string]any{"from": "4930555", "text": "x", "channel_uuid": missing32}, "channel_uuid"},
			{"POST", "/sandbox/v1/teams/" + teamSup + "/members", map[string]any{"user_uuid": farUser, "action": "add"}, map[string]any{"user_uuid": missing32, "action": "add"}, "user_uuid"},
		}
		for _, c := range cases {
			where := c.method + " " + c.path + " " + c.field
			f := s.Do(c.method, c.path, c.foreign)
			m := s.Do(c.method, c.path, c.miss)
			if f.Status != 422 || m.Status != 422 {
				t.Errorf("%s: foreign %d %s, missing %d %s, want 422", where, f.Status, f.Body, m.Status, m.Body)
				continue
			}
			expectError(t, f, 422, c.field)
			if fk, mk := keysOf(at(f.JSON(t), "errors").(map[string]any)), keysOf(at(m.JSON(t), "errors").(map[string]any)); !slices.Equal(fk, mk) {
				t.Errorf("%s: foreign names %v, missing names %v", where, fk, mk)
			}
		}
		// Filters: a foreign team lists like a missing one.
		sameAnswer(t, "team_uuid filter", s.Do("GET", "/v1/contacts?team_uuid="+farTeam, nil), s.Do("GET", "/v1/contacts?team_uuid="+missing32, nil))
		if n := len(s.Events("")); n != before {
			t.Errorf("rejected requests recorded %v", names(s.Events("")[before:]))
		}
		// Sending to the far contact's number reaches a demo contact, not Fred.
		r := s.Do("POST", "/v1/messages/send", map[string]any{"to": "+44 7700 900555", "from": "whatsapp", "template_uuid": welcome,
			"optin_contact": true, "template_values": []string{"x"}, "fields": "contact"})
		expectStatus(t, r, 200)
		if id := at(r.JSON(t), "contact.uuid"); id == farContact || at(r.JSON(t), "contact.name") == "Fred Far" {
			t.Errorf("send reached the far contact: %s", r.Body)
		}
		if n := len(list(t, s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts/" + farContact + "/messages", Token: farToken}), "messages")); n != 2 {
			t.Errorf("far contact has %d messages", n)
		}
	}, withFar)
}

// TestContractMethodNotAllowed: every known path answers a wrong method with
// 405, a JSON error and an Allow header naming the methods it serves.
func TestContractMethodNotAllowed(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		c := "/v1/contacts/" + johnDoe
		for _, tc := range []struct {
			path    string
			methods []string // wrong methods to try
			allow   []string
		}{
			{"/v1/contacts", []string{"PUT", "DELETE", "PATCH"}, []string{"GET", "POST"}},
			{c, []string{"POST", "PUT"}, []string{"GET", "PATCH", "DELETE"}},
			{c + "/messages", []string{"POST", "DELETE"}, []string{"GET"}},
			{c + "/conversation/close", []string{"GET", "PUT"}, []string{"POST"}},
			{c + "/conversation/open", []string{"GET", "DELETE"}, []string{"POST"}},
			{c + "/conversation/note", []string{"GET", "PATCH"}, []string{"POST"}},
			{c + "/conversation/update_funnel", []string{"POST", "GET", "PATCH"}, []string{"PUT"}},
			{c + "/messages/update_funnel", []string{"PUT", "GET"}, []string{"POST"}},
			{c + "/bot", []string{"PUT", "DELETE"}, []string{"GET", "POST"}},
			{"/v1/contacts/phone/31612345678", []string{"POST", "DELETE"}, []string{"GET"}},
			{"/v1/contacts/bsuid/bsuid_abc123", []string{"PATCH"}, []string{"GET"}},
			{"/v1/messages/send", []string{"GET", "PUT"}, []string{"POST"}},
			{"/v1/messages/status/adf3d1216d4c4dcd908199d6700f2381", []string{"POST", "DELETE"}, []string{"GET"}},
			{"/v1/messages/adf3d1216d4c4dcd908199d6700f2381", []string{"GET", "PATCH"}, []string{"DELETE"}},
			{"/v1/messages", []string{"GET", "POST"}, []string{"DELETE"}},
			{"/v1/channels", []string{"POST"}, []string{"GET"}},
			{"/v1/channels/" + waMain, []string{"DELETE", "PUT"}, []string{"GET", "PATCH"}},
			{"/v1/teams", []string{"POST"}, []string{"GET"}},
			{"/v1/teams/" + teamGen, []string{"DELETE", "PUT"}, []string{"GET", "PATCH"}},
			{"/v1/teams/" + teamGen + "/members", []string{"POST"}, []string{"GET"}},
			{"/v1/users/" + userJohn + "/status", []string{"GET", "POST", "PATCH"}, []string{"PUT", "DELETE"}},
			{"/v1/custom_statuses", []string{"PUT", "DELETE"}, []string{"GET", "POST"}},
			{"/v1/custom_statuses/" + csLunch, []string{"PATCH", "POST"}, []string{"GET", "PUT", "DELETE"}},
			{"/v1/custom_status/" + csLunch, []string{"GET", "PUT"}, []string{"DELETE"}},
			{"/v1/funnels", []string{"POST"}, []string{"GET"}},
			{"/v1/templates", []string{"POST"}, []string{"GET"}},
			{"/v1/templates/" + welcome, []string{"PUT", "DELETE"}, []string{"GET", "PATCH"}},
			{"/v1/plan", []string{"POST"}, []string{"GET"}},
			{"/v1/auth/me", []string{"POST", "DELETE"}, []string{"GET"}},
			{"/sandbox/v1/inbound", []string{"GET"}, []string{"POST"}},
			{"/sandbox/v1/clock", []string{"PUT", "DELETE"}, []string{"GET", "POST"}},
			{"/sandbox/v1/reset", []string{"GET", "DELETE"}, []string{"POST"}},
			{"/sandbox/v1/faults", []string{"PUT"}, []string{"GET", "POST", "DELETE"}},
			{"/sandbox/v1/messages/adf3d1216d4c4dcd908199d6700f2381/status", []string{"GET"}, []string{"POST"}},
			{"/sandbox/v1/users/" + userJohn + "/session", []string{"GET"}, []string{"POST"}},
			{"/sandbox/v1/teams/" + teamGen + "/members", []string{"GET"}, []string{"POST"}},
			{"/healthz", []string{"POST", "DELETE"}, []string{"GET"}},
		} {
			for _, method := range tc.methods {
				r := s.DoUnchecked(method, tc.path, nil)
				where := method + " " + tc.path
				if r.Status != 405 {
					t.Errorf("%s: %d %s, want 405", where, r.Status, r.Body)
					continue
				}
				expectError(t, r, 405)
				allow := map[string]bool{}
				for _, m := range strings.Split(r.Header.Get("Allow"), ",") {
					allow[strings.TrimSpace(m)] = true
				}
				for _, m := range tc.allow {
					if !allow[m] {
						t.Errorf("%s: Allow %q lacks %s", where, r.Header.Get("Allow"), m)
					}
				}
				if allow[method] {
					t.Errorf("%s: Allow %q names the refused method", where, r.Header.Get("Allow"))
				}
			}
		}
		// Nothing was changed by the refused requests.
		if n := len(s.Events("")); n != 0 {
			t.Errorf("405s recorded %v", names(s.Events("")))
		}
	})
}

// bodyRoute is a route that takes a JSON body, with a body it accepts.
type bodyRoute struct {
	method, path string
	body         map[string]any
}

func bodyRoutes() []bodyRoute {
	c := "/v1/contacts/" + johnDoe
	return []bodyRoute{
		{"POST", "/v1/contacts", map[string]any{"identifier": "+49 30 5552222", "source": "whatsapp", "name": "Body"}},
		{"PATCH", c, map[string]any{"name": "Changed"}},
		{"POST", c + "/conversation/close", map[string]any{"closing_reason": "x"}},
		{"POST", c + "/conversation/open", map[string]any{}},
		{"POST", c + "/conversation/note", map[string]any{"text": "n"}},
		{"PUT", c + "/conversation/update_funnel", map[string]any{"funnel_id": funnelAw}},
		{"POST", c + "/messages/update_funnel", map[string]any{"funnel_id": funnelAw}},
		{"POST", c + "/bot", map[string]any{"status": "bot_start"}},
		{"POST", "/v1/messages/send", map[string]any{"to": "31612345678", "from": "whatsapp", "type": "text", "content": map[string]any{"text": "x"}}},
		{"PATCH", "/v1/channels/" + tgMain, map[string]any{"title": "Changed"}},
		{"PATCH", "/v1/teams/" + teamSup, map[string]any{"name": "Changed"}},
		{"PUT", "/v1/users/" + userJohn + "/status", map[string]any{"available": false}},
		{"POST", "/v1/custom_statuses", map[string]any{"name": "Changed"}},
		{"PUT", "/v1/custom_statuses/" + csLunch, map[string]any{"name": "Changed"}},
		{"PATCH", "/v1/templates/" + welcome, map[string]any{"title": "Changed"}},
		{"POST", "/sandbox/v1/inbound", map[string]any{"from": "4930555", "text": "x"}},
		{"POST", "/sandbox/v1/messages/adf3d1216d4c4dcd908199d6700f2381/status", map[string]any{"status": "read"}},
		{"POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": 60}},
		{"POST", "/sandbox/v1/users/" + userJohn + "/session", map[string]any{"action": "user_logged_in"}},
		{"POST", "/sandbox/v1/teams/" + teamSup + "/members", map[string]any{"user_uuid": userJohn, "action": "add"}},
		{"POST", "/sandbox/v1/faults", map[string]any{"path_prefix": "/v1/nothing", "status": 503}},
	}
}

// unchangedDemo fails when a refused request changed the demo workspace.
func unchangedDemo(t *testing.T, s *apitest.Server, events int) {
	t.Helper()
	if n := len(s.Events("")); n != events {
		t.Errorf("refused requests recorded %v", names(s.Events("")[events:]))
	}
	john := obj(t, s.Do("GET", "/v1/contacts/"+johnDoe, nil), "contact")
	if john["name"] != "John Doe" || john["closedAt"] != nil || john["funnelId"] != nil {
		t.Errorf("John changed: %s", mustJSON(john))
	}
	if n := len(list(t, s.Do("GET", "/v1/contacts", nil), "contacts")); n != 3 {
		t.Errorf("%d contacts", n)
	}
	if n := len(list(t, s.Do("GET", "/v1/contacts/"+johnDoe+"/messages", nil), "messages")); n != 2 {
		t.Errorf("John has %d messages", n)
	}
	for path, want := range map[string]string{"/v1/channels/" + tgMain: "channel.title=telegram_bot", "/v1/teams/" + teamSup: "team.name=Support",
		"/v1/templates/" + welcome: "template.title=Welcome", "/v1/custom_statuses/" + csLunch: "customStatus.name=Lunch"} {
		k, v, _ := strings.Cut(want, "=")
		if got := at(s.Do("GET", path, nil).JSON(t), k); got != v {
			t.Errorf("%s: %s = %v", path, k, got)
		}
	}
	if n := len(list(t, s.Do("GET", "/v1/custom_statuses", nil), "customStatuses")); n != 3 {
		t.Errorf("%d custom statuses", n)
	}
	if st := at(s.Do("GET", "/v1/messages/status/adf3d1216d4c4dcd908199d6700f2381", nil).JSON(t), "message.status"); st != "delivered" {
		t.Errorf("send request %v", st)
	}
	if n := len(list(t, s.Do("GET", "/sandbox/v1/faults", nil), "faults")); n != 0 {
		t.Errorf("%d faults", n)
	}
}

// TestContractUnsupportedMediaType: every route that takes a body refuses a
// non-JSON Content-Type with 415 and changes nothing.
func TestContractUnsupportedMediaType(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		events := len(s.Events(""))
		for _, rt := range bodyRoutes() {
			for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"} {
				r := s.Send(apitest.Request{Unchecked: true, Method: rt.method, Path: rt.path, Body: mustJSON(rt.body), Header: map[string]string{"Content-Type": ct}})
				if r.Status != 415 {
					t.Errorf("%s %s as %s: %d %s, want 415", rt.method, rt.path, ct, r.Status, r.Body)
					continue
				}
				expectError(t, r, 415)
			}
		}
		unchangedDemo(t, s, events)
	})
}

// TestContractJSONContentTypeVariants: the JSON media type with parameters
// or in another letter case is JSON.
func TestContractJSONContentTypeVariants(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for i, ct := range []string{"application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON"} {
			r := s.Send(apitest.Request{Method: "PATCH", Path: "/v1/contacts/" + johnDoe, Body: mustJSON(map[string]any{"name": fmt.Sprint("J", i)}),
				Header: map[string]string{"Content-Type": ct}})
			if r.Status != 200 || at(r.JSON(t), "contact.name") != fmt.Sprint("J", i) {
				t.Errorf("%s: %d %s", ct, r.Status, r.Body)
			}
		}
	})
}

// TestContractBodyTooLarge: every route that takes a body answers 413 to
// one byte over 1 MiB and changes nothing; exactly 1 MiB is read.
func TestContractBodyTooLarge(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		events := len(s.Events(""))
		pad := func(body map[string]any, size int) string {
			b := mustJSON(merged(body, "zzpad", ""))
			return strings.Replace(b, `"zzpad":""`, `"zzpad":"`+strings.Repeat("x", size-len(b))+`"`, 1)
		}
		for _, rt := range bodyRoutes() {
			body := pad(rt.body, 1<<20+1)
			if len(body) != 1<<20+1 {
				t.Fatalf("pad: %d", len(body))
			}
			r := s.Do(rt.method, rt.path, body)
			if r.Status != 413 {
				t.Errorf("%s %s: %d %.200s, want 413", rt.method, rt.path, r.Status, r.Body)
				continue
			}
			expectError(t, r, 413)
		}
		unchangedDemo(t, s, events)
		// A chunked body without Content-Length is measured too.
		big := io.MultiReader(strings.NewReader(`{"name":"`), strings.NewReader(strings.Repeat("x", 2<<20)), strings.NewReader(`"}`))
		req, _ := http.NewRequest("PATCH", s.URL+"/v1/contacts/"+johnDoe, big)
		req.Header.Set("Authorization", "Bearer "+apitest.DemoToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 413 || req.ContentLength > 0 {
			t.Errorf("chunked 2 MiB body: %d (Content-Length %d)", resp.StatusCode, req.ContentLength)
		}
		unchangedDemo(t, s, events)
		// Exactly 1 MiB is within the limit; the unknown padding field is ignored.
		body := pad(map[string]any{"name": "Exactly"}, 1<<20)
		r := s.Do("PATCH", "/v1/contacts/"+johnDoe, body)
		if r.Status != 200 || at(r.JSON(t), "contact.name") != "Exactly" {
			t.Errorf("1 MiB body: %d %.200s", r.Status, r.Body)
		}
	})
}

// TestContractWrongJSONTypes: a known field of the wrong JSON type is a 400
// on every route and field, names the field, and changes nothing.
func TestContractWrongJSONTypes(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		events := len(s.Events(""))
		newC := map[string]any{"identifier": "+49 30 5553333", "source": "whatsapp", "name": "Typed"}
		snd := map[string]any{"to": "31612345678", "from": "whatsapp", "type": "text", "content": map[string]any{"text": "x"}}
		c := "/v1/contacts/" + johnDoe
		cases := []struct {
			method, path string
			body         map[string]any
			field        string
		}{
			{"POST", "/v1/contacts", merged(newC, "identifier", 4930555333), "identifier"},
			{"POST", "/v1/contacts", merged(newC, "source", true), "source"},
			{"POST", "/v1/contacts", merged(newC, "name", []string{"Typed"}), "name"},
			{"POST", "/v1/contacts", merged(newC, "tags", map[string]any{"lead": true}), "tags"},
			{"POST", "/v1/contacts", merged(newC, "custom_fields", "Address=x"), "custom_fields"},
			{"POST", "/v1/contacts", merged(newC, "assigned_user", 1), "assigned_user"},
			{"POST", "/v1/contacts", merged(newC, "team_uuid", 1), "team_uuid"},
			{"POST", "/v1/contacts", merged(newC, "channel_uuid", false), "channel_uuid"},
			{"POST", "/v1/contacts", merged(newC, "bot_status", 1), "bot_status"},
			{"POST", "/v1/contacts", merged(newC, "note", 7), "note"},
			{"PATCH", c, map[string]any{"name": true}, "name"},
			{"PATCH", c, map[string]any{"tags": "hot"}, "tags"},
			{"PATCH", c, map[string]any{"custom_fields": []any{}}, "custom_fields"},
			{"PATCH", c, map[string]any{"assigned_user": []string{"jane.doe@email.com"}}, "assigned_user"},
			{"PATCH", c, map[string]any{"unassign_user": 1}, "unassign_user"},
			{"PATCH", c, map[string]any{"team_uuid": map[string]any{}}, "team_uuid"},
			{"PATCH", c, map[string]any{"bot_status": false}, "bot_status"},
			{"PATCH", c, map[string]any{"note": []string{}}, "note"},
			{"POST", c + "/conversation/close", map[string]any{"closing_reason": 5}, "closing_reason"},
			{"POST", c + "/conversation/note", map[string]any{"text": []string{"x"}}, "text"},
			{"PUT", c + "/conversation/update_funnel", map[string]any{"funnel_id": true}, "funnel_id"},
			{"POST", c + "/messages/update_funnel", map[string]any{"funnel_id": map[string]any{}}, "funnel_id"},
			{"POST", c + "/bot", map[string]any{"status": 1}, "status"},
			{"POST", "/v1/messages/send", merged(snd, "bsuid", 1), "bsuid"},
			{"POST", "/v1/messages/send", merged(snd, "from", 1), "from"},
			{"POST", "/v1/messages/send", merged(snd, "channel_uuid", 1), "channel_uuid"},
			{"POST", "/v1/messages/send", merged(snd, "type", []string{"text"}), "type"},
			{"POST", "/v1/messages/send", merged(snd, "content", map[string]any{"text": 5}), "content.text"},
			{"POST", "/v1/messages/send", merged(snd, "type", "image", "content", map[string]any{"url": 5}), "content.url"},
			{"POST", "/v1/messages/send", merged(snd, "template_uuid", 5, "optin_contact", true), "template_uuid"},
			{"POST", "/v1/messages/send", merged(snd, "template_uuid", welcome, "optin_contact", "true"), "optin_contact"},
			{"POST", "/v1/messages/send", merged(snd, "template_uuid", welcome, "optin_contact", true, "template_values", "Ana"), "template_values"},
			{"POST", "/v1/messages/send", merged(snd, "template_uuid", welcome, "optin_contact", true, "template_values", []any{1}), "template_values"},
			{"POST", "/v1/messages/send", merged(snd, "assigned_user", 1), "assigned_user"},
			{"POST", "/v1/messages/send", merged(snd, "team_uuid", 1), "team_uuid"},
			{"POST", "/v1/messages/send", merged(snd, "bot_status", 1), "bot_status"},
			{"POST", "/v1/messages/send", merged(snd, "metadata", []string{"a"}), "metadata"},
			{"POST", "/v1/messages/send", merged(snd, "metadata", "k=v"), "metadata"},
			{"POST", "/v1/messages/send", merged(snd, "fields", []string{"contact"}), "fields"},
			{"POST", "/sandbox/v1/inbound", map[string]any{"from": 4930555, "text": "x"}, "from"},
			{"POST", "/sandbox/v1/inbound", map[string]any{"from": "4930555", "text": 1}, "text"},
			{"POST", "/sandbox/v1/inbound", map[string]any{"from": "4930555", "text": "x", "type": 1}, "type"},
			{"POST", "/sandbox/v1/inbound", map[string]any{"from": "4930555", "content": "x"}, "content"},
			{"POST", "/sandbox/v1/inbound", map[string]any{"from": "4930555", "text": "x", "channel_uuid": 1}, "channel_uuid"},
			{"POST", "/sandbox/v1/inbound", map[string]any{"from": "4930555", "text": "x", "bsuid": 1}, "bsuid"},
			{"POST", "/sandbox/v1/messages/adf3d1216d4c4dcd908199d6700f2381/status", map[string]any{"status": 1}, "status"},
			{"POST", "/sandbox/v1/messages/adf3d1216d4c4dcd908199d6700f2381/status", map[string]any{"status": "failed", "reason": 1}, "reason"},
			{"POST", "/sandbox/v1/messages/adf3d1216d4c4dcd908199d6700f2381/status", map[string]any{"status": "mismatch", "corrected_number": 1}, "corrected_number"},
			{"POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": "60"}, "advance_seconds"},
			{"POST", "/sandbox/v1/users/" + userJohn + "/session", map[string]any{"action": 1}, "action"},
			{"POST", "/sandbox/v1/teams/" + teamSup + "/members", map[string]any{"user_uuid": 1, "action": "add"}, "user_uuid"},
			{"POST", "/sandbox/v1/teams/" + teamSup + "/members", map[string]any{"user_uuid": userJohn, "action": true}, "action"},
			{"POST", "/sandbox/v1/faults", map[string]any{"path_prefix": "/v1/x", "status": "503"}, "status"},
			{"POST", "/sandbox/v1/faults", map[string]any{"path_prefix": 1, "status": 503}, "path_prefix"},
			{"POST", "/sandbox/v1/faults", map[string]any{"path_prefix": "/v1/x", "status": 503, "probability": "1"}, "probability"},
			{"POST", "/sandbox/v1/faults", map[string]any{"path_prefix": "/v1/x", "status": 503, "method": 1}, "method"},
			{"POST", "/sandbox/v1/faults", map[string]any{"path_prefix": "/v1/x", "status": 503, "delay_ms": "10"}, "delay_ms"},
			{"POST", "/sandbox/v1/faults", map[string]any{"path_prefix": "/v1/x", "status": 503, "count": "1"}, "count"},
		}
		for _, tc := range cases {
			r := s.DoUnchecked(tc.method, tc.path, tc.body)
			if r.Status != 400 {
				t.Errorf("%s %s %s=%s: %d %s, want 400", tc.method, tc.path, tc.field, mustJSON(at(tc.body, strings.Split(tc.field, ".")[0])), r.Status, r.Body)
				continue
			}
			if errs, _ := r.JSON(t)["errors"].(map[string]any); errs[tc.field] == nil && errs[strings.Split(tc.field, ".")[0]] == nil {
				t.Errorf("%s %s: 400 does not name %s: %s", tc.method, tc.path, tc.field, r.Body)
			}
			expectError(t, r, 400)
		}
		unchangedDemo(t, s, events)
	})
}

// TestContractNullInsideTypedArray: null is not a string, so a null item in
// `tags` (an array of strings) is a wrong JSON type: 400, not a lookup of the
// tag "".
func TestContractNullInsideTypedArray(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		expectError(t, s.DoUnchecked("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"tags": []any{"hot", nil}}), 400, "tags")
		expectError(t, s.DoUnchecked("POST", "/v1/contacts", map[string]any{"identifier": "+49 30 5553334", "source": "whatsapp", "name": "N",
			"tags": []any{nil}}), 400, "tags")
		openWindow(t, s, "", "31612345678")
		expectError(t, s.DoUnchecked("POST", "/v1/messages/send", map[string]any{"to": "31612345678", "from": "whatsapp", "template_uuid": welcome,
			"optin_contact": true, "template_values": []any{nil}}), 400, "template_values")
	})
}

// TestContractUnknownFieldsIgnored: unknown names in bodies are ignored,
// also names of response fields; they change nothing and fire nothing.
func TestContractUnknownFieldsIgnored(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		before := obj(t, s.Do("GET", "/v1/contacts/"+johnDoe, nil), "contact")
		n := len(s.Events(""))
		r := s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{
			"uuid": missing32, "source": "telegram", "phoneNumber": "+1 555", "closedAt": "2020-01-01T00:00:00Z", "createdAt": 5,
			"href": []int{1}, "channel": map[string]any{"uuid": tgMain}, "funnelId": funnelAw, "blockedAt": "x", "avatarUrl": 3, "extra": nil,
		})
		expectStatus(t, r, 200)
		if after := obj(t, r, "contact"); mustJSON(after) != mustJSON(before) {
			t.Errorf("PATCH with only unknown fields changed the contact:\n%s\n%s", mustJSON(before), mustJSON(after))
		}
		if len(s.Events("")) != n {
			t.Errorf("PATCH with only unknown fields fired %v", names(s.Events("")[n:]))
		}
		r = s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+49 30 5554444", "source": "whatsapp", "name": "U",
			"uuid": missing32, "createdAt": "2001-01-01T00:00:00Z", "closedAt": "2001-01-01T00:00:00Z", "nested": map[string]any{"a": []any{1, "b"}}})
		c := obj(t, r, "contact")
		if c["uuid"] == missing32 || c["closedAt"] != nil || strings.HasPrefix(fmt.Sprint(c["createdAt"]), "2001") {
			t.Errorf("unknown fields were used: %s", mustJSON(c))
		}
		openWindow(t, s, "", "31612345678")
		r = s.Do("POST", "/v1/messages/send", map[string]any{"to": "31612345678", "from": "whatsapp", "content": map[string]any{"text": "x", "extra": 1},
			"uuid": missing32, "status": "read", "priority": 9})
		expectStatus(t, r, 200)
		if at(r.JSON(t), "message.uuid") == missing32 || at(r.JSON(t), "message.status") != "enqueued" {
			t.Errorf("send %s", r.Body)
		}
	})
}

// TestContractAuthOnEveryRoute: every /v1 and /sandbox/v1 route refuses a
// request without a valid token with exactly 401 {"error":"not authorized"},
// before anything else (even a body that is not JSON).
func TestContractAuthOnEveryRoute(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		routes := []bodyRoute{
			{"GET", "/v1/contacts", nil}, {"GET", "/v1/contacts/" + johnDoe, nil}, {"DELETE", "/v1/contacts/" + johnDoe, nil},
			{"GET", "/v1/contacts/phone/31612345678", nil}, {"GET", "/v1/contacts/bsuid/bsuid_abc123", nil},
			{"GET", "/v1/contacts/" + johnDoe + "/messages", nil}, {"GET", "/v1/contacts/" + johnDoe + "/bot", nil},
			{"GET", "/v1/messages/status/adf3d1216d4c4dcd908199d6700f2381", nil}, {"DELETE", "/v1/messages/adf3d1216d4c4dcd908199d6700f2381", nil},
			{"GET", "/v1/channels", nil}, {"GET", "/v1/channels/" + waMain, nil}, {"GET", "/v1/teams", nil}, {"GET", "/v1/teams/" + teamGen, nil},
			{"GET", "/v1/teams/" + teamGen + "/members", nil}, {"DELETE", "/v1/users/" + userJohn + "/status", nil},
			{"GET", "/v1/custom_statuses", nil}, {"GET", "/v1/custom_statuses/" + csLunch, nil}, {"DELETE", "/v1/custom_statuses/" + csLunch, nil},
			{"GET", "/v1/funnels", nil}, {"GET", "/v1/templates", nil}, {"GET", "/v1/templates/" + welcome, nil},
			{"GET", "/v1/plan", nil}, {"GET", "/v1/auth/me", nil}, {"GET", "/sandbox/v1/faults", nil}, {"DELETE", "/sandbox/v1/faults", nil},
			{"DELETE", "/v1/messages", map[string]any{"uuid": "adf3d1216d4c4dcd908199d6700f2381"}}, {"DELETE", "/v1/custom_status/" + csLunch, nil},
			{"GET", "/sandbox/v1/clock", nil}, {"POST", "/sandbox/v1/reset", nil},
		}
		routes = append(routes, bodyRoutes()...)
		events := len(s.Events(""))
		for _, rt := range routes {
			for _, h := range []map[string]string{{}, {"Authorization": "Bearer nope"}, {"Authorization": "Token token=nope"}, {"Authorization": "Bearer"}} {
				req := apitest.Request{Unchecked: true, Method: rt.method, Path: rt.path, Token: "-", Header: h}
				if rt.body != nil {
					req.Body = "{not json"
				}
				r := s.Send(req)
				if r.Status != 401 || strings.TrimSpace(string(r.Body)) != `{"error":"not authorized"}` {
					t.Errorf("%s %s %v: %d %s", rt.method, rt.path, h, r.Status, r.Body)
				}
				if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
					t.Errorf("%s %s: 401 Content-Type %q", rt.method, rt.path, ct)
				}
			}
		}
		unchangedDemo(t, s, events)
	})
}

// TestContractSuccessContentType: every successful JSON answer carries
// Content-Type: application/json; charset=utf-8, and 204s carry no body.
func TestContractSuccessContentType(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for _, path := range []string{"/v1/contacts", "/v1/contacts/" + johnDoe, "/v1/contacts/phone/31612345678", "/v1/contacts/bsuid/bsuid_abc123",
			"/v1/contacts/" + johnDoe + "/messages", "/v1/contacts/" + johnDoe + "/bot", "/v1/messages/status/adf3d1216d4c4dcd908199d6700f2381",
			"/v1/channels", "/v1/channels/" + waMain, "/v1/teams", "/v1/teams/" + teamGen, "/v1/teams/" + teamGen + "/members",
			"/v1/custom_statuses", "/v1/custom_statuses/" + csLunch, "/v1/funnels", "/v1/templates", "/v1/templates/" + welcome,
			"/v1/plan", "/v1/auth/me", "/sandbox/v1/faults", "/sandbox/v1/clock", "/healthz"} {
			r := s.Do("GET", path, nil)
			expectStatus(t, r, 200)
			if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("GET %s: Content-Type %q", path, ct)
			}
			r.JSON(t)
		}
		for _, rt := range bodyRoutes() {
			r := s.Do(rt.method, rt.path, rt.body)
			if r.Status != 200 {
				t.Errorf("%s %s: %d %s", rt.method, rt.path, r.Status, r.Body)
				continue
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("%s %s: Content-Type %q", rt.method, rt.path, ct)
			}
			r.JSON(t)
		}
		for _, path := range []string{"/v1/messages/adf3d1216d4c4dcd908199d6700f2381", "/v1/users/" + userJohn + "/status"} {
			r := s.Do("DELETE", path, nil)
			if r.Status != 204 || len(r.Body) != 0 {
				t.Errorf("DELETE %s: %d %q", path, r.Status, r.Body)
			}
		}
		for _, path := range []string{"/v1/contacts/" + marioRossi, "/v1/custom_statuses/" + csMeeting, "/sandbox/v1/faults"} {
			r := s.Do("DELETE", path, nil)
			expectStatus(t, r, 200)
			if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("DELETE %s: Content-Type %q", path, ct)
			}
		}
	})
}

// TestContractRateLimitPerAccount: the limit counts per account; a limited
// request changes nothing; every response of an authenticated request
// carries the rate-limit headers and a request id.
func TestContractRateLimitPerAccount(t *testing.T) {
	t.Parallel()
	cfg := apitest.NewConfig(t, storetest.Engines()[0], withFar(t), func(c *app.Config) { c.RateLimit = 4 })
	s := apitest.StartConfig(t, cfg)
	var limited *apitest.Response
	var created int
	for i := 0; i < 40 && limited == nil; i++ {
		r := s.Do("POST", "/v1/contacts", map[string]any{"identifier": fmt.Sprintf("+49 30 777%04d", i), "source": "whatsapp", "name": "R"})
		switch r.Status {
		case 200:
			created++
		case 429:
			limited = r
		default:
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	}
	if limited == nil {
		t.Fatal("never limited")
	}
	if limited.Header.Get("Retry-After") == "" || limited.Header.Get("X-Request-Id") == "" || limited.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("429 headers %v", limited.Header)
	}
	expectError(t, limited, 429)
	// The far account is not limited by the demo's traffic.
	r := s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts", Token: farToken})
	if r.Status != 200 || r.Header.Get("X-RateLimit-Limit") != "4" {
		t.Errorf("far account: %d %v", r.Status, r.Header)
	}
	// Only the answered creates happened.
	var n int
	for i := 0; i < 20; i++ { // wait for the window to pass
		r := s.Do("GET", "/v1/contacts?source=whatsapp", nil)
		if r.Status == 200 {
			n = len(list(t, r, "contacts"))
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n != 3+created {
		t.Errorf("%d contacts, want %d", n, 3+created)
	}
	// 4xx answers of authenticated requests carry the headers too.
	time.Sleep(1100 * time.Millisecond)
	for _, r := range []*apitest.Response{
		s.DoUnchecked("GET", "/v1/contacts?page=0", nil), s.Do("GET", "/v1/contacts/"+missing32, nil), s.DoUnchecked("PUT", "/v1/contacts", nil),
		s.DoUnchecked("POST", "/v1/contacts", map[string]any{}),
	} {
		if r.Header.Get("X-RateLimit-Limit") != "4" || r.Header.Get("X-RateLimit-Reset") == "" || r.Header.Get("X-Request-Id") == "" {
			t.Errorf("%d answer lacks headers: %v", r.Status, r.Header)
		}
	}
}
