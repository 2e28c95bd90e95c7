package apitest_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/apitest"
)

// More ids of the demo workspace.
const (
	waOld       = "dcefe6d18b5c4bbdb0661136c7f63c8e" // discarded WhatsApp channel
	tplTitle    = "ad42a09715814e6483b1c5debd6a2dbc"
	tplAnother  = "47aad5f9b4ca423c9d630f06ab93fe1f"
	tplWelcome  = "d980fb66fd5043d3ace1aa06ba044342"
	userJohn    = "414a6d692bd645ed803f2e7ce360d4c8"
	csVacation  = "0d6041a2-8b88-49ec-a99b-a88a078a16c1"
	csMeeting   = "25003aa2-d2b0-4089-852a-3e216e0a7495"
	csLunch     = "8dbd6f6c-ec09-4b87-a04e-bef1c2ca41db"
	funnelDes   = "1e6c0c57-c81d-49d2-81d2-fcec053a1ab6"
	funnelAct   = "8c51dfc8-667a-4f7f-9c83-ae065524483a"
	acmeToken   = "acme-token"
	acmeStatus  = "6a1f3c2e-4b5d-4e6f-8a7b-9c0d1e2f3a4b"
	acmeFunnel3 = "0c9b8a7f-6e5d-4c4b-8a39-281706f5e4d3"
	acmeTpl     = "5e1f0a9b8c7d4e6fa1b2c3d4e5f60718"
	acmeChannel = "3c4d5e6f708192a3b4c5d6e7f8091a2b"
	acmeTeam    = "9a8b7c6d5e4f40318293a4b5c6d7e8f9"
	acmeAna     = "aa11bb22cc334d44ae55ff6677889900"
)

var (
	reT2     = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000$`)
	reUUID36 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// acmeAccount is a second workspace whose objects differ from the demo's in
// every way a test can see: its first user is not its admin, its funnels are
// listed out of position order in the file, its only channel is Instagram.
const acmeAccount = `
accounts:
  - name: Acme
    plan: starter
    included_channels: 1
    licenses: 2
    tokens: ["acme-token"]
    custom_statuses:
      - {uuid: 6a1f3c2e-4b5d-4e6f-8a7b-9c0d1e2f3a4b, name: Busy, emoji: "⛔"}
    users:
      - {email: bo@acme.test, name: Bo Berg, available: false, custom_status: Busy}
      - {uuid: aa11bb22cc334d44ae55ff6677889900, email: ana@acme.test, name: Ana Lima, admin: true, available: true}
    teams:
      - {uuid: 9a8b7c6d5e4f40318293a4b5c6d7e8f9, name: Main, default: true, members: [bo@acme.test, ana@acme.test]}
    channels:
      - {uuid: 3c4d5e6f708192a3b4c5d6e7f8091a2b, type: instagram, title: Insta, identifier: acme_ig, main: true}
    funnels:
      - {uuid: 0c9b8a7f-6e5d-4c4b-8a39-281706f5e4d3, name: Third, emoji: "3️⃣", position: 3}
      - {name: First, emoji: "1️⃣", position: 1}
      - {name: Second, position: 2}
    templates:
      - {uuid: 5e1f0a9b8c7d4e6fa1b2c3d4e5f60718, title: Acme hello, text: "Hi {{1}}", category: UTILITY, status: pending}
`

func withAcme(t testing.TB) apitest.Option { return apitest.WithSeed(t, acmeAccount) }

// bigAccount has 25 of every listed object, to page through.
func bigAccount() string {
	var b strings.Builder
	b.WriteString("accounts:\n  - name: Big\n    tokens: [\"big-token\"]\n    users:\n")
	var emails []string
	for i := 1; i <= 25; i++ {
		email := fmt.Sprintf("u%02d@big.test", i)
		emails = append(emails, email)
		fmt.Fprintf(&b, "      - {email: %s, name: User %02d, available: %t}\n", email, i, i%2 == 1)
	}
	b.WriteString("    teams:\n")
	fmt.Fprintf(&b, "      - {name: Team 01, default: true, members: [%s]}\n", strings.Join(emails, ", "))
	for i := 2; i <= 25; i++ {
		fmt.Fprintf(&b, "      - {name: Team %02d}\n", i)
	}
	b.WriteString("    channels:\n")
	for i := 1; i <= 25; i++ {
		fmt.Fprintf(&b, "      - {type: telegram, title: Bot %02d, identifier: bot%02d, discarded: %t}\n", i, i, i%2 == 0)
	}
	b.WriteString("    funnels:\n")
	for i := 1; i <= 25; i++ {
		fmt.Fprintf(&b, "      - {name: Stage %02d, position: %d}\n", i, 26-i)
	}
	b.WriteString("    templates:\n")
	for i := 1; i <= 25; i++ {
		fmt.Fprintf(&b, "      - {title: Template %02d, text: Text %02d}\n", i, i)
	}
	b.WriteString("    custom_statuses:\n")
	for i := 1; i <= 25; i++ {
		fmt.Fprintf(&b, "      - {name: Status %02d}\n", i)
	}
	return b.String()
}

func withBig(t testing.TB) apitest.Option { return apitest.WithSeed(t, bigAccount()) }

// items returns the list under key of a 200 answer.
func items(t *testing.T, r *apitest.Response, key string) []map[string]any {
	t.Helper()
	expectStatus(t, r, 200)
	list, ok := at(r.JSON(t), key).([]any)
	if !ok {
		t.Fatalf("%s is not a list: %s", key, r.Body)
	}
	out := make([]map[string]any, len(list))
	for i, v := range list {
		out[i] = v.(map[string]any)
	}
	return out
}

// pluck returns field of every item.
func pluck(list []map[string]any, field string) []string {
	out := make([]string, len(list))
	for i, m := range list {
		out[i] = fmt.Sprint(m[field])
	}
	return out
}

func expectMeta(t *testing.T, r *apitest.Response, page, pages int) {
	t.Helper()
	if got, want := mustJSON(at(r.JSON(t), "meta")), fmt.Sprintf(`{"page":%d,"pages":%d}`, page, pages); got != want {
		t.Errorf("meta %s, want %s", got, want)
	}
}

func expectKeys(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("key %s missing in %s", k, mustJSON(m))
		}
	}
}

// as sends a request with another account's token.
func as(s *apitest.Server, token, method, path string, body any) *apitest.Response {
	return s.Send(apitest.Request{Method: method, Path: path, Body: body, Token: token})
}

func TestListChannels(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("GET", "/v1/channels", nil)
		list := items(t, r, "channels")
		expectMeta(t, r, 1, 1)
		if got := pluck(list, "uuid"); !slices.Equal(got, []string{waMain, waOld, tgMain}) {
			t.Fatalf("channels %v", got)
		}
		expectKeys(t, list[0], "uuid", "title", "type", "main", "discardedAt", "identifier")
		if mustJSON(list[0]) != `{"discardedAt":false,"identifier":"391234567890","main":true,"title":"phone_number_1","type":"whatsapp","uuid":"`+waMain+`"}` {
			t.Errorf("channel %s", mustJSON(list[0]))
		}
		if list[1]["discardedAt"] != true || list[1]["main"] != false || list[2]["type"] != "telegram" {
			t.Errorf("channels %s", mustJSON(list))
		}
		// A channel without identifier answers null, never "".
		for _, ch := range list[1:] {
			if id, ok := ch["identifier"]; !ok || id != nil {
				t.Errorf("channel without identifier: %s", mustJSON(ch))
			}
		}
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"type=whatsapp", []string{waMain, waOld}},
			{"type=telegram", []string{tgMain}},
			{"type=facebook", []string{}},
			{"active=true", []string{waMain, tgMain}},
			{"active=false", []string{waOld}},
			{"type=whatsapp&active=true", []string{waMain}},
			{"type=telegram&active=false", []string{}},
			{"active=true&page=1", []string{waMain, tgMain}},
			{"page=2", []string{}},
		} {
			r := s.Do("GET", "/v1/channels?"+tc.query, nil)
			if got := pluck(items(t, r, "channels"), "uuid"); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
			}
		}
		expectMeta(t, s.Do("GET", "/v1/channels?page=2", nil), 2, 1)
		expectMeta(t, s.Do("GET", "/v1/channels?type=facebook", nil), 1, 1)
		for query, field := range map[string]string{
			"type=sms": "type", "type=WhatsApp": "type", "active=maybe": "active", "active=yes": "active",
			"page=0": "page", "page=x": "page", "page=-1": "page",
		} {
			expectError(t, s.DoUnchecked("GET", "/v1/channels?"+query, nil), 400, field)
		}
	})
}

func TestGetAndUpdateChannel(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for _, id := range []string{waMain, strings.ToUpper(waMain), ob.Dashed(waMain)} {
			r := s.Do("GET", "/v1/channels/"+id, nil)
			expectStatus(t, r, 200)
			if at(r.JSON(t), "channel.uuid") != waMain || at(r.JSON(t), "channel.title") != "phone_number_1" {
				t.Errorf("GET %s: %s", id, r.Body)
			}
		}
		for _, id := range []string{"ffffffffffffffffffffffffffffffff", "nope", tplWelcome} {
			m := expectError(t, s.DoUnchecked("GET", "/v1/channels/"+id, nil), 404)
			if m["error"] != "channel not found" {
				t.Errorf("GET %s: %v", id, m)
			}
		}

		r := s.Do("PATCH", "/v1/channels/"+tgMain, map[string]any{"title": "Support bot", "type": "whatsapp"})
		expectStatus(t, r, 200)
		if c := at(r.JSON(t), "channel"); mustJSON(c) != `{"discardedAt":false,"identifier":null,"main":true,"title":"Support bot","type":"telegram","uuid":"`+tgMain+`"}` {
			t.Errorf("patched %s", mustJSON(c))
		}
		if at(s.Do("GET", "/v1/channels/"+tgMain, nil).JSON(t), "channel.title") != "Support bot" {
			t.Errorf("title not stored")
		}
		// An empty PATCH changes nothing.
		r = s.Do("PATCH", "/v1/channels/"+tgMain, map[string]any{})
		if expectStatus(t, r, 200); at(r.JSON(t), "channel.title") != "Support bot" {
			t.Errorf("empty patch: %s", r.Body)
		}

		for _, tc := range []struct {
			body   any
			status int
		}{
			{map[string]any{"title": ""}, 422},
			{map[string]any{"title": "   "}, 422},
			{map[string]any{"title": nil}, 422},
			{map[string]any{"title": 7}, 400},
			{map[string]any{"title": []string{"x"}}, 400},
		} {
			expectError(t, s.DoUnchecked("PATCH", "/v1/channels/"+tgMain, tc.body), tc.status, "title")
		}
		expectError(t, s.DoUnchecked("PATCH", "/v1/channels/"+tgMain, `{"title": "x"`), 400)
		expectError(t, s.DoUnchecked("PATCH", "/v1/channels/"+tgMain, `["title"]`), 400)
		expectError(t, s.Do("PATCH", "/v1/channels/ffffffffffffffffffffffffffffffff", map[string]any{"title": "x"}), 404)
		if at(s.Do("GET", "/v1/channels/"+tgMain, nil).JSON(t), "channel.title") != "Support bot" {
			t.Errorf("a failed PATCH changed the title")
		}
	})
}

func TestTeams(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("GET", "/v1/teams", nil)
		list := items(t, r, "teams")
		expectMeta(t, r, 1, 1)
		if got := pluck(list, "uuid"); !slices.Equal(got, []string{teamGen, teamSup}) {
			t.Fatalf("teams %v", got)
		}
		expectKeys(t, list[0], "uuid", "name", "createdAt", "default", "members")
		if list[0]["name"] != "General" || list[0]["default"] != true || list[0]["members"] != 2.0 ||
			list[1]["name"] != "Support" || list[1]["default"] != false || list[1]["members"] != 1.0 {
			t.Errorf("teams %s", mustJSON(list))
		}
		for _, tm := range list {
			if !reT1.MatchString(fmt.Sprint(tm["createdAt"])) {
				t.Errorf("createdAt %v", tm["createdAt"])
			}
		}
		r = s.Do("GET", "/v1/teams?page=2", nil)
		if len(items(t, r, "teams")) != 0 {
			t.Errorf("page 2: %s", r.Body)
		}
		expectMeta(t, r, 2, 1)
		expectError(t, s.DoUnchecked("GET", "/v1/teams?page=zero", nil), 400, "page")

		r = s.Do("GET", "/v1/teams/"+ob.Dashed(strings.ToUpper(teamSup)), nil)
		if expectStatus(t, r, 200); mustJSON(at(r.JSON(t), "team")) != mustJSON(list[1]) {
			t.Errorf("GET team %s, listed %s", r.Body, mustJSON(list[1]))
		}
		if m := expectError(t, s.Do("GET", "/v1/teams/"+waMain, nil), 404); m["error"] != "team not found" {
			t.Errorf("%v", m)
		}

		r = s.Do("PATCH", "/v1/teams/"+teamSup, map[string]any{"name": "Customer care", "default": true})
		expectStatus(t, r, 200)
		tm := at(r.JSON(t), "team").(map[string]any)
		if tm["name"] != "Customer care" || tm["default"] != false || tm["members"] != 1.0 || tm["createdAt"] != list[1]["createdAt"] {
			t.Errorf("patched %s", mustJSON(tm))
		}
		if at(s.Do("GET", "/v1/teams/"+teamSup, nil).JSON(t), "team.name") != "Customer care" {
			t.Errorf("name not stored")
		}
		// The contact in the team shows the new name.
		if at(s.Do("GET", "/v1/contacts/"+janeRoe, nil).JSON(t), "contact.team.name") != "Customer care" {
			t.Errorf("contact's team not renamed")
		}
		expectError(t, s.Do("PATCH", "/v1/teams/"+teamSup, map[string]any{"name": " "}), 422, "name")
		expectError(t, s.DoUnchecked("PATCH", "/v1/teams/"+teamSup, map[string]any{"name": nil}), 422, "name")
		expectError(t, s.DoUnchecked("PATCH", "/v1/teams/"+teamSup, map[string]any{"name": false}), 400, "name")
		expectError(t, s.Do("PATCH", "/v1/teams/ffffffffffffffffffffffffffffffff", map[string]any{"name": "x"}), 404)
	})
}

func TestTemplates(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("GET", "/v1/templates", nil)
		list := items(t, r, "templates")
		expectMeta(t, r, 1, 1)
		if got := pluck(list, "uuid"); !slices.Equal(got, []string{tplTitle, tplAnother, tplWelcome}) {
			t.Fatalf("templates %v", got)
		}
		expectKeys(t, list[0], "uuid", "title", "text", "templateType", "category", "status", "createdAt")
		w := list[2]
		if w["title"] != "Welcome" || w["text"] != "Hello {{1}}, this is a template message example" || w["templateType"] != "text" ||
			w["category"] != "UTILITY" || w["status"] != "approved" || !reT1.MatchString(fmt.Sprint(w["createdAt"])) {
			t.Errorf("Welcome %s", mustJSON(w))
		}
		if list[1]["status"] != "rejected" || list[1]["category"] != "MARKETING" {
			t.Errorf("Another %s", mustJSON(list[1]))
		}
		r = s.Do("GET", "/v1/templates?page=3", nil)
		if len(items(t, r, "templates")) != 0 {
			t.Errorf("page 3 %s", r.Body)
		}
		expectMeta(t, r, 3, 1)
		expectError(t, s.DoUnchecked("GET", "/v1/templates?page=1.5", nil), 400, "page")

		r = s.Do("GET", "/v1/templates/"+strings.ToUpper(tplWelcome), nil)
		if expectStatus(t, r, 200); mustJSON(at(r.JSON(t), "template")) != mustJSON(w) {
			t.Errorf("GET %s", r.Body)
		}
		if m := expectError(t, s.Do("GET", "/v1/templates/"+waMain, nil), 404); m["error"] != "template not found" {
			t.Errorf("%v", m)
		}

		r = s.Do("PATCH", "/v1/templates/"+tplWelcome, map[string]any{"title": "Greeting", "text": "ignored", "status": "rejected"})
		expectStatus(t, r, 200)
		tp := at(r.JSON(t), "template").(map[string]any)
		if tp["title"] != "Greeting" || tp["text"] != w["text"] || tp["status"] != "approved" {
			t.Errorf("patched %s", mustJSON(tp))
		}
		if at(s.Do("GET", "/v1/templates/"+tplWelcome, nil).JSON(t), "template.title") != "Greeting" {
			t.Errorf("title not stored")
		}
		expectError(t, s.Do("PATCH", "/v1/templates/"+tplWelcome, map[string]any{"title": ""}), 422, "title")
		expectError(t, s.DoUnchecked("PATCH", "/v1/templates/"+tplWelcome, map[string]any{"title": nil}), 422, "title")
		expectError(t, s.DoUnchecked("PATCH", "/v1/templates/"+tplWelcome, map[string]any{"title": 1}), 400, "title")
		expectError(t, s.DoUnchecked("PATCH", "/v1/templates/nope", map[string]any{"title": "x"}), 404)
	})
}

func TestFunnels(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("GET", "/v1/funnels", nil)
		list := items(t, r, "funnels")
		expectMeta(t, r, 1, 1)
		if got := pluck(list, "uuid"); !slices.Equal(got, []string{funnelAw, funnelInt, funnelDes, funnelAct}) {
			t.Fatalf("funnels %v", got)
		}
		expectKeys(t, list[0], "uuid", "name", "emoji", "position", "createdAt")
		// The emojis of Callbell's GET /funnels example.
		if got := pluck(list, "emoji"); !slices.Equal(got, []string{"\U0001F9D8\u200D\u2642\uFE0F", "\U0001F441\uFE0F", "\u2728", "\U0001F3AF"}) {
			t.Errorf("funnel emojis %q", got)
		}
		if list[0]["name"] != "Awareness" || list[0]["position"] != 1.0 || list[3]["position"] != 4.0 ||
			!reT2.MatchString(fmt.Sprint(list[0]["createdAt"])) {
			t.Errorf("funnels %s", mustJSON(list))
		}
		// Listed by position, not by creation.
		r = as(s, acmeToken, "GET", "/v1/funnels", nil)
		list = items(t, r, "funnels")
		if got := pluck(list, "name"); !slices.Equal(got, []string{"First", "Second", "Third"}) {
			t.Errorf("acme funnels %v", got)
		}
		if list[2]["uuid"] != acmeFunnel3 || list[2]["emoji"] != "3️⃣" {
			t.Errorf("Third %s", mustJSON(list[2]))
		}
		// A funnel without emoji answers null, never "".
		if emoji, ok := list[1]["emoji"]; !ok || emoji != nil {
			t.Errorf("Second, without emoji: %s", mustJSON(list[1]))
		}
		r = s.Do("GET", "/v1/funnels?page=2", nil)
		if len(items(t, r, "funnels")) != 0 {
			t.Errorf("page 2 %s", r.Body)
		}
		expectMeta(t, r, 2, 1)
		expectError(t, s.DoUnchecked("GET", "/v1/funnels?page=0", nil), 400, "page")
	}, withAcme)
}

func TestPlan(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("GET", "/v1/plan", nil)
		expectStatus(t, r, 200)
		m := r.JSON(t)
		teams := m["teams"].([]any)
		delete(m, "teams")
		if mustJSON(m) != `{"activeUsers":2,"includedChannels":3,"licenses":5,"plan":"business_plus"}` {
			t.Errorf("plan %s", mustJSON(m))
		}
		if len(teams) != 2 || at(teams[0], "uuid") != teamGen || at(teams[0], "members") != 2.0 ||
			at(teams[1], "name") != "Support" || at(teams[1], "members") != 1.0 || !reT1.MatchString(at(teams[1], "createdAt").(string)) {
			t.Errorf("teams %s", mustJSON(teams))
		}
		// activeUsers counts the account's users, available or away: it does
		// not drop when a user goes away.
		expectStatus(t, s.Do("PUT", "/v1/users/"+userJohn+"/status", map[string]any{"available": false}), 200)
		if at(member(t, s, "john.doe@email.com"), "available") != false {
			t.Fatalf("John did not go away")
		}
		if n := at(s.Do("GET", "/v1/plan", nil).JSON(t), "activeUsers"); n != 2.0 {
			t.Errorf("activeUsers %v after John went away, want 2", n)
		}
		// Another account has its own plan and counts (its Bo is away).
		r = as(s, acmeToken, "GET", "/v1/plan", nil)
		expectStatus(t, r, 200)
		m = r.JSON(t)
		if m["plan"] != "starter" || m["includedChannels"] != 1.0 || m["licenses"] != 2.0 || m["activeUsers"] != 2.0 ||
			mustJSON(pluck(items(t, r, "teams"), "uuid")) != `["`+acmeTeam+`"]` || at(m["teams"].([]any)[0], "members") != 2.0 {
			t.Errorf("acme plan %s", r.Body)
		}
	}, withAcme)
}

func TestAuthMe(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("GET", "/v1/auth/me", nil)
		expectStatus(t, r, 200)
		want := `{"api_key":"key-` + ob.HashToken(apitest.DemoToken)[:8] + `","status":"ok","user_email":"john.doe@email.com","user_name":"John Doe"}`
		if mustJSON(r.JSON(t)) != want {
			t.Errorf("me %s, want %s", r.Body, want)
		}
		if strings.Contains(string(r.Body), apitest.DemoToken) {
			t.Errorf("the answer holds the secret: %s", r.Body)
		}
		// The Rails header form names the same key.
		r = s.Send(apitest.Request{Method: "GET", Path: "/v1/auth/me", Token: "-",
			Header: map[string]string{"Authorization": "Token token=" + apitest.DemoToken}})
		if expectStatus(t, r, 200); mustJSON(r.JSON(t)) != want {
			t.Errorf("Token form %s", r.Body)
		}
		// Acme's first user is not an admin: the first admin is named.
		r = as(s, acmeToken, "GET", "/v1/auth/me", nil)
		want = `{"api_key":"key-` + ob.HashToken(acmeToken)[:8] + `","status":"ok","user_email":"ana@acme.test","user_name":"Ana Lima"}`
		if expectStatus(t, r, 200); mustJSON(r.JSON(t)) != want {
			t.Errorf("acme me %s, want %s", r.Body, want)
		}
		r = s.Send(apitest.Request{Method: "GET", Path: "/v1/auth/me", Token: "wrong"})
		if r.Status != 401 || strings.TrimSpace(string(r.Body)) != `{"error":"not authorized"}` {
			t.Errorf("bad token %d %s", r.Status, r.Body)
		}
	}, withAcme)
}

// TestWorkspaceIsolation checks that a token never sees or changes another
// account's workspace objects: a foreign id answers like a missing one.
func TestWorkspaceIsolation(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		lists := map[string]string{
			"/v1/channels": "channels", "/v1/teams": "teams", "/v1/templates": "templates",
			"/v1/funnels": "funnels", "/v1/custom_statuses": "customStatuses",
		}
		acmeIDs := map[string][]string{
			"/v1/channels": {acmeChannel}, "/v1/teams": {acmeTeam}, "/v1/templates": {acmeTpl},
			"/v1/funnels": {"", "", acmeFunnel3}, "/v1/custom_statuses": {acmeStatus},
		}
		for path, key := range lists {
			got := items(t, as(s, acmeToken, "GET", path, nil), key)
			idKey := "uuid"
			if key == "customStatuses" {
				idKey = "id"
			}
			ids := pluck(got, idKey)
			want := acmeIDs[path]
			for i, id := range want {
				if id != "" && (i >= len(ids) || ids[i] != id) {
					t.Errorf("acme %s: %v, want %v", path, ids, want)
				}
			}
			if len(ids) != len(want) {
				t.Errorf("acme %s: %v", path, ids)
			}
			demo := items(t, s.Do("GET", path, nil), key)
			for _, d := range pluck(demo, idKey) {
				if slices.Contains(ids, d) {
					t.Errorf("%s: %s listed for both accounts", path, d)
				}
			}
		}
		// Demo ids through the Acme token.
		for _, req := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/v1/channels/" + waMain, nil},
			{"PATCH", "/v1/channels/" + waMain, map[string]any{"title": "stolen"}},
			{"GET", "/v1/teams/" + teamGen, nil},
			{"PATCH", "/v1/teams/" + teamGen, map[string]any{"name": "stolen"}},
			{"GET", "/v1/teams/" + teamGen + "/members", nil},
			{"GET", "/v1/templates/" + tplWelcome, nil},
			{"PATCH", "/v1/templates/" + tplWelcome, map[string]any{"title": "stolen"}},
			{"GET", "/v1/custom_statuses/" + csLunch, nil},
			{"PUT", "/v1/custom_statuses/" + csLunch, map[string]any{"name": "stolen"}},
			{"DELETE", "/v1/custom_statuses/" + csLunch, nil},
			{"PUT", "/v1/users/" + userJohn + "/status", map[string]any{"available": false}},
			{"DELETE", "/v1/users/" + userJohn + "/status", nil},
		} {
			expectError(t, as(s, acmeToken, req.method, req.path, req.body), 404)
		}
		// Acme ids through the demo token.
		for _, path := range []string{"/v1/channels/" + acmeChannel, "/v1/teams/" + acmeTeam, "/v1/teams/" + acmeTeam + "/members",
			"/v1/templates/" + acmeTpl, "/v1/custom_statuses/" + acmeStatus} {
			expectError(t, s.Do("GET", path, nil), 404)
		}
		expectError(t, s.Do("PUT", "/v1/users/"+acmeAna+"/status", map[string]any{"available": false}), 404)
		// A custom status of another account is unknown (422), not usable.
		expectError(t, s.Do("PUT", "/v1/users/"+userJohn+"/status", map[string]any{"custom_status_uuid": acmeStatus}), 422, "custom_status_uuid")
		expectError(t, as(s, acmeToken, "PUT", "/v1/users/"+acmeAna+"/status", map[string]any{"custom_status_uuid": csLunch}), 422, "custom_status_uuid")

		// Nothing of the demo changed, and the demo account recorded no event.
		if at(s.Do("GET", "/v1/channels/"+waMain, nil).JSON(t), "channel.title") != "phone_number_1" ||
			at(s.Do("GET", "/v1/teams/"+teamGen, nil).JSON(t), "team.name") != "General" ||
			at(s.Do("GET", "/v1/templates/"+tplWelcome, nil).JSON(t), "template.title") != "Welcome" ||
			at(s.Do("GET", "/v1/custom_statuses/"+csLunch, nil).JSON(t), "customStatus.name") != "Lunch" {
			t.Errorf("the demo workspace changed")
		}
		if evs := s.Events(""); len(evs) != 0 {
			t.Errorf("demo events %v", names(evs))
		}
		if evs := s.Events(acmeToken); len(evs) != 0 {
			t.Errorf("acme events %v", names(evs))
		}
	}, withAcme)
}

// TestWorkspacePagination pages through 25 of each object: 20 on the first
// page, the rest on the second, nothing past the end, no object twice.
func TestWorkspacePagination(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("GET", "/v1/teams", nil) // the demo token sees none of Big's objects
		if len(items(t, r, "teams")) != 2 {
			t.Errorf("demo teams %s", r.Body)
		}
		teams := items(t, as(s, "big-token", "GET", "/v1/teams", nil), "teams")
		members := "/v1/teams/" + teams[0]["uuid"].(string) + "/members"
		for _, tc := range []struct {
			path, key, field string
			total            int
			first            string
		}{
			{"/v1/channels", "channels", "title", 25, "Bot 01"},
			{"/v1/channels?active=true", "channels", "title", 13, "Bot 01"},
			{"/v1/channels?active=false&type=telegram", "channels", "title", 12, "Bot 02"},
			{"/v1/teams", "teams", "name", 25, "Team 01"},
			{"/v1/templates", "templates", "title", 25, "Template 01"},
			{"/v1/funnels", "funnels", "name", 25, "Stage 25"},
			{"/v1/custom_statuses", "customStatuses", "name", 25, "Status 01"},
			{members, "users", "email", 25, ""},
			{members + "?status=available", "users", "email", 13, ""},
			{members + "?status=away", "users", "email", 12, ""},
		} {
			sep := "?"
			if strings.Contains(tc.path, "?") {
				sep = "&"
			}
			pages := (tc.total + 19) / 20
			var seen []string
			for page := 1; page <= pages+1; page++ {
				r := as(s, "big-token", "GET", fmt.Sprintf("%s%spage=%d", tc.path, sep, page), nil)
				got := pluck(items(t, r, tc.key), tc.field)
				expectMeta(t, r, page, pages)
				want := min(20, max(0, tc.total-(page-1)*20))
				if len(got) != want {
					t.Errorf("%s page %d: %d items, want %d", tc.path, page, len(got), want)
				}
				if page == 1 && tc.first != "" && (len(got) == 0 || got[0] != tc.first) {
					t.Errorf("%s: first %v, want %s", tc.path, got, tc.first)
				}
				seen = append(seen, got...)
			}
			sorted := slices.Clone(seen)
			slices.Sort(sorted)
			if len(slices.Compact(sorted)) != tc.total {
				t.Errorf("%s: %d distinct items over the pages, want %d", tc.path, len(slices.Compact(sorted)), tc.total)
			}
		}
		// The filters hold on every page.
		for _, page := range []string{"1", "2"} {
			for _, m := range items(t, as(s, "big-token", "GET", members+"?status=away&page="+page, nil), "users") {
				if m["available"] != false {
					t.Errorf("away lists %s", mustJSON(m))
				}
			}
		}
		for _, m := range items(t, as(s, "big-token", "GET", "/v1/channels?active=true", nil), "channels") {
			if m["discardedAt"] != false {
				t.Errorf("active lists %s", mustJSON(m))
			}
		}
		// GET /plan counts every user (13 available, 12 away) and lists every
		// team.
		r = as(s, "big-token", "GET", "/v1/plan", nil)
		if at(r.JSON(t), "activeUsers") != 25.0 || len(items(t, r, "teams")) != 25 {
			t.Errorf("big plan: activeUsers %v, %d teams", at(r.JSON(t), "activeUsers"), len(items(t, r, "teams")))
		}
	}, withBig)
}

func TestAuthMeWithoutUsers(t *testing.T) {
	empty := func(t testing.TB) apitest.Option {
		return apitest.WithSeed(t, "accounts:\n  - name: Empty\n    tokens: [\"empty-token\"]\n")
	}
	each(t, func(t *testing.T, s *apitest.Server) {
		r := as(s, "empty-token", "GET", "/v1/auth/me", nil)
		want := `{"api_key":"key-` + ob.HashToken("empty-token")[:8] + `","status":"ok","user_email":null,"user_name":null}`
		if expectStatus(t, r, 200); mustJSON(r.JSON(t)) != want {
			t.Errorf("me %s, want %s", r.Body, want)
		}
		r = as(s, "empty-token", "GET", "/v1/plan", nil)
		if expectStatus(t, r, 200); at(r.JSON(t), "activeUsers") != 0.0 || mustJSON(at(r.JSON(t), "teams")) != `[]` {
			t.Errorf("plan %s", r.Body)
		}
		for path, key := range map[string]string{"/v1/channels": "channels", "/v1/teams": "teams", "/v1/templates": "templates",
			"/v1/funnels": "funnels", "/v1/custom_statuses": "customStatuses"} {
			r := as(s, "empty-token", "GET", path, nil)
			if len(items(t, r, key)) != 0 {
				t.Errorf("%s: %s", path, r.Body)
			}
			expectMeta(t, r, 1, 1)
		}
	}, empty)
}
