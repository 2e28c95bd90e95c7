// Package metrics is what a running openbell tells an operator, in the
// Prometheus text format (GET /metrics): requests by route and status with
// their latency, webhook deliveries by outcome and the backlog, delivery
// progression lag, write transactions and group-commit sizes, the database
// pools, and the Go runtime and process. Labels carry routes, methods,
// statuses and outcomes only: never an account, a contact or a token.
//
// Every method is safe on a nil *Metrics, which records nothing, so that a
// component given no metrics works unchanged.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the server's collectors in a registry of its own.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	deliveries *prometheus.CounterVec
	lag        prometheus.Histogram
	writes     *prometheus.CounterVec
	groups     prometheus.Histogram
}

// New returns the server's metrics, with the Go runtime and process
// collectors registered.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "openbell_http_requests_total", Help: "HTTP requests answered, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "openbell_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 60},
		}, []string{"route", "method"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "openbell_webhook_deliveries_total", Help: "Webhook delivery attempts, by outcome (delivered, retry, failed, gone, cancelled).",
		}, []string{"outcome"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "openbell_delivery_progression_lag_seconds", Help: "How late the sandbox took a due delivery step.",
			Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		writes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "openbell_store_write_transactions_total", Help: "Write transactions, by result (committed or failed).",
		}, []string{"result"}),
		groups: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "openbell_store_group_commit_size", Help: "Write transactions sharing one commit (SQLite group commit).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128},
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.deliveries, m.lag, m.writes, m.groups,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Request records an answered request: route is its route pattern
// ("/v1/contacts/{uuid}"), "unmatched" for none.
func (m *Metrics) Request(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// Delivery records the outcome of a webhook delivery attempt.
func (m *Metrics) Delivery(outcome string) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(outcome).Inc()
}

// ProgressionLag records how late a delivery step was taken.
func (m *Metrics) ProgressionLag(d time.Duration) {
	if m == nil {
		return
	}
	m.lag.Observe(max(d, 0).Seconds())
}

// WriteDone records a write transaction's end.
func (m *Metrics) WriteDone(err error) {
	if m == nil {
		return
	}
	result := "committed"
	if err != nil {
		result = "failed"
	}
	m.writes.WithLabelValues(result).Inc()
}

// GroupCommitted records how many write transactions shared one commit.
func (m *Metrics) GroupCommitted(size int) {
	if m == nil {
		return
	}
	m.groups.Observe(float64(size))
}

// WatchPool exports the statistics of a database pool, named by its role
// ("writer", "reader").
func (m *Metrics) WatchPool(name string, db *sql.DB) {
	if m == nil {
		return
	}
	m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// Backlog tells the webhook backlog: the pending deliveries and the age of
// the oldest.
type Backlog func(ctx context.Context) (pending int, oldest time.Duration, err error)

// WatchBacklog exports the webhook backlog, read at each scrape.
func (m *Metrics) WatchBacklog(read Backlog) {
	if m == nil {
		return
	}
	m.reg.MustRegister(&backlogCollector{read: read,
		pending: prometheus.NewDesc("openbell_webhook_pending_deliveries", "Webhook deliveries waiting to be made.", nil, nil),
		oldest:  prometheus.NewDesc("openbell_webhook_oldest_pending_seconds", "Age of the oldest pending webhook delivery.", nil, nil),
	})
}

type backlogCollector struct {
	read            Backlog
	pending, oldest *prometheus.Desc
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.pending; ch <- c.oldest }

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, age, err := c.read(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.pending, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age.Seconds())
}
