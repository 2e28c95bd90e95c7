package storetest_test

import (
	"context"
	"testing"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/storetest"
)

// TestServerKeys: InsertServerKey keeps the first value of a name,
// SetServerKey replaces it.
func TestServerKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := e.Open(t)
		ctx := context.Background()
		now := time.Now()
		get := func() string {
			t.Helper()
			var v string
			err := db.Read(ctx, func(tx store.Tx) (err error) { v, err = tx.ServerKey("k"); return err })
			if ob.ErrorCode(err) == ob.ENOTFOUND {
				return "(none)"
			} else if err != nil {
				t.Fatal(err)
			}
			return v
		}
		write := func(fn func(tx store.Tx) error) {
			t.Helper()
			if err := db.Write(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		if v := get(); v != "(none)" {
			t.Fatalf("a new database has key k = %q", v)
		}
		write(func(tx store.Tx) error { return tx.InsertServerKey("k", "first", now) })
		write(func(tx store.Tx) error { return tx.InsertServerKey("k", "second", now) })
		if v := get(); v != "first" {
			t.Errorf("after two inserts: %q, want the first", v)
		}
		write(func(tx store.Tx) error { return tx.SetServerKey("k", "third", now) })
		if v := get(); v != "third" {
			t.Errorf("after a set: %q, want third", v)
		}
		write(func(tx store.Tx) error { return tx.SetServerKey("new", "v", now) })
		var v string
		if err := db.Read(ctx, func(tx store.Tx) (err error) { v, err = tx.ServerKey("new"); return err }); err != nil || v != "v" {
			t.Errorf("a set of a new name: %q, %v", v, err)
		}
	})
}
