package web_test

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/openbell/openbell/internal/apitest"
)

// stream opens GET /events with the browser's session and returns a
// function that reads the next event (id and data).
func (b *browser) stream(t *testing.T, header ...string) (next func() (int64, string), closeFn func()) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := *b.c
	c.Timeout = 0 // a stream; the test's own timeout bounds it
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET /events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(resp.Body)
	return func() (int64, string) {
		t.Helper()
		var id int64
		var data string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				id, _ = strconv.ParseInt(line[4:], 10, 64)
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			case line == "" && data != "":
				return id, data
			}
		}
		t.Fatalf("the event stream ended: %v", sc.Err())
		return 0, ""
	}, func() { resp.Body.Close() }
}

// TestLiveEvents: GET /events streams the account's events as they are
// stored (not another account's), and a reconnect resumes after
// Last-Event-ID.
func TestLiveEvents(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		b := newBrowser(t, s)
		b.signIn(s.Token)
		if p := newBrowser(t, s).get("/events"); p.Status != http.StatusSeeOther {
			t.Errorf("events without a session: %d", p.Status)
		}
		next, stop := b.stream(t)
		// Another account's change comes first: it must not be heard.
		if r := s.Send(apitest.Request{Method: "POST", Path: "/v1/contacts/" + olgaCustomer + "/conversation/close", Token: "other-token"}); r.Status != http.StatusOK {
			t.Fatal(r.Status)
		}
		if r := s.Do("POST", "/sandbox/v1/inbound", map[string]any{"from": "+31 6 12345678", "text": "Live?"}); r.Status != http.StatusOK {
			t.Fatalf("inbound: %d %s", r.Status, r.Body)
		}
		id, data := next()
		if data != `{"event":"message_created","contact":"`+johnDoe+`"}` {
			t.Fatalf("first event %d: %s", id, data)
		}
		if r := s.Do("POST", "/v1/contacts/"+johnDoe+"/conversation/close", nil); r.Status != http.StatusOK {
			t.Fatal(r.Status)
		}
		id2, data := next()
		if id2 <= id || data != `{"event":"conversation_closed","contact":"`+johnDoe+`"}` {
			t.Errorf("second event %d: %s", id2, data)
		}
		stop()
		// A reconnect that heard the first event hears the second again.
		next, stop = b.stream(t, "Last-Event-ID", strconv.FormatInt(id, 10))
		defer stop()
		if got, data := next(); got != id2 || !strings.Contains(data, "conversation_closed") {
			t.Errorf("after Last-Event-ID %d: event %d %s", id, got, data)
		}
	}, withOther)
}
