package client_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/openbell/openbell/client"
	"github.com/openbell/openbell/internal/apitest"
)

// TestWebhookDeliveriesVerifyAndDecode: every event openbell delivers
// verifies with the secret of Subscribe and decodes into its Go type.
func TestWebhookDeliveriesVerifyAndDecode(t *testing.T) {
	each(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		rcv := apitest.NewReceiver(t)
		wh := must(s.c.Subscribe(ctx, rcv.URL))(t)
		if wh.Secret == "" || !wh.Enabled || len(wh.Subscriptions) != 10 || wh.CreatedAt.IsZero() {
			t.Fatalf("subscribed %+v", wh)
		}
		if got := must(s.c.Webhook(ctx))(t); got.Secret != "" || got.URL != rcv.URL {
			t.Errorf("webhook %+v", got)
		}
		sb := s.c.Sandbox()
		_, c, err := sb.Inbound(ctx, client.InboundMessage{From: "+44 7700 900777", Text: "hello", Name: "Cy"})
		if err != nil {
			t.Fatal(err)
		}
		sent := must(s.c.SendMessage(ctx, client.OutboundMessage{To: "+44 7700 900777", From: client.WhatsApp, Text: "hi Cy", Metadata: map[string]string{"k": "v"}}))(t)
		must(s.c.CloseConversation(ctx, c.UUID, "done"))(t)
		must(s.c.UpdateContact(ctx, c.UUID, client.ContactUpdate{Name: ptr("Cyrus")}))(t)
		must(s.c.SetUserStatus(ctx, userJohn, client.UserStatusChange{Available: ptr(false)}))(t)
		must(sb.AgentSession(ctx, userJohn, client.UserLoggedIn))(t)
		if _, _, err := sb.SetTeamMember(ctx, teamSup, userJohn, true); err != nil {
			t.Fatal(err)
		}
		if err := s.c.DeleteContact(ctx, c.UUID); err != nil {
			t.Fatal(err)
		}
		// contact_created, conversation_opened, message_created (in),
		// message_created (out), message_status_updated, conversation_closed,
		// contact_updated, agent_status_updated, agent_session_updated,
		// team_membership_updated, contact_deleted.
		hooks := rcv.WaitDelivered(t, 11, 30*time.Second)
		got := map[string]client.Event{}
		for _, h := range hooks {
			d, err := client.ParseWebhook(h.Header, h.Body, wh.Secret)
			if err != nil {
				t.Fatalf("%s: %v", h.Body, err)
			}
			if d.ID == "" || d.ID != h.ID() || d.Timestamp.IsZero() {
				t.Errorf("delivery %+v", d)
			}
			name := d.Event.EventName()
			if name == client.EventMessageCreated {
				name += "/" + d.Event.(*client.MessageCreated).Status
			}
			got[name] = d.Event
		}
		var names []string
		for n := range got {
			names = append(names, n)
		}
		slices.Sort(names)
		want := []string{"agent_session_updated", "agent_status_updated", "contact_created", "contact_deleted", "contact_updated",
			"conversation_closed", "conversation_opened", "message_created/received", "message_created/sent", "message_status_updated",
			"team_membership_updated"}
		if !slices.Equal(names, want) {
			t.Fatalf("events %v, want %v", names, want)
		}
		if e := got["contact_created"].(*client.ContactCreated); e.UUID != c.UUID || e.Name != "Cy" {
			t.Errorf("contact_created %+v", e)
		}
		if e := got["contact_updated"].(*client.ContactUpdated); e.Name != "Cyrus" {
			t.Errorf("contact_updated %+v", e)
		}
		if e := got["contact_deleted"].(*client.ContactDeleted); e.UUID != c.UUID || e.Deleted.IsZero() {
			t.Errorf("contact_deleted %+v", e)
		}
		if e := got["conversation_opened"].(*client.ConversationOpened); e.Contact.UUID != c.UUID || e.Source != client.WhatsApp {
			t.Errorf("conversation_opened %+v", e)
		}
		if e := got["conversation_closed"].(*client.ConversationClosed); e.ClosingReason == nil || *e.ClosingReason != "done" || e.ClosedAt.IsZero() {
			t.Errorf("conversation_closed %+v", e)
		}
		if e := got["message_created/received"].(*client.MessageCreated); e.Text != "hello" || e.From != "447700900777" || e.Contact.UUID != c.UUID {
			t.Errorf("message_created %+v", e)
		}
		if e := got["message_created/sent"].(*client.MessageCreated); e.UUID != sent.UUID || e.Metadata["k"] != "v" {
			t.Errorf("message_created %+v", e)
		}
		if e := got["message_status_updated"].(*client.MessageStatusUpdated); e.UUID != sent.UUID || e.Status != client.StatusEnqueued || e.Payload == nil {
			t.Errorf("message_status_updated %+v", e)
		}
		if e := got["agent_status_updated"].(*client.AgentStatusUpdated); e.Email != "john.doe@email.com" || e.Available {
			t.Errorf("agent_status_updated %+v", e)
		}
		if e := got["agent_session_updated"].(*client.AgentSessionUpdated); e.Action != client.UserLoggedIn {
			t.Errorf("agent_session_updated %+v", e)
		}
		if e := got["team_membership_updated"].(*client.TeamMembershipUpdated); e.Reason != "agent_added" || e.Team.UUID != teamSup {
			t.Errorf("team_membership_updated %+v", e)
		}

		// The delivery log.
		attempts := collect(t, s.c.WebhookEvents(ctx, client.WebhookEventFilter{Items: 5, Success: ptr(true), Events: []string{client.EventMessageCreated}}))
		if len(attempts) != 2 || !attempts[0].Success || attempts[0].Response.Code == nil || *attempts[0].Response.Code != 200 {
			t.Errorf("attempts %+v", attempts)
		}
		if err := s.c.Unsubscribe(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.c.Webhook(ctx); !errors.Is(err, client.ErrNotFound) {
			t.Errorf("after unsubscribe: %v", err)
		}
	})
}

// signed returns a delivery of body signed at ts in both schemes.
func signed(t *testing.T, secret string, body []byte, ts time.Time) http.Header {
	t.Helper()
	h := http.Header{}
	unix := fmt.Sprint(ts.Unix())
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(unix + "." + string(body)))
	h.Set("X-Callbell-Signature", "t="+unix+",v1="+hex.EncodeToString(mac.Sum(nil)))
	return h
}

// TestParseWebhookRefuses: a tampered body, a wrong secret, a stale or
// missing signature are refused; each scheme verifies alone.
func TestParseWebhookRefuses(t *testing.T) {
	t.Parallel()
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4Qm7Zsg0jSk="
	body := []byte(`{"event":"contact_deleted","payload":{"uuid":"414a6d692bd645ed803f2e7ce360d4c8","deleted":"2022-10-18T12:06:29.000Z"}}`)
	now := time.Unix(1_700_000_000, 0)
	at := client.WithNow(func() time.Time { return now })

	d, err := client.ParseWebhook(signed(t, secret, body, now), body, secret, at)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := d.Event.(*client.ContactDeleted); !ok || e.UUID != "414a6d692bd645ed803f2e7ce360d4c8" || !e.Deleted.Equal(time.Date(2022, 10, 18, 12, 6, 29, 0, time.UTC)) {
		t.Errorf("event %#v", d.Event)
	}
	// The reference vector of the Standard Webhooks specification.
	const swSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	swBody := []byte(`{"test": 2432232314}`)
	sw := http.Header{}
	sw.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	sw.Set("webhook-timestamp", "1614265330")
	sw.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	swNow := client.WithNow(func() time.Time { return time.Unix(1614265330, 0) })
	if d, err := client.ParseWebhook(sw, swBody, swSecret, swNow); err != nil || d.ID != "msg_p5jXN8AQM9LWM0D4loKWxJek" {
		t.Errorf("Standard Webhooks example: %v", err)
	} else if u, ok := d.Event.(*client.UnknownEvent); !ok || u.Name != "" {
		t.Errorf("event %#v", d.Event)
	}

	for name, tc := range map[string]struct {
		header http.Header
		body   []byte
		opts   []client.WebhookOption
		want   error
	}{
		"tampered body":   {signed(t, secret, body, now), append([]byte(nil), append(body[:len(body)-1], ' ', '}')...), []client.WebhookOption{at}, client.ErrBadSignature},
		"wrong secret":    {signed(t, "whsec_other", body, now), body, []client.WebhookOption{at}, client.ErrBadSignature},
		"replayed later":  {signed(t, secret, body, now.Add(-6*time.Minute)), body, []client.WebhookOption{at}, client.ErrStaleWebhook},
		"from the future": {signed(t, secret, body, now.Add(6*time.Minute)), body, []client.WebhookOption{at}, client.ErrStaleWebhook},
		"unsigned":        {http.Header{}, body, []client.WebhookOption{at}, client.ErrNoSignature},
		"wider tolerance": {signed(t, secret, body, now.Add(-6*time.Minute)), body, []client.WebhookOption{at, client.WithTolerance(time.Hour)}, nil},
		"one bad scheme": {func() http.Header {
			h := signed(t, secret, body, now)
			h.Set("webhook-id", "x")
			h.Set("webhook-timestamp", fmt.Sprint(now.Unix()))
			h.Set("webhook-signature", "v1,AAAA")
			return h
		}(), body, []client.WebhookOption{at}, client.ErrBadSignature},
	} {
		if _, err := client.ParseWebhook(tc.header, tc.body, secret, tc.opts...); !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}
