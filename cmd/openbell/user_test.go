package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openbell/openbell/internal/apitest"
	"github.com/openbell/openbell/internal/app"
)

// TestUserPassword: openbell user password sets a user's password, read
// from the input, with which a running server's web inbox signs in; an
// e-mail of several accounts needs --account.
func TestUserPassword(t *testing.T) {
	dir := t.TempDir()
	seed := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(seed, []byte("accounts:\n  - name: Acme\n    users:\n      - {email: john.doe@email.com, name: John of Acme, admin: true}\n      - {email: ana@acme.test, name: Ana, admin: true}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, _, stop := serve(t, nil, "--data-dir", dir, "--api-key", "pinned-key", "--seed", seed)
	defer stop()
	getenv := func(k string) string { return map[string]string{"OPENBELL_DATA_DIR": dir}[k] }
	setPassword := func(input string, args ...string) (string, error) {
		var out, errOut apitest.LogBuffer
		err := app.RunUser(context.Background(), append([]string{"password"}, args...), getenv, strings.NewReader(input), &out, &errOut)
		return out.String(), err
	}
	signIn := func(email, password string) int {
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.PostForm("http://"+addr+"/signin", url.Values{"email": {email}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := signIn("ana@acme.test", "ana-password-1"); code != http.StatusUnauthorized {
		t.Errorf("sign in before a password was set: %d", code)
	}
	out, err := setPassword("ana-password-1\n", "ana@acme.test")
	if err != nil || !strings.Contains(out, "ana@acme.test (Ana) can now sign in") {
		t.Fatalf("set: %q, %v", out, err)
	}
	if code := signIn("ana@acme.test", "ana-password-1"); code != http.StatusSeeOther {
		t.Errorf("sign in with the new password: %d", code)
	}
	for _, c := range []struct {
		input string
		args  []string
		want  string
	}{
		{"short\n", []string{"ana@acme.test"}, "too short"},
		{"", []string{"ana@acme.test"}, "no password given"},
		{"long-enough-1\n", []string{"nobody@acme.test"}, "no account has a user nobody@acme.test"},
		{"long-enough-1\n", []string{"john.doe@email.com"}, "several accounts (Demo, Acme): name one with --account"},
		{"long-enough-1\n", []string{"ana@acme.test", "--account", "Demo"}, `the account "Demo" has no user ana@acme.test`},
		{"long-enough-1\n", nil, "needs the e-mail of one user"},
	} {
		if _, err := setPassword(c.input, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v with %q: %v, want %q", c.args, c.input, err, c.want)
		}
	}
	if _, err := setPassword("johns-password\n", "john.doe@email.com", "--account", "Acme"); err != nil {
		t.Fatal(err)
	}
	if code := signIn("john.doe@email.com", "johns-password"); code != http.StatusSeeOther {
		t.Errorf("John of Acme signs in: %d", code)
	}
	if _, _, err := runOnce(t, nil, "user", "frob"); err == nil || !strings.Contains(err.Error(), "want password") {
		t.Errorf("openbell user frob: %v", err)
	}
}
