package sandbox

import (
	"context"
	"log/slog"
	"time"

	"github.com/openbell/openbell/internal/inbox"
)

// batch is how many delivery steps one transaction takes.
const batch = 200

// Progression moves outbound messages through enqueued, sent, delivered and
// read. The steps are stored with their due time, so the work survives a
// restart; several processes on one PostgreSQL database share it (each step
// is claimed by one of them).
type Progression struct {
	svc  *inbox.Service
	log  *slog.Logger
	poll time.Duration
	lag  func(time.Duration)
}

// NewProgression returns a worker that looks for due steps every poll (and
// at once after a send scheduled one). lag, when not nil, hears how late
// each batch's most overdue step was taken.
func NewProgression(svc *inbox.Service, log *slog.Logger, interval time.Duration, lag func(time.Duration)) *Progression {
	poll := min(max(interval/4, 2*time.Millisecond), 250*time.Millisecond)
	if lag == nil {
		lag = func(time.Duration) {}
	}
	return &Progression{svc: svc, log: log, poll: poll, lag: lag}
}

// Run works until ctx ends.
func (p *Progression) Run(ctx context.Context) {
	timer := time.NewTimer(p.poll)
	defer timer.Stop()
	for {
		n, lag, err := p.svc.AdvanceDeliveries(ctx, batch)
		if err != nil && ctx.Err() == nil {
			p.log.Error("delivery progression", slog.Any("err", err))
		}
		if n > 0 {
			p.lag(lag)
		}
		if n == batch && err == nil {
			continue // more are due
		}
		timer.Reset(p.poll)
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-p.svc.Scheduled():
		}
	}
}
