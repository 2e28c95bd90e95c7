package client_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openbell/openbell/client"
	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/store/storetest"
)

// Ids of the demo workspace (API.md "The demo workspace").
const (
	johnDoe    = "414a6d692bd645ed803f2e7ce360d4c8"
	janeRoe    = "efd7d996470e463b89f079be6cf578ed"
	userJohn   = "414a6d692bd645ed803f2e7ce360d4c8"
	teamGen    = "ad42a09715814e6483b1c5debd6a2dbc"
	teamSup    = "47aad5f9b4ca423c9d630f06ab93fe1f"
	waMain     = "7c996996fea947f4a1d5a11e7fac84db"
	tgMain     = "759edec71ff440b29fc635c5fac84d4f"
	funnelAw   = "ff0f96b9-b003-4d0c-b14f-27f3f6868dd6"
	csLunch    = "8dbd6f6c-ec09-4b87-a04e-bef1c2ca41db"
	tplWelcome = "d980fb66fd5043d3ace1aa06ba044342"
	sentDemo   = "adf3d1216d4c4dcd908199d6700f2381"
)

// server is an openbell under test and a client of it whose every request
// and answer is checked against the OpenAPI document.
type server struct {
	*apitest.Server
	c *client.Client
	// raw is a client whose requests are not checked against the
	// document: for requests that break it on purpose.
	raw *client.Client
	// tries counts the requests the client sent.
	tries atomic.Int64
}

// each runs fn against a fresh server per engine.
func each(t *testing.T, fn func(t *testing.T, s *server), opts ...client.Option) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := &server{Server: apitest.Start(t, e)}
		s.c = newClient(t, s, nil, opts...)
		s.raw = client.New(s.URL+"/v1", s.Token, client.WithRetries(0, 0, 0))
		fn(t, s)
	})
}

// newClient returns a client of s that sends through next (the default
// transport when nil), counted in s.tries and checked against the document.
func newClient(t *testing.T, s *server, next http.RoundTripper, opts ...client.Option) *client.Client {
	contract, err := apitest.DefaultContract()
	if err != nil {
		t.Fatal(err)
	}
	if next == nil {
		next = http.DefaultTransport
	}
	counting := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		s.tries.Add(1)
		return next.RoundTrip(r)
	})
	hc := &http.Client{Transport: contract.Transport(t, counting), Timeout: 30 * time.Second}
	opts = append([]client.Option{client.WithHTTPClient(hc), client.WithRetries(3, time.Millisecond, 10*time.Millisecond)}, opts...)
	return client.New(s.URL+"/v1", s.Token, opts...)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// must returns v, failing the test given to it when err is not nil:
// must(s.c.Plan(ctx))(t).
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ptr[T any](v T) *T { return &v }

func collect[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestContactLifecycle(t *testing.T) {
	each(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		c := must(s.c.CreateContact(ctx, client.NewContact{
			Identifier: "+57 319 2754701", Source: client.WhatsApp, Name: "Ana Gómez", Tags: []string{"lead"},
			CustomFields: map[string]client.FieldValue{"Status": client.Text("Active"), "Features": client.Checkbox("Dark Mode", "Analytics")},
			AssignedUser: "jane.doe@email.com", TeamUUID: teamSup, Note: "Met at the fair",
		}))(t)
		if c.Name != "Ana Gómez" || c.PhoneNumber == nil || *c.PhoneNumber != "+57 319 2754701" || c.Team == nil || c.Team.UUID != teamSup ||
			c.AssignedUser == nil || *c.AssignedUser != "jane.doe@email.com" || c.Note == nil || c.ClosedAt != nil || c.CreatedAt.IsZero() {
			t.Errorf("created %+v", c)
		}
		if got, err := c.Checkbox("Features"); err != nil || !slices.Equal(got, []string{"Dark Mode", "Analytics"}) {
			t.Errorf("Features %v %v", got, err)
		}

		typed := must(s.c.ContactWithFieldTypes(ctx, c.UUID))(t)
		if m := typed.FieldTypes["Features"]; m.Type != "checkbox" || !slices.Equal(m.Checked, []string{"Dark Mode", "Analytics"}) || len(m.Options) != 3 {
			t.Errorf("Features meta %+v", m)
		}
		if m := typed.FieldTypes["Status"]; m.Type != "dropdown" || m.Value != "Active" {
			t.Errorf("Status meta %+v", m)
		}
		if byPhone := must(s.c.ContactByPhone(ctx, "573192754701", ""))(t); byPhone.UUID != c.UUID {
			t.Errorf("by phone %s", byPhone.UUID)
		}
		if byBSUID := must(s.c.ContactByBSUID(ctx, "bsuid_abc123"))(t); byBSUID.UUID != johnDoe {
			t.Errorf("by bsuid %s", byBSUID.UUID)
		}

		u := must(s.c.UpdateContact(ctx, c.UUID, client.ContactUpdate{
			Tags: ptr([]string{"hot", "USA"}), CustomFields: map[string]client.FieldValue{"Status": client.ClearField()},
			TeamUUID: ptr(""), Unassign: true, Note: ptr(""),
		}))(t)
		if !slices.Equal(u.Tags, []string{"hot", "USA"}) || u.Team != nil || u.AssignedUser != nil || u.Note != nil || u.CustomFields["Status"] != "" {
			t.Errorf("updated %+v", u)
		}

		closed := must(s.c.CloseConversation(ctx, c.UUID, "resolved"))(t)
		if closed.ClosedAt == nil || closed.ClosedAt.Location() != time.UTC {
			t.Errorf("closedAt %v", closed.ClosedAt)
		}
		if opened := must(s.c.OpenConversation(ctx, c.UUID))(t); opened.ClosedAt != nil {
			t.Errorf("open: closedAt %v", opened.ClosedAt)
		}
		if err := s.c.AddNote(ctx, c.UUID, "Ping @jane.doe@email.com"); err != nil {
			t.Fatal(err)
		}
		if f := must(s.c.UpdateFunnel(ctx, c.UUID, funnelAw))(t); f.FunnelID == nil || *f.FunnelID != funnelAw {
			t.Errorf("funnel %v", f.FunnelID)
		}
		if f := must(s.c.UpdateFunnel(ctx, c.UUID, ""))(t); f.FunnelID != nil {
			t.Errorf("funnel cleared: %v", *f.FunnelID)
		}
		msgs := collect(t, s.c.Messages(ctx, c.UUID))
		var texts []string
		for _, m := range msgs {
			texts = append(texts, m.Text)
		}
		if !slices.Equal(texts, []string{"Ping @jane.doe@email.com", "Conversation opened", "Conversation closed"}) {
			t.Errorf("messages %q", texts)
		}

		bot := must(s.c.SetBotSession(ctx, c.UUID, client.BotEnd))(t)
		if bot.Status != "ended" || bot.ConversationStartedAt != nil {
			t.Errorf("bot %+v", bot)
		}
		if bot = must(s.c.BotSession(ctx, c.UUID))(t); bot.Status != "ended" || bot.Name != "My Bot" {
			t.Errorf("bot %+v", bot)
		}

		if err := s.c.DeleteContact(ctx, c.UUID); err != nil {
			t.Fatal(err)
		}
		_, err := s.c.Contact(ctx, c.UUID)
		var apiErr *client.Error
		if !errors.Is(err, client.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.Message != "contact not found" || apiErr.RequestID == "" {
			t.Errorf("after delete: %v", err)
		}
	})
}

func TestErrors(t *testing.T) {
	each(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		_, err := s.c.CreateContact(ctx, client.NewContact{Identifier: "+31 6 12345678", Source: client.WhatsApp, Name: "Again"})
		var apiErr *client.Error
		if !errors.Is(err, client.ErrConflict) || !errors.As(err, &apiErr) || apiErr.UUID != johnDoe || apiErr.Status != 409 {
			t.Errorf("duplicate: %v", err)
		}
		_, err = s.c.CreateContact(ctx, client.NewContact{Identifier: "+31 6 7777777", Source: client.WhatsApp, Name: "X", Tags: []string{"VIP"},
			CustomFields: map[string]client.FieldValue{"Status": client.Text("Dormant")}})
		if !errors.Is(err, client.ErrValidation) || errors.Is(err, client.ErrNotFound) || !errors.As(err, &apiErr) ||
			len(apiErr.Fields["tags"]) == 0 || len(apiErr.Fields["custom_fields"]) == 0 {
			t.Errorf("invalid: %v", err)
		}
		bad := client.New(s.URL+"/v1", "nope", client.WithRetries(0, 0, 0))
		if _, err := bad.Plan(ctx); !errors.Is(err, client.ErrUnauthorized) {
			t.Errorf("bad token: %v", err)
		}
		if _, err := s.c.Team(ctx, "00000000000000000000000000000000"); !errors.Is(err, client.ErrNotFound) {
			t.Errorf("missing team: %v", err)
		}
		if _, err := s.raw.ListContacts(ctx, client.ContactFilter{Source: "fax"}); !errors.Is(err, client.ErrBadRequest) {
			t.Errorf("bad filter: %v", err)
		}
	})
}

func TestSendMessage(t *testing.T) {
	each(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		sb := s.c.Sandbox()
		msg, contact, err := sb.Inbound(ctx, client.InboundMessage{From: "+44 7700 900555", Text: "Hi, is the shop open?", Name: "Bea"})
		if err != nil {
			t.Fatal(err)
		}
		if msg.Status != "received" || msg.From != "447700900555" || contact.Name != "Bea" {
			t.Errorf("inbound %+v %+v", msg, contact)
		}
		sent := must(s.c.SendMessage(ctx, client.OutboundMessage{To: "+44 7700 900555", From: client.WhatsApp, Text: "Yes, until 6pm",
			Metadata: map[string]string{"order": "42"}, WithContact: true, WithConversation: true}))(t)
		if sent.Status != client.StatusEnqueued || sent.Contact == nil || sent.Contact.UUID != contact.UUID || sent.Conversation == nil {
			t.Errorf("sent %+v", sent)
		}
		st := must(s.c.MessageStatus(ctx, sent.UUID))(t)
		if st.Status != client.StatusEnqueued || st.Payload == nil || st.Payload.Type != "enqueued" || st.Payload.Details.Type != "session" {
			t.Errorf("status %+v", st)
		}
		forced := must(sb.ForceStatus(ctx, sent.UUID, client.ForcedStatus{Status: client.StatusFailed, Reason: "no luck"}))(t)
		if forced.Status != client.StatusFailed || forced.Payload.Details.Code != 1001 || forced.Payload.Details.Reason != "no luck" || forced.Payload.GsID == "" {
			t.Errorf("forced %+v", forced)
		}
		page := must(s.c.ListMessages(ctx, contact.UUID, 1))(t)
		if len(page.Items) != 2 || page.Items[0].Text != "Yes, until 6pm" || page.Items[0].Metadata["order"] != "42" || page.HasNext() {
			t.Errorf("messages %+v", page)
		}
		if err := s.c.DeleteMessage(ctx, sent.UUID); err != nil {
			t.Fatal(err)
		}
		if st := must(s.c.MessageStatus(ctx, sent.UUID))(t); st.Status != client.StatusDeleted || st.Payload.Type != client.StatusDeleted {
			t.Errorf("after delete: %+v", st)
		}
		// The 24-hour rule: a template is needed once the window closed.
		must(sb.AdvanceClock(ctx, 25*time.Hour))(t)
		_, err = s.c.SendMessage(ctx, client.OutboundMessage{To: "+44 7700 900555", From: client.WhatsApp, Text: "Still there?"})
		var apiErr *client.Error
		if !errors.Is(err, client.ErrValidation) || !errors.As(err, &apiErr) || len(apiErr.Fields["template_uuid"]) == 0 {
			t.Errorf("outside the window: %v", err)
		}
		tpl := must(s.c.SendMessage(ctx, client.OutboundMessage{To: "+44 7700 900555", From: client.WhatsApp,
			TemplateUUID: tplWelcome, TemplateValues: []string{"Bea"}, OptinContact: true}))(t)
		if tpl.Status != client.StatusEnqueued {
			t.Errorf("template send %+v", tpl)
		}
	})
}

// TestSendIsRetriedSafely: an answer lost on the way back makes the client
// send again, and the Idempotency-Key makes the server answer the first
// send instead of sending twice.
func TestSendIsRetriedSafely(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := &server{Server: apitest.Start(t, e)}
		var lost sync.Once
		var keys []string
		var mu sync.Mutex
		loseFirstAnswer := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			keys = append(keys, r.Header.Get("Idempotency-Key"))
			mu.Unlock()
			resp, err := http.DefaultTransport.RoundTrip(r)
			if err != nil {
				return nil, err
			}
			dropped := false
			lost.Do(func() { dropped = true })
			if dropped {
				resp.Body.Close()
				return nil, errors.New("connection reset (test)")
			}
			return resp, nil
		})
		c := newClient(t, s, loseFirstAnswer)
		ctx := context.Background()
		sent := must(c.SendMessage(ctx, client.OutboundMessage{To: "+31 6 12345678", From: client.WhatsApp, Text: "once"}))(t)
		if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
			t.Errorf("Idempotency-Key of the tries: %q", keys)
		}
		var sends int
		for m, err := range c.Messages(ctx, johnDoe) {
			if err != nil {
				t.Fatal(err)
			}
			if m.Text == "once" {
				sends++
				if m.UUID != sent.UUID {
					t.Errorf("stored %s, answered %s", m.UUID, sent.UUID)
				}
			}
		}
		if sends != 1 {
			t.Errorf("the message was stored %d times", sends)
		}
		// A request that is not safe to repeat is not sent again.
		lost = sync.Once{}
		if _, err := c.CreateContact(ctx, client.NewContact{Identifier: "+31 6 5550001", Source: client.WhatsApp, Name: "N"}); err == nil {
			t.Errorf("a create whose answer was lost succeeded")
		}
	})
}

// TestRetriesOfRefusedRequests: a 429 is retried for every request (the
// server refused it before doing anything), a 5xx only for requests safe
// to repeat.
func TestRetriesOfRefusedRequests(t *testing.T) {
	each(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		sb := s.c.Sandbox()
		must(sb.AddFault(ctx, client.Fault{Method: "POST", PathPrefix: "/v1/contacts", Status: 429, Count: 2}))(t)
		before := s.tries.Load()
		c := must(s.c.CreateContact(ctx, client.NewContact{Identifier: "+31 6 5550002", Source: client.WhatsApp, Name: "After 429s"}))(t)
		if n := s.tries.Load() - before; n != 3 || c.Name != "After 429s" {
			t.Errorf("%d tries, want 3", n)
		}

		must(sb.AddFault(ctx, client.Fault{Method: "POST", PathPrefix: "/v1/contacts", Status: 500, Count: 1}))(t)
		before = s.tries.Load()
		_, err := s.c.CreateContact(ctx, client.NewContact{Identifier: "+31 6 5550003", Source: client.WhatsApp, Name: "N"})
		if !errors.Is(err, client.ErrServer) || s.tries.Load()-before != 1 {
			t.Errorf("create after a 500: %v, %d tries", err, s.tries.Load()-before)
		}

		must(sb.AddFault(ctx, client.Fault{PathPrefix: "/v1/plan", Status: 503, Count: 2}))(t)
		before = s.tries.Load()
		if p := must(s.c.Plan(ctx))(t); p.Plan != "business_plus" || s.tries.Load()-before != 3 {
			t.Errorf("plan after 503s: %+v, %d tries", p, s.tries.Load()-before)
		}

		must(sb.AddFault(ctx, client.Fault{PathPrefix: "/v1/plan", Status: 503, Count: 10}))(t)
		_, err = s.c.Plan(ctx)
		var apiErr *client.Error
		if !errors.As(err, &apiErr) || apiErr.Status != 503 || apiErr.RetryAfter != time.Second {
			t.Errorf("plan after 4 tries: %v", err)
		}
		faults := must(sb.Faults(ctx))(t)
		if len(faults) != 1 || faults[0].Count != 6 {
			t.Errorf("faults %+v", faults)
		}
		if err := sb.ClearFaults(ctx); err != nil {
			t.Fatal(err)
		}
		noRetry := newClient(t, s, nil, client.WithRetries(0, 0, 0))
		must(sb.AddFault(ctx, client.Fault{PathPrefix: "/v1/plan", Status: 429, Count: 1}))(t)
		if _, err := noRetry.Plan(ctx); !errors.Is(err, client.ErrRateLimited) {
			t.Errorf("without retries: %v", err)
		}
	})
}

func TestPagination(t *testing.T) {
	each(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		for i := range 22 {
			must(s.c.CreateContact(ctx, client.NewContact{Identifier: "+31 6 40000" + string(rune('0'+i/10)) + string(rune('0'+i%10)),
				Source: client.WhatsApp, Name: "Paged", Tags: []string{"USA"}}))(t)
		}
		first := must(s.c.ListContacts(ctx, client.ContactFilter{}))(t)
		if len(first.Items) != 20 || first.Page != 1 || first.Pages != 2 || !first.HasNext() {
			t.Errorf("page 1: %d items, page %d of %d", len(first.Items), first.Page, first.Pages)
		}
		all := collect(t, s.c.Contacts(ctx, client.ContactFilter{}))
		seen := map[string]bool{}
		for _, c := range all {
			seen[c.UUID] = true
		}
		if len(all) != 25 || len(seen) != 25 {
			t.Errorf("iterated %d contacts, %d distinct; want 25", len(all), len(seen))
		}
		tagged := collect(t, s.c.Contacts(ctx, client.ContactFilter{Tags: []string{"usa"}, Source: client.WhatsApp}))
		if len(tagged) != 22 {
			t.Errorf("%d tagged", len(tagged))
		}
		n := 0
		for range s.c.Contacts(ctx, client.ContactFilter{}) {
			if n++; n == 3 {
				break
			}
		}
		if n != 3 {
			t.Errorf("break: %d", n)
		}
		empty := must(s.c.ListContacts(ctx, client.ContactFilter{Page: 9}))(t)
		if len(empty.Items) != 0 || empty.Pages != 2 || empty.HasNext() {
			t.Errorf("page 9: %+v", empty)
		}
		// An error ends the iteration after it is yielded.
		var errs int
		for _, err := range s.raw.Contacts(ctx, client.ContactFilter{TeamUUID: "not-an-id"}) {
			if !errors.Is(err, client.ErrBadRequest) {
				t.Errorf("err %v", err)
			}
			errs++
		}
		if errs != 1 {
			t.Errorf("%d errors", errs)
		}
	})
}

func TestWorkspace(t *testing.T) {
	each(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		chans := collect(t, s.c.Channels(ctx, client.ChannelFilter{Type: client.WhatsApp, Active: ptr(true)}))
		if len(chans) != 1 || chans[0].UUID != waMain || chans[0].Discarded || chans[0].Identifier == nil {
			t.Errorf("channels %+v", chans)
		}
		if ch := must(s.c.RenameChannel(ctx, tgMain, "Support bot"))(t); ch.Title != "Support bot" || ch.Type != client.Telegram {
			t.Errorf("renamed %+v", ch)
		}
		teams := collect(t, s.c.Teams(ctx))
		if len(teams) != 2 || !teams[0].Default || teams[0].Members != 2 || teams[0].CreatedAt.IsZero() {
			t.Errorf("teams %+v", teams)
		}
		if tm := must(s.c.RenameTeam(ctx, teamSup, "Care"))(t); tm.Name != "Care" {
			t.Errorf("team %+v", tm)
		}
		members := collect(t, s.c.TeamMembers(ctx, teamGen, client.Available))
		if len(members) != 2 || members[0].UUID != userJohn {
			t.Errorf("members %+v", members)
		}
		st := must(s.c.SetUserStatus(ctx, userJohn, client.UserStatusChange{Available: ptr(false), CustomStatusID: ptr(csLunch)}))(t)
		if st.Available || st.CustomStatus == nil || st.CustomStatus.Name != "Lunch" || st.AvailabilityUpdatedAt.IsZero() {
			t.Errorf("user status %+v", st)
		}
		if err := s.c.ClearUserStatus(ctx, userJohn); err != nil {
			t.Fatal(err)
		}
		away := collect(t, s.c.TeamMembers(ctx, teamGen, client.Away))
		if len(away) != 1 || away[0].CustomStatus != nil {
			t.Errorf("away %+v", away)
		}
		cs := must(s.c.CreateCustomStatus(ctx, "Focus", ""))(t)
		if cs.Emoji != nil || cs.CreatedAt.IsZero() || cs.CreatedAt.Location() != time.UTC || len(cs.ID) != 36 {
			t.Errorf("created status %+v", cs)
		}
		cs = must(s.c.UpdateCustomStatus(ctx, cs.ID, client.CustomStatusChange{Emoji: ptr("🎧")}))(t)
		if cs.Emoji == nil || *cs.Emoji != "🎧" || cs.Name != "Focus" {
			t.Errorf("updated status %+v", cs)
		}
		if got := must(s.c.CustomStatus(ctx, cs.ID))(t); got.UpdatedAt != cs.UpdatedAt {
			t.Errorf("status %+v", got)
		}
		if err := s.c.DeleteCustomStatus(ctx, cs.ID); err != nil {
			t.Fatal(err)
		}
		if n := len(collect(t, s.c.CustomStatuses(ctx))); n != 3 {
			t.Errorf("%d custom statuses", n)
		}
		funnels := collect(t, s.c.Funnels(ctx))
		if len(funnels) != 4 || funnels[0].UUID != funnelAw || funnels[0].Position != 1 || funnels[0].CreatedAt.IsZero() {
			t.Errorf("funnels %+v", funnels)
		}
		tpls := collect(t, s.c.Templates(ctx))
		if len(tpls) != 3 {
			t.Errorf("templates %+v", tpls)
		}
		if tp := must(s.c.RenameTemplate(ctx, tplWelcome, "Greeting"))(t); tp.Title != "Greeting" || tp.Status != "approved" || tp.Category != "UTILITY" {
			t.Errorf("template %+v", tp)
		}
		if tp := must(s.c.Template(ctx, tplWelcome))(t); tp.Title != "Greeting" {
			t.Errorf("template %+v", tp)
		}
		plan := must(s.c.Plan(ctx))(t)
		if plan.Plan != "business_plus" || plan.ActiveUsers != 2 || len(plan.Teams) != 2 {
			t.Errorf("plan %+v", plan)
		}
		me := must(s.c.Me(ctx))(t)
		if me.UserEmail == nil || *me.UserEmail != "john.doe@email.com" || me.APIKey == "" {
			t.Errorf("me %+v", me)
		}
	})
}

func TestSandbox(t *testing.T) {
	each(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		sb := s.c.Sandbox()
		c0 := must(sb.Clock(ctx))(t)
		c1 := must(sb.AdvanceClock(ctx, time.Hour))(t)
		if c1.Offset != time.Hour || c1.Now.Sub(c0.Now) < time.Hour {
			t.Errorf("clock %+v then %+v", c0, c1)
		}
		ev := must(sb.AgentSession(ctx, userJohn, client.UserLoggedOut))(t)
		if ev.Action != client.UserLoggedOut || ev.User.Email != "john.doe@email.com" {
			t.Errorf("session %+v", ev)
		}
		tm, changed, err := sb.SetTeamMember(ctx, teamSup, userJohn, true)
		if err != nil || !changed || tm.Reason != "agent_added" || tm.Team.Members != 2 {
			t.Errorf("membership %+v %v %v", tm, changed, err)
		}
		if _, changed, _ := sb.SetTeamMember(ctx, teamSup, userJohn, true); changed {
			t.Errorf("adding twice changed something")
		}
		must(s.c.UpdateContact(ctx, janeRoe, client.ContactUpdate{Name: ptr("Renamed")}))(t)
		if err := sb.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		if c := must(s.c.Contact(ctx, janeRoe))(t); c.Name != "Jane Roe" {
			t.Errorf("after reset: %s", c.Name)
		}
		if st := must(s.c.MessageStatus(ctx, sentDemo))(t); st.Status != client.StatusDelivered {
			t.Errorf("demo message %s", st.Status)
		}
	})
}
