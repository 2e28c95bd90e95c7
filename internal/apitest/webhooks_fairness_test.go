package apitest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/app"
	"github.com/openbell/openbell/internal/store/storetest"
)

// TestWebhookFairness: one account whose receiver does not answer holds at
// most its share of deliveries in flight; another account's events are
// delivered meanwhile.
func TestWebhookFairness(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := apitest.StartConfig(t, apitest.NewConfig(t, e, withFar(t), func(c *app.Config) {
			c.WebhookConcurrency, c.WebhookAccountConcurrency, c.WebhookTimeout = 8, 3, time.Minute
		}))
		slow := apitest.NewReceiver(t)
		slow.Respond(func(int, apitest.Hook) apitest.Answer { return apitest.Answer{Status: 200, Delay: time.Minute} })
		expectStatus(t, s.Do("POST", "/v1/webhooks/subscribe", map[string]any{"url": slow.URL, "subscriptions": []string{"contact_created"}}), 200)
		for i := range 12 { // twelve contacts: twelve streams that could go in parallel
			expectStatus(t, s.Do("POST", "/v1/contacts", map[string]any{"identifier": fmt.Sprintf("+49 30 900%04d", i), "source": "whatsapp", "name": "A"}), 200)
		}
		slow.WaitFor(t, 10*time.Second, func() bool { return slow.Arrived() >= 3 }, "3 deliveries of the slow account")

		fast := apitest.NewReceiver(t)
		far := func(method, path string, body any) *apitest.Response {
			return s.Send(apitest.Request{Method: method, Path: path, Token: farToken, Body: body})
		}
		expectStatus(t, far("POST", "/v1/webhooks/subscribe", map[string]any{"url": fast.URL, "subscriptions": []string{"contact_created"}}), 200)
		expectStatus(t, far("POST", "/v1/contacts", map[string]any{"identifier": "+44 7700 900777", "source": "whatsapp", "name": "B"}), 200)
		fast.WaitDelivered(t, 1, 10*time.Second)
		if n := slow.Arrived(); n != 3 {
			t.Errorf("the slow account has %d deliveries in flight, want its cap of 3", n)
		}
	})
}
