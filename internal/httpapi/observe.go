package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// recorder notes what a handler answered, for the request's log line and
// metrics. It unwraps to the writer it wraps, so http.ResponseController
// (deadlines, flushing) reaches the connection.
type recorder struct {
	http.ResponseWriter
	s      *Server
	r      *http.Request
	id     string
	start  time.Time
	status int
	bytes  int64
	info   *requestInfo
}

// requestInfo is what the handlers learn of a request that its log line
// tells: the account it acted for.
type requestInfo struct{ account string }

type infoKey struct{}

// observe wraps w to record the answer to r, and gives r a place for the
// account it is for.
func (s *Server) observe(w http.ResponseWriter, r *http.Request, id string) (*recorder, *http.Request) {
	info := &requestInfo{}
	r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
	return &recorder{ResponseWriter: w, s: s, r: r, id: id, start: time.Now(), info: info}, r
}

// noteAccount records the account a request acts for.
func noteAccount(r *http.Request, account string) {
	if info, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
		info.account = account
	}
}

func (rec *recorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += int64(n)
	return n, err
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// done writes the request's log line and records its metrics: method,
// route pattern, status, bytes, duration, request id and account. Never the
// path's values, a token, a secret or a body.
func (rec *recorder) done() {
	d := time.Since(rec.start)
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	route := routeOf(rec.r.Pattern)
	rec.s.cfg.Metrics.Request(route, rec.r.Method, status, d)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	rec.s.log.LogAttrs(rec.r.Context(), level, "request",
		slog.String("method", rec.r.Method), slog.String("route", route), slog.Int("status", status),
		slog.Int64("bytes", rec.bytes), slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.String("request_id", rec.id), slog.String("account", rec.info.account))
}

// routeOf is the path of a route pattern ("GET /v1/contacts/{uuid}" is
// "/v1/contacts/{uuid}"); "unmatched" for a request no route took.
func routeOf(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		return pattern[i+1:]
	}
	return pattern
}
