package app

import (
	"context"
	"fmt"
	"io"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/fixture"
	"github.com/openbell/openbell/internal/store"
)

// bootstrap creates the default account with the demo workspace on an empty
// database, pins the --api-key tokens to it, and, when the account has no
// token at all, makes one and prints it once to stdout.
func bootstrap(ctx context.Context, st store.Store, apiKeys []string, clock ob.Clock, stdout io.Writer) error {
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
	var created string
	err = st.Write(ctx, func(tx store.Tx) error {
		acct, err := tx.DefaultAccount()
		if err != nil {
			return err
		}
		for _, k := range apiKeys {
			if err := tx.InsertToken(TokenFor(acct.ID, k, clock)); err != nil {
				return err
			}
		}
		if len(apiKeys) > 0 {
			return nil
		}
		n, err := tx.CountTokens(acct.ID)
		if err != nil || n > 0 {
			return err
		}
		created = ob.NewToken()
		return tx.InsertToken(TokenFor(acct.ID, created, clock))
	})
	if err != nil {
		return err
	}
	if created != "" {
		fmt.Fprintf(stdout, "openbell: new API token of the default account (shown only once, stored hashed):\n\n    %s\n\n", created)
	}
	return nil
}

// TokenFor returns the stored form of a token secret of an account: its hash
// and a public name derived from the hash, never from the secret.
func TokenFor(accountID ob.ID, secret string, clock ob.Clock) *ob.Token {
	h := ob.HashToken(secret)
	return &ob.Token{ID: ob.NewID(), AccountID: accountID, Name: "key-" + h[:8], Hash: h, CreatedAt: clock.Now()}
}
