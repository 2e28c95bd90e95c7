package apitest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/app"
	"github.com/openbell/openbell/internal/store/storetest"
)

func TestAuthentication(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		good := []map[string]string{
			{"Authorization": "Bearer " + apitest.DemoToken},
			{"Authorization": "Token token=" + apitest.DemoToken},
			{"Authorization": `Token token="` + apitest.DemoToken + `"`},
			// The scheme is case-insensitive, as HTTP says.
			{"Authorization": "bearer " + apitest.DemoToken},
			{"Authorization": "BEARER " + apitest.DemoToken},
			{"Authorization": "token token=" + apitest.DemoToken},
			{"Authorization": `TOKEN token="` + apitest.DemoToken + `"`},
		}
		for _, h := range good {
			r := s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts", Token: "-", Header: h})
			if r.Status != 200 {
				t.Errorf("%v: %d", h, r.Status)
			}
		}
		bad := []map[string]string{
			{},
			{"Authorization": "Bearer nope"},
			{"Authorization": "Bearer Bearer " + apitest.DemoToken},
			{"Authorization": "bearer bearer " + apitest.DemoToken},
			{"Authorization": "BEARER Bearer " + apitest.DemoToken},
			{"Authorization": "bearer" + apitest.DemoToken},
			{"Authorization": "Basic " + apitest.DemoToken},
			{"Authorization": "Token " + apitest.DemoToken},
			{"Authorization": apitest.DemoToken},
		}
		for _, h := range bad {
			r := s.Send(apitest.Request{Unchecked: true, Method: "GET", Path: "/v1/contacts/" + johnDoe, Token: "-", Header: h})
			if r.Status != 401 || strings.TrimSpace(string(r.Body)) != `{"error":"not authorized"}` {
				t.Errorf("%v: %d %s", h, r.Status, r.Body)
			}
		}
		// Tokens of another account see only that account.
		r := s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts", Token: "other-token"})
		if got := uuids(t, r); len(got) != 1 || got[0] != "0b7e8c7a2f0a4b7e9d5c1a2b3c4d5e6f" {
			t.Errorf("other account lists %v", got)
		}
		expectError(t, s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts/" + johnDoe, Token: "other-token"}), 404)
		expectError(t, s.Send(apitest.Request{Method: "PATCH", Path: "/v1/contacts/" + johnDoe, Token: "other-token", Body: map[string]string{"name": "x"}}), 404)
		expectError(t, s.Send(apitest.Request{Method: "DELETE", Path: "/v1/contacts/" + johnDoe, Token: "other-token"}), 404)
		if at(s.Do("GET", "/v1/contacts/"+johnDoe, nil).JSON(t), "contact.name") != "John Doe" {
			t.Errorf("other account changed John Doe")
		}
		// The other account's tags are its own: "sales" is unknown there.
		r = s.Send(apitest.Request{Method: "POST", Path: "/v1/contacts", Token: "other-token", Body: map[string]any{
			"identifier": "+44 7700 900999", "source": "whatsapp", "name": "N", "tags": []string{"sales"}}})
		expectError(t, r, 422, "tags")
		r = s.Send(apitest.Request{Method: "POST", Path: "/v1/contacts", Token: "other-token", Body: map[string]any{
			"identifier": "+44 7700 900999", "source": "whatsapp", "name": "N", "assigned_user": "john.doe@email.com", "team_uuid": teamGen}})
		expectError(t, r, 422, "assigned_user", "team_uuid")
	}, withOther)
}

func TestHTTPErrors(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		expectError(t, s.DoUnchecked("GET", "/v1/nothing", nil), 404)
		r := s.DoUnchecked("PUT", "/v1/contacts", nil)
		expectError(t, r, 405)
		if allow := r.Header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
			t.Errorf("Allow %q", allow)
		}
		big := `{"name":"` + strings.Repeat("x", 1<<20) + `"}`
		expectError(t, s.DoUnchecked("POST", "/v1/contacts", big), 413)
		r = s.Send(apitest.Request{Unchecked: true, Method: "POST", Path: "/v1/contacts", Body: "name=x", Header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
		expectError(t, r, 415)
		r = s.Send(apitest.Request{Unchecked: true, Method: "POST", Path: "/v1/contacts/" + johnDoe + "/conversation/close", Body: "{}", Header: map[string]string{"Content-Type": "text/plain"}})
		expectError(t, r, 415)
		// Request ids: echoed, or made.
		r = s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts", Header: map[string]string{"X-Request-Id": "abc-123"}})
		if r.Header.Get("X-Request-Id") != "abc-123" {
			t.Errorf("request id %q", r.Header.Get("X-Request-Id"))
		}
		if s.DoUnchecked("GET", "/v1/nothing", nil).Header.Get("X-Request-Id") == "" {
			t.Errorf("no request id on a 404")
		}
		// Health needs no token.
		r = s.Send(apitest.Request{Method: "GET", Path: "/healthz", Token: "-"})
		if r.Status != 200 || strings.TrimSpace(string(r.Body)) != `{"status":"ok"}` {
			t.Errorf("healthz %d %s", r.Status, r.Body)
		}
	})
}

// TestEmptyBodiesMeanNoParameters: an empty body, only whitespace, the JSON
// null or the JSON string "" is no parameters at all on every route that
// takes a body (axios sends "" for the empty string of Callbell's Node
// example of the close route); any other JSON that is not an object is a 400.
func TestEmptyBodiesMeanNoParameters(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		// The published example: POST close with '' and a JSON content type.
		before := len(s.Events(""))
		r := s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/close", `""`)
		expectStatus(t, r, 200)
		if !reT1.MatchString(fmt.Sprint(at(r.JSON(t), "contact.closedAt"))) {
			t.Errorf("close with \"\" did not close: %s", r.Body)
		}
		if evs := s.Events("")[before:]; len(evs) != 1 || evs[0].Name != "conversation_closed" || at(payload(t, evs[0].Payload), "closingReason") != nil {
			t.Errorf("close with \"\" fired %v", names(evs))
		}
		empty := []string{"", " \r\n\t ", "null", " null\n", `""`, ` "" `}
		for _, body := range empty {
			// Read as {}: each required field is named, as for {}.
			r := s.DoUnchecked("POST", "/v1/contacts", body)
			expectError(t, r, 422, "identifier", "source", "name")
		}
		for _, route := range bodyRoutes() {
			for _, body := range empty {
				r := s.DoUnchecked(route.method, route.path, body)
				if r.Status != 200 && r.Status != 422 {
					t.Errorf("%s %s with %q: %d %s, want no parameters (200 or 422)", route.method, route.path, body, r.Status, r.Body)
				}
			}
			for _, body := range []string{`[]`, `[{}]`, `1`, `"x"`, `" "`, `true`, `false`, `"null"`, `""""`} {
				expectError(t, s.DoUnchecked(route.method, route.path, body), 400)
			}
		}
	})
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	e := storetest.Engines()[0]
	s := apitest.StartConfig(t, app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: e.URL(t),
		APIKeys: []string{apitest.DemoToken}, RateLimit: 5, LogLevel: "warn", ShutdownTimeout: 1e9})
	var limited *apitest.Response
	for i := 0; i < 50 && limited == nil; i++ {
		r := s.Do("GET", "/v1/contacts/"+johnDoe, nil)
		if r.Header.Get("X-RateLimit-Limit") != "5" || r.Header.Get("X-RateLimit-Remaining") == "" || r.Header.Get("X-RateLimit-Reset") == "" {
			t.Fatalf("rate limit headers missing: %v", r.Header)
		}
		if r.Status == 429 {
			limited = r
		}
	}
	if limited == nil {
		t.Fatal("50 requests never hit a limit of 5 per second")
	}
	if strings.TrimSpace(string(limited.Body)) != `{"error":"rate limit exceeded"}` || limited.Header.Get("Retry-After") == "" {
		t.Errorf("429 %s %v", limited.Body, limited.Header)
	}
}
