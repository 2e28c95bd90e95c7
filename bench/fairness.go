package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The webhook-fairness scenario: account B's webhook delivery lag while
// account A has a backlog of events for a receiver that answers slowly.
//
//   - A (the "Noisy" account of the fixture, -fair-streams contacts) is
//     subscribed to conversation_closed and conversation_opened at a
//     receiver of the bench that answers 204 after -fair-slow (5 s); A
//     closes and opens its conversations round-robin over its contacts,
//     -fair-backlog (50,000) times, each an event on that contact's stream.
//     With --webhook-account-concurrency 50 (the server's default) A's
//     receiver takes 10 events a second: the backlog stays queued.
//   - B (the demo account) sends text messages at -fair-rate, open loop, to
//     its 996 recipients, with delivery progression at 1 ms and a webhook
//     subscribed to message_status_updated at the send scenarios' receiver
//     (sendTracker), which answers at once: three events per message (sent,
//     delivered, read).
//   - B runs -duration alone first, then -duration with A's backlog queued.
//     After each phase the bench waits for every read event (at most
//     -send-drain-timeout), then reads B's status events from the server's
//     event log (eventlog.go).
//
// The figure, per phase: the lag of each status event of B from the event
// to the receiver, i.e. its arrival at the receiver minus its created_at in
// the event log (ms). Target: p99 under 1 s with A's backlog queued. The
// send->read lag at the receiver (progression included) is shown too.

// fairnessStats is the row of the webhook-fairness scenario.
type fairnessStats struct {
	Rate        float64        `json:"b_rate"`
	Alone       *fairnessPhase `json:"alone"`
	Backlogged  *fairnessPhase `json:"backlogged"`
	AEvents     int64          `json:"a_events"`      // A's events made (close/open answered 200)
	AQueueTime  time.Duration  `json:"a_queue_ns"`    // time to make them
	ADelivered  int64          `json:"a_delivered"`   // A's deliveries answered by its receiver by the end of the backlogged phase
	AInFlight   int64          `json:"a_in_flight"`   // most of A's deliveries at its receiver at once
	APendingEnd int64          `json:"a_pending_end"` // A's events not delivered when the backlogged phase ended
	AStreams    int            `json:"a_streams"`
	ASlow       time.Duration  `json:"a_receiver_delay_ns"`
}

// fairnessPhase is B's side of one phase.
type fairnessPhase struct {
	Messages  int           `json:"messages"`
	Read      int           `json:"read"`
	Events    int           `json:"events"` // B's status events joined: at the receiver and in the event log
	LagP50    time.Duration `json:"event_lag_p50_ns"`
	LagP99    time.Duration `json:"event_lag_p99_ns"`
	LagMax    time.Duration `json:"event_lag_max_ns"`
	ReadP50   time.Duration `json:"send_read_p50_ns"` // send answer -> read event at the receiver
	ReadP99   time.Duration `json:"send_read_p99_ns"`
	SendP99   time.Duration `json:"send_p99_ns"` // the sends themselves
	Errors    int64         `json:"errors"`
	Drain     time.Duration `json:"drain_ns"`
	TimedOut  bool          `json:"drain_timed_out,omitempty"`
	Duplicate int           `json:"duplicated"`
}

// slowReceiver answers every POST after delay (204), counting deliveries
// and how many it holds at once; Close makes it answer at once (503), so
// that the server's shutdown does not wait for it.
type slowReceiver struct {
	delay    time.Duration
	closed   chan struct{}
	once     sync.Once
	answered atomic.Int64
	inFlight atomic.Int64
	peak     atomic.Int64
}

func newSlowReceiver(delay time.Duration) *slowReceiver {
	return &slowReceiver{delay: delay, closed: make(chan struct{})}
}

func (s *slowReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
	}
	select {
	case <-time.After(s.delay):
		s.answered.Add(1)
		w.WriteHeader(http.StatusNoContent)
	case <-s.closed:
		w.WriteHeader(http.StatusServiceUnavailable)
	case <-r.Context().Done():
	}
}

func (s *slowReceiver) Close() { s.once.Do(func() { close(s.closed) }) }

// switchingReceiver hands each webhook POST to the tracker of the current
// phase.
type switchingReceiver struct{ cur atomic.Pointer[sendTracker] }

func (s *switchingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.cur.Load().ServeHTTP(w, r)
}

// runFairness runs the webhook-fairness scenario on a fresh server.
func runFairness(ctx context.Context, o *options, bin, tmp, engine string, pg *pgServer) (*scenarioResult, error) {
	const scenario = "webhook-fairness"
	name := engine + "-" + scenario
	n := o.sendContacts
	a := extraAccount{Name: noisyAccount, Token: noisyToken, First: n, N: o.fairStreams}
	srv, cfg, stop, err := startSeeded(ctx, o, bin, tmp, pg, name, n, []string{"--delivery-interval", sendDeliveryInterval}, a)
	if err != nil {
		return nil, err
	}
	defer stop()
	client := newClient(o.concurrency)
	defer client.CloseIdleConnections()

	slow := newSlowReceiver(o.fairSlow)
	defer slow.Close()
	slowURL, stopSlow, err := startReceiver(slow)
	if err != nil {
		return nil, err
	}
	defer stopSlow()
	defer slow.Close() // before stopSlow: the handlers return at once
	hooks := &switchingReceiver{}
	hooks.cur.Store(newSendTracker())
	hookURL, stopHooks, err := startReceiver(hooks)
	if err != nil {
		return nil, err
	}
	defer stopHooks()
	subs, _ := json.Marshal(map[string]any{"url": slowURL, "subscriptions": []string{"conversation_closed", "conversation_opened"}})
	if err := doJSONAs(client, noisyToken, http.MethodPost, srv.URL+"/v1/webhooks/subscribe", subs, nil); err != nil {
		return nil, fmt.Errorf("subscribe A: %w", err)
	}
	if err := subscribeStatuses(client, srv.URL, hookURL); err != nil {
		return nil, fmt.Errorf("subscribe B: %w", err)
	}
	evlog, err := openEventLog(ctx, cfg.DataDir, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("open the event log: %w", err)
	}
	defer evlog.Close()
	to := sendRecipients(n)
	if err := openWindows(ctx, client, srv.URL, to, o.concurrency); err != nil {
		return nil, err
	}
	logTracker := newSendTracker()
	fs := &fairnessStats{Rate: o.fairRate, AStreams: o.fairStreams, ASlow: o.fairSlow}
	var seq atomic.Uint64
	phase := func(label string, d time.Duration) (*fairnessPhase, error) {
		t := newSendTracker()
		hooks.cur.Store(t)
		l := &sendLoad{base: srv.URL, token: benchToken, to: to, tracker: t}
		l.measured.Store(true)
		res := runPaced(ctx, client, l, o.fairRate, o.concurrency, d, 0, nil, &seq)
		end := time.Now()
		drain, timedOut := drainReads(ctx, t, end, o.sendDrainTimeout, time.Second)
		if _, err := evlog.Read(ctx, logTracker, evlog.base); err != nil {
			return nil, fmt.Errorf("read the event log: %w", err)
		}
		st := t.Stats()
		p := &fairnessPhase{Messages: st.Messages, Read: st.Read, ReadP50: st.LagP50, ReadP99: st.LagP99, SendP99: res.Percentile(99),
			Errors: res.Errors, Drain: drain, TimedOut: timedOut, Duplicate: st.Duplicates}
		lags := eventLags(t, logTracker)
		p.Events = len(lags)
		p.LagP50, p.LagP99 = percentile(lags, 50), percentile(lags, 99)
		if len(lags) > 0 {
			p.LagMax = lags[len(lags)-1]
		}
		logf("%s: %s: B sent %d messages (%d errors, send p99 %s), %d read; event->receiver lag of %d events p50 %s p99 %s max %s; send->read p50 %s p99 %s",
			name, label, p.Messages, p.Errors, fmtDur(p.SendP99), p.Read, p.Events, fmtDur(p.LagP50), fmtDur(p.LagP99), fmtDur(p.LagMax), fmtDur(p.ReadP50), fmtDur(p.ReadP99))
		return p, nil
	}
	if o.warmup > 0 {
		if _, err := phase("warm-up", o.warmup); err != nil {
			return nil, err
		}
	}
	srv.mem.SetPhase("alone")
	if fs.Alone, err = phase("B alone", o.duration); err != nil {
		return nil, err
	}

	// A's backlog.
	srv.mem.SetPhase("queue")
	t0 := time.Now()
	made, err := runCount(ctx, client, &closeOpenLoad{base: srv.URL, token: noisyToken, ids: a.IDs()}, o.concurrency, o.fairBacklog, o.fairQueueTimeout)
	fs.AEvents, fs.AQueueTime = made, time.Since(t0)
	if err != nil {
		return nil, fmt.Errorf("queue A's events: %w", err)
	}
	logf("%s: A made %d events on %d contacts in %v; A's receiver has answered %d, holds %d", name, made, o.fairStreams, round(fs.AQueueTime), slow.answered.Load(), slow.inFlight.Load())

	srv.mem.SetPhase("backlogged")
	if fs.Backlogged, err = phase("B with A's backlog", o.duration); err != nil {
		return nil, err
	}
	fs.ADelivered, fs.AInFlight = slow.answered.Load(), slow.peak.Load()
	fs.APendingEnd = fs.AEvents - fs.ADelivered
	logf("%s: A's receiver answered %d of A's %d events (at most %d at once); %d still queued", name, fs.ADelivered, fs.AEvents, fs.AInFlight, fs.APendingEnd)
	if !srv.Alive() {
		return nil, fmt.Errorf("the server died during the run\n%s", srv.LogTail(20))
	}
	mem := srv.mem.Stats()
	r := &scenarioResult{Engine: engine, Scenario: scenario, Contacts: n, Concurrency: o.concurrency, SeedMode: "fixture", Ready: srv.Ready, Seed: srv.Ready,
		Requests: int64(fs.Backlogged.Messages), Errors: fs.Backlogged.Errors, PeakRSSMB: mb(mem.PeakRSS), LoadRSSMB: mb(mem.Phase["backlogged"]),
		Fairness: fs}
	return r, nil
}

// eventLags joins the status events that reached the receiver (hook) with
// the event log (log): for every message of hook and every status both
// saw, the arrival minus the event's created_at, sorted.
func eventLags(hook, log *sendTracker) []time.Duration {
	hook.mu.Lock()
	defer hook.mu.Unlock()
	log.mu.Lock()
	defer log.mu.Unlock()
	var lags []time.Duration
	for uuid, m := range hook.msgs {
		lm := log.msgs[uuid]
		if lm == nil || m.ackAt.IsZero() {
			continue
		}
		for i := range m.first {
			if !m.first[i].IsZero() && !lm.first[i].IsZero() {
				lags = append(lags, max(0, m.first[i].Sub(lm.first[i])))
			}
		}
	}
	slices.Sort(lags)
	return lags
}

// runCount makes n requests of wl with concurrency closed-loop workers, at
// most for timeout, and returns how many were answered 2xx (and passed the
// workload's check); it fails on the first error.
func runCount(ctx context.Context, client *http.Client, wl workload, concurrency, n int, timeout time.Duration) (int64, error) {
	var next, ok atomic.Int64
	var seq atomic.Uint64
	var once sync.Once
	var first error
	deadline := time.Now().Add(timeout)
	var wg sync.WaitGroup
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				if time.Now().After(deadline) {
					once.Do(func() { first = fmt.Errorf("%d of %d requests made in %v", ok.Load(), n, timeout) })
					return
				}
				req, check, err := wl.Request(seq.Add(1) - 1)
				var body []byte
				if err == nil {
					var status int
					body, status, err = send(client, req.WithContext(ctx))
					if err == nil && status/100 != 2 {
						err = fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, status, truncate(string(body), 200))
					}
				}
				if err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n))
					return
				}
				if check == nil || check(body) {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	return ok.Load(), first
}
