package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestFailedFirstStartsLeaveTheToken: a first start that fails, because one
// of its ports is taken or its seed is broken, shows no token and leaves none
// behind, so that the next good start prints one that works (API.md section
// 6).
func TestFailedFirstStartsLeaveTheToken(t *testing.T) {
	dir := t.TempDir()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	out, _, err := runOnce(t, nil, "serve", "--addr", taken.Addr().String(), "--data-dir", dir, "--log-level", "error")
	if err == nil || !strings.Contains(err.Error(), taken.Addr().String()) || !strings.Contains(err.Error(), "in use") {
		t.Errorf("start on a port in use: %v, want an error naming the address in use", err)
	}
	if tokenLine.MatchString(out) {
		t.Errorf("the start on a port in use printed a token: %q", out)
	}
	out, _, err = runOnce(t, nil, "serve", "--addr", freeAddr(t), "--metrics-addr", taken.Addr().String(), "--data-dir", dir, "--log-level", "error")
	if err == nil || !strings.Contains(err.Error(), "--metrics-addr "+taken.Addr().String()) {
		t.Errorf("start with its metrics address in use: %v, want an error naming it", err)
	}
	if tokenLine.MatchString(out) {
		t.Errorf("the start with its metrics address in use printed a token: %q", out)
	}
	seed := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(seed, []byte("accounts:\n  - name: [unclosed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err = runOnce(t, nil, "serve", "--addr", freeAddr(t), "--data-dir", dir, "--seed", seed, "--log-level", "error")
	if err == nil || !strings.Contains(err.Error(), seed) {
		t.Errorf("start with a broken seed: %v, want an error naming the file", err)
	}
	if tokenLine.MatchString(out) {
		t.Errorf("the start with a broken seed printed a token: %q", out)
	}
	addr, stdout, stop := serve(t, nil, "--data-dir", dir)
	defer stop()
	m := tokenLine.FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("the first good start printed no token: %q", stdout.String())
	}
	if code := get(t, "http://"+addr+"/v1/contacts", m[1]); code != 200 {
		t.Errorf("its token answered %d", code)
	}
}

// TestBanner: once the server listens, the banner says where it is, shows
// the new token, the data directory, a request to try and where the docs
// are.
func TestBanner(t *testing.T) {
	dir := t.TempDir()
	addr, stdout, stop := serve(t, nil, "--data-dir", dir)
	defer stop()
	out := stdout.String()
	m := tokenLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no token in the banner: %q", out)
	}
	url := "http://" + addr
	for _, want := range []string{
		"listening on " + url,
		url + "/v1",
		"inbox      " + url + "/ (the web inbox: sign in with the token",
		dir + " (SQLite)",
		`curl -H "Authorization: Bearer ` + m[1] + `" ` + url + "/v1/contacts",
		"docs",
		"openbell --help",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the banner lacks %q:\n%s", want, out)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// Later starts show where the server is, and how to get a token.
	_, stdout, stop = serve(t, nil, "--data-dir", dir)
	defer stop()
	if out := stdout.String(); tokenLine.MatchString(out) || !strings.Contains(out, "openbell token create") {
		t.Errorf("the banner of a later start: %q", out)
	}
}

// TestSecondServeOnOneDataDir: a second serve on a data directory in use
// exits at once, naming the directory and the process holding it.
func TestSecondServeOnOneDataDir(t *testing.T) {
	dir := t.TempDir()
	_, _, stop := serve(t, nil, "--data-dir", dir, "--api-key", "k")
	defer stop()
	_, _, err := runOnce(t, nil, "serve", "--addr", freeAddr(t), "--data-dir", dir)
	if err == nil {
		t.Fatal("a second serve started on a data directory in use")
	}
	for _, want := range []string{dir, "pid " + strconv.Itoa(os.Getpid())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}
