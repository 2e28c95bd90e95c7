package sqlite_test

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/sqlite"
)

// TestCheckpointer checks that committed writes reach the database file
// itself while the server runs: the writer leaves checkpoints to the
// background checkpointer, and without it the file would only catch up at
// Close. The file is read with immutable=1, which ignores the log.
func TestCheckpointer(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := &ob.Account{ID: ob.NewID(), Name: "Acme", CreatedAt: time.Now()}
	if err := db.Write(context.Background(), func(tx store.Tx) error { return tx.InsertAccount(a) }); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, sqlite.FileName)
	inFile := func() (int, error) {
		// A new connection each time: an immutable one never re-reads.
		file, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?immutable=1")
		if err != nil {
			return 0, err
		}
		defer file.Close()
		var n int
		err = file.QueryRow("SELECT COUNT(*) FROM accounts WHERE id = ?", a.ID).Scan(&n)
		return n, err
	}
	// Not a timing assertion: the checkpointer runs every 100 ms, and the
	// deadline only bounds how long a broken one is waited for.
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := inFile()
		if err == nil && n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the account never reached the database file (last: %d, %v)", n, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
