package apitest_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/app"
	"github.com/openbell/openbell/internal/store/storetest"
)

// TestContractFinalStatusesStay: read, failed, mismatch and deleted are
// final: automatic progression never moves a message out of them; a forced
// status still does.
func TestContractFinalStatusesStay(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		openWindow(t, s, "", "4915100000077")
		ids := map[string]string{}
		for _, st := range []string{"failed", "mismatch", "deleted"} {
			ids[st] = send(t, s, map[string]any{"to": "4915100000077", "from": "whatsapp", "content": map[string]any{"text": st}})
		}
		for st, id := range ids {
			if st == "deleted" {
				expectStatus(t, s.Do("DELETE", "/v1/messages/"+id, nil), 204)
			} else {
				expectStatus(t, s.Do("POST", "/sandbox/v1/messages/"+id+"/status", map[string]any{"status": st}), 200)
			}
		}
		read := send(t, s, map[string]any{"to": "4915100000077", "from": "whatsapp", "content": map[string]any{"text": "r"}})
		waitStatus(t, s, read, "read")
		ids["read"] = read
		time.Sleep(300 * time.Millisecond) // many intervals
		for st, id := range ids {
			got := at(s.Do("GET", "/v1/messages/status/"+id, nil).JSON(t), "message.status")
			evs := deliveryEvents(t, s, id)
			if got != st || len(evs) == 0 || evs[len(evs)-1] != st {
				t.Errorf("%s: status %v, events %v", st, got, evs)
			}
		}
		// A forced status moves a final message.
		r := s.Do("POST", "/sandbox/v1/messages/"+read+"/status", map[string]any{"status": "failed", "reason": "late bounce"})
		if expectStatus(t, r, 200); at(r.JSON(t), "message.status") != "failed" {
			t.Errorf("forced failed after read: %s", r.Body)
		}
	}, func(testing.TB) apitest.Option { return apitest.WithDeliveryInterval(15 * time.Millisecond) })
}

// TestContractClockOnlyMovesForward: the sandbox clock moves the account's
// clock forward; a huge advance must not wrap it into the past.
func TestContractClockOnlyMovesForward(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": 60})
		expectStatus(t, r, 200)
		before := fmt.Sprint(r.JSON(t)["now"])
		r = s.Do("POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": 1e18})
		if r.Status == 200 {
			if now := fmt.Sprint(r.JSON(t)["now"]); now < before {
				t.Errorf("clock moved back from %s to %s", before, now)
			}
		} else {
			expectError(t, r, 422, "advance_seconds")
		}
	})
}

// TestContractInvalidUTF8Body: a body that is not UTF-8 is not JSON (400);
// accepting it would store U+FFFD instead of the bytes sent.
func TestContractInvalidUTF8Body(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		n := len(s.Events(""))
		expectError(t, s.Do("PATCH", "/v1/contacts/"+marioRossi, "{\"name\": \"Ma\xffrio\"}"), 400)
		if got := at(s.Do("GET", "/v1/contacts/"+marioRossi, nil).JSON(t), "contact.name"); got != "Mario Rossi" {
			t.Errorf("name %q", got)
		}
		if len(s.Events("")) != n {
			t.Errorf("fired %v", names(s.Events("")[n:]))
		}
	})
}

// TestContractInboundAnswer: POST /sandbox/v1/inbound answers exactly
// {message, contact}; a new customer's bsuid and name are kept; media
// without caption has text "".
func TestContractInboundAnswer(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		r := s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "+49 30 2222 2222", "text": "x", "bsuid": "bs_new_1", "name": "Named"})
		expectStatus(t, r, 200)
		m := r.JSON(t)
		exactKeys(t, "inbound", m, "message", "contact")
		c, _ := m["contact"].(map[string]any)
		checkContact(t, s, "inbound contact", c)
		msg, _ := m["message"].(map[string]any)
		checkMessage(t, "inbound message", msg)
		if c["bsuid"] != "bs_new_1" || c["name"] != "Named" || msg["text"] != "x" || msg["from"] != "493022222222" {
			t.Errorf("inbound %s", r.Body)
		}
		if id := at(s.Do("GET", "/v1/contacts/bsuid/bs_new_1", nil).JSON(t), "contact.uuid"); id != c["uuid"] {
			t.Errorf("bsuid lookup %v", id)
		}
		// The listed message equals the answered one.
		listed := list(t, s.Do("GET", "/v1/contacts/"+c["uuid"].(string)+"/messages", nil), "messages")
		if len(listed) != 1 || mustJSON(listed[0]) != mustJSON(msg) {
			t.Errorf("listed %s, answered %s", mustJSON(listed), mustJSON(msg))
		}
		// A second message from a known customer reuses the contact and keeps its name.
		r = s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "493022222222", "type": "audio", "content": map[string]any{"url": "https://x.test/a.ogg"}, "name": "Other"})
		if at(r.JSON(t), "contact.uuid") != c["uuid"] || at(r.JSON(t), "contact.name") != "Named" || at(r.JSON(t), "message.text") != "" {
			t.Errorf("second inbound %s", r.Body)
		}
		if at(r.JSON(t), "message.uuid") == msg["uuid"] {
			t.Errorf("two inbound messages share a wamid")
		}
	})
}

// TestContractSeedReloadAndPublicURL: a restart loads the same seed again
// and changes nothing; href links start with the configured public URL.
func TestContractSeedReloadAndPublicURL(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		cfg := apitest.NewConfig(t, e, withFar(t), func(c *app.Config) { c.PublicURL = "https://inbox.example.com" })
		snapshot := func(s *apitest.Server) string {
			var b strings.Builder
			for _, l := range []listRoute{{"/v1/contacts", "contacts"}, {"/v1/channels", "channels"}, {"/v1/teams", "teams"},
				{"/v1/templates", "templates"}, {"/v1/funnels", "funnels"}, {"/v1/custom_statuses", "customStatuses"},
				{"/v1/teams/" + farTeam + "/members", "users"}, {"/v1/contacts/" + farContact + "/messages", "messages"}} {
				fmt.Fprintf(&b, "%s %s\n", l.path, mustJSON(list(t, s.Send(apitest.Request{Method: "GET", Path: l.path, Token: farToken}), l.key)))
			}
			return b.String()
		}
		s := apitest.StartConfig(t, cfg)
		c := obj(t, s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts/" + farContact, Token: farToken}), "contact")
		if c["href"] != "https://inbox.example.com/contacts/"+farContact || !strings.HasPrefix(fmt.Sprint(c["conversationHref"]), "https://inbox.example.com/chat/") {
			t.Errorf("hrefs %v %v", c["href"], c["conversationHref"])
		}
		first := snapshot(s)
		demo := mustJSON(list(t, s.Do("GET", "/v1/contacts", nil), "contacts"))
		s.Stop()
		s = apitest.StartConfig(t, cfg)
		if again := snapshot(s); again != first {
			t.Errorf("a second load changed the far account:\n%s\n%s", first, again)
		}
		if got := mustJSON(list(t, s.Do("GET", "/v1/contacts", nil), "contacts")); got != demo {
			t.Errorf("a second load changed the demo contacts")
		}
		if n := len(list(t, s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts/" + farContact + "/messages", Token: farToken}), "messages")); n != 2 {
			t.Errorf("far contact has %d messages after a reload", n)
		}
		msgs := list(t, s.Do("GET", "/v1/contacts/"+johnDoe+"/messages", nil), "messages")
		if got := pluck(msgs, "text"); !slices.Equal(got, []string{"Hello there how can I help you?", "Hello there 👋"}) {
			t.Errorf("John's messages after a restart %v", got)
		}
	})
}
