package booking

import (
	"context"
	"time"
)

// Selection exposes a validated hold request to the benchmarks of package
// booking_test, so they can time firstFree alone.
type Selection = selection

// Select validates req as Hold does.
func (s *Service) Select(ctx context.Context, req HoldRequest) (Selection, error) {
	return s.selectSlots(ctx, req)
}

// FirstFree runs the first-free search of a hold made at now.
func (s *Service) FirstFree(ctx context.Context, sel Selection, now time.Time) (time.Time, error) {
	return s.firstFree(ctx, sel, now)
}
