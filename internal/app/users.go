package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/cli"
	"github.com/openbell/openbell/internal/inbox"
	"github.com/openbell/openbell/internal/store"
)

const userUsage = `Usage:
  openbell user password EMAIL [--account NAME] [flags]   set the web inbox password of a user

Reads the new password from the terminal (twice, not shown) or, when the
input is not a terminal, from its first line. At least 8 characters, at
most 72 bytes; stored as a bcrypt hash. The user then signs in to the web
inbox with the e-mail and this password. Works on the database of a server,
running or not: --data-dir (SQLite) or --database-url (PostgreSQL).
`

// UserFlags returns the flags of `openbell user`, for shell completion.
func UserFlags() *flag.FlagSet {
	var o tokenOptions
	return o.flags("openbell user")
}

// RunUser runs `openbell user password EMAIL` with args (the words after
// "user"), reading the password from stdin.
func RunUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return &cli.UsageError{Command: "openbell user", Problem: "openbell user needs password"}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, userUsage+"\nFlags:\n")
		cli.PrintFlags(stdout, UserFlags())
		return nil
	case "password":
	default:
		return &cli.UsageError{Command: "openbell user", Problem: fmt.Sprintf("unknown user command %q: want password", args[0])}
	}
	var o tokenOptions
	fs := o.flags("openbell user password")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), userUsage+"\nFlags:\n")
		cli.PrintFlags(fs.Output(), fs)
	}
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
	if len(rest) != 1 {
		return cli.Usagef(fs, "openbell user password needs the e-mail of one user")
	}
	email := rest[0]
	st, err := o.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := passwordUser(ctx, st, email, o.account)
	if err != nil {
		return err
	}
	pw, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	if p := ob.PasswordProblem(pw); p != "" {
		return fmt.Errorf("the password %s", p)
	}
	if err := inbox.New(st, ob.SystemClock{}, "", inbox.Options{}).SetPassword(ctx, u.AccountID, u.ID, pw); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s (%s) can now sign in to the web inbox with this password\n", u.Email, u.Name)
	return nil
}

// passwordUser finds the user with the e-mail, in the account named account
// or, without one, in the only account that has such a user.
func passwordUser(ctx context.Context, st store.Store, email, account string) (*ob.User, error) {
	var users []ob.User
	names := map[ob.ID]string{}
	err := st.Read(ctx, func(tx store.Tx) error {
		all, err := tx.UsersByEmail(email)
		if err != nil {
			return err
		}
		for _, u := range all {
			a, err := tx.AccountByID(u.AccountID)
			if err != nil {
				return err
			}
			names[u.AccountID] = a.Name
			if account == "" || a.Name == account {
				users = append(users, u)
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case len(users) == 0 && account != "":
		return nil, fmt.Errorf("the account %q has no user %s", account, email)
	case len(users) == 0:
		return nil, fmt.Errorf("no account has a user %s", email)
	case len(users) > 1:
		var in []string
		for _, u := range users {
			in = append(in, names[u.AccountID])
		}
		return nil, fmt.Errorf("%s is a user of several accounts (%s): name one with --account", email, strings.Join(in, ", "))
	}
	return &users[0], nil
}

// readPassword reads a password: twice without echo from a terminal, else
// the first line of stdin.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "New password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the two passwords differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if line == "" && errors.Is(err, io.EOF) {
		return "", errors.New("no password given on the input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
