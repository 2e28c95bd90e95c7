package apitest_test

import (
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
)

// TestContractNoOpChangesFireNothing: contact_updated fires only when
// something changed; every field set to the value it already has is no
// change, answers 200 and leaves the list order alone.
func TestContractNoOpChangesFireNothing(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		// Mario: tags sales, lead, hot; assigned to John; no team, note, fields or funnel.
		for _, body := range []map[string]any{
			{"name": "Mario Rossi"},
			{"tags": []string{"sales", "lead", "hot"}},
			{"tags": []string{"SALES", "Lead", "HOT"}},
			{"assigned_user": "john.doe@email.com"},
			{"custom_fields": map[string]any{}},
			{"custom_fields": map[string]any{"Address": nil}},
			{"custom_fields": map[string]any{"zipCode": ""}},
			{"note": ""},
			{"note": nil},
			{"team_uuid": nil},
			{"unassign_user": false},
			{"name": "Mario Rossi", "tags": []string{"sales", "lead", "hot"}, "assigned_user": "john.doe@email.com", "note": ""},
		} {
			n := len(s.Events(""))
			before := obj(t, s.Do("GET", "/v1/contacts/"+marioRossi, nil), "contact")
			after := obj(t, s.Do("PATCH", "/v1/contacts/"+marioRossi, body), "contact")
			if mustJSON(after) != mustJSON(before) {
				t.Errorf("%s changed Mario:\n%s\n%s", mustJSON(body), mustJSON(before), mustJSON(after))
			}
			if len(s.Events("")) != n {
				t.Errorf("%s fired %v", mustJSON(body), names(s.Events("")[n:]))
			}
		}
		// John: Address set, team none; the same value again, and unassigning the unassigned.
		for _, body := range []map[string]any{
			{"custom_fields": map[string]any{"Address": "Oxford Street 123"}},
			{"unassign_user": true},
			{"team_uuid": nil, "note": nil},
		} {
			n := len(s.Events(""))
			expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, body), 200)
			if len(s.Events("")) != n {
				t.Errorf("John %s fired %v", mustJSON(body), names(s.Events("")[n:]))
			}
		}
		// Jane Roe's team again, by the other id form.
		n := len(s.Events(""))
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+janeRoe, map[string]any{"team_uuid": dashedUpper(teamSup)}), 200)
		if len(s.Events("")) != n {
			t.Errorf("same team fired %v", names(s.Events("")[n:]))
		}
		// A real change still fires once.
		n = len(s.Events(""))
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+marioRossi, map[string]any{"tags": []string{"hot", "sales", "lead"}}), 200)
		if got := names(s.Events("")[n:]); len(got) != 1 || got[0] != "contact_updated" {
			t.Errorf("reordering tags fired %v", got)
		}
	})
}

// TestContractBotEndOnEndedSessionIsNoChange: a contact whose bot session
// shows "ended" (it never started) is not changed by bot_end: GET bot answers
// the same before and after, so no contact_updated may fire.
func TestContractBotEndOnEndedSessionIsNoChange(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for _, req := range []struct {
			method, path string
			body         map[string]any
		}{
			{"PATCH", "/v1/contacts/" + marioRossi, map[string]any{"bot_status": "bot_end"}},
			{"POST", "/v1/contacts/" + janeRoe + "/bot", map[string]any{"status": "bot_end"}},
		} {
			id := req.path[len("/v1/contacts/"):][:32]
			before := s.Do("GET", "/v1/contacts/"+id+"/bot", nil)
			n := len(s.Events(""))
			expectStatus(t, s.Do(req.method, req.path, req.body), 200)
			after := s.Do("GET", "/v1/contacts/"+id+"/bot", nil)
			if string(before.Body) != string(after.Body) {
				t.Fatalf("bot changed: %s -> %s", before.Body, after.Body)
			}
			if got := names(s.Events("")[n:]); len(got) != 0 {
				t.Errorf("%s %s on an ended session fired %v", req.method, req.path, got)
			}
		}
	})
}

// TestContractSendContactEmail: fields=contact names the contact's e-mail
// once it is known, null before.
func TestContractSendContactEmail(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		body := map[string]any{"to": "31612345678", "from": "whatsapp", "content": map[string]any{"text": "x"}, "fields": "contact"}
		if r := s.Do("POST", "/v1/messages/send", body); at(r.JSON(t), "message.contact.email") != nil || at(r.JSON(t), "message.contact.name") != "John Doe" {
			t.Errorf("before: %s", r.Body)
		}
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"custom_fields": map[string]any{"Work Email": "john@example.com"}}), 200)
		if r := s.Do("POST", "/v1/messages/send", body); at(r.JSON(t), "message.contact.email") != "john@example.com" {
			t.Errorf("after: %s", r.Body)
		}
	})
}

// TestContractUserStatusTimes: appearance.last_updated_at is when the
// availability last changed and custom_status.last_updated_at when the
// custom status was set; each moves only with its own change.
func TestContractUserStatusTimes(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		path := "/v1/users/" + userJohn + "/status"
		a := obj(t, s.Do("PUT", path, map[string]any{"available": false}), "user_status")
		time.Sleep(1100 * time.Millisecond)
		b := obj(t, s.Do("PUT", path, map[string]any{"custom_status_uuid": csLunch}), "user_status")
		if at(b, "appearance.last_updated_at") != at(a, "appearance.last_updated_at") {
			t.Errorf("setting a custom status moved appearance.last_updated_at: %v -> %v", at(a, "appearance.last_updated_at"), at(b, "appearance.last_updated_at"))
		}
		if !near(at(b, "custom_status.last_updated_at"), 5*time.Second) {
			t.Errorf("custom_status.last_updated_at %v", at(b, "custom_status.last_updated_at"))
		}
		time.Sleep(1100 * time.Millisecond)
		c := obj(t, s.Do("PUT", path, map[string]any{"available": true}), "user_status")
		if at(c, "custom_status.last_updated_at") != at(b, "custom_status.last_updated_at") {
			t.Errorf("availability moved custom_status.last_updated_at: %v -> %v", at(b, "custom_status.last_updated_at"), at(c, "custom_status.last_updated_at"))
		}
		if at(c, "appearance.last_updated_at") == at(a, "appearance.last_updated_at") {
			t.Errorf("appearance.last_updated_at did not move")
		}
		// The TeamMember agrees, in T1.
		m := member(t, s, "john.doe@email.com")
		if at(m, "userCustomStatus.updatedAt") != fmtT1(at(c, "custom_status.last_updated_at")) || m["lastUpdatedAt"] != fmtT1(at(c, "appearance.last_updated_at")) {
			t.Errorf("member %s, status %s", mustJSON(m), mustJSON(c))
		}
	})
}

// fmtT1 cuts a T3 time to T1.
func fmtT1(v any) string {
	s, _ := v.(string)
	if len(s) == len("2006-01-02T15:04:05.000Z") {
		return s[:19] + "Z"
	}
	return s
}

var _ = apitest.DemoToken
