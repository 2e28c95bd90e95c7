package apitest_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/app"
	"github.com/openbell/openbell/internal/store/storetest"
)

// startHTTP starts a server for tests of the HTTP layer alone (no storage
// rule is involved: one engine is enough).
func startHTTP(t *testing.T, opt func(*app.Config)) (*apitest.Server, string) {
	t.Helper()
	s := apitest.Start(t, storetest.Engines()[0], opt)
	return s, strings.TrimPrefix(s.URL, "http://")
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// expectClosed reads c until the server closes it. It fails when the server
// keeps the connection open for 5 s (the default header timeout is 10 s), or answered with a success.
func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(c)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the server kept the connection open (it sent %q)", got)
	}
	if bytes.HasPrefix(got, []byte("HTTP/1.1 2")) {
		t.Errorf("the server answered %q", bytes.SplitN(got, []byte("\r\n"), 2)[0])
	}
}

// TestSlowClientsAreCutOff: a client that does not send its headers within
// the header timeout, or its body within --read-timeout, is disconnected
// (timeouts shortened to 300 ms here); a request that the server itself
// holds for longer (a sandbox fault delay) is not cut.
func TestSlowClientsAreCutOff(t *testing.T) {
	t.Parallel()
	s, addr := startHTTP(t, func(c *app.Config) { c.ReadTimeout, c.ReadHeaderTimeout = 300*time.Millisecond, 300*time.Millisecond })
	note := "/v1/contacts/" + johnDoe + "/conversation/note"
	head := "POST " + note + " HTTP/1.1\r\nHost: openbell\r\nAuthorization: Bearer " + apitest.DemoToken +
		"\r\nContent-Type: application/json\r\n"

	t.Run("body in time", func(t *testing.T) {
		c := dial(t, addr)
		body := `{"text":"in time"}`
		fmt.Fprintf(c, "%sContent-Length: %d\r\nConnection: close\r\n\r\n%s", head, len(body), body)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("answer %v, %v", resp, err)
		}
	})
	t.Run("trickled body", func(t *testing.T) {
		c := dial(t, addr)
		fmt.Fprintf(c, "%sContent-Length: 100000\r\n\r\n{", head)
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}()
		expectClosed(t, c)
	})
	t.Run("no headers", func(t *testing.T) {
		expectClosed(t, dial(t, addr))
	})
	t.Run("headers cut short", func(t *testing.T) {
		c := dial(t, addr)
		fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: openbell\r\n")
		expectClosed(t, c)
	})
	t.Run("fault delay longer than the read timeout", func(t *testing.T) {
		expectStatus(t, s.Do("POST", "/sandbox/v1/faults", map[string]any{"path_prefix": note, "delay_ms": 1000}), 200)
		defer s.Do("DELETE", "/sandbox/v1/faults", nil)
		// A body larger than what net/http buffers with the headers: it is
		// read from the connection after the delay.
		r := s.Do("POST", note, map[string]any{"text": "delayed", "padding": strings.Repeat("x", 200_000)})
		expectStatus(t, r, 200)
	})
}

// TestConnectionsPerAddressAreBounded: beyond --max-conns-per-ip (3 here)
// the server closes a new connection from the same address at once; closing
// one makes room again.
func TestConnectionsPerAddressAreBounded(t *testing.T) {
	t.Parallel()
	_, addr := startHTTP(t, func(c *app.Config) { c.MaxConnsPerIP = 3 })
	type conn struct {
		net.Conn
		r *bufio.Reader
	}
	open := func() conn {
		c := dial(t, addr)
		return conn{c, bufio.NewReader(c)}
	}
	health := func(c conn) error {
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: openbell\r\n\r\n"); err != nil {
			return err
		}
		resp, err := http.ReadResponse(c.r, nil)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	var held []conn
	for i := range 3 {
		c := open()
		if err := health(c); err != nil {
			t.Fatalf("connection %d: %v", i+1, err)
		}
		held = append(held, c)
	}
	err := health(open())
	if err == nil {
		t.Fatal("a fourth connection was served")
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("a fourth connection was neither served nor closed")
	}

	held[0].Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := open()
		err := health(c)
		c.Close()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no room after closing a connection: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i, c := range held[1:] {
		if err := health(c); err != nil {
			t.Errorf("held connection %d: %v", i+2, err)
		}
	}
}
