package httpapi

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter counts requests per key (an account, or a client address for
// requests that fail authentication) over a sliding second: at most limit
// requests in any one-second span, not per calendar second, so that a burst
// across a second boundary gets no double allowance (API.md section 1).
// Counts are per process.
type limiter struct {
	limit int
	now   func() time.Time

	mu   sync.Mutex
	logs map[string]*requestLog
}

// requestLog holds the times of the last limit accepted requests of a key,
// oldest first from head: a request is accepted when the oldest of them is
// more than a second old.
type requestLog struct {
	at   []int64 // Unix nanoseconds, a ring
	head int
	n    int
}

// maxLimiterKeys bounds the memory of a limiter; past it the idle keys are
// forgotten.
const maxLimiterKeys = 100_000

func newLimiter(limit int, now func() time.Time) *limiter {
	return &limiter{limit: limit, now: now, logs: map[string]*requestLog{}}
}

// verdict is what the limiter says of one request.
type verdict struct {
	allowed    bool
	remaining  int
	reset      int64 // Unix seconds when a request of the span falls out of it
	retryAfter int   // seconds, when refused
}

// take counts a request of key when it is allowed.
func (l *limiter) take(key string) verdict {
	return l.check(key, true)
}

// over reports whether key has no allowance left, without counting.
func (l *limiter) over(key string) bool {
	return !l.check(key, false).allowed
}

func (l *limiter) check(key string, count bool) verdict {
	now := l.now().UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	g := l.logs[key]
	if g == nil {
		if !count {
			return verdict{allowed: true, remaining: l.limit}
		}
		if len(l.logs) >= maxLimiterKeys {
			l.forgetIdle(now)
		}
		g = &requestLog{at: make([]int64, l.limit)}
		l.logs[key] = g
	}
	inSpan := g.inSpan(now)
	v := verdict{allowed: inSpan < l.limit}
	if v.allowed && count {
		g.push(now)
		inSpan++
	}
	v.remaining = max(0, l.limit-inSpan)
	if g.n > 0 {
		// The oldest request still in the span leaves it a second after it came.
		oldest := g.at[(g.head+g.n-inSpan)%len(g.at)]
		if inSpan == 0 {
			oldest = now - int64(time.Second)
		}
		leaves := oldest + int64(time.Second)
		v.reset = (leaves + int64(time.Second) - 1) / int64(time.Second)
		v.retryAfter = max(1, int((leaves-now+int64(time.Second)-1)/int64(time.Second)))
	} else {
		v.reset = now/int64(time.Second) + 1
	}
	return v
}

// inSpan counts the logged requests of the last second.
func (g *requestLog) inSpan(now int64) int {
	// The log is in time order: binary search for the first one in the span.
	lo, hi := 0, g.n
	for lo < hi {
		mid := (lo + hi) / 2
		if g.at[(g.head+mid)%len(g.at)] > now-int64(time.Second) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return g.n - lo
}

func (g *requestLog) push(t int64) {
	if g.n < len(g.at) {
		g.at[(g.head+g.n)%len(g.at)] = t
		g.n++
		return
	}
	g.at[g.head] = t
	g.head = (g.head + 1) % len(g.at)
}

// forgetIdle drops the keys without a request in the last second.
func (l *limiter) forgetIdle(now int64) {
	for k, g := range l.logs {
		if g.inSpan(now) == 0 {
			delete(l.logs, k)
		}
	}
	if len(l.logs) >= maxLimiterKeys {
		clear(l.logs)
	}
}

// allow counts a request of account against the account limit, sets the
// X-RateLimit-* headers (and Retry-After when refused) and reports whether
// it may proceed.
func (l *limiter) allow(h http.Header, account string) bool {
	if l.limit <= 0 {
		return true
	}
	v := l.take(account)
	h.Set("X-RateLimit-Limit", strconv.Itoa(l.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(v.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(v.reset, 10))
	if !v.allowed {
		h.Set("Retry-After", strconv.Itoa(v.retryAfter))
	}
	return v.allowed
}
