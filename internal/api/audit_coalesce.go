package api

import (
	"crypto/sha256"
	"fmt"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
)

// ReadCoalesceWindow is how long one recorded staff read of personal data
// stands for identical reads by the same account: the agenda refreshes
// every 10 s, and recording each refresh (≈360 events an hour for one open
// agenda) would bury the trail without telling anyone more. The next
// record of the same read after the window counts the repeats it stood
// for (detail "repeats=N since=<time of the previous record>").
const ReadCoalesceWindow = 5 * time.Minute

// readCoalescer remembers, per identical read, when it was last recorded
// and how many repeats have been skipped since. It lives as long as the
// server: after a restart the first read is recorded again, which errs on
// the side of recording.
type readCoalescer struct {
	mu   sync.Mutex
	seen map[[sha256.Size]byte]*lastRead
}

type lastRead struct {
	at      time.Time
	repeats int
}

// readKey identifies a read: the same account, organization and action on
// the same request (same target, same period, same filters). A different
// week of the agenda shows other people, so it is another read.
func readKey(org, actor, action string, msg any) [sha256.Size]byte {
	var body []byte
	if m, ok := msg.(proto.Message); ok {
		body, _ = proto.MarshalOptions{Deterministic: true}.Marshal(m)
	}
	return sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%x", org, actor, action, body))
}

// skip reports whether a read at now is covered by the previous record of
// the same read (and counts it); otherwise it returns the detail to add to
// the new record, which the caller confirms with recorded once written.
func (c *readCoalescer) skip(key [sha256.Size]byte, now time.Time) (bool, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.seen[key]
	if ok && now.Sub(l.at) < ReadCoalesceWindow && !now.Before(l.at) {
		l.repeats++
		return true, ""
	}
	if ok && l.repeats > 0 {
		return false, fmt.Sprintf("repeats=%d since=%s", l.repeats, l.at.UTC().Format(time.RFC3339))
	}
	return false, ""
}

// recorded notes that the read was recorded at now, and forgets reads
// whose window has passed with nothing to report, and after a day those
// with repeats never reported, so the map stays as small as the day's
// repeated reads.
func (c *readCoalescer) recorded(key [sha256.Size]byte, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = make(map[[sha256.Size]byte]*lastRead)
	}
	for k, l := range c.seen {
		if age := now.Sub(l.at); age >= ReadCoalesceWindow && l.repeats == 0 || age >= 24*time.Hour {
			delete(c.seen, k)
		}
	}
	c.seen[key] = &lastRead{at: now}
}
