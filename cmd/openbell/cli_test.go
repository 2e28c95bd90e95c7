package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openbell/openbell/internal/app"
)

// TestVersion: openbell --version, -v and version print the version.
func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "-v", "version"} {
		out, _, err := runOnce(t, nil, arg)
		if err != nil || out != "openbell "+app.Version+"\n" {
			t.Errorf("%s: %v %q", arg, err, out)
		}
	}
}

// TestHelpOnEveryCommand: --help (and -h) on any command succeeds and
// writes its usage to stdout.
func TestHelpOnEveryCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "openbell serve"},
		{[]string{"-h"}, "openbell token"},
		{[]string{"help"}, "openbell completion"},
		{[]string{"serve", "--help"}, "--delivery-interval"},
		{[]string{"serve", "-h"}, "OPENBELL_RATE_LIMIT"},
		{[]string{"serve", "--addr", ":0", "--help"}, "--data-dir"},
		{[]string{"token", "--help"}, "openbell token revoke"},
		{[]string{"token", "create", "--help"}, "--account"},
		{[]string{"token", "revoke", "-h"}, "--database-url"},
		{[]string{"listen", "--help"}, "--forward-to"},
		{[]string{"healthcheck", "--help"}, "--timeout"},
		{[]string{"backup", "--help"}, "pg_dump"},
		{[]string{"completion", "--help"}, "fish"},
	} {
		out, errOut, err := runOnce(t, nil, tc.args...)
		if err != nil || !strings.Contains(out, tc.want) || errOut != "" {
			t.Errorf("%v: %v, stdout %q, stderr %q; want success and %q on stdout", tc.args, err, out, errOut, tc.want)
		}
	}
}

// TestBadFlagIsOneLine: a bad flag or variable is one line naming it, the
// value and what is expected, with a pointer to --help; a variable that
// its flag overrides does not matter.
func TestBadFlagIsOneLine(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want []string
	}{
		{nil, []string{"serve", "--delivery-interval", "5"}, []string{`--delivery-interval: "5" needs a unit, such as 5s`, "openbell serve --help"}},
		{nil, []string{"serve", "--delivery-interval=soon"}, []string{"--delivery-interval", `"soon"`, "10s"}},
		{nil, []string{"serve", "--addr", "18150"}, []string{"--addr", `"18150"`, "127.0.0.1:18150"}},
		{nil, []string{"serve", "--addr", "localhost"}, []string{"--addr", `"localhost"`, "host:port"}},
		{nil, []string{"serve", "--addr", "127.0.0.1:99999"}, []string{"--addr", "99999", "0 to 65535"}},
		{nil, []string{"serve", "--rate-limit", "many"}, []string{"--rate-limit", `"many"`, "whole number"}},
		{nil, []string{"serve", "--rate-limit", "-1"}, []string{"--rate-limit", "-1", "0 or more"}},
		{nil, []string{"serve", "--window-rule=maybe"}, []string{"--window-rule", `"maybe"`, "true or false"}},
		{nil, []string{"serve", "--log-level", "loud"}, []string{"--log-level", `"loud"`, "debug, info, warn or error"}},
		{nil, []string{"serve", "--database-url", "mysql://x"}, []string{"--database-url", "mysql://x", "postgres://"}},
		{nil, []string{"serve", "--frobnicate"}, []string{"unknown flag --frobnicate", "openbell serve --help"}},
		{nil, []string{"serve", "--addr"}, []string{"--addr needs a value"}},
		{nil, []string{"serve", "extra"}, []string{`"extra"`}},
		{map[string]string{"OPENBELL_DELIVERY_INTERVAL": "5"}, []string{"serve"}, []string{`OPENBELL_DELIVERY_INTERVAL: "5" needs a unit`}},
		{map[string]string{"OPENBELL_RATE_LIMIT": "many"}, []string{"serve"}, []string{"OPENBELL_RATE_LIMIT", `"many"`, "whole number"}},
		{nil, []string{"listen", "--api-key", "k", "--events", "nope"}, []string{"--events", `"nope"`, "openbell listen --help"}},
		{nil, []string{"token", "list", "--bogus"}, []string{"unknown flag --bogus", "openbell token list --help"}},
		{nil, []string{"token", "frob"}, []string{`"frob"`, "create, list or revoke"}},
		{nil, []string{"completion", "tcsh"}, []string{`"tcsh"`, "bash, zsh or fish"}},
		{nil, []string{"fly"}, []string{`"fly"`, "openbell --help"}},
	} {
		_, _, err := runOnce(t, tc.env, tc.args...)
		if err == nil {
			t.Errorf("%v %v: no error", tc.env, tc.args)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") {
			t.Errorf("%v %v: more than one line: %q", tc.env, tc.args, msg)
		}
		for _, want := range tc.want {
			if !strings.Contains(msg, want) {
				t.Errorf("%v %v: %q lacks %q", tc.env, tc.args, msg, want)
			}
		}
	}
}

// TestFlagOverridesBadVariable: an invalid OPENBELL_RATE_LIMIT does not stop
// a start whose --rate-limit overrides it.
func TestFlagOverridesBadVariable(t *testing.T) {
	addr, _, stop := serve(t, map[string]string{"OPENBELL_RATE_LIMIT": "many", "OPENBELL_DELIVERY_INTERVAL": "5"},
		"--data-dir", t.TempDir(), "--api-key", "k", "--rate-limit", "5", "--delivery-interval", "0")
	defer stop()
	if code := get(t, "http://"+addr+"/v1/contacts", "k"); code != 200 {
		t.Errorf("answered %d", code)
	}
}

// TestDataDirErrorsNameThePath: a data directory that cannot hold the
// database is an error naming the path and saying what is wrong with it.
func TestDataDirErrorsNameThePath(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dbIsDir := filepath.Join(root, "db-is-dir")
	if err := os.MkdirAll(filepath.Join(dbIsDir, "openbell.db"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ dir, want string }{
		{file, "is a file, not a directory"},
		{filepath.Join(file, "sub"), "is a file, not a directory"},
		{dbIsDir, "is not a database file"},
	} {
		_, _, err := runOnce(t, nil, "serve", "--addr", freeAddr(t), "--data-dir", tc.dir)
		if err == nil || !strings.Contains(err.Error(), tc.dir) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--data-dir %s: %v, want the path and %q", tc.dir, err, tc.want)
		}
	}
}

// TestCompletion: openbell completion prints a script for each shell that
// completes the commands and their flags; the shells that are installed
// read it without a syntax error.
func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		out, _, err := runOnce(t, nil, "completion", shell)
		if err != nil {
			t.Fatalf("%s: %v", shell, err)
		}
		for _, want := range []string{"serve", "token", "revoke", "listen", "delivery-interval", "database-url", "forward-to"} {
			if !strings.Contains(out, want) {
				t.Errorf("the %s script lacks %q", shell, want)
			}
		}
		path, err := exec.LookPath(shell)
		if err != nil {
			t.Logf("%s is not installed: its script's syntax is not checked", shell)
			continue
		}
		script := filepath.Join(t.TempDir(), "openbell."+shell)
		if err := os.WriteFile(script, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
		if msg, err := exec.Command(path, "-n", script).CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v: %s", shell, err, msg)
		}
		if shell != "bash" {
			continue
		}
		for line, want := range map[string]string{
			"openbell se":              "serve",
			"openbell serve --deli":    "--delivery-interval",
			"openbell token re":        "revoke",
			"openbell token list --ac": "--account",
			"openbell completion f":    "fish",
		} {
			words := strings.Fields(line)
			cmd := exec.Command(path, "-c", `source "$1"; COMP_WORDS=(${@:2}); COMP_CWORD=$(( $# - 2 )); _openbell; echo "${COMPREPLY[@]}"`,
				"bash", script)
			cmd.Args = append(cmd.Args, words...)
			got, err := cmd.Output()
			if err != nil || strings.TrimSpace(string(got)) != want {
				t.Errorf("bash completes %q to %q (%v), want %q", line, got, err, want)
			}
		}
	}
}
