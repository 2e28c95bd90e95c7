package main

import (
	"bytes"
	"context"
	"fmt"
	"github.com/openbell/openbell/internal/apitest"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serve runs `openbell serve` until the returned stop is called, waiting for
// /healthz first. stop cancels the context as SIGINT would and returns run's
// error (a second call returns it again).
func serve(t *testing.T, env map[string]string, args ...string) (addr string, stdout *apitest.LogBuffer, stop func() error) {
	t.Helper()
	addr = freeAddr(t)
	stdout = &apitest.LogBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	getenv := func(k string) string { return env[k] }
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", addr, "--log-level", "error"}, args...), getenv, stdout, &apitest.LogBuffer{})
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve exited early: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatal("server never became healthy")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return addr, stdout, sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			return fmt.Errorf("serve did not stop")
		}
	})
}

// runOnce runs the command line args to its end and returns its output.
func runOnce(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut apitest.LogBuffer
	err = run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return out.String(), errOut.String(), err
}

func get(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

var tokenLine = regexp.MustCompile(`(?m)^\s+([A-Za-z0-9]{32}\.[0-9a-f]{64})$`)

// TestFirstStartPrintsTokenOnce checks the first start on an empty data
// directory prints a working token, and the next start prints none.
func TestFirstStartPrintsTokenOnce(t *testing.T) {
	dir := t.TempDir()
	addr, out, stop := serve(t, nil, "--data-dir", dir)
	m := tokenLine.FindStringSubmatch(out.String())
	if m == nil {
		stop()
		t.Fatalf("no token printed: %q", out.String())
	}
	if code := get(t, "http://"+addr+"/v1/contacts", m[1]); code != 200 {
		t.Errorf("printed token answered %d", code)
	}
	if code := get(t, "http://"+addr+"/v1/contacts", "wrong"); code != 401 {
		t.Errorf("wrong token answered %d", code)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	addr, out, stop = serve(t, map[string]string{"OPENBELL_DATA_DIR": dir})
	defer stop()
	if tokenLine.MatchString(out.String()) {
		t.Errorf("second start printed a token: %q", out.String())
	}
	if code := get(t, "http://"+addr+"/v1/contacts", m[1]); code != 200 {
		t.Errorf("token of the first start answered %d after a restart", code)
	}
}

// TestAPIKeyPinsTokens checks --api-key (flag and environment) gives working
// tokens and suppresses the generated one.
func TestAPIKeyPinsTokens(t *testing.T) {
	addr, out, stop := serve(t, map[string]string{"OPENBELL_API_KEY": "env-key-1,env-key-2"}, "--data-dir", t.TempDir())
	defer stop()
	if tokenLine.MatchString(out.String()) {
		t.Errorf("a token was generated although keys were given")
	}
	for _, k := range []string{"env-key-1", "env-key-2"} {
		if code := get(t, "http://"+addr+"/v1/contacts", k); code != 200 {
			t.Errorf("%s answered %d", k, code)
		}
	}
	addr2, _, stop2 := serve(t, nil, "--data-dir", t.TempDir(), "--api-key", "flag-key", "--api-key", "flag-key-2")
	defer stop2()
	if code := get(t, "http://"+addr2+"/v1/contacts", "flag-key-2"); code != 200 {
		t.Errorf("flag key answered %d", code)
	}
}

// TestGracefulShutdownFinishesRequests sends a request that the sandbox
// delays, stops the server while it is in flight, and expects the answer.
func TestGracefulShutdownFinishesRequests(t *testing.T) {
	addr, _, stop := serve(t, nil, "--data-dir", t.TempDir(), "--api-key", "k")
	req, _ := http.NewRequest("POST", "http://"+addr+"/sandbox/v1/faults",
		strings.NewReader(`{"path_prefix": "/v1/contacts", "delay_ms": 500}`))
	req.Header.Set("Authorization", "Bearer k")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	codes := make(chan int, 1)
	go func() { codes <- get(t, "http://"+addr+"/v1/contacts", "k") }()
	time.Sleep(150 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if code := <-codes; code != 200 {
		t.Errorf("request in flight answered %d", code)
	}
}

func TestCommandErrors(t *testing.T) {
	getenv := func(string) string { return "" }
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"version"}, getenv, &out, &errOut); err != nil || !strings.Contains(out.String(), "openbell") {
		t.Errorf("version: %v %q", err, out.String())
	}
	for _, args := range [][]string{
		{}, {"fly"}, {"serve", "--rate-limit", "-1"}, {"serve", "--database-url", "mysql://x"}, {"serve", "--log-level", "loud"},
		{"serve", "--delivery-interval", "soon"}, {"serve", "extra"},
	} {
		if err := run(context.Background(), args, getenv, &out, &errOut); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	bad := func(k string) string {
		if k == "OPENBELL_RATE_LIMIT" {
			return "many"
		}
		return ""
	}
	if err := run(context.Background(), []string{"serve"}, bad, &out, &errOut); err == nil {
		t.Errorf("bad OPENBELL_RATE_LIMIT accepted")
	}
}
