package apitest_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/openbell/openbell/internal/apitest"
)

// TestBadQueryChangesNothing: a write whose query is invalid is refused
// before it happens.
func TestBadQueryChangesNothing(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		n := len(s.Events(""))
		expectError(t, s.DoUnchecked("POST", "/v1/contacts?include_field_types=maybe", map[string]any{
			"identifier": "+1 415 555 0199", "source": "whatsapp", "name": "Q"}), 400)
		expectError(t, s.Do("GET", "/v1/contacts/phone/14155550199", nil), 404)
		expectError(t, s.DoUnchecked("POST", "/v1/contacts/"+johnDoe+"/conversation/close?include_field_types=2", nil), 400)
		if at(s.Do("GET", "/v1/contacts/"+johnDoe, nil).JSON(t), "contact.closedAt") != nil {
			t.Errorf("a refused close closed the conversation")
		}
		if len(s.Events("")) != n {
			t.Errorf("refused requests fired events")
		}
		// The parameter is not one of the message list's: it is ignored there.
		expectStatus(t, s.Do("GET", "/v1/contacts/"+johnDoe+"/messages?include_field_types=2", nil), 200)
	})
}

func TestTagFilterLimit(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		var tags []string
		for i := 0; i < 21; i++ {
			tags = append(tags, fmt.Sprint("t", i))
		}
		expectError(t, s.Do("GET", "/v1/contacts?tags="+strings.Join(tags, ","), nil), 400, "tags")
		// Repeats count once.
		expectStatus(t, s.Do("GET", "/v1/contacts?tags="+strings.Repeat("sales,", 30), nil), 200)
	})
}

// TestConcurrentIdempotentSends: racing sends with one key answer alike and
// send once.
func TestConcurrentIdempotentSends(t *testing.T) {
	each(t, func(t *testing.T, s *apitest.Server) {
		req := apitest.Request{Method: "POST", Path: "/v1/messages/send", Body: template("+1 555 030 1111", "x"),
			Header: map[string]string{"Idempotency-Key": "race-1"}}
		bodies := make([]string, 6)
		var wg sync.WaitGroup
		for i := range bodies {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r := s.Send(req)
				bodies[i] = fmt.Sprint(r.Status, " ", string(r.Body))
			}(i)
		}
		wg.Wait()
		for _, b := range bodies[1:] {
			if b != bodies[0] {
				t.Errorf("answers differ:\n%s\n%s", bodies[0], b)
			}
		}
		if !strings.HasPrefix(bodies[0], "200 ") {
			t.Fatalf("answer %s", bodies[0])
		}
		c := at(s.Do("GET", "/v1/contacts/phone/15550301111", nil).JSON(t), "contact.uuid").(string)
		if n := len(at(s.Do("GET", "/v1/contacts/"+c+"/messages", nil).JSON(t), "messages").([]any)); n != 1 {
			t.Errorf("%d messages sent", n)
		}
	})
}
