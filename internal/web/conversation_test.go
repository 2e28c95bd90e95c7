package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/store"
)

// TestConversationPages: a contact's href and its conversationHref both
// open its conversation, with its messages and their delivery status.
func TestConversationPages(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		b := newBrowser(t, s)
		b.signIn(s.Token)
		for _, path := range []string{"/contacts/" + johnDoe, "/contacts/" + strings.ToUpper(johnDoe), conversationPath(t, s, "", johnDoe)} {
			p := b.get(path)
			p.wantStatus(t, path, http.StatusOK)
			for _, want := range []string{
				`<h1 id="contact-name">John Doe</h1>`, "Hello there 👋", "Hello there how can I help you?",
				`data-status="delivered"`, `id="reply-text"`, "24-hour window open until",
			} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("%s lacks %s", path, want)
				}
			}
		}
	})
}

// TestActionsAsTheSignedInUser: each action goes through the operation the
// API calls, fires the same events, and is done as the signed-in user.
func TestActionsAsTheSignedInUser(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		b := newBrowser(t, s)
		b.signInPassword("jane.doe@email.com", "jane-secret-1")
		steps := []struct {
			path   string
			form   url.Values
			events []string
		}{
			{"/reply", url.Values{"text": {"Hi John, Jane here"}}, []string{ob.EventMessageCreated, ob.EventMessageStatusUpdated}},
			{"/note", url.Values{"note": {"Ask @john.doe@email.com about this"}}, nil},
			{"/assign", url.Values{"user": {"me"}}, []string{ob.EventContactUpdated}},
			{"/assign", url.Values{"team": {teamSup}}, []string{ob.EventContactUpdated}},
			{"/tags", url.Values{"tag": {"hot", "USA"}}, []string{ob.EventContactUpdated}},
			{"/funnel", url.Values{"funnel_id": {"ff0f96b9-b003-4d0c-b14f-27f3f6868dd6"}}, []string{ob.EventContactUpdated}},
			{"/fields", url.Values{"field.Address": {"Main Street 2"}, "present.Features": {"1"}, "field.Features": {"Dark Mode", "Analytics"}}, []string{ob.EventContactUpdated}},
			{"/bot", url.Values{"status": {"bot_start"}}, []string{ob.EventContactUpdated}},
			{"/close", url.Values{"reason": {"solved"}}, []string{ob.EventConversationClosed}},
			{"/close", nil, nil},
			{"/open", nil, []string{ob.EventConversationOpened}},
		}
		for _, st := range steps {
			n := len(s.Events(""))
			p := b.post("/contacts/"+johnDoe+st.path, st.form)
			p.wantStatus(t, st.path, http.StatusSeeOther)
			if loc := p.Header.Get("Location"); loc != "/contacts/"+johnDoe+"#composer" {
				t.Errorf("%s: back to %q", st.path, loc)
			}
			if got := eventNames(s, "", n); !slices.Equal(got, st.events) {
				t.Errorf("%s %v fired %v, want %v", st.path, st.form, got, st.events)
			}
		}
		c := s.Do("GET", "/v1/contacts/"+johnDoe+"?include_field_types=true", nil).JSON(t)["contact"].(map[string]any)
		if c["assignedUser"] != "jane.doe@email.com" || c["team"].(map[string]any)["uuid"] != teamSup ||
			c["funnelId"] != "ff0f96b9-b003-4d0c-b14f-27f3f6868dd6" || c["closedAt"] != nil {
			t.Errorf("the contact after the actions: %v", c)
		}
		if tags, _ := json.Marshal(c["tags"]); string(tags) != `["hot","USA"]` {
			t.Errorf("tags %s", tags)
		}
		fields := c["customFields"].(map[string]any)
		if fields["Address"] != "Main Street 2" || fields["Features"] != `["Dark Mode", "Analytics"]` {
			t.Errorf("custom fields %v", fields)
		}
		p := b.get("/contacts/" + johnDoe)
		for _, want := range []string{
			"Hi John, Jane here", "· Jane Doe", "Note by Jane Doe", "<mark>@john.doe@email.com</mark>",
			"Conversation closed", "Conversation opened", `data-status="enqueued"`,
		} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("the conversation lacks %s", want)
			}
		}
		// The API lists the note and the reply as any others.
		msgs := s.Do("GET", "/v1/contacts/"+johnDoe+"/messages", nil).JSON(t)["messages"].([]any)
		var texts []string
		for _, m := range msgs {
			texts = append(texts, m.(map[string]any)["text"].(string))
		}
		for _, want := range []string{"Hi John, Jane here", "Ask @john.doe@email.com about this"} {
			if !slices.Contains(texts, want) {
				t.Errorf("GET messages lacks %q: %q", want, texts)
			}
		}
	}, withOther)
}

// TestRefusedActions: what the operations refuse is shown on the page, with
// what was typed, and changes nothing.
func TestRefusedActions(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		b := newBrowser(t, s)
		b.signIn(s.Token)
		n := len(s.Events(""))
		p := b.post("/contacts/"+johnDoe+"/reply", url.Values{"form": {"reply"}, "text": {"   "}})
		p.wantStatus(t, "a blank reply", http.StatusUnprocessableEntity)
		if !strings.Contains(p.Body, `role="alert"`) || !strings.Contains(p.Body, "can&#39;t be blank") {
			t.Errorf("a blank reply: the page does not say what is wrong")
		}
		// Mario never wrote: the 24-hour window is closed, and the page
		// offers the approved templates with their placeholders.
		p = b.get("/contacts/" + marioRossi)
		for _, want := range []string{"The 24-hour window is closed", "Value of {{1}}", "Welcome", "Template title"} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("Mario's conversation lacks %q", want)
			}
		}
		if strings.Contains(p.Body, `id="reply-text"`) || strings.Contains(p.Body, "Another Template title") {
			t.Errorf("Mario's conversation offers a free reply or a rejected template")
		}
		p = b.post("/contacts/"+marioRossi+"/reply", url.Values{"form": {"reply"}, "text": {"Hello Mario"}})
		p.wantStatus(t, "a reply outside the window", http.StatusUnprocessableEntity)
		if !strings.Contains(p.Body, "24-hour window is closed") {
			t.Errorf("a reply outside the window: the page does not say why")
		}
		if got := eventNames(s, "", n); len(got) != 0 {
			t.Errorf("refused actions fired %v", got)
		}
		p = b.post("/contacts/"+marioRossi+"/template", url.Values{"template_uuid": {"d980fb66fd5043d3ace1aa06ba044342"}, "value": {"Mario"}})
		p.wantStatus(t, "a template", http.StatusSeeOther)
		if !strings.Contains(b.get("/contacts/"+marioRossi).Body, "Hello Mario, this is a template message example") {
			t.Errorf("the filled template is not in the conversation")
		}
	})
}

// TestOtherAccountIsNotFound: another account's contact or conversation
// answers a 404 page, and its actions change nothing.
func TestOtherAccountIsNotFound(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		b := newBrowser(t, s)
		b.signIn(s.Token)
		chat := conversationPath(t, s, "other-token", olgaCustomer)
		for _, path := range []string{"/contacts/" + olgaCustomer, chat, "/contacts/nonsense", "/chat/" + strings.Repeat("0", 32)} {
			p := b.get(path)
			p.wantStatus(t, path, http.StatusNotFound)
			if !strings.Contains(p.Body, "404 Not Found") || strings.Contains(p.Body, "Olga") {
				t.Errorf("%s: not the 404 page, or it names the contact", path)
			}
		}
		n := len(s.Events("other-token"))
		for _, action := range []string{"/close", "/note", "/reply", "/assign"} {
			b.post("/contacts/"+olgaCustomer+action, url.Values{"note": {"x"}, "text": {"x"}, "user": {"me"}}).
				wantStatus(t, action+" of another account's contact", http.StatusNotFound)
		}
		if got := eventNames(s, "other-token", n); len(got) != 0 {
			t.Errorf("actions on another account's contact fired %v", got)
		}
		if b.get("/").Body == "" || strings.Contains(b.get("/?status=all").Body, "Olga Customer") {
			t.Errorf("the inbox lists another account's contact")
		}
	}, withOther)
}

// TestHostileContentIsText: what customers and clients wrote is escaped,
// and only http and https attachment URLs are links.
func TestHostileContentIsText(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		const name = `<script>alert(1)</script>`
		const text = `"><img src=x onerror=alert(1)>`
		r := s.Do("POST", "/v1/contacts", map[string]any{"identifier": "+31 6 7777 1234", "source": "whatsapp", "name": name,
			"custom_fields": map[string]any{"Address": text}})
		if r.Status != http.StatusOK {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		id := r.JSON(t)["contact"].(map[string]any)["uuid"].(string)
		if r := s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "+31677771234", "text": text}); r.Status != http.StatusOK {
			t.Fatalf("inbound: %d %s", r.Status, r.Body)
		}
		if r := s.Do("POST", "/v1/contacts/"+id+"/conversation/note", map[string]any{"text": "@" + text}); r.Status != http.StatusOK {
			t.Fatalf("note: %d %s", r.Status, r.Body)
		}
		// A javascript: URL cannot come in through the API; one stored
		// anyway (an older version, a hand-edited database) is no link.
		err := s.App.Store.Write(context.Background(), func(tx store.Tx) error {
			c, err := tx.ContactByID(mustAccount(t, s), id)
			if err != nil {
				return err
			}
			return tx.InsertMessage(&ob.Message{AccountID: c.AccountID, ContactID: c.ID, UUID: ob.NewID(), Kind: ob.MessageReceived,
				Channel: "whatsapp", From: "31677771234", To: "391234567890", CreatedAt: c.CreatedAt.Add(1),
				Attachments: []string{"javascript:alert(1)//x.png"}})
		})
		if err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, s)
		b.signIn(s.Token)
		for _, p := range []*page{b.get("/"), b.get("/contacts/" + id)} {
			for _, bad := range []string{name, "<img src=x", `="javascript:`, "ZgotmplZ"} {
				if strings.Contains(p.Body, bad) {
					t.Errorf("the page holds %q as markup", bad)
				}
			}
			if !strings.Contains(p.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("the page does not show the name as text")
			}
		}
		p := b.get("/contacts/" + id)
		for _, want := range []string{"&#34;&gt;&lt;img src=x onerror=alert(1)&gt;", "javascript:alert(1)//x.png <span class=\"muted\">(not a web link)"} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("the conversation lacks %s", want)
			}
		}
	})
}

// mustAccount is the demo account's id.
func mustAccount(t *testing.T, s *apitest.Server) ob.ID {
	t.Helper()
	var id ob.ID
	err := s.App.Store.Read(context.Background(), func(tx store.Tx) error {
		p, err := tx.PrincipalByTokenHash(ob.HashToken(s.Token))
		if err == nil {
			id = p.AccountID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
