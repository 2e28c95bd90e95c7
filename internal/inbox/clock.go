package inbox

import (
	"context"
	"time"

	ob "github.com/openbell/openbell"
	"github.com/openbell/openbell/internal/store"
)

// Clock returns the account's sandbox clock (GET /sandbox/v1/clock): the
// server's time moved forward by POST /sandbox/v1/clock.
func (s *Service) Clock(ctx context.Context, accountID ob.ID) (ClockResult, error) {
	var res ClockResult
	err := s.store.Read(ctx, func(tx store.Tx) error {
		off, err := tx.ClockOffset(accountID)
		if err != nil {
			return err
		}
		res = ClockResult{Now: ob.T1(s.now().Add(off)), OffsetSeconds: int64(off / time.Second)}
		return nil
	})
	return res, err
}
