package sqlstore_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/sqlite"
)

// TestGroupCommit runs one group of write transactions on SQLite's single
// writer and checks that each request happened completely or not at all: a
// failed, panicking or canceled request leaves nothing behind, a request
// that lost a race runs again from a clean start, and the others commit.
func TestGroupCommit(t *testing.T) {
	db, err := sqlite.Open(context.Background(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	acct := &ob.Account{ID: ob.NewID(), Name: "Acme", CreatedAt: time.Now()}
	if err := db.Write(ctx, func(tx store.Tx) error { return tx.InsertAccount(acct) }); err != nil {
		t.Fatal(err)
	}
	tag := func(tx store.Tx, name string) error {
		if err := tx.InsertTag(&ob.Tag{ID: ob.NewID(), AccountID: acct.ID, Name: name, CreatedAt: time.Now()}); err != nil {
			return err
		}
		return tx.InsertEvent(&ob.Event{AccountID: acct.ID, Name: ob.EventContactUpdated, Payload: []byte(`"` + name + `"`), CreatedAt: time.Now()})
	}
	boom := ob.Errorf(ob.EINVALID, "boom")
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	retried := 0
	sawA := false
	cases := []struct {
		name string
		ctx  context.Context
		fn   func(store.Tx) error
		want func(error) bool
	}{
		{"a", ctx, func(tx store.Tx) error { return tag(tx, "a") }, isNil},
		{"fails", ctx, func(tx store.Tx) error {
			if err := tag(tx, "b"); err != nil {
				return err
			}
			return boom
		}, func(err error) bool { return err == boom }},
		{"panics", ctx, func(tx store.Tx) error {
			if err := tag(tx, "c"); err != nil {
				return err
			}
			panic("bad")
		}, func(err error) bool { return err != nil && strings.Contains(err.Error(), "panic") }},
		{"retries", ctx, func(tx store.Tx) error {
			retried++
			if retried == 1 {
				if err := tag(tx, "d1"); err != nil {
					return err
				}
				return store.ErrRetry
			}
			return tag(tx, "d2")
		}, isNil},
		{"duplicate", ctx, func(tx store.Tx) error {
			if err := tag(tx, "e"); err != nil {
				return err
			}
			return tag(tx, "a") // taken by the first request of the group
		}, func(err error) bool { return err != nil }},
		{"sees a", ctx, func(tx store.Tx) error {
			tags, err := tx.Tags(acct.ID)
			for _, tg := range tags {
				sawA = sawA || tg.Name == "a"
			}
			if err != nil {
				return err
			}
			return tag(tx, "f")
		}, isNil},
		{"canceled", canceled, func(tx store.Tx) error { return tag(tx, "g") }, func(err error) bool { return errors.Is(err, context.Canceled) }},
	}
	ctxs := make([]context.Context, len(cases))
	fns := make([]func(store.Tx) error, len(cases))
	for i, c := range cases {
		ctxs[i], fns[i] = c.ctx, c.fn
	}
	errs := db.RunGroup(ctxs, fns)
	for i, c := range cases {
		if !c.want(errs[i]) {
			t.Errorf("%s: returned %v", c.name, errs[i])
		}
	}
	if retried != 2 {
		t.Errorf("the request that lost a race ran %d times, want 2", retried)
	}
	if !sawA {
		t.Error("a request did not see the change of an earlier request of its group")
	}
	var names, payloads []string
	_ = db.Read(ctx, func(tx store.Tx) error {
		tags, err := tx.Tags(acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range tags {
			names = append(names, tg.Name)
		}
		evs, err := tx.EventsAfter(acct.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			payloads = append(payloads, strings.Trim(string(e.Payload), `"`))
		}
		return nil
	})
	slices.Sort(names)
	slices.Sort(payloads)
	want := []string{"a", "d2", "f"}
	if !slices.Equal(names, want) {
		t.Errorf("tags %v, want %v", names, want)
	}
	if !slices.Equal(payloads, want) {
		t.Errorf("events %v, want %v", payloads, want)
	}
}

func isNil(err error) bool { return err == nil }
