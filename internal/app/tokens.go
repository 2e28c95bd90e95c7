package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/cli"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/sqlite"
)

const tokenUsage = `Usage:
  openbell token create [--account NAME] [flags]       make a token and print it, once
  openbell token list [--account NAME] [flags]         list tokens: name, account, creation time
  openbell token revoke NAME [--account NAME] [flags]  revoke a token; a running server
                                                       refuses it within a second

Works on the database of a server, running or not: --data-dir (SQLite) or
--database-url (PostgreSQL), with the same defaults and variables as
openbell serve. Only a token's hash is stored; list shows a token's public
name (key-...), never the token.
`

// TokenFlags returns the flags of `openbell token`, for shell completion.
func TokenFlags() *flag.FlagSet {
	var o tokenOptions
	return o.flags("openbell token")
}

// tokenOptions are the flags of `openbell token`.
type tokenOptions struct {
	dataDir, databaseURL, account string
}

func (o *tokenOptions) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), tokenUsage+"\nFlags:\n")
		cli.PrintFlags(fs.Output(), fs)
	}
	fs.StringVar(&o.dataDir, "data-dir", "./openbell-data", "directory of the embedded SQLite database (OPENBELL_DATA_DIR)")
	fs.StringVar(&o.databaseURL, "database-url", "", "PostgreSQL URL postgres://...; empty uses SQLite in --data-dir (OPENBELL_DATABASE_URL)")
	fs.StringVar(&o.account, "account", "", "the account's `name`; default: the default account (create) or every account (list, revoke)")
	return fs
}

// RunToken runs `openbell token create|list|revoke` with args (the words
// after "token"). A new token goes alone on a line to stdout, so that a
// script can take it; what the commands say about it goes to stderr.
func RunToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return &cli.UsageError{Command: "openbell token", Problem: "openbell token needs create, list or revoke"}
	}
	sub := args[0]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, tokenUsage+"\nFlags:\n")
		cli.PrintFlags(stdout, TokenFlags())
		return nil
	case "create", "list", "revoke":
	default:
		return &cli.UsageError{Command: "openbell token", Problem: fmt.Sprintf("unknown token command %q: want create, list or revoke", sub)}
	}
	var o tokenOptions
	fs := o.flags("openbell token " + sub)
	rest, err := cli.Parse(fs, args[1:], getenv, func(name string) string {
		if name == "account" {
			return ""
		}
		return cli.EnvName(name)
	}, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	var name string
	switch {
	case sub == "revoke" && len(rest) != 1:
		return cli.Usagef(fs, "openbell token revoke needs the name of one token, as openbell token list shows it")
	case sub == "revoke":
		name = rest[0]
	case len(rest) > 0:
		return cli.Usagef(fs, "unexpected argument %q", rest[0])
	}
	st, err := o.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "create":
		return createToken(ctx, st, o.account, stdout, stderr)
	case "list":
		return listTokens(ctx, st, o.account, stdout)
	}
	return revokeToken(ctx, st, o.account, name, stdout)
}

// open opens the database the flags name; a data directory must hold one
// already: these commands manage a server's tokens, and make no database.
func (o *tokenOptions) open(ctx context.Context) (store.Store, error) {
	cfg := Config{DataDir: o.dataDir, DatabaseURL: o.databaseURL}
	if cfg.DatabaseURL != "" {
		if !strings.HasPrefix(cfg.DatabaseURL, "postgres://") && !strings.HasPrefix(cfg.DatabaseURL, "postgresql://") {
			return nil, fmt.Errorf("--database-url: %q must start with postgres://", redactURL(cfg.DatabaseURL))
		}
	} else {
		path := filepath.Join(o.dataDir, sqlite.FileName)
		fi, err := os.Stat(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("--data-dir %s holds no openbell database (%s): start the server on it once, or name the server's --data-dir or --database-url", o.dataDir, sqlite.FileName)
		case err != nil:
			return nil, fmt.Errorf("--data-dir %s: %w", o.dataDir, err)
		case !fi.Mode().IsRegular():
			return nil, fmt.Errorf("--data-dir %s: %s is not a database file", o.dataDir, path)
		}
	}
	return openStore(ctx, cfg, nil)
}

// tokenAccount returns the account named name, or the default account.
func tokenAccount(tx store.Tx, name string) (*ob.Account, error) {
	if name == "" {
		acct, err := tx.DefaultAccount()
		if ob.ErrorCode(err) == ob.ENOTFOUND {
			return nil, errors.New("the database has no default account yet: start the server on it once")
		}
		return acct, err
	}
	acct, err := tx.AccountByName(name)
	if ob.ErrorCode(err) == ob.ENOTFOUND {
		return nil, fmt.Errorf("--account: no account is named %q", name)
	}
	return acct, err
}

func createToken(ctx context.Context, st store.Store, account string, stdout, stderr io.Writer) error {
	secret := ob.NewToken()
	var (
		acct *ob.Account
		tok  *ob.Token
	)
	err := st.Write(ctx, func(tx store.Tx) (err error) {
		if acct, err = tokenAccount(tx, account); err != nil {
			return err
		}
		tok = TokenFor(acct.ID, secret, ob.SystemClock{})
		return tx.InsertToken(tok)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "openbell: new token %s of account %s, shown only this once (only its hash is stored):\n", tok.Name, acct.Name)
	fmt.Fprintln(stdout, secret)
	return nil
}

// accountTokens returns the tokens of the account named account (every
// token when it is ""), with the name of each token's account.
func accountTokens(tx store.Tx, account string) ([]ob.Token, map[ob.ID]string, error) {
	var only *ob.Account
	if account != "" {
		var err error
		if only, err = tokenAccount(tx, account); err != nil {
			return nil, nil, err
		}
	}
	all, err := tx.Tokens()
	if err != nil {
		return nil, nil, err
	}
	names := map[ob.ID]string{}
	var out []ob.Token
	for _, t := range all {
		if only != nil && t.AccountID != only.ID {
			continue
		}
		if _, ok := names[t.AccountID]; !ok {
			acct, err := tx.AccountByID(t.AccountID)
			if err != nil {
				return nil, nil, err
			}
			names[t.AccountID] = acct.Name
			if acct.Default {
				names[t.AccountID] += " (default)"
			}
		}
		out = append(out, t)
	}
	return out, names, nil
}

func listTokens(ctx context.Context, st store.Store, account string, stdout io.Writer) error {
	var (
		toks  []ob.Token
		names map[ob.ID]string
	)
	err := st.Read(ctx, func(tx store.Tx) (err error) {
		toks, names, err = accountTokens(tx, account)
		return err
	})
	if err != nil {
		return err
	}
	if len(toks) == 0 {
		fmt.Fprintln(stdout, "no tokens")
		return nil
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tACCOUNT\tCREATED")
	for _, t := range toks {
		fmt.Fprintf(w, "%s\t%s\t%s\n", t.Name, names[t.AccountID], t.CreatedAt.UTC().Format(time.RFC3339))
	}
	return w.Flush()
}

func revokeToken(ctx context.Context, st store.Store, account, name string, stdout io.Writer) error {
	var (
		gone      ob.Token
		acctNames map[ob.ID]string
	)
	err := st.Write(ctx, func(tx store.Tx) error {
		toks, names, err := accountTokens(tx, account)
		if err != nil {
			return err
		}
		acctNames = names
		var found []ob.Token
		for _, t := range toks {
			if t.Name == name {
				found = append(found, t)
			}
		}
		switch {
		case len(found) == 0:
			return fmt.Errorf("no token is named %q (openbell token list shows them)", name)
		case len(found) > 1:
			return fmt.Errorf("%d tokens are named %q; name the account with --account", len(found), name)
		}
		gone = found[0]
		return tx.DeleteToken(gone.ID)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked %s of account %s; a running server refuses it within a second\n", gone.Name, acctNames[gone.AccountID])
	return nil
}
