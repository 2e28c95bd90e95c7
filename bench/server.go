package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// benchToken is the --api-key the bench gives the server.
const benchToken = "openbell-bench-token"

// moduleRoot returns the directory of the go.mod the bench belongs to.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run the bench from inside the openbell module")
	}
	return filepath.Dir(mod), nil
}

// buildServer compiles ./cmd/openbell into dir and returns the binary's path.
func buildServer(dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "openbell")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/openbell")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/openbell: %w", err)
	}
	return bin, nil
}

// server is a running openbell child process.
type server struct {
	URL     string
	cmd     *exec.Cmd
	mem     *memSampler
	logPath string
	exited  chan struct{}
	waitErr error
	// Ready is how long the server took from exec to its first healthy
	// /healthz: opening the database, the demo workspace and the seed file.
	Ready time.Duration
}

type serverConfig struct {
	Bin         string
	DataDir     string
	DatabaseURL string
	Seed        string
	LogLevel    string
	ExtraArgs   []string      // more flags of serve
	Timeout     time.Duration // for the first healthy /healthz
}

// freePort picks a free loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startServer runs the server binary, samples its memory from the moment it
// exists, and waits for /healthz.
func startServer(ctx context.Context, cfg serverConfig) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	// Every client of the bench connects from one address: no limit per
	// address.
	args := []string{"serve", "--addr", addr, "--data-dir", cfg.DataDir, "--api-key", benchToken,
		"--rate-limit", "0", "--max-conns-per-ip", "0", "--log-level", cfg.LogLevel}
	if cfg.DatabaseURL != "" {
		args = append(args, "--database-url", cfg.DatabaseURL)
	}
	if cfg.Seed != "" {
		args = append(args, "--seed", cfg.Seed)
	}
	args = append(args, cfg.ExtraArgs...)
	logPath := filepath.Join(cfg.DataDir, "server.log")
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(cfg.Bin, args...)
	// Only what the bench passes: no OPENBELL_* variable of the caller's
	// environment may change the server under test.
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OPENBELL_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group: a Ctrl-C in the terminal reaches only the
	// bench, which then stops the server itself.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	s := &server{URL: "http://" + addr, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	s.mem = startMemSampler(cmd.Process.Pid, 100*time.Millisecond)
	s.mem.SetPhase("start")
	go func() {
		s.waitErr = cmd.Wait()
		logFile.Close()
		close(s.exited)
	}()
	if err := s.waitHealthy(ctx, cfg.Timeout); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w\n%s", err, s.LogTail(20))
	}
	s.Ready = time.Since(start)
	return s, nil
}

func (s *server) waitHealthy(ctx context.Context, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return errors.New("interrupted")
		}
		select {
		case <-s.exited:
			return fmt.Errorf("server exited before it was ready: %v", s.waitErr)
		default:
		}
		resp, err := client.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("server not healthy after %v", timeout)
}

// Stop asks the server to shut down (SIGTERM), kills it after 15 s, and
// stops the memory sampler.
func (s *server) Stop() error {
	defer s.mem.Stop()
	select {
	case <-s.exited:
		return s.waitErr
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return s.waitErr
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return errors.New("server did not stop within 15s of SIGTERM; killed")
	}
}

// Alive reports whether the process is still running.
func (s *server) Alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// LogTail returns the last n lines the server wrote.
func (s *server) LogTail(n int) string {
	data, _ := os.ReadFile(s.logPath)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "server log (" + s.logPath + "):\n  " + strings.Join(lines, "\n  ")
}

// memSampler reads VmRSS and VmHWM of a process from /proc/<pid>/status at a
// fixed interval and keeps the peak RSS seen in each phase of the run.
type memSampler struct {
	pid  int
	stop chan struct{}
	done chan struct{}

	mu        sync.Mutex
	phase     string
	peakRSS   int64            // kB, max sampled VmRSS over the whole run
	hwm       int64            // kB, last VmHWM read (the kernel's own peak)
	phasePeak map[string]int64 // kB, max sampled VmRSS per phase
	hwmAtEnd  map[string]int64 // kB, VmHWM when the phase ended: the exact peak of the life so far
	samples   int
}

func startMemSampler(pid int, every time.Duration) *memSampler {
	m := &memSampler{pid: pid, stop: make(chan struct{}), done: make(chan struct{}), phasePeak: map[string]int64{}, hwmAtEnd: map[string]int64{}}
	go func() {
		defer close(m.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			m.sample()
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// SetPhase names the phase the following samples belong to, after taking a
// sample that closes the previous phase.
func (m *memSampler) SetPhase(p string) {
	m.sample()
	m.mu.Lock()
	m.hwmAtEnd[m.phase] = m.hwm
	m.phase = p
	m.mu.Unlock()
	m.sample()
}

func (m *memSampler) sample() {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(m.pid) + "/status")
	if err != nil {
		return // the process is gone
	}
	rss, hwm := parseStatus(data)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.samples++
	if rss > m.peakRSS {
		m.peakRSS = rss
	}
	if hwm > m.hwm {
		m.hwm = hwm
	}
	if rss > m.phasePeak[m.phase] {
		m.phasePeak[m.phase] = rss
	}
}

// Stop ends sampling (after one last sample while the process lives).
func (m *memSampler) Stop() {
	select {
	case <-m.stop:
	default:
		close(m.stop)
	}
	<-m.done
}

// memStats is what the sampler saw, in kB.
type memStats struct {
	PeakRSS   int64 // max(sampled VmRSS, VmHWM): the peak over the process's life
	SampleRSS int64 // max sampled VmRSS
	HWM       int64
	Phase     map[string]int64
	HWMAtEnd  map[string]int64 // VmHWM when each phase ended
	Samples   int
}

func (m *memSampler) Stats() memStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return memStats{PeakRSS: max(m.peakRSS, m.hwm), SampleRSS: m.peakRSS, HWM: m.hwm, Phase: maps.Clone(m.phasePeak),
		HWMAtEnd: maps.Clone(m.hwmAtEnd), Samples: m.samples}
}

// parseStatus returns VmRSS and VmHWM (kB) of a /proc/<pid>/status file.
func parseStatus(data []byte) (rss, hwm int64) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		var dst *int64
		switch {
		case strings.HasPrefix(line, "VmRSS:"):
			dst = &rss
		case strings.HasPrefix(line, "VmHWM:"):
			dst = &hwm
		default:
			continue
		}
		f := strings.Fields(line)
		if len(f) >= 2 {
			*dst, _ = strconv.ParseInt(f[1], 10, 64)
		}
	}
	return rss, hwm
}

// clockTicks is USER_HZ, the unit of the times in /proc/<pid>/stat (100 on
// every Linux architecture Go supports).
const clockTicks = 100

// processCPU returns the CPU time (user + system) a process has used so far.
func processCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStat(data)
}

// parseStat reads utime and stime (fields 14 and 15) of a /proc/<pid>/stat
// line; the fields are counted after the command name, which may contain
// spaces and parentheses.
func parseStat(data []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc/<pid>/stat")
	}
	f := strings.Fields(string(data[i+1:]))
	// f[0] is field 3 (state), so utime (14) is f[11] and stime (15) f[12].
	if len(f) < 13 {
		return 0, errors.New("malformed /proc/<pid>/stat")
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("malformed /proc/<pid>/stat")
	}
	return time.Duration(u+s) * time.Second / clockTicks, nil
}

// selfCPU returns the CPU time the bench process itself has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineBusy returns the CPU time all CPUs of the machine have spent busy
// (everything but idle and iowait) from the first line of /proc/stat.
func machineBusy() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	return parseProcStat(data)
}

// machineIRQ returns the CPU time all CPUs have spent in interrupts (irq and
// softirq of /proc/stat), part of machineBusy: on loopback mostly the
// kernel's network processing, which no process is charged for.
func machineIRQ() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	return parseProcStatIRQ(data)
}

func parseProcStatIRQ(data []byte) time.Duration {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 8 || f[0] != "cpu" {
		return 0
	}
	irq, _ := strconv.ParseInt(f[6], 10, 64)
	softirq, _ := strconv.ParseInt(f[7], 10, 64)
	return time.Duration(irq+softirq) * time.Second / clockTicks
}

func parseProcStat(data []byte) time.Duration {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 5 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for i, v := range f[1:] {
		if i == 3 || i == 4 || i >= 8 { // idle, iowait; guest time is already in user
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		busy += n
	}
	return time.Duration(busy) * time.Second / clockTicks
}
