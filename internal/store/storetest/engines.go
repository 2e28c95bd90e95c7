// Package storetest opens fresh databases of each engine for tests. The
// PostgreSQL engine runs when OPENBELL_TEST_DATABASE_URL names a database
// (.ci/run creates one); each test then gets its own schema, dropped at the
// end, so no test sees another's rows or an earlier run's.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/openbell/openbell/internal/store/postgres"
	"github.com/openbell/openbell/internal/store/sqlite"
	"github.com/openbell/openbell/internal/store/sqlstore"
)

// EnvDatabaseURL names the PostgreSQL database the tests may use.
const EnvDatabaseURL = "OPENBELL_TEST_DATABASE_URL"

// Engine opens a fresh, migrated, empty store. Open registers cleanup.
type Engine struct {
	Name string
	Open func(t testing.TB) *sqlstore.DB
	// URL returns a database URL for a fresh empty database of this engine
	// ("" for SQLite, whose servers take a data directory instead).
	URL func(t testing.TB) string
}

// Engines returns SQLite and, when configured, PostgreSQL.
func Engines() []Engine {
	return []Engine{
		{Name: "sqlite", Open: OpenSQLite, URL: func(testing.TB) string { return "" }},
		{Name: "postgres", Open: OpenPostgres, URL: PostgresURL},
	}
}

// Each runs fn as a subtest per engine.
func Each(t *testing.T, fn func(t *testing.T, e Engine)) {
	for _, e := range Engines() {
		t.Run(e.Name, func(t *testing.T) { fn(t, e) })
	}
}

// OpenSQLite opens a database in a temporary directory.
func OpenSQLite(t testing.TB) *sqlstore.DB {
	db, err := sqlite.Open(context.Background(), t.TempDir(), nil)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// OpenPostgres opens a fresh schema of the test database, or skips.
func OpenPostgres(t testing.TB) *sqlstore.DB {
	u := PostgresURL(t)
	db, err := postgres.Open(context.Background(), u, nil)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresURL creates a schema for this test and returns a URL whose
// search_path points at it; the schema is dropped when the test ends. It skips
// the test when no database is configured.
func PostgresURL(t testing.TB) string {
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		t.Skip("PostgreSQL tests skipped: set " + EnvDatabaseURL + " (for example postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run them; .ci/run does")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("bad %s: %v", EnvDatabaseURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
