package app

import (
	"io"
	"net/http"
	"time"
)

// Slow clients are cut off (API.md section 6), so that slow or idle
// connections cannot pile up: a request must send its headers within
// ReadHeaderTimeout (10 s, the http.Server's), its body within --read-timeout
// and take in its answer within writeTimeout; an idle keep-alive connection
// is closed after idleTimeout.
//
// The body and answer clocks are set per request on the connection (with
// http.ResponseController) instead of as the http.Server's ReadTimeout and
// WriteTimeout, which count from the start of the request: those would also
// cut requests that the server itself holds for long, such as one that a
// sandbox fault delays by up to 60 s, and net/http cancels a request's
// context when the connection's read deadline passes while its handler runs.
const (
	defaultReadHeaderTimeout = 10 * time.Second
	defaultReadTimeout       = 30 * time.Second
	writeTimeout             = 30 * time.Second
	idleTimeout              = 2 * time.Minute
)

// withDeadlines bounds, per request, the time the client takes to send the
// body (read: from the server's first read of it, or from the start of the
// answer when the handler does not read it, until its end) and to take in
// the answer (write: from its first byte).
func withDeadlines(next http.Handler, read, write time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := &deadlines{rc: http.NewResponseController(w), read: read, write: write}
		// The connection still holds its previous request's write deadline.
		_ = d.rc.SetWriteDeadline(time.Time{})
		if r.Body != nil && r.Body != http.NoBody {
			d.body = r.Body
			r.Body = &timedBody{d}
		}
		next.ServeHTTP(&timedWriter{ResponseWriter: w, d: d}, r)
		// net/http reads what the handler left of the body, and sends the
		// answer, after the handler returns.
		d.answering()
	})
}

// deadlines is the state of one request's clocks. The handler's goroutine
// reads the body and writes the answer, so it needs no lock.
type deadlines struct {
	rc          *http.ResponseController
	read, write time.Duration
	body        io.ReadCloser // nil when the request has none
	bodyClock   bool          // the body's read deadline is set
	bodyDone    bool          // the body was read to its end
	answerClock bool          // the answer's write deadline is set
}

func (d *deadlines) readingBody() {
	if d.body != nil && !d.bodyClock && !d.bodyDone {
		d.bodyClock = true
		_ = d.rc.SetReadDeadline(time.Now().Add(d.read))
	}
}

// bodyRead lifts the read deadline once the body is in: from then on
// net/http reads the connection in the background to notice a client that
// goes away, and a deadline passing there would cancel the request.
func (d *deadlines) bodyRead() {
	if !d.bodyDone {
		d.bodyDone = true
		_ = d.rc.SetReadDeadline(time.Time{})
	}
}

// answering starts the answer's clock, and the body's when the handler did
// not read it: net/http reads (and discards) the rest of the body when the
// answer starts.
func (d *deadlines) answering() {
	d.readingBody()
	if !d.answerClock {
		d.answerClock = true
		_ = d.rc.SetWriteDeadline(time.Now().Add(d.write))
	}
}

type timedBody struct{ d *deadlines }

func (b *timedBody) Read(p []byte) (int, error) {
	b.d.readingBody()
	n, err := b.d.body.Read(p)
	if err == io.EOF {
		b.d.bodyRead()
	}
	return n, err
}

func (b *timedBody) Close() error { return b.d.body.Close() }

type timedWriter struct {
	http.ResponseWriter
	d *deadlines
}

func (w *timedWriter) WriteHeader(status int) {
	w.d.answering()
	w.ResponseWriter.WriteHeader(status)
}

func (w *timedWriter) Write(p []byte) (int, error) {
	w.d.answering()
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *timedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
