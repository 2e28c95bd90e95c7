package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// TestLogStaysBounded writes without a pause from many goroutines: the
// group writer always has the next group ready, so a passive checkpoint is
// always overtaken and the log would only grow (some 100 MB for these
// writes). The writer's RESTART checkpoint between groups keeps it to what
// is written between two checkpoints. Checkpoints are made frequent and
// small here so that the bound does not depend on the machine's speed.
func TestLogStaysBounded(t *testing.T) {
	every, frames := checkpointEvery, restartFrames
	checkpointEvery, restartFrames = 10*time.Millisecond, 256
	defer func() { checkpointEvery, restartFrames = every, frames }()
	dir := t.TempDir()
	db, err := Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	a := &ob.Account{ID: ob.NewID(), Name: "Acme", CreatedAt: time.Now()}
	if err := db.Write(ctx, func(tx store.Tx) error { return tx.InsertAccount(a) }); err != nil {
		t.Fatal(err)
	}
	payload := []byte(`"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"`)
	const writes = 30000
	var left atomic.Int64
	left.Store(writes)
	var largest atomic.Int64
	wal := filepath.Join(dir, FileName+"-wal")
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				err := db.Write(ctx, func(tx store.Tx) error {
					return tx.InsertEvent(&ob.Event{AccountID: a.ID, Name: ob.EventContactUpdated, Payload: payload, CreatedAt: time.Now()})
				})
				if err != nil {
					t.Error(err)
					return
				}
				if st, err := os.Stat(wal); err == nil && st.Size() > largest.Load() {
					largest.Store(st.Size())
				}
			}
		})
	}
	wg.Wait()
	if mb := float64(largest.Load()) / 1e6; mb > 40 {
		t.Errorf("the log grew to %.0f MB during %d writes, want it bounded (under 40 MB)", mb, writes)
	}
}
