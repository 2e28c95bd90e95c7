package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/httpapi"
	"github.com/openbell/openbell/internal/inbox"
	"github.com/openbell/openbell/internal/sandbox"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/postgres"
	"github.com/openbell/openbell/internal/store/sqlite"
	"github.com/openbell/openbell/internal/web"
)

// Version is the server version.
const Version = "0.1.0"

// postgresProgressionWorkers is how many delivery progression workers a
// process runs on PostgreSQL.
const postgresProgressionWorkers = 4

// App is a running server.
type App struct {
	// URL is the base URL it listens on (http://127.0.0.1:PORT).
	URL   string
	Store store.Store

	srv  *http.Server
	done chan error
}

// Start takes the port, opens the store, prepares the default account,
// loads the seed file and starts serving. While it prepares the database the
// port answers 503 (GET /healthz {"status":"starting"}). It returns once the
// server serves the API, after printing the banner (with the first start's
// token) to stdout; Wait blocks until ctx ends and the server has shut down.
func Start(ctx context.Context, cfg Config, clock ob.Clock, stdout, stderr io.Writer) (*App, error) {
	log := newLogger(cfg.LogLevel, cfg.LogFormat, stderr)
	release := func() {}
	if cfg.DatabaseURL == "" {
		var err error
		if release, err = claimDataDir(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	// The ports are taken before the database is touched, so that a start
	// that cannot listen changes nothing.
	ln, err := listen("--addr", cfg.Addr)
	if err != nil {
		release()
		return nil, err
	}
	var metricsLn net.Listener
	if cfg.MetricsAddr != "" {
		if metricsLn, err = listen("--metrics-addr", cfg.MetricsAddr); err != nil {
			ln.Close()
			release()
			return nil, err
		}
	}
	ln = limitPerAddress(ln, cfg.MaxConnsPerIP, log)
	base := "http://" + ln.Addr().String()
	// The server answers at once: 503 (httpapi.Starting) while the database
	// is prepared, which a large --seed makes take a while, then the API.
	handler := &switchHandler{}
	handler.set(httpapi.Starting())
	a := &App{URL: base, done: make(chan error, 1), srv: &http.Server{
		// Slow clients are cut off (deadlines.go).
		Handler:           withDeadlines(handler, cmp.Or(cfg.ReadTimeout, defaultReadTimeout), writeTimeout),
		ReadHeaderTimeout: cmp.Or(cfg.ReadHeaderTimeout, defaultReadHeaderTimeout),
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}}
	errc := make(chan error, 1)
	go func() { errc <- a.srv.Serve(ln) }()
	var (
		p          prepared
		prepareErr error
	)
	st, err := openStore(ctx, cfg, func(ctx context.Context, st store.Store) error {
		p, prepareErr = prepare(ctx, cfg, st, clock, log, stderr)
		return prepareErr
	})
	if err != nil {
		a.srv.Close()
		<-errc
		if metricsLn != nil {
			metricsLn.Close()
		}
		release()
		return nil, cmp.Or(prepareErr, err)
	}
	a.Store = st
	seed, keys := p.seed, p.keys
	m := newMetrics(st, clock)
	publicURL := strings.TrimRight(cfg.PublicURL, "/")
	if publicURL == "" {
		publicURL = base
	}
	svc := inbox.New(st, clock, publicURL, inbox.Options{DeliveryInterval: cfg.DeliveryInterval, WindowRule: cfg.WindowRule, Secrets: keys,
		Origins: origins{seed: seed}})
	hcfg := httpapi.Config{RateLimit: cfg.RateLimit, AuthFailureLimit: cfg.AuthFailureLimit, Version: Version, Metrics: m}
	if metricsLn == nil {
		hcfg.MetricsHandler = m.Handler()
	} else {
		serveMetrics(ctx, metricsLn, m, log)
	}
	warnSharedWithoutPublicURL(ctx, cfg, st, log)
	auth := inbox.NewAuthenticator(st, clock, time.Second)
	pages := web.New(web.Config{PublicURL: publicURL, SignInLimit: cfg.SignInLimit, Version: Version}, svc, auth, clock, log)
	hcfg.Pages = pages.Routes
	a.srv.RegisterOnShutdown(pages.Shutdown) // the web inbox's event streams
	// Background workers run until the HTTP server has stopped, and finish
	// before the store closes; their work is stored, so the next start
	// resumes it.
	wctx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	var workers sync.WaitGroup
	startWorker := func(run func(context.Context)) {
		workers.Add(1)
		go func() {
			defer workers.Done()
			run(wctx)
		}()
	}
	if cfg.DeliveryInterval > 0 {
		// On PostgreSQL each worker claims its steps with SKIP LOCKED, so
		// several take different messages at once; SQLite has one writer.
		p := sandbox.NewProgression(svc, log, cfg.DeliveryInterval, m.ProgressionLag)
		n := 1
		if st.Engine() == "postgres" {
			n = postgresProgressionWorkers
		}
		for range n {
			startWorker(p.Run)
		}
	}
	startWorker(newWebhookWorker(cfg, st, keys, clock, log, m).Run)
	startWorker(func(ctx context.Context) {
		pruneEvents(ctx, st, clock, cmp.Or(cfg.EventRetention, DefaultEventRetention), cmp.Or(cfg.PruneInterval, time.Minute), log)
	})
	handler.set(httpapi.New(hcfg, svc, auth, sandbox.NewFaults(), log))
	log.Info("openbell listening", slog.String("url", base), slog.String("engine", st.Engine()), slog.String("version", Version))
	printBanner(stdout, base, publicURL, p.token, cfg)
	go func() {
		var err error
		select {
		case err = <-errc:
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
			err = a.srv.Shutdown(sctx)
			cancel()
			if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
				err = serveErr
			}
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		stopWorkers()
		workers.Wait()
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		release()
		log.Info("openbell stopped")
		a.done <- err
	}()
	return a, nil
}

// switchHandler serves with the handler it was last set to.
type switchHandler struct{ h atomic.Pointer[http.Handler] }

func (s *switchHandler) set(h http.Handler) { s.h.Store(&h) }

func (s *switchHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

// Wait blocks until the server has stopped and returns why.
func (a *App) Wait() error { return <-a.done }

// listen opens the listener of the address of flag.
func listen(flag, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("%s %s is in use by another program; stop it or choose another port", flag, addr)
	case err != nil:
		var op *net.OpError
		if errors.As(err, &op) {
			err = op.Err
		}
		return nil, fmt.Errorf("%s %s: %w", flag, addr, err)
	}
	return ln, nil
}

// openStore opens the database of cfg and runs prepare on it (under the
// start-up lock on PostgreSQL); prepare may be nil.
func openStore(ctx context.Context, cfg Config, prepare func(context.Context, store.Store) error) (store.Store, error) {
	if cfg.DatabaseURL != "" {
		db, err := postgres.Open(ctx, cfg.DatabaseURL, prepare)
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		return db, nil
	}
	db, err := sqlite.Open(ctx, cfg.DataDir, prepare)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return db, nil
}
