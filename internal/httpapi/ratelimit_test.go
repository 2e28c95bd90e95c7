package httpapi

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestLimiterSlidingSecond: the limit holds over any one-second span, not
// per calendar second.
func TestLimiterSlidingSecond(t *testing.T) {
	base := time.Unix(1_800_000_000, 0)
	var now time.Time
	l := newLimiter(3, func() time.Time { return now })
	steps := []struct {
		at    time.Duration // after base
		allow bool
	}{
		{900 * time.Millisecond, true},
		{950 * time.Millisecond, true},
		{990 * time.Millisecond, true},
		// A new calendar second, but the three above are less than a second old.
		{1050 * time.Millisecond, false},
		{1800 * time.Millisecond, false},
		// The first leaves the span at 1.9 s.
		{1901 * time.Millisecond, true},
		{1902 * time.Millisecond, false},
		{1951 * time.Millisecond, true},
		{3000 * time.Millisecond, true},
	}
	for _, s := range steps {
		now = base.Add(s.at)
		h := http.Header{}
		if got := l.allow(h, "acct"); got != s.allow {
			t.Fatalf("at %v: allowed %v, want %v", s.at, got, s.allow)
		}
		if !s.allow && h.Get("Retry-After") == "" {
			t.Errorf("at %v: no Retry-After", s.at)
		}
	}
	// Another key has its own allowance.
	if !l.allow(http.Header{}, "other") {
		t.Error("another account was limited")
	}
}

func TestLimiterHeaders(t *testing.T) {
	now := time.Unix(1_800_000_000, 500_000_000)
	l := newLimiter(2, func() time.Time { return now })
	h := http.Header{}
	l.allow(h, "a")
	if h.Get("X-RateLimit-Limit") != "2" || h.Get("X-RateLimit-Remaining") != "1" || h.Get("X-RateLimit-Reset") != "1800000002" {
		t.Errorf("first: %v", h)
	}
	l.allow(h, "a")
	h = http.Header{}
	if l.allow(h, "a") || h.Get("X-RateLimit-Remaining") != "0" || h.Get("Retry-After") != "1" {
		t.Errorf("third: %v", h)
	}
	// over does not count.
	now = now.Add(time.Second)
	if l.over("a") || l.over("nobody") {
		t.Error("over after the span")
	}
	if v := l.check("a", false); v.remaining != 2 {
		t.Errorf("remaining %d after a check", v.remaining)
	}
}

func TestLimiterOffAndForgets(t *testing.T) {
	l := newLimiter(0, time.Now)
	for range 100 {
		if !l.allow(http.Header{}, "a") {
			t.Fatal("limit 0 limited")
		}
	}
	now := time.Unix(1_800_000_000, 0)
	l = newLimiter(1, func() time.Time { return now })
	for i := range maxLimiterKeys {
		l.take(strconv.Itoa(i))
	}
	now = now.Add(2 * time.Second)
	l.take("new")
	if len(l.logs) != 1 {
		t.Errorf("%d keys kept after the idle ones were forgotten", len(l.logs))
	}
}
