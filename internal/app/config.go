// Package app wires openbell together: it reads the configuration, opens the
// store, prepares the default account, and runs the HTTP server until its
// context ends. cmd/openbell and the black-box tests both start the server
// through it.
package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/openbell/openbell/internal/webhook"
)

// Config is the server's configuration (API.md section 6). Every flag has an
// OPENBELL_* environment variable; a flag given on the command line wins.
type Config struct {
	Addr        string
	DataDir     string
	DatabaseURL string
	PublicURL   string
	APIKeys     []string
	Seed        string
	RateLimit   int
	// AuthFailureLimit is how many requests that fail authentication one
	// client address may make per second; 0 turns it off.
	AuthFailureLimit int
	LogLevel         string
	// LogFormat is text or json.
	LogFormat string
	// MetricsAddr, when set, serves GET /metrics there instead of on Addr.
	MetricsAddr string
	// DeliveryInterval is the sandbox step between delivery statuses; 0
	// turns automatic progression off.
	DeliveryInterval time.Duration
	// WindowRule enforces the 24-hour rule on WhatsApp channels.
	WindowRule bool
	// ShutdownTimeout bounds how long requests in flight may take to finish.
	ShutdownTimeout time.Duration
	// ReadTimeout is the time a client has to send a request's body (API.md
	// section 6; 0: 30 s). ReadHeaderTimeout is the time it has to send the
	// headers (0: 10 s; no flag, tests shorten it).
	ReadTimeout       time.Duration
	ReadHeaderTimeout time.Duration
	// MaxConnsPerIP bounds the connections one client address holds open
	// at once; 0 turns the limit off.
	MaxConnsPerIP int
	// Webhook delivery (API.md sections 4 and 6); zero values take the
	// defaults of the flags. WebhookRetrySchedule is the waits between
	// attempts (nil: the default schedule; empty: no retries).
	WebhookRetrySchedule []time.Duration
	WebhookTimeout       time.Duration
	WebhookDisableAfter  time.Duration
	WebhookDenyPrivate   bool
	WebhookConcurrency   int
	// WebhookAccountConcurrency caps one account's deliveries in flight.
	WebhookAccountConcurrency int
	// SecretKey encrypts webhook secrets at rest. Empty: a key file in the
	// data directory (SQLite) or a key kept in the database (PostgreSQL).
	SecretKey string
	// EventRetention is how long events and webhook attempts are kept
	// (API.md section 6; 0: DefaultEventRetention). PruneInterval is how
	// often older ones are deleted (0: a minute; no flag, tests shorten it).
	EventRetention time.Duration
	PruneInterval  time.Duration
}

// DefaultEventRetention is the default of --event-retention: 30 days.
const DefaultEventRetention = 720 * time.Hour

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// ParseServeConfig reads the flags of `openbell serve` from args, with
// defaults from the environment.
func ParseServeConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	env := func(name, def string) string {
		if v := getenv("OPENBELL_" + name); v != "" {
			return v
		}
		return def
	}
	var c Config
	fs := flag.NewFlagSet("openbell serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Addr, "addr", env("ADDR", "127.0.0.1:8080"), "listen address (OPENBELL_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", env("DATA_DIR", "./openbell-data"), "directory of the embedded SQLite database (OPENBELL_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL postgres://...; empty uses embedded SQLite (OPENBELL_DATABASE_URL)")
	fs.StringVar(&c.PublicURL, "public-url", env("PUBLIC_URL", ""), "base of href links; default http://<addr> (OPENBELL_PUBLIC_URL)")
	var keys stringList
	fs.Var(&keys, "api-key", "a token of the default account; repeatable (OPENBELL_API_KEY, comma-separated)")
	fs.StringVar(&c.Seed, "seed", env("SEED", ""), "workspace fixture file (YAML) to load at start (OPENBELL_SEED)")
	rate, err := strconv.Atoi(env("RATE_LIMIT", "300"))
	if err != nil {
		return c, fmt.Errorf("OPENBELL_RATE_LIMIT: %w", err)
	}
	fs.IntVar(&c.RateLimit, "rate-limit", rate, "requests per second per account; 0 turns limiting off (OPENBELL_RATE_LIMIT)")
	authFailures, err := strconv.Atoi(env("AUTH_FAILURE_LIMIT", "100"))
	if err != nil {
		return c, fmt.Errorf("OPENBELL_AUTH_FAILURE_LIMIT: %w", err)
	}
	fs.IntVar(&c.AuthFailureLimit, "auth-failure-limit", authFailures,
		"requests that fail authentication per second per client address; 0 turns limiting off (OPENBELL_AUTH_FAILURE_LIMIT)")
	fs.StringVar(&c.LogLevel, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (OPENBELL_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("LOG_FORMAT", "text"), "text or json (OPENBELL_LOG_FORMAT)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("METRICS_ADDR", ""), "serve GET /metrics on this address instead of --addr (OPENBELL_METRICS_ADDR)")
	interval, err := time.ParseDuration(env("DELIVERY_INTERVAL", "1s"))
	if err != nil {
		return c, fmt.Errorf("OPENBELL_DELIVERY_INTERVAL: %w", err)
	}
	fs.DurationVar(&c.DeliveryInterval, "delivery-interval", interval, "sandbox step between delivery statuses; 0 turns automatic progression off (OPENBELL_DELIVERY_INTERVAL)")
	window, err := strconv.ParseBool(env("WINDOW_RULE", "true"))
	if err != nil {
		return c, fmt.Errorf("OPENBELL_WINDOW_RULE: %w", err)
	}
	fs.BoolVar(&c.WindowRule, "window-rule", window, "enforce the 24-hour rule on WhatsApp channels (OPENBELL_WINDOW_RULE)")
	shutdown, err := time.ParseDuration(env("SHUTDOWN_TIMEOUT", "10s"))
	if err != nil {
		return c, fmt.Errorf("OPENBELL_SHUTDOWN_TIMEOUT: %w", err)
	}
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", shutdown, "time requests in flight get to finish at shutdown (OPENBELL_SHUTDOWN_TIMEOUT)")
	conns, err := strconv.Atoi(env("MAX_CONNS_PER_IP", "256"))
	if err != nil {
		return c, fmt.Errorf("OPENBELL_MAX_CONNS_PER_IP: %w", err)
	}
	fs.IntVar(&c.MaxConnsPerIP, "max-conns-per-ip", conns, "connections one client address may hold open at once; 0 turns the limit off (OPENBELL_MAX_CONNS_PER_IP)")
	schedule := fs.String("webhook-retry-schedule", env("WEBHOOK_RETRY_SCHEDULE", webhook.DefaultSchedule),
		"comma-separated waits between webhook attempts, `d*n` repeats d n times; its length is the number of retries (OPENBELL_WEBHOOK_RETRY_SCHEDULE)")
	for _, d := range []struct {
		v         *time.Duration
		name, def string
		usage     string
	}{
		{&c.ReadTimeout, "read-timeout", defaultReadTimeout.String(), "time a client has to send a request's body (OPENBELL_READ_TIMEOUT)"},
		{&c.WebhookTimeout, "webhook-timeout", "10s", "time a webhook receiver has to answer (OPENBELL_WEBHOOK_TIMEOUT)"},
		{&c.WebhookDisableAfter, "webhook-disable-after", "6h", "disable a webhook that has failed without success this long (OPENBELL_WEBHOOK_DISABLE_AFTER)"},
		{&c.EventRetention, "event-retention", DefaultEventRetention.String(), "how long events and webhook attempts are kept; older ones are deleted in the background (OPENBELL_EVENT_RETENTION)"},
	} {
		envName := strings.ToUpper(strings.ReplaceAll(d.name, "-", "_"))
		def, err := time.ParseDuration(env(envName, d.def))
		if err != nil {
			return c, fmt.Errorf("OPENBELL_%s: %w", envName, err)
		}
		fs.DurationVar(d.v, d.name, def, d.usage)
	}
	denyPrivate, err := strconv.ParseBool(env("WEBHOOK_DENY_PRIVATE", "false"))
	if err != nil {
		return c, fmt.Errorf("OPENBELL_WEBHOOK_DENY_PRIVATE: %w", err)
	}
	fs.BoolVar(&c.WebhookDenyPrivate, "webhook-deny-private", denyPrivate, "refuse webhook targets on addresses that are not globally reachable: loopback, private, link-local, reserved, ... (OPENBELL_WEBHOOK_DENY_PRIVATE)")
	concurrency, err := strconv.Atoi(env("WEBHOOK_CONCURRENCY", "200"))
	if err != nil {
		return c, fmt.Errorf("OPENBELL_WEBHOOK_CONCURRENCY: %w", err)
	}
	fs.IntVar(&c.WebhookConcurrency, "webhook-concurrency", concurrency, "webhook deliveries in flight at once (OPENBELL_WEBHOOK_CONCURRENCY)")
	perAccount, err := strconv.Atoi(env("WEBHOOK_ACCOUNT_CONCURRENCY", "50"))
	if err != nil {
		return c, fmt.Errorf("OPENBELL_WEBHOOK_ACCOUNT_CONCURRENCY: %w", err)
	}
	fs.IntVar(&c.WebhookAccountConcurrency, "webhook-account-concurrency", perAccount,
		"webhook deliveries of one account in flight at once, per process (OPENBELL_WEBHOOK_ACCOUNT_CONCURRENCY)")
	fs.StringVar(&c.SecretKey, "secret-key", env("SECRET_KEY", ""), "key that encrypts webhook secrets at rest; default: a key file in the data dir (SQLite) or a key kept in the database (PostgreSQL) (OPENBELL_SECRET_KEY)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.WebhookRetrySchedule, err = webhook.ParseSchedule(*schedule); err != nil {
		return c, fmt.Errorf("--webhook-retry-schedule: %w", err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.APIKeys = keys
	if len(c.APIKeys) == 0 {
		for _, k := range strings.Split(getenv("OPENBELL_API_KEY"), ",") {
			if k = strings.TrimSpace(k); k != "" {
				c.APIKeys = append(c.APIKeys, k)
			}
		}
	}
	return c, c.Validate()
}

// Validate checks the configuration as a whole.
func (c Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("--addr is empty"))
	}
	if c.DatabaseURL == "" && c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir is empty"))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("--database-url must start with postgres://"))
	}
	if c.DeliveryInterval < 0 {
		errs = append(errs, errors.New("--delivery-interval must not be negative"))
	}
	if c.WebhookTimeout < 0 || c.WebhookDisableAfter < 0 {
		errs = append(errs, errors.New("--webhook-timeout and --webhook-disable-after must not be negative"))
	}
	if c.WebhookAccountConcurrency < 0 {
		errs = append(errs, errors.New("--webhook-account-concurrency must be 0 or more"))
	}
	if c.ReadTimeout < 0 || c.ReadHeaderTimeout < 0 {
		errs = append(errs, errors.New("--read-timeout must not be negative"))
	}
	if c.MaxConnsPerIP < 0 {
		errs = append(errs, errors.New("--max-conns-per-ip must be 0 or more"))
	}
	if c.EventRetention < 0 {
		errs = append(errs, errors.New("--event-retention must not be negative"))
	}
	if c.WebhookConcurrency < 0 {
		errs = append(errs, errors.New("--webhook-concurrency must be 0 or more"))
	}
	if c.RateLimit < 0 {
		errs = append(errs, errors.New("--rate-limit must be 0 or more"))
	}
	if c.AuthFailureLimit < 0 {
		errs = append(errs, errors.New("--auth-failure-limit must be 0 or more"))
	}
	for _, k := range c.APIKeys {
		if strings.ContainsAny(k, " \t\"") {
			errs = append(errs, errors.New("--api-key must not contain spaces or quotes"))
		}
	}
	switch c.LogFormat {
	case "", "text", "json":
	default:
		errs = append(errs, fmt.Errorf("--log-format %q: want text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}
