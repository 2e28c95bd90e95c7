package apitest_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/app"
	"github.com/openbell/openbell/internal/store/storetest"
)

const johnUser = "414a6d692bd645ed803f2e7ce360d4c8"

func lastEvent(t *testing.T, s *apitest.Server) (string, map[string]any) {
	t.Helper()
	evs := s.Events("")
	var p map[string]any
	if err := json.Unmarshal(evs[len(evs)-1].Payload, &p); err != nil {
		t.Fatal(err)
	}
	return evs[len(evs)-1].Name, p
}

// TestInjectedFaultsLookLikeRealErrors: a faulted request is answered with
// the server's own error of the fault's status, byte for byte where the
// server can be made to answer it for real, and with Retry-After on 429 and
// 503, so that a client's real error handling is what gets exercised.
func TestInjectedFaultsLookLikeRealErrors(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		real := map[int]*apitest.Response{
			400: s.DoUnchecked("PATCH", "/v1/contacts/"+johnDoe, `{"name":`),
			401: s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts", Token: "nope"}),
			404: s.DoUnchecked("GET", "/v1/nothing", nil),
			405: s.DoUnchecked("PUT", "/v1/contacts", nil),
			413: s.DoUnchecked("POST", "/v1/contacts", `{"name":"`+strings.Repeat("x", 1<<20)+`"}`),
			415: s.Send(apitest.Request{Unchecked: true, Method: "POST", Path: "/v1/contacts", Body: "{}", Header: map[string]string{"Content-Type": "text/plain"}}),
		}
		for status, r := range real {
			expectStatus(t, r, status)
		}
		want := map[int]string{
			409: `{"error":"contact already exists"}`,
			422: `{"error":"validation failed"}`,
			429: `{"error":"rate limit exceeded"}`,
			500: `{"error":"internal server error"}`,
			502: `{"error":"bad gateway"}`,
			503: `{"error":"service unavailable"}`,
			504: `{"error":"gateway timeout"}`,
		}
		for status, r := range real {
			want[status] = string(r.Body)
		}
		if want[404] != `{"error":"not found"}` {
			t.Errorf("real 404 %s", want[404])
		}
		for status, body := range want {
			expectStatus(t, s.Do("DELETE", "/sandbox/v1/faults", nil), 200)
			expectStatus(t, s.Do("POST", "/sandbox/v1/faults", map[string]any{"method": "GET", "path_prefix": "/v1/contacts", "status": status}), 200)
			r := s.Do("GET", "/v1/contacts/"+johnDoe, nil)
			if r.Status != status || strings.TrimSpace(string(r.Body)) != strings.TrimSpace(body) {
				t.Errorf("fault %d: %d %s, want %s", status, r.Status, r.Body, body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("fault %d: Content-Type %q", status, ct)
			}
			retry := r.Header.Get("Retry-After")
			if status == 429 || status == 503 {
				if n, err := strconv.Atoi(retry); err != nil || n < 1 {
					t.Errorf("fault %d: Retry-After %q, want seconds", status, retry)
				}
			} else if retry != "" {
				t.Errorf("fault %d: Retry-After %q", status, retry)
			}
			if status == 429 && r.Header.Get("X-RateLimit-Remaining") != "0" {
				t.Errorf("fault 429: X-RateLimit-Remaining %q", r.Header.Get("X-RateLimit-Remaining"))
			}
		}
		expectStatus(t, s.Do("DELETE", "/sandbox/v1/faults", nil), 200)
		expectStatus(t, s.Do("GET", "/v1/contacts/"+johnDoe, nil), 200)
	}, func(testing.TB) apitest.Option { return func(c *app.Config) { c.RateLimit = 100_000 } })
}

func TestAgentSession(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for _, action := range []string{"user_logged_in", "user_logged_out", "system_logged_out"} {
			r := s.Do("POST", "/sandbox/v1/users/"+johnUser+"/session", map[string]any{"action": action})
			expectStatus(t, r, 200)
			name, p := lastEvent(t, s)
			if name != "agent_session_updated" || p["action"] != action || at(p, "user.email") != "john.doe@email.com" ||
				at(p, "user.available") != true || !reT1.MatchString(fmt.Sprint(at(p, "user.lastUpdatedAt"))) {
				t.Errorf("%s: %s %v", action, name, p)
			}
		}
		expectError(t, s.DoUnchecked("POST", "/sandbox/v1/users/"+johnUser+"/session", map[string]any{"action": "dance"}), 422, "action")
		expectError(t, s.Do("POST", "/sandbox/v1/users/00000000000000000000000000000000/session", map[string]any{"action": "user_logged_in"}), 404)
	})
}

// TestFaultRulesAreBounded: an account holds at most 100 fault rules; the
// 101st is a 422 on "faults", another account still has room, and clearing
// makes room again.
func TestFaultRulesAreBounded(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rule := map[string]any{"path_prefix": "/v1/nothing-here", "status": 503}
		for i := range 100 {
			if r := s.Do("POST", "/sandbox/v1/faults", rule); r.Status != 200 {
				t.Fatalf("rule %d: status %d: %s", i+1, r.Status, r.Body)
			}
		}
		m := expectError(t, s.Do("POST", "/sandbox/v1/faults", rule), 422, "faults")
		if msg := mustJSON(m["errors"]); !strings.Contains(msg, "100") {
			t.Errorf("the error does not say the limit: %s", msg)
		}
		if n := len(s.Do("GET", "/sandbox/v1/faults", nil).JSON(t)["faults"].([]any)); n != 100 {
			t.Errorf("%d rules listed, want 100", n)
		}
		expectStatus(t, s.Send(apitest.Request{Method: "POST", Path: "/sandbox/v1/faults", Token: "other-token", Body: rule}), 200)
		expectStatus(t, s.Do("DELETE", "/sandbox/v1/faults", nil), 200)
		expectStatus(t, s.Do("POST", "/sandbox/v1/faults", rule), 200)
	}, withOther)
}

func TestTeamMembership(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		// John joins Support (Jane is its only member).
		r := s.Do("POST", "/sandbox/v1/teams/"+teamSup+"/members", map[string]any{"user_uuid": johnUser, "action": "add"})
		expectStatus(t, r, 200)
		name, p := lastEvent(t, s)
		if name != "team_membership_updated" || p["reason"] != "agent_added" || at(p, "team.uuid") != teamSup ||
			at(p, "team.members") != float64(2) || at(p, "user.email") != "john.doe@email.com" || !reT1.MatchString(fmt.Sprint(p["lastUpdateAt"])) {
			t.Errorf("add: %s %v", name, p)
		}
		n := len(s.Events(""))
		expectStatus(t, s.Do("POST", "/sandbox/v1/teams/"+teamSup+"/members", map[string]any{"user_uuid": johnUser, "action": "add"}), 200)
		if len(s.Events("")) != n {
			t.Errorf("adding a member twice fired an event")
		}
		expectStatus(t, s.Do("POST", "/sandbox/v1/teams/"+teamSup+"/members", map[string]any{"user_uuid": johnUser, "action": "remove"}), 200)
		if name, p := lastEvent(t, s); name != "team_membership_updated" || p["reason"] != "agent_removed" || at(p, "team.members") != float64(1) {
			t.Errorf("remove: %s %v", name, p)
		}
		expectError(t, s.DoUnchecked("POST", "/sandbox/v1/teams/"+teamSup+"/members", map[string]any{"user_uuid": johnUser, "action": "join"}), 422, "action")
		expectError(t, s.Do("POST", "/sandbox/v1/teams/"+teamSup+"/members", map[string]any{"user_uuid": "00000000000000000000000000000000", "action": "add"}), 422, "user_uuid")
		expectError(t, s.Do("POST", "/sandbox/v1/teams/00000000000000000000000000000000/members", map[string]any{"user_uuid": johnUser, "action": "add"}), 404)
	})
}

// TestProgressionSharedByProcesses runs two servers on one PostgreSQL
// database: every message reaches read, and each step is taken once.
func TestProgressionSharedByProcesses(t *testing.T) {
	t.Parallel()
	e := storetest.Engines()[1]
	cfg := apitest.NewConfig(t, e, apitest.WithDeliveryInterval(5*time.Millisecond))
	a := apitest.StartConfig(t, cfg)
	b := apitest.StartConfig(t, cfg)
	var ids []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			srv := a
			if i%2 == 1 {
				srv = b
			}
			id := send(t, srv, template(fmt.Sprintf("+1 555 020 %04d", 1000+i), "x"))
			mu.Lock()
			ids = append(ids, id)
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	for _, id := range ids {
		waitStatus(t, a, id, "read")
	}
	for _, id := range ids {
		if got := fmt.Sprint(deliveryEvents(t, a, id)); got != "[enqueued sent delivered read]" {
			t.Errorf("%s: status events %s", id, got)
		}
	}
}

// TestClockMovesWebhookRetries: a retry due in an hour goes out as soon as
// the account's sandbox clock is moved past it.
func TestClockMovesWebhookRetries(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rcv := apitest.NewReceiver(t)
		rcv.Respond(func(n int, _ apitest.Hook) apitest.Answer {
			if n == 0 {
				return apitest.Answer{Status: 500}
			}
			return apitest.Answer{Status: 200}
		})
		s.Subscribe(rcv.URL)
		expectStatus(t, s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/close", nil), 200)
		rcv.WaitFor(t, 5*time.Second, func() bool { return len(rcv.Hooks()) == 1 }, "the first attempt")
		time.Sleep(300 * time.Millisecond)
		if n := len(rcv.Hooks()); n != 1 {
			t.Fatalf("%d attempts before the clock moved, want 1", n)
		}
		expectStatus(t, s.Do("POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": 2 * 3600}), 200)
		rcv.WaitDelivered(t, 1, 5*time.Second)
	}, func(testing.TB) apitest.Option {
		return apitest.WithWebhooks([]time.Duration{time.Hour}, 2*time.Second, 0)
	})
}
