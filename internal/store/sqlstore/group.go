package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/openbell/openbell/internal/store"
)

// maxGroup bounds how many write transactions share one commit.
const maxGroup = 64

// errClosed answers a write that arrives after Close.
var errClosed = errors.New("store: closed")

// groupWriter runs the write transactions of an engine with a single writer
// (SQLite) on one goroutine and commits together those that queued up while
// the previous commit ran (group commit). Each request runs in a savepoint of
// the shared transaction: when it fails, its savepoint is rolled back and the
// others are untouched, so a request still happens completely or not at all.
// Nobody hears back before the commit; when the shared transaction itself
// fails, each request runs again in a transaction of its own.
//
// fn runs on the writer's goroutine: it must not end it (runtime.Goexit, as
// t.FailNow does in a test); a panic is turned into the request's error.
//
// A commit is the costly part of a small write on SQLite (writing each
// changed page to the log, and page headers of the log); sharing it among the
// requests waiting for the writer is what lets a single writer keep up with
// many connections.
type groupWriter struct {
	db        *DB
	queue     chan *pendingWrite // unbuffered: waiting writers block on it
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

type pendingWrite struct {
	ctx  context.Context
	fn   func(store.Tx) error
	err  error
	done chan struct{}
}

func newGroupWriter(db *DB) *groupWriter {
	g := &groupWriter{db: db, queue: make(chan *pendingWrite), stop: make(chan struct{}), done: make(chan struct{})}
	go g.loop()
	return g
}

// write queues fn and waits for its outcome. A context canceled while the
// request waits for the writer abandons it; once its turn has come it runs to
// the end (canceling one statement would roll back the whole group).
func (g *groupWriter) write(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := &pendingWrite{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case g.queue <- p:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.stop:
		return errClosed
	}
	<-p.done
	return p.err
}

// close stops the writer after the group it is running.
func (g *groupWriter) close() {
	g.closeOnce.Do(func() { close(g.stop) })
	<-g.done
}

func (g *groupWriter) loop() {
	defer close(g.done)
	batch := make([]*pendingWrite, 0, maxGroup)
	for {
		select {
		case p := <-g.queue:
			batch = append(batch[:0], p)
		case <-g.stop:
			return
		}
	more:
		for len(batch) < maxGroup {
			select {
			case p := <-g.queue:
				batch = append(batch, p)
			default:
				break more
			}
		}
		g.run(batch)
		for _, p := range batch {
			close(p.done)
		}
		clear(batch)
		if g.db.betweenGroups != nil {
			g.db.betweenGroups()
		}
	}
}

// run sets the outcome of every request of batch.
func (g *groupWriter) run(batch []*pendingWrite) {
	if len(batch) == 1 {
		p := batch[0]
		if p.err = g.db.writeAlone(p.ctx, p.fn); p.err == nil && g.db.observer != nil {
			g.db.observer.GroupCommitted(1)
		}
		return
	}
	if g.runGroup(batch) {
		return
	}
	for _, p := range batch {
		if p.ctx.Err() != nil {
			p.err = p.ctx.Err()
			continue
		}
		p.err = g.db.writeAlone(p.ctx, p.fn)
	}
}

// errBroken reports that the shared transaction can no longer be trusted.
var errBroken = errors.New("store: group transaction broken")

// runGroup runs batch in one transaction, each request in a savepoint. It
// returns false when the transaction failed as a whole, leaving every
// outcome to be decided again.
func (g *groupWriter) runGroup(batch []*pendingWrite) bool {
	db := g.db
	ctx := context.Background()
	sqlTx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return false
	}
	queued := false
	bound := map[string]*sql.Stmt{}
	for _, p := range batch {
		if p.err = p.ctx.Err(); p.err != nil {
			continue
		}
		t := &tx{db: db, tx: sqlTx, ctx: ctx, write: true, prepare: true, bound: bound}
		if _, err := t.exec("SAVEPOINT w"); err != nil {
			_ = sqlTx.Rollback()
			return false
		}
		q, err := g.member(t, p.fn)
		if errors.Is(err, errBroken) {
			_ = sqlTx.Rollback()
			return false
		}
		p.err = err
		queued = queued || q
	}
	if err := sqlTx.Commit(); err != nil {
		return false
	}
	if db.observer != nil {
		db.observer.GroupCommitted(len(batch))
	}
	if queued {
		db.signalQueued()
	}
	return true
}

// member runs one request in the open savepoint "w" and releases it, rolled
// back to its start when the request fails. Requests that lost a race run
// again, as Write promises. queued reports that the request, as committed,
// queued webhook deliveries.
func (g *groupWriter) member(t *tx, fn func(store.Tx) error) (queued bool, err error) {
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			t = &tx{db: t.db, tx: t.tx, ctx: t.ctx, write: true, prepare: true, bound: t.bound}
		}
		err = guard(fn, t)
		if err == nil {
			err = t.flushCounts()
		}
		if err == nil {
			if _, err := t.exec("RELEASE w"); err != nil {
				return false, errBroken
			}
			return t.queued, nil
		}
		if _, rerr := t.exec("ROLLBACK TO w"); rerr != nil {
			return false, errBroken
		}
		if !g.db.retryable(err) {
			break
		}
	}
	if _, rerr := t.exec("RELEASE w"); rerr != nil {
		return false, errBroken
	}
	return false, err
}

// guard runs fn, turning a panic into an error: fn runs on the writer's
// goroutine, where a panic would end the process rather than one request.
func guard(fn func(store.Tx) error, t store.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in write transaction: %v\n%s", r, debug.Stack())
		}
	}()
	return fn(t)
}

// writeAlone runs fn in a transaction of its own, retried as Write promises.
func (db *DB) writeAlone(ctx context.Context, fn func(store.Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = db.run(ctx, db.writer, nil, func(t store.Tx) error { return guard(fn, t) })
		if !db.retryable(err) {
			return err
		}
	}
	return err
}

// retryable reports whether a transaction that failed with err may simply
// run again.
func (db *DB) retryable(err error) bool {
	return errors.Is(err, store.ErrRetry) || (db.d.IsRetryable != nil && db.d.IsRetryable(err))
}
