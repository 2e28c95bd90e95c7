package apitest_test

import (
	"bufio"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/store/storetest"
)

// buildOpenbell builds cmd/openbell into a temporary directory.
func buildOpenbell(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "openbell")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/openbell/openbell/cmd/openbell").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	return bin
}

// process is `openbell serve` running as a child process.
type process struct {
	cmd *exec.Cmd
	url string
	mu  sync.Mutex
	log strings.Builder
}

var reListening = regexp.MustCompile(`msg="openbell listening" url=(\S+)`)

// startProcess runs the binary with args and waits until it listens.
func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...)}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout = io.Discard
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); _ = p.cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := reListening.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		close(urls)
	}()
	select {
	case u, ok := <-urls:
		if !ok {
			t.Fatalf("openbell exited before listening:\n%s", p.output())
		}
		p.url = u
	case <-time.After(30 * time.Second):
		t.Fatalf("openbell did not start:\n%s", p.output())
	}
	return p
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// TestWebhookSurvivesCrash kills openbell (SIGKILL) while events are
// pending, failing and in flight, restarts it on the same database, and
// checks that every event is delivered, in order per contact.
func TestWebhookSurvivesCrash(t *testing.T) {
	t.Parallel()
	bin := buildOpenbell(t)
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		args := []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--api-key", apitest.DemoToken,
			"--rate-limit", "0", "--delivery-interval", "0", "--log-level", "info",
			"--webhook-retry-schedule", "100ms*1000", "--webhook-timeout", "1s"}
		if u := e.URL(t); u != "" {
			args = append(args, "--database-url", u)
		}
		rcv := apitest.NewReceiver(t)
		rcv.Respond(func(int, apitest.Hook) apitest.Answer { return apitest.Answer{Status: 500} })

		first := startProcess(t, bin, args...)
		s := apitest.Connect(t, first.url)
		s.Subscribe(rcv.URL, "contact_updated")
		contacts := []string{johnDoe, marioRossi, janeRoe}
		const perContact = 10
		for n := range perContact {
			for _, c := range contacts {
				expectStatus(t, s.Do("PATCH", "/v1/contacts/"+c, map[string]any{"name": fmt.Sprintf("%s-%02d", c[:4], n)}), 200)
			}
		}
		rcv.WaitFor(t, 10*time.Second, func() bool { return len(rcv.Hooks()) >= 6 }, "failing attempts")
		// Now slow successes: kill while some are in flight and most pending.
		rcv.Respond(func(int, apitest.Hook) apitest.Answer {
			return apitest.Answer{Status: 200, Delay: 300 * time.Millisecond}
		})
		rcv.WaitDelivered(t, 3, 10*time.Second)
		if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = first.cmd.Wait()
		before := len(rcv.Delivered())
		if before >= len(contacts)*perContact {
			t.Fatalf("all %d events were delivered before the kill; the test proves nothing", before)
		}
		rcv.Respond(func(int, apitest.Hook) apitest.Answer { return apitest.Answer{Status: 200} })

		second := startProcess(t, bin, args...)
		rcv.WaitDelivered(t, len(contacts)*perContact, 30*time.Second)
		// In order per contact: each request is the contact's next event or
		// one already delivered again (at least once).
		delivered := map[string][]string{}
		for _, h := range rcv.Hooks() {
			_, p := h.Event(t)
			c, name := p["uuid"].(string), p["name"].(string)
			list := delivered[c]
			if slices.Contains(list, name) {
				continue
			}
			if want := fmt.Sprintf("%s-%02d", c[:4], len(list)); name != want {
				t.Fatalf("contact %s: got %s after %v, want %s", c, name, list, want)
			}
			if h.Status/100 == 2 {
				delivered[c] = append(list, name)
			}
		}
		t.Logf("%d of %d delivered before the kill, the rest after the restart", before, len(contacts)*perContact)
		if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := second.cmd.Wait(); err != nil {
			t.Errorf("openbell after SIGTERM: %v\n%s", err, second.output())
		}
	})
}

// TestWebhookResumesAfterShutdown: events pending at a graceful shutdown
// (SIGTERM) go out after the next start.
func TestWebhookResumesAfterShutdown(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		cfg := apitest.NewConfig(t, e, fastHooks(t))
		rcv := apitest.NewReceiver(t)
		rcv.Respond(func(int, apitest.Hook) apitest.Answer { return apitest.Answer{Status: 500} })
		s := apitest.StartConfig(t, cfg)
		s.Subscribe(rcv.URL, "contact_updated")
		for n := range 5 {
			expectStatus(t, s.Do("PATCH", "/v1/contacts/"+johnDoe, map[string]any{"name": fmt.Sprintf("n-%d", n)}), 200)
		}
		rcv.WaitFor(t, 5*time.Second, func() bool { return len(rcv.Hooks()) >= 2 }, "failing attempts")
		s.Stop()
		rcv.Respond(func(int, apitest.Hook) apitest.Answer { return apitest.Answer{Status: 200} })
		apitest.StartConfig(t, cfg)
		var got []string
		for _, h := range rcv.WaitDelivered(t, 5, 10*time.Second) {
			_, p := h.Event(t)
			got = append(got, p["name"].(string))
		}
		if strings.Join(got, ",") != "n-0,n-1,n-2,n-3,n-4" {
			t.Errorf("delivered %v", got)
		}
	})
}
