package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The attackers of the isolation scenarios (isolation.go): connections that
// hold the server's sockets without finishing a request, and a flood of
// requests at a fixed rate, run in a child process of its own.

// Kinds of slow connection. Each sends the headers of POST /v1/contacts
// with a valid token and a Content-Length, then:
const (
	slowIdle    = "idle"    // nothing more: idle after the headers
	slowTrickle = "trickle" // the body, one byte every trickleEvery
)

var slowKinds = []string{slowIdle, slowTrickle}

// trickleEvery is the pause between two bytes of a trickled body.
const trickleEvery = time.Second

// slowBodyLength is the Content-Length the slow connections announce: far
// more than they ever send, under the 1 MiB limit of a body.
const slowBodyLength = 100_000

// slowConns holds n connections open to a server, split evenly over the
// kinds, each from localAddr (a loopback address of its own, so that the
// normal client's address is not the attackers'). A connection that the
// server closes is opened again, until Stop. Every connection goes through
// one dialer, at most dialConcurrency at a time.
type slowConns struct {
	addr, host, token string
	dialer            *net.Dialer
	stop              chan struct{}
	wg                sync.WaitGroup

	open       atomic.Int64 // connections whose headers were sent and that are not closed yet
	dials      atomic.Int64 // connections made, reconnections included
	dialErrs   atomic.Int64
	closedBy   atomic.Int64 // connections the server closed (or answered)
	firstErrMu sync.Mutex
	firstErr   string
}

const dialConcurrency = 64

// startSlowConns opens n slow connections to base (http://host:port) and
// returns once each has been tried (open or failed) or timeout passed.
func startSlowConns(base, token, localAddr string, n int, timeout time.Duration) (*slowConns, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	var local net.Addr
	if localAddr != "" {
		ip := net.ParseIP(localAddr)
		if ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("attacker address %q: want a loopback address", localAddr)
		}
		local = &net.TCPAddr{IP: ip}
	}
	s := &slowConns{addr: u.Host, host: u.Host, token: token, stop: make(chan struct{}),
		dialer: &net.Dialer{LocalAddr: local, Timeout: 5 * time.Second}}
	sem := make(chan struct{}, dialConcurrency)
	var tried sync.WaitGroup
	for i := 0; i < n; i++ {
		kind := slowKinds[i%len(slowKinds)]
		s.wg.Add(1)
		tried.Add(1)
		go s.hold(kind, sem, &tried)
	}
	done := make(chan struct{})
	go func() { tried.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
	}
	return s, nil
}

// hold keeps one slow connection of kind open until Stop, opening it again
// each time the server closes it. tried is marked when the first attempt
// ended.
func (s *slowConns) hold(kind string, sem chan struct{}, tried *sync.WaitGroup) {
	defer s.wg.Done()
	first := true
	mark := func() {
		if first {
			first = false
			tried.Done()
		}
	}
	defer mark()
	for {
		select {
		case <-s.stop:
			return
		default:
		}
		sem <- struct{}{}
		c, err := s.dialer.Dial("tcp", s.addr)
		<-sem
		s.dials.Add(1)
		if err != nil {
			s.dialErrs.Add(1)
			s.noteErr(err)
			mark()
			if !s.pause(200 * time.Millisecond) {
				return
			}
			continue
		}
		s.session(c, kind, mark)
		c.Close()
		// A server that closes at once must not turn this into a busy loop.
		if !s.pause(50 * time.Millisecond) {
			return
		}
	}
}

// session sends the headers, then idles or trickles until the server
// closes the connection or Stop.
func (s *slowConns) session(c net.Conn, kind string, mark func()) {
	head := "POST /v1/contacts HTTP/1.1\r\nHost: " + s.host + "\r\nAuthorization: Bearer " + s.token +
		"\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(slowBodyLength) + "\r\n\r\n"
	if _, err := io.WriteString(c, head); err != nil {
		s.noteErr(err)
		mark()
		return
	}
	s.open.Add(1)
	defer s.open.Add(-1)
	mark()
	// The server closing the connection (or answering) ends the read.
	closed := make(chan struct{})
	go func() {
		_, _ = c.Read(make([]byte, 1024))
		close(closed)
	}()
	var tick <-chan time.Time
	if kind == slowTrickle {
		t := time.NewTicker(trickleEvery)
		defer t.Stop()
		tick = t.C
	}
	for sent := 0; ; {
		select {
		case <-s.stop:
			return
		case <-closed:
			s.closedBy.Add(1)
			return
		case <-tick:
			b := " "
			if sent == 0 {
				b = "{"
			}
			if sent >= slowBodyLength-1 {
				continue
			}
			if _, err := io.WriteString(c, b); err != nil {
				s.closedBy.Add(1)
				return
			}
			sent++
		}
	}
}

func (s *slowConns) pause(d time.Duration) bool {
	select {
	case <-s.stop:
		return false
	case <-time.After(d):
		return true
	}
}

func (s *slowConns) noteErr(err error) {
	s.firstErrMu.Lock()
	if s.firstErr == "" {
		s.firstErr = err.Error()
	}
	s.firstErrMu.Unlock()
}

// Stop closes every connection and waits for the goroutines.
func (s *slowConns) Stop() {
	close(s.stop)
	s.wg.Wait()
}

// Open is how many slow connections are open right now.
func (s *slowConns) Open() int64 { return s.open.Load() }

// openFDs counts the open file descriptors of a process (its sockets
// included).
func openFDs(pid int) int {
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// checkFileLimit makes sure the bench may hold n more descriptors: Go
// raises the soft limit to the hard one at start, so the hard limit counts.
func checkFileLimit(n int) error {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return nil
	}
	if rl.Cur < uint64(n)+256 {
		return fmt.Errorf("open-file limit %d is too low for %d connections; raise it (ulimit -n %d) and run again", rl.Cur, n, n+1024)
	}
	return nil
}

// floodConfig is one flood: requests at a fixed rate from a loopback address.
type floodConfig struct {
	URL       string        `json:"url"`
	Token     string        `json:"token"`      // with BadTokens: the prefix of the made-up tokens
	BadTokens bool          `json:"bad_tokens"` // a different unknown token on every request
	Rate      float64       `json:"rate"`
	Workers   int           `json:"workers"`
	LocalAddr string        `json:"local_addr"`
	Late      time.Duration `json:"late"`
	Max       time.Duration `json:"max"` // the flood stops after this whatever happens
}

// floodStats is what the flood did.
type floodStats struct {
	Due      int64            `json:"due"`     // requests due at the rate over the flood
	Sent     int64            `json:"sent"`    // requests sent
	Dropped  int64            `json:"dropped"` // due but not sent: the generator could not keep up
	Elapsed  time.Duration    `json:"elapsed_ns"`
	Statuses map[string]int64 `json:"statuses"` // answers by status, "transport-error" for none
	CPU      time.Duration    `json:"cpu_ns"`   // CPU time of the flood process
	P50      time.Duration    `json:"p50_ns"`
	P99      time.Duration    `json:"p99_ns"`
	FirstErr string           `json:"first_error,omitempty"`
}

// SentRate is the requests sent per second.
func (f *floodStats) SentRate() float64 {
	if f.Elapsed <= 0 {
		return 0
	}
	return float64(f.Sent) / f.Elapsed.Seconds()
}

// floodLoad makes the flood's requests: GET /v1/contacts with the token, or
// with a new unknown token each time.
type floodLoad struct {
	cfg floodConfig
}

func (l *floodLoad) Request(seq uint64) (*http.Request, func([]byte) bool, error) {
	req, err := http.NewRequest(http.MethodGet, l.cfg.URL+"/v1/contacts", nil)
	if err != nil {
		return nil, nil, err
	}
	tok := l.cfg.Token
	if l.cfg.BadTokens {
		tok += strconv.FormatUint(seq, 36)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return req, nil, nil
}

// flood runs cfg until stop is closed or cfg.Max passes.
func flood(ctx context.Context, cfg floodConfig, stop <-chan struct{}) (*floodStats, error) {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if cfg.LocalAddr != "" {
		ip := net.ParseIP(cfg.LocalAddr)
		if ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("flood address %q: want a loopback address", cfg.LocalAddr)
		}
		dialer.LocalAddr = &net.TCPAddr{IP: ip}
	}
	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy: nil, DialContext: dialer.DialContext, MaxIdleConns: cfg.Workers, MaxIdleConnsPerHost: cfg.Workers,
			IdleConnTimeout: 90 * time.Second, DisableCompression: true,
		},
	}
	defer client.CloseIdleConnections()
	cpu0 := selfCPU()
	var seq atomic.Uint64
	r := runPaced(ctx, client, &floodLoad{cfg: cfg}, cfg.Rate, cfg.Workers, cfg.Max, cfg.Late, stop, &seq)
	st := &floodStats{Sent: r.Requests, Dropped: r.Dropped, Elapsed: r.Elapsed, Statuses: map[string]int64{},
		CPU: selfCPU() - cpu0, P50: r.Percentile(50), P99: r.Percentile(99), FirstErr: r.FirstErr}
	st.Due = st.Sent + st.Dropped
	for code, n := range r.Statuses {
		name := strconv.Itoa(code)
		if code == 0 {
			name = "transport-error"
		}
		st.Statuses[name] = n
	}
	return st, nil
}

// floodCommand is the first argument that makes the bench binary a flood
// process (floodMain), started by startFlood.
const floodCommand = "flood-child"

// floodMain runs a flood in this process: the configuration is the JSON of
// a floodConfig in args[0]; it floods until its standard input closes (or
// the configuration's Max passes) and writes the floodStats as JSON on
// standard output.
func floodMain(args []string) error {
	fs := flag.NewFlagSet(floodCommand, flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: bench " + floodCommand + " <JSON configuration>")
	}
	var cfg floodConfig
	if err := json.Unmarshal([]byte(fs.Arg(0)), &cfg); err != nil {
		return err
	}
	stop := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(stop)
	}()
	st, err := flood(context.Background(), cfg, stop)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(st)
}

// floodProcess is a flood running in a child process of the bench.
type floodProcess struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
	pid   int
}

// startFlood starts a flood in a child process (the bench binary itself,
// with GOMAXPROCS procs), so that the flood's CPU is its own and the
// measured client's goroutines do not queue behind the flood's.
func startFlood(cfg floodConfig, procs int) (*floodProcess, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	data, _ := json.Marshal(cfg)
	cmd := exec.Command(exe, floodCommand, string(data))
	env := os.Environ()
	if procs > 0 {
		env = append(env, "GOMAXPROCS="+strconv.Itoa(procs))
	}
	cmd.Env = env
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &floodProcess{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout), pid: cmd.Process.Pid}, nil
}

// Stop ends the flood and returns what it did.
func (f *floodProcess) Stop() (*floodStats, error) {
	f.stdin.Close()
	var st floodStats
	line, rerr := f.out.ReadString('\n')
	done := make(chan error, 1)
	go func() { done <- f.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return nil, fmt.Errorf("flood process: %w", err)
		}
	case <-time.After(15 * time.Second):
		_ = f.cmd.Process.Kill()
		<-done
		return nil, errors.New("flood process did not stop; killed")
	}
	if rerr != nil {
		return nil, fmt.Errorf("flood process: no result: %w", rerr)
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(line)), &st); err != nil {
		return nil, fmt.Errorf("flood process: %w", err)
	}
	return &st, nil
}
