package apitest_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/store"
)

// member returns the TeamMember of email in the General team.
func member(t *testing.T, s *apitest.Server, email string) map[string]any {
	t.Helper()
	for _, m := range items(t, s.Do("GET", "/v1/teams/"+teamGen+"/members", nil), "users") {
		if m["email"] == email {
			return m
		}
	}
	t.Fatalf("%s is not a member of General", email)
	return nil
}

// statusEvents returns the agent_status_updated payloads recorded after the
// first `after` events of the demo account, and fails on any other event.
func statusEvents(t *testing.T, s *apitest.Server, after int) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range s.Events("")[after:] {
		if e.Name != ob.EventAgentStatusUpdated {
			t.Errorf("unexpected event %s", e.Name)
			continue
		}
		if e.ContactID != "" {
			t.Errorf("agent_status_updated about contact %s", e.ContactID)
		}
		var p map[string]any
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func TestTeamMembers(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("GET", "/v1/teams/"+teamGen+"/members", nil)
		list := items(t, r, "users")
		expectMeta(t, r, 1, 1)
		// In the order they joined (the fixture adds John, then Jane).
		if emails := pluck(list, "email"); !slices.Equal(emails, []string{"john.doe@email.com", "jane.doe@email.com"}) {
			t.Fatalf("members %v", emails)
		}
		john, jane := member(t, s, "john.doe@email.com"), member(t, s, "jane.doe@email.com")
		expectKeys(t, john, "uuid", "email", "name", "available", "lastUpdatedAt")
		if john["uuid"] != userJohn || john["name"] != "John Doe" || john["available"] != true || !reT1.MatchString(john["lastUpdatedAt"].(string)) {
			t.Errorf("John %s", mustJSON(john))
		}
		if _, ok := john["userCustomStatus"]; ok {
			t.Errorf("John has no custom status: %s", mustJSON(john))
		}
		cs, _ := jane["userCustomStatus"].(map[string]any)
		if cs == nil || cs["id"] != csVacation || cs["name"] != "Vacationing" || cs["emoji"] != "🚌" || !reT1.MatchString(cs["updatedAt"].(string)) {
			t.Errorf("Jane %s", mustJSON(jane))
		}
		if len(jane["uuid"].(string)) != 32 || jane["name"] != "Jane Doe" {
			t.Errorf("Jane %s", mustJSON(jane))
		}
		if got := pluck(items(t, s.Do("GET", "/v1/teams/"+ob.Dashed(teamSup)+"/members", nil), "users"), "email"); !slices.Equal(got, []string{"jane.doe@email.com"}) {
			t.Errorf("Support members %v", got)
		}

		for query, want := range map[string]int{"status=available": 2, "status=away": 0, "page=2": 0, "status=away&page=1": 0} {
			r := s.Do("GET", "/v1/teams/"+teamGen+"/members?"+query, nil)
			if got := items(t, r, "users"); len(got) != want {
				t.Errorf("%s: %d members, want %d", query, len(got), want)
			}
		}
		expectMeta(t, s.Do("GET", "/v1/teams/"+teamGen+"/members?page=2", nil), 2, 1)
		expectStatus(t, s.Do("PUT", "/v1/users/"+userJohn+"/status", map[string]any{"available": false}), 200)
		if got := pluck(items(t, s.Do("GET", "/v1/teams/"+teamGen+"/members?status=away", nil), "users"), "email"); !slices.Equal(got, []string{"john.doe@email.com"}) {
			t.Errorf("away %v", got)
		}
		if got := pluck(items(t, s.Do("GET", "/v1/teams/"+teamGen+"/members?status=available", nil), "users"), "email"); !slices.Equal(got, []string{"jane.doe@email.com"}) {
			t.Errorf("available %v", got)
		}
		for _, q := range []string{"status=online", "status=Available", "status=true", "page=0"} {
			expectError(t, s.DoUnchecked("GET", "/v1/teams/"+teamGen+"/members?"+q, nil), 400, strings.SplitN(q, "=", 2)[0])
		}
		for _, id := range []string{"ffffffffffffffffffffffffffffffff", "nope", userJohn, waMain} {
			if m := expectError(t, s.DoUnchecked("GET", "/v1/teams/"+id+"/members", nil), 404); m["error"] != "team not found" {
				t.Errorf("%s: %v", id, m)
			}
		}
	})
}

func TestSetUserStatus(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		path := "/v1/users/" + userJohn + "/status"
		r := s.Do("PUT", path, map[string]any{"available": false})
		expectStatus(t, r, 200)
		m := r.JSON(t)
		if at(m, "user_status.appearance.available") != false || !reT3.MatchString(at(m, "user_status.appearance.last_updated_at").(string)) {
			t.Errorf("answer %s", r.Body)
		}
		if v, ok := at(m, "user_status").(map[string]any)["custom_status"]; !ok || v != nil {
			t.Errorf("custom_status should be null: %s", r.Body)
		}
		evs := statusEvents(t, s, 0)
		if len(evs) != 1 {
			t.Fatalf("%d events, want 1", len(evs))
		}
		if evs[0]["uuid"] != userJohn || evs[0]["email"] != "john.doe@email.com" || evs[0]["name"] != "John Doe" ||
			evs[0]["available"] != false || !reT1.MatchString(evs[0]["lastUpdatedAt"].(string)) {
			t.Errorf("payload %s", mustJSON(evs[0]))
		}
		if _, ok := evs[0]["userCustomStatus"]; ok {
			t.Errorf("payload %s", mustJSON(evs[0]))
		}
		if member(t, s, "john.doe@email.com")["available"] != false {
			t.Errorf("availability not stored")
		}

		// The same value again changes nothing and fires nothing.
		r = s.Do("PUT", path, map[string]any{"available": false})
		if expectStatus(t, r, 200); at(r.JSON(t), "user_status.appearance.available") != false {
			t.Errorf("answer %s", r.Body)
		}
		if n := len(s.Events("")); n != 1 {
			t.Errorf("%d events after a no-op", n)
		}

		// A custom status, given in any id form, answers in uuid36.
		r = s.Do("PUT", path, map[string]any{"custom_status_uuid": strings.ToUpper(strings.ReplaceAll(csLunch, "-", ""))})
		expectStatus(t, r, 200)
		cs := at(r.JSON(t), "user_status.custom_status").(map[string]any)
		if cs["id"] != csLunch || cs["name"] != "Lunch" || !reT3.MatchString(cs["last_updated_at"].(string)) ||
			at(r.JSON(t), "user_status.appearance.available") != false {
			t.Errorf("answer %s", r.Body)
		}
		evs = statusEvents(t, s, 1)
		if len(evs) != 1 || mustJSON(evs[0]["userCustomStatus"]) != mustJSON(member(t, s, "john.doe@email.com")["userCustomStatus"]) ||
			at(evs[0], "userCustomStatus.id") != csLunch || at(evs[0], "userCustomStatus.emoji") != "🍙" {
			t.Errorf("events %s", mustJSON(evs))
		}

		// Both at once: one event.
		r = s.Do("PUT", path, map[string]any{"available": true, "custom_status_uuid": csMeeting})
		expectStatus(t, r, 200)
		if at(r.JSON(t), "user_status.appearance.available") != true || at(r.JSON(t), "user_status.custom_status.name") != "In meeting" {
			t.Errorf("answer %s", r.Body)
		}
		if evs = statusEvents(t, s, 2); len(evs) != 1 || evs[0]["available"] != true || at(evs[0], "userCustomStatus.name") != "In meeting" {
			t.Errorf("events %s", mustJSON(evs))
		}
		// available alone keeps the custom status in the answer.
		r = s.Do("PUT", path, map[string]any{"available": true})
		if at(r.JSON(t), "user_status.custom_status.id") != csMeeting {
			t.Errorf("answer %s", r.Body)
		}

		// null (or "") clears.
		for i, clear := range []any{nil, ""} {
			if i == 1 {
				expectStatus(t, s.Do("PUT", path, map[string]any{"custom_status_uuid": csLunch}), 200)
			}
			before := len(s.Events(""))
			r = s.Do("PUT", path, map[string]any{"custom_status_uuid": clear})
			expectStatus(t, r, 200)
			if v := at(r.JSON(t), "user_status").(map[string]any)["custom_status"]; v != nil {
				t.Errorf("clear with %v: %s", clear, r.Body)
			}
			if evs := statusEvents(t, s, before); len(evs) != 1 || evs[0]["userCustomStatus"] != nil {
				t.Errorf("clear with %v: events %s", clear, mustJSON(evs))
			}
		}
		if _, ok := member(t, s, "john.doe@email.com")["userCustomStatus"]; ok {
			t.Errorf("custom status not cleared")
		}

		// Rule violations change nothing and fire nothing.
		before := len(s.Events(""))
		for _, tc := range []struct {
			body   any
			status int
			fields []string
		}{
			{map[string]any{}, 422, []string{"available", "custom_status_uuid"}},
			{nil, 422, []string{"available"}},
			{map[string]any{"available": nil}, 422, []string{"available"}},
			{map[string]any{"available": "yes"}, 400, []string{"available"}},
			{map[string]any{"available": 1}, 400, []string{"available"}},
			{map[string]any{"custom_status_uuid": 5}, 400, []string{"custom_status_uuid"}},
			{map[string]any{"custom_status_uuid": true}, 400, []string{"custom_status_uuid"}},
			{map[string]any{"custom_status_uuid": "ffffffff-ffff-4fff-bfff-ffffffffffff"}, 422, []string{"custom_status_uuid"}},
			{map[string]any{"custom_status_uuid": "lunch"}, 422, []string{"custom_status_uuid"}},
			{map[string]any{"available": false, "custom_status_uuid": funnelAw}, 422, []string{"custom_status_uuid"}},
			{`{"available": tru}`, 400, nil},
		} {
			expectError(t, s.DoUnchecked("PUT", path, tc.body), tc.status, tc.fields...)
		}
		for _, id := range []string{"ffffffffffffffffffffffffffffffff", "nope", teamGen} {
			if m := expectError(t, s.DoUnchecked("PUT", "/v1/users/"+id+"/status", map[string]any{"available": true}), 404); m["error"] != "user not found" {
				t.Errorf("%s: %v", id, m)
			}
		}
		if n := len(s.Events("")); n != before {
			t.Errorf("failed requests recorded %d events", n-before)
		}
		if member(t, s, "john.doe@email.com")["available"] != true {
			t.Errorf("a failed request changed John")
		}
	})
}

func TestClearUserStatus(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		jane := member(t, s, "jane.doe@email.com")
		path := "/v1/users/" + jane["uuid"].(string) + "/status"
		r := s.Do("DELETE", path, nil)
		expectStatus(t, r, 204)
		if len(r.Body) != 0 {
			t.Errorf("204 with body %q", r.Body)
		}
		after := member(t, s, "jane.doe@email.com")
		if _, ok := after["userCustomStatus"]; ok || after["available"] != true {
			t.Errorf("Jane %s", mustJSON(after))
		}
		evs := statusEvents(t, s, 0)
		if len(evs) != 1 || evs[0]["email"] != "jane.doe@email.com" || evs[0]["userCustomStatus"] != nil {
			t.Errorf("events %s", mustJSON(evs))
		}
		// Nothing to clear: 204, no event.
		expectStatus(t, s.Do("DELETE", path, nil), 204)
		expectStatus(t, s.Do("DELETE", "/v1/users/"+userJohn+"/status", nil), 204)
		if n := len(s.Events("")); n != 1 {
			t.Errorf("%d events, want 1", n)
		}
		if m := expectError(t, s.Do("DELETE", "/v1/users/ffffffffffffffffffffffffffffffff/status", nil), 404); m["error"] != "user not found" {
			t.Errorf("%v", m)
		}
		expectError(t, s.DoUnchecked("GET", path, nil), 405)
	})
}

func TestCustomStatuses(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("GET", "/v1/custom_statuses", nil)
		list := items(t, r, "customStatuses")
		expectMeta(t, r, 1, 1)
		if got := pluck(list, "id"); !slices.Equal(got, []string{csVacation, csMeeting, csLunch}) {
			t.Fatalf("custom statuses %v", got)
		}
		expectKeys(t, list[0], "id", "name", "emoji", "createdAt", "updatedAt")
		for _, cs := range list {
			if !reT2.MatchString(cs["createdAt"].(string)) || !reT2.MatchString(cs["updatedAt"].(string)) {
				t.Errorf("times %s", mustJSON(cs))
			}
		}
		if list[1]["name"] != "In meeting" || list[1]["emoji"] != "💬" {
			t.Errorf("In meeting %s", mustJSON(list[1]))
		}
		r = s.Do("GET", "/v1/custom_statuses?page=2", nil)
		if len(items(t, r, "customStatuses")) != 0 {
			t.Errorf("page 2 %s", r.Body)
		}
		expectMeta(t, r, 2, 1)
		expectError(t, s.DoUnchecked("GET", "/v1/custom_statuses?page=none", nil), 400, "page")

		for _, id := range []string{csLunch, strings.ToUpper(csLunch), strings.ReplaceAll(csLunch, "-", "")} {
			r := s.Do("GET", "/v1/custom_statuses/"+id, nil)
			if expectStatus(t, r, 200); mustJSON(at(r.JSON(t), "customStatus")) != mustJSON(list[2]) {
				t.Errorf("GET %s: %s", id, r.Body)
			}
		}
		for _, id := range []string{"ffffffff-ffff-4fff-bfff-ffffffffffff", "lunch", funnelAw} {
			if m := expectError(t, s.DoUnchecked("GET", "/v1/custom_statuses/"+id, nil), 404); m["error"] != "custom status not found" {
				t.Errorf("%s: %v", id, m)
			}
		}

		// Create.
		r = s.Do("POST", "/v1/custom_statuses", map[string]any{"name": "Focus", "emoji": "🎧", "id": csLunch})
		expectStatus(t, r, 200)
		focus := at(r.JSON(t), "customStatus").(map[string]any)
		if !reUUID36.MatchString(focus["id"].(string)) || focus["id"] == csLunch || focus["name"] != "Focus" || focus["emoji"] != "🎧" ||
			!reT2.MatchString(focus["createdAt"].(string)) || focus["createdAt"] != focus["updatedAt"] {
			t.Errorf("created %s", mustJSON(focus))
		}
		id := focus["id"].(string)
		if r := s.Do("GET", "/v1/custom_statuses/"+id, nil); mustJSON(at(r.JSON(t), "customStatus")) != mustJSON(focus) {
			t.Errorf("GET created %s", r.Body)
		}
		// Without emoji, or with "", a status has none: null, never "".
		for _, body := range []map[string]any{{"name": "Plain"}, {"name": "Blank", "emoji": ""}} {
			r = s.Do("POST", "/v1/custom_statuses", body)
			if cs := obj(t, r, "customStatus"); cs["emoji"] != nil || !strings.Contains(string(r.Body), `"emoji":null`) {
				t.Errorf("no emoji %s", r.Body)
			}
			if cs := obj(t, s.Do("GET", "/v1/custom_statuses/"+at(r.JSON(t), "customStatus.id").(string), nil), "customStatus"); cs["emoji"] != nil {
				t.Errorf("GET without emoji %s", mustJSON(cs))
			}
		}
		if got := pluck(items(t, s.Do("GET", "/v1/custom_statuses", nil), "customStatuses"), "name"); !slices.Equal(got, []string{"Vacationing", "In meeting", "Lunch", "Focus", "Plain", "Blank"}) {
			t.Errorf("after create %v", got)
		}
		for _, tc := range []struct {
			body   any
			status int
			field  string
		}{
			{map[string]any{}, 422, "name"},
			{nil, 422, "name"},
			{map[string]any{"name": ""}, 422, "name"},
			{map[string]any{"name": " \t"}, 422, "name"},
			{map[string]any{"name": nil, "emoji": "x"}, 422, "name"},
			{map[string]any{"name": 3}, 400, "name"},
			{map[string]any{"name": "Ok", "emoji": 1}, 400, "emoji"},
		} {
			expectError(t, s.DoUnchecked("POST", "/v1/custom_statuses", tc.body), tc.status, tc.field)
		}
		expectError(t, s.DoUnchecked("POST", "/v1/custom_statuses", "name=x"), 400)

		// Update.
		r = s.Do("PUT", "/v1/custom_statuses/"+id, map[string]any{"emoji": "🎵"})
		expectStatus(t, r, 200)
		if c := at(r.JSON(t), "customStatus").(map[string]any); c["name"] != "Focus" || c["emoji"] != "🎵" || c["id"] != id || c["createdAt"] != focus["createdAt"] {
			t.Errorf("updated %s", mustJSON(c))
		}
		r = s.Do("PUT", "/v1/custom_statuses/"+strings.ToUpper(id), map[string]any{"name": "Deep focus", "emoji": nil})
		if c := at(r.JSON(t), "customStatus").(map[string]any); c["name"] != "Deep focus" || c["emoji"] != nil {
			t.Errorf("updated %s", mustJSON(c))
		}
		expectStatus(t, s.Do("PUT", "/v1/custom_statuses/"+id, map[string]any{"emoji": "🎵"}), 200)
		r = s.Do("PUT", "/v1/custom_statuses/"+id, map[string]any{"emoji": ""})
		if c := obj(t, r, "customStatus"); c["emoji"] != nil {
			t.Errorf("emoji cleared with \"\": %s", mustJSON(c))
		}
		if at(s.Do("GET", "/v1/custom_statuses/"+id, nil).JSON(t), "customStatus.name") != "Deep focus" {
			t.Errorf("update not stored")
		}
		expectError(t, s.Do("PUT", "/v1/custom_statuses/"+id, map[string]any{"name": ""}), 422, "name")
		expectError(t, s.DoUnchecked("PUT", "/v1/custom_statuses/"+id, map[string]any{"name": nil}), 422, "name")
		expectError(t, s.DoUnchecked("PUT", "/v1/custom_statuses/"+id, map[string]any{"name": []string{}}), 400, "name")
		expectError(t, s.Do("PUT", "/v1/custom_statuses/ffffffff-ffff-4fff-bfff-ffffffffffff", map[string]any{"name": "x"}), 404)
		if at(s.Do("GET", "/v1/custom_statuses/"+id, nil).JSON(t), "customStatus.name") != "Deep focus" {
			t.Errorf("a failed update changed the status")
		}
		// Renaming a held status shows in the members who hold it.
		expectStatus(t, s.Do("PUT", "/v1/custom_statuses/"+csVacation, map[string]any{"name": "Holidays"}), 200)
		if at(member(t, s, "jane.doe@email.com"), "userCustomStatus.name") != "Holidays" {
			t.Errorf("Jane %s", mustJSON(member(t, s, "jane.doe@email.com")))
		}
		if n := len(s.Events("")); n != 0 {
			t.Errorf("%d events from custom status changes", n)
		}
	})
}

// TestHeldStatusWithoutEmojiIsNull: the userCustomStatus of a user holding a
// status without emoji answers "emoji": null, in the members list and in
// agent_status_updated.
func TestHeldStatusWithoutEmojiIsNull(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for _, body := range []map[string]any{{"name": "Plain"}, {"name": "Blank", "emoji": ""}} {
			id := obj(t, s.Do("POST", "/v1/custom_statuses", body), "customStatus")["id"]
			before := len(s.Events(""))
			expectStatus(t, s.Do("PUT", "/v1/users/"+userJohn+"/status", map[string]any{"custom_status_uuid": id}), 200)
			if c := at(member(t, s, "john.doe@email.com"), "userCustomStatus"); at(c, "id") != id || !hasKey(c, "emoji") || at(c, "emoji") != nil {
				t.Errorf("member holding %s: %s", body["name"], mustJSON(c))
			}
			if evs := statusEvents(t, s, before); len(evs) != 1 || !hasKey(at(evs[0], "userCustomStatus"), "emoji") || at(evs[0], "userCustomStatus.emoji") != nil {
				t.Errorf("agent_status_updated %s", mustJSON(evs))
			}
		}
		// A status with an emoji keeps it.
		expectStatus(t, s.Do("PUT", "/v1/users/"+userJohn+"/status", map[string]any{"custom_status_uuid": csLunch}), 200)
		if e := at(member(t, s, "john.doe@email.com"), "userCustomStatus.emoji"); e != "🍙" {
			t.Errorf("Lunch emoji %v", e)
		}
	})
}

func TestDeleteCustomStatus(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		// John takes Vacationing too: both holders lose it.
		expectStatus(t, s.Do("PUT", "/v1/users/"+userJohn+"/status", map[string]any{"custom_status_uuid": csVacation}), 200)
		before := len(s.Events(""))
		r := s.Do("DELETE", "/v1/custom_statuses/"+strings.ToUpper(csVacation), nil)
		expectStatus(t, r, 200)
		if strings.TrimSpace(string(r.Body)) != `{"status":"custom status was destroyed"}` {
			t.Errorf("answer %s", r.Body)
		}
		expectError(t, s.Do("GET", "/v1/custom_statuses/"+csVacation, nil), 404)
		expectError(t, s.Do("DELETE", "/v1/custom_statuses/"+csVacation, nil), 404)
		expectError(t, s.DoUnchecked("DELETE", "/v1/custom_statuses/nope", nil), 404)
		if got := pluck(items(t, s.Do("GET", "/v1/custom_statuses", nil), "customStatuses"), "id"); !slices.Equal(got, []string{csMeeting, csLunch}) {
			t.Errorf("after delete %v", got)
		}
		for _, email := range []string{"john.doe@email.com", "jane.doe@email.com"} {
			if m := member(t, s, email); m["userCustomStatus"] != nil {
				t.Errorf("%s still holds %s", email, mustJSON(m))
			}
		}
		evs := statusEvents(t, s, before)
		if got := pluck(evs, "email"); !slices.Equal(got, []string{"john.doe@email.com", "jane.doe@email.com"}) {
			t.Errorf("events for %v", got)
		}
		for _, e := range evs {
			if e["userCustomStatus"] != nil || e["available"] != true {
				t.Errorf("payload %s", mustJSON(e))
			}
		}
		// The deleted status can no longer be given.
		expectError(t, s.Do("PUT", "/v1/users/"+userJohn+"/status", map[string]any{"custom_status_uuid": csVacation}), 422, "custom_status_uuid")
		// Deleting a status nobody holds fires nothing.
		before = len(s.Events(""))
		expectStatus(t, s.Do("DELETE", "/v1/custom_statuses/"+csMeeting, nil), 200)
		if n := len(s.Events("")); n != before {
			t.Errorf("%d events for a status nobody held", n-before)
		}
	})
}

// TestDeleteCustomStatusSingularPath: DELETE /v1/custom_status/:id, the path
// every published example uses, is DELETE /v1/custom_statuses/:id.
func TestDeleteCustomStatusSingularPath(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		expectStatus(t, s.Do("PUT", "/v1/users/"+userJohn+"/status", map[string]any{"custom_status_uuid": csLunch}), 200)
		before := len(s.Events(""))
		r := s.Do("DELETE", "/v1/custom_status/"+strings.ReplaceAll(csLunch, "-", ""), nil)
		expectStatus(t, r, 200)
		if strings.TrimSpace(string(r.Body)) != `{"status":"custom status was destroyed"}` {
			t.Errorf("answer %s", r.Body)
		}
		expectError(t, s.Do("GET", "/v1/custom_statuses/"+csLunch, nil), 404)
		if m := member(t, s, "john.doe@email.com"); m["userCustomStatus"] != nil {
			t.Errorf("John still holds Lunch: %s", mustJSON(m))
		}
		if evs := statusEvents(t, s, before); len(evs) != 1 || evs[0]["email"] != "john.doe@email.com" {
			t.Errorf("events %s", mustJSON(evs))
		}
		if m := expectError(t, s.Do("DELETE", "/v1/custom_status/"+csLunch, nil), 404); m["error"] != "custom status not found" {
			t.Errorf("deleted twice: %v", m)
		}
		expectError(t, s.DoUnchecked("DELETE", "/v1/custom_status/nope", nil), 404)
		expectError(t, s.Do("DELETE", "/v1/custom_status/"+farStatus, nil), 404)
		expectStatus(t, s.Send(apitest.Request{Method: "GET", Path: "/v1/custom_statuses/" + farStatus, Token: farToken}), 200)
		r = s.DoUnchecked("GET", "/v1/custom_status/"+csMeeting, nil)
		if expectError(t, r, 405); r.Header.Get("Allow") != "DELETE" {
			t.Errorf("Allow %q", r.Header.Get("Allow"))
		}
	}, withFar)
}

// TestDeleteCustomStatusWhileGiven races giving a custom status to a user
// against deleting it: whichever commits first, the user never ends up
// holding a status that no longer exists.
func TestDeleteCustomStatusWhileGiven(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for i := 0; i < 15; i++ {
			r := s.Do("POST", "/v1/custom_statuses", map[string]any{"name": "Racing"})
			expectStatus(t, r, 200)
			id := at(r.JSON(t), "customStatus.id").(string)
			var wg sync.WaitGroup
			var put, del *apitest.Response
			wg.Add(2)
			go func() {
				defer wg.Done()
				put = s.Do("PUT", "/v1/users/"+userJohn+"/status", map[string]any{"custom_status_uuid": id})
			}()
			go func() { defer wg.Done(); del = s.Do("DELETE", "/v1/custom_statuses/"+id, nil) }()
			wg.Wait()
			if del.Status != 200 || (put.Status != 200 && put.Status != 422) {
				t.Fatalf("put %d %s, delete %d %s", put.Status, put.Body, del.Status, del.Body)
			}
			err := s.App.Store.Read(context.Background(), func(tx store.Tx) error {
				u, err := tx.UserByID(demoAccount(t, tx), userJohn)
				if err != nil {
					return err
				}
				if u.CustomStatusID != "" {
					t.Errorf("round %d: John holds %s after it was deleted (put %d)", i, u.CustomStatusID, put.Status)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}

// demoAccount returns the demo account's id.
func demoAccount(t *testing.T, tx store.Tx) ob.ID {
	t.Helper()
	p, err := tx.PrincipalByTokenHash(ob.HashToken(apitest.DemoToken))
	if err != nil {
		t.Fatal(err)
	}
	return p.AccountID
}
