package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	ob "github.com/openbell/openbell"
)

// Live updates: GET /events is a stream of Server-Sent Events read from the
// stored event log, so that a change made by any process (several share one
// PostgreSQL database) reaches every open page, and a page that reconnects
// resumes after the last event it heard (Last-Event-ID).

const (
	// livePoll is how often a stream reads the event log.
	livePoll = 500 * time.Millisecond
	// liveSettle is how long an event id stays open to events committed
	// late: on PostgreSQL ids are taken in one order and committed in
	// another, so a stream reads again the ids of the last few seconds.
	liveSettle = 5 * time.Second
	// liveMaxAge ends a stream after a while (the browser reconnects with
	// Last-Event-ID), so that no connection lives for ever.
	liveMaxAge = 10 * time.Minute
	// liveHeartbeat keeps proxies from closing a quiet stream.
	liveHeartbeat = 20 * time.Second
	liveBatch     = 200
)

// liveEvent is what a page hears of an event: its name and contact.
type liveEvent struct {
	Event   string `json:"event"`
	Contact ob.ID  `json:"contact,omitempty"`
}

// events streams the signed-in account's events after Last-Event-ID (a
// reconnect) or the query's after (the id the page was rendered at).
func (web *Web) events(v *visit) error {
	after, err := strconv.ParseInt(v.r.Header.Get("Last-Event-ID"), 10, 64)
	if err != nil {
		after, err = strconv.ParseInt(v.r.URL.Query().Get("after"), 10, 64)
	}
	if err != nil || after < 0 {
		if after, err = web.svc.LastEventID(v.r.Context(), v.accountID()); err != nil {
			return err
		}
	}
	rc := http.NewResponseController(v.w)
	h := v.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	v.w.WriteHeader(http.StatusOK)
	write := func(s string) error {
		_ = rc.SetWriteDeadline(time.Now().Add(liveHeartbeat + 10*time.Second))
		if _, err := fmt.Fprint(v.w, s); err != nil {
			return err
		}
		return rc.Flush()
	}
	if write("retry: 2000\n\n") != nil {
		return nil
	}
	type sentEvent struct {
		id int64
		at time.Time
	}
	var sent []sentEvent // ids after low already sent, in id order
	seen := map[int64]bool{}
	low := after // every event up to low is settled
	ctx := v.r.Context()
	tick := time.NewTicker(livePoll)
	defer tick.Stop()
	start, quiet := time.Now(), time.Now()
	for {
		evs, err := web.svc.EventsAfter(ctx, v.accountID(), low, liveBatch)
		if err != nil {
			if ctx.Err() == nil {
				web.log.Warn("live events", "err", err)
			}
			return nil
		}
		now := time.Now()
		for _, e := range evs {
			if seen[e.ID] {
				continue
			}
			b, _ := json.Marshal(liveEvent{Event: e.Name, Contact: e.ContactID})
			if write(fmt.Sprintf("id: %d\nevent: change\ndata: %s\n\n", e.ID, b)) != nil {
				return nil
			}
			seen[e.ID] = true
			sent = append(sent, sentEvent{e.ID, now})
			quiet = now
		}
		// Settle the ids sent long enough ago: later reads start after them.
		for len(sent) > 0 && (now.Sub(sent[0].at) > liveSettle || len(sent) > 10*liveBatch) {
			low = max(low, sent[0].id)
			delete(seen, sent[0].id)
			sent = sent[1:]
		}
		if now.Sub(quiet) > liveHeartbeat {
			if write(": keep-alive\n\n") != nil {
				return nil
			}
			quiet = now
		}
		if now.Sub(start) > liveMaxAge {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-web.done:
			return nil
		case <-tick.C:
		}
	}
}

// Shutdown ends the open event streams, so that a server shutting down
// does not wait for them.
func (web *Web) Shutdown() {
	web.closeOnce.Do(func() { close(web.done) })
}
