package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// newClient returns the load generator's HTTP client: keep-alive
// connections, at least one idle connection kept per worker so that no
// request pays for a new TCP connection once the run is warm.
func newClient(concurrency int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        2 * concurrency,
			MaxIdleConnsPerHost: 2 * concurrency,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
	}
}

// workload makes the requests of a scenario. Request is called with a
// sequence number shared by all workers (0, 1, 2, ... in the order requests
// start) and returns the request and, optionally, a check of a 2xx body that
// reports whether the request did what it should (for close/open: that it
// really changed the conversation's state).
type workload interface {
	Request(seq uint64) (*http.Request, func(body []byte) bool, error)
}

// result is what a load run measured.
type result struct {
	Requests  int64
	Errors    int64 // non-2xx answers and transport errors
	Unchanged int64 // 2xx answers whose body failed the workload's check
	Elapsed   time.Duration
	Latencies []time.Duration // sorted
	Statuses  map[int]int64   // status code -> count; 0 for transport errors
	FirstErr  string
}

func (r *result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// ErrorRate is the fraction of requests that failed.
func (r *result) ErrorRate() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.Errors) / float64(r.Requests)
}

// Percentile returns the nearest-rank percentile p (0 < p <= 100) of the
// latencies.
func (r *result) Percentile(p float64) time.Duration { return percentile(r.Latencies, p) }

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted)) + 0.999999999)
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// runLoad drives wl with concurrency closed-loop workers for d. seq is the
// shared sequence counter; it carries over between calls (warm-up, then
// measurement) so a workload's state stays consistent.
func runLoad(ctx context.Context, client *http.Client, wl workload, concurrency int, d time.Duration, seq *atomic.Uint64) *result {
	type workerOut struct {
		lat       []time.Duration
		count     int64
		errs      int64
		unchanged int64
		statuses  map[int]int64
		firstErr  string
	}
	outs := make([]workerOut, concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func(o *workerOut) {
			defer wg.Done()
			o.statuses = map[int]int64{}
			o.lat = make([]time.Duration, 0, 1<<14)
			buf := bytes.NewBuffer(make([]byte, 0, 16<<10))
			for time.Now().Before(deadline) && ctx.Err() == nil {
				req, check, err := wl.Request(seq.Add(1) - 1)
				o.count++
				if err != nil {
					o.errs++
					o.statuses[0]++
					if o.firstErr == "" {
						o.firstErr = err.Error()
					}
					continue
				}
				req = req.WithContext(ctx)
				t0 := time.Now()
				resp, err := client.Do(req)
				status := 0
				buf.Reset()
				if err == nil {
					_, err = io.Copy(buf, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				o.lat = append(o.lat, time.Since(t0))
				o.statuses[status]++
				switch {
				case err != nil || status < 200 || status > 299:
					o.errs++
					if o.firstErr == "" {
						if err != nil {
							o.firstErr = err.Error()
						} else {
							o.firstErr = fmt.Sprintf("%s %s: %d %s", req.Method, req.URL.RequestURI(), status, strings.TrimSpace(truncate(buf.String(), 200)))
						}
					}
				case check != nil && !check(buf.Bytes()):
					o.unchanged++
				}
			}
		}(&outs[w])
	}
	wg.Wait()
	r := &result{Elapsed: time.Since(start), Statuses: map[int]int64{}}
	n := 0
	for _, o := range outs {
		n += len(o.lat)
	}
	r.Latencies = make([]time.Duration, 0, n)
	for _, o := range outs {
		r.Latencies = append(r.Latencies, o.lat...)
		r.Requests += o.count
		r.Errors += o.errs
		r.Unchanged += o.unchanged
		for k, v := range o.statuses {
			r.Statuses[k] += v
		}
		if r.FirstErr == "" {
			r.FirstErr = o.firstErr
		}
	}
	slices.Sort(r.Latencies)
	return r
}

// StatusSummary lists the status codes seen, most frequent first.
func (r *result) StatusSummary() string {
	codes := make([]int, 0, len(r.Statuses))
	for c := range r.Statuses {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool { return r.Statuses[codes[i]] > r.Statuses[codes[j]] })
	var parts []string
	for _, c := range codes {
		name := fmt.Sprint(c)
		if c == 0 {
			name = "transport-error"
		}
		parts = append(parts, fmt.Sprintf("%s x%d", name, r.Statuses[c]))
	}
	return strings.Join(parts, ", ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// closeOpenLoad alternates POST .../conversation/close and .../open over a
// list of contacts, round-robin: request seq goes to contact seq%n, and
// closes it on even passes over the list and opens it on odd ones. So
// concurrent requests hit different contacts, and every request finds the
// conversation in the other state and really changes it (the check confirms
// it from the answer's closedAt).
type closeOpenLoad struct {
	base, token string
	ids         []string
}

var (
	closedNull = []byte(`"closedAt":null`)
	closedSet  = []byte(`"closedAt":"`)
)

func (l *closeOpenLoad) Request(seq uint64) (*http.Request, func([]byte) bool, error) {
	n := uint64(len(l.ids))
	id := l.ids[seq%n]
	action, check := "close", func(b []byte) bool { return bytes.Contains(b, closedSet) }
	if (seq/n)%2 == 1 {
		action, check = "open", func(b []byte) bool { return bytes.Contains(b, closedNull) }
	}
	req, err := http.NewRequest(http.MethodPost, l.base+"/v1/contacts/"+id+"/conversation/"+action, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+l.token)
	return req, check, nil
}

// listLoad requests one URL again and again.
type listLoad struct {
	url, token string
}

func (l *listLoad) Request(uint64) (*http.Request, func([]byte) bool, error) {
	req, err := http.NewRequest(http.MethodGet, l.url, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+l.token)
	return req, nil, nil
}
