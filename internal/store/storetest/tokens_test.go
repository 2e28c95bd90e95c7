package storetest_test

import (
	"context"
	"testing"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/storetest"
)

// TestTokensListAndRevoke: Tokens lists every account's tokens oldest
// first, and a deleted token no longer authenticates.
func TestTokensListAndRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := e.Open(t)
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Millisecond)
		a := &ob.Account{ID: ob.NewID(), Name: "Acme", CreatedAt: now}
		b := &ob.Account{ID: ob.NewID(), Name: "Beta", CreatedAt: now}
		toks := []ob.Token{
			{ID: ob.NewID(), AccountID: a.ID, Name: "key-a1", Hash: ob.HashToken("a1"), CreatedAt: now},
			{ID: ob.NewID(), AccountID: b.ID, Name: "key-b1", Hash: ob.HashToken("b1"), CreatedAt: now.Add(time.Second)},
			{ID: ob.NewID(), AccountID: a.ID, Name: "key-a2", Hash: ob.HashToken("a2"), CreatedAt: now.Add(2 * time.Second)},
		}
		if err := db.Write(ctx, func(tx store.Tx) error {
			for _, acct := range []*ob.Account{a, b} {
				if err := tx.InsertAccount(acct); err != nil {
					return err
				}
			}
			for i := range toks {
				if err := tx.InsertToken(&toks[i]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var got []ob.Token
		if err := db.Read(ctx, func(tx store.Tx) (err error) { got, err = tx.Tokens(); return err }); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(toks) {
			t.Fatalf("%d tokens, want %d", len(got), len(toks))
		}
		for i := range toks {
			if got[i] != toks[i] {
				t.Errorf("token %d: %+v, want %+v", i, got[i], toks[i])
			}
		}
		if err := db.Write(ctx, func(tx store.Tx) error { return tx.DeleteToken(toks[0].ID) }); err != nil {
			t.Fatal(err)
		}
		err := db.Write(ctx, func(tx store.Tx) error { return tx.DeleteToken(toks[0].ID) })
		if ob.ErrorCode(err) != ob.ENOTFOUND {
			t.Errorf("deleting a deleted token: %v, want not found", err)
		}
		_ = db.Read(ctx, func(tx store.Tx) error {
			if _, err := tx.PrincipalByTokenHash(toks[0].Hash); ob.ErrorCode(err) != ob.ENOTFOUND {
				t.Errorf("a revoked token authenticates: %v", err)
			}
			if p, err := tx.PrincipalByTokenHash(toks[2].Hash); err != nil || p.AccountID != a.ID {
				t.Errorf("the account's other token: %v %v", p, err)
			}
			return nil
		})
	})
}
