package sqlstore

import (
	"context"

	"github.com/openbell/openbell/internal/store"
)

// RunGroup runs fns as one group of the group writer, as if they had all
// queued while the writer was busy, and returns their outcomes.
func (db *DB) RunGroup(ctx []context.Context, fns []func(store.Tx) error) []error {
	batch := make([]*pendingWrite, len(fns))
	for i, fn := range fns {
		batch[i] = &pendingWrite{ctx: ctx[i], fn: fn, done: make(chan struct{})}
	}
	db.group.run(batch)
	out := make([]error, len(batch))
	for i, p := range batch {
		out[i] = p.err
	}
	return out
}
