// Command webhooks measures webhook delivery throughput of a real openbell
// server, from outside: it builds ./cmd/openbell, starts it as a child
// process with a fresh database (SQLite, and PostgreSQL when asked), and
// counts the events a local receiver gets per second.
//
// For each receiver delay it queues a backlog first, so that the rate of
// delivery is measured and not the rate at which the API makes events: the
// receiver answers 410 to the first event, which disables the webhook; the
// events then made through the API (closing and opening conversations,
// spread over -contacts contacts) are queued and held; the receiver starts
// answering 200 after the delay, the webhook is subscribed again, and the
// clock runs until every held event has arrived.
//
// Usage (from the repository root):
//
//	go run ./bench/webhooks                              # SQLite, receivers at 0 and 50 ms
//	go run ./bench/webhooks -engines sqlite,postgres     # also PostgreSQL (OPENBELL_BENCH_DATABASE_URL)
//	go run ./bench/webhooks -events 5000 -delays 0,50ms,200ms
//
// docs/WEBHOOKS.md records the figures.
package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

const token = "bench-webhooks-token"

type options struct {
	engines     []string
	events      int
	contacts    int
	delays      []time.Duration
	concurrency int
	clients     int
	databaseURL string
	timeout     time.Duration
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench/webhooks:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	var o options
	fs := flag.NewFlagSet("webhooks", flag.ContinueOnError)
	engines := fs.String("engines", "sqlite", "comma-separated engines: sqlite, postgres")
	fs.IntVar(&o.events, "events", 20000, "events queued per measurement")
	fs.IntVar(&o.contacts, "contacts", 1000, "contacts the events are spread over (streams delivered in parallel)")
	delays := fs.String("delays", "0,50ms", "comma-separated receiver answer delays, one measurement each")
	fs.IntVar(&o.concurrency, "concurrency", 0, "the server's --webhook-concurrency (0: its default)")
	fs.IntVar(&o.clients, "clients", 16, "concurrent API clients making the events")
	fs.StringVar(&o.databaseURL, "database-url", envOr("OPENBELL_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL server on which a fresh database is created and dropped")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "give up a measurement after this")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.engines = strings.Split(*engines, ",")
	for _, d := range strings.Split(*delays, ",") {
		v, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil {
			return fmt.Errorf("-delays: %w", err)
		}
		o.delays = append(o.delays, v)
	}
	dir, err := os.MkdirTemp("", "openbell-bench-webhooks-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "openbell")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/openbell").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v: %s", err, out)
	}
	type row struct {
		engine string
		delay  time.Duration
		events int
		took   time.Duration
	}
	var rows []row
	for _, engine := range o.engines {
		for _, delay := range o.delays {
			n, took, err := measure(o, bin, dir, engine, delay)
			if err != nil {
				return fmt.Errorf("%s, receiver %s: %w", engine, delay, err)
			}
			rows = append(rows, row{engine, delay, n, took})
			fmt.Fprintf(os.Stderr, "%s, receiver %s: %d events in %s\n", engine, delay, n, took.Round(time.Millisecond))
		}
	}
	fmt.Printf("%-9s %-10s %8s %9s %11s\n", "engine", "receiver", "events", "seconds", "events/s")
	fast := map[string]float64{}
	for _, r := range rows {
		rate := float64(r.events) / r.took.Seconds()
		if r.delay == 0 {
			fast[r.engine] = rate
		}
		fmt.Printf("%-9s %-10s %8d %9.2f %11.0f\n", r.engine, r.delay, r.events, r.took.Seconds(), rate)
	}
	for _, r := range rows {
		if f := fast[r.engine]; r.delay > 0 && f > 0 {
			fmt.Printf("%s: a receiver answering after %s cuts throughput %.1fx\n", r.engine, r.delay, f/(float64(r.events)/r.took.Seconds()))
		}
	}
	return nil
}

// measure runs one measurement on a fresh server and returns the events
// delivered and the time they took.
func measure(o options, bin, dir, engine string, delay time.Duration) (int, time.Duration, error) {
	dataDir, err := os.MkdirTemp(dir, "data-")
	if err != nil {
		return 0, 0, err
	}
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--api-key", token, "--rate-limit", "0",
		"--delivery-interval", "0", "--log-level", "info", "--webhook-retry-schedule", "1s"}
	if o.concurrency > 0 {
		args = append(args, "--webhook-concurrency", strconv.Itoa(o.concurrency))
	}
	if engine == "postgres" {
		dbURL, drop, err := freshDatabase(o.databaseURL)
		if err != nil {
			return 0, 0, err
		}
		defer drop()
		args = append(args, "--database-url", dbURL)
	}
	srv, err := start(bin, args)
	if err != nil {
		return 0, 0, err
	}
	defer srv.stop()
	api := &client{base: srv.url, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.clients}}}

	contacts, err := makeContacts(api, o.contacts, o.clients)
	if err != nil {
		return 0, 0, err
	}
	rcv := &receiver{ids: map[string]bool{}}
	rcv.status.Store(http.StatusGone)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, err
	}
	hs := &http.Server{Handler: rcv}
	go hs.Serve(ln)
	defer hs.Close()
	hookURL := "http://" + ln.Addr().String() + "/hooks"
	subs := []string{"conversation_closed", "conversation_opened"}

	// Disable the webhook with a 410, then queue the backlog.
	if err := api.do("POST", "/v1/webhooks/subscribe", map[string]any{"url": hookURL, "subscriptions": subs}); err != nil {
		return 0, 0, err
	}
	if err := api.do("POST", "/v1/contacts/"+contacts[0]+"/conversation/close", nil); err != nil {
		return 0, 0, err
	}
	if err := waitUntil(10*time.Second, func() bool { return api.webhookEnabled() == "false" }); err != nil {
		return 0, 0, errors.New("the webhook was not disabled by the 410")
	}
	made, err := makeEvents(api, contacts[1:], o.events-1, o.clients)
	if err != nil {
		return 0, 0, err
	}
	total := made + 1
	rcv.reset(delay)
	start := time.Now()
	if err := api.do("POST", "/v1/webhooks/subscribe", map[string]any{"url": hookURL, "subscriptions": subs}); err != nil {
		return 0, 0, err
	}
	if err := waitUntil(o.timeout, func() bool { return rcv.count() >= total }); err != nil {
		return 0, 0, fmt.Errorf("%d of %d events delivered in %s", rcv.count(), total, o.timeout)
	}
	return total, rcv.last().Sub(start), nil
}

// receiver counts distinct events (by webhook-id) answered 2xx.
type receiver struct {
	status atomic.Int64
	delay  atomic.Int64
	mu     sync.Mutex
	ids    map[string]bool
	lastAt time.Time
}

func (r *receiver) reset(delay time.Duration) {
	r.mu.Lock()
	r.ids = map[string]bool{}
	r.mu.Unlock()
	r.delay.Store(int64(delay))
	r.status.Store(http.StatusOK)
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	_, _ = io.Copy(io.Discard, req.Body)
	if d := time.Duration(r.delay.Load()); d > 0 {
		time.Sleep(d)
	}
	status := int(r.status.Load())
	w.WriteHeader(status)
	if status == http.StatusOK {
		r.mu.Lock()
		r.ids[req.Header.Get("webhook-id")] = true
		r.lastAt = time.Now()
		r.mu.Unlock()
	}
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ids)
}

func (r *receiver) last() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastAt
}

// makeContacts creates n WhatsApp contacts and returns their uuids.
func makeContacts(api *client, n, clients int) ([]string, error) {
	ids := make([]string, n)
	err := parallel(clients, n, func(i int) error {
		var out struct {
			Contact struct {
				UUID string `json:"uuid"`
			} `json:"contact"`
		}
		body := map[string]any{"identifier": fmt.Sprintf("+1 555 %07d", i), "source": "whatsapp", "name": fmt.Sprintf("Bench %d", i)}
		if err := api.call("POST", "/v1/contacts", body, &out); err != nil {
			return err
		}
		ids[i] = out.Contact.UUID
		return nil
	})
	return ids, err
}

// makeEvents closes and opens the contacts' conversations in turn, one
// event per call, until n events are made.
func makeEvents(api *client, contacts []string, n, clients int) (int, error) {
	var next atomic.Int64
	closed := make([]bool, len(contacts))
	var locks = make([]sync.Mutex, len(contacts))
	err := parallel(clients, n, func(int) error {
		i := int(next.Add(1)-1) % len(contacts)
		locks[i].Lock()
		defer locks[i].Unlock()
		step := "close"
		if closed[i] {
			step = "open"
		}
		if err := api.do("POST", "/v1/contacts/"+contacts[i]+"/conversation/"+step, nil); err != nil {
			return err
		}
		closed[i] = !closed[i]
		return nil
	})
	return n, err
}

// parallel runs fn(0..n-1) on k goroutines, stopping at the first error.
func parallel(k, n int, fn func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n))
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

type client struct {
	base string
	http *http.Client
}

func (c *client) call(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

func (c *client) do(method, path string, body any) error { return c.call(method, path, body, nil) }

func (c *client) webhookEnabled() string {
	var out struct {
		Webhook struct {
			Enabled bool `json:"enabled"`
		} `json:"webhook"`
	}
	if err := c.call("GET", "/v1/webhooks", nil, &out); err != nil {
		return "unknown"
	}
	return strconv.FormatBool(out.Webhook.Enabled)
}

func waitUntil(timeout time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// server is openbell running as a child process.
type server struct {
	cmd *exec.Cmd
	url string
}

var reListening = regexp.MustCompile(`msg="openbell listening" url=(\S+)`)

func start(bin string, args []string) (*server, error) {
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := reListening.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			} else if strings.Contains(sc.Text(), "level=ERROR") {
				fmt.Fprintln(os.Stderr, "server:", sc.Text())
			}
		}
		close(urls)
	}()
	select {
	case u, ok := <-urls:
		if !ok {
			cmd.Wait()
			return nil, errors.New("openbell exited before listening")
		}
		return &server{cmd: cmd, url: u}, nil
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		return nil, errors.New("openbell did not start within 60s")
	}
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// freshDatabase creates a database on the server of admin and returns its
// URL and a function that drops it.
func freshDatabase(admin string) (string, func(), error) {
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("openbell_bench_webhooks_%d_%d", os.Getpid(), time.Now().UnixNano())
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		db.Close()
	}, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
