package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/openbell/openbell/internal/apitest"
)

// TestInboxFilters: the inbox lists conversations by most recent activity,
// filtered by status, assignment, team, tag and channel, and searched by
// name or phone number; each row tells whether the customer waits.
func TestInboxFilters(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		create := func(body map[string]any) string {
			r := s.Do("POST", "/v1/contacts", body)
			if r.Status != http.StatusOK {
				t.Fatalf("create %v: %d %s", body, r.Status, r.Body)
			}
			return r.JSON(t)["contact"].(map[string]any)["uuid"].(string)
		}
		create(map[string]any{"identifier": "+31 6 5550 1234", "source": "whatsapp", "name": "Alpha Filter",
			"tags": []string{"hot"}, "team_uuid": teamSup, "assigned_user": "jane.doe@email.com"})
		beta := create(map[string]any{"identifier": "beta_user", "source": "telegram", "name": "Beta Filter"})
		if r := s.Do("POST", "/v1/contacts/"+beta+"/conversation/close", nil); r.Status != http.StatusOK {
			t.Fatal(r.Status)
		}
		if r := s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "+33 1 12 23 34 45", "text": "Anyone there?"}); r.Status != http.StatusOK {
			t.Fatalf("inbound: %d %s", r.Status, r.Body)
		}
		b := newBrowser(t, s)
		b.signIn(s.Token) // John Doe
		everyone := []string{"Alpha Filter", "Beta Filter", "John Doe", "Mario Rossi", "Jane Roe"}
		for _, c := range []struct {
			query string
			want  []string // in this order
		}{
			{"", []string{"Mario Rossi", "Alpha Filter", "John Doe", "Jane Roe"}},
			{"?status=closed", []string{"Beta Filter"}},
			{"?status=all", []string{"Mario Rossi", "Beta Filter", "Alpha Filter", "John Doe", "Jane Roe"}},
			{"?q=alpha", []string{"Alpha Filter"}},
			{"?q=FILTER&status=all", []string{"Beta Filter", "Alpha Filter"}},
			{"?q=%2B31+6+5550", []string{"Alpha Filter"}},
			{"?q=100%25", nil},
			{"?assigned=me", []string{"Mario Rossi"}},
			{"?assigned=none", []string{"John Doe", "Jane Roe"}},
			{"?team=" + teamSup, []string{"Alpha Filter", "Jane Roe"}},
			{"?tag=HOT", []string{"Mario Rossi", "Alpha Filter"}},
			{"?status=all&channel=" + tgMain, []string{"Beta Filter"}},
			{"?channel=nonsense", nil},
		} {
			p := b.get("/" + c.query)
			p.wantStatus(t, c.query, http.StatusOK)
			at := -1
			for _, name := range everyone {
				i := strings.Index(p.Body, `<strong class="name">`+name+`</strong>`)
				wanted := strings.Contains(strings.Join(c.want, "|"), name)
				if (i >= 0) != wanted {
					t.Errorf("%q: %s listed %v, want %v", c.query, name, i >= 0, wanted)
				}
			}
			for _, name := range c.want {
				i := strings.Index(p.Body, `<strong class="name">`+name+`</strong>`)
				if i >= 0 && i < at {
					t.Errorf("%q: %s is out of order", c.query, name)
				}
				at = max(at, i)
			}
		}
		p := b.get("/")
		if r := row(p.Body, "Mario Rossi"); !strings.Contains(r, "Waiting for an answer") || !strings.Contains(r, "Anyone there?") ||
			!strings.Contains(r, "Assigned to John Doe") {
			t.Errorf("Mario's row: %s", r)
		}
		if r := row(p.Body, "John Doe"); strings.Contains(r, "Waiting") || !strings.Contains(r, "You: Hello there how can I help you?") ||
			!strings.Contains(r, "Unassigned") || !strings.Contains(r, "phone_number_1") {
			t.Errorf("John's row: %s", r)
		}
	})
}

// TestInboxPages: the inbox is paged, newest first.
func TestInboxPages(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		for i := range 30 {
			r := s.Do("POST", "/v1/contacts", map[string]any{"identifier": fmt.Sprintf("+31 6 4440 %04d", 1000+i), "source": "whatsapp",
				"name": fmt.Sprintf("Paged %02d", i)})
			if r.Status != http.StatusOK {
				t.Fatal(r.Status)
			}
		}
		b := newBrowser(t, s)
		b.signIn(s.Token)
		one, two := b.get("/?q=paged"), b.get("/?q=paged&page=2")
		if !strings.Contains(one.Body, "Paged 29") || strings.Contains(one.Body, "Paged 04") || !strings.Contains(one.Body, `href="/?page=2&amp;q=paged" rel="next"`) {
			t.Errorf("page 1 is not the 25 newest with a link to page 2")
		}
		if strings.Count(one.Body, `<li class="row`) != 25 || strings.Count(two.Body, `<li class="row`) != 5 {
			t.Errorf("%d and %d rows, want 25 and 5", strings.Count(one.Body, `<li class="row`), strings.Count(two.Body, `<li class="row`))
		}
		if !strings.Contains(two.Body, "Paged 00") || strings.Contains(two.Body, `rel="next"`) || !strings.Contains(two.Body, `href="/?q=paged" rel="prev"`) {
			t.Errorf("page 2 is not the 5 oldest with a link back only")
		}
	})
}
