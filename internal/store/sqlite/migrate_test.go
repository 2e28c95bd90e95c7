package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/sqlstore"
)

// TestMessageLocalityMigration: a database that holds received messages
// from before 0005 keeps its 24-hour windows (last_inbound_at is filled from
// the messages), and messages written afterwards still list after the older
// ones of their contact.
func TestMessageLocalityMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	db := sqlstore.New(sqlstore.Dialect{Name: "sqlite"}, raw, raw)
	sub, _ := fs.Sub(migrations, "migrations")
	before := fstest.MapFS{}
	names, _ := fs.Glob(sub, "*.sql")
	for _, n := range names {
		if strings.Compare(n, "0005") < 0 {
			body, _ := fs.ReadFile(sub, n)
			before[n] = &fstest.MapFile{Data: body}
		}
	}
	if err := db.Migrate(ctx, before); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	a := &ob.Account{ID: ob.NewID(), Name: "Acme", CreatedAt: now}
	ch := &ob.Channel{ID: ob.NewID(), AccountID: a.ID, Type: "whatsapp", Title: "WA", Identifier: "15550001111", Main: true, CreatedAt: now}
	c := &ob.Contact{ID: ob.NewID(), AccountID: a.ID, ChannelID: ch.ID, Channel: *ch, Name: "Ann", Identifier: "15550002222",
		CreatedAt: now, ActivityAt: now, ConversationID: ob.NewID(), ConversationCreatedAt: now}
	if err := db.Write(ctx, func(tx store.Tx) error {
		if err := tx.InsertAccount(a); err != nil {
			return err
		}
		if err := tx.InsertChannel(ch); err != nil {
			return err
		}
		return tx.InsertContact(c)
	}); err != nil {
		t.Fatal(err)
	}
	received := now.Add(-time.Hour)
	for i, m := range []struct {
		kind string
		at   time.Time
	}{{ob.MessageReceived, received.Add(-time.Hour)}, {ob.MessageReceived, received}, {ob.MessageSent, now}} {
		if _, err := raw.Exec(`INSERT INTO messages (id, account_id, contact_id, seq, kind, text, channel, from_addr, to_addr, created_at)
			VALUES (?, ?, ?, ?, ?, 'x', 'whatsapp', '1', '2', ?)`, ob.NewID(), a.ID, c.ID, i+1, m.kind, ob.Millis(m.at)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Migrate(ctx, sub); err != nil {
		t.Fatal(err)
	}
	var last time.Time
	if err := db.Write(ctx, func(tx store.Tx) error {
		if last, err = tx.LastInboundAt(a.ID, c.ID); err != nil {
			return err
		}
		return tx.InsertMessage(&ob.Message{AccountID: a.ID, ContactID: c.ID, Kind: ob.MessageNote, Text: "after",
			Channel: "whatsapp", From: "1", To: "1", CreatedAt: now})
	}); err != nil {
		t.Fatal(err)
	}
	if !last.Equal(received) {
		t.Errorf("last inbound %v, want %v", last, received)
	}
	var texts []string
	_ = db.Read(ctx, func(tx store.Tx) error {
		page, _, err := tx.ListMessages(a.ID, c.ID, 0, 10)
		for _, m := range page {
			texts = append(texts, m.Text)
		}
		return err
	})
	if len(texts) != 4 || texts[0] != "after" {
		t.Errorf("messages newest first: %v, want the one written after the migration first (same millisecond as the last)", texts)
	}
}
