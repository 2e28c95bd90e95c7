package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/app"
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

// BenchmarkSendParallel is the send scenarios in process: 16 goroutines per
// CPU send text messages round-robin over 256 contacts whose 24-hour window
// is open. "full" is the send-webhook scenario of the load generator:
// delivery progression at 1 ms and a webhook receiver subscribed to
// message_status_updated; at the end it waits for every read event and
// checks that none came twice. "no-webhook" leaves the webhook out, as the
// send scenario does (which reads the statuses from the event log after the
// load; this benchmark does not check them), and "send-only" progression
// too, to show what each part costs. For a CPU
// profile of the whole path (send, progression, webhook delivery, the
// receiver included):
//
//	go test -run '^$' -bench 'SendParallel/full' -benchtime 8s -cpuprofile /tmp/cpu.out ./bench
func BenchmarkSendParallel(b *testing.B) {
	b.Run("full", func(b *testing.B) { benchSend(b, time.Millisecond, true) })
	b.Run("no-webhook", func(b *testing.B) { benchSend(b, time.Millisecond, false) })
	b.Run("send-only", func(b *testing.B) { benchSend(b, 0, false) })
}

func benchSend(b *testing.B, interval time.Duration, webhook bool) {
	srv := apitest.Start(b, storetest.Engines()[0], apitest.WithDeliveryInterval(interval),
		func(c *app.Config) { c.APIKeys = append(c.APIKeys, benchToken) })
	client := newClient(64)
	b.Cleanup(client.CloseIdleConnections)
	tracker := newSendTracker()
	if webhook {
		url, stop, err := startReceiver(tracker)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(stop)
		if err := subscribeStatuses(client, srv.URL, url); err != nil {
			b.Fatal(err)
		}
	}
	to := sendRecipients(300)[:256]
	if err := openWindows(context.Background(), client, srv.URL, to, 16); err != nil {
		b.Fatal(err)
	}
	wl := &sendLoad{base: srv.URL, token: benchToken, to: to, tracker: tracker}
	wl.measured.Store(true)
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
			if err != nil || status != http.StatusOK || !check(body) {
				b.Errorf("%s: %d %v %s", req.URL.Path, status, err, body)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
	b.StopTimer()
	if !webhook {
		return
	}
	drain, timedOut := drainReads(context.Background(), tracker, time.Now(), time.Minute, 200*time.Millisecond)
	st := tracker.Stats()
	if timedOut || st.Missing > 0 || st.Duplicates > 0 || st.Complete != st.Messages {
		b.Errorf("%d messages, %d read, %d complete, %d duplicated (reads done %v after the load)", st.Messages, st.Read, st.Complete, st.Duplicates, drain)
	}
	b.ReportMetric(float64(st.LagP50)/1e6, "lag-p50-ms")
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
	if want := []string{"close-open", "list-tag", "send", "send-webhook"}; len(o.scenarios) != len(want) {
		t.Fatalf("default scenarios %v, want %v", o.scenarios, want)
	} else {
		for _, s := range want {
			if !o.scenarios[s] {
				t.Fatalf("default scenarios %v, want %v", o.scenarios, want)
			}
		}
	}
	o, err = parseFlags([]string{"-scenarios", "send-webhook"}, io.Discard)
	if err != nil || len(o.scenarios) != 1 || !o.scenarios["send-webhook"] {
		t.Fatalf("-scenarios send-webhook: %v %v", o, err)
	}
	o, err = parseFlags([]string{"-scenarios", "slow-conns,flood-auth,flood-rate,webhook-fairness,soak", "-attacker-addr", "127.0.0.3"}, io.Discard)
	if err != nil || len(o.scenarios) != 5 || o.attackerAddr != "127.0.0.3" || o.slowConns != 2000 || o.floodRate != 15000 ||
		o.fairBacklog != 50000 || o.fairSlow != 5*time.Second || o.soakDuration != 10*time.Minute || o.soakRetention != time.Minute {
		t.Fatalf("the isolation, fairness and soak scenarios: %+v %v", o, err)
	}
	for _, bad := range [][]string{{"-engines", "mysql"}, {"-scenarios", "x"}, {"-scenarios", "send,webhook"}, {"-scenarios", "send-hook"},
		{"-seed", "x"}, {"-list-sizes", "0"}, {"-scenarios", "send-webhook", "-send-contacts", "0"},
		{"-attacker-addr", "10.0.0.2"}, {"-victim-rate", "0"}, {"-soak-duration", "0"}} {
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

func TestSendRecipients(t *testing.T) {
	if got := contactDigits(5); got != "442000000005" {
		t.Fatalf("contactDigits(5) = %s", got)
	}
	to := sendRecipients(10_010)
	// 0001-0004 and 10001-10004 have magic numbers.
	if len(to) != 10_010-8 {
		t.Fatalf("%d recipients of 10010, want 10002", len(to))
	}
	for _, d := range to {
		if magicNumber(d) {
			t.Fatalf("recipient %s has a magic number", d)
		}
	}
	if to[0] != contactDigits(0) || to[1] != contactDigits(5) {
		t.Fatalf("recipients start %v", to[:2])
	}
}

func TestSendLoad(t *testing.T) {
	tr := newSendTracker()
	wl := &sendLoad{base: "http://x", token: "t", to: []string{"442000000000", "442000000005"}, tracker: tr}
	req, check, err := wl.Request(3)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	if req.Method != http.MethodPost || req.URL.Path != "/v1/messages/send" ||
		string(body) != `{"to":"442000000005","from":"whatsapp","type":"text","content":{"text":"bench message 3"}}` {
		t.Fatalf("%s %s %s", req.Method, req.URL.Path, body)
	}
	if check([]byte(`{"error":"x"}`)) || check([]byte(`{"message":{"uuid":"","status":"enqueued"}}`)) {
		t.Fatal("check accepted an answer without a uuid")
	}
	if !check([]byte(`{"message":{"uuid":"0123abcd","status":"enqueued"}}`)) {
		t.Fatal("check refused a good answer")
	}
	if st := tr.Stats(); st.Messages != 1 || st.Measured != 0 || st.Missing != 1 {
		t.Fatalf("%+v", st)
	}
}

// hook posts one webhook delivery to the tracker.
func hook(t *testing.T, tr *sendTracker, id, uuid, status string) {
	t.Helper()
	body := `{"event":"message_status_updated","payload":{"uuid":"` + uuid + `","status":"` + status + `","contact":{"uuid":"c"}}}`
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	if id != "" {
		req.Header.Set("webhook-id", id)
	}
	w := httptest.NewRecorder()
	tr.ServeHTTP(w, req)
	if w.Code != http.StatusNoContent {
		t.Fatalf("receiver answered %d", w.Code)
	}
}

func TestSendTracker(t *testing.T) {
	tr := newSendTracker()
	t0 := time.Now()
	for _, u := range []string{"a", "b", "c", "d"} {
		tr.Ack(u, t0, true)
	}
	// a: complete, its read delivered twice (same webhook-id: at least once).
	hook(t, tr, "1", "a", "sent")
	hook(t, tr, "2", "a", "delivered")
	hook(t, tr, "3", "a", "read")
	hook(t, tr, "3", "a", "read")
	// b: read twice under two ids, and out of order.
	hook(t, tr, "4", "b", "sent")
	hook(t, tr, "5", "b", "read")
	hook(t, tr, "6", "b", "delivered")
	hook(t, tr, "7", "b", "read")
	// c: stuck at delivered; d: nothing.
	hook(t, tr, "8", "c", "sent")
	hook(t, tr, "9", "c", "delivered")
	// an event for a message nobody sent, one without webhook-id.
	hook(t, tr, "10", "z", "sent")
	hook(t, tr, "", "a", "sent")
	if n, some := tr.Unread(1); n != 2 || len(some) != 1 || some[0] != "c" {
		t.Fatalf("unread %d %v", n, some)
	}
	st := tr.Stats()
	want := sendStats{Messages: 4, Measured: 4, Read: 2, Complete: 1, Missing: 2, Duplicates: 1, OutOfOrder: 1, Unknown: 1, Events: 10,
		Deliveries: 12, Redelivered: 1, BadEvents: 1}
	got := *st
	got.FirstBad, got.LagP50, got.LagP99, got.LagMax, got.EventRate = "", 0, 0, 0, 0
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("stats\n %+v\nwant\n %+v", got, want)
	}
	if st.FirstBad == "" || st.LagMax < st.LagP50 || st.LagP50 < 0 {
		t.Fatalf("%+v", st)
	}
}

func TestPollSampler(t *testing.T) {
	var gets atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status := "delivered"
		if gets.Add(1)%2 == 0 {
			status = "read"
		}
		fmt.Fprintf(w, `{"message":{"uuid":"%s","status":"%s"}}`, strings.TrimPrefix(r.URL.Path, "/v1/messages/status/"), status)
	}))
	defer ts.Close()
	p := newPollSampler(context.Background(), ts.URL, "t", 4, 40*time.Millisecond, time.Millisecond, 5*time.Second)
	start := time.Now().Add(-50 * time.Millisecond)
	p.Offer("early", start) // before Start: not sampled
	p.Start(start)
	for i := 0; i < 8; i++ {
		p.Offer(fmt.Sprint(i), start.Add(time.Duration(i)*5*time.Millisecond))
	}
	var st sendStats
	p.Wait(&st)
	// Slots of 10 ms: answers at 0, 10, 20 and 30 ms are sampled.
	if st.Polled != 4 || st.PollFailed != 0 || st.PollRequests != 8 || st.PollP50 <= 0 {
		t.Fatalf("%+v", st)
	}
}

// TestEventLogTally feeds the tracker from an event log like the server's
// (an SQLite file with its events table): rows before the mark do not count,
// other events are skipped, a status logged twice is a duplicate, rows read
// again (the overlap of the polls, the final full read) are not, a row
// without status is unreadable, and a row with a lower id that shows up
// later (PostgreSQL commits ids out of order) is still found by the polls.
func TestEventLogTally(t *testing.T) {
	dir := t.TempDir()
	w, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqliteFileName)+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Exec(`CREATE TABLE events (
		id INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT NOT NULL, name TEXT NOT NULL,
		contact_id TEXT NOT NULL DEFAULT '', payload TEXT NOT NULL, created_at INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().Truncate(time.Millisecond)
	insert := func(id int64, name, uuid, status string, ms int) {
		t.Helper()
		payload := `{"uuid":"` + uuid + `","status":"` + status + `","contact":{"uuid":"c"},"messageStatusPayload":null}`
		if status == "" {
			payload = `{"uuid":"` + uuid + `"}`
		}
		if _, err := w.Exec(`INSERT INTO events (id, account_id, name, contact_id, payload, created_at) VALUES (?, 'acc', ?, 'c', ?, ?)`,
			id, name, payload, t0.Add(time.Duration(ms)*time.Millisecond).UnixMilli()); err != nil {
			t.Fatal(err)
		}
	}
	// Before the mark: not the bench's.
	insert(1, "message_status_updated", "old", "read", -1000)

	ctx := context.Background()
	l, err := openEventLog(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.base != 1 {
		t.Fatalf("mark at %d, want 1", l.base)
	}
	tr := newSendTracker()
	for _, u := range []string{"a", "b", "c"} {
		tr.Ack(u, t0, true)
	}
	// a: complete; b: read twice (two events); c: sent only, for now.
	insert(2, "message_created", "a", "enqueued", 0)
	insert(3, "message_status_updated", "a", "sent", 2)
	insert(4, "message_status_updated", "b", "sent", 2)
	insert(5, "message_status_updated", "a", "delivered", 4)
	insert(6, "message_status_updated", "b", "delivered", 4)
	insert(7, "message_status_updated", "a", "read", 6)
	insert(8, "message_status_updated", "b", "read", 6)
	insert(9, "message_status_updated", "b", "read", 9)
	insert(10, "message_status_updated", "c", "sent", 2)
	insert(11, "message_status_updated", "z", "", 3) // no status
	for i := 0; i < 2; i++ {
		if last, err := l.Read(ctx, tr, l.base); err != nil || last != 11 {
			t.Fatalf("read: last id %d, %v", last, err)
		}
	}
	// c: delivered gets id 13 and shows first; read (id 12, committed
	// later) shows up while the bench polls.
	insert(13, "message_status_updated", "c", "delivered", 20)
	go func() {
		time.Sleep(100 * time.Millisecond)
		insert(12, "message_status_updated", "c", "read", 30)
	}()
	start := time.Now()
	drain, timedOut, err := drainLog(ctx, tr, l, t0, 5*time.Second, 10*time.Millisecond, 300*time.Millisecond, 50*time.Millisecond)
	if err != nil || timedOut || time.Since(start) > 3*time.Second {
		t.Fatalf("drain %v, timed out %v, %v after %v", drain, timedOut, err, time.Since(start))
	}
	if drain != 30*time.Millisecond {
		t.Errorf("reads done %v after the load, want 30ms (created_at of the last event)", drain)
	}
	st := tr.Stats()
	if st.Messages != 3 || st.Read != 3 || st.Complete != 2 || st.Missing != 0 || st.Duplicates != 1 || st.OutOfOrder != 0 ||
		st.Unknown != 0 || st.Events != 10 || st.BadEvents != 1 || st.Redelivered != 0 || st.Deliveries != 0 {
		t.Fatalf("%+v", st)
	}
	if st.LagP50 != 6*time.Millisecond || st.LagMax != 30*time.Millisecond {
		t.Errorf("lag p50 %v max %v, want 6ms and 30ms", st.LagP50, st.LagMax)
	}
	if want := float64(10) / 0.028; st.EventRate < want*0.99 || st.EventRate > want*1.01 {
		t.Errorf("events/s %.1f, want %.1f (10 events from 2 ms to 30 ms)", st.EventRate, want)
	}
	if l.polls < 4 || l.rows <= 12 {
		t.Errorf("%d reads, %d rows: want the overlap read again", l.polls, l.rows)
	}

	// A message that is never read: the drain gives up, the final read
	// still runs.
	tr.Ack("d", t0, true)
	insert(14, "message_status_updated", "d", "sent", 40)
	_, timedOut, err = drainLog(ctx, tr, l, time.Now(), 100*time.Millisecond, 10*time.Millisecond, 300*time.Millisecond, 0)
	if err != nil || !timedOut {
		t.Fatalf("timed out %v, %v", timedOut, err)
	}
	if st := tr.Stats(); st.Missing != 1 || st.Events != 11 {
		t.Fatalf("%+v", st)
	}
}

func TestRunPaced(t *testing.T) {
	var hits atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") != "Bearer t" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"contacts":[]}`)
	}))
	defer ts.Close()
	client := newClient(4)
	defer client.CloseIdleConnections()
	var seq atomic.Uint64
	start := time.Now()
	r := runPaced(context.Background(), client, &listLoad{url: ts.URL, token: "t"}, 200, 4, 250*time.Millisecond, 0, nil, &seq)
	// 200/s for 250 ms: requests due at 0, 5, ..., 245 ms.
	if r.Requests != 50 || r.Errors != 0 || r.Dropped != 0 || hits.Load() != 50 || len(r.Latencies) != 50 {
		t.Fatalf("%d requests, %d errors, %d dropped, %d hits", r.Requests, r.Errors, r.Dropped, hits.Load())
	}
	if el := time.Since(start); el < 240*time.Millisecond || el > 2*time.Second {
		t.Fatalf("took %v, want about 250ms", el)
	}
	// A generator far behind its rate drops what it cannot send in time,
	// and a closed stop channel ends the run at once.
	stop := make(chan struct{})
	go func() { time.Sleep(100 * time.Millisecond); close(stop) }()
	r = runPaced(context.Background(), client, &listLoad{url: ts.URL, token: "bad"}, 1e6, 2, 10*time.Second, time.Millisecond, stop, &seq)
	if r.Dropped == 0 || r.Requests == 0 || r.Errors != r.Requests || r.Count(http.StatusUnauthorized) != r.Requests || r.Elapsed > 2*time.Second {
		t.Fatalf("%d requests, %d errors, %d dropped in %v", r.Requests, r.Errors, r.Dropped, r.Elapsed)
	}
}

func TestFlood(t *testing.T) {
	var mu sync.Mutex
	tokens := map[string]bool{}
	var remote atomic.Value
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokens[r.Header.Get("Authorization")] = true
		mu.Unlock()
		remote.Store(r.RemoteAddr)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer ts.Close()
	stop := make(chan struct{})
	time.AfterFunc(150*time.Millisecond, func() { close(stop) })
	st, err := flood(context.Background(), floodConfig{URL: ts.URL, Token: "bad-", BadTokens: true, Rate: 1000, Workers: 4,
		LocalAddr: "127.0.0.2", Late: 50 * time.Millisecond, Max: 5 * time.Second}, stop)
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent < 50 || st.Statuses["401"] != st.Sent || st.Elapsed > 2*time.Second || len(tokens) != int(st.Sent) {
		t.Fatalf("%+v; %d distinct tokens", st, len(tokens))
	}
	if a, _ := remote.Load().(string); !strings.HasPrefix(a, "127.0.0.2:") {
		t.Fatalf("flood came from %q, want 127.0.0.2", a)
	}
	if _, err := flood(context.Background(), floodConfig{URL: ts.URL, Rate: 1, Workers: 1, LocalAddr: "10.0.0.1"}, stop); err == nil {
		t.Fatal("a flood from a non-loopback address")
	}
}

func TestSlowConns(t *testing.T) {
	var started, bodies atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Add(1)
		b, _ := io.ReadAll(r.Body)
		bodies.Add(int64(len(b)))
		w.WriteHeader(http.StatusBadRequest)
	}))
	srv.Start()
	defer srv.Close()
	sc, err := startSlowConns(srv.URL, "t", "127.0.0.2", 6, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for (sc.Open() < 6 || started.Load() < 6) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if sc.Open() != 6 || started.Load() != 6 || sc.dialErrs.Load() != 0 {
		t.Fatalf("%d open, %d handlers started, %d dial errors (%s)", sc.Open(), started.Load(), sc.dialErrs.Load(), sc.firstErr)
	}
	// The trickling half sends "{" after a second.
	time.Sleep(trickleEvery + 200*time.Millisecond)
	sc.Stop()
	if sc.Open() != 0 {
		t.Fatalf("%d open after Stop", sc.Open())
	}
	deadline = time.Now().Add(3 * time.Second)
	for bodies.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if bodies.Load() != 3 {
		t.Fatalf("the handlers read %d bytes of body, want 3 (one from each trickling connection)", bodies.Load())
	}
}

func TestFixtureExtraAccount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seed.yaml")
	a := extraAccount{Name: noisyAccount, Token: noisyToken, First: 10, N: 5}
	if _, err := writeFixture(path, 10, a); err != nil {
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
	if len(f.Accounts) != 2 || f.Accounts[1].Name != noisyAccount || len(f.Accounts[1].Contacts) != 5 || len(f.Accounts[1].Tokens) != 1 {
		t.Fatalf("%d accounts, want Demo and %s with 5 contacts and a token", len(f.Accounts), noisyAccount)
	}
	for i, c := range f.Accounts[1].Contacts {
		if c.UUID != a.IDs()[i] || c.UUID == contactID(i) {
			t.Fatalf("contact %d: uuid %s, want %s", i, c.UUID, a.IDs()[i])
		}
	}
}

func TestEventLags(t *testing.T) {
	hook, log := newSendTracker(), newSendTracker()
	t0 := time.Now()
	hook.Ack("a", t0, true)
	hook.Ack("b", t0, true)
	log.LogEvent(1, "a", "sent", t0)
	log.LogEvent(2, "a", "read", t0.Add(10*time.Millisecond))
	log.LogEvent(3, "b", "sent", t0)
	log.LogEvent(4, "z", "sent", t0)
	hook.record("1", "a", "sent", t0.Add(5*time.Millisecond), nil)
	hook.record("2", "a", "read", t0.Add(40*time.Millisecond), nil)
	hook.record("3", "z", "sent", t0.Add(time.Second), nil) // not acknowledged: not B's
	// b's sent is in the log but never arrived: no lag for it.
	got := eventLags(hook, log)
	if len(got) != 2 || got[0] != 5*time.Millisecond || got[1] != 30*time.Millisecond {
		t.Fatalf("lags %v, want [5ms 30ms]", got)
	}
}

func TestJudgeFlat(t *testing.T) {
	series := func(vals ...float64) []soakSample {
		var s []soakSample
		for i, v := range vals {
			s = append(s, soakSample{At: time.Duration(i+1) * 10 * time.Second, DBMB: v})
		}
		return s
	}
	db := func(s soakSample) float64 { return s.DBMB }
	// The first two samples are the warm-up.
	f := judgeFlat(series(10, 50, 80, 82, 79, 81, 83, 80), 25*time.Second, db)
	if !f.Flat || f.First != 82 || f.Second != 83 {
		t.Fatalf("%+v", f)
	}
	f = judgeFlat(series(10, 50, 80, 90, 100, 110, 120, 130), 25*time.Second, db)
	if f.Flat || f.Slope < 50 || f.Slope > 70 {
		t.Fatalf("%+v: want not flat, 60 MB/min", f)
	}
	if f := judgeFlat(series(1), 0, db); f.Flat {
		t.Fatal("one sample judged flat")
	}
}
