package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/openbell/openbell/internal/store/sqlite"
)

// createContact creates a contact through the API and returns its uuid.
func createContact(base string, i int) (string, error) {
	body := fmt.Sprintf(`{"name": "Backup %d", "identifier": "+44 20 7200 %04d", "source": "whatsapp"}`, i, i)
	req, _ := http.NewRequest("POST", base+"/v1/contacts", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+seedToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("POST /v1/contacts: %d %s", resp.StatusCode, b)
	}
	var v struct {
		Contact struct {
			UUID string `json:"uuid"`
		} `json:"contact"`
	}
	if err := json.Unmarshal(b, &v); err != nil || v.Contact.UUID == "" {
		return "", fmt.Errorf("POST /v1/contacts answered %s", b)
	}
	return v.Contact.UUID, nil
}

// countContacts returns meta.pages of the contacts list and the contacts of
// its last page: their number.
func countContacts(t *testing.T, base string) int {
	t.Helper()
	page := func(p int) (n, pages int) {
		code, _, body := call(t, "GET", fmt.Sprintf("%s/v1/contacts?page=%d", base, p))
		if code != 200 {
			t.Fatalf("GET /v1/contacts: %d %s", code, body)
		}
		var v struct {
			Contacts []json.RawMessage   `json:"contacts"`
			Meta     struct{ Pages int } `json:"meta"`
		}
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatal(err)
		}
		return len(v.Contacts), v.Meta.Pages
	}
	_, pages := page(1)
	last, _ := page(pages)
	return (pages-1)*20 + last
}

// TestBackupWhileServing backs up a data directory while its server creates
// contacts, then starts a server on the backup: every contact created
// before the backup began is there, the copy holds no more contacts than
// were created by its end, and the webhook secret key came along.
func TestBackupWhileServing(t *testing.T) {
	data := t.TempDir()
	a, _ := startApp(t, serveConfig(t, "--data-dir", data, "--rate-limit", "0"))

	var (
		mu      sync.Mutex
		created []string
		werr    error
	)
	stop, stopped := make(chan struct{}), make(chan struct{})
	enough := make(chan struct{})
	go func() {
		defer close(stopped)
		for i := 0; i < 5000; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id, err := createContact(a.URL, i)
			mu.Lock()
			if err != nil {
				werr = err
				mu.Unlock()
				return
			}
			created = append(created, id)
			n := len(created)
			mu.Unlock()
			if n == 100 {
				close(enough)
			}
		}
	}()
	select {
	case <-enough:
	case <-stopped:
		t.Fatalf("the writer stopped early: %v", werr)
	}
	mu.Lock()
	before := append([]string(nil), created...)
	mu.Unlock()
	backup := filepath.Join(t.TempDir(), "backup")
	var out bytes.Buffer
	err := RunBackup(context.Background(), []string{"--data-dir", data, backup}, func(string) string { return "" }, &out)
	mu.Lock()
	after := len(created)
	mu.Unlock()
	close(stop)
	<-stopped
	if err != nil {
		t.Fatal(err)
	}
	if werr != nil {
		t.Fatalf("the writes failed during the backup: %v", werr)
	}
	if !strings.Contains(out.String(), "backed up "+filepath.Join(data, sqlite.FileName)) {
		t.Errorf("the backup said %q", out.String())
	}
	key, err := os.ReadFile(filepath.Join(data, KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	if copied, err := os.ReadFile(filepath.Join(backup, KeyFileName)); err != nil || !bytes.Equal(copied, key) {
		t.Errorf("the webhook secret key was not copied: %v", err)
	}

	t.Logf("%d contacts created before the backup, %d by its end", len(before), after)
	b, _ := startApp(t, serveConfig(t, "--data-dir", backup))
	for _, id := range before {
		if code, _, body := call(t, "GET", b.URL+"/v1/contacts/"+id); code != 200 {
			t.Fatalf("contact %s, created before the backup, is not in it: %d %s", id, code, body)
		}
	}
	// The demo workspace's 3 contacts, and what the writer had made.
	if n := countContacts(t, b.URL) - 3; n < len(before) || n > after {
		t.Errorf("the backup holds %d contacts of the writer's; want %d to %d", n, len(before), after)
	}
}

// TestBackupRefuses: a backup needs a SQLite data directory holding a
// database, and a new or empty directory to write to; PostgreSQL is backed
// up with pg_dump.
func TestBackupRefuses(t *testing.T) {
	data := t.TempDir()
	startApp(t, serveConfig(t, "--data-dir", data))
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--data-dir", data, full}, "is not empty"},
		{[]string{"--data-dir", t.TempDir(), filepath.Join(t.TempDir(), "b")}, "holds no openbell database"},
		{[]string{"--database-url", "postgres://db/openbell", filepath.Join(t.TempDir(), "b")}, "pg_dump"},
		{[]string{"--data-dir", data}, "needs one argument"},
	} {
		err := RunBackup(context.Background(), c.args, func(string) string { return "" }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("backup %s: %v, want an error saying %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}
