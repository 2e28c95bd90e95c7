package apitest_test

import (
	"fmt"
	"testing"

	"github.com/openbell/openbell/internal/apitest"
)

func uuids(t *testing.T, r *apitest.Response) []string {
	t.Helper()
	expectStatus(t, r, 200)
	var out []string
	for _, c := range at(r.JSON(t), "contacts").([]any) {
		out = append(out, at(c, "uuid").(string))
	}
	return out
}

func TestListContactsFiltersAndOrder(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		// John has messages at load time; the others have no activity yet, and
		// tie on createdAt order.
		all := uuids(t, s.Do("GET", "/v1/contacts", nil))
		if len(all) != 3 || all[0] != johnDoe {
			t.Fatalf("list %v, want John Doe first of 3", all)
		}
		m := s.Do("GET", "/v1/contacts", nil).JSON(t)
		if mustJSON(m["meta"]) != `{"page":1,"pages":1}` {
			t.Errorf("meta %s", mustJSON(m["meta"]))
		}
		// A change through the API moves a contact to the top.
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+janeRoe, map[string]any{"note": "moved"}), 200)
		if got := uuids(t, s.Do("GET", "/v1/contacts", nil)); got[0] != janeRoe {
			t.Errorf("after patch %v, want Jane first", got)
		}
		expectStatus(t, s.Do("POST", "/v1/contacts/"+marioRossi+"/conversation/note", map[string]string{"text": "hi"}), 200)
		if got := uuids(t, s.Do("GET", "/v1/contacts", nil)); got[0] != marioRossi {
			t.Errorf("after note %v, want Mario first", got)
		}
		cases := []struct {
			query string
			want  string
		}{
			{"tags=sales", fmt.Sprint([]string{marioRossi, johnDoe})},
			{"tags=SALES,hot", fmt.Sprint([]string{marioRossi})},
			{"tags[]=lead&tags[]=sales", fmt.Sprint([]string{marioRossi, johnDoe})},
			{"tags[]=hot&tags[]=lead", fmt.Sprint([]string{marioRossi})},
			{"tags=unknown", "[]"},
			{"team_uuid=" + teamSup, fmt.Sprint([]string{janeRoe})},
			{"team_uuid=" + teamGen, "[]"},
			{"source=whatsapp", fmt.Sprint([]string{marioRossi, janeRoe, johnDoe})},
			{"source=telegram", "[]"},
			{"source=whatsapp&tags=lead&team_uuid=" + teamSup, "[]"},
			{"page=2", "[]"},
		}
		for _, c := range cases {
			got := uuids(t, s.Do("GET", "/v1/contacts?"+c.query, nil))
			if fmt.Sprint(got) != c.want && !(c.want == "[]" && len(got) == 0) {
				t.Errorf("%s: %v, want %s", c.query, got, c.want)
			}
		}
		m = s.Do("GET", "/v1/contacts?page=2", nil).JSON(t)
		if mustJSON(m["meta"]) != `{"page":2,"pages":1}` {
			t.Errorf("page past the end meta %s", mustJSON(m["meta"]))
		}
		for _, bad := range []string{"page=0", "page=-1", "page=x", "source=sms", "team_uuid=zzz", "include_field_types=2x"} {
			expectError(t, s.DoUnchecked("GET", "/v1/contacts?"+bad, nil), 400)
		}
	})
}

func TestListContactsPagination(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for i := 0; i < 42; i++ {
			expectStatus(t, s.Do("POST", "/v1/contacts", map[string]any{
				"identifier": fmt.Sprintf("+49 151 %07d", i), "source": "whatsapp", "name": fmt.Sprint("P", i), "tags": []string{"USA"},
			}), 200)
		}
		seen := map[string]bool{}
		for page := 1; page <= 3; page++ {
			r := s.Do("GET", fmt.Sprintf("/v1/contacts?tags=usa&page=%d", page), nil)
			m := r.JSON(t)
			if mustJSON(m["meta"]) != fmt.Sprintf(`{"page":%d,"pages":3}`, page) {
				t.Errorf("meta %s", mustJSON(m["meta"]))
			}
			got := uuids(t, r)
			want := map[int]int{1: 20, 2: 20, 3: 2}[page]
			if len(got) != want {
				t.Errorf("page %d has %d", page, len(got))
			}
			for _, id := range got {
				if seen[id] {
					t.Errorf("%s on two pages", id)
				}
				seen[id] = true
			}
		}
		// Newest first: the last created is first.
		first := at(s.Do("GET", "/v1/contacts?tags=usa", nil).JSON(t), "contacts").([]any)[0]
		if at(first, "name") != "P41" {
			t.Errorf("first %v, want P41", at(first, "name"))
		}
		m := s.Do("GET", "/v1/contacts", nil).JSON(t)
		if mustJSON(m["meta"]) != `{"page":1,"pages":3}` {
			t.Errorf("all meta %s", mustJSON(m["meta"]))
		}
	})
}

func TestMessagesList(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("GET", "/v1/contacts/"+johnDoe+"/messages", nil)
		expectStatus(t, r, 200)
		m := r.JSON(t)
		msgs := at(m, "messages").([]any)
		if len(msgs) != 2 || mustJSON(m["meta"]) != `{"page":1,"pages":1}` {
			t.Fatalf("messages %s", r.Body)
		}
		out, in := msgs[0].(map[string]any), msgs[1].(map[string]any)
		if out["text"] != "Hello there how can I help you?" || out["status"] != "sent" || out["uuid"] != "adf3d1216d4c4dcd908199d6700f2381" ||
			out["from"] != "391234567890" || out["to"] != "31612345678" || out["channel"] != "whatsapp" || !reT1.MatchString(out["createdAt"].(string)) {
			t.Errorf("outbound %v", out)
		}
		if in["text"] != "Hello there 👋" || in["status"] != "received" || in["from"] != "31612345678" || in["to"] != "391234567890" {
			t.Errorf("inbound %v", in)
		}
		if id, _ := in["uuid"].(string); len(id) < 7 || id[:6] != "wamid." {
			t.Errorf("inbound uuid %v", in["uuid"])
		}
		for i := 0; i < 25; i++ {
			s.Do("POST", "/v1/contacts/"+janeRoe+"/conversation/note", map[string]string{"text": fmt.Sprint("note ", i)})
		}
		p2 := s.Do("GET", "/v1/contacts/"+janeRoe+"/messages?page=2", nil).JSON(t)
		if n := len(at(p2, "messages").([]any)); n != 5 || mustJSON(p2["meta"]) != `{"page":2,"pages":2}` {
			t.Errorf("page 2: %d messages, meta %s", n, mustJSON(p2["meta"]))
		}
		p1 := s.Do("GET", "/v1/contacts/"+janeRoe+"/messages", nil).JSON(t)
		if at(at(p1, "messages").([]any)[0], "text") != "note 24" {
			t.Errorf("newest first broken: %v", at(p1, "messages").([]any)[0])
		}
		expectError(t, s.DoUnchecked("GET", "/v1/contacts/"+janeRoe+"/messages?page=0", nil), 400)
	})
}

func TestFunnelAndBot(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("PUT", "/v1/contacts/"+johnDoe+"/conversation/update_funnel", map[string]any{"funnel_id": funnelAw})
		expectStatus(t, r, 200)
		if at(r.JSON(t), "contact.funnelId") != funnelAw {
			t.Errorf("funnelId %v", at(r.JSON(t), "contact.funnelId"))
		}
		// The alias path, with the uuid32 form.
		r = s.Do("POST", "/v1/contacts/"+johnDoe+"/messages/update_funnel", map[string]any{"funnel_id": "1cd7845e6b93453db0159dce35d16f39"})
		expectStatus(t, r, 200)
		if at(r.JSON(t), "contact.funnelId") != funnelInt {
			t.Errorf("funnelId %v", at(r.JSON(t), "contact.funnelId"))
		}
		r = s.Do("PUT", "/v1/contacts/"+johnDoe+"/conversation/update_funnel", map[string]any{"funnel_id": nil})
		expectStatus(t, r, 200)
		if at(r.JSON(t), "contact.funnelId") != nil {
			t.Errorf("funnel not cleared")
		}
		expectError(t, s.Do("PUT", "/v1/contacts/"+johnDoe+"/conversation/update_funnel", map[string]any{"funnel_id": "00000000-0000-0000-0000-000000000000"}), 422, "funnel_id")
		expectError(t, s.DoUnchecked("PUT", "/v1/contacts/"+johnDoe+"/conversation/update_funnel", map[string]any{}), 422, "funnel_id")
		expectError(t, s.DoUnchecked("PUT", "/v1/contacts/"+johnDoe+"/conversation/update_funnel", map[string]any{"funnel_id": 3}), 400, "funnel_id")

		r = s.Do("GET", "/v1/contacts/"+johnDoe+"/bot", nil)
		expectStatus(t, r, 200)
		b := at(r.JSON(t), "bot").(map[string]any)
		if b["uuid"] != "f7155fc557b74597b429bd3dbb5ca677" || b["name"] != "My Bot" || b["version"] != float64(5) || b["status"] != "ended" || b["conversationStartedAt"] != nil {
			t.Errorf("bot %v", b)
		}
		n := len(s.Events(""))
		r = s.Do("POST", "/v1/contacts/"+johnDoe+"/bot", map[string]any{"status": "bot_start"})
		expectStatus(t, r, 200)
		b = at(r.JSON(t), "bot").(map[string]any)
		if b["status"] != "started" || !reT1.MatchString(fmt.Sprint(b["conversationStartedAt"])) || b["latestBotVersion"] != true {
			t.Errorf("started bot %v", b)
		}
		if evs := s.Events("")[n:]; len(evs) != 1 || evs[0].Name != "contact_updated" {
			t.Errorf("bot start events %v", names(evs))
		}
		r = s.Do("POST", "/v1/contacts/"+johnDoe+"/bot", map[string]any{"status": "bot_end"})
		if at(r.JSON(t), "bot.status") != "ended" {
			t.Errorf("bot_end: %s", r.Body)
		}
		expectError(t, s.DoUnchecked("POST", "/v1/contacts/"+johnDoe+"/bot", map[string]any{"status": "go"}), 422, "status")
	})
}

func TestBotMissing(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		// The other account has no bot.
		const olga = "0b7e8c7a2f0a4b7e9d5c1a2b3c4d5e6f"
		r := s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts/" + olga + "/bot", Token: "other-token"})
		expectError(t, r, 404)
		r = s.Send(apitest.Request{Method: "POST", Path: "/v1/contacts/" + olga + "/bot", Token: "other-token", Body: map[string]string{"status": "bot_start"}})
		expectError(t, r, 422, "status")
		r = s.Send(apitest.Request{Method: "PATCH", Path: "/v1/contacts/" + olga, Token: "other-token", Body: map[string]string{"bot_status": "bot_start"}})
		expectError(t, r, 422, "bot_status")
	}, withOther)
}
