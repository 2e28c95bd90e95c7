// Package sqlite opens the embedded SQLite engine of openbell: one file in the
// data directory, WAL journal, serialized writes on a writer pool and a reader
// pool, with the migrations of this folder.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// FileName is the database file inside the data directory.
const FileName = "openbell.db"

// Open opens (creating when needed) the database in dataDir, migrates it and
// runs prepare (when not nil) on it.
func Open(ctx context.Context, dataDir string, prepare func(context.Context, store.Store) error) (*sqlstore.DB, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	path := filepath.Join(dataDir, FileName)
	// synchronous=NORMAL is durable across process crashes in WAL mode (only
	// an OS crash can lose the last transactions); busy_timeout covers the
	// moments the checkpointer holds a lock (its own connection waits less:
	// see checkpointBusy).
	pragmas := "_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas
	dsn := base + "&_pragma=busy_timeout(10000)"
	// The writer: the checkpointer, not the writer, copies the log into the
	// database; it keeps up to 16 MB of pages (the readers the default
	// 2 MB); temp_store=MEMORY keeps the savepoints' journal of a group
	// commit in memory (on a temporary file it cost 15% of the CPU).
	writer, err := sql.Open("sqlite", dsn+"&_txlock=immediate&_pragma=wal_autocheckpoint(0)&_pragma=cache_size(-16000)&_pragma=journal_size_limit(67108864)&_pragma=temp_store(MEMORY)")
	if err != nil {
		return nil, err
	}
	// Writes run one at a time (Dialect.SerializeWrites); the second
	// connection lets a statement be prepared while a write is open.
	writer.SetMaxOpenConns(2)
	writer.SetMaxIdleConns(2)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	reader, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, err
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	reader.SetConnMaxIdleTime(0)
	db := sqlstore.New(sqlstore.Dialect{
		Name:              "sqlite",
		IsUniqueViolation: isUniqueViolation,
		SerializeWrites:   true,
		LastInsertID:      true,
	}, writer, reader)
	sub, _ := fs.Sub(migrations, "migrations")
	if err := db.Migrate(ctx, sub); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	cp, err := sql.Open("sqlite", base+"&_pragma=busy_timeout("+strconv.Itoa(checkpointBusy)+")")
	if err != nil {
		db.Close()
		return nil, err
	}
	cp.SetMaxOpenConns(1)
	c := startCheckpointer(cp)
	db.BetweenWrites(c.restart)
	db.AtClose(c.close)
	if prepare != nil {
		if err := prepare(ctx, db); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

func isUniqueViolation(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
