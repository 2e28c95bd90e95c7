// Command openbell is a self-hosted server for the Callbell REST API.
//
//	openbell serve [flags]    run the server (see openbell serve -h)
//	openbell listen [flags]   receive the account's webhook events locally
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/app"
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
  openbell serve [flags]   run the server (openbell serve -h lists the flags)
  openbell listen [flags]  receive the account's webhook events locally (openbell listen -h)
  openbell version         print the version
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	switch args[0] {
	case "serve":
		cfg, err := app.ParseServeConfig(args[1:], getenv, stderr)
		if err != nil {
			return err
		}
		a, err := app.Start(ctx, cfg, ob.SystemClock{}, stdout, stderr)
		if err != nil {
			return err
		}
		return a.Wait()
	case "listen":
		return listen.Run(ctx, args[1:], getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "openbell", app.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
