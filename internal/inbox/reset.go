package inbox

import (
	"context"
	"errors"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// Origins loads the workspace an account was created with: the fixtures the
// server loaded at start (the demo workspace, the --seed file), which the
// app knows.
type Origins interface {
	// LoadAccount writes into tx the account named name as those fixtures
	// describe it, over what tx holds of it, with now as the load time. It
	// reports whether any of them describes the account.
	LoadAccount(tx store.Tx, name string, now time.Time) (bool, error)
}

// ResetAccount puts the account back to its state at creation (POST
// /sandbox/v1/reset): everything it holds is deleted (contacts, messages,
// events, webhook, idempotency keys, clock offset, objects created or
// changed through the API) and the fixtures it came from are loaded again,
// in one transaction. It fires no events; the account's tokens stay. The
// caller clears the fault rules, which live in memory.
func (s *Service) ResetAccount(ctx context.Context, accountID ob.ID) error {
	if s.opts.Origins == nil {
		return errors.New("inbox: no origins to reset accounts from")
	}
	return s.store.Write(ctx, func(tx store.Tx) error {
		acct, err := tx.AccountByID(accountID)
		if err != nil {
			return err
		}
		if err := tx.ClearAccount(accountID); err != nil {
			return err
		}
		// The clock offset is gone: the server's time is the account's.
		found, err := s.opts.Origins.LoadAccount(tx, acct.Name, s.now())
		if err != nil {
			return err
		}
		if !found {
			return ob.Errorf(ob.ECONFLICT, "account %q was not created from the demo workspace or the --seed file of this server, so it has no state to reset to", acct.Name)
		}
		return nil
	})
}
