// Command bench measures a real openbell server under load, from outside:
// it builds ./cmd/openbell, starts it as a child process on a loopback port
// with a fresh database (SQLite, and PostgreSQL when one is reachable), seeds
// it, drives it with N concurrent keep-alive HTTP clients, and samples the
// server's memory (VmRSS and VmHWM from /proc/<pid>/status every 100 ms).
//
// Scenarios:
//
//	close-open  POST /v1/contacts/{uuid}/conversation/close and /open,
//	            alternating per contact, round-robin over -contacts contacts
//	list-tag    GET /v1/contacts?tags=Interested (page 1), once per
//	            -list-sizes entry, a third of the contacts carrying the tag
//	send        POST /v1/messages/send, text messages round-robin over
//	            -send-contacts contacts whose 24-hour window is open, with
//	            the server's --delivery-interval at 1ms; no webhook: after
//	            the load the bench reads the server's event log (the events
//	            table) and follows every message to `read` (send.go,
//	            eventlog.go)
//	send-webhook
//	            the same sends with a webhook subscribed to
//	            message_status_updated: a receiver in the bench follows every
//	            message to `read` as the events arrive
//
// Not run by default, each answering one question of issue 10 (isolation.go,
// fairness.go, soak.go): slow-conns, flood-auth and flood-rate measure a
// normal client's p99 (account B) while slow connections are held open, while
// account A floods with bad tokens, and while A floods over its rate limit;
// webhook-fairness B's webhook delivery lag while A has a backlog for a slow
// receiver; soak the server's RSS and database size over a long mixed load
// with a short --event-retention.
//
// Usage (from the repository root):
//
//	go run ./bench                                 # SQLite, every scenario
//	go run ./bench -engines all                    # SQLite and, if reachable, PostgreSQL
//	go run ./bench -engines postgres -database-url postgres://user@host:5432/db
//	go run ./bench -scenarios close-open -duration 30s -concurrency 64
//	go run ./bench -scenarios send,send-webhook -send-contacts 1000
//	go run ./bench -scenarios flood-rate -engines sqlite,postgres
//	go run ./bench -scenarios soak -soak-duration 10m
//	bench/run.sh                                   # the full matrix, both engines
//
// It prints one row per scenario and the targets with PASS or FAIL, and
// exits 1 when more than -max-error-rate of the requests of any scenario
// were not answered 2xx (or, with -strict, when a target fails too).
// docs/PERFORMANCE.md describes the scenarios and the measured figures.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"
)

type options struct {
	engines      []string
	allEngines   bool // "all": PostgreSQL only when reachable
	scenarios    map[string]bool
	duration     time.Duration
	warmup       time.Duration
	concurrency  int
	contacts     int
	listSizes    []int
	seedMode     string
	pgSeedMode   string
	databaseURL  string
	serverBin    string
	keep         bool
	jsonOut      string
	startTimeout time.Duration
	logLevel     string
	strict       bool
	maxErrorRate float64
	targetRPS    float64
	targetRSSMB  float64
	targetRatio  float64
	pgAnalyze    bool

	sendContacts     int
	sendPollSample   int
	sendPollInterval time.Duration
	sendDrainTimeout time.Duration
	targetSendRPS    float64

	// The isolation scenarios (isolation.go).
	isolationContacts int
	isolationRounds   int
	victimRate        float64
	victimWorkers     int
	attackerAddr      string
	slowConns         int
	floodRate         float64
	floodWorkers      int
	floodProcs        int
	floodRateLimit    int
	targetIsolation   float64
	quietCores        float64
	quietWait         time.Duration

	// webhook-fairness (fairness.go).
	fairStreams      int
	fairBacklog      int
	fairSlow         time.Duration
	fairRate         float64
	fairQueueTimeout time.Duration
	targetFairLag    time.Duration

	// soak (soak.go).
	soakDuration  time.Duration
	soakWarmup    time.Duration
	soakSample    time.Duration
	soakRate      float64
	soakWorkers   int
	soakLive      int
	soakRetention time.Duration
	pgVacuumEvery time.Duration
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	engines := fs.String("engines", "sqlite", "comma-separated engines: sqlite, postgres; \"all\" runs SQLite and PostgreSQL when a server is reachable")
	scenarios := fs.String("scenarios", defaultScenarios, "comma-separated scenarios: close-open, list-tag, send (statuses from the event log), send-webhook (statuses from a webhook); "+
		"not by default: slow-conns, flood-auth, flood-rate (B's p99 while A misbehaves), webhook-fairness (B's webhook lag while A has a backlog), soak (RSS and database size over -soak-duration)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured load per scenario")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load before each measurement")
	fs.IntVar(&o.concurrency, "concurrency", 32, "concurrent HTTP clients")
	fs.IntVar(&o.contacts, "contacts", 10_000, "contacts of the close-open scenario")
	fs.IntVar(&o.sendContacts, "send-contacts", 1000, "contacts of the send scenarios (those with a sandbox magic number, ending in 0001-0004, get no messages)")
	fs.IntVar(&o.sendPollSample, "send-poll-sample", 200, "send, send-webhook: messages polled with GET /v1/messages/status during the measured run for the stored send->read lag (0: none)")
	fs.DurationVar(&o.sendPollInterval, "send-poll-interval", 5*time.Millisecond, "send, send-webhook: first interval between the polls of a sampled message (later a tenth of the time waited)")
	fs.DurationVar(&o.sendDrainTimeout, "send-drain-timeout", 2*time.Minute, "send, send-webhook: how long after the load every message gets to show its read event")
	sizes := fs.String("list-sizes", "1000,100000", "comma-separated contact counts of the list-tag scenario")
	fs.StringVar(&o.seedMode, "seed", "fixture", "how contacts are seeded on SQLite: fixture (a generated --seed YAML file) or api (concurrent POST /v1/contacts)")
	fs.StringVar(&o.pgSeedMode, "pg-seed", "fixture", "how contacts are seeded on PostgreSQL: fixture or api (concurrent POST /v1/contacts; 100,000 take 3-6 min)")
	fs.StringVar(&o.databaseURL, "database-url", os.Getenv("OPENBELL_BENCH_DATABASE_URL"),
		"PostgreSQL server for the postgres engine: each scenario gets a fresh database on it (or a fresh schema when CREATE DATABASE is refused), dropped afterwards (OPENBELL_BENCH_DATABASE_URL; default "+defaultPostgresURL+")")
	fs.StringVar(&o.serverBin, "server-bin", "", "openbell binary to run (default: go build ./cmd/openbell into a temporary directory)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directories (data, server logs, fixtures)")
	fs.StringVar(&o.jsonOut, "json", "", "also write the results as JSON to this file")
	fs.DurationVar(&o.startTimeout, "start-timeout", 5*time.Minute, "time a server gets to become healthy (including loading its seed file)")
	fs.StringVar(&o.logLevel, "log-level", "warn", "server --log-level")
	fs.BoolVar(&o.pgAnalyze, "pg-analyze", true, "PostgreSQL: run ANALYZE after seeding, before the load, as autovacuum would within about a minute; -pg-analyze=false measures the list before the planner has statistics")
	fs.BoolVar(&o.strict, "strict", false, "exit 1 when a target fails, not only on errors")
	fs.Float64Var(&o.maxErrorRate, "max-error-rate", 0.001, "largest tolerated fraction of non-2xx answers per scenario")
	fs.Float64Var(&o.targetRPS, "target-close-rps", 3000, "target: SQLite close-open requests/s at least this")
	fs.Float64Var(&o.targetRSSMB, "target-rss-mb", 150, "target: SQLite server peak RSS below this (MB) in every scenario")
	fs.Float64Var(&o.targetSendRPS, "target-send-rps", 2000, "target: SQLite sends/s of the send scenario at least this")
	fs.Float64Var(&o.targetRatio, "target-list-ratio", 2, "target: SQLite list p50 at the largest size within this factor of the p50 at the smallest")

	fs.IntVar(&o.isolationContacts, "isolation-contacts", 1000, "slow-conns, flood-*: contacts of account B (the demo account) and of account A")
	fs.IntVar(&o.isolationRounds, "isolation-rounds", 3, "slow-conns, flood-*: rounds of B alone then B attacked, -duration each")
	fs.Float64Var(&o.victimRate, "victim-rate", 200, "slow-conns, flood-*: B's GET /v1/contacts per second (open loop)")
	fs.IntVar(&o.victimWorkers, "victim-workers", 32, "slow-conns, flood-*: most of B's requests in flight at once")
	fs.StringVar(&o.attackerAddr, "attacker-addr", "127.0.0.2", "slow-conns, flood-*: loopback address the attacker connects from (B uses 127.0.0.1)")
	fs.IntVar(&o.slowConns, "slow-conns", 2000, "slow-conns: slow connections held open, half idle after the headers, half trickling the body")
	fs.Float64Var(&o.floodRate, "flood-rate", 15000, "flood-*: requests per second the flood asks for")
	fs.IntVar(&o.floodWorkers, "flood-workers", 128, "flood-*: most of the flood's requests in flight at once")
	fs.IntVar(&o.floodProcs, "flood-procs", 1, "flood-*: GOMAXPROCS of the flood process (0: all CPUs)")
	fs.IntVar(&o.floodRateLimit, "flood-rate-limit", 300, "flood-rate: the server's --rate-limit")
	fs.Float64Var(&o.targetIsolation, "target-isolation-ratio", 2, "target: B's p99 under attack within this factor of B's p99 alone")
	fs.Float64Var(&o.quietCores, "quiet-cores", 0.3, "slow-conns, flood-*: before each round, wait until the machine uses less than this many cores over a second")
	fs.DurationVar(&o.quietWait, "quiet-wait", 2*time.Minute, "slow-conns, flood-*: wait at most this long for a quiet machine (0: do not wait)")

	fs.IntVar(&o.fairStreams, "fair-streams", 5000, "webhook-fairness: contacts of account A, whose events form that many streams")
	fs.IntVar(&o.fairBacklog, "fair-backlog", 50000, "webhook-fairness: events account A queues for its slow receiver")
	fs.DurationVar(&o.fairSlow, "fair-slow", 5*time.Second, "webhook-fairness: how long A's receiver takes to answer")
	fs.Float64Var(&o.fairRate, "fair-rate", 50, "webhook-fairness: B's sends per second (3 status events each)")
	fs.DurationVar(&o.fairQueueTimeout, "fair-queue-timeout", 5*time.Minute, "webhook-fairness: time A gets to queue its events")
	fs.DurationVar(&o.targetFairLag, "target-fair-lag", time.Second, "target: p99 of B's event->receiver lag with A's backlog below this")

	fs.DurationVar(&o.soakDuration, "soak-duration", 10*time.Minute, "soak: length of the load")
	fs.DurationVar(&o.soakWarmup, "soak-warmup", 3*time.Minute, "soak: samples before this are not judged")
	fs.DurationVar(&o.soakSample, "soak-sample", 10*time.Second, "soak: time between two samples")
	fs.Float64Var(&o.soakRate, "soak-rate", 300, "soak: requests per second (open loop)")
	fs.IntVar(&o.soakWorkers, "soak-workers", 16, "soak: sessions at once")
	fs.IntVar(&o.soakLive, "soak-live", 1000, "soak: contacts alive at once (session k deletes the contact of session k-soak-live)")
	fs.DurationVar(&o.soakRetention, "soak-retention", time.Minute, "soak: the server's --event-retention")
	fs.DurationVar(&o.pgVacuumEvery, "pg-vacuum-every", time.Minute, "soak on PostgreSQL: run VACUUM this often, standing in for autovacuum (0: never)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, e := range splitList(*engines) {
		switch e {
		case "all":
			o.allEngines = true
			o.engines = append(o.engines, "sqlite", "postgres")
		case "sqlite", "postgres":
			o.engines = append(o.engines, e)
		default:
			return nil, fmt.Errorf("-engines: unknown engine %q", e)
		}
	}
	o.scenarios = map[string]bool{}
	for _, s := range splitList(*scenarios) {
		if !knownScenario(s) {
			return nil, fmt.Errorf("-scenarios: unknown scenario %q (want %s)", s, strings.Join(scenarioNames, ", "))
		}
		o.scenarios[s] = true
	}
	for _, s := range splitList(*sizes) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-list-sizes: bad size %q", s)
		}
		o.listSizes = append(o.listSizes, n)
	}
	switch {
	case len(o.engines) == 0 || len(o.scenarios) == 0:
		return nil, errors.New("nothing to run")
	case o.concurrency < 1 || o.contacts < 1 || o.duration <= 0 || o.warmup < 0:
		return nil, errors.New("-concurrency, -contacts and -duration must be positive")
	case (o.scenarios["send"] || o.scenarios["send-webhook"]) && len(sendRecipients(o.sendContacts)) == 0:
		return nil, errors.New("-send-contacts: no contact without a magic number")
	case o.sendPollSample < 0 || o.sendPollInterval <= 0 || o.sendDrainTimeout <= 0:
		return nil, errors.New("-send-poll-sample must not be negative, -send-poll-interval and -send-drain-timeout must be positive")
	case o.seedMode != "fixture" && o.seedMode != "api":
		return nil, fmt.Errorf("-seed %q: want fixture or api", o.seedMode)
	case o.pgSeedMode != "fixture" && o.pgSeedMode != "api":
		return nil, fmt.Errorf("-pg-seed %q: want fixture or api", o.pgSeedMode)
	case o.scenarios["list-tag"] && len(o.listSizes) == 0:
		return nil, errors.New("-list-sizes is empty")
	case o.isolationRounds < 1 || o.victimRate <= 0 || o.victimWorkers < 1 || o.isolationContacts < 1:
		return nil, errors.New("-isolation-rounds, -victim-rate, -victim-workers and -isolation-contacts must be positive")
	case o.slowConns < 0 || o.floodRate <= 0 || o.floodWorkers < 1 || o.floodProcs < 0 || o.floodRateLimit < 1:
		return nil, errors.New("-slow-conns, -flood-procs must not be negative; -flood-rate, -flood-workers, -flood-rate-limit must be positive")
	case o.attackerAddr != "" && !isLoopback(o.attackerAddr):
		return nil, fmt.Errorf("-attacker-addr %q: want a loopback address (127.0.0.0/8)", o.attackerAddr)
	case o.fairStreams < 1 || o.fairBacklog < 1 || o.fairSlow < 0 || o.fairRate <= 0:
		return nil, errors.New("-fair-streams, -fair-backlog and -fair-rate must be positive")
	case o.soakDuration <= 0 || o.soakSample <= 0 || o.soakRate <= 0 || o.soakWorkers < 1 || o.soakLive < 1 || o.soakRetention <= 0:
		return nil, errors.New("the -soak-* durations, rate, workers and contacts must be positive")
	}
	return o, nil
}

// scenarioNames lists the scenarios in the order they run. The first four
// run by default; the others (isolation, fairness and soak) each answer one
// question of their own and run when -scenarios names them.
var scenarioNames = []string{"close-open", "list-tag", "send", "send-webhook", "slow-conns", "flood-auth", "flood-rate", "webhook-fairness", "soak"}

// defaultScenarios run when -scenarios is not given.
const defaultScenarios = "close-open,list-tag,send,send-webhook"

// isLoopback reports whether s is an IP address in 127.0.0.0/8 (or ::1).
func isLoopback(s string) bool {
	ip := net.ParseIP(s)
	return ip != nil && ip.IsLoopback()
}

func knownScenario(s string) bool {
	for _, n := range scenarioNames {
		if s == n {
			return true
		}
	}
	return false
}

// isSend reports whether the scenario is one of the send scenarios.
func isSend(scenario string) bool { return scenario == "send" || scenario == "send-webhook" }

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// scenarioResult is one row of the report.
type scenarioResult struct {
	Engine      string          `json:"engine"`
	Scenario    string          `json:"scenario"`
	Contacts    int             `json:"contacts"`
	Concurrency int             `json:"concurrency"`
	Requests    int64           `json:"requests"`
	Errors      int64           `json:"errors"`
	Unchanged   int64           `json:"unchanged"`
	RPS         float64         `json:"req_per_s"`
	P50         time.Duration   `json:"p50_ns"`
	P99         time.Duration   `json:"p99_ns"`
	Elapsed     time.Duration   `json:"elapsed_ns"`
	PeakRSSMB   float64         `json:"peak_rss_mb"`
	LoadRSSMB   float64         `json:"load_rss_mb"`
	SeedRSSMB   float64         `json:"seed_rss_mb"`
	SeedMode    string          `json:"seed_mode"`
	Seed        time.Duration   `json:"seed_ns"`
	Ready       time.Duration   `json:"ready_ns"`
	ServerCPU   float64         `json:"server_cpu_cores"` // CPU time over wall time during the measured load
	ClientCPU   float64         `json:"client_cpu_cores"`
	OtherCPU    float64         `json:"other_cpu_cores"` // the rest of the machine: other processes competing for the CPUs
	Analyzed    bool            `json:"analyzed,omitempty"`
	Statuses    string          `json:"statuses"`
	FirstErr    string          `json:"first_error,omitempty"`
	Send        *sendStats      `json:"send,omitempty"`
	Isolation   *isolationStats `json:"isolation,omitempty"`
	Fairness    *fairnessStats  `json:"fairness,omitempty"`
	Soak        *soakStats      `json:"soak,omitempty"`
	Targets     []verdict       `json:"targets,omitempty"`
}

type verdict struct {
	Name string `json:"name"`
	Pass bool   `json:"pass"`
	Note string `json:"note"`
}

func (v verdict) String() string {
	s := "FAIL"
	if v.Pass {
		s = "PASS"
	}
	return fmt.Sprintf("%s %s (%s)", s, v.Name, v.Note)
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == floodCommand {
		if err := floodMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench flood:", err)
			os.Exit(1)
		}
		return
	}
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	// On Ctrl-C or SIGTERM the run stops, and the servers, databases and
	// temporary files are still cleaned up.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code, err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(ctx context.Context, o *options) (int, error) {
	tmp, err := os.MkdirTemp("", "openbell-bench-")
	if err != nil {
		return 1, err
	}
	if o.keep {
		logf("keeping %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	bin := o.serverBin
	if bin == "" {
		logf("building ./cmd/openbell")
		if bin, err = buildServer(tmp); err != nil {
			return 1, err
		}
	}

	var results []*scenarioResult
	var skipped []string
	for _, engine := range o.engines {
		var pg *pgServer
		if engine == "postgres" {
			u := o.databaseURL
			if u == "" {
				u = defaultPostgresURL
			}
			pg, err = openPG(u)
			if err != nil {
				if o.allEngines {
					msg := fmt.Sprintf("postgres skipped: no server at %s (%v); set -database-url", redact(u), err)
					logf("%s", msg)
					skipped = append(skipped, msg)
					continue
				}
				return 1, fmt.Errorf("postgres at %s: %w", redact(u), err)
			}
		}
		var sizes []int
		var names []string
		if o.scenarios["close-open"] {
			sizes, names = append(sizes, o.contacts), append(names, "close-open")
		}
		if o.scenarios["list-tag"] {
			for _, n := range o.listSizes {
				sizes, names = append(sizes, n), append(names, "list-tag")
			}
		}
		for _, s := range []string{"send", "send-webhook"} {
			if o.scenarios[s] {
				sizes, names = append(sizes, o.sendContacts), append(names, s)
			}
		}
		for _, s := range scenarioNames[4:] {
			if o.scenarios[s] {
				sizes, names = append(sizes, 0), append(names, s)
			}
		}
		for i, scenario := range names {
			var r *scenarioResult
			var err error
			switch {
			case isIsolation(scenario):
				r, err = runIsolation(ctx, o, bin, tmp, engine, pg, scenario)
			case scenario == "webhook-fairness":
				r, err = runFairness(ctx, o, bin, tmp, engine, pg)
			case scenario == "soak":
				r, err = runSoak(ctx, o, bin, tmp, engine, pg)
			default:
				r, err = runScenario(ctx, o, bin, tmp, engine, pg, scenario, sizes[i])
			}
			if err == nil && ctx.Err() != nil {
				err = errors.New("interrupted")
			}
			if err != nil {
				if pg != nil {
					pg.Close()
				}
				if len(results) > 0 {
					printReport(os.Stdout, o, results, skipped)
				}
				return 1, fmt.Errorf("%s %s (%d contacts): %w", engine, scenario, sizes[i], err)
			}
			results = append(results, r)
		}
		if pg != nil {
			pg.Close()
		}
	}

	judge(o, results)
	printReport(os.Stdout, o, results, skipped)
	if o.jsonOut != "" {
		data, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(o.jsonOut, append(data, '\n'), 0o644); err != nil {
			return 1, err
		}
	}
	code := 0
	for _, r := range results {
		if r.Requests == 0 || float64(r.Errors)/float64(r.Requests) > o.maxErrorRate {
			fmt.Printf("FAIL: %s %s (%d contacts): %d of %d requests failed (more than %.2g%%)\n",
				r.Engine, r.Scenario, r.Contacts, r.Errors, r.Requests, 100*o.maxErrorRate)
			code = 1
		}
		if o.strict {
			for _, v := range r.Targets {
				if !v.Pass {
					code = 1
				}
			}
		}
	}
	return code, nil
}

// runScenario runs one scenario on a fresh server and database.
func runScenario(ctx context.Context, o *options, bin, tmp, engine string, pg *pgServer, scenario string, n int) (*scenarioResult, error) {
	name := fmt.Sprintf("%s-%s-%d", engine, scenario, n)
	dir := filepath.Join(tmp, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	cfg := serverConfig{Bin: bin, DataDir: filepath.Join(dir, "data"), LogLevel: o.logLevel, Timeout: o.startTimeout}
	if isSend(scenario) {
		cfg.ExtraArgs = []string{"--delivery-interval", sendDeliveryInterval}
	}
	if pg != nil {
		u, drop, err := pg.Fresh()
		if err != nil {
			return nil, err
		}
		defer drop()
		cfg.DatabaseURL = u
	}
	seedMode := o.seedMode
	if pg != nil {
		seedMode = o.pgSeedMode
	}
	r := &scenarioResult{Engine: engine, Scenario: scenario, Contacts: n, Concurrency: o.concurrency, SeedMode: seedMode}
	var ids []string
	if seedMode == "fixture" {
		cfg.Seed = filepath.Join(dir, "seed.yaml")
		t0 := time.Now()
		var err error
		if ids, err = writeFixture(cfg.Seed, n); err != nil {
			return nil, err
		}
		logf("%s: wrote a fixture of %d contacts in %v; starting the server", name, n, round(time.Since(t0)))
	} else {
		logf("%s: starting the server", name)
	}
	srv, err := startServer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			logf("%s: server stop: %v", name, err)
		}
	}()
	r.Ready = srv.Ready
	client := newClient(o.concurrency)
	defer client.CloseIdleConnections()
	if seedMode == "api" {
		srv.mem.SetPhase("seed")
		t0 := time.Now()
		if ids, err = seedViaAPI(ctx, client, srv.URL, n, o.concurrency); err != nil {
			return nil, err
		}
		r.Seed = time.Since(t0)
		logf("%s: seeded %d contacts through POST /v1/contacts in %v", name, n, round(r.Seed))
	} else {
		r.Seed = srv.Ready
		logf("%s: server ready with %d seeded contacts after %v", name, n, round(srv.Ready))
	}

	if pg != nil && o.pgAnalyze {
		t0 := time.Now()
		if err := analyze(cfg.DatabaseURL); err != nil {
			return nil, err
		}
		logf("%s: ANALYZE took %v", name, round(time.Since(t0)))
		r.Analyzed = true
	}
	var wl workload
	switch scenario {
	case "close-open":
		if err := checkContacts(client, srv.URL, ids); err != nil {
			return nil, err
		}
		wl = &closeOpenLoad{base: srv.URL, token: benchToken, ids: ids}
	case "list-tag":
		u := srv.URL + "/v1/contacts?tags=" + benchTag
		if err := checkList(client, u, taggedCount(n)); err != nil {
			return nil, err
		}
		wl = &listLoad{url: u, token: benchToken}
	case "send", "send-webhook":
		sl, stop, err := setupSend(ctx, o, client, cfg, srv.URL, scenario, name, n)
		if err != nil {
			return nil, err
		}
		defer stop()
		wl = sl
	}
	var seq atomic.Uint64
	if o.warmup > 0 {
		srv.mem.SetPhase("warmup")
		runLoad(ctx, client, wl, o.concurrency, o.warmup, &seq)
	}
	sl, _ := wl.(*sendLoad)
	if sl != nil {
		sl.measured.Store(true)
		if o.sendPollSample > 0 {
			sl.sampler = newPollSampler(ctx, srv.URL, benchToken, o.sendPollSample, o.duration, o.sendPollInterval, o.sendDrainTimeout)
			sl.sampler.Start(time.Now())
		}
	}
	srv.mem.SetPhase("load")
	srvCPU0, _ := processCPU(srv.cmd.Process.Pid)
	cliCPU0 := selfCPU()
	busy0 := machineBusy()
	res := runLoad(ctx, client, wl, o.concurrency, o.duration, &seq)
	srvCPU1, _ := processCPU(srv.cmd.Process.Pid)
	cliCPU1 := selfCPU()
	busy1 := machineBusy()
	srv.mem.SetPhase("after")
	if sl != nil {
		if r.Send, err = finishSend(ctx, o, client, srv.URL, name, sl, time.Now()); err != nil {
			return nil, err
		}
	}
	r.ServerCPU = (srvCPU1 - srvCPU0).Seconds() / res.Elapsed.Seconds()
	r.ClientCPU = (cliCPU1 - cliCPU0).Seconds() / res.Elapsed.Seconds()
	r.OtherCPU = max(0, (busy1-busy0).Seconds()/res.Elapsed.Seconds()-r.ServerCPU-r.ClientCPU)
	if r.OtherCPU > 0.2 && pg == nil {
		logf("%s: warning: other processes used %.2f CPU cores during the measurement; the figures are disturbed", name, r.OtherCPU)
	}
	if !srv.Alive() {
		return nil, fmt.Errorf("the server died during the run\n%s", srv.LogTail(20))
	}
	mem := srv.mem.Stats()

	r.Requests, r.Errors, r.Unchanged = res.Requests, res.Errors, res.Unchanged
	r.RPS, r.P50, r.P99, r.Elapsed = res.RPS(), res.Percentile(50), res.Percentile(99), res.Elapsed
	r.Statuses, r.FirstErr = res.StatusSummary(), res.FirstErr
	r.PeakRSSMB = mb(mem.PeakRSS)
	r.LoadRSSMB = mb(max(mem.Phase["warmup"], mem.Phase["load"]))
	// The phases start and seed come first, so VmHWM when they ended is
	// their exact peak; later phases only have the sampled VmRSS.
	r.SeedRSSMB = mb(max(mem.Phase["start"], mem.Phase["seed"], mem.HWMAtEnd["start"], mem.HWMAtEnd["seed"]))
	logf("%s: %d requests, %d errors, %.0f req/s, p50 %v, p99 %v, peak RSS %.1f MB (%d samples)",
		name, r.Requests, r.Errors, r.RPS, fmtDur(r.P50), fmtDur(r.P99), r.PeakRSSMB, mem.Samples)
	if r.Errors > 0 {
		logf("%s: statuses: %s; first error: %s", name, r.Statuses, r.FirstErr)
	}
	return r, nil
}

// seedViaAPI creates n contacts with concurrent POST /v1/contacts and
// returns their ids in seed order.
func seedViaAPI(ctx context.Context, client *http.Client, base string, n, concurrency int) ([]string, error) {
	ids := make([]string, n)
	var next atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				mu.Lock()
				failed := firstErr != nil
				mu.Unlock()
				if failed {
					return
				}
				body, _ := json.Marshal(map[string]any{
					"name": fmt.Sprintf("Bench Contact %d", i), "identifier": contactPhone(i),
					"source": "whatsapp", "tags": nonNil(contactTags(i)),
				})
				var out struct {
					Contact struct {
						UUID string `json:"uuid"`
					} `json:"contact"`
				}
				err := doJSON(client, http.MethodPost, base+"/v1/contacts", body, &out)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("seed contact %d: %w", i, err)
				}
				mu.Unlock()
				ids[i] = out.Contact.UUID
			}
		}()
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = errors.New("interrupted")
	}
	return ids, firstErr
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// doJSON sends a request with the bench token and decodes a 2xx answer.
func doJSON(client *http.Client, method, url string, body []byte, out any) error {
	return doJSONAs(client, benchToken, method, url, body, out)
}

// doJSONAs sends a request with token and decodes a 2xx answer.
func doJSONAs(client *http.Client, token, method, url string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, req.URL.RequestURI(), resp.StatusCode, truncate(string(data), 300))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// checkContacts confirms that the first and last seeded contacts exist and
// are open, so that the first pass of close-open closes each one.
func checkContacts(client *http.Client, base string, ids []string) error {
	for _, id := range []string{ids[0], ids[len(ids)-1]} {
		var out struct {
			Contact struct {
				ClosedAt *string `json:"closedAt"`
			} `json:"contact"`
		}
		if err := doJSON(client, http.MethodGet, base+"/v1/contacts/"+id, nil, &out); err != nil {
			return fmt.Errorf("seeded contact missing: %w", err)
		}
		if out.Contact.ClosedAt != nil {
			return fmt.Errorf("seeded contact %s is closed", id)
		}
	}
	return nil
}

// checkList confirms the filtered list holds what was seeded: a full first
// page and as many pages as tagged contacts.
func checkList(client *http.Client, url string, tagged int) error {
	var out struct {
		Contacts []json.RawMessage `json:"contacts"`
		Meta     struct {
			Page, Pages int
		} `json:"meta"`
	}
	if err := doJSON(client, http.MethodGet, url, nil, &out); err != nil {
		return err
	}
	wantPages := max(1, (tagged+19)/20)
	if len(out.Contacts) != min(20, tagged) || out.Meta.Pages != wantPages {
		return fmt.Errorf("GET %s: %d contacts and %d pages, want %d and %d: the seed did not load as expected",
			url, len(out.Contacts), out.Meta.Pages, min(20, tagged), wantPages)
	}
	return nil
}

// judge attaches the targets to the SQLite rows, and the delivery checks of
// the send scenarios (every message read, none twice) to their rows on every
// engine. The throughput target of sends is judged on send only:
// send-webhook shows what the webhook adds.
func judge(o *options, results []*scenarioResult) {
	var small, large *scenarioResult
	for _, r := range results {
		if r.Send != nil {
			s := r.Send
			note := fmt.Sprintf("%d of %d", s.Read, s.Messages)
			if s.DrainTimedOut {
				note += fmt.Sprintf(", gave up %v after the load", o.sendDrainTimeout)
			}
			r.Targets = append(r.Targets, verdict{Name: "every message read", Pass: s.Messages > 0 && s.Read == s.Messages, Note: note})
			r.Targets = append(r.Targets, verdict{
				Name: "none twice (sent, delivered, read once each)", Pass: s.Duplicates == 0 && s.OtherStatus == 0 && s.Unknown == 0 && s.BadEvents == 0 && s.Complete == s.Read,
				Note: fmt.Sprintf("%d duplicated, %d complete", s.Duplicates, s.Complete),
			})
		}
		judgeOwn(o, r)
		if r.Engine != "sqlite" {
			continue
		}
		if r.Scenario == "send" {
			r.Targets = append(r.Targets, verdict{
				Name: fmt.Sprintf("sends/s >= %.0f", o.targetSendRPS), Pass: r.RPS >= o.targetSendRPS,
				Note: fmt.Sprintf("%.0f%% of target", 100*r.RPS/o.targetSendRPS),
			})
		}
		if r.Scenario == "close-open" {
			r.Targets = append(r.Targets, verdict{
				Name: fmt.Sprintf("req/s >= %.0f", o.targetRPS), Pass: r.RPS >= o.targetRPS,
				Note: fmt.Sprintf("%.0f%% of target", 100*r.RPS/o.targetRPS),
			})
		}
		if r.Scenario == "list-tag" {
			if small == nil || r.Contacts < small.Contacts {
				small = r
			}
			if large == nil || r.Contacts > large.Contacts {
				large = r
			}
		}
		r.Targets = append(r.Targets, verdict{
			Name: fmt.Sprintf("peak RSS < %.0f MB", o.targetRSSMB), Pass: r.PeakRSSMB < o.targetRSSMB,
			Note: fmt.Sprintf("%.0f MB", r.PeakRSSMB),
		})
	}
	if small != nil && large != nil && small != large && small.P50 > 0 {
		ratio := float64(large.P50) / float64(small.P50)
		large.Targets = append(large.Targets, verdict{
			Name: fmt.Sprintf("p50 <= %gx p50 at %d", o.targetRatio, small.Contacts), Pass: ratio <= o.targetRatio,
			Note: fmt.Sprintf("%.2fx", ratio),
		})
	}
}

func printReport(w io.Writer, o *options, results []*scenarioResult, skipped []string) {
	fmt.Fprintf(w, "\nopenbell bench %s: concurrency %d, %v measured after %v warm-up per scenario\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), o.concurrency, o.duration, o.warmup)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "engine\tscenario\tcontacts\trequests\terrors\treq/s\tp50\tp99\tpeak RSS MB\ttargets")
	for _, r := range results {
		var ts []string
		for _, v := range r.Targets {
			ts = append(ts, v.String())
		}
		t := strings.Join(ts, "; ")
		if t == "" {
			t = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%.0f\t%s\t%s\t%.1f\t%s\n", r.Engine, r.Scenario, r.Contacts, r.Requests,
			r.Errors, r.RPS, fmtDur(r.P50), fmtDur(r.P99), r.PeakRSSMB, t)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "engine\tscenario\tcontacts\tseed\tready after\tRSS MB: start+seed\tload\tCPU cores: server\tbench\tother\tstate unchanged\tstatuses")
	for _, r := range results {
		seed := fmt.Sprintf("%s %v", r.SeedMode, round(r.Seed))
		if r.Analyzed {
			seed += " +ANALYZE"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%v\t%.1f\t%.1f\t%.2f\t%.2f\t%.2f\t%d\t%s\n", r.Engine, r.Scenario, r.Contacts, seed,
			round(r.Ready), r.SeedRSSMB, r.LoadRSSMB, r.ServerCPU, r.ClientCPU, r.OtherCPU, r.Unchanged, r.Statuses)
	}
	tw.Flush()
	if hasSend(results) {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "engine\tscenario\tto contacts\tmessages\tread\tmissing\tduplicated\tredelivered\tstatus events/s\tlag p50\tp99\tmax\tpolled\tp50\tp99\tmax\tGETs\treads done after")
		for _, r := range results {
			if s := r.Send; s != nil {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%.0f\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%d\t%v\n", r.Engine, r.Scenario, s.Contacts,
					s.Messages, s.Read, s.Missing, s.Duplicates, s.Redelivered, s.EventRate, fmtDur(s.LagP50), fmtDur(s.LagP99), fmtDur(s.LagMax),
					s.Polled, fmtDur(s.PollP50), fmtDur(s.PollP99), fmtDur(s.PollMax), s.PollRequests, round(s.Drain))
			}
		}
		tw.Flush()
		fmt.Fprintln(w, "messages = sends answered 200 (warm-up included); status events/s = distinct message_status_updated events over the time from")
		fmt.Fprintln(w, "the first to the last; lag = the read event minus the send's answer, over the measured messages: on send the created_at of the")
		fmt.Fprintln(w, "event in the server's event log (events table, read only after the load; no webhook), on send-webhook its arrival at the")
		fmt.Fprintln(w, "bench's webhook receiver (redelivered: same webhook-id again); polled = a sample polled with GET /v1/messages/status until read")
	}
	printOwn(w, results)
	for _, s := range skipped {
		fmt.Fprintln(w, s)
	}
	fmt.Fprintln(w, "\ntargets apply to SQLite on a 2-core machine; peak RSS is the server's VmHWM/VmRSS over its whole life (start, seed, warm-up, load);")
	fmt.Fprintln(w, "CPU cores = CPU time / wall time during the measured load (\"other\": the rest of the machine, PostgreSQL included)")
}

// judgeOwn attaches the targets of the isolation, fairness and soak
// scenarios, on every engine: they are about one client not hurting
// another, and about bounded growth, not about speed.
func judgeOwn(o *options, r *scenarioResult) {
	if is := r.Isolation; is != nil {
		// Judged on the quiet rounds when there are any: on a shared machine
		// the others are the other programs' as much as the attacker's.
		ratio, alone, attacked, over := is.Ratio, is.Alone.P99, is.Attacked.P99, "every round"
		if is.Quiet > 0 {
			ratio, alone, attacked, over = is.QuietRatio, is.Alone.QuietP99, is.Attacked.QuietP99, fmt.Sprintf("%d quiet rounds of %d", is.Quiet, is.Rounds)
		}
		r.Targets = append(r.Targets, verdict{
			Name: fmt.Sprintf("B's p99 attacked <= %gx alone", o.targetIsolation), Pass: ratio > 0 && ratio <= o.targetIsolation && is.Attacked.Errors == 0,
			Note: fmt.Sprintf("%.2fx: %s vs %s over %s; %d errors", ratio, fmtDur(attacked), fmtDur(alone), over, is.Attacked.Errors),
		})
	}
	if f := r.Fairness; f != nil {
		p := f.Backlogged
		r.Targets = append(r.Targets, verdict{
			Name: fmt.Sprintf("B's event->receiver p99 < %v with A's backlog", o.targetFairLag),
			Pass: p.Events > 0 && p.LagP99 < o.targetFairLag && !p.TimedOut && p.Read == p.Messages,
			Note: fmt.Sprintf("%s over %d events; %d of %d messages read; A: %d queued, %d still queued at the end",
				fmtDur(p.LagP99), p.Events, p.Read, p.Messages, f.AEvents, f.APendingEnd),
		})
	}
	if s := r.Soak; s != nil {
		r.Targets = append(r.Targets,
			verdict{Name: "RSS flat after the warm-up", Pass: s.RSSFlat.Flat, Note: s.RSSFlat.String()},
			verdict{Name: "database size flat after the warm-up", Pass: s.DBFlat.Flat, Note: s.DBFlat.String()})
	}
}

func hasSend(results []*scenarioResult) bool {
	for _, r := range results {
		if r.Send != nil {
			return true
		}
	}
	return false
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	}
}

func round(d time.Duration) time.Duration { return d.Round(10 * time.Millisecond) }

func mb(kb int64) float64 { return float64(kb) / 1024 }

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// redact hides a password in a database URL.
func redact(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.Index(u[i+3:], "@"); j >= 0 {
			creds := u[i+3 : i+3+j]
			if k := strings.Index(creds, ":"); k >= 0 {
				return u[:i+3] + creds[:k] + ":xxx" + u[i+3+j:]
			}
		}
	}
	return u
}
