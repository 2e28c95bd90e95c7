package webhook

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// DefaultSchedule is the contract's retry schedule: 5 s, 30 s, 2 min, 10 min,
// 30 min, then hourly for as long as the next attempt is within 24 h of the
// first (23 hourly retries, the last at 23 h 42 min 35 s): 28 retries, 29
// attempts in all.
const DefaultSchedule = "5s,30s,2m,10m,30m,1h*23"

// ParseSchedule reads a retry schedule: comma-separated waits between
// attempts in Go duration syntax, each optionally repeated with `*n`
// ("1h*23" is 23 hourly waits). Its length is the number of retries; "none"
// means no retry at all.
func ParseSchedule(s string) ([]time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "none" {
		return []time.Duration{}, nil
	}
	var out []time.Duration
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		raw, times, repeated := strings.Cut(item, "*")
		n := 1
		if repeated {
			var err error
			if n, err = strconv.Atoi(times); err != nil || n < 1 || n > 1000 {
				return nil, fmt.Errorf("retry schedule: %q: repeat count must be 1 to 1000", item)
			}
		}
		d, err := time.ParseDuration(raw)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("retry schedule: %q is not a positive duration", item)
		}
		for range n {
			out = append(out, d)
		}
	}
	if len(out) > 1000 {
		return nil, fmt.Errorf("retry schedule: more than 1000 retries")
	}
	return out, nil
}

// Jitter is the spread of each wait: a wait of d is drawn uniformly from
// [d*(1-Jitter), d*(1+Jitter)], so that receivers that fail together are not
// retried together.
const Jitter = 0.2

// backoff returns the wait after the failures-th failed attempt of a
// delivery (1-based), with jitter.
func backoff(schedule []time.Duration, failures int) time.Duration {
	d := schedule[min(failures, len(schedule))-1]
	return time.Duration(float64(d) * (1 - Jitter + 2*Jitter*rand.Float64()))
}
