package storetest_test

import (
	"context"
	"testing"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/storetest"
)

// TestSessions: a session is found by its hash until it expires, is
// deleted, or the token it was opened with is revoked; passwords are found
// by e-mail across accounts.
func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db := e.Open(t)
		now := time.Now().UTC().Truncate(time.Millisecond)
		a := &ob.Account{ID: ob.NewID(), Name: "Acme", CreatedAt: now}
		b := &ob.Account{ID: ob.NewID(), Name: "Beta", CreatedAt: now.Add(time.Second)}
		ua := &ob.User{ID: ob.NewID(), AccountID: a.ID, Email: "ana@acme.test", Name: "Ana", CreatedAt: now, LastUpdatedAt: now}
		ub := &ob.User{ID: ob.NewID(), AccountID: b.ID, Email: "Ana@Acme.test", Name: "Ana B", CreatedAt: now, LastUpdatedAt: now}
		tok := &ob.Token{ID: ob.NewID(), AccountID: a.ID, Name: "key-a", Hash: ob.HashToken("a"), CreatedAt: now}
		withToken := &ob.Session{Hash: ob.HashToken("s1"), AccountID: a.ID, UserID: ua.ID, TokenID: tok.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		withPassword := &ob.Session{Hash: ob.HashToken("s2"), AccountID: b.ID, UserID: ub.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		expired := &ob.Session{Hash: ob.HashToken("s3"), AccountID: b.ID, UserID: ub.ID, CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)}
		write(t, db, func(tx store.Tx) error {
			for _, acct := range []*ob.Account{a, b} {
				if err := tx.InsertAccount(acct); err != nil {
					return err
				}
			}
			for _, u := range []*ob.User{ua, ub} {
				if err := tx.InsertUser(u); err != nil {
					return err
				}
			}
			if err := tx.InsertToken(tok); err != nil {
				return err
			}
			if err := tx.SetPasswordHash(b.ID, ub.ID, "hash-b"); err != nil {
				return err
			}
			for _, s := range []*ob.Session{expired, withToken, withPassword} {
				if err := tx.InsertSession(s); err != nil {
					return err
				}
			}
			return nil
		})
		read(t, db, func(tx store.Tx) error {
			users, err := tx.UsersByEmail("ANA@acme.TEST")
			if err != nil {
				return err
			}
			if len(users) != 2 || users[0].ID != ua.ID || users[1].ID != ub.ID {
				t.Errorf("UsersByEmail: %+v, want Ana of Acme then of Beta", users)
			}
			if h, err := tx.PasswordHash(a.ID, ua.ID); err != nil || h != "" {
				t.Errorf("PasswordHash without one: %q, %v", h, err)
			}
			if h, err := tx.PasswordHash(b.ID, ub.ID); err != nil || h != "hash-b" {
				t.Errorf("PasswordHash: %q, %v", h, err)
			}
			if _, err := tx.PasswordHash(a.ID, ub.ID); ob.ErrorCode(err) != ob.ENOTFOUND {
				t.Errorf("PasswordHash of another account's user: %v, want not found", err)
			}
			for _, s := range []*ob.Session{withToken, withPassword} {
				got, err := tx.SessionByHash(s.Hash, now)
				if err != nil {
					t.Errorf("session %s: %v", s.UserID, err)
				} else if *got != *s {
					t.Errorf("session: %+v, want %+v", got, s)
				}
			}
			if _, err := tx.SessionByHash(expired.Hash, now); ob.ErrorCode(err) != ob.ENOTFOUND {
				t.Errorf("expired session: %v, want not found", err)
			}
			if _, err := tx.SessionByHash(withPassword.Hash, withPassword.ExpiresAt); ob.ErrorCode(err) != ob.ENOTFOUND {
				t.Errorf("session at its expiry: %v, want not found", err)
			}
			return nil
		})
		write(t, db, func(tx store.Tx) error {
			if err := tx.DeleteToken(tok.ID); err != nil {
				return err
			}
			return tx.DeleteSession(withPassword.Hash)
		})
		read(t, db, func(tx store.Tx) error {
			for _, s := range []*ob.Session{withToken, withPassword} {
				if _, err := tx.SessionByHash(s.Hash, now); ob.ErrorCode(err) != ob.ENOTFOUND {
					t.Errorf("session after revoking its token or deleting it: %v, want not found", err)
				}
			}
			return nil
		})
	})
}

func write(t *testing.T, db store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := db.Write(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, db store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := db.Read(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}
