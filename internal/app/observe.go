package app

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/metrics"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/postgres"
	"github.com/openbell/openbell/internal/store/sqlstore"
)

// newLogger returns the server's logger: text or JSON lines at level.
func newLogger(level, format string, w io.Writer) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// newMetrics returns the server's metrics, watching st: its write
// transactions, group commits, pools and webhook backlog.
func newMetrics(st store.Store, clock ob.Clock) *metrics.Metrics {
	m := metrics.New()
	if p, ok := st.(interface {
		Observe(store.Observer)
	}); ok {
		p.Observe(m)
	}
	if p, ok := st.(interface{ Pools() map[string]*sql.DB }); ok {
		for name, pool := range p.Pools() {
			m.WatchPool(name, pool)
		}
	}
	m.WatchBacklog(func(ctx context.Context) (n int, age time.Duration, err error) {
		var oldest time.Time
		err = st.Read(ctx, func(tx store.Tx) (err error) {
			n, oldest, err = tx.DeliveryBacklog()
			return err
		})
		if !oldest.IsZero() {
			age = clock.Now().Sub(oldest)
		}
		return n, age, err
	})
	return m
}

// serveMetrics serves m on its own listener (--metrics-addr) until ctx
// ends.
func serveMetrics(ctx context.Context, ln net.Listener, m *metrics.Metrics, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", slog.Any("err", err))
		}
	}()
	log.Info("metrics listening", slog.String("url", "http://"+ln.Addr().String()+"/metrics"))
}

// warnSharedWithoutPublicURL warns when other openbell processes use the
// same PostgreSQL database and no --public-url is set: each process would
// then build a contact's href from its own address.
func warnSharedWithoutPublicURL(ctx context.Context, cfg Config, st store.Store, log *slog.Logger) {
	if cfg.DatabaseURL == "" || cfg.PublicURL != "" {
		return
	}
	db, ok := st.(*sqlstore.DB)
	if !ok {
		return
	}
	n, err := postgres.OtherProcesses(ctx, db)
	if err != nil || n == 0 {
		return
	}
	log.Warn("other openbell processes share this PostgreSQL database and --public-url is not set: each process builds href links from its own address; set --public-url to the address clients use",
		slog.Int("other_processes", n))
}
