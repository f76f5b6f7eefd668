package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/ticket"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// `server keys rotate` and `retire` run as their own processes against the
// database; a running server picks the change up when it rereads its keys
// (every 30 seconds, here on demand): new tickets carry the new key, old
// ones still verify, and gates get both keys, with the retirement, by Sync.
func TestKeyRotationWithoutRestart(t *testing.T) {
	t.Parallel()
	b, organizer := setupWithOrganizer(t)
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := registerCitizens(t, b, "KRT", 2)
	keyOf := func(c citizen) string {
		t.Helper()
		slot := tourSlot(t, b, time.Now(), 0)
		h, err := c.hold(ctx, slot.GetStart(), 1)
		require.NoError(t, err)
		bk, err := c.confirm(ctx, h.GetId())
		require.NoError(t, err)
		res, err := c.booking.GetTicket(ctx, authBearer(&varcov1.GetTicketRequest{BookingId: bk.GetId()}, c.token))
		require.NoError(t, err)
		claims, err := ticket.Decode(res.Msg.GetTickets()[0].GetPayload())
		require.NoError(t, err)
		return claims.KeyID
	}
	first := keyOf(p[0])

	rotated, err := app.RotateTicketKey(ctx, b.dbPath, time.Now(), quiet)
	require.NoError(t, err)
	require.Equal(t, first, keyOf(p[1]), "not yet reread")
	require.NoError(t, b.app.ReloadKeysOnce(ctx))
	second := keyOf(p[1])
	require.Equal(t, rotated.ID, second)

	retireAt := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Millisecond)
	require.NoError(t, app.RetireTicketKey(ctx, b.dbPath, first, retireAt, quiet))
	require.NoError(t, b.app.ReloadKeysOnce(ctx))
	gate := enrollGate(t, b, organizer, "Ingresso", varcov1.GateDirection_GATE_DIRECTION_BOTH)
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	sync, err := varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL).Sync(sctx, authBearer(&varcov1.SyncRequest{}, gate))
	require.NoError(t, err)
	snap := receiveUntil(t, sync, func(*varcov1.SyncResponse) bool { return true })
	retired := map[string]time.Time{}
	for _, k := range snap.GetKeys() {
		retired[k.GetKeyId()] = k.GetRetiredAt().AsTime()
		if k.GetRetiredAt() == nil {
			retired[k.GetKeyId()] = time.Time{}
		}
	}
	require.Equal(t, map[string]time.Time{first: retireAt, second: {}}, retired)
}
