package listen_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/listen"
	"github.com/openbell/openbell/internal/store/storetest"
	"github.com/openbell/openbell/internal/webhook"
)

func waitOutput(t *testing.T, out *apitest.LogBuffer, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("output never matched %s:\n%s", re, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestListen runs `openbell listen` against a real server: it subscribes the
// account's webhook to its receiver, prints and verifies each event,
// forwards it with its signature, refuses a forged one, and on exit puts the
// previous webhook back.
func TestListen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := apitest.Start(t, e)
		r := s.Do("POST", "/v1/webhooks/subscribe", map[string]any{"url": "https://example.com/prev", "subscriptions": "contact_created"})
		if r.Status != 200 {
			t.Fatalf("subscribe: %d %s", r.Status, r.Body)
		}
		target := apitest.NewReceiver(t)
		ctx, cancel := context.WithCancel(context.Background())
		out := &apitest.LogBuffer{}
		done := make(chan error, 1)
		env := map[string]string{"OPENBELL_API_URL": s.URL, "OPENBELL_API_KEY": apitest.DemoToken + ",other"}
		go func() {
			done <- listen.Run(ctx, []string{"--events", "conversation_closed,contact_updated", "--forward-to", target.URL, "--print-json"},
				func(k string) string { return env[k] }, out, io.Discard)
		}()
		m := waitOutput(t, out, regexp.MustCompile(`Ready! Listening on (\S+) for conversation_closed, contact_updated`))
		listenURL := m[1]
		secret := waitOutput(t, out, regexp.MustCompile(`signing secret is (whsec_\S+)`))[1]

		if r := s.Do("POST", "/v1/contacts/414a6d692bd645ed803f2e7ce360d4c8/conversation/close", nil); r.Status != 200 {
			t.Fatalf("close: %d", r.Status)
		}
		hooks := target.WaitDelivered(t, 1, 10*time.Second)
		if err := webhook.Verify(hooks[0].Header, hooks[0].Body, secret, time.Now(), time.Minute); err != nil {
			t.Errorf("forwarded request does not verify: %v", err)
		}
		waitOutput(t, out, regexp.MustCompile(`--> conversation_closed \[msg_[0-9a-f]{32}\] signature ok`))
		waitOutput(t, out, regexp.MustCompile(`<-- \[200\] POST `+regexp.QuoteMeta(target.URL)))
		waitOutput(t, out, regexp.MustCompile(`"event": "conversation_closed"`))

		// A request with a wrong signature is refused and reported.
		req, _ := http.NewRequest("POST", listenURL, strings.NewReader(`{"event":"contact_updated","payload":{}}`))
		req.Header.Set(webhook.HeaderCallbellSignature, "t=1,v1=00")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("forged request answered %d, want 400", resp.StatusCode)
		}
		waitOutput(t, out, regexp.MustCompile(`--> contact_updated \[\] REFUSED`))
		if n := len(target.Hooks()); n != 1 {
			t.Errorf("the forged request was forwarded (%d requests)", n)
		}

		cancel()
		if err := <-done; err != nil {
			t.Fatalf("listen: %v", err)
		}
		r = s.Do("GET", "/v1/webhooks", nil)
		if !strings.Contains(string(r.Body), `"url":"https://example.com/prev"`) || !strings.Contains(string(r.Body), `"subscriptions":["contact_created"]`) {
			t.Errorf("webhook after listen: %s", r.Body)
		}
		if !strings.Contains(out.String(), "Restored the webhook to https://example.com/prev") {
			t.Errorf("output:\n%s", out.String())
		}
	})
}

func TestListenNeedsAToken(t *testing.T) {
	err := listen.Run(context.Background(), nil, func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--api-key") {
		t.Errorf("err %v, want one naming --api-key", err)
	}
	err = listen.Run(context.Background(), []string{"--api-key", "x", "--events", "contact_exploded"}, func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "contact_exploded") {
		t.Errorf("err %v, want one naming the unknown event", err)
	}
}
