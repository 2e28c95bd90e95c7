package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The send scenarios: POST /v1/messages/send, text messages inside an open
// 24-hour window, with the sandbox's delivery progression running at the
// smallest positive interval. Besides throughput and latency they follow
// every message sent to its `read` status, and check that each message got
// sent, delivered and read exactly once. Two scenarios differ only in how
// the bench sees the statuses:
//
//   - send: no webhook is subscribed. The bench reads the
//     message_status_updated events from the server's own event log (the
//     events table, eventlog.go), and only after the load, so that reading
//     takes no CPU from the server while it is measured. It polls the table
//     every 200 ms until every acknowledged message has its `read` (at most
//     -send-drain-timeout), then reads it whole once more. Lag = created_at
//     of the read event (the moment the server stored the status) minus the
//     moment the bench had the send's 200 answer: delivery progression alone.
//   - send-webhook: a webhook receiver in the bench process, subscribed to
//     message_status_updated, records the arrival of every status event,
//     de-duplicated by its webhook-id (delivery is at least once); after the
//     load the bench waits, up to -send-drain-timeout, until every
//     acknowledged message has its `read`. Lag = arrival of the read event
//     minus the moment the bench had the send's 200 answer: what an
//     integrator sees, delivery progression plus webhook delivery.
//
// In both, a sample of -send-poll-sample messages, spread evenly over the
// measured run, is polled with GET /v1/messages/status/{uuid} from its
// answer on until it reads `read`: the lag of the stored status as a client
// polling the API sees it.

// sendDeliveryInterval is the server's --delivery-interval in the send
// scenario: 0 turns progression off, so the smallest positive interval
// stands in for "no wait between steps".
const sendDeliveryInterval = "1ms"

// statusIndex maps the statuses a message must reach to their slot.
var statusIndex = map[string]int{"sent": 0, "delivered": 1, "read": 2}

const readSlot = 2

// trackedMsg is what the bench knows of one sent message.
type trackedMsg struct {
	ackAt    time.Time    // when the send's 200 answer was read; zero: not (yet) known to the load
	measured bool         // sent during the measured run (not the warm-up)
	first    [3]time.Time // earliest time of sent, delivered, read
	events   [3]int       // distinct events (webhook-ids or event ids) per status
	other    int          // events with any other status (failed, mismatch, ...)
	outOfOrd bool         // a status was seen before an earlier one
}

// sendTracker joins the answers of the sends with the status events, from
// the webhook receiver (send-webhook) or the server's event log (send).
type sendTracker struct {
	mu          sync.Mutex
	msgs        map[string]*trackedMsg // by message uuid
	eventIDs    map[string]bool        // events seen: webhook-ids, or "log:<id>" for event log rows
	distinct    int                    // distinct status events recorded
	deliveries  int64                  // webhook POSTs received
	redelivered int64                  // POSTs whose webhook-id was seen before (harmless: at least once)
	bad         int64                  // POSTs that were not a message_status_updated with uuid, status and webhook-id; event log rows without uuid or status
	firstBad    string
	firstEvent  time.Time // time of the earliest and the latest distinct event
	lastEvent   time.Time
}

func newSendTracker() *sendTracker {
	return &sendTracker{msgs: map[string]*trackedMsg{}, eventIDs: map[string]bool{}}
}

func (t *sendTracker) msg(uuid string) *trackedMsg {
	m := t.msgs[uuid]
	if m == nil {
		m = &trackedMsg{}
		t.msgs[uuid] = m
	}
	return m
}

// Ack records that the bench had the answer of a send.
func (t *sendTracker) Ack(uuid string, at time.Time, measured bool) {
	t.mu.Lock()
	m := t.msg(uuid)
	m.ackAt, m.measured = at, measured
	t.mu.Unlock()
}

// ServeHTTP is the webhook receiver: it answers 204 at once and records the
// event.
func (t *sendTracker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	now := time.Now()
	w.WriteHeader(http.StatusNoContent)
	var ev struct {
		Event   string `json:"event"`
		Payload struct {
			UUID   string `json:"uuid"`
			Status string `json:"status"`
		} `json:"payload"`
	}
	if err == nil {
		err = json.Unmarshal(body, &ev)
	}
	id := r.Header.Get("webhook-id")
	switch {
	case err != nil:
	case id == "":
		err = errors.New("no webhook-id header")
	case ev.Event != "message_status_updated" || ev.Payload.UUID == "" || ev.Payload.Status == "":
		err = fmt.Errorf("unexpected event %s", truncate(string(body), 200))
	}
	t.record(id, ev.Payload.UUID, ev.Payload.Status, now, err)
}

// record counts one webhook POST.
func (t *sendTracker) record(hookID, uuid, status string, at time.Time, bad error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.deliveries++
	if bad != nil {
		t.badEvent(bad)
		return
	}
	if !t.event(hookID, uuid, status, at) {
		t.redelivered++
	}
}

// LogEvent records a row of the server's event log (a
// message_status_updated event) at its created_at. The log is read with
// overlapping windows, so a row seen before is expected and ignored: it is
// no redelivery.
func (t *sendTracker) LogEvent(id int64, uuid, status string, at time.Time) {
	key := "log:" + strconv.FormatInt(id, 10)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.eventIDs[key] {
		return
	}
	if uuid == "" || status == "" {
		t.eventIDs[key] = true
		t.badEvent(fmt.Errorf("event %d: uuid %q, status %q", id, uuid, status))
		return
	}
	t.event(key, uuid, status, at)
}

// badEvent counts an event the bench cannot read; t.mu is held.
func (t *sendTracker) badEvent(err error) {
	t.bad++
	if t.firstBad == "" {
		t.firstBad = err.Error()
	}
}

// event records a distinct status event under key and reports true, or
// false when key was seen before; t.mu is held.
func (t *sendTracker) event(key, uuid, status string, at time.Time) bool {
	if t.eventIDs[key] {
		return false
	}
	t.eventIDs[key] = true
	t.distinct++
	if t.firstEvent.IsZero() || at.Before(t.firstEvent) {
		t.firstEvent = at
	}
	if at.After(t.lastEvent) {
		t.lastEvent = at
	}
	m := t.msg(uuid)
	i, ok := statusIndex[status]
	if !ok {
		m.other++
		return true
	}
	m.events[i]++
	if m.first[i].IsZero() || at.Before(m.first[i]) {
		m.first[i] = at
	}
	for j := i + 1; j < len(m.first); j++ {
		if !m.first[j].IsZero() {
			m.outOfOrd = true
		}
	}
	return true
}

// Unread returns how many acknowledged messages have no read event yet, and
// up to n of their uuids.
func (t *sendTracker) Unread(n int) (int, []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var unread []string
	for uuid, m := range t.msgs {
		if !m.ackAt.IsZero() && m.events[readSlot] == 0 {
			unread = append(unread, uuid)
		}
	}
	// Sorted before it is cut, so the sample does not depend on map order.
	slices.Sort(unread)
	return len(unread), unread[:min(n, len(unread))]
}

// sendStats is the delivery part of a send row.
type sendStats struct {
	Source        string         `json:"source"`              // where the statuses were seen: "event log" (send) or "webhook" (send-webhook)
	Contacts      int            `json:"send_contacts"`       // contacts the sends go to
	Messages      int            `json:"messages"`            // acknowledged sends, warm-up included
	Measured      int            `json:"measured_messages"`   // of which sent during the measured run
	Read          int            `json:"read"`                // messages whose read event arrived
	Complete      int            `json:"complete"`            // messages with sent, delivered and read exactly once
	Missing       int            `json:"missing"`             // acknowledged messages without a read event at the end
	Duplicates    int            `json:"duplicates"`          // messages with one of their statuses in two distinct events
	OtherStatus   int            `json:"other_status"`        // messages with a status other than sent, delivered, read
	OutOfOrder    int            `json:"out_of_order"`        // messages whose statuses arrived out of order
	Unknown       int            `json:"unknown"`             // uuids in events that no answer of the bench named
	Events        int            `json:"events"`              // distinct status events received
	EventRate     float64        `json:"events_per_s"`        // Events over the time from the first to the last
	Deliveries    int64          `json:"webhook_posts"`       // POSTs received, redeliveries included
	Redelivered   int64          `json:"webhook_redelivered"` // same webhook-id again: allowed, de-duplicated
	BadEvents     int64          `json:"webhook_bad"`         // unreadable POSTs, or event log rows without uuid or status
	FirstBad      string         `json:"webhook_first_bad,omitempty"`
	LogPolls      int            `json:"event_log_polls,omitempty"` // reads of the event log after the load, the final full one included
	LogRows       int64          `json:"event_log_rows,omitempty"`  // rows those reads returned, re-reads of the overlap included
	LagP50        time.Duration  `json:"lag_p50_ns"`                // answer -> read event (its created_at, or its arrival at the receiver), measured messages
	LagP99        time.Duration  `json:"lag_p99_ns"`
	LagMax        time.Duration  `json:"lag_max_ns"`
	Drain         time.Duration  `json:"drain_ns"` // end of the load -> last read event
	DrainTimedOut bool           `json:"drain_timed_out,omitempty"`
	Polled        int            `json:"polled"` // sampled messages whose read was seen by polling
	PollRequests  int64          `json:"poll_requests"`
	PollFailed    int            `json:"poll_failed"` // sampled messages not seen read (timeout or error)
	PollP50       time.Duration  `json:"poll_lag_p50_ns"`
	PollP99       time.Duration  `json:"poll_lag_p99_ns"`
	PollMax       time.Duration  `json:"poll_lag_max_ns"`
	Unfinished    map[string]int `json:"unfinished_statuses,omitempty"` // stored status of messages still missing read (GET /messages/status)
}

// Stats summarises the tracker.
func (t *sendTracker) Stats() *sendStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := &sendStats{Deliveries: t.deliveries, Redelivered: t.redelivered, BadEvents: t.bad, FirstBad: t.firstBad, Events: t.distinct}
	if d := t.lastEvent.Sub(t.firstEvent); d > 0 {
		s.EventRate = float64(s.Events) / d.Seconds()
	}
	var lags []time.Duration
	for _, m := range t.msgs {
		if m.ackAt.IsZero() {
			s.Unknown++
			continue
		}
		s.Messages++
		if m.measured {
			s.Measured++
		}
		if m.events[readSlot] > 0 {
			s.Read++
			if m.measured {
				lags = append(lags, max(0, m.first[readSlot].Sub(m.ackAt)))
			}
		} else {
			s.Missing++
		}
		dup := false
		for _, n := range m.events {
			dup = dup || n > 1
		}
		if dup {
			s.Duplicates++
		}
		if m.other > 0 {
			s.OtherStatus++
		}
		if m.outOfOrd {
			s.OutOfOrder++
		}
		if m.events == [3]int{1, 1, 1} && m.other == 0 {
			s.Complete++
		}
	}
	slices.Sort(lags)
	s.LagP50, s.LagP99 = percentile(lags, 50), percentile(lags, 99)
	if len(lags) > 0 {
		s.LagMax = lags[len(lags)-1]
	}
	return s
}

// sendLoad posts text messages round-robin over the recipients: request seq
// goes to recipient seq % n. Its check reads the uuid off the answer and
// hands it to the tracker, and makes the request a sampled one when the
// poll sampler asks for it.
type sendLoad struct {
	base, token string
	to          []string // digits
	tracker     *sendTracker
	log         *eventLog // send: the server's event log; nil: a webhook receiver (send-webhook)
	measured    atomic.Bool
	sampler     *pollSampler // nil: no polling
}

var (
	uuidKey       = []byte(`"uuid":"`)
	enqueuedValue = []byte(`"status":"enqueued"`)
)

func (l *sendLoad) Request(seq uint64) (*http.Request, func([]byte) bool, error) {
	body := sendBody(l.to[seq%uint64(len(l.to))], seq)
	req, err := http.NewRequest(http.MethodPost, l.base+"/v1/messages/send", bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+l.token)
	req.Header.Set("Content-Type", "application/json")
	measured := l.measured.Load()
	return req, func(b []byte) bool {
		at := time.Now()
		uuid := answerUUID(b)
		if uuid == "" || !bytes.Contains(b, enqueuedValue) {
			return false
		}
		l.tracker.Ack(uuid, at, measured)
		if measured && l.sampler != nil {
			l.sampler.Offer(uuid, at)
		}
		return true
	}, nil
}

// sendBody is the JSON of a text send to the digits to.
func sendBody(to string, seq uint64) []byte {
	b := make([]byte, 0, 128)
	b = append(b, `{"to":"`...)
	b = append(b, to...)
	b = append(b, `","from":"whatsapp","type":"text","content":{"text":"bench message `...)
	b = strconv.AppendUint(b, seq, 10)
	return append(b, `"}}`...)
}

// answerUUID returns the message uuid of a send answer
// ({"message":{"uuid":"...","status":"enqueued"}}), or "".
func answerUUID(b []byte) string {
	i := bytes.Index(b, uuidKey)
	if i < 0 {
		return ""
	}
	rest := b[i+len(uuidKey):]
	j := bytes.IndexByte(rest, '"')
	if j <= 0 {
		return ""
	}
	return string(rest[:j])
}

// pollSampler polls a sample of messages with GET /v1/messages/status/{uuid}
// until they read `read`. It takes the first message answered in each slot
// of every (run / sample size), so the sample spreads evenly over the run.
// A poller asks every 5 ms at first and then every tenth of the time waited
// so far (resolution: the larger of 5 ms and 10% of the lag), so a long lag
// does not turn the pollers into a load of their own.
type pollSampler struct {
	base, token string
	client      *http.Client
	every       time.Duration
	minPoll     time.Duration
	timeout     time.Duration
	ctx         context.Context

	mu       sync.Mutex
	next     time.Time
	wg       sync.WaitGroup
	lags     []time.Duration
	failed   int
	requests atomic.Int64
}

func newPollSampler(ctx context.Context, base, token string, sample int, run, minPoll, timeout time.Duration) *pollSampler {
	return &pollSampler{
		base: base, token: token, client: newClient(8), every: run / time.Duration(sample),
		minPoll: minPoll, timeout: timeout, ctx: ctx,
	}
}

// Start opens the first slot.
func (p *pollSampler) Start(at time.Time) {
	p.mu.Lock()
	p.next = at
	p.mu.Unlock()
}

// Offer samples the message when its slot is open.
func (p *pollSampler) Offer(uuid string, ackAt time.Time) {
	p.mu.Lock()
	take := !p.next.IsZero() && !ackAt.Before(p.next)
	if take {
		// Slots missed in a gap between answers are caught up by the next
		// answers, so the sample keeps its size.
		p.next = p.next.Add(p.every)
		p.wg.Add(1)
	}
	p.mu.Unlock()
	if take {
		go p.poll(uuid, ackAt)
	}
}

func (p *pollSampler) poll(uuid string, ackAt time.Time) {
	defer p.wg.Done()
	for {
		waited := time.Since(ackAt)
		if waited > p.timeout || p.ctx.Err() != nil {
			break
		}
		req, err := http.NewRequestWithContext(p.ctx, http.MethodGet, p.base+"/v1/messages/status/"+uuid, nil)
		if err != nil {
			break
		}
		req.Header.Set("Authorization", "Bearer "+p.token)
		p.requests.Add(1)
		body, status, err := send(p.client, req)
		if err == nil && status == http.StatusOK && bytes.Contains(body, []byte(`"status":"read"`)) {
			p.mu.Lock()
			p.lags = append(p.lags, time.Since(ackAt))
			p.mu.Unlock()
			return
		}
		time.Sleep(max(p.minPoll, waited/10))
	}
	p.mu.Lock()
	p.failed++
	p.mu.Unlock()
}

// Wait stops sampling, waits for the pollers and adds their figures to s.
func (p *pollSampler) Wait(s *sendStats) {
	p.mu.Lock()
	p.next = time.Time{}
	p.mu.Unlock()
	p.wg.Wait()
	p.client.CloseIdleConnections()
	lags := slices.Clone(p.lags)
	slices.Sort(lags)
	s.Polled, s.PollFailed, s.PollRequests = len(lags), p.failed, p.requests.Load()
	s.PollP50, s.PollP99 = percentile(lags, 50), percentile(lags, 99)
	if len(lags) > 0 {
		s.PollMax = lags[len(lags)-1]
	}
}

func send(client *http.Client, req *http.Request) ([]byte, int, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return body, resp.StatusCode, err
}

// contactDigits is the identifier of seeded contact i as digits.
func contactDigits(i int) string {
	var b strings.Builder
	for _, r := range contactPhone(i) {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// magicNumber reports whether the digits end in one of the sandbox's magic
// suffixes (API.md section 5: 0001 fails, 0002 is never read, 0003
// mismatches, 0004 stays enqueued).
func magicNumber(digits string) bool {
	for _, s := range []string{"0001", "0002", "0003", "0004"} {
		if strings.HasSuffix(digits, s) {
			return true
		}
	}
	return false
}

// sendRecipients returns the digits of the seeded contacts the send
// scenario writes to: all but those with a magic number, which never reach
// read by design.
func sendRecipients(n int) []string {
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		if d := contactDigits(i); !magicNumber(d) {
			out = append(out, d)
		}
	}
	return out
}

// startReceiver serves a webhook receiver (the tracker, or another
// handler) on a free loopback port.
func startReceiver(t http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: t, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			srv.Close()
		}
	}
	return "http://" + ln.Addr().String() + "/", stop, nil
}

// subscribeStatuses points the account's webhook at url for
// message_status_updated.
func subscribeStatuses(client *http.Client, base, url string) error {
	body, _ := json.Marshal(map[string]any{"url": url, "subscriptions": []string{"message_status_updated"}})
	return doJSON(client, http.MethodPost, base+"/v1/webhooks/subscribe", body, nil)
}

// openWindows plays each recipient writing "hi" (POST /sandbox/v1/inbound),
// which opens its 24-hour window, concurrency at a time.
func openWindows(ctx context.Context, client *http.Client, base string, to []string, concurrency int) error {
	var next atomic.Int64
	errs := make(chan error, concurrency)
	for w := 0; w < concurrency; w++ {
		go func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(to) || ctx.Err() != nil {
					errs <- ctx.Err()
					return
				}
				body := []byte(`{"from":"` + to[i] + `","text":"hi"}`)
				var out struct {
					Message struct {
						Status string `json:"status"`
					} `json:"message"`
				}
				if err := doJSON(client, http.MethodPost, base+"/sandbox/v1/inbound", body, &out); err != nil {
					errs <- fmt.Errorf("open the window of %s: %w", to[i], err)
					next.Store(int64(len(to)))
					return
				}
				if out.Message.Status != "received" {
					errs <- fmt.Errorf("inbound from %s: message status %q, want received", to[i], out.Message.Status)
					next.Store(int64(len(to)))
					return
				}
			}
		}()
	}
	var first error
	for w := 0; w < concurrency; w++ {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// drainReads (send-webhook) waits until every acknowledged message has its
// read event at the receiver, at most timeout, then a settle period in which a duplicate event would still
// show. It returns how long the reads took after the load ended.
func drainReads(ctx context.Context, t *sendTracker, loadEnd time.Time, timeout, settle time.Duration) (time.Duration, bool) {
	deadline := loadEnd.Add(timeout)
	for {
		n, _ := t.Unread(0)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return time.Since(loadEnd), true
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.mu.Lock()
	last := t.lastEvent
	t.mu.Unlock()
	select {
	case <-time.After(settle):
	case <-ctx.Done():
	}
	return max(0, last.Sub(loadEnd)), false
}

// unfinishedStatuses asks the server for the stored status of messages that
// never showed read at the receiver: a stored read means the event got lost
// (or is late), another status that progression stalled.
func unfinishedStatuses(client *http.Client, base string, uuids []string) map[string]int {
	out := map[string]int{}
	for _, u := range uuids {
		var res struct {
			Message struct {
				Status string `json:"status"`
			} `json:"message"`
		}
		if err := doJSON(client, http.MethodGet, base+"/v1/messages/status/"+u, nil, &res); err != nil {
			out["error"]++
			continue
		}
		out[res.Message.Status]++
	}
	return out
}

// setupSend prepares a send scenario on a seeded server: the source of the
// status events (send: the server's event log, marked so that only later
// events count; send-webhook: a webhook receiver subscribed to
// message_status_updated), and an open 24-hour window for every recipient.
// stop closes the source.
func setupSend(ctx context.Context, o *options, client *http.Client, cfg serverConfig, base, scenario, name string, n int) (*sendLoad, func(), error) {
	to := sendRecipients(n)
	l := &sendLoad{base: base, token: benchToken, to: to, tracker: newSendTracker()}
	var stop func()
	var source string
	if scenario == "send-webhook" {
		url, stopReceiver, err := startReceiver(l.tracker)
		if err != nil {
			return nil, nil, err
		}
		if err := subscribeStatuses(client, base, url); err != nil {
			stopReceiver()
			return nil, nil, err
		}
		stop, source = stopReceiver, "webhook receiver at "+url
	} else {
		evlog, err := openEventLog(ctx, cfg.DataDir, cfg.DatabaseURL)
		if err != nil {
			return nil, nil, fmt.Errorf("open the event log: %w", err)
		}
		l.log = evlog
		stop = func() { evlog.Close() }
		source = fmt.Sprintf("statuses from the event log after id %d, read after the load", evlog.base)
	}
	t0 := time.Now()
	if err := openWindows(ctx, client, base, to, o.concurrency); err != nil {
		stop()
		return nil, nil, err
	}
	logf("%s: opened the 24-hour window of %d contacts (POST /sandbox/v1/inbound) in %v; %s",
		name, len(to), round(time.Since(t0)), source)
	return l, stop, nil
}

// finishSend waits for the read events after the load and sums up.
func finishSend(ctx context.Context, o *options, client *http.Client, base, name string, l *sendLoad, loadEnd time.Time) (*sendStats, error) {
	var drain time.Duration
	var timedOut bool
	source := "webhook"
	if l.log != nil {
		source = "event log"
		var err error
		if drain, timedOut, err = drainLog(ctx, l.tracker, l.log, loadEnd, o.sendDrainTimeout, logPollEvery, logOverlap, logSettle); err != nil {
			return nil, fmt.Errorf("read the event log: %w", err)
		}
	} else {
		drain, timedOut = drainReads(ctx, l.tracker, loadEnd, o.sendDrainTimeout, time.Second)
	}
	s := l.tracker.Stats()
	s.Source, s.Contacts = source, len(l.to)
	s.Drain, s.DrainTimedOut = drain, timedOut
	if l.log != nil {
		s.LogPolls, s.LogRows = l.log.polls, l.log.rows
	}
	if l.sampler != nil {
		l.sampler.Wait(s)
	}
	if s.Missing > 0 {
		_, some := l.tracker.Unread(50)
		s.Unfinished = unfinishedStatuses(client, base, some)
	}
	logf("%s: %d messages (%d measured), %d read, %d complete, %d missing, %d duplicated; %d status events (%s) at %.0f/s, the last %v after the load; lag p50 %s p99 %s max %s; polled %d: p50 %s p99 %s max %s (%d GETs)",
		name, s.Messages, s.Measured, s.Read, s.Complete, s.Missing, s.Duplicates, s.Events, source, s.EventRate, round(s.Drain),
		fmtDur(s.LagP50), fmtDur(s.LagP99), fmtDur(s.LagMax), s.Polled, fmtDur(s.PollP50), fmtDur(s.PollP99), fmtDur(s.PollMax), s.PollRequests)
	if l.log != nil {
		logf("%s: event log read %d times after the load, %d rows (overlaps included)", name, s.LogPolls, s.LogRows)
	}
	if s.Missing > 0 {
		logf("%s: stored status of up to 50 messages without a read event: %v", name, s.Unfinished)
	}
	if s.BadEvents > 0 || s.Unknown > 0 || s.OtherStatus > 0 || s.OutOfOrder > 0 {
		logf("%s: %d unreadable events (first: %s), %d unknown uuids, %d messages with another status, %d out of order",
			name, s.BadEvents, s.FirstBad, s.Unknown, s.OtherStatus, s.OutOfOrder)
	}
	return s, nil
}
