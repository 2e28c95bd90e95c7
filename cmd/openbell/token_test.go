package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ob "github.com/openbell/openbell"
)

// TestTokenCommands: openbell token create prints a new token once (for the
// default account or --account), list shows tokens by name with account and
// creation time and never a secret, and a revoked token stops working on a
// running server.
func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	seed := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(seed, []byte("accounts:\n  - name: Acme\n    users:\n      - {email: ana@acme.test, name: Ana, admin: true}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, _, stop := serve(t, nil, "--data-dir", dir, "--api-key", "pinned-key", "--seed", seed)
	defer stop()
	url := "http://" + addr + "/v1/contacts"
	env := map[string]string{"OPENBELL_DATA_DIR": dir}

	created, stderr, err := runOnce(t, env, "token", "create")
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(created)
	if !tokenLine.MatchString("    "+secret) || strings.Count(created, "\n") != 1 {
		t.Fatalf("token create printed %q, want one token on one line", created)
	}
	name := "key-" + ob.HashToken(secret)[:8]
	if !strings.Contains(stderr, name) || !strings.Contains(stderr, "Demo") {
		t.Errorf("token create said %q, want the token's name and account", stderr)
	}
	if code := get(t, url, secret); code != 200 {
		t.Errorf("the created token answered %d", code)
	}
	acme, _, err := runOnce(t, nil, "token", "create", "--account", "Acme", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	acme = strings.TrimSpace(acme)
	if code := get(t, url, acme); code != 200 {
		t.Errorf("Acme's token answered %d", code)
	}
	if _, _, err := runOnce(t, env, "token", "create", "--account", "Nobody"); err == nil || !strings.Contains(err.Error(), "Nobody") {
		t.Errorf("create for a missing account: %v", err)
	}

	list, _, err := runOnce(t, env, "token", "list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("token list: %q, want a header and three tokens", list)
	}
	today := time.Now().UTC().Format("2006-01-02")
	for _, want := range []string{name, "key-" + ob.HashToken("pinned-key")[:8], "key-" + ob.HashToken(acme)[:8], "Demo", "Acme", today} {
		if !strings.Contains(list, want) {
			t.Errorf("token list lacks %q:\n%s", want, list)
		}
	}
	for _, secret := range []string{secret, acme, "pinned-key", ob.HashToken(secret)} {
		if strings.Contains(list, secret) {
			t.Errorf("token list shows a secret or a hash:\n%s", list)
		}
	}
	if only, _, err := runOnce(t, env, "token", "list", "--account", "Acme"); err != nil || strings.Contains(only, name) || !strings.Contains(only, "Acme") {
		t.Errorf("token list --account Acme: %v %q", err, only)
	}

	out, _, err := runOnce(t, env, "token", "revoke", name)
	if err != nil || !strings.Contains(out, name) {
		t.Fatalf("token revoke: %v %q", err, out)
	}
	// The server's cache holds an answer for a second; the deadline only
	// bounds how long a server that never notices is waited for.
	deadline := time.Now().Add(20 * time.Second)
	for get(t, url, secret) != 401 {
		if time.Now().After(deadline) {
			t.Fatal("the running server still accepts the revoked token")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code := get(t, url, "pinned-key"); code != 200 {
		t.Errorf("another token answered %d after a revocation", code)
	}
	if _, _, err := runOnce(t, env, "token", "revoke", name); err == nil || !strings.Contains(err.Error(), name) {
		t.Errorf("revoking a revoked token: %v", err)
	}
	list, _, _ = runOnce(t, env, "token", "list")
	if strings.Contains(list, name) {
		t.Errorf("token list still shows the revoked token:\n%s", list)
	}
}

// TestTokenCommandsNeedADatabase: the token commands make no database: an
// empty data directory is an error naming it.
func TestTokenCommandsNeedADatabase(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"token", "list"}, {"token", "create"}, {"token", "revoke", "key-1"}} {
		_, _, err := runOnce(t, nil, append(args, "--data-dir", dir)...)
		if err == nil || !strings.Contains(err.Error(), dir) {
			t.Errorf("%v on an empty directory: %v", args, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the token commands wrote into an empty directory: %v", entries)
	}
}
