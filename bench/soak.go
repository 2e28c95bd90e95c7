package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The soak scenario: server RSS and database size over a long mixed load
// at a steady rate, with a short --event-retention (-soak-retention, 1m):
// events and webhook attempts older than that are deleted in the
// background (every minute), so after a warm-up both should stay flat.
//
// The load is contact sessions, each a fresh WhatsApp number k (skipping
// the sandbox's magic numbers), eleven requests in a row:
//
//	POST /v1/contacts                       create the contact (tag Interested)
//	POST /sandbox/v1/inbound                the contact writes "hi": its 24-hour window opens
//	POST /v1/messages/send                  a text message
//	GET  /v1/contacts/{uuid}
//	PATCH /v1/contacts/{uuid}               tags [lead]
//	POST /v1/contacts/{uuid}/conversation/close
//	POST /v1/contacts/{uuid}/conversation/open
//	POST /v1/messages/send                  a second text message
//	GET  /v1/contacts?tags=Interested
//	GET  /v1/messages/status/{uuid}         of the second message
//	DELETE /v1/contacts/{uuid}              of the contact of session k - -soak-live
//
// so that -soak-live contacts (1,000) are alive at any time and what the load
// stores for good (contacts, their messages and notes) stays bounded: a
// contact is deleted with its conversation and messages. Each request waits
// for the next slot of a pacer at -soak-rate requests per second (open
// loop); -soak-workers sessions run at once. The server runs with its
// default --delivery-interval (1 s: every message reaches read) and the
// demo account's webhook is subscribed to every event at a receiver in the
// bench that answers at once, so every event is also a delivery and an
// attempt.
//
// Every -soak-sample (10 s) the bench samples the server's VmRSS, the
// database's size (SQLite: openbell.db with its -wal and -shm files;
// PostgreSQL: pg_database_size) and the rows of the tables the load writes.
// PostgreSQL reclaims deleted rows by VACUUM; the bench runs one every
// -pg-vacuum-every (1m; 0: never), standing in for autovacuum, which is off
// on the measuring machine's server. Flat: after -soak-warmup (3m), the peak
// of the second half of the samples is within 10% of the peak of the first
// half.

// soakEvents are the events the demo account's webhook subscribes to in the
// soak scenario: every event the load makes.
var soakEvents = []string{"contact_created", "contact_updated", "contact_deleted", "conversation_opened", "conversation_closed",
	"message_created", "message_status_updated"}

// soakTables are the tables whose rows the soak samples.
var soakTables = []string{"contacts", "messages", "events", "webhook_deliveries", "webhook_attempts", "webhook_streams"}

// soakSample is one sample of the soak.
type soakSample struct {
	At       time.Duration    `json:"at_ns"` // since the load began
	RSSMB    float64          `json:"rss_mb"`
	DBMB     float64          `json:"db_mb"`
	Rows     map[string]int64 `json:"rows"`
	Requests int64            `json:"requests"` // in the window that ends at this sample
	Errors   int64            `json:"errors"`
	P99      time.Duration    `json:"p99_ns"`
}

// soakStats is the row of the soak scenario.
type soakStats struct {
	Rate      float64       `json:"rate"`
	Retention time.Duration `json:"retention_ns"`
	Duration  time.Duration `json:"duration_ns"`
	Warmup    time.Duration `json:"warmup_ns"`
	Vacuum    time.Duration `json:"pg_vacuum_every_ns,omitempty"`
	Sessions  int64         `json:"sessions"`
	Requests  int64         `json:"requests"`
	Errors    int64         `json:"errors"`
	P50       time.Duration `json:"p50_ns"`
	P99       time.Duration `json:"p99_ns"`
	Received  int64         `json:"webhook_posts"`
	Samples   []soakSample  `json:"samples"`
	RSSFlat   flatness      `json:"rss"`
	DBFlat    flatness      `json:"db"`
	FirstErr  string        `json:"first_error,omitempty"`
	Statuses  string        `json:"statuses"`
}

// flatness compares the two halves of the samples after the warm-up.
type flatness struct {
	First  float64 `json:"first_half_peak"`
	Second float64 `json:"second_half_peak"`
	Growth float64 `json:"growth"` // Second/First - 1
	Flat   bool    `json:"flat"`
	Slope  float64 `json:"slope_per_min"` // least squares over the samples after the warm-up
}

// flatTolerance is how much the peak of the second half may exceed the
// first half's.
const flatTolerance = 0.10

// judgeFlat splits the values sampled after warmup in two halves by time.
func judgeFlat(samples []soakSample, warmup time.Duration, value func(soakSample) float64) flatness {
	var xs, ys []float64
	for _, s := range samples {
		if s.At > warmup {
			xs, ys = append(xs, s.At.Minutes()), append(ys, value(s))
		}
	}
	var f flatness
	if len(ys) < 2 {
		return f
	}
	h := len(ys) / 2
	f.First, f.Second = slices.Max(ys[:h]), slices.Max(ys[h:])
	if f.First > 0 {
		f.Growth = f.Second/f.First - 1
	}
	f.Flat = f.Second <= f.First*(1+flatTolerance)
	var mx, my float64
	for i := range xs {
		mx, my = mx+xs[i], my+ys[i]
	}
	mx, my = mx/float64(len(xs)), my/float64(len(ys))
	var num, den float64
	for i := range xs {
		num += (xs[i] - mx) * (ys[i] - my)
		den += (xs[i] - mx) * (xs[i] - mx)
	}
	if den > 0 {
		f.Slope = num / den
	}
	return f
}

// soakLoad runs the sessions.
type soakLoad struct {
	base, token string
	client      *http.Client
	live        int
	first       int // number of the first session's contact

	start time.Time
	every time.Duration
	slot  atomic.Int64
	next  atomic.Int64 // the next session number

	mu       sync.Mutex
	ring     []string // uuids of the contacts alive, by session number mod live
	window   []time.Duration
	all      []time.Duration
	requests int64
	errors   int64
	winReq   int64
	winErr   int64
	statuses map[int]int64
	firstErr string
	sessions int64
}

func newSoakLoad(base, token string, client *http.Client, rate float64, live, first int) *soakLoad {
	return &soakLoad{base: base, token: token, client: client, live: live, first: first, every: time.Duration(float64(time.Second) / rate),
		ring: make([]string, live), statuses: map[int]int64{}}
}

// Run runs sessions on workers goroutines until the deadline.
func (l *soakLoad) Run(ctx context.Context, workers int, deadline time.Time) {
	l.start = time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				k := int(l.next.Add(1)-1) + l.first
				if magicNumber(contactDigits(k)) {
					continue
				}
				l.session(ctx, k, deadline)
			}
		}()
	}
	wg.Wait()
}

// session runs the requests of contact k; it stops at the first failure
// (counted), or at the deadline.
func (l *soakLoad) session(ctx context.Context, k int, deadline time.Time) {
	digits := contactDigits(k)
	body, ok := l.do(ctx, deadline, http.MethodPost, "/v1/contacts",
		fmt.Sprintf(`{"name":"Soak %d","identifier":"%s","source":"whatsapp","tags":["%s"]}`, k, contactPhone(k), benchTag))
	if !ok {
		return
	}
	id := answerUUID(body)
	slot := k % l.live
	l.mu.Lock()
	old := l.ring[slot]
	l.ring[slot] = id
	l.mu.Unlock()
	c := "/v1/contacts/" + id
	var msg string
	for _, step := range []struct{ method, path, body string }{
		{http.MethodPost, "/sandbox/v1/inbound", `{"from":"` + digits + `","text":"hi"}`},
		{http.MethodPost, "/v1/messages/send", string(sendBody(digits, uint64(k)))},
		{http.MethodGet, c, ""},
		{http.MethodPatch, c, `{"tags":["lead"]}`},
		{http.MethodPost, c + "/conversation/close", ""},
		{http.MethodPost, c + "/conversation/open", ""},
		{http.MethodPost, "/v1/messages/send", string(sendBody(digits, uint64(k)))},
		{http.MethodGet, "/v1/contacts?tags=" + benchTag, ""},
		{http.MethodGet, "/v1/messages/status/", ""},
	} {
		if step.path == "/v1/messages/status/" {
			step.path += msg
		}
		b, ok := l.do(ctx, deadline, step.method, step.path, step.body)
		if !ok {
			return
		}
		if step.method == http.MethodPost && step.path == "/v1/messages/send" {
			msg = answerUUID(b)
		}
	}
	if old != "" {
		if _, ok := l.do(ctx, deadline, http.MethodDelete, "/v1/contacts/"+old, ""); !ok {
			return
		}
	}
	l.mu.Lock()
	l.sessions++
	l.mu.Unlock()
}

// do waits for the pacer's next slot and makes one request; it reports
// false on a failure or when the deadline passed.
func (l *soakLoad) do(ctx context.Context, deadline time.Time, method, path, body string) ([]byte, bool) {
	due := l.start.Add(time.Duration(l.slot.Add(1)-1) * l.every)
	if !due.Before(deadline) {
		return nil, false
	}
	if wait := time.Until(due); wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, false
		}
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, l.base+path, rd)
	if err != nil {
		l.record(due, 0, err, method, path, nil)
		return nil, false
	}
	req.Header.Set("Authorization", "Bearer "+l.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	data, status, err := send(l.client, req)
	l.record(due, status, err, method, path, data)
	return data, err == nil && status/100 == 2
}

func (l *soakLoad) record(due time.Time, status int, err error, method, path string, body []byte) {
	lat := time.Since(due)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests++
	l.winReq++
	l.statuses[status]++
	l.window = append(l.window, lat)
	if err != nil || status/100 != 2 {
		l.errors++
		l.winErr++
		if l.firstErr == "" {
			if err != nil {
				l.firstErr = err.Error()
			} else {
				l.firstErr = fmt.Sprintf("%s %s: %d %s", method, path, status, truncate(string(bytes.TrimSpace(body)), 200))
			}
		}
	}
}

// Window returns the requests, errors and p99 since the last call.
func (l *soakLoad) Window() (int64, int64, time.Duration) {
	l.mu.Lock()
	w, n, e := l.window, l.winReq, l.winErr
	l.window, l.winReq, l.winErr = nil, 0, 0
	l.all = append(l.all, w...)
	l.mu.Unlock()
	slices.Sort(w)
	return n, e, percentile(w, 99)
}

// countingReceiver answers every webhook POST at once and counts them.
type countingReceiver struct{ n atomic.Int64 }

func (c *countingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	c.n.Add(1)
	w.WriteHeader(http.StatusNoContent)
}

// dbProbe reads the size and row counts of the server's database.
type dbProbe struct {
	db     *sql.DB
	files  []string // SQLite: the database's files
	pgSize bool
}

func openDBProbe(dataDir, databaseURL string) (*dbProbe, error) {
	if databaseURL != "" {
		db, err := sql.Open("pgx", databaseURL)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(1)
		return &dbProbe{db: db, pgSize: true}, nil
	}
	path := filepath.Join(dataDir, sqliteFileName)
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return &dbProbe{db: db, files: []string{path, path + "-wal", path + "-shm"}}, nil
}

func (p *dbProbe) Close() error { return p.db.Close() }

// Size returns the database's size in bytes.
func (p *dbProbe) Size(ctx context.Context) (int64, error) {
	if p.pgSize {
		var n int64
		err := p.db.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&n)
		return n, err
	}
	var n int64
	for _, f := range p.files {
		if fi, err := os.Stat(f); err == nil {
			n += fi.Size()
		}
	}
	return n, nil
}

// Rows counts the rows of the tables.
func (p *dbProbe) Rows(ctx context.Context, tables []string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range tables {
		var n int64
		if err := p.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
			return out, err
		}
		out[t] = n
	}
	return out, nil
}

// Vacuum runs VACUUM on PostgreSQL.
func (p *dbProbe) Vacuum(ctx context.Context) error {
	if !p.pgSize {
		return nil
	}
	_, err := p.db.ExecContext(ctx, `VACUUM`)
	return err
}

// runSoak runs the soak scenario on a fresh server.
func runSoak(ctx context.Context, o *options, bin, tmp, engine string, pg *pgServer) (*scenarioResult, error) {
	const scenario = "soak"
	name := engine + "-" + scenario
	srv, cfg, stop, err := startSeeded(ctx, o, bin, tmp, pg, name, 0, []string{"--event-retention", o.soakRetention.String()})
	if err != nil {
		return nil, err
	}
	defer stop()
	client := newClient(o.soakWorkers)
	defer client.CloseIdleConnections()
	rcv := &countingReceiver{}
	hookURL, stopHooks, err := startReceiver(rcv)
	if err != nil {
		return nil, err
	}
	defer stopHooks()
	subs, _ := json.Marshal(map[string]any{"url": hookURL, "subscriptions": soakEvents})
	if err := doJSON(client, http.MethodPost, srv.URL+"/v1/webhooks/subscribe", subs, nil); err != nil {
		return nil, err
	}
	probe, err := openDBProbe(cfg.DataDir, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	defer probe.Close()
	ss := &soakStats{Rate: o.soakRate, Retention: o.soakRetention, Duration: o.soakDuration, Warmup: o.soakWarmup}
	if pg != nil {
		ss.Vacuum = o.pgVacuumEvery
	}
	logf("%s: %v of contact sessions at %.0f requests/s, %d contacts alive, --event-retention %v; a sample every %v",
		name, o.soakDuration, o.soakRate, o.soakLive, o.soakRetention, o.soakSample)
	l := newSoakLoad(srv.URL, benchToken, client, o.soakRate, o.soakLive, 0)
	srv.mem.SetPhase("load")
	start := time.Now()
	deadline := start.Add(o.soakDuration)
	done := make(chan struct{})
	go func() {
		l.Run(ctx, o.soakWorkers, deadline)
		close(done)
	}()
	tick := time.NewTicker(o.soakSample)
	defer tick.Stop()
	var vacuum <-chan time.Time
	if pg != nil && o.pgVacuumEvery > 0 {
		vt := time.NewTicker(o.pgVacuumEvery)
		defer vt.Stop()
		vacuum = vt.C
	}
	sample := func() {
		s := soakSample{At: time.Since(start)}
		if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", srv.cmd.Process.Pid)); err == nil {
			rss, _ := parseStatus(data)
			s.RSSMB = mb(rss)
		}
		if n, err := probe.Size(ctx); err == nil {
			s.DBMB = float64(n) / (1 << 20)
		} else {
			logf("%s: database size: %v", name, err)
		}
		var err error
		if s.Rows, err = probe.Rows(ctx, soakTables); err != nil {
			logf("%s: row counts: %v", name, err)
		}
		s.Requests, s.Errors, s.P99 = l.Window()
		ss.Samples = append(ss.Samples, s)
		logf("%s: %4.0fs RSS %.1f MB, database %.1f MB, rows %v; %d requests (%d errors), p99 %s",
			name, s.At.Seconds(), s.RSSMB, s.DBMB, s.Rows, s.Requests, s.Errors, fmtDur(s.P99))
	}
loop:
	for {
		select {
		case <-done:
			break loop
		case <-tick.C:
			sample()
		case <-vacuum:
			t0 := time.Now()
			if err := probe.Vacuum(ctx); err != nil {
				logf("%s: VACUUM: %v", name, err)
			} else {
				logf("%s: VACUUM took %v", name, round(time.Since(t0)))
			}
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if !srv.Alive() {
		return nil, fmt.Errorf("the server died during the run\n%s", srv.LogTail(20))
	}
	ss.Received = rcv.n.Load()
	l.Window()
	slices.Sort(l.all)
	ss.Sessions, ss.Requests, ss.Errors, ss.FirstErr = l.sessions, l.requests, l.errors, l.firstErr
	ss.P50, ss.P99 = percentile(l.all, 50), percentile(l.all, 99)
	ss.Statuses = (&result{Statuses: l.statuses}).StatusSummary()
	ss.RSSFlat = judgeFlat(ss.Samples, o.soakWarmup, func(s soakSample) float64 { return s.RSSMB })
	ss.DBFlat = judgeFlat(ss.Samples, o.soakWarmup, func(s soakSample) float64 { return s.DBMB })
	logf("%s: %d sessions, %d requests (%d errors), p50 %s p99 %s, %d webhook POSTs; RSS %s; database %s",
		name, ss.Sessions, ss.Requests, ss.Errors, fmtDur(ss.P50), fmtDur(ss.P99), ss.Received, ss.RSSFlat, ss.DBFlat)
	mem := srv.mem.Stats()
	return &scenarioResult{Engine: engine, Scenario: scenario, Concurrency: o.soakWorkers, SeedMode: "fixture", Ready: srv.Ready, Seed: srv.Ready,
		Requests: ss.Requests, Errors: ss.Errors, RPS: float64(ss.Requests) / o.soakDuration.Seconds(), P50: ss.P50, P99: ss.P99,
		PeakRSSMB: mb(mem.PeakRSS), LoadRSSMB: mb(mem.Phase["load"]), Statuses: ss.Statuses, FirstErr: ss.FirstErr, Soak: ss}, nil
}

func (f flatness) String() string {
	v := "flat"
	if !f.Flat {
		v = "NOT flat"
	}
	return fmt.Sprintf("%s (peak %.1f then %.1f MB, %+.1f%%; slope %+.2f MB/min)", v, f.First, f.Second, 100*f.Growth, f.Slope)
}
