// Package sqlstore implements store.Store on database/sql with SQL shared by
// both engines. Where the engines differ (placeholders, row locks, unique
// violations, migration locking) the engine package passes a Dialect.
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// Dialect is what differs between engines.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Numbered rewrites `?` placeholders to `$1, $2, ...`.
	Numbered bool
	// ForUpdate is appended to a contact lookup to lock the row ("" when the
	// engine has a single writer anyway).
	ForUpdate string
	// SkipLocked is appended to a claim of queued work so that concurrent
	// processes take different rows ("" on SQLite's single writer).
	SkipLocked string
	// LastInsertID says the driver reports the rowid of an insert, which
	// is cheaper than reading it back with RETURNING.
	LastInsertID bool
	// ReadOnlyTx asks the driver for read-only read transactions.
	ReadOnlyTx bool
	// IsRetryable reports whether err aborted a transaction that may simply
	// run again (a deadlock or a serialization failure).
	IsRetryable func(error) bool
	// IsUniqueViolation reports whether err is a unique-constraint violation.
	IsUniqueViolation func(error) bool
	// SerializeWrites runs write transactions one at a time in this process,
	// committing together those that wait for the writer (see groupWriter),
	// and keeps prepared statements of the writer pool across them: SQLite
	// has a single writer, and re-parsing each statement was a third of the
	// cost of a write.
	SerializeWrites bool
	// LockStartup takes, on conn, the lock that serializes start-up across
	// the processes that share the database (see Prepare); it returns the
	// unlock function, which reports whether the lock was given back. Nil
	// when one process owns the database.
	LockStartup func(ctx context.Context, conn *sql.Conn) (unlock func() error, err error)
}

// DB is a store.Store on a writer pool and a reader pool (the same pool for
// PostgreSQL).
type DB struct {
	d      Dialect
	writer *sql.DB
	reader *sql.DB
	sqls   sync.Map // query text -> rewritten text
	stmts  sync.Map // query text -> *sql.Stmt of the writer pool
	// group runs the write transactions when Dialect.SerializeWrites.
	group *groupWriter
	// queued is signalled after a commit that queued webhook deliveries.
	queued chan struct{}
	// atClose runs after the writer stops, before the pools close.
	atClose []func() error
	// betweenGroups runs on the writer after each group, with no write
	// transaction open.
	betweenGroups func()
	// observer hears of write transactions and group commits (metrics).
	observer store.Observer
}

var _ store.Store = (*DB)(nil)

// New returns a DB. writer and reader may be the same pool.
func New(d Dialect, writer, reader *sql.DB) *DB {
	db := &DB{d: d, writer: writer, reader: reader, queued: make(chan struct{}, 1)}
	if d.SerializeWrites {
		db.group = newGroupWriter(db)
	}
	return db
}

// Engine implements store.Store.
func (db *DB) Engine() string { return db.d.Name }

// Close closes both pools.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.close()
	}
	var errs []error
	for _, fn := range db.atClose {
		errs = append(errs, fn())
	}
	db.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	errs = append(errs, db.writer.Close())
	if db.reader != db.writer {
		errs = append(errs, db.reader.Close())
	}
	return errors.Join(errs...)
}

// BetweenWrites registers fn to run on the writer after each group of write
// transactions, while none is open (Dialect.SerializeWrites only): the
// engine's maintenance that must not overlap a write runs there. Call it
// before the first Write.
func (db *DB) BetweenWrites(fn func()) { db.betweenGroups = fn }

// AtClose registers fn to run when the DB closes, after the last write and
// before the pools close: an engine's background work stops there.
func (db *DB) AtClose(fn func() error) { db.atClose = append(db.atClose, fn) }

// Observe registers o to hear of write transactions and group commits.
// Call it before the first Write.
func (db *DB) Observe(o store.Observer) { db.observer = o }

// Pools returns the database pools by role, for their statistics.
func (db *DB) Pools() map[string]*sql.DB {
	if db.reader == db.writer {
		return map[string]*sql.DB{"pool": db.writer}
	}
	return map[string]*sql.DB{"writer": db.writer, "reader": db.reader}
}

// Ping implements store.Store: the database answers and is migrated.
func (db *DB) Ping(ctx context.Context) error {
	var n int
	return db.reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n)
}

// Read implements store.Store.
func (db *DB) Read(ctx context.Context, fn func(store.Tx) error) error {
	return db.run(ctx, db.reader, &sql.TxOptions{ReadOnly: db.d.ReadOnlyTx}, fn)
}

// Write implements store.Store.
func (db *DB) Write(ctx context.Context, fn func(store.Tx) error) (err error) {
	if db.observer != nil {
		defer func() { db.observer.WriteDone(err) }()
	}
	if db.group != nil {
		return db.group.write(ctx, fn)
	}
	return db.writeAlone(ctx, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(store.Tx) error) error {
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &tx{db: db, tx: sqlTx, ctx: ctx, write: opts == nil, prepare: db.d.SerializeWrites && opts == nil, bound: map[string]*sql.Stmt{}}
	if err := fn(t); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := t.flushCounts(); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if t.queued {
		db.signalQueued()
	}
	return nil
}

// q rewrites a query for the dialect, caching the result.
func (db *DB) q(query string) string {
	if !db.d.Numbered {
		return query
	}
	if s, ok := db.sqls.Load(query); ok {
		return s.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	s := b.String()
	db.sqls.Store(query, s)
	return s
}

// Migrate applies the embedded migrations (files NNNN_name.sql in fsys) that
// are not yet recorded in schema_migrations, one transaction each.
func (db *DB) Migrate(ctx context.Context, fsys fs.FS) error { return db.Prepare(ctx, fsys, nil) }

// Prepare migrates the database (as Migrate) and then runs prepare, when
// not nil, with the start-up lock held throughout (Dialect.LockStartup):
// processes that start at once on one database take turns, and each finds
// what the ones before it made, so a server's preparation (the default
// account, its tokens, a fixture) happens once. prepare reaches the
// database through db as usual; the lock is held on a connection of its
// own.
func (db *DB) Prepare(ctx context.Context, fsys fs.FS, prepare func(context.Context) error) error {
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return err
	}
	if db.d.LockStartup == nil {
		err := db.migrate(ctx, conn, fsys)
		// SQLite's writer pool has two connections, which prepare's
		// writes need.
		conn.Close()
		if err != nil || prepare == nil {
			return err
		}
		return prepare(ctx)
	}
	unlock, err := db.d.LockStartup(ctx, conn)
	if err != nil {
		conn.Close()
		return fmt.Errorf("start-up lock: %w", err)
	}
	defer func() {
		if err := unlock(); err != nil {
			// A session lock lives as long as its connection: one that was
			// not given back must not go back to the pool with it.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}()
	if err := db.migrate(ctx, conn, fsys); err != nil {
		return err
	}
	if prepare == nil {
		return nil
	}
	return prepare(ctx)
}

func (db *DB) migrate(ctx context.Context, conn *sql.Conn, fsys fs.FS) error {
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		var n int
		if err := conn.QueryRowContext(ctx, db.q("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, db.q("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"), name, time.Now().UnixMilli()); err != nil {
			_ = tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

// tx implements store.Tx.
type tx struct {
	db  *DB
	tx  *sql.Tx
	ctx context.Context
	// write is true in a write transaction; prepare uses the writer's
	// cached prepared statements, bound to the transaction once each in
	// bound (shared by the requests of a group).
	write, prepare bool
	bound          map[string]*sql.Stmt
	// loaded keeps what UpdateContact needs of each contact this
	// transaction read, so that an update does not read the row again.
	loaded map[ob.ID]storedContact
	// hooks remembers the webhook subscriptions read (see subscriptions).
	hooks map[ob.ID]*hookSubs
	// counts sums the contact count changes until the commit.
	counts map[countKey]int
	// queued records that the transaction queued webhook deliveries (or made
	// some due), to signal the worker after the commit.
	queued bool
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(query); st != nil {
		return st.QueryContext(t.ctx, args...)
	}
	return t.tx.QueryContext(t.ctx, t.db.q(query), args...)
}

func (t *tx) queryRow(query string, args ...any) *sql.Row {
	if st := t.stmt(query); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, t.db.q(query), args...)
}

// stmt returns the transaction's handle on the writer's prepared statement
// of query, nil when statements are not cached (or cannot be prepared: the
// query then runs unprepared and reports its own error).
func (t *tx) stmt(query string) *sql.Stmt {
	if !t.prepare {
		return nil
	}
	if st, ok := t.bound[query]; ok {
		return st
	}
	ps, ok := t.db.stmts.Load(query)
	if !ok {
		// Writes are serialized, so the writer pool's second connection is
		// free to prepare on; the transaction's connection prepares its own
		// copy once, on first use.
		p, err := t.db.writer.PrepareContext(t.ctx, t.db.q(query))
		if err != nil {
			return nil
		}
		if ps, ok = t.db.stmts.LoadOrStore(query, p); ok {
			p.Close()
		}
	}
	st := t.tx.StmtContext(t.ctx, ps.(*sql.Stmt))
	t.bound[query] = st
	return st
}

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	if st := t.stmt(query); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, t.db.q(query), args...)
}

// one maps "no rows" to the not-found error of object.
func one(err error, object string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ob.NotFound(object)
	}
	return err
}

// list runs a query and scans each row with scan.
func list[T any](t *tx, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// get runs a one-row query; object names the not-found error.
func get[T any](t *tx, object string, scan func(scanner) (T, error), query string, args ...any) (*T, error) {
	v, err := scan(t.queryRow(query, args...))
	if err != nil {
		return nil, one(err, object)
	}
	return &v, nil
}

type scanner interface{ Scan(dest ...any) error }

// flag scans a 0/1 integer column into a bool.
type flag bool

func (f *flag) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*f = v != 0
	case bool:
		*f = flag(v)
	case nil:
		*f = false
	default:
		return fmt.Errorf("flag: unexpected %T", src)
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// millis scans a Unix-milliseconds column into a time.
type millis time.Time

func (m *millis) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*m = millis(ob.FromMillis(v))
	case nil:
		*m = millis(time.Time{})
	default:
		return fmt.Errorf("millis: unexpected %T", src)
	}
	return nil
}

// jsonText scans a JSON text column into a value.
type jsonText struct{ v any }

func (j jsonText) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	case nil:
		return nil
	default:
		return fmt.Errorf("json column: unexpected %T", src)
	}
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, j.v)
}

// toJSON encodes v for a JSON text column; empty lists and maps become "".
func toJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain lists and maps are stored
	}
	return string(b)
}

// micros scans a Unix-microseconds column (contacts.activity_at, the list
// order key) into a time.
type micros time.Time

func (m *micros) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		if v == 0 {
			*m = micros(time.Time{})
		} else {
			*m = micros(time.UnixMicro(v).UTC())
		}
	case nil:
		*m = micros(time.Time{})
	default:
		return fmt.Errorf("micros: unexpected %T", src)
	}
	return nil
}

// micro is the column value of an activity time: Unix microseconds, 0 for
// none.
func micro(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}
