// Package webhook delivers openbell's events to the accounts' webhooks
// (API.md section 4): a scheduler claims due deliveries from the store in
// batches, under a lease, and a pool of senders POSTs them signed, in
// parallel across contacts and in order within one; their results are
// recorded in batches, with the retry schedule, the attempt log and the
// disabling rules.
package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/metrics"
	"github.com/openbell/openbell/internal/store"
)

// Config is how the worker delivers. Zero fields take the defaults noted.
type Config struct {
	// Schedule is the waits between attempts; its length is the number of
	// retries (nil: DefaultSchedule).
	Schedule []time.Duration
	// Timeout is the time a receiver has to answer (10 s).
	Timeout time.Duration
	// DisableAfter disables a webhook that has failed without a success
	// this long (6 h).
	DisableAfter time.Duration
	// DenyPrivate refuses targets on addresses that are not globally
	// reachable (privateKind).
	DenyPrivate bool
	// Concurrency is the number of deliveries in flight at once (200).
	Concurrency int
	// AccountConcurrency is the most deliveries of one account in flight at
	// once in this process (50): one account's slow or failing receiver, or
	// its backlog, cannot take the places of the others' deliveries.
	AccountConcurrency int
	// Batch is the most deliveries one claim takes (100).
	Batch int
	// Poll is how often the store is asked for due deliveries when nothing
	// signalled any (500 ms); it bounds how late another process's events
	// and expired leases are picked up.
	Poll time.Duration
	// Lease is how long a claim holds a stream (Timeout + 5 s): a process
	// that dies holding one gives it up after this.
	Lease time.Duration
	// ReleaseAtStart gives back every lease when the worker starts: right
	// for an engine only one process uses (SQLite), where a lease left over
	// is a crashed predecessor's.
	ReleaseAtStart bool
	// ShutdownGrace is how long deliveries in flight may finish at shutdown
	// (2 s); the rest are cancelled and sent again after the restart.
	ShutdownGrace time.Duration
	// UserAgent is the User-Agent header.
	UserAgent string
	// Metrics counts deliveries by outcome; nil counts nothing.
	Metrics *metrics.Metrics
}

func (c Config) withDefaults() Config {
	if c.Schedule == nil {
		c.Schedule, _ = ParseSchedule(DefaultSchedule)
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Timeout, 10*time.Second)
	def(&c.DisableAfter, 6*time.Hour)
	def(&c.Poll, 500*time.Millisecond)
	def(&c.Lease, c.Timeout+5*time.Second)
	def(&c.ShutdownGrace, 2*time.Second)
	if c.Concurrency <= 0 {
		c.Concurrency = 200
	}
	if c.AccountConcurrency <= 0 {
		c.AccountConcurrency = 50
	}
	if c.Batch <= 0 {
		c.Batch = 100
	}
	if c.UserAgent == "" {
		c.UserAgent = "openbell-webhooks"
	}
	return c
}

// SecretOpener decrypts stored webhook secrets (a *Keyring).
type SecretOpener interface {
	Open(accountID, sealed string) (string, error)
}

// Worker delivers the queued events of every account.
type Worker struct {
	st     store.Store
	keys   SecretOpener
	clock  ob.Clock
	cfg    Config
	log    *slog.Logger
	id     string
	client *http.Client
	wake   chan struct{}
	busy   atomic.Int64

	mu       sync.Mutex
	accounts map[ob.ID]int // deliveries in flight per account
}

// maxRecord is the most results one recording transaction stores.
const maxRecord = 256

// New returns a worker on st. It does nothing until Run.
func New(st store.Store, keys SecretOpener, clock ob.Clock, cfg Config, log *slog.Logger) *Worker {
	cfg = cfg.withDefaults()
	host, _ := os.Hostname()
	return &Worker{
		st: st, keys: keys, clock: clock, cfg: cfg, log: log,
		id:       fmt.Sprintf("%s:%d:%s", host, os.Getpid(), ob.NewID()[:8]),
		client:   newClient(cfg),
		wake:     make(chan struct{}, 1),
		accounts: map[ob.ID]int{},
	}
}

// allowance is how many more deliveries of an account may start now.
func (w *Worker) allowance(account ob.ID) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cfg.AccountConcurrency - w.accounts[account]
}

// started and finished count an account's deliveries in flight.
func (w *Worker) started(account ob.ID) {
	w.mu.Lock()
	w.accounts[account]++
	w.mu.Unlock()
}

func (w *Worker) finished(account ob.ID) {
	w.mu.Lock()
	if w.accounts[account]--; w.accounts[account] <= 0 {
		delete(w.accounts, account)
	}
	w.mu.Unlock()
}

func (w *Worker) kick() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, then lets deliveries in flight finish (up to
// ShutdownGrace), records their results and gives back its leases.
func (w *Worker) Run(ctx context.Context) {
	if w.cfg.ReleaseAtStart {
		if err := w.st.Write(ctx, func(tx store.Tx) error { return tx.ReleaseLeases("") }); err != nil && ctx.Err() == nil {
			w.log.Error("webhooks: release leases", slog.Any("err", err))
		}
	}
	sendCtx, cancelSends := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSends()
	results := make(chan ob.DeliveryResult, w.cfg.Concurrency)
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		w.recordLoop(results)
	}()
	var notify <-chan struct{}
	if n, ok := w.st.(store.DeliveryNotifier); ok {
		notify = n.DeliveriesQueued()
	}
	var inflight sync.WaitGroup
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for ctx.Err() == nil {
		wait := w.cfg.Poll
		if free := w.cfg.Concurrency - int(w.busy.Load()); free > 0 {
			want := min(free, w.cfg.Batch)
			ds, next, err := w.claim(ctx, want)
			if err != nil && ctx.Err() == nil {
				w.log.Error("webhooks: claim deliveries", slog.Any("err", err))
			}
			for _, d := range ds {
				w.busy.Add(1)
				w.started(d.AccountID)
				inflight.Add(1)
				go func() {
					defer inflight.Done()
					results <- w.attempt(sendCtx, d)
					w.finished(d.AccountID)
					w.busy.Add(-1)
					w.kick()
				}()
			}
			if err == nil && len(ds) == want {
				continue // more may be due
			}
			if !next.IsZero() {
				wait = min(wait, next.Sub(w.clock.Now()))
			}
		}
		timer.Reset(max(wait, time.Millisecond))
		select {
		case <-ctx.Done():
		case <-w.wake:
		case <-notify:
		case <-timer.C:
		}
	}
	done := make(chan struct{})
	go func() {
		inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(w.cfg.ShutdownGrace):
		cancelSends()
		<-done
	}
	close(results)
	<-recorded
	bg, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.st.Write(bg, func(tx store.Tx) error { return tx.ReleaseLeases(w.id) }); err != nil {
		w.log.Error("webhooks: release leases", slog.Any("err", err))
	}
}

// claim leases up to n due deliveries; when fewer were due it also returns
// when the next one is.
func (w *Worker) claim(ctx context.Context, n int) (ds []ob.WebhookDelivery, next time.Time, err error) {
	now := w.clock.Now()
	err = w.st.Write(ctx, func(tx store.Tx) error {
		if ds, err = tx.ClaimDeliveries(w.id, now, now.Add(w.cfg.Lease), n, w.allowance); err != nil || len(ds) == n {
			return err
		}
		next, err = tx.NextDeliveryAt(now)
		return err
	})
	return ds, next, err
}

// attempt makes one delivery attempt and decides its outcome.
func (w *Worker) attempt(ctx context.Context, d ob.WebhookDelivery) ob.DeliveryResult {
	r := ob.DeliveryResult{Delivery: d, At: w.clock.Now().UTC().Truncate(time.Millisecond)}
	if !d.Webhook.Subscribed(d.Event) {
		r.Outcome = ob.DeliveryCancelled
		return r
	}
	a := ob.WebhookAttempt{AccountID: d.AccountID, DeliveryID: d.ID, MessageID: d.MessageID, Event: d.Event,
		Attempt: d.Attempts + 1, CreatedAt: r.At.Add(d.ClockOffset)}
	secret, err := w.keys.Open(d.AccountID, d.Webhook.SealedSecret)
	if err != nil {
		// Never send unsigned: fail the attempt, and say why in the log.
		w.log.Error("webhooks: cannot sign", slog.String("account", d.AccountID), slog.Any("err", err))
		a.Error = "cannot sign: " + err.Error()
		return w.failed(r, a)
	}
	w.post(ctx, &d, secret, &a)
	if ctx.Err() != nil {
		r.Outcome = ob.DeliveryReleased // shutdown: sent again after the restart
		return r
	}
	a.Success = a.Code >= 200 && a.Code < 300
	switch {
	case a.Success:
		r.Outcome, r.Attempt = ob.DeliveryDelivered, a
		return r
	case a.Code == http.StatusGone:
		w.log.Info("webhooks: receiver answered 410 Gone, webhook disabled", slog.String("account", d.AccountID))
		r.Outcome, r.Attempt = ob.DeliveryGone, a
		return r
	}
	return w.failed(r, a)
}

// failed schedules the retry of a failed attempt, or gives the delivery up
// when the schedule is exhausted.
func (w *Worker) failed(r ob.DeliveryResult, a ob.WebhookAttempt) ob.DeliveryResult {
	r.Attempt = a
	failures := r.Delivery.Failures + 1
	if failures > len(w.cfg.Schedule) {
		r.Outcome = ob.DeliveryFailed
	} else {
		r.Outcome, r.NextAttemptAt = ob.DeliveryRetry, r.At.Add(backoff(w.cfg.Schedule, failures))
	}
	r.DisableBefore = r.At.Add(-w.cfg.DisableAfter)
	return r
}

// recordLoop stores results as they come, as many per transaction as have
// queued up meanwhile, and wakes the scheduler after each commit: a
// finished delivery makes the next one of its stream due.
func (w *Worker) recordLoop(results <-chan ob.DeliveryResult) {
	for r := range results {
		batch := []ob.DeliveryResult{r}
	more:
		for len(batch) < maxRecord {
			select {
			case r, ok := <-results:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		w.record(batch)
		w.kick()
	}
}

// record stores one batch, retrying a few times. Results that cannot be
// stored are lost, not their deliveries: the leases run out and the
// deliveries go out again.
func (w *Worker) record(batch []ob.DeliveryResult) {
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var disabled []ob.ID
		err := w.st.Write(ctx, func(tx store.Tx) (err error) {
			disabled, err = tx.RecordDeliveries(w.id, batch)
			return err
		})
		cancel()
		if err == nil {
			w.report(batch, disabled)
			return
		}
		if try == 3 {
			w.log.Error("webhooks: record results; the deliveries will be sent again", slog.Int("results", len(batch)), slog.Any("err", err))
			return
		}
		time.Sleep(time.Duration(try) * 100 * time.Millisecond)
	}
}

// report tells what became of a recorded batch: the metrics of each
// outcome, a warning for each failed attempt and for each webhook the batch
// disabled. It names accounts and events, never a secret or a payload.
func (w *Worker) report(batch []ob.DeliveryResult, disabled []ob.ID) {
	for _, r := range batch {
		if r.Outcome == ob.DeliveryReleased {
			continue
		}
		w.cfg.Metrics.Delivery(r.Outcome)
		switch r.Outcome {
		case ob.DeliveryRetry, ob.DeliveryFailed, ob.DeliveryGone:
			attrs := []any{slog.String("account", r.Delivery.AccountID), slog.String("event", r.Delivery.Event),
				slog.String("webhook_id", r.Delivery.MessageID), slog.Int("attempt", r.Attempt.Attempt), slog.String("outcome", r.Outcome)}
			if r.Attempt.Code != 0 {
				attrs = append(attrs, slog.Int("status", r.Attempt.Code))
			}
			if r.Attempt.Error != "" {
				attrs = append(attrs, slog.String("error", r.Attempt.Error))
			}
			if r.Outcome == ob.DeliveryRetry {
				attrs = append(attrs, slog.Time("next_attempt", r.NextAttemptAt))
			}
			w.log.Warn("webhook delivery failed", attrs...)
		}
	}
	for _, acct := range disabled {
		w.log.Warn("webhook disabled: it kept failing (or answered 410 Gone); subscribe again to re-enable it", slog.String("account", acct))
	}
}
