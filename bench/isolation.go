package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// The isolation scenarios measure what one client's misbehaviour costs a
// normal client: account B (the demo account, benchToken) reads GET
// /v1/contacts at a steady rate (-victim-rate, open loop, runPaced), alone
// and while an attacker runs, in alternating phases of -duration
// (-isolation-rounds of each), so that a disturbance of the machine shows in
// both. The figure is B's p99 under attack over B's p99 alone, over the
// pooled phases; the target is at most 2x.
//
//	slow-conns  -slow-conns connections (default 2,000) from -attacker-addr
//	            (127.0.0.2) that send the headers of POST /v1/contacts and
//	            then nothing (idle) or one byte of the body a second
//	            (trickle), half each; one the server closes is opened again.
//	            The server runs with --max-conns-per-ip 0 (the launcher's):
//	            every slow connection is accepted and only the server's
//	            timeouts (10 s for headers, --read-timeout 30 s for a body)
//	            bound them.
//	flood-auth  requests with a new unknown token each, at -flood-rate
//	            (15,000/s asked), from -attacker-addr, in a child process;
//	            the server's --auth-failure-limit at its default (100/s per
//	            address).
//	flood-rate  account A's valid token over A's rate limit: the server runs
//	            with --rate-limit -flood-rate-limit (300/s per account), A
//	            asks -flood-rate; B stays under its limit.

// isolationNames are the isolation scenarios.
var isolationNames = []string{"slow-conns", "flood-auth", "flood-rate"}

func isIsolation(s string) bool { return slices.Contains(isolationNames, s) }

// The second account of the isolation and fairness scenarios: account A,
// the one that misbehaves.
const (
	noisyAccount = "Noisy"
	noisyToken   = "openbell-bench-token-noisy"
)

// phaseStats is B's side of the phases of one kind (alone or attacked).
type phaseStats struct {
	Requests   int64           `json:"requests"`
	Errors     int64           `json:"errors"`
	Dropped    int64           `json:"dropped"`
	P50        time.Duration   `json:"p50_ns"`
	P99        time.Duration   `json:"p99_ns"`
	Max        time.Duration   `json:"max_ns"`
	RoundP99   []time.Duration `json:"round_p99_ns"`
	RoundOther []float64       `json:"round_other_cpu_cores"` // per round: the machine's CPU beyond the server, the bench, the flood, PostgreSQL's backends of the scenario and interrupts
	Statuses   string          `json:"statuses"`
	FirstErr   string          `json:"first_error,omitempty"`
	ServerCPU  float64         `json:"server_cpu_cores"`
	BenchCPU   float64         `json:"bench_cpu_cores"`    // the bench process: B's client, and the slow connections
	FloodCPU   float64         `json:"flood_cpu_cores"`    // the flood process
	PGCPU      float64         `json:"postgres_cpu_cores"` // PostgreSQL's backends of the scenario's database
	IRQCPU     float64         `json:"irq_cpu_cores"`      // interrupts: the kernel's network processing, charged to no process
	OtherCPU   float64         `json:"other_cpu_cores"`    // the rest of the machine: other programs
	PeakRSSMB  float64         `json:"peak_rss_mb"`

	// Over the quiet rounds only (see isolationStats.Quiet).
	QuietP50 time.Duration `json:"quiet_p50_ns"`
	QuietP99 time.Duration `json:"quiet_p99_ns"`

	rounds   [][]time.Duration // latencies, per round
	elapsed  time.Duration
	srvCPU   time.Duration
	cliCPU   time.Duration
	floodCPU time.Duration
	pgCPU    time.Duration
	irq      time.Duration
	busy     time.Duration
}

// isolationStats is the row of an isolation scenario.
type isolationStats struct {
	Attack     string        `json:"attack"`
	VictimRate float64       `json:"victim_rate"`
	Rounds     int           `json:"rounds"`
	Phase      time.Duration `json:"phase_ns"`
	Alone      *phaseStats   `json:"alone"`
	Attacked   *phaseStats   `json:"attacked"`
	Ratio      float64       `json:"p99_ratio"` // over every round
	// Quiet is how many rounds had the rest of the machine under
	// -quiet-cores in both phases; QuietRatio the ratio over those rounds.
	Quiet      int     `json:"quiet_rounds"`
	QuietRatio float64 `json:"quiet_p99_ratio"`

	// slow-conns
	SlowWanted   int     `json:"slow_wanted,omitempty"`
	SlowOpenMin  int64   `json:"slow_open_min,omitempty"` // open slow connections, sampled during the measured phases
	SlowOpenMean float64 `json:"slow_open_mean,omitempty"`
	SlowDials    int64   `json:"slow_dials,omitempty"`
	SlowClosed   int64   `json:"slow_closed_by_server,omitempty"`
	SlowDialErrs int64   `json:"slow_dial_errors,omitempty"`
	SlowFirstErr string  `json:"slow_first_error,omitempty"`
	ServerFDs    int     `json:"server_fds_max,omitempty"`

	// flood-auth, flood-rate
	Flood *floodStats `json:"flood,omitempty"`
}

// runIsolation runs an isolation scenario on a fresh server.
func runIsolation(ctx context.Context, o *options, bin, tmp, engine string, pg *pgServer, scenario string) (*scenarioResult, error) {
	n := o.isolationContacts
	name := fmt.Sprintf("%s-%s", engine, scenario)
	var extra []string
	if scenario == "flood-rate" {
		extra = []string{"--rate-limit", strconv.Itoa(o.floodRateLimit)}
	}
	srv, cfg, stop, err := startSeeded(ctx, o, bin, tmp, pg, name, n, extra, extraAccount{Name: noisyAccount, Token: noisyToken, First: n, N: n})
	if err != nil {
		return nil, err
	}
	defer stop()
	var pgCPU func() time.Duration
	if pg != nil {
		pgCPU = func() time.Duration { return pg.BackendCPU(cfg.DatabaseURL) }
	}
	r := &scenarioResult{Engine: engine, Scenario: scenario, Contacts: n, Concurrency: o.victimWorkers, SeedMode: "fixture", Ready: srv.Ready, Seed: srv.Ready}
	client := newClient(o.victimWorkers)
	defer client.CloseIdleConnections()
	b := &listLoad{url: srv.URL + "/v1/contacts", token: benchToken}
	if err := checkList(client, b.url, n+3); err != nil {
		return nil, err
	}
	is := &isolationStats{VictimRate: o.victimRate, Rounds: o.isolationRounds, Phase: o.duration, Alone: &phaseStats{}, Attacked: &phaseStats{}}
	switch scenario {
	case "slow-conns":
		if err := checkFileLimit(o.slowConns); err != nil {
			return nil, err
		}
		is.SlowWanted = o.slowConns
		is.Attack = fmt.Sprintf("%d slow connections from %s (half idle after the headers, half trickling the body 1 byte/s)", o.slowConns, o.attackerAddr)
	case "flood-auth":
		is.Attack = fmt.Sprintf("unknown tokens at %.0f/s asked, from %s (GOMAXPROCS %d)", o.floodRate, o.attackerAddr, o.floodProcs)
	case "flood-rate":
		is.Attack = fmt.Sprintf("account A's token at %.0f/s asked (limit %d/s), from %s (GOMAXPROCS %d)", o.floodRate, o.floodRateLimit, o.attackerAddr, o.floodProcs)
	}
	logf("%s: B reads GET /v1/contacts at %.0f/s; %d rounds of %v alone, then %v with %s", name, o.victimRate, o.isolationRounds, o.duration, o.duration, is.Attack)
	var seq atomic.Uint64
	srv.mem.SetPhase("warmup")
	if o.warmup > 0 {
		runPaced(ctx, client, b, o.victimRate, o.victimWorkers, o.warmup, 0, nil, &seq)
	}
	var openSum, openSamples int64
	is.SlowOpenMin = -1
	for rd := 0; rd < o.isolationRounds && ctx.Err() == nil; rd++ {
		waitQuiet(ctx, o, name)
		srv.mem.SetPhase("alone")
		measurePhase(ctx, srv, client, b, o, is.Alone, &seq, 0, pgCPU)
		logf("%s: round %d alone: p99 %s (other programs %.2f cores)", name, rd+1, fmtDur(is.Alone.RoundP99[rd]), is.Alone.RoundOther[rd])

		// The attack starts, settles, and runs through the measured phase.
		srv.mem.SetPhase("attacked")
		switch scenario {
		case "slow-conns":
			t0 := time.Now()
			sc, err := startSlowConns(srv.URL, benchToken, o.attackerAddr, o.slowConns, 20*time.Second)
			if err != nil {
				return nil, err
			}
			logf("%s: round %d: %d slow connections open after %v (%d dial errors)", name, rd+1, sc.Open(), round(time.Since(t0)), sc.dialErrs.Load())
			sampleDone := make(chan struct{})
			sampleStop := make(chan struct{})
			go func() {
				defer close(sampleDone)
				t := time.NewTicker(100 * time.Millisecond)
				defer t.Stop()
				for {
					select {
					case <-sampleStop:
						return
					case <-t.C:
					}
					v := sc.Open()
					openSum += v
					openSamples++
					if is.SlowOpenMin < 0 || v < is.SlowOpenMin {
						is.SlowOpenMin = v
					}
					is.ServerFDs = max(is.ServerFDs, openFDs(srv.cmd.Process.Pid))
				}
			}()
			measurePhase(ctx, srv, client, b, o, is.Attacked, &seq, 0, pgCPU)
			close(sampleStop)
			<-sampleDone
			sc.Stop()
			is.SlowDials += sc.dials.Load()
			is.SlowClosed += sc.closedBy.Load()
			is.SlowDialErrs += sc.dialErrs.Load()
			if is.SlowFirstErr == "" {
				is.SlowFirstErr = sc.firstErr
			}
		default:
			fc := floodConfig{URL: srv.URL, Token: noisyToken, Rate: o.floodRate, Workers: o.floodWorkers, LocalAddr: o.attackerAddr,
				Late: 50 * time.Millisecond, Max: o.duration + 2*time.Minute}
			if scenario == "flood-auth" {
				fc.Token, fc.BadTokens = "not-a-token-"+strconv.Itoa(rd)+"-", true
			}
			fp, err := startFlood(fc, o.floodProcs)
			if err != nil {
				return nil, err
			}
			sleepCtx(ctx, time.Second) // the flood's connections open
			measurePhase(ctx, srv, client, b, o, is.Attacked, &seq, fp.pid, pgCPU)
			st, err := fp.Stop()
			if err != nil {
				return nil, err
			}
			is.Flood = addFlood(is.Flood, st)
			logf("%s: round %d: flood sent %d (%.0f/s; %d due, %d dropped), answers %v", name, rd+1, st.Sent, st.SentRate(), st.Due, st.Dropped, st.Statuses)
		}
		logf("%s: round %d attacked: p99 %s (other programs %.2f cores)", name, rd+1, fmtDur(is.Attacked.RoundP99[rd]), is.Attacked.RoundOther[rd])
		if !srv.Alive() {
			return nil, fmt.Errorf("the server died during the run\n%s", srv.LogTail(20))
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if openSamples > 0 {
		is.SlowOpenMean = float64(openSum) / float64(openSamples)
	}
	mem := srv.mem.Stats()
	is.Alone.PeakRSSMB, is.Attacked.PeakRSSMB = mb(mem.Phase["alone"]), mb(mem.Phase["attacked"])
	quiet := make([]bool, len(is.Alone.RoundOther))
	for i := range quiet {
		quiet[i] = i < len(is.Attacked.RoundOther) && is.Alone.RoundOther[i] < o.quietCores && is.Attacked.RoundOther[i] < o.quietCores
		if quiet[i] {
			is.Quiet++
		}
	}
	for _, p := range []*phaseStats{is.Alone, is.Attacked} {
		p.finish(quiet)
	}
	if is.Alone.P99 > 0 {
		is.Ratio = float64(is.Attacked.P99) / float64(is.Alone.P99)
	}
	if is.Alone.QuietP99 > 0 {
		is.QuietRatio = float64(is.Attacked.QuietP99) / float64(is.Alone.QuietP99)
	}
	r.Isolation = is
	r.Requests, r.Errors = is.Attacked.Requests, is.Attacked.Errors
	r.RPS, r.P50, r.P99 = float64(is.Attacked.Requests)/(float64(o.isolationRounds)*o.duration.Seconds()), is.Attacked.P50, is.Attacked.P99
	r.Statuses, r.FirstErr = is.Attacked.Statuses, is.Attacked.FirstErr
	r.PeakRSSMB, r.LoadRSSMB = mb(mem.PeakRSS), mb(max(mem.Phase["alone"], mem.Phase["attacked"]))
	r.ServerCPU, r.ClientCPU, r.OtherCPU = is.Attacked.ServerCPU, is.Attacked.BenchCPU, is.Attacked.OtherCPU
	logf("%s: B's p99 alone %s, attacked %s: %.2fx; over the %d quiet rounds %s, %s: %.2fx", name, fmtDur(is.Alone.P99), fmtDur(is.Attacked.P99), is.Ratio,
		is.Quiet, fmtDur(is.Alone.QuietP99), fmtDur(is.Attacked.QuietP99), is.QuietRatio)
	return r, nil
}

// measurePhase runs B for one phase and adds it to p. floodPID is the
// flood process (0: none), whose CPU is not counted as the machine's other
// load.
func measurePhase(ctx context.Context, srv *server, client *http.Client, b workload, o *options, p *phaseStats, seq *atomic.Uint64, floodPID int, pgCPU func() time.Duration) {
	cpu := func(pid int) time.Duration {
		d, _ := processCPU(pid)
		return d
	}
	if pgCPU == nil {
		pgCPU = func() time.Duration { return 0 }
	}
	srvCPU0, floodCPU0, pgCPU0 := cpu(srv.cmd.Process.Pid), time.Duration(0), pgCPU()
	if floodPID > 0 {
		floodCPU0 = cpu(floodPID)
	}
	cliCPU0, busy0, irq0 := selfCPU(), machineBusy(), machineIRQ()
	res := runPaced(ctx, client, b, o.victimRate, o.victimWorkers, o.duration, 0, nil, seq)
	srvCPU1, floodCPU1, pgCPU1 := cpu(srv.cmd.Process.Pid), time.Duration(0), pgCPU()
	if floodPID > 0 {
		floodCPU1 = cpu(floodPID)
	}
	cliCPU1, busy1, irq1 := selfCPU(), machineBusy(), machineIRQ()
	p.srvCPU += srvCPU1 - srvCPU0
	p.cliCPU += cliCPU1 - cliCPU0
	p.floodCPU += floodCPU1 - floodCPU0
	p.pgCPU += pgCPU1 - pgCPU0
	p.irq += irq1 - irq0
	p.busy += busy1 - busy0
	if s := res.Elapsed.Seconds(); s > 0 {
		other := (busy1 - busy0 - (irq1 - irq0) - (srvCPU1 - srvCPU0) - (cliCPU1 - cliCPU0) - (floodCPU1 - floodCPU0) - (pgCPU1 - pgCPU0)).Seconds() / s
		p.RoundOther = append(p.RoundOther, max(0, other))
	}
	p.elapsed += res.Elapsed
	p.rounds = append(p.rounds, res.Latencies)
	p.RoundP99 = append(p.RoundP99, res.Percentile(99))
	p.Requests += res.Requests
	p.Errors += res.Errors
	p.Dropped += res.Dropped
	if p.FirstErr == "" {
		p.FirstErr = res.FirstErr
	}
	if p.Statuses != "" {
		p.Statuses += "; "
	}
	p.Statuses += res.StatusSummary()
}

// finish computes the figures pooled over every round, and over the quiet
// rounds.
func (p *phaseStats) finish(quiet []bool) {
	var all, calm []time.Duration
	for i, lat := range p.rounds {
		all = append(all, lat...)
		if quiet[i] {
			calm = append(calm, lat...)
		}
	}
	slices.Sort(all)
	slices.Sort(calm)
	p.P50, p.P99 = percentile(all, 50), percentile(all, 99)
	p.QuietP50, p.QuietP99 = percentile(calm, 50), percentile(calm, 99)
	if len(all) > 0 {
		p.Max = all[len(all)-1]
	}
	if s := p.elapsed.Seconds(); s > 0 {
		p.ServerCPU = p.srvCPU.Seconds() / s
		p.BenchCPU = p.cliCPU.Seconds() / s
		p.FloodCPU = p.floodCPU.Seconds() / s
		p.PGCPU = p.pgCPU.Seconds() / s
		p.IRQCPU = p.irq.Seconds() / s
		p.OtherCPU = max(0, p.busy.Seconds()/s-p.ServerCPU-p.BenchCPU-p.FloodCPU-p.PGCPU-p.IRQCPU)
	}
	p.rounds = nil
}

// waitQuiet waits, at most -quiet-wait, until the rest of the machine is
// quiet: less than -quiet-cores busy over a second (the server under test
// is idle then). The measuring machine is shared; this keeps the phases of
// a round out of the bursts of other programs where it can. The phases
// still record the machine's other load (RoundOther).
func waitQuiet(ctx context.Context, o *options, name string) {
	if o.quietWait <= 0 {
		return
	}
	start := time.Now()
	for ctx.Err() == nil {
		b0 := machineBusy()
		sleepCtx(ctx, time.Second)
		busy := (machineBusy() - b0).Seconds()
		if busy < o.quietCores {
			if waited := time.Since(start); waited > 2*time.Second {
				logf("%s: waited %v for the machine to be quiet", name, round(waited))
			}
			return
		}
		if time.Since(start) > o.quietWait {
			logf("%s: the machine is still busy (%.2f cores) after %v; going on", name, busy, o.quietWait)
			return
		}
	}
}

// addFlood sums the floods of the rounds.
func addFlood(sum, st *floodStats) *floodStats {
	if sum == nil {
		c := *st
		c.Statuses = map[string]int64{}
		for k, v := range st.Statuses {
			c.Statuses[k] = v
		}
		return &c
	}
	sum.Due += st.Due
	sum.Sent += st.Sent
	sum.Dropped += st.Dropped
	sum.Elapsed += st.Elapsed
	sum.CPU += st.CPU
	sum.P50, sum.P99 = max(sum.P50, st.P50), max(sum.P99, st.P99)
	for k, v := range st.Statuses {
		sum.Statuses[k] += v
	}
	if sum.FirstErr == "" {
		sum.FirstErr = st.FirstErr
	}
	return sum
}

// startSeeded starts a server on a fresh database, seeded with a fixture of
// n contacts in the demo account and the extra accounts, with the extra
// flags. stop stops the server and drops the database.
func startSeeded(ctx context.Context, o *options, bin, tmp string, pg *pgServer, name string, n int, flags []string, extra ...extraAccount) (*server, serverConfig, func(), error) {
	dir := filepath.Join(tmp, name)
	cfg := serverConfig{Bin: bin, DataDir: filepath.Join(dir, "data"), LogLevel: o.logLevel, Timeout: o.startTimeout, ExtraArgs: flags}
	var cleanup []func()
	stop := func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}
	if pg != nil {
		u, drop, err := pg.Fresh()
		if err != nil {
			return nil, cfg, nil, err
		}
		cleanup = append(cleanup, drop)
		cfg.DatabaseURL = u
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		stop()
		return nil, cfg, nil, err
	}
	if n > 0 || len(extra) > 0 {
		cfg.Seed = filepath.Join(dir, "seed.yaml")
		if _, err := writeFixture(cfg.Seed, n, extra...); err != nil {
			stop()
			return nil, cfg, nil, err
		}
	}
	logf("%s: starting the server (%d contacts in each of %d accounts)", name, n, 1+len(extra))
	srv, err := startServer(ctx, cfg)
	if err != nil {
		stop()
		return nil, cfg, nil, err
	}
	cleanup = append(cleanup, func() {
		if err := srv.Stop(); err != nil {
			logf("%s: server stop: %v", name, err)
		}
	})
	if pg != nil && o.pgAnalyze {
		if err := analyze(cfg.DatabaseURL); err != nil {
			stop()
			return nil, cfg, nil, err
		}
	}
	logf("%s: server ready after %v", name, round(srv.Ready))
	return srv, cfg, stop, nil
}

// printOwn prints the tables of the isolation, fairness and soak rows.
func printOwn(w io.Writer, results []*scenarioResult) {
	var iso, fair, soak []*scenarioResult
	for _, r := range results {
		switch {
		case r.Isolation != nil:
			iso = append(iso, r)
		case r.Fairness != nil:
			fair = append(fair, r)
		case r.Soak != nil:
			soak = append(soak, r)
		}
	}
	if len(iso) > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "engine\tscenario\tB req/s\talone: requests\tp50\tp99\tattacked: requests\terrors\tp50\tp99\tratio\tquiet rounds: p99 alone\tattacked\tratio\tround p99s alone / attacked\tCPU alone: server irq\tattacked: server flood irq postgres\tother programs per round alone / attacked\tattacker")
		for _, r := range iso {
			is := r.Isolation
			fmt.Fprintf(tw, "%s\t%s\t%.0f\t%d\t%s\t%s\t%d\t%d\t%s\t%s\t%.2fx\t%d: %s\t%s\t%.2fx\t%s / %s\t%.2f %.2f\t%.2f %.2f %.2f %.2f\t%s / %s\t%s\n", r.Engine, r.Scenario, is.VictimRate,
				is.Alone.Requests, fmtDur(is.Alone.P50), fmtDur(is.Alone.P99), is.Attacked.Requests, is.Attacked.Errors,
				fmtDur(is.Attacked.P50), fmtDur(is.Attacked.P99), is.Ratio, is.Quiet, fmtDur(is.Alone.QuietP99), fmtDur(is.Attacked.QuietP99), is.QuietRatio,
				fmtDurs(is.Alone.RoundP99), fmtDurs(is.Attacked.RoundP99),
				is.Alone.ServerCPU, is.Alone.IRQCPU, is.Attacked.ServerCPU, is.Attacked.FloodCPU, is.Attacked.IRQCPU, is.Attacked.PGCPU, fmtCores(is.Alone.RoundOther), fmtCores(is.Attacked.RoundOther), is.attackerSummary())
		}
		tw.Flush()
		fmt.Fprintln(w, "B = the demo account reading GET /v1/contacts at a steady rate from 127.0.0.1; latency from each request's due time;")
		fmt.Fprintln(w, "pooled over the rounds; CPU in cores: irq = interrupts (the kernel's loopback network processing), postgres = the backends of the")
		fmt.Fprintln(w, "scenario's database; other programs = the rest of the machine; a quiet round has other programs under -quiet-cores in both phases")
	}
	if len(fair) > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "engine\tphase\tB sends/s\tmessages\tread\tevents\tevent->receiver p50\tp99\tmax\tsend->read p50\tp99\tA queued\tA delivered\tA in flight\tA queued at end")
		for _, r := range fair {
			f := r.Fairness
			for _, ph := range []struct {
				name string
				p    *fairnessPhase
			}{{"B alone", f.Alone}, {"A backlogged", f.Backlogged}} {
				aq, ad, af, ae := "-", "-", "-", "-"
				if ph.p == f.Backlogged {
					aq, ad, af, ae = fmt.Sprint(f.AEvents), fmt.Sprint(f.ADelivered), fmt.Sprint(f.AInFlight), fmt.Sprint(f.APendingEnd)
				}
				fmt.Fprintf(tw, "%s\t%s\t%.0f\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Engine, ph.name, f.Rate, ph.p.Messages, ph.p.Read, ph.p.Events,
					fmtDur(ph.p.LagP50), fmtDur(ph.p.LagP99), fmtDur(ph.p.LagMax), fmtDur(ph.p.ReadP50), fmtDur(ph.p.ReadP99), aq, ad, af, ae)
			}
		}
		tw.Flush()
		fmt.Fprintln(w, "event->receiver = arrival of each of B's status events at the receiver minus its created_at in the event log;")
		fmt.Fprintln(w, "A's receiver answers after -fair-slow; A's events are spread over -fair-streams contacts")
	}
	for _, r := range soak {
		s := r.Soak
		fmt.Fprintf(w, "\n%s soak: %v at %.0f req/s, --event-retention %v: %d sessions, %d requests, %d errors, p50 %s, p99 %s, %d webhook POSTs\n",
			r.Engine, s.Duration, s.Rate, s.Retention, s.Sessions, s.Requests, s.Errors, fmtDur(s.P50), fmtDur(s.P99), s.Received)
		if s.Vacuum > 0 {
			fmt.Fprintf(w, "VACUUM every %v (standing in for autovacuum)\n", s.Vacuum)
		}
		fmt.Fprintf(w, "RSS MB:      %s\n", soakSeries(s.Samples, func(x soakSample) string { return fmt.Sprintf("%.0f", x.RSSMB) }))
		fmt.Fprintf(w, "database MB: %s\n", soakSeries(s.Samples, func(x soakSample) string { return fmt.Sprintf("%.1f", x.DBMB) }))
		fmt.Fprintf(w, "events:      %s\n", soakSeries(s.Samples, func(x soakSample) string { return fmt.Sprint(x.Rows["events"]) }))
		fmt.Fprintf(w, "attempts:    %s\n", soakSeries(s.Samples, func(x soakSample) string { return fmt.Sprint(x.Rows["webhook_attempts"]) }))
		fmt.Fprintf(w, "messages:    %s\n", soakSeries(s.Samples, func(x soakSample) string { return fmt.Sprint(x.Rows["messages"]) }))
		fmt.Fprintf(w, "p99 ms:      %s\n", soakSeries(s.Samples, func(x soakSample) string { return fmt.Sprintf("%.0f", float64(x.P99)/1e6) }))
		fmt.Fprintf(w, "RSS %s; database %s (samples after the %v warm-up, halves compared)\n", s.RSSFlat, s.DBFlat, s.Warmup)
	}
}

// soakSeries prints one value per sample, a line per minute of samples.
func soakSeries(samples []soakSample, f func(soakSample) string) string {
	var b strings.Builder
	minute := -1
	for _, s := range samples {
		if m := int(s.At.Minutes()); m != minute {
			if minute >= 0 {
				b.WriteString(" |")
			}
			minute = m
		}
		b.WriteString(" " + f(s))
	}
	return b.String()
}

func fmtCores(cs []float64) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%.2f", c)
	}
	return strings.Join(parts, " ")
}

func fmtDurs(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmtDur(d)
	}
	return strings.Join(parts, " ")
}

// attackerSummary says what the attacker did.
func (is *isolationStats) attackerSummary() string {
	if f := is.Flood; f != nil {
		var codes []string
		for k, v := range f.Statuses {
			codes = append(codes, fmt.Sprintf("%s x%d", k, v))
		}
		slices.Sort(codes)
		return fmt.Sprintf("sent %.0f/s of %.0f/s due (%d dropped); %s; flood CPU %.2f cores", f.SentRate(), float64(f.Due)/f.Elapsed.Seconds(), f.Dropped,
			strings.Join(codes, ", "), is.Attacked.FloodCPU)
	}
	return fmt.Sprintf("%d wanted, open min %d mean %.0f; %d connections made, %d closed by the server, %d dial errors; server fds max %d",
		is.SlowWanted, is.SlowOpenMin, is.SlowOpenMean, is.SlowDials, is.SlowClosed, is.SlowDialErrs, is.ServerFDs)
}
