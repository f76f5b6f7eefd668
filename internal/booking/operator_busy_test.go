package booking_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/availability"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/person"
	"github.com/varco-gate/varco/internal/store/sqlite"
)

// Laura serves the demo ID card service (15-minute slots) and, here, a
// residence service with 30-minute slots at the same hours. Slot usage is
// counted per service, so without a cross-service check she could be given
// two citizens at once. Her hold or booking in one service makes her busy
// in the other for exactly the overlapping slots, on the grid and when
// holding; a cancellation or an expired hold frees her again.
func TestOperatorSharedByTwoServicesIsNeverDoubleBooked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC) // Friday
	db, err := sqlite.Open(ctx, t.TempDir()+"/varco.db", sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	_, err = demo.Load(ctx, db, now)
	require.NoError(t, err)
	clk := clock.NewFake(now)
	avail := availability.New(db, clk)
	svc := booking.New(booking.Config{}, db, avail, db, clk)

	laura, marco := demo.ID("operator/laura"), demo.ID("operator/marco")
	cie, err := db.GetResource(ctx, demo.CIEID)
	require.NoError(t, err)
	residence := catalog.Resource{ID: uuid.NewString(), OrganizationID: cie.OrganizationID, PlaceID: cie.PlaceID, ParentID: cie.ParentID,
		Kind: catalog.KindAppointment, Name: "Cambio di residenza", Active: true, OperatorChoice: true,
		Operators: []catalog.Operator{{ID: laura}}, Policy: cie.Policy, CreatedAt: now, UpdatedAt: now}
	residence.Acknowledgements = nil
	require.NoError(t, db.CreateResource(ctx, residence))
	require.NoError(t, db.ReplaceRules(ctx, residence.ID, []catalog.WeeklyRule{{ID: uuid.NewString(), Weekday: 1,
		Start: "08:30", End: "12:30", SlotLength: 30 * time.Minute, SeatsPerSlot: 1, OperatorIDs: []string{laura}}}))

	rome, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	monday := func(hhmm string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", "2026-11-23 "+hhmm, rome)
		require.NoError(t, err)
		return v
	}
	freeAt := func(resourceID, hhmm string) []string {
		t.Helper()
		g, err := avail.Grid(ctx, availability.Query{ResourceID: resourceID, From: "2026-11-23"})
		require.NoError(t, err)
		for _, s := range g.Days[0].Slots {
			if s.Start.Equal(monday(hhmm)) {
				return s.FreeOperatorIDs
			}
		}
		t.Fatalf("no slot at %s", hhmm)
		return nil
	}
	account := func(i int) authz.Principal {
		a := identity.Account{ID: uuid.NewString(), Email: uuid.NewString() + "@example.it", GivenName: "Anna", FamilyName: "Neri",
			CodiceFiscale: person.CompleteCodiceFiscale("NRENNA80A41H50" + string(rune('0'+i))), Language: "it", PasswordHash: "x",
			PrivacyConsentAt: now, CreatedAt: now, UpdatedAt: now}
		require.NoError(t, db.CreateAccount(ctx, a))
		return authz.Principal{Kind: authz.Account, AccountID: a.ID}
	}
	book := func(p authz.Principal, resourceID, hhmm, op string) (booking.Booking, error) {
		h, err := svc.Hold(ctx, p.AccountID, booking.HoldRequest{ResourceID: resourceID, SlotStart: monday(hhmm), OperatorID: op})
		if err != nil {
			return booking.Booking{}, err
		}
		r, _, err := avail.Plan(ctx, resourceID)
		require.NoError(t, err)
		var acks []string
		for _, a := range r.Acknowledgements {
			acks = append(acks, a.ID)
		}
		res, err := svc.Confirm(ctx, p, booking.ConfirmRequest{HoldID: h.ID, IdempotencyKey: uuid.NewString(), PrivacyConsent: true, AckIDs: acks})
		return res.Booking, err
	}

	require.ElementsMatch(t, []string{laura, marco}, freeAt(demo.CIEID, "09:00"))
	resBooking, err := book(account(1), residence.ID, "09:00", laura)
	require.NoError(t, err)

	// 09:00-09:30 in the residence service covers two ID card slots.
	require.Equal(t, []string{marco}, freeAt(demo.CIEID, "09:00"))
	require.Equal(t, []string{marco}, freeAt(demo.CIEID, "09:15"))
	require.ElementsMatch(t, []string{laura, marco}, freeAt(demo.CIEID, "09:30"))
	_, err = book(account(2), demo.CIEID, "09:15", laura)
	require.ErrorIs(t, err, booking.ErrOperatorBusy)
	b, err := book(account(3), demo.CIEID, "09:15", "")
	require.NoError(t, err)
	require.Equal(t, marco, b.OperatorID, "'any operator' skips the one busy elsewhere")

	// And the other way round: Laura's ID card slot at 10:15 blocks the
	// residence slot 10:00-10:30, even while only held.
	h, err := svc.Hold(ctx, account(4).AccountID, booking.HoldRequest{ResourceID: demo.CIEID, SlotStart: monday("10:15"), OperatorID: laura})
	require.NoError(t, err)
	require.Empty(t, freeAt(residence.ID, "10:00"))
	_, err = book(account(5), residence.ID, "10:00", "")
	require.ErrorIs(t, err, booking.ErrSlotFull)
	clk.Set(h.ExpiresAt)
	require.Equal(t, []string{laura}, freeAt(residence.ID, "10:00"), "an expired hold frees her")

	// Cancelling the residence booking frees her 09:00 ID card slot.
	_, err = svc.CancelByOperator(ctx, booking.SystemActor, resBooking.ID, "test")
	require.NoError(t, err)
	require.ElementsMatch(t, []string{laura, marco}, freeAt(demo.CIEID, "09:00"))
	require.Equal(t, []string{laura}, freeAt(demo.CIEID, "09:15"), "Marco keeps his 09:15 citizen")
}
