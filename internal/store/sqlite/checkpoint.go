package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// checkpointEvery is how often the checkpointer copies the write-ahead log
// into the database file.
const checkpointEvery = 100 * time.Millisecond

// checkpointer copies the write-ahead log into the database file on a
// connection of its own, off the writer's path. SQLite would otherwise do it
// inside whichever commit crossed 1,000 pages of log, with an fsync, while
// every other write waits; the writer connections run with
// wal_autocheckpoint(0). A PASSIVE checkpoint never blocks the writer or the
// readers: it copies what no reader still needs, and the writer starts the
// log over once all of it is copied.
type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done chan struct{}
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
			_, _ = c.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
		case <-c.stop:
			return
		}
	}
}

// close stops the loop after the writer has stopped and empties the log into
// the database file, so that a closed database is one file.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	_, err := c.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)")
	if cerr := c.db.Close(); err == nil {
		err = cerr
	}
	return err
}
