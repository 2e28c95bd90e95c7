package main

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// sqliteFileName is the server's database file in its data directory
// (internal/store/sqlite.FileName).
const sqliteFileName = "openbell.db"

// Reading the event log after the load (the send scenario): every
// logPollEvery, the rows past what a read at least logOverlap earlier had
// seen; after the last read event, logSettle more, in which a late duplicate
// would still show.
const (
	logPollEvery = 200 * time.Millisecond
	logOverlap   = 2 * time.Second
	logSettle    = time.Second
)

// eventLog reads the message_status_updated events of the server under
// test from its own event log, the events table (id, account_id, name,
// contact_id, payload JSON, created_at in unix ms). The uuid and status are
// taken out of the payload in SQL, so only they cross the connection.
type eventLog struct {
	db    *sql.DB
	query string // status events with an id above the argument, in id order
	base  int64  // the largest id when the scenario was set up: events up to it are not the bench's
	polls int
	rows  int64
}

// openEventLog opens the server's database: the SQLite file in dataDir,
// read-only, or the PostgreSQL database of databaseURL when it is set.
func openEventLog(ctx context.Context, dataDir, databaseURL string) (*eventLog, error) {
	var db *sql.DB
	var err error
	l := &eventLog{}
	if databaseURL != "" {
		db, err = sql.Open("pgx", databaseURL)
		l.query = `SELECT id, payload::json->>'uuid', payload::json->>'status', created_at FROM events
			WHERE name = 'message_status_updated' AND id > $1 ORDER BY id`
	} else {
		path := filepath.Join(dataDir, sqliteFileName)
		db, err = sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(5000)")
		l.query = `SELECT id, json_extract(payload, '$.uuid'), json_extract(payload, '$.status'), created_at FROM events
			WHERE name = 'message_status_updated' AND id > ? ORDER BY id`
	}
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	l.db = db
	if err := l.Mark(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return l, nil
}

func (l *eventLog) Close() error { return l.db.Close() }

// Mark makes the events logged so far not the bench's: later reads start
// past them (like a webhook subscribed at this moment).
func (l *eventLog) Mark(ctx context.Context) error {
	return l.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&l.base)
}

// Read hands the status events with an id above after to t, event time =
// created_at, and returns the largest id it read (after when none).
func (l *eventLog) Read(ctx context.Context, t *sendTracker, after int64) (int64, error) {
	l.polls++
	rows, err := l.db.QueryContext(ctx, l.query, after)
	if err != nil {
		return after, err
	}
	defer rows.Close()
	last := after
	for rows.Next() {
		var id, created int64
		var uuid, status sql.NullString
		if err := rows.Scan(&id, &uuid, &status, &created); err != nil {
			return last, err
		}
		l.rows++
		last = max(last, id)
		t.LogEvent(id, uuid.String, status.String, time.UnixMilli(created))
	}
	return last, rows.Err()
}

// drainLog reads the event log after the load until every acknowledged
// message has its read event, at most until loadEnd+timeout, then, after
// settle, reads the whole log once more so that the tally is exact. Each
// poll starts past the largest id that a read at least overlap earlier had
// seen, not past the largest seen: ids are handed out in order but, on
// PostgreSQL, committed in any order, so a row below an id already seen can
// still appear. Rows read twice are counted once (by id). It returns how
// long the reads took after the load ended (to the created_at of the last
// status event) and whether messages were still unread when it gave up.
func drainLog(ctx context.Context, t *sendTracker, l *eventLog, loadEnd time.Time, timeout, every, overlap, settle time.Duration) (time.Duration, bool, error) {
	deadline := loadEnd.Add(timeout)
	type mark struct {
		at time.Time
		id int64
	}
	var marks []mark // the reads of the last overlap, oldest first
	from := l.base
	timedOut := false
	for {
		now := time.Now()
		for len(marks) > 0 && !marks[0].at.After(now.Add(-overlap)) {
			from = marks[0].id
			marks = marks[1:]
		}
		last, err := l.Read(ctx, t, from)
		if err != nil {
			return time.Since(loadEnd), false, err
		}
		marks = append(marks, mark{now, last})
		if n, _ := t.Unread(0); n == 0 {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			timedOut = true
			break
		}
		sleepCtx(ctx, every)
	}
	if !timedOut {
		sleepCtx(ctx, settle)
	}
	if ctx.Err() != nil {
		return time.Since(loadEnd), timedOut, ctx.Err()
	}
	if _, err := l.Read(ctx, t, l.base); err != nil {
		return time.Since(loadEnd), timedOut, err
	}
	if n, _ := t.Unread(0); n > 0 {
		return time.Since(loadEnd), true, nil
	}
	t.mu.Lock()
	last := t.lastEvent
	t.mu.Unlock()
	return max(0, last.Sub(loadEnd)), false, nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}
