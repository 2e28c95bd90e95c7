package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/fixture"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/webhook"
)

// prepared is what the start-up's preparation of the database made.
type prepared struct {
	seed *seedFile // nil without --seed
	keys *webhook.Keyring
	// token is the new token of the default account, "" when none was
	// made; the banner shows it once.
	token string
}

// prepare makes the database ready to serve: the default account with the
// demo workspace on an empty database, the --api-key tokens, the --seed
// file, the webhook secret key and, last, when the default account has no
// token (and no --api-key was given), a new one. The store runs it under
// its start-up lock, so that processes starting at once on one PostgreSQL
// database take turns and make one copy of everything. The token comes last
// so that a step that fails leaves no token that nobody was shown: the next
// start makes one.
func prepare(ctx context.Context, cfg Config, st store.Store, clock ob.Clock, log *slog.Logger, stderr io.Writer) (prepared, error) {
	var p prepared
	if err := defaultAccount(ctx, st, cfg.APIKeys, clock); err != nil {
		return p, fmt.Errorf("prepare default account: %w", err)
	}
	if cfg.Seed != "" {
		start := time.Now()
		seed, file, done, err := openSeed(cfg.Seed)
		if err != nil {
			return p, fmt.Errorf("--seed %s: %w", cfg.Seed, reason(err))
		}
		// The load reads the contacts a chunk at a time, so that a large
		// file does not have to fit in memory; a file loaded last time is
		// not loaded again.
		err = loadSeed(ctx, st, seed, file, start, clock, log, stderr)
		done()
		if err != nil {
			return p, fmt.Errorf("--seed %s: %w", cfg.Seed, err)
		}
		p.seed = seed
		// The load's garbage goes back to the system now instead of when
		// traffic makes the GC run.
		debug.FreeOSMemory()
	}
	keys, err := webhookKeyring(ctx, cfg, st, clock, log)
	if err != nil {
		return p, fmt.Errorf("webhook secret key: %w", err)
	}
	p.keys = keys
	if len(cfg.APIKeys) == 0 {
		if p.token, err = firstToken(ctx, st, clock); err != nil {
			return p, fmt.Errorf("first token: %w", err)
		}
	}
	return p, nil
}

// defaultAccount creates the default account with the demo workspace on an
// empty database and pins the --api-key tokens to it.
func defaultAccount(ctx context.Context, st store.Store, apiKeys []string, clock ob.Clock) error {
	var hasDefault bool
	err := st.Read(ctx, func(tx store.Tx) error {
		_, err := tx.DefaultAccount()
		if ob.ErrorCode(err) == ob.ENOTFOUND {
			return nil
		}
		hasDefault = err == nil
		return err
	})
	if err != nil {
		return err
	}
	if !hasDefault {
		if err := fixture.Apply(ctx, st, fixture.Demo(), clock.Now()); err != nil {
			return fmt.Errorf("demo workspace: %w", err)
		}
	}
	if len(apiKeys) == 0 {
		return nil
	}
	return st.Write(ctx, func(tx store.Tx) error {
		acct, err := tx.DefaultAccount()
		if err != nil {
			return err
		}
		for _, k := range apiKeys {
			if err := tx.InsertToken(TokenFor(acct.ID, k, clock)); err != nil {
				return err
			}
		}
		return nil
	})
}

// firstToken makes a token for the default account when it has none, and
// returns its secret ("" when the account has a token).
func firstToken(ctx context.Context, st store.Store, clock ob.Clock) (string, error) {
	var created string
	err := st.Write(ctx, func(tx store.Tx) error {
		created = ""
		acct, err := tx.DefaultAccount()
		if err != nil {
			return err
		}
		n, err := tx.CountTokens(acct.ID)
		if err != nil || n > 0 {
			return err
		}
		created = ob.NewToken()
		return tx.InsertToken(TokenFor(acct.ID, created, clock))
	})
	return created, err
}

// TokenFor returns the stored form of a token secret of an account: its hash
// and a public name derived from the hash, never from the secret.
func TokenFor(accountID ob.ID, secret string, clock ob.Clock) *ob.Token {
	h := ob.HashToken(secret)
	return &ob.Token{ID: ob.NewID(), AccountID: accountID, Name: "key-" + h[:8], Hash: h, CreatedAt: clock.Now()}
}
