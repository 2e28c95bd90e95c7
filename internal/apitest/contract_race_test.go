package apitest_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
)

// parallel sends n copies of a request at once and returns the answers.
func parallel(s *apitest.Server, n int, method, path string, body any) []*apitest.Response {
	out := make([]*apitest.Response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = s.Do(method, path, body)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// TestContractConcurrentCreateIs409: of simultaneous creates of one number,
// one succeeds and every other answers 409 naming it, never a 500.
func TestContractConcurrentCreateIs409(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rs := parallel(s, 8, "POST", "/v1/contacts", map[string]any{"identifier": "+49 30 4444444", "source": "whatsapp", "name": "Race"})
		var winner string
		var codes []int
		for _, r := range rs {
			codes = append(codes, r.Status)
			if r.Status == 200 {
				winner = at(r.JSON(t), "contact.uuid").(string)
			}
		}
		slices.Sort(codes)
		if codes[0] != 200 || codes[1] != 409 || codes[len(codes)-1] != 409 {
			t.Fatalf("statuses %v, want one 200 and 409s", codes)
		}
		for _, r := range rs {
			if r.Status == 409 && at(r.JSON(t), "uuid") != winner {
				t.Errorf("409 names %v, winner %s", at(r.JSON(t), "uuid"), winner)
			}
		}
		if n := len(eventsOf(t, s, "", 0, "contact_created")); n != 1 {
			t.Errorf("%d contact_created events", n)
		}
	})
}

// TestContractConcurrentInboundOneContact: simultaneous first messages from
// one new number make one contact, and every message lands on it.
func TestContractConcurrentInboundOneContact(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rs := parallel(s, 6, "POST", "/sandbox/v1/inbound", map[string]any{"from": "+49 30 4444555", "text": "hi"})
		ids := map[string]bool{}
		for _, r := range rs {
			if r.Status != 200 {
				t.Errorf("inbound %d %s", r.Status, r.Body)
				continue
			}
			ids[fmt.Sprint(at(r.JSON(t), "contact.uuid"))] = true
		}
		if len(ids) != 1 {
			t.Fatalf("%d contacts for one number: %v", len(ids), ids)
		}
		for id := range ids {
			if n := len(list(t, s.Do("GET", "/v1/contacts/"+id+"/messages", nil), "messages")); n != 6 {
				t.Errorf("%d messages, want 6", n)
			}
		}
		if n := len(eventsOf(t, s, "", 0, "contact_created")); n != 1 {
			t.Errorf("%d contact_created events", n)
		}
	})
}

// TestContractConcurrentCloseOnce: simultaneous closes close once: one
// event, one system note, one closedAt; the same for opens.
func TestContractConcurrentCloseOnce(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		path := "/v1/contacts/" + marioRossi + "/conversation/"
		for _, action := range []string{"close", "open"} {
			rs := parallel(s, 6, "POST", path+action, nil)
			closedAt := map[string]bool{}
			for _, r := range rs {
				expectStatus(t, r, 200)
				closedAt[fmt.Sprint(at(r.JSON(t), "contact.closedAt"))] = true
			}
			if len(closedAt) != 1 {
				t.Errorf("%s: answers disagree on closedAt %v", action, closedAt)
			}
		}
		evs := names(s.Events(""))
		if !slices.Equal(evs, []string{"conversation_closed", "conversation_opened"}) {
			t.Errorf("events %v", evs)
		}
		notes := pluck(list(t, s.Do("GET", "/v1/contacts/"+marioRossi+"/messages", nil), "messages"), "text")
		if !slices.Equal(notes, []string{"Conversation opened", "Conversation closed"}) {
			t.Errorf("notes %v", notes)
		}
	})
}

// TestContractConcurrentSendsToNewNumber: simultaneous sends to a number
// without a contact all succeed (200 enqueued) and share one new contact.
func TestContractConcurrentSendsToNewNumber(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rs := parallel(s, 6, "POST", "/v1/messages/send", map[string]any{"to": "+49 30 4444666", "from": "whatsapp", "template_uuid": welcome,
			"optin_contact": true, "template_values": []string{"x"}, "fields": "contact"})
		ids := map[string]bool{}
		for _, r := range rs {
			if r.Status != 200 {
				t.Errorf("send %d %s", r.Status, r.Body)
				continue
			}
			ids[fmt.Sprint(at(r.JSON(t), "message.contact.uuid"))] = true
		}
		if len(ids) != 1 {
			t.Fatalf("%d contacts for one number: %v", len(ids), ids)
		}
		for id := range ids {
			if n := len(list(t, s.Do("GET", "/v1/contacts/"+id+"/messages", nil), "messages")); n != 6 {
				t.Errorf("%d messages, want 6", n)
			}
		}
		if n := len(eventsOf(t, s, "", 0, "contact_created")); n != 1 {
			t.Errorf("%d contact_created events", n)
		}
	})
}

// TestConcurrentFirstSubscribesShareOneSecret: first subscribes of one
// account at once all answer the one secret that is stored, which signs the
// deliveries.
func TestConcurrentFirstSubscribesShareOneSecret(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		rec := apitest.NewReceiver(t)
		rs := parallel(s, 8, "POST", "/v1/webhooks/subscribe", map[string]any{"url": rec.URL, "subscriptions": []string{"contact_created"}})
		secrets := map[string]bool{}
		for _, r := range rs {
			expectStatus(t, r, 200)
			secrets[fmt.Sprint(at(r.JSON(t), "webhook.secret"))] = true
		}
		if len(secrets) != 1 {
			t.Fatalf("%d secrets for one webhook", len(secrets))
		}
		expectStatus(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+49 30 4444999", "source": "whatsapp", "name": "Signed"}), 200)
		for secret := range secrets {
			verifySignatures(t, rec.WaitDelivered(t, 1, 10*time.Second)[0], secret)
		}
	})
}
