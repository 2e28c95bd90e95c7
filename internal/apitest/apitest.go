// Package apitest starts real openbell servers for black-box tests: the whole
// application (app.Start) on a random loopback port with a fresh database of
// the chosen engine, driven over HTTP.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/app"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/storetest"
)

// DemoToken is the token the servers pin to the default (demo) account; it
// is the one Callbell's published examples use.
const DemoToken = "test_gshuPaZoeEG6ovbc8M79w0QyM"

// Server is a running openbell.
type Server struct {
	URL   string
	Token string
	App   *app.App
	t     testing.TB
	http  *http.Client
	stop  func() error
	// contract, when set, checks every request Send sends and every answer
	// it gets against the OpenAPI document, failing the test on a mismatch.
	contract *Contract
}

// Option changes the configuration of a server before it starts.
type Option func(*app.Config)

// WithSeed writes yaml to a file and passes it as --seed.
func WithSeed(t testing.TB, yaml string) Option {
	path := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return func(c *app.Config) { c.Seed = path }
}

// WithDeliveryInterval turns on automatic delivery progression.
func WithDeliveryInterval(d time.Duration) Option {
	return func(c *app.Config) { c.DeliveryInterval = d }
}

// Start runs a server on engine e and stops it when the test ends.
func Start(t testing.TB, e storetest.Engine, opts ...Option) *Server {
	t.Helper()
	return StartConfig(t, NewConfig(t, e, opts...))
}

// NewConfig returns the configuration Start uses: a random port, a fresh
// database of engine e, the demo token, no rate limit, the 24-hour rule on
// and automatic delivery progression off. Starting twice with one
// configuration restarts a server on its data.
func NewConfig(t testing.TB, e storetest.Engine, opts ...Option) app.Config {
	cfg := app.Config{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: e.URL(t), APIKeys: []string{DemoToken},
		RateLimit: 0, LogLevel: "warn", ShutdownTimeout: 15 * time.Second, WindowRule: true,
	}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// StartConfig runs a server with cfg and stops it when the test ends.
func StartConfig(t testing.TB, cfg app.Config) *Server {
	t.Helper()
	return StartClock(t, cfg, ob.SystemClock{})
}

// StartClock is StartConfig with the server's clock.
func StartClock(t testing.TB, cfg app.Config, clock ob.Clock) *Server {
	t.Helper()
	return StartLogged(t, cfg, clock, io.Discard)
}

// StartLogged is StartClock with the server's log written to logs.
func StartLogged(t testing.TB, cfg app.Config, clock ob.Clock, logs io.Writer) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Start(ctx, cfg, clock, io.Discard, logs)
	if err != nil {
		cancel()
		t.Fatalf("start server: %v", err)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	stop := sync.OnceValue(func() error {
		// A connection the client opened but never used counts as busy
		// for a graceful shutdown for 5 s: close the client's idle ones.
		client.CloseIdleConnections()
		cancel()
		return a.Wait()
	})
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("server stopped with: %v", err)
		}
	})
	return &Server{URL: a.URL, Token: DemoToken, App: a, t: t, http: client, stop: stop, contract: mustContract(t)}
}

// mustContract returns the OpenAPI document's contract, failing the test
// when the document cannot be read.
func mustContract(t testing.TB) *Contract {
	t.Helper()
	c, err := DefaultContract()
	if err != nil {
		t.Fatalf("OpenAPI document: %v", err)
	}
	return c
}

// Stop shuts the server down as SIGTERM would and waits for it.
func (s *Server) Stop() {
	s.t.Helper()
	if err := s.stop(); err != nil {
		s.t.Fatalf("server stopped with: %v", err)
	}
}

// Response is an answer of the server.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object, failing the test when it is not one.
func (r *Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// Request is a request to send. Body is JSON-encoded unless it is a string
// or []byte, which are sent as they are.
type Request struct {
	Method, Path string
	Body         any
	Token        string // "" uses the server's token; "-" sends none
	Header       map[string]string
	// Unchecked marks a request that breaks the OpenAPI document on purpose
	// (malformed input, an unknown route): it is sent unchecked. Its answer
	// is still checked: an error body must match the document too.
	Unchecked bool
}

// DoUnchecked is Do for a request that breaks the OpenAPI document on
// purpose (Request.Unchecked).
func (s *Server) DoUnchecked(method, path string, body any) *Response {
	s.t.Helper()
	return s.Send(Request{Method: method, Path: path, Body: body, Unchecked: true})
}

// Do sends a request with the server's token.
func (s *Server) Do(method, path string, body any) *Response {
	s.t.Helper()
	return s.Send(Request{Method: method, Path: path, Body: body})
}

// Send sends req.
func (s *Server) Send(req Request) *Response {
	s.t.Helper()
	var rd io.Reader
	var sent []byte
	switch b := req.Body.(type) {
	case nil:
	case string:
		sent = []byte(b)
	case []byte:
		sent = b
	default:
		data, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		sent = data
	}
	if req.Body != nil {
		rd = bytes.NewReader(sent)
	}
	hr, err := http.NewRequest(req.Method, s.URL+req.Path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if rd != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	switch req.Token {
	case "":
		hr.Header.Set("Authorization", "Bearer "+s.Token)
	case "-":
	default:
		hr.Header.Set("Authorization", "Bearer "+req.Token)
	}
	for k, v := range req.Header {
		hr.Header.Set(k, v)
	}
	if s.contract != nil && !req.Unchecked {
		for _, e := range s.contract.CheckRequest(hr, sent) {
			s.t.Errorf("%s %s: request breaks the OpenAPI document (mark it Unchecked if on purpose): %s", req.Method, req.Path, e)
		}
	}
	resp, err := s.http.Do(hr)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	if s.contract != nil {
		for _, e := range s.contract.CheckResponse(hr, resp.StatusCode, resp.Header, data) {
			s.t.Errorf("%s %s: answer %d breaks the OpenAPI document: %s; body %.300s", req.Method, req.Path, resp.StatusCode, e, data)
		}
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// Events returns the events recorded for the account of token, oldest first.
func (s *Server) Events(token string) []ob.Event {
	s.t.Helper()
	if token == "" {
		token = s.Token
	}
	var out []ob.Event
	err := s.App.Store.Read(context.Background(), func(tx store.Tx) error {
		p, err := tx.PrincipalByTokenHash(ob.HashToken(token))
		if err != nil {
			return err
		}
		out, err = tx.EventsAfter(p.AccountID, 0, 100_000)
		return err
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

// LogBuffer collects what a server or a command writes (its log, its
// output) and is safe to read while it writes.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
