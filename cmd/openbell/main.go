// Command openbell is a self-hosted server for the Callbell REST API.
//
//	openbell serve [flags]                run the server (see openbell serve --help)
//	openbell token create|list|revoke     manage the API tokens of a server's database
//	openbell user password EMAIL          set a user's web inbox password
//	openbell listen [flags]               receive the account's webhook events locally
//	openbell healthcheck [--url URL]      exit 0 when a server's GET /healthz answers 200
//	openbell backup [flags] DIR           copy a running server's SQLite database
//	openbell completion bash|zsh|fish     print a shell completion script
//	openbell version                      print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/app"
	"github.com/openbell/openbell/internal/cli"
	"github.com/openbell/openbell/internal/listen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "openbell:", err)
		os.Exit(1)
	}
}

const usage = `openbell: a self-hosted server for the Callbell REST API

Usage:
  openbell serve [flags]              run the server (openbell serve --help lists the flags)
  openbell token create|list|revoke   manage the API tokens of a server's database (openbell token --help)
  openbell user password EMAIL        set a user's web inbox password (openbell user --help)
  openbell listen [flags]             receive the account's webhook events locally (openbell listen --help)
  openbell healthcheck [--url URL]    exit 0 when the server's GET /healthz answers 200 (for container health checks)
  openbell backup [flags] DIR         copy the SQLite database, also while the server runs (openbell backup --help)
  openbell completion bash|zsh|fish   print a shell completion script
  openbell version                    print the version (also --version, -v)
`

// commands are the commands run takes, for the usage and shell completion.
var commands = []string{"serve", "token", "user", "listen", "healthcheck", "backup", "completion", "version", "help"}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	err := command(ctx, args, getenv, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil // --help was asked for, and written
	}
	return err
}

func command(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	switch args[0] {
	case "serve":
		cfg, err := app.ParseServeConfig(args[1:], getenv, stdout)
		if err != nil {
			return err
		}
		a, err := app.Start(ctx, cfg, ob.SystemClock{}, stdout, stderr)
		if err != nil {
			return err
		}
		return a.Wait()
	case "token":
		return app.RunToken(ctx, args[1:], getenv, stdout, stderr)
	case "user":
		return app.RunUser(ctx, args[1:], getenv, os.Stdin, stdout, stderr)
	case "listen":
		return listen.Run(ctx, args[1:], getenv, stdout, stderr)
	case "healthcheck":
		return app.RunHealthcheck(ctx, args[1:], getenv, stdout)
	case "backup":
		return app.RunBackup(ctx, args[1:], getenv, stdout)
	case "completion":
		return completion(args[1:], stdout)
	case "version", "--version", "-version", "-v":
		fmt.Fprintln(stdout, "openbell", app.Version)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return &cli.UsageError{Command: "openbell", Problem: fmt.Sprintf("unknown command %q: want serve, token, user, listen, healthcheck, backup, completion or version", args[0])}
}
