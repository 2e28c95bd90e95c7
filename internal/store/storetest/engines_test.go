package storetest_test

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/storetest"
)

// TestMigrateAndRoundTrip checks that each engine migrates (twice, as a
// restart would) and stores an account, and that not-found is an error.
func TestMigrateAndRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := e.Open(t)
		ctx := context.Background()
		a := &ob.Account{ID: ob.NewID(), Name: "Acme", Plan: "p", CreatedAt: time.Now()}
		if err := db.Write(ctx, func(tx store.Tx) error { return tx.InsertAccount(a) }); err != nil {
			t.Fatal(err)
		}
		err := db.Read(ctx, func(tx store.Tx) error {
			got, err := tx.AccountByName("Acme")
			if err != nil {
				return err
			}
			if got.ID != a.ID {
				t.Errorf("id %s, want %s", got.ID, a.ID)
			}
			_, err = tx.AccountByName("nope")
			if ob.ErrorCode(err) != ob.ENOTFOUND {
				t.Errorf("missing account: %v, want not found", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestWriteIsAllOrNothing checks that a failed write transaction leaves
// neither its change nor its event behind.
func TestWriteIsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := e.Open(t)
		ctx := context.Background()
		a := &ob.Account{ID: ob.NewID(), Name: "Acme", CreatedAt: time.Now()}
		if err := db.Write(ctx, func(tx store.Tx) error { return tx.InsertAccount(a) }); err != nil {
			t.Fatal(err)
		}
		boom := ob.Errorf(ob.EINVALID, "boom")
		err := db.Write(ctx, func(tx store.Tx) error {
			if err := tx.InsertTag(&ob.Tag{ID: ob.NewID(), AccountID: a.ID, Name: "vip"}); err != nil {
				return err
			}
			if err := tx.InsertEvent(&ob.Event{AccountID: a.ID, Name: ob.EventContactCreated, Payload: []byte(`{}`), CreatedAt: time.Now()}); err != nil {
				return err
			}
			return boom
		})
		if err != boom {
			t.Fatalf("write returned %v", err)
		}
		_ = db.Read(ctx, func(tx store.Tx) error {
			tags, err := tx.Tags(a.ID)
			if err != nil || len(tags) != 0 {
				t.Errorf("tags after rollback: %v %v", tags, err)
			}
			evs, err := tx.EventsAfter(a.ID, 0, 10)
			if err != nil || len(evs) != 0 {
				t.Errorf("events after rollback: %v %v", evs, err)
			}
			return nil
		})
	})
}

// TestConcurrentWrites runs many write transactions at once, some of them
// failing after they wrote, and checks that exactly the successful ones
// stayed (SQLite commits concurrent writes together in groups).
func TestConcurrentWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := e.Open(t)
		ctx := context.Background()
		a := &ob.Account{ID: ob.NewID(), Name: "Acme", CreatedAt: time.Now()}
		if err := db.Write(ctx, func(tx store.Tx) error { return tx.InsertAccount(a) }); err != nil {
			t.Fatal(err)
		}
		const n = 60
		boom := ob.Errorf(ob.EINVALID, "boom")
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				errs[i] = db.Write(ctx, func(tx store.Tx) error {
					if err := tx.InsertTag(&ob.Tag{ID: ob.NewID(), AccountID: a.ID, Name: fmt.Sprint("t", i), CreatedAt: time.Now()}); err != nil {
						return err
					}
					if i%3 == 0 {
						return boom
					}
					return nil
				})
			})
		}
		wg.Wait()
		want := map[string]bool{}
		for i, err := range errs {
			if i%3 == 0 {
				if err != boom {
					t.Errorf("write %d returned %v, want its own error", i, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("write %d: %v", i, err)
			}
			want[fmt.Sprint("t", i)] = true
		}
		_ = db.Read(ctx, func(tx store.Tx) error {
			tags, err := tx.Tags(a.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, tg := range tags {
				got[tg.Name] = true
			}
			if !maps.Equal(got, want) {
				t.Errorf("stored tags %v, want %v", got, want)
			}
			return nil
		})
	})
}
