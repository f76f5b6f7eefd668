package outbox

import (
	"sync"
	"time"
)

// Alarm carries "a message due at t was just committed" from the writers
// of this process to its dispatcher, so that the dispatcher wakes at t
// instead of at its next poll (which stays, for messages written by other
// processes). It is safe for concurrent use.
type Alarm struct {
	mu       sync.Mutex
	earliest time.Time // zero when nothing is pending
	c        chan struct{}
}

// NewAlarm returns an alarm with nothing pending.
func NewAlarm() *Alarm { return &Alarm{c: make(chan struct{}, 1)} }

// Set records a message due at t (after its commit) and signals C.
func (a *Alarm) Set(t time.Time) {
	a.mu.Lock()
	if a.earliest.IsZero() || t.Before(a.earliest) {
		a.earliest = t
	}
	a.mu.Unlock()
	select {
	case a.c <- struct{}{}:
	default: // already signalled; Take will see the earliest
	}
}

// C is signalled after Set.
func (a *Alarm) C() <-chan struct{} { return a.c }

// Take returns the earliest due time set since the last Take, if any.
func (a *Alarm) Take() (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.earliest
	a.earliest = time.Time{}
	return t, !t.IsZero()
}
