package app_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/gate"
	device "github.com/varco-gate/varco/internal/scanner"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// lockedBuffer is written by the watcher and read by the test; every write
// is signalled, so the test waits for output instead of polling.
type lockedBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written chan struct{}
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case l.written <- struct{}{}:
	default:
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The gate operator's occupancy display shows the people inside as soon as
// they enter.
func TestScannerOccupancyDisplay(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	_, organizer := bootstrapOrganizer(t, b)
	dev := enrollDevice(t, b, organizer, "Ingresso", varcov1.GateDirection_GATE_DIRECTION_BOTH, clk)
	p := registerCitizens(t, b, "OCC", 1)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	slot := tourSlot(t, b, clk.Now(), 0)
	h, err := p.hold(ctx, slot.GetStart(), 3)
	require.NoError(t, err)
	bk, err := p.confirm(ctx, h.GetId())
	require.NoError(t, err)
	tk, err := p.booking.GetTicket(ctx, authBearer(&varcov1.GetTicketRequest{BookingId: bk.GetId()}, p.token))
	require.NoError(t, err)
	clk.Set(slot.GetStart().AsTime().Add(-5 * time.Minute))

	cred, server, _, err := device.ReadIdentity(dev.st.Dir())
	require.NoError(t, err)
	out := &lockedBuffer{written: make(chan struct{}, 1)}
	done := make(chan error, 1)
	go func() {
		done <- device.WatchOccupancy(ctx, dev.link.client(), server, cred, device.Italian, out, time.UTC)
	}()

	r := dev.scan(t, tk.Msg.GetTickets()[0].GetPayload(), gate.Entry)
	require.Equal(t, gate.Accepted, r.Verdict)
	want := "dentro 3/3  ingressi 3  uscite 0"
	for !strings.Contains(out.String(), want) {
		select {
		case err := <-done:
			t.Fatalf("watch ended: %v\n%s", err, out.String())
		case <-ctx.Done():
			t.Fatalf("no %q in:\n%s", want, out.String())
		case <-out.written:
		}
	}
	cancel()
	<-done
}
