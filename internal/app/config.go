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
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/openbell/openbell/internal/cli"
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
	// SignInLimit is how many failed web inbox sign-ins one client address
	// may make per minute; 0 turns it off.
	SignInLimit int
	LogLevel    string
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

// ParseServeConfig reads the flags of `openbell serve` from args; a flag not
// given reads its OPENBELL_* variable (cli.EnvName). --help writes the flags
// to help and returns flag.ErrHelp; any other error is one line (a
// *cli.UsageError).
func ParseServeConfig(args []string, getenv func(string) string, help io.Writer) (Config, error) {
	var c Config
	var keys stringList
	var schedule string
	fs := serveFlags(&c, &keys, &schedule)
	rest, err := cli.Parse(fs, args, getenv, func(name string) string {
		if name == "api-key" {
			return "" // OPENBELL_API_KEY is a comma-separated list, below
		}
		return cli.EnvName(name)
	}, help)
	if err != nil {
		return c, err
	}
	if len(rest) > 0 {
		return c, cli.Usagef(fs, "unexpected argument %q: openbell serve takes only flags", rest[0])
	}
	if c.WebhookRetrySchedule, err = webhook.ParseSchedule(schedule); err != nil {
		return c, cli.Usagef(fs, "--webhook-retry-schedule: %v", err)
	}
	c.APIKeys = keys
	if len(c.APIKeys) == 0 {
		for _, k := range strings.Split(getenv("OPENBELL_API_KEY"), ",") {
			if k = strings.TrimSpace(k); k != "" {
				c.APIKeys = append(c.APIKeys, k)
			}
		}
	}
	if err := c.Validate(); err != nil {
		return c, &cli.UsageError{Command: fs.Name(), Problem: err.Error()}
	}
	return c, nil
}

// ServeFlags returns the flags of `openbell serve`, for shell completion.
func ServeFlags() *flag.FlagSet {
	var c Config
	var keys stringList
	var schedule string
	return serveFlags(&c, &keys, &schedule)
}

// serveFlags defines the flags of `openbell serve` on c, with their
// defaults; each also reads its OPENBELL_* variable (the usage names it).
func serveFlags(c *Config, keys *stringList, schedule *string) *flag.FlagSet {
	fs := flag.NewFlagSet("openbell serve", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: openbell serve [flags]\n\nRuns the server. Every flag also reads an OPENBELL_* variable (the flag wins).\n\nFlags:\n")
		cli.PrintFlags(fs.Output(), fs)
	}
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "listen address, host:port (OPENBELL_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", "./openbell-data", "directory of the embedded SQLite database (OPENBELL_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL URL postgres://...; empty uses embedded SQLite (OPENBELL_DATABASE_URL)")
	fs.StringVar(&c.PublicURL, "public-url", "", "base of href links; default http://<addr> (OPENBELL_PUBLIC_URL)")
	fs.Var(keys, "api-key", "a `token` of the default account; repeatable (OPENBELL_API_KEY, comma-separated)")
	fs.StringVar(&c.Seed, "seed", "", "workspace fixture `file` (YAML) to load at start (OPENBELL_SEED)")
	fs.IntVar(&c.RateLimit, "rate-limit", 300, "requests per second per account; 0 turns limiting off (OPENBELL_RATE_LIMIT)")
	fs.IntVar(&c.AuthFailureLimit, "auth-failure-limit", 100,
		"requests that fail authentication per second per client address; 0 turns limiting off (OPENBELL_AUTH_FAILURE_LIMIT)")
	fs.IntVar(&c.SignInLimit, "sign-in-limit", 10,
		"failed web inbox sign-ins per minute per client address; 0 turns limiting off (OPENBELL_SIGN_IN_LIMIT)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error (OPENBELL_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", "text", "text or json (OPENBELL_LOG_FORMAT)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "serve GET /metrics on this address instead of --addr (OPENBELL_METRICS_ADDR)")
	fs.DurationVar(&c.DeliveryInterval, "delivery-interval", time.Second, "sandbox step between delivery statuses; 0 turns automatic progression off (OPENBELL_DELIVERY_INTERVAL)")
	fs.BoolVar(&c.WindowRule, "window-rule", true, "enforce the 24-hour rule on WhatsApp channels (OPENBELL_WINDOW_RULE)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "time requests in flight get to finish at shutdown (OPENBELL_SHUTDOWN_TIMEOUT)")
	fs.IntVar(&c.MaxConnsPerIP, "max-conns-per-ip", 256, "connections one client address may hold open at once; 0 turns the limit off (OPENBELL_MAX_CONNS_PER_IP)")
	fs.StringVar(schedule, "webhook-retry-schedule", webhook.DefaultSchedule,
		"comma-separated `waits` between webhook attempts, d*n repeats d n times; its length is the number of retries (OPENBELL_WEBHOOK_RETRY_SCHEDULE)")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", defaultReadTimeout, "time a client has to send a request's body (OPENBELL_READ_TIMEOUT)")
	fs.DurationVar(&c.WebhookTimeout, "webhook-timeout", 10*time.Second, "time a webhook receiver has to answer (OPENBELL_WEBHOOK_TIMEOUT)")
	fs.DurationVar(&c.WebhookDisableAfter, "webhook-disable-after", 6*time.Hour, "disable a webhook that has failed without success this long (OPENBELL_WEBHOOK_DISABLE_AFTER)")
	fs.DurationVar(&c.EventRetention, "event-retention", DefaultEventRetention, "how long events and webhook attempts are kept; older ones are deleted in the background (OPENBELL_EVENT_RETENTION)")
	fs.BoolVar(&c.WebhookDenyPrivate, "webhook-deny-private", false, "refuse webhook targets on addresses that are not globally reachable: loopback, private, link-local, reserved, ... (OPENBELL_WEBHOOK_DENY_PRIVATE)")
	fs.IntVar(&c.WebhookConcurrency, "webhook-concurrency", 200, "webhook deliveries in flight at once (OPENBELL_WEBHOOK_CONCURRENCY)")
	fs.IntVar(&c.WebhookAccountConcurrency, "webhook-account-concurrency", 50,
		"webhook deliveries of one account in flight at once, per process (OPENBELL_WEBHOOK_ACCOUNT_CONCURRENCY)")
	fs.StringVar(&c.SecretKey, "secret-key", "", "key that encrypts webhook secrets at rest; default: a key file in the data dir (SQLite) or a key kept in the database (PostgreSQL) (OPENBELL_SECRET_KEY)")
	return fs
}

// Validate checks the configuration as a whole; each problem is one line
// naming the flag, its value and what it takes.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if err := checkAddr(c.Addr); err != nil {
		errs = append(errs, err)
	}
	if c.DatabaseURL == "" && c.DataDir == "" {
		bad("--data-dir is empty: name a directory, or give --database-url")
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		bad("--database-url: %q must start with postgres:// (or leave it empty for SQLite in --data-dir)", redactURL(c.DatabaseURL))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"delivery-interval", c.DeliveryInterval}, {"webhook-timeout", c.WebhookTimeout}, {"webhook-disable-after", c.WebhookDisableAfter},
		{"read-timeout", c.ReadTimeout}, {"event-retention", c.EventRetention},
	} {
		if d.v < 0 {
			bad("--%s: %s must not be negative", d.name, d.v)
		}
	}
	if c.ReadHeaderTimeout < 0 {
		bad("the read header timeout must not be negative")
	}
	for _, n := range []struct {
		name string
		v    int
	}{
		{"webhook-account-concurrency", c.WebhookAccountConcurrency}, {"max-conns-per-ip", c.MaxConnsPerIP},
		{"webhook-concurrency", c.WebhookConcurrency}, {"rate-limit", c.RateLimit}, {"auth-failure-limit", c.AuthFailureLimit},
		{"sign-in-limit", c.SignInLimit},
	} {
		if n.v < 0 {
			bad("--%s: %d must be 0 or more", n.name, n.v)
		}
	}
	for _, k := range c.APIKeys {
		if strings.ContainsAny(k, " \t\"") {
			bad("--api-key must not contain spaces or quotes")
		}
	}
	switch c.LogFormat {
	case "", "text", "json":
	default:
		bad("--log-format: %q is not text or json", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("--log-level: %q is not debug, info, warn or error", c.LogLevel)
	}
	return errors.Join(errs...)
}

// checkAddr checks that --addr is host:port, which net.Listen would refuse
// less clearly.
func checkAddr(addr string) error {
	if addr == "" {
		return errors.New("--addr is empty: give host:port, such as 127.0.0.1:8080")
	}
	if _, err := strconv.ParseUint(addr, 10, 16); err == nil {
		return fmt.Errorf("--addr: %q needs a host, such as 127.0.0.1:%s (or :%s for every address)", addr, addr, addr)
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr: %q is not host:port, such as 127.0.0.1:8080", addr)
	}
	if port != "" {
		if _, err := net.LookupPort("tcp", port); err != nil {
			return fmt.Errorf("--addr: %q has no valid port: give a number from 0 to 65535", addr)
		}
	}
	return nil
}
