package apitest_test

import (
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/app"
	"github.com/openbell/openbell/internal/store/storetest"
)

// TestAuthFailuresLimitedPerAddress: a client address that keeps failing
// authentication is refused with the rate-limit error before any token is
// looked up; a token already known to be good keeps working from the same
// address, and the account's own limit is untouched.
func TestAuthFailuresLimitedPerAddress(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := apitest.StartConfig(t, apitest.NewConfig(t, e, func(c *app.Config) { c.AuthFailureLimit = 5 }))
		expectStatus(t, s.Do("GET", "/v1/auth/me", nil), 200) // the good token is known now
		var limited *apitest.Response
		for i := 0; i < 50 && limited == nil; i++ {
			r := s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts", Token: "guess-" + string(rune('a'+i%26))})
			switch r.Status {
			case 401:
				if i >= 5 {
					t.Fatalf("request %d with a bad token still answered 401", i+1)
				}
			case 429:
				limited = r
			default:
				t.Fatalf("bad token: %d %s", r.Status, r.Body)
			}
		}
		if limited == nil {
			t.Fatal("bad tokens were never limited")
		}
		m := expectError(t, limited, 429)
		if m["error"] != "rate limit exceeded" || limited.Header.Get("Retry-After") == "" {
			t.Errorf("429: %v %s", limited.Header, limited.Body)
		}
		// Without a header at all counts as a failure too, and is refused now.
		expectStatus(t, s.Send(apitest.Request{Unchecked: true, Method: "GET", Path: "/v1/contacts", Token: "-"}), 429)
		// The known token is not held back by its neighbours.
		expectStatus(t, s.Do("GET", "/v1/contacts", nil), 200)
	})
}

// TestAuthFailuresDoNotLockOutValidTokens: behind a NAT or a reverse proxy
// good and bad clients share an address. Once a good token's cached answer
// expires while the address is over its limit of failures, the token is
// looked up again instead of refused; bad tokens stay refused.
func TestAuthFailuresDoNotLockOutValidTokens(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		clock := &movableClock{}
		s := apitest.StartClock(t, apitest.NewConfig(t, e, func(c *app.Config) { c.AuthFailureLimit = 5 }), clock)
		expectStatus(t, s.Do("GET", "/v1/auth/me", nil), 200)
		for i := 0; i < 20; i++ {
			s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts", Token: "guess-" + string(rune('a'+i))})
		}
		expectStatus(t, s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts", Token: "guess-z"}), 429)
		// The cached answers expire: the auth cache runs on the server's
		// clock, the address's failures are counted in real time.
		clock.advance(2 * time.Second)
		expectStatus(t, s.Do("GET", "/v1/contacts", nil), 200)
		expectStatus(t, s.Send(apitest.Request{Method: "GET", Path: "/v1/contacts", Token: "guess-a"}), 429)
	})
}
