package app

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"
)

// TestAnswerNotTakenIn: a client that sends a request and never reads the
// answer holds the handler's writes up to the write timeout (200 ms here),
// not for ever.
func TestAnswerNotTakenIn(t *testing.T) {
	writeErr := make(chan error, 1)
	chunk := make([]byte, 64<<10)
	srv := httptest.NewServer(withDeadlines(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for {
			if _, err := w.Write(chunk); err != nil {
				writeErr <- err
				return
			}
		}
	}), time.Second, 200*time.Millisecond))
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: openbell\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-writeErr:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler still writes to a client that reads nothing")
	}
}

// TestUnreadBodyIsTimed: when a handler answers without reading the body,
// net/http reads the rest of it to reuse the connection; a client that
// trickles that body is cut off after the read timeout (200 ms here) too.
func TestUnreadBodyIsTimed(t *testing.T) {
	srv := httptest.NewServer(withDeadlines(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "not reading your body")
	}), 200*time.Millisecond, time.Second))
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: openbell\r\nContent-Length: 100000\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, err := io.ReadAll(c); errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the connection stayed open (the server sent %q)", got)
	}
}
