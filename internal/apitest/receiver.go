package apitest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/app"
)

// Hook is one request a Receiver got, with the status it answered.
type Hook struct {
	Header http.Header
	Body   []byte
	Status int
	At     time.Time
}

// ID is the webhook-id header: the same on every attempt of one event.
func (h Hook) ID() string { return h.Header.Get("webhook-id") }

// Event decodes the body: the event name and the payload object.
func (h Hook) Event(t testing.TB) (string, map[string]any) {
	t.Helper()
	var b struct {
		Event   string         `json:"event"`
		Payload map[string]any `json:"payload"`
	}
	if err := json.Unmarshal(h.Body, &b); err != nil {
		t.Fatalf("webhook body is not {event, payload}: %v: %s", err, h.Body)
	}
	return b.Event, b.Payload
}

// Answer tells a Receiver how to answer a request: the status, after delay,
// with these headers and body.
type Answer struct {
	Status int
	Delay  time.Duration
	Header http.Header
	Body   string
}

// Receiver is a webhook endpoint for tests: a real HTTP server on loopback
// that records every request and answers as its Respond function says (200
// at once by default).
type Receiver struct {
	URL string

	mu      sync.Mutex
	arrived int
	active  int // requests being answered
	peak    int // most requests answered at once
	hooks   []Hook
	respond func(n int, h Hook) Answer
	changed chan struct{}
	closing chan struct{}
	// broken lists what the deliveries did wrong by the OpenAPI document's
	// webhooks, reported when the test ends.
	broken []string
	// contract checks every delivery against the document.
	contract *Contract
}

// NewReceiver starts a receiver, closed when the test ends.
func NewReceiver(t testing.TB) *Receiver {
	r := &Receiver{changed: make(chan struct{}), closing: make(chan struct{}),
		respond: func(int, Hook) Answer { return Answer{Status: 200} }, contract: mustContract(t)}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(func() {
		close(r.closing)
		srv.CloseClientConnections()
		srv.Close()
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, e := range r.broken {
			t.Errorf("webhook delivery breaks the OpenAPI document: %s", e)
		}
	})
	r.URL = srv.URL + "/hooks"
	return r
}

// Respond sets how the receiver answers; fn gets the 0-based number of the
// request (in order of arrival) and the request. It runs concurrently for
// concurrent requests.
func (r *Receiver) Respond(fn func(n int, h Hook) Answer) {
	r.mu.Lock()
	r.respond = fn
	r.mu.Unlock()
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	h := Hook{Header: req.Header.Clone(), Body: body, At: time.Now()}
	broken := r.contract.CheckEvent(req.Header, body)
	r.mu.Lock()
	r.broken = append(r.broken, broken...)
	n, respond := r.arrived, r.respond
	r.arrived++
	r.active++
	r.peak = max(r.peak, r.active)
	r.mu.Unlock()
	ans := respond(n, h)
	if ans.Delay > 0 {
		select {
		case <-time.After(ans.Delay):
		case <-r.closing:
		case <-req.Context().Done():
		}
	}
	h.Status = ans.Status
	for k, vs := range ans.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(ans.Status)
	_, _ = io.WriteString(w, ans.Body)
	r.mu.Lock()
	r.active--
	r.hooks = append(r.hooks, h)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// Arrived returns how many requests have arrived, answered or not.
func (r *Receiver) Arrived() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.arrived
}

// Peak returns the most requests the receiver was answering at once.
func (r *Receiver) Peak() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peak
}

// Hooks returns every request answered so far, in the order answered.
func (r *Receiver) Hooks() []Hook {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Hook(nil), r.hooks...)
}

// Delivered returns the requests answered 2xx, first delivery of each
// event only (later ones are at-least-once duplicates).
func (r *Receiver) Delivered() []Hook {
	var out []Hook
	seen := map[string]bool{}
	for _, h := range r.Hooks() {
		if h.Status/100 == 2 && !seen[h.ID()] {
			seen[h.ID()] = true
			out = append(out, h)
		}
	}
	return out
}

// WaitDelivered waits until n distinct events were delivered and returns
// them, failing the test after timeout.
func (r *Receiver) WaitDelivered(t testing.TB, n int, timeout time.Duration) []Hook {
	t.Helper()
	return r.WaitFor(t, timeout, func() bool { return len(r.Delivered()) >= n }, "%d delivered events", n)
}

// WaitFor waits until cond holds, failing the test after timeout.
func (r *Receiver) WaitFor(t testing.TB, timeout time.Duration, cond func() bool, what string, args ...any) []Hook {
	t.Helper()
	deadline := time.After(timeout)
	for {
		r.mu.Lock()
		changed := r.changed
		r.mu.Unlock()
		if cond() {
			return r.Delivered()
		}
		select {
		case <-changed:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			hooks := r.Hooks()
			t.Fatalf("timed out after %s waiting for "+what+"; got %d requests, %d delivered", append([]any{timeout}, append(args, len(hooks), len(r.Delivered()))...)...)
		}
	}
}

// WithWebhooks sets a fast webhook configuration for tests: the retry
// schedule, the receiver timeout and the disabling period.
func WithWebhooks(schedule []time.Duration, timeout, disableAfter time.Duration) Option {
	return func(c *app.Config) {
		c.WebhookRetrySchedule, c.WebhookTimeout, c.WebhookDisableAfter = schedule, timeout, disableAfter
	}
}

// Subscribe subscribes the server's account to url for events (all when
// none are named) and returns the webhook's secret.
func (s *Server) Subscribe(url string, events ...string) string {
	s.t.Helper()
	var subs any = events
	if len(events) == 0 {
		subs = "contact_created,contact_updated,contact_deleted,conversation_opened,conversation_closed," +
			"message_created,message_status_updated,agent_status_updated,agent_session_updated,team_membership_updated"
	}
	r := s.Do("POST", "/v1/webhooks/subscribe", map[string]any{"url": url, "subscriptions": subs})
	if r.Status != 200 {
		s.t.Fatalf("subscribe: status %d: %s", r.Status, r.Body)
	}
	var b struct {
		Webhook struct {
			Secret string `json:"secret"`
		} `json:"webhook"`
	}
	if err := json.Unmarshal(r.Body, &b); err != nil || b.Webhook.Secret == "" {
		s.t.Fatalf("subscribe: no secret in %s", r.Body)
	}
	return b.Webhook.Secret
}

// Connect returns a client of a server that runs elsewhere (a child
// process), with the demo token. Events is not available on it.
func Connect(t testing.TB, url string) *Server {
	return &Server{URL: url, Token: DemoToken, t: t, http: &http.Client{Timeout: 30 * time.Second}, contract: mustContract(t)}
}
