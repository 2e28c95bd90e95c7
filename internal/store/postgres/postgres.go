// Package postgres opens the PostgreSQL engine of openbell through pgx's
// database/sql adapter, with the migrations of this folder. Several openbell
// processes may share one database: start-up (migrations and the server's
// preparation) takes an advisory lock and contact writes lock their row.
package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	neturl "net/url"
	"os"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/openbell/openbell/internal/store"
	"github.com/openbell/openbell/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// startupLock is the first key of the advisory lock that serializes start-up;
// the second is the schema's, so that servers on different schemas of one
// database (the tests' schemas among them) do not wait for each other.
const startupLock = 72_013_554

// Open connects to url (postgres://...), migrates the database and runs
// prepare (when not nil) on it, all under the start-up lock
// (sqlstore.DB.Prepare).
func Open(ctx context.Context, url string, prepare func(context.Context, store.Store) error) (*sqlstore.DB, error) {
	pool, err := sql.Open("pgx", withApplicationName(url))
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(16)
	pool.SetMaxIdleConns(16)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	db := sqlstore.New(sqlstore.Dialect{
		Name:              "postgres",
		Numbered:          true,
		ForUpdate:         " FOR UPDATE",
		SkipLocked:        " FOR UPDATE SKIP LOCKED",
		ReadOnlyTx:        true,
		IsUniqueViolation: isUniqueViolation,
		IsRetryable:       isRetryable,
		LockStartup:       lockStartup,
	}, pool, pool)
	sub, _ := fs.Sub(migrations, "migrations")
	var then func(context.Context) error
	if prepare != nil {
		then = func(ctx context.Context) error { return prepare(ctx, db) }
	}
	if err := db.Prepare(ctx, sub, then); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// lockStartup takes a session-level advisory lock on conn: it is held
// across the transactions of start-up and given back by the unlock
// function (or when the connection ends, should the process die).
func lockStartup(ctx context.Context, conn *sql.Conn) (func() error, error) {
	const key = "coalesce(current_schema(), '')"
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1, hashtext("+key+"))", startupLock); err != nil {
		return nil, err
	}
	return func() error {
		var released bool
		err := conn.QueryRowContext(context.Background(), "SELECT pg_advisory_unlock($1, hashtext("+key+"))", startupLock).Scan(&released)
		if err == nil && !released {
			err = errors.New("the start-up lock was not held")
		}
		return err
	}, nil
}

// isRetryable: deadlock_detected and serialization_failure abort a
// transaction that is sound to run again.
func isRetryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40P01" || e.Code == "40001")
}

func isUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// applicationPrefix starts the application_name of every openbell
// connection; the rest names the process.
const applicationPrefix = "openbell/"

// withApplicationName names the process's connections in the URL (unless
// the URL names them), so that processes sharing a database can see each
// other in pg_stat_activity.
func withApplicationName(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	if q.Get("application_name") != "" {
		return raw
	}
	host, _ := os.Hostname()
	// The pid names the process; a random part each store it opens.
	var r [3]byte
	_, _ = rand.Read(r[:])
	q.Set("application_name", fmt.Sprintf("%s%s:%d:%x", applicationPrefix, host, os.Getpid(), r))
	u.RawQuery = q.Encode()
	return u.String()
}

// OtherProcesses counts the other openbell processes connected to db's
// database.
func OtherProcesses(ctx context.Context, db *sqlstore.DB) (int, error) {
	var n int
	for _, pool := range db.Pools() {
		err := pool.QueryRowContext(ctx, `SELECT COUNT(DISTINCT application_name) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name LIKE $1 AND application_name <> current_setting('application_name')`,
			applicationPrefix+"%").Scan(&n)
		return n, err
	}
	return 0, nil
}
