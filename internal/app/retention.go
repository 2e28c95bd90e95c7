package app

import (
	"context"
	"log/slog"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// pruneBatch is the most rows of each table one pruning transaction
// deletes: enough to keep up, small enough that the transaction never holds
// the SQLite writer (or PostgreSQL's locks) for long.
const pruneBatch = 500

// pruneEvents deletes, at start and then every interval, what is older than
// retention (API.md section 6, --event-retention): the rule of what goes is
// the store's (PruneEvents); this only runs it, one batch per transaction,
// until nothing older is left. On PostgreSQL every process prunes; they
// delete the same rows, so that costs nothing but a little work.
func pruneEvents(ctx context.Context, st store.Store, clock ob.Clock, retention, interval time.Duration, log *slog.Logger) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		before := clock.Now().Add(-retention)
		for more := true; more && ctx.Err() == nil; {
			err := st.Write(ctx, func(tx store.Tx) (err error) {
				more, err = tx.PruneEvents(before, pruneBatch)
				return err
			})
			if err != nil {
				if ctx.Err() == nil {
					log.Error("prune events", slog.Any("err", err))
				}
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
