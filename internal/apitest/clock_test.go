package apitest_test

import (
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/store/storetest"
)

// fixedClock is a server clock that does not move.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

var fixedNow = time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC)

// TestSandboxClock: GET /sandbox/v1/clock answers the account's clock, the
// server's time until POST /sandbox/v1/clock moves it, then the time it
// moved to; another account's clock stays.
func TestSandboxClock(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := apitest.StartClock(t, apitest.NewConfig(t, e, withOther(t)), fixedClock{fixedNow})
		get := func(token string) string {
			t.Helper()
			r := s.Send(apitest.Request{Method: "GET", Path: "/sandbox/v1/clock", Token: token})
			expectStatus(t, r, 200)
			return string(r.Body)
		}
		if got, want := get(""), `{"now":"2026-12-02T17:00:00Z","offset_seconds":0}`; got != want {
			t.Errorf("before: %s, want %s", got, want)
		}
		r := s.Do("POST", "/sandbox/v1/clock", map[string]any{"advance_seconds": 90061})
		expectStatus(t, r, 200)
		want := `{"now":"2026-12-03T18:01:01Z","offset_seconds":90061}`
		if got := string(r.Body); got != want {
			t.Errorf("POST answered %s, want %s", got, want)
		}
		if got := get(""); got != want {
			t.Errorf("after: %s, want %s", got, want)
		}
		if got, want := get("other-token"), `{"now":"2026-12-02T17:00:00Z","offset_seconds":0}`; got != want {
			t.Errorf("the other account's clock: %s, want %s", got, want)
		}
	})
}
