package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/fixture"
	"github.com/openbell/openbell/internal/store/storetest"
)

// demoContact is John Doe of the demo workspace.
const demoContact = "414a6d692bd645ed803f2e7ce360d4c8"

// BenchmarkCloseOpen closes and opens the demo contact's conversation in
// turn, one request at a time, against an in-process server (SQLite). Every
// request changes the state. For a CPU profile of the close/open path:
//
//	go test -run '^$' -bench CloseOpen -cpuprofile /tmp/cpu.out ./bench
//	go tool pprof -top bench.test /tmp/cpu.out
func BenchmarkCloseOpen(b *testing.B) {
	srv := apitest.Start(b, storetest.Engines()[0])
	client := newClient(1)
	// Before the server stops: an idle keep-alive connection that never
	// carried a request would hold up its graceful shutdown.
	b.Cleanup(client.CloseIdleConnections)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		action := "close"
		if i%2 == 1 {
			action = "open"
		}
		post(b, client, srv.URL+"/v1/contacts/"+demoContact+"/conversation/"+action, srv.Token)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkCloseOpenParallel is the close-open scenario of the load
// generator in process: 16 goroutines per CPU alternate close and open
// round-robin over 256 contacts, so concurrent requests hit different
// contacts and every request changes the state.
func BenchmarkCloseOpenParallel(b *testing.B) {
	srv := apitest.Start(b, storetest.Engines()[0])
	client := newClient(64)
	b.Cleanup(client.CloseIdleConnections)
	ids := make([]string, 256)
	for i := range ids {
		ids[i] = createContact(b, client, srv.URL, srv.Token, i)
	}
	wl := &closeOpenLoad{base: srv.URL, token: srv.Token, ids: ids}
	var seq atomic.Uint64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, check, err := wl.Request(seq.Add(1) - 1)
			if err != nil {
				b.Error(err)
				return
			}
			body, status, err := send(client, req)
			if err != nil || status != http.StatusOK {
				b.Errorf("%s: %d %v %s", req.URL.Path, status, err, body)
				return
			}
			if !check(body) {
				b.Errorf("%s did not change the state: %s", req.URL.Path, body)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func send(client *http.Client, req *http.Request) ([]byte, int, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return body, resp.StatusCode, err
}

func post(b *testing.B, client *http.Client, url, token string) {
	req, err := http.NewRequest(http.MethodPost, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	body, status, err := send(client, req)
	if err != nil || status != http.StatusOK {
		b.Fatalf("POST %s: %d %v %s", url, status, err, body)
	}
}

func createContact(b *testing.B, client *http.Client, base, token string, i int) string {
	body := fmt.Sprintf(`{"name": "Bench Contact %d", "identifier": %q, "source": "whatsapp"}`, i, contactPhone(i))
	req, err := http.NewRequest(http.MethodPost, base+"/v1/contacts", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	data, status, err := send(client, req)
	if err != nil || status != http.StatusOK {
		b.Fatalf("create contact: %d %v %s", status, err, data)
	}
	const key = `"uuid":"`
	j := strings.Index(string(data), key)
	if j < 0 || len(data) < j+len(key)+32 {
		b.Fatalf("create contact: no uuid in %s", data)
	}
	return string(data[j+len(key) : j+len(key)+32])
}

// The tests below are quick checks of the harness itself; none of them
// generates load.

func TestFixtureParses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seed.yaml")
	ids, err := writeFixture(path, 300)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := fixture.Parse(data)
	if err != nil {
		t.Fatalf("generated fixture does not parse: %v", err)
	}
	if len(f.Accounts) != 1 || f.Accounts[0].Name != "Demo" || len(f.Accounts[0].Contacts) != 300 {
		t.Fatalf("fixture: %d accounts, want one Demo account with 300 contacts", len(f.Accounts))
	}
	tagged := 0
	seen := map[string]bool{}
	for i, c := range f.Accounts[0].Contacts {
		if c.UUID != ids[i] {
			t.Fatalf("contact %d: uuid %s, want %s", i, c.UUID, ids[i])
		}
		if seen[c.UUID] || seen[c.Identifier] {
			t.Fatalf("contact %d: duplicate uuid or identifier", i)
		}
		seen[c.UUID], seen[c.Identifier] = true, true
		for _, tg := range c.Tags {
			if tg == benchTag {
				tagged++
			}
		}
	}
	if tagged != taggedCount(300) {
		t.Errorf("%d contacts carry %s, want %d", tagged, benchTag, taggedCount(300))
	}
}

func TestContactIDs(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 10_000; i++ {
		id := contactID(i)
		if len(id) != 32 || id[12] != '4' || !strings.ContainsRune("89ab", rune(id[16])) {
			t.Fatalf("contactID(%d) = %s, not a uuid32 v4", i, id)
		}
		if seen[id] {
			t.Fatalf("contactID(%d) = %s repeats", i, id)
		}
		seen[id] = true
	}
	if contactID(7) != contactID(7) {
		t.Fatal("contactID is not deterministic")
	}
}

func TestCloseOpenLoadAlternates(t *testing.T) {
	wl := &closeOpenLoad{base: "http://x", token: "t", ids: []string{"a", "b", "c"}}
	var got []string
	for seq := uint64(0); seq < 7; seq++ {
		req, _, err := wl.Request(seq)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.TrimPrefix(req.URL.Path, "/v1/contacts/"))
	}
	want := "a/conversation/close b/conversation/close c/conversation/close a/conversation/open b/conversation/open c/conversation/open a/conversation/close"
	if strings.Join(got, " ") != want {
		t.Fatalf("requests:\n %s\nwant\n %s", strings.Join(got, " "), want)
	}
	_, check, _ := wl.Request(0)
	if !check([]byte(`{"contact":{"closedAt":"2020-11-13T21:08:53Z"}}`)) || check([]byte(`{"contact":{"closedAt":null}}`)) {
		t.Fatal("close check wrong")
	}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i))
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50}, {99, 99}, {100, 100}, {1, 1}, {99.9, 100}} {
		if got := percentile(lat, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if percentile(nil, 50) != 0 {
		t.Error("empty percentile")
	}
}

func TestParseStatus(t *testing.T) {
	data := []byte("Name:\topenbell\nVmPeak:\t 1300000 kB\nVmHWM:\t   51200 kB\nVmRSS:\t   40960 kB\nThreads:\t9\n")
	rss, hwm := parseStatus(data)
	if rss != 40960 || hwm != 51200 {
		t.Fatalf("rss %d hwm %d", rss, hwm)
	}
}

func TestParseStat(t *testing.T) {
	data := []byte("4242 (open bell) (x)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 9 0 100 0 0\n")
	got, err := parseStat(data)
	if err != nil || got != 3*time.Second {
		t.Fatalf("parseStat = %v, %v; want 3s", got, err)
	}
	if _, err := parseStat([]byte("garbage")); err == nil {
		t.Error("no error for garbage")
	}
}

func TestParseProcStat(t *testing.T) {
	data := []byte("cpu  100 5 50 1000 20 1 4 10 7 0\ncpu0 1 2 3 4 5 6 7 8 9 0\n")
	if got := parseProcStat(data); got != 1700*time.Millisecond {
		t.Fatalf("busy = %v, want 1.7s", got)
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-engines", "all", "-list-sizes", "10,20"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !o.allEngines || len(o.engines) != 2 || len(o.listSizes) != 2 || o.concurrency != 32 || o.duration != 10*time.Second {
		t.Fatalf("%+v", o)
	}
	for _, bad := range [][]string{{"-engines", "mysql"}, {"-scenarios", "x"}, {"-seed", "x"}, {"-list-sizes", "0"}} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestRedact(t *testing.T) {
	if got := redact("postgres://u:secret@h:5432/db"); got != "postgres://u:xxx@h:5432/db" {
		t.Error(got)
	}
	if got := redact(defaultPostgresURL); got != defaultPostgresURL {
		t.Error(got)
	}
}
