// Package httpapi is the HTTP face of openbell: one route table (routes.go),
// handlers that translate requests into inbox operations and results into
// the JSON of API.md, and the cross-cutting rules of section 1 (auth, rate
// limit, request ids, body limits, the error format).
package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/inbox"
	"github.com/openbell/openbell/internal/metrics"
	"github.com/openbell/openbell/internal/sandbox"
)

// Config holds what the HTTP layer needs to know of the server's settings.
type Config struct {
	// RateLimit is requests per second per account; 0 turns limiting off.
	RateLimit int
	// AuthFailureLimit is how many requests that fail authentication a
	// client address may make per second; past it, its requests are refused
	// with 429 before any token is looked up. 0 turns it off.
	AuthFailureLimit int
	// Version is reported in logs.
	Version string
	// Metrics records requests; nil records nothing.
	Metrics *metrics.Metrics
	// MetricsHandler, when set, serves GET /metrics (no token).
	MetricsHandler http.Handler
	// Pages, when set, registers the web inbox's pages (internal/web) on
	// the route table, beside the API.
	Pages func(*http.ServeMux)
}

// Server is the http.Handler of the whole API.
type Server struct {
	cfg     Config
	svc     *inbox.Service
	auth    *inbox.Authenticator
	limiter *limiter
	// failures limits requests that fail authentication, per client address.
	failures *limiter
	faults   *sandbox.Faults
	log      *slog.Logger
	mux      *http.ServeMux
	// served lists the routes of the route table (Routes).
	served []Route
}

// New returns the API handler.
func New(cfg Config, svc *inbox.Service, auth *inbox.Authenticator, faults *sandbox.Faults, log *slog.Logger) *Server {
	s := &Server{cfg: cfg, svc: svc, auth: auth, limiter: newLimiter(cfg.RateLimit, time.Now),
		failures: newLimiter(cfg.AuthFailureLimit, time.Now), faults: faults, log: log, mux: http.NewServeMux()}
	s.routes()
	return s
}

// ServeHTTP implements http.Handler: request id, the request's log line and
// metrics, panic recovery, and the JSON answers for unknown routes (404) and
// wrong methods (405).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("X-Request-Id")
	if !validRequestID(id) {
		id = newRequestID()
	}
	w.Header().Set("X-Request-Id", id)
	rec, r := s.observe(w, r, id)
	defer rec.done()
	s.serve(rec, r, id)
}

// serve answers a request.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, id string) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic", slog.Any("panic", v), slog.String("path", r.URL.Path), slog.String("request_id", id))
			writeStatusError(w, http.StatusInternalServerError)
		}
	}()
	h, pattern := s.mux.Handler(r)
	if pattern == "" {
		// The mux's own 404 or 405 (with Allow): keep its status and headers,
		// answer in the contract's JSON.
		rec := &statusOnly{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if allow := rec.header.Get("Allow"); rec.status == http.StatusMethodNotAllowed {
			if needsAuth(r.URL.Path) {
				if _, ok := s.authenticate(w, r); !ok {
					return
				}
			}
			w.Header().Set("Allow", allow)
			writeStatusError(w, http.StatusMethodNotAllowed)
			return
		}
		writeStatusError(w, http.StatusNotFound)
		return
	}
	// Serve through the mux (not h) so that it sets the path values.
	s.mux.ServeHTTP(w, r)
}

// clientAddress is the address a request came from: the peer's IP
// (forwarding headers are not trusted).
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// needsAuth reports whether path is an API path, answered only with a
// token; the OpenAPI document is public.
func needsAuth(path string) bool {
	return (strings.HasPrefix(path, "/v1/") && path != openAPIPath) || strings.HasPrefix(path, "/sandbox/v1/")
}

// statusOnly records the status and headers a handler writes, nothing else.
type statusOnly struct {
	header http.Header
	status int
}

func (s *statusOnly) Header() http.Header         { return s.header }
func (s *statusOnly) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusOnly) WriteHeader(status int)      { s.status = status }

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// apiFunc is a handler of an authenticated route. It returns an error instead
// of writing one, so every error goes through writeError.
type apiFunc func(w http.ResponseWriter, r *http.Request, p *ob.Principal) error

// api wraps an authenticated route: token, rate limit, the sandbox's fault
// rules (for /v1 routes), the strings of the URL (checkURLText), then the
// handler.
func (s *Server) api(fn apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.authenticate(w, r)
		if !ok {
			return
		}
		if strings.HasPrefix(r.URL.Path, "/v1/") && s.injectFault(w, r, p) {
			return
		}
		if err := checkURLText(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := fn(w, r, p); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// authenticate checks the token and the account's rate limit, answering the
// request itself when either fails.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*ob.Principal, bool) {
	// A client address that keeps failing is refused before its token is
	// even looked up, so that a flood of bad tokens costs the database
	// nothing and cannot slow down the accounts that authenticate.
	// A token known to be good passes whatever its neighbours do: from the
	// cache, or, once its cached answer expired, by a lookup again.
	addr := clientAddress(r)
	secret, ok := tokenFromHeader(r.Header.Get("Authorization"))
	p, known := s.auth.Known(secret)
	defer func() {
		if p != nil {
			noteAccount(r, p.AccountID)
		}
	}()
	if !known && s.cfg.AuthFailureLimit > 0 && s.failures.over(addr) && !s.auth.WasValid(secret) {
		v := s.failures.check(addr, false)
		w.Header().Set("Retry-After", strconv.Itoa(v.retryAfter))
		writeStatusError(w, http.StatusTooManyRequests)
		return nil, false
	}
	err := error(&ob.Error{Code: ob.EUNAUTHORIZED, Message: "not authorized"})
	if known {
		err = nil
	} else if ok {
		p, err = s.auth.Authenticate(r.Context(), secret)
	}
	if err != nil {
		if s.cfg.AuthFailureLimit > 0 && ob.ErrorCode(err) == ob.EUNAUTHORIZED {
			s.failures.take(addr)
		}
		s.writeError(w, r, err)
		return nil, false
	}
	if !s.limiter.allow(w.Header(), p.AccountID) {
		writeStatusError(w, http.StatusTooManyRequests) // the limiter set Retry-After
		return nil, false
	}
	return p, true
}

// tokenFromHeader accepts `Bearer <token>` and the Rails form
// `Token token=<token>` (quoted or not). Scheme and parameter names are
// case-insensitive, as HTTP says (RFC 9110, section 11.1): `bearer` and
// `BEARER` are Bearer. Anything else, including a doubled prefix such as
// `Bearer Bearer x`, is refused.
func tokenFromHeader(h string) (string, bool) {
	scheme, rest, ok := strings.Cut(h, " ")
	if !ok {
		return "", false
	}
	rest = strings.TrimSpace(rest)
	var tok string
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		tok = rest
	case strings.EqualFold(scheme, "Token"):
		name, value, ok := strings.Cut(rest, "=")
		if !ok || !strings.EqualFold(name, "token") {
			return "", false
		}
		tok = value
		if len(tok) >= 2 && tok[0] == '"' && tok[len(tok)-1] == '"' {
			tok = tok[1 : len(tok)-1]
		}
	default:
		return "", false
	}
	if tok == "" || strings.ContainsAny(tok, " \t\"") {
		return "", false
	}
	return tok, true
}
