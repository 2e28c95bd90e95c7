package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// checkpointBusy is the busy timeout (ms) of the checkpointer's connection.
const checkpointBusy = 250

// checkpointEvery is how often the checkpointer copies the write-ahead log
// into the database file; restartFrames is the size of the log (in pages)
// past which the writer pauses between two groups of writes to start the log
// over. Variables for the tests.
var (
	checkpointEvery = 100 * time.Millisecond
	restartFrames   = 4096
)

// checkpointer copies the write-ahead log into the database file on a
// connection of its own, off the writer's path. SQLite would otherwise do it
// inside whichever commit crossed 1,000 pages of log, with an fsync, while
// every other write waits; the writer connections run with
// wal_autocheckpoint(0). A PASSIVE checkpoint never blocks the writer or the
// readers: it copies what no reader still needs.
//
// The log only starts over when a write begins after a checkpoint copied all
// of it, and under a steady load the next group of writes always begins
// first, so the log would grow without end. When a checkpoint finds the log
// longer than restartFrames, the writer therefore takes a RESTART checkpoint
// between two groups (restart): it copies the few pages the checkpointer has
// not, waits for the readers to leave the log, and the next write starts it
// over (and journal_size_limit trims the file). It runs on the
// checkpointer's connection, whose busy timeout is short (checkpointBusy): a
// long read holds the writer back for that long at most, and the next
// checkpoint asks again.
type checkpointer struct {
	db        *sql.DB
	long      atomic.Bool // the last checkpoint found the log longer than restartFrames
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

func startCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

func (c *checkpointer) loop() {
	defer close(c.done)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			// A failure (say, a busy database file) is retried at the next tick.
			var busy, frames, copied int
			err := c.db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
			if err == nil && frames > restartFrames {
				c.long.Store(true)
			}
		case <-c.stop:
			return
		}
	}
}

// restart runs on the writer between two groups of writes (see
// sqlstore.DB.BetweenWrites).
func (c *checkpointer) restart() {
	if c.long.CompareAndSwap(true, false) {
		// Readers that stay longer than the busy timeout make it return
		// early; the next checkpoint asks again.
		_, _ = c.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(RESTART)")
	}
}

// close stops the loop after the writer has stopped and empties the log into
// the database file when no reader is left, so that a closed database is one
// file (a reader still busy leaves the log for the next start, which is as
// safe).
func (c *checkpointer) close() error {
	c.closeOnce.Do(func() {
		close(c.stop)
		<-c.done
		_, _ = c.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)")
		c.closeErr = c.db.Close()
	})
	return c.closeErr
}
