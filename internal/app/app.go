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
	"runtime/debug"
	"strings"
	"sync"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/fixture"
	"github.com/openbell/openbell/internal/httpapi"
	"github.com/openbell/openbell/internal/inbox"
	"github.com/openbell/openbell/internal/sandbox"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/postgres"
	"github.com/openbell/openbell/internal/store/sqlite"
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

// Start opens the store, prepares the default account, loads the seed file
// and starts serving. It returns once the listener is open; Wait blocks until
// ctx ends and the server has shut down.
func Start(ctx context.Context, cfg Config, clock ob.Clock, stdout, stderr io.Writer) (*App, error) {
	log := newLogger(cfg.LogLevel, cfg.LogFormat, stderr)
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	m := newMetrics(st, clock)
	fail := func(err error) (*App, error) {
		st.Close()
		return nil, err
	}
	// Several processes may start at once on one new PostgreSQL database:
	// the one that loses the race to create the demo account finds it made
	// on its second try.
	err = bootstrap(ctx, st, cfg.APIKeys, clock, stdout)
	if err != nil {
		err = bootstrap(ctx, st, cfg.APIKeys, clock, stdout)
	}
	if err != nil {
		return fail(fmt.Errorf("prepare default account: %w", err))
	}
	var seed *seedFile
	if cfg.Seed != "" {
		var (
			file io.ReadSeeker
			done func()
		)
		seed, file, done, err = openSeed(cfg.Seed)
		if err != nil {
			return fail(fmt.Errorf("seed: %w", err))
		}
		// Load reads the contacts a chunk at a time, so that a large file
		// does not have to fit in memory.
		err = fixture.Load(ctx, st, file, clock.Now())
		done()
		if err != nil {
			return fail(fmt.Errorf("seed %s: %w", cfg.Seed, err))
		}
		// The load's garbage goes back to the system now instead of when
		// traffic makes the GC run.
		debug.FreeOSMemory()
	}
	keys, err := webhookKeyring(ctx, cfg, st, clock, log)
	if err != nil {
		return fail(fmt.Errorf("webhook secret key: %w", err))
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fail(err)
	}
	ln = limitPerAddress(ln, cfg.MaxConnsPerIP, log)
	base := "http://" + ln.Addr().String()
	publicURL := strings.TrimRight(cfg.PublicURL, "/")
	if publicURL == "" {
		publicURL = base
	}
	svc := inbox.New(st, clock, publicURL, inbox.Options{DeliveryInterval: cfg.DeliveryInterval, WindowRule: cfg.WindowRule, Secrets: keys,
		Origins: origins{seed: seed}})
	hcfg := httpapi.Config{RateLimit: cfg.RateLimit, AuthFailureLimit: cfg.AuthFailureLimit, Version: Version, Metrics: m}
	if cfg.MetricsAddr == "" {
		hcfg.MetricsHandler = m.Handler()
	} else if err := serveMetrics(ctx, cfg.MetricsAddr, m, log); err != nil {
		ln.Close()
		return fail(err)
	}
	warnSharedWithoutPublicURL(ctx, cfg, st, log)
	handler := httpapi.New(hcfg, svc, inbox.NewAuthenticator(st, clock, time.Second), sandbox.NewFaults(), log)
	a := &App{URL: base, Store: st, done: make(chan error, 1), srv: &http.Server{
		// Slow clients are cut off (deadlines.go).
		Handler:           withDeadlines(handler, cmp.Or(cfg.ReadTimeout, defaultReadTimeout), writeTimeout),
		ReadHeaderTimeout: cmp.Or(cfg.ReadHeaderTimeout, defaultReadHeaderTimeout),
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}}
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
	log.Info("openbell listening", slog.String("url", base), slog.String("engine", st.Engine()), slog.String("version", Version))
	go func() {
		errc := make(chan error, 1)
		go func() { errc <- a.srv.Serve(ln) }()
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
		log.Info("openbell stopped")
		a.done <- err
	}()
	return a, nil
}

// Wait blocks until the server has stopped and returns why.
func (a *App) Wait() error { return <-a.done }

func openStore(ctx context.Context, cfg Config) (store.Store, error) {
	if cfg.DatabaseURL != "" {
		db, err := postgres.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		return db, nil
	}
	db, err := sqlite.Open(ctx, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return db, nil
}
