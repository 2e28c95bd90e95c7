package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/apitest"
)

// TestSandboxPanel: in a conversation the customer writes every kind of
// message, rendered as what it is, through the sandbox's inbound
// operation; a delivery status is forced on an outbound message.
func TestSandboxPanel(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		b := newBrowser(t, s)
		b.signIn(s.Token)
		for _, form := range []url.Values{
			{"type": {"text"}, "text": {"Customer says hi"}},
			{"type": {"image"}, "url": {"https://cdn.example/photo.jpg"}, "text": {"a photo"}},
			{"type": {"document"}, "url": {"https://cdn.example/invoice.pdf"}},
			{"type": {"location"}, "latitude": {"52.37"}, "longitude": {"4.89"}},
			{"type": {"contacts"}, "card_name": {"Card Person"}, "card_phone": {"+31 6 999 88 777"}},
			{"type": {"button_reply"}, "text": {"Yes please"}},
			{"type": {"list_reply"}, "text": {"Large box"}},
		} {
			n := len(s.Events(""))
			b.post("/contacts/"+johnDoe+"/sandbox/inbound", form).wantStatus(t, form.Get("type"), http.StatusSeeOther)
			if got := eventNames(s, "", n); !slices.Equal(got, []string{ob.EventMessageCreated}) {
				t.Errorf("%s fired %v", form.Get("type"), got)
			}
		}
		p := b.get("/contacts/" + johnDoe)
		for _, want := range []string{
			"Customer says hi", `<img src="https://cdn.example/photo.jpg"`, "a photo", `href="https://cdn.example/invoice.pdf"`, "invoice.pdf",
			"Location 52.37, 4.89", "Card Person", "+31699988777", "Tapped the button <strong>Yes please</strong>",
			"Chose <strong>Large box</strong> from a list", "Write as the customer", "…0001: fails",
		} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("the conversation lacks %s", want)
			}
		}
		p = b.post("/contacts/"+johnDoe+"/sandbox/inbound", url.Values{"form": {"customer"}, "type": {"image"}, "url": {"ftp://x"}})
		p.wantStatus(t, "an image without an http URL", http.StatusUnprocessableEntity)
		n := len(s.Events(""))
		b.post("/contacts/"+johnDoe+"/sandbox/status", url.Values{"message": {"adf3d1216d4c4dcd908199d6700f2381"}, "status": {"failed"},
			"reason": {"phone switched off"}}).wantStatus(t, "force failed", http.StatusSeeOther)
		if got := eventNames(s, "", n); !slices.Equal(got, []string{ob.EventMessageStatusUpdated}) {
			t.Errorf("forcing a status fired %v", got)
		}
		p = b.get("/contacts/" + johnDoe)
		if !strings.Contains(p.Body, `data-status="failed"`) || !strings.Contains(p.Body, ": phone switched off") {
			t.Errorf("the failed status and its reason are not shown")
		}
		// Only the conversation's own messages: Mario's page cannot force John's.
		b.post("/contacts/"+marioRossi+"/sandbox/status", url.Values{"message": {"adf3d1216d4c4dcd908199d6700f2381"}, "status": {"read"}}).
			wantStatus(t, "force another conversation's message", http.StatusUnprocessableEntity)
	})
}
