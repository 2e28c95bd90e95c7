package apitest_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/app"
	"github.com/openbell/openbell/internal/store/storetest"
)

// startupSeed adds to the demo account and makes an account of its own whose
// objects have no pinned ids: a second copy of any of them would be a second
// row, not a conflict.
const startupSeed = `
accounts:
  - name: Demo
    tags: [started]
    contacts:
      - {name: Sam Started, identifier: "+31 6 55555555", source: whatsapp, tags: [started]}
  - name: Startup
    tokens: ["startup-token-1", "startup-token-2"]
    users:
      - {email: ana@startup.test, name: Ana Lima, admin: true}
    teams:
      - {name: General, default: true, members: [ana@startup.test]}
    channels:
      - {type: whatsapp, title: Main line, identifier: "+31 20 765 4321", main: true}
    tags: [lead]
    custom_fields:
      - {name: Address, type: text}
    funnels:
      - {name: Awareness, position: 1}
    templates:
      - {title: Welcome, text: "Hello {{1}}!", status: approved}
    bots:
      - {name: Helper, enabled: true}
    custom_statuses:
      - {name: Lunch}
    contacts:
      - name: Carla Startup
        identifier: "+31 6 66666666"
        source: whatsapp
        messages:
          - {direction: inbound, text: "Hi", ago: 60}
      - {name: Dirk Startup, identifier: "+31 6 77777777", source: whatsapp}
`

// startupTables are the tables whose rows start-up writes.
var startupTables = []string{"accounts", "api_tokens", "custom_statuses", "users", "teams", "team_members", "channels", "tags",
	"custom_fields", "funnels", "templates", "bots", "contacts", "contact_tags", "messages", "events", "server_keys"}

var printedToken = regexp.MustCompile(`[A-Za-z0-9]{32}\.[0-9a-f]{64}`)

// rowCounts counts the rows of startupTables in the database of url.
func rowCounts(t *testing.T, url string) map[string]int {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	counts := map[string]int{}
	for _, table := range startupTables {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		counts[table] = n
	}
	return counts
}

// startTogether starts n servers at once on the database of cfg and returns
// what each printed and the error each start returned; the servers stop
// when the test ends.
func startTogether(t *testing.T, cfg app.Config, n int) (outs []string, errs []error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	apps := make([]*app.App, n)
	outBufs := make([]bytes.Buffer, n)
	errs = make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			apps[i], errs[i] = app.Start(ctx, cfg, ob.SystemClock{}, &outBufs[i], io.Discard)
		}()
	}
	close(start)
	wg.Wait()
	t.Cleanup(func() {
		cancel()
		for _, a := range apps {
			if a != nil {
				if err := a.Wait(); err != nil {
					t.Errorf("server stopped with: %v", err)
				}
			}
		}
	})
	for i := range outBufs {
		outs = append(outs, outBufs[i].String())
	}
	return outs, errs
}

// TestStartingTogether: several processes starting at once on one empty
// PostgreSQL database, with the same seed, all come up with one copy of
// everything, and one of them prints the one new token (API.md section 6).
func TestStartingTogether(t *testing.T) {
	e := storetest.Engines()[1]
	seed := apitest.WithSeed(t, startupSeed)
	noKeys := func(c *app.Config) { c.APIKeys = nil }
	// What one start alone writes.
	alone := apitest.NewConfig(t, e, seed, noKeys)
	outs, errs := startTogether(t, alone, 1)
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	if !printedToken.MatchString(outs[0]) {
		t.Fatalf("a first start printed no token: %q", outs[0])
	}
	want := rowCounts(t, alone.DatabaseURL)
	if want["api_tokens"] != 3 || want["accounts"] != 2 {
		t.Fatalf("one start wrote %v", want)
	}
	for trial := range 5 {
		t.Run(strconv.Itoa(trial), func(t *testing.T) {
			cfg := apitest.NewConfig(t, e, seed, noKeys)
			outs, errs := startTogether(t, cfg, 3)
			tokens := map[string]bool{}
			for i, err := range errs {
				if err != nil {
					t.Errorf("start %d: %v", i, err)
				}
				for _, tok := range printedToken.FindAllString(outs[i], -1) {
					tokens[tok] = true
				}
			}
			if len(tokens) != 1 {
				t.Errorf("the three starts printed %d tokens, want one: %q", len(tokens), outs)
			}
			got := rowCounts(t, cfg.DatabaseURL)
			for _, table := range startupTables {
				if got[table] != want[table] {
					t.Errorf("%s: %d rows, want %d as after one start", table, got[table], want[table])
				}
			}
		})
	}
}

// TestDataDirHoldsOneServer: a SQLite data directory belongs to one server at
// a time; a second start on it fails at once naming the directory and the
// process holding it, and a stale lock file left by a killed process does
// not stop a start.
func TestDataDirHoldsOneServer(t *testing.T) {
	e := storetest.Engines()[0]
	cfg := apitest.NewConfig(t, e)
	// The lock file of a process that was killed: the kernel dropped its lock.
	if err := os.WriteFile(filepath.Join(cfg.DataDir, "openbell.lock"), []byte("999999999\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	first := apitest.StartConfig(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	second, err := app.Start(ctx, cfg, ob.SystemClock{}, io.Discard, io.Discard)
	if err == nil {
		cancel()
		second.Wait()
		t.Fatal("a second server started on the same data directory")
	}
	for _, want := range []string{cfg.DataDir, fmt.Sprintf("pid %d", os.Getpid())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if r := first.Do("GET", "/v1/contacts", nil); r.Status != 200 {
		t.Errorf("the first server answered %d after the refused start", r.Status)
	}
	first.Stop()
	again := apitest.StartConfig(t, cfg)
	if r := again.Do("GET", "/v1/contacts", nil); r.Status != 200 {
		t.Errorf("a start after the first server stopped answered %d", r.Status)
	}
}
