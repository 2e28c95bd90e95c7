package httpapi

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	ob "github.com/openbell/openbell"
)

// limiter counts requests per account in one-second windows (API.md: 300
// requests per second per account). Counts are per process.
type limiter struct {
	limit int
	now   func() time.Time

	mu      sync.Mutex
	windows map[ob.ID]*window
}

type window struct {
	second int64
	count  int
}

func newLimiter(limit int) *limiter {
	return &limiter{limit: limit, now: time.Now, windows: map[ob.ID]*window{}}
}

// allow counts a request of account, sets the X-RateLimit-* headers (and
// Retry-After when refused) and reports whether it may proceed.
func (l *limiter) allow(h http.Header, account ob.ID) bool {
	if l.limit <= 0 {
		return true
	}
	sec := l.now().Unix()
	l.mu.Lock()
	w := l.windows[account]
	if w == nil {
		if len(l.windows) > 100_000 {
			clear(l.windows)
		}
		w = &window{}
		l.windows[account] = w
	}
	if w.second != sec {
		w.second, w.count = sec, 0
	}
	w.count++
	count := w.count
	l.mu.Unlock()
	h.Set("X-RateLimit-Limit", strconv.Itoa(l.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, l.limit-count)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(sec+1, 10))
	if count > l.limit {
		h.Set("Retry-After", "1")
		return false
	}
	return true
}
