package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/fixture"
	"github.com/openbell/openbell/internal/store/storetest"
)

// The tests of this file set package variables (test hooks), so none of
// them runs in parallel.

const seedToken = "seed-test-token"

// logBuffer is a buffer the server may write to while the test reads it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// seedYAML is a seed of n contacts added to the demo workspace; name names
// contact 0.
func seedYAML(n int, name string) string {
	var b strings.Builder
	b.WriteString("accounts:\n  - name: Demo\n    contacts:\n")
	for i := range n {
		cname := fmt.Sprintf("Seeded %d", i)
		if i == 0 {
			cname = name
		}
		fmt.Fprintf(&b, "      - {uuid: %032x, name: %q, identifier: \"+44 20 7100 %04d\", source: whatsapp}\n", 0x5eed0000+i, cname, i)
	}
	return b.String()
}

func writeSeed(t *testing.T, path, yaml string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serveConfig is the configuration of `openbell serve args...` on a free
// port, with the test's token.
func serveConfig(t *testing.T, args ...string) Config {
	t.Helper()
	cfg, err := ParseServeConfig(append([]string{"--addr", freeAddr(t), "--api-key", seedToken, "--delivery-interval", "0"}, args...),
		func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// startApp starts a server and returns it with its log; the server stops
// when the test ends.
func startApp(t *testing.T, cfg Config) (*App, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := Start(ctx, cfg, ob.SystemClock{}, io.Discard, logs)
	if err != nil {
		cancel()
		t.Fatalf("start: %v\n%s", err, logs)
	}
	t.Cleanup(func() {
		cancel()
		if err := a.Wait(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return a, logs
}

// call makes a request with the test's token and returns the status, the
// headers and the body.
func call(t *testing.T, method, url string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+seedToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// contactName returns the name of a contact, through the API.
func contactName(t *testing.T, base string, id int) string {
	t.Helper()
	code, _, body := call(t, "GET", fmt.Sprintf("%s/v1/contacts/%032x", base, 0x5eed0000+id))
	if code != 200 {
		t.Fatalf("GET contact %d: %d %s", id, code, body)
	}
	var v struct {
		Contact struct {
			Name string `json:"name"`
		} `json:"contact"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	return v.Contact.Name
}

// TestHealthzWhileSeedLoads: while the seed loads, the port answers: GET
// /healthz 503 {"status":"starting"}, any other request 503 with the
// contract's error body and Retry-After; once the load is done, the API.
func TestHealthzWhileSeedLoads(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.yaml")
	writeSeed(t, seed, seedYAML(5, "First"))
	cfg := serveConfig(t, "--data-dir", t.TempDir(), "--seed", seed)
	base := "http://" + cfg.Addr

	loading, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	testHookSeedProgress = func(fixture.Progress) {
		once.Do(func() {
			close(loading)
			<-release
		})
	}
	defer func() { testHookSeedProgress = nil }()
	type started struct {
		a   *App
		err error
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan started, 1)
	go func() {
		a, err := Start(ctx, cfg, ob.SystemClock{}, io.Discard, io.Discard)
		done <- started{a, err}
	}()
	select {
	case <-loading:
	case s := <-done:
		t.Fatalf("the start ended before the seed loaded: %v", s.err)
	}

	code, h, body := call(t, "GET", base+"/healthz")
	if code != 503 || strings.TrimSpace(body) != `{"status":"starting"}` {
		t.Errorf("GET /healthz while the seed loads: %d %s, want 503 {\"status\":\"starting\"}", code, body)
	}
	if h.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", h.Get("Content-Type"))
	}
	code, h, body = call(t, "GET", base+"/v1/contacts")
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); code != 503 || err != nil || e.Error == "" {
		t.Errorf("GET /v1/contacts while the seed loads: %d %s, want 503 with an error", code, body)
	}
	if h.Get("Retry-After") == "" || h.Get("X-Request-Id") == "" {
		t.Errorf("the 503 lacks Retry-After or X-Request-Id: %v", h)
	}

	close(release)
	s := <-done
	if s.err != nil {
		t.Fatal(s.err)
	}
	defer func() {
		cancel()
		if err := s.a.Wait(); err != nil {
			t.Error(err)
		}
	}()
	if code, _, body := call(t, "GET", base+"/healthz"); code != 200 {
		t.Errorf("GET /healthz once started: %d %s", code, body)
	}
	if got := contactName(t, base, 0); got != "First" {
		t.Errorf("contact 0 is %q, want First", got)
	}
}

// TestSeedRestart: the first start loads the seed and sums up the load in
// its log; a restart with the same file skips it (and says so), keeping the
// data, including what the API changed since; a changed file is loaded
// again. On PostgreSQL too.
func TestSeedRestart(t *testing.T) {
	seedLogEvery = 0 // a log line for every report
	defer func() { seedLogEvery = 2 * time.Second }()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		dir := t.TempDir()
		seed := filepath.Join(dir, "seed.yaml")
		const n = 5
		writeSeed(t, seed, seedYAML(n, "First"))
		where := []string{"--data-dir", filepath.Join(dir, "data")}
		if u := e.URL(t); u != "" {
			where = []string{"--database-url", u}
		}
		args := append(where, "--seed", seed)
		start := func() (*App, *logBuffer, func()) {
			t.Helper()
			ctx, cancel := context.WithCancel(context.Background())
			logs := &logBuffer{}
			a, err := Start(ctx, serveConfig(t, args...), ob.SystemClock{}, io.Discard, logs)
			if err != nil {
				cancel()
				t.Fatalf("start: %v\n%s", err, logs)
			}
			return a, logs, func() {
				cancel()
				if err := a.Wait(); err != nil {
					t.Errorf("stop: %v", err)
				}
			}
		}

		a, logs, stop := start()
		for _, want := range []string{
			`msg="loading seed" file=` + seed,
			`msg="seed progress" phase=checking contacts=0 of=5`,
			`msg="seed progress" phase=writing contacts=5 of=5`,
			`msg="seed loaded" file=` + seed + ` accounts=1 contacts=5 created=5 updated=0 unchanged=0 messages=0 took=`,
		} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("the first start's log lacks %q:\n%s", want, logs)
			}
		}
		// The API renames contact 1.
		req, _ := http.NewRequest("PATCH", fmt.Sprintf("%s/v1/contacts/%032x", a.URL, 0x5eed0000+1), strings.NewReader(`{"name": "Renamed by the API"}`))
		req.Header.Set("Authorization", "Bearer "+seedToken)
		req.Header.Set("Content-Type", "application/json")
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
			t.Fatalf("PATCH: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}
		stop()

		a, logs, stop = start()
		if want := `msg="seed unchanged since its last load: skipped" file=` + seed; !strings.Contains(logs.String(), want) {
			t.Errorf("the restart's log lacks %q:\n%s", want, logs)
		}
		if strings.Contains(logs.String(), "loading seed") {
			t.Errorf("the restart loaded the seed again:\n%s", logs)
		}
		if got := contactName(t, a.URL, 0); got != "First" {
			t.Errorf("after the restart contact 0 is %q, want First", got)
		}
		if got := contactName(t, a.URL, 1); got != "Renamed by the API" {
			t.Errorf("after the restart contact 1 is %q: the seed was loaded again", got)
		}
		if code, _, body := call(t, "GET", a.URL+"/v1/contacts?page=1"); code != 200 || !strings.Contains(body, `"pages":1`) {
			t.Errorf("GET /v1/contacts: %d %s", code, body)
		}
		stop()

		writeSeed(t, seed, seedYAML(n, "Changed"))
		a, logs, stop = start()
		defer stop()
		if want := `msg="seed loaded" file=` + seed + ` accounts=1 contacts=5 created=0 updated=2 unchanged=3`; !strings.Contains(logs.String(), want) {
			t.Errorf("the start with a changed file: its log lacks %q:\n%s", want, logs)
		}
		if got := contactName(t, a.URL, 0); got != "Changed" {
			t.Errorf("after the change contact 0 is %q, want Changed", got)
		}
	})
}

// TestSeedProgressBar: on a terminal the load draws a progress bar per
// phase, which ends at 100%.
func TestSeedProgressBar(t *testing.T) {
	orig := isTerminal
	isTerminal = func(io.Writer) bool { return true }
	defer func() { isTerminal = orig }()
	seed := filepath.Join(t.TempDir(), "seed.yaml")
	writeSeed(t, seed, seedYAML(20, "First"))
	_, logs := startApp(t, serveConfig(t, "--data-dir", t.TempDir(), "--seed", seed))
	out := logs.String()
	for _, want := range []string{"seed: checking contacts", "seed: writing contacts", "100%", "(20/20"} {
		if !strings.Contains(out, want) {
			t.Errorf("the terminal lacks %q:\n%q", want, out)
		}
	}
	if strings.Contains(out, "seed progress") {
		t.Errorf("progress logged as lines on a terminal:\n%s", out)
	}
}
