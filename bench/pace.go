package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runPaced sends the requests of wl at a fixed rate, open loop: request k
// is due at start + k/rate whatever the answers of the earlier ones, and up
// to workers requests are in flight at once. A request's latency counts from
// the moment it was due, not from the moment a worker got to it, so a server
// that stalls shows its stall in every request that waited for it (no
// coordinated omission). The workload's check runs on every 2xx answer, as
// in runLoad. When late > 0, a request found more than late
// behind its time is not sent (Dropped): a generator that cannot keep up
// then sends what it can instead of a burst. The run ends after d, or when
// stop is closed (nil: never), whichever comes first.
func runPaced(ctx context.Context, client *http.Client, wl workload, rate float64, workers int, d, late time.Duration, stop <-chan struct{}, seq *atomic.Uint64) *pacedResult {
	type workerOut struct {
		lat       []time.Duration
		count     int64
		errs      int64
		unchanged int64
		statuses  map[int]int64
		firstErr  string
	}
	outs := make([]workerOut, workers)
	every := time.Duration(float64(time.Second) / rate)
	var slot, dropped atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(o *workerOut) {
			defer wg.Done()
			o.statuses = map[int]int64{}
			buf := bytes.NewBuffer(make([]byte, 0, 16<<10))
			for ctx.Err() == nil {
				due := start.Add(time.Duration(slot.Add(1)-1) * every)
				if !due.Before(deadline) {
					return
				}
				wait := time.Until(due)
				if late > 0 && wait < -late {
					dropped.Add(1)
					continue
				}
				if wait > 0 {
					select {
					case <-time.After(wait):
					case <-stop:
						return
					case <-ctx.Done():
						return
					}
				} else if stop != nil {
					select {
					case <-stop:
						return
					default:
					}
				}
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
				resp, err := client.Do(req.WithContext(ctx))
				status := 0
				buf.Reset()
				if err == nil {
					_, err = io.Copy(buf, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				o.lat = append(o.lat, time.Since(due))
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
	r := &pacedResult{result: result{Elapsed: time.Since(start), Statuses: map[int]int64{}}, Rate: rate, Dropped: dropped.Load()}
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

// pacedResult is what a paced run measured: latencies from each request's
// due time, and the requests that were due but not sent.
type pacedResult struct {
	result
	Rate    float64 // requests per second asked for
	Dropped int64   // due but more than late behind: not sent
}

// Count returns how many answers had the status (0: transport errors).
func (r *result) Count(status int) int64 { return r.Statuses[status] }
