package apitest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/app"
	"github.com/openbell/openbell/internal/store/storetest"
)

// TestEventRetention: the server deletes events and webhook attempts older
// than --event-retention in the background, but keeps an event whose
// delivery is pending until the delivery is done (here: cancelled by
// unsubscribing). The server's clock is moved past the retention instead of
// waiting for it.
func TestEventRetention(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		clock := &movableClock{}
		cfg := apitest.NewConfig(t, e, func(c *app.Config) {
			c.EventRetention, c.PruneInterval = time.Hour, 20*time.Millisecond
			c.WebhookRetrySchedule = repeat(100*time.Hour, 3)
		})
		s := apitest.StartClock(t, cfg, clock)
		rcv := apitest.NewReceiver(t)
		rcv.Respond(func(_ int, h apitest.Hook) apitest.Answer {
			if bytes.Contains(h.Body, []byte("Pending")) {
				return apitest.Answer{Status: 500} // retried in 100 hours
			}
			return apitest.Answer{Status: 200}
		})
		s.Subscribe(rcv.URL, "contact_updated")
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": "Pending"}), 200)
		expectStatus(t, s.Do("PATCH", "/v1/contacts/"+marioRossi, map[string]any{"name": "Delivered"}), 200)
		expectStatus(t, s.Do("POST", "/v1/contacts/"+janeRoe+"/conversation/close", nil), 200) // not subscribed
		rcv.WaitFor(t, 5*time.Second, func() bool { return len(webhookEvents(t, s, "")) == 2 }, "2 attempts recorded")

		events := func() string {
			var out []string
			for _, ev := range s.Events("") {
				var p struct {
					Name string `json:"name"`
				}
				_ = json.Unmarshal(ev.Payload, &p)
				out = append(out, ev.Name+":"+p.Name)
			}
			return fmt.Sprint(out)
		}
		young := events()
		for _, want := range []string{"contact_updated:Pending", "contact_updated:Delivered", "conversation_closed:"} {
			if !strings.Contains(young, want) {
				t.Fatalf("events younger than the retention are gone: %s lacks %s", young, want)
			}
		}

		clock.advance(2 * time.Hour)
		rcv.WaitFor(t, 10*time.Second, func() bool {
			return events() == "[contact_updated:Pending]" && len(webhookEvents(t, s, "")) == 0
		}, "only the pending event left, and no attempts")

		expectStatus(t, s.Do("DELETE", "/v1/webhooks/unsubscribe", nil), 200)
		rcv.WaitFor(t, 10*time.Second, func() bool { return events() == "[]" }, "the cancelled delivery's event to go")
	})
}
