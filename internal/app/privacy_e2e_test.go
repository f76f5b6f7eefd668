package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/store/sqlite"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// A citizen exports their data, then deletes the account: the future
// booking is cancelled and its seat freed, the data is gone, the session
// stops working.
func TestExportAndErasure(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	p := registerCitizens(t, b, "GDP", 1)[0]
	auth := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL)
	slot := tourSlot(t, b, time.Now(), 0)
	h, err := p.hold(ctx, slot.GetStart(), 2)
	require.NoError(t, err)
	bk, err := p.confirm(ctx, h.GetId())
	require.NoError(t, err)

	exp, err := auth.ExportMyData(ctx, authBearer(&varcov1.ExportMyDataRequest{}, p.token))
	require.NoError(t, err)
	var doc struct {
		Account  struct{ CodiceFiscale string }
		Bookings []struct {
			Code        string
			Beneficiary struct{ CodiceFiscale string }
		}
	}
	require.NoError(t, json.Unmarshal(exp.Msg.GetJson(), &doc))
	require.Equal(t, p.cf, doc.Account.CodiceFiscale)
	require.Len(t, doc.Bookings, 1)
	require.Equal(t, p.cf, doc.Bookings[0].Beneficiary.CodiceFiscale)
	require.Regexp(t, `^varco-dati-personali-\d{4}-\d\d-\d\d\.json$`, exp.Msg.GetFileName())

	_, err = auth.DeleteMyAccount(ctx, authBearer(&varcov1.DeleteMyAccountRequest{Password: "sbagliata-davvero"}, p.token))
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
	requireFieldViolation(t, err, "password")

	del, err := auth.DeleteMyAccount(ctx, authBearer(&varcov1.DeleteMyAccountRequest{Password: "una password lunga"}, p.token))
	require.NoError(t, err)
	require.Equal(t, int32(1), del.Msg.GetCancelledBookings())
	require.Equal(t, int32(1), del.Msg.GetAnonymizedBookings())
	left, _ := seatsLeft(t, b, slot)
	require.Equal(t, int32(30), left, "the seats are free again")

	_, err = auth.WhoAmI(ctx, authBearer(&varcov1.WhoAmIRequest{}, p.token))
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "the session died with the account")

	db, err := sqlite.Open(ctx, b.dbPath, sqlite.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	defer db.Close()
	kept, err := db.GetBooking(ctx, bk.GetId())
	require.NoError(t, err, "the booking stays for statistics")
	require.Empty(t, kept.Beneficiary.CodiceFiscale)
	require.Empty(t, kept.Beneficiary.Email)
	require.Empty(t, kept.Beneficiary.GivenName)
	require.Equal(t, 2, kept.Seats)
}

// Finished bookings lose their personal data after the retention period,
// not a moment before; what statistics need stays.
func TestRetention(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk, func(c *config.Config) { c.Retention = 30 * 24 * time.Hour })
	ctx := context.Background()
	p := registerCitizens(t, b, "RET", 1)[0]
	slot := tourSlot(t, b, clk.Now(), 0)
	h, err := p.hold(ctx, slot.GetStart(), 3)
	require.NoError(t, err)
	bk, err := p.confirm(ctx, h.GetId())
	require.NoError(t, err)
	db, err := sqlite.Open(ctx, b.dbPath, sqlite.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	defer db.Close()

	end := slot.GetEnd().AsTime()
	clk.Set(end.Add(30*24*time.Hour - time.Minute))
	n, err := b.app.RetainOnce(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "not before the period is over")
	kept, err := db.GetBooking(ctx, bk.GetId())
	require.NoError(t, err)
	require.Equal(t, p.cf, kept.Beneficiary.CodiceFiscale)
	require.NotEmpty(t, kept.History[0].Actor.Name, "the citizen who booked is named in the history")

	clk.Set(end.Add(30*24*time.Hour + time.Minute))
	n, err = b.app.RetainOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	kept, err = db.GetBooking(ctx, bk.GetId())
	require.NoError(t, err)
	require.Empty(t, kept.Beneficiary.CodiceFiscale)
	require.Empty(t, kept.Beneficiary.Email)
	require.Equal(t, 3, kept.Seats, "seats, times and status remain for statistics")
	require.Equal(t, slot.GetStart().AsTime(), kept.Start)
	require.Len(t, kept.History, 1, "the history of statuses remains")
	require.Equal(t, booking.Confirmed, kept.History[0].Status)
	require.Empty(t, kept.History[0].Actor.Name, "but no longer names the citizen")
	n, err = b.app.RetainOnce(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "done once")
}
