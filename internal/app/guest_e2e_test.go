package app_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/notify/email/mailtest"
	"github.com/varco-gate/varco/internal/person"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// guestEnv is a server with real SMTP (mailtest) and manual dispatch, and
// the demo tour open to guests.
type guestEnv struct {
	t       *testing.T
	b       *bundle
	sink    *mailtest.Sink
	booking varcov1connect.BookingServiceClient
	tour    *varcov1.Resource
	// organizer is the demo organization's organizer's session.
	organizer string
}

func newGuestEnv(t *testing.T, onEngine func(*config.Config), limits booking.GuestConfig) *guestEnv {
	t.Helper()
	sink := &mailtest.Sink{}
	port := mailtest.Start(t, sink, mailtest.PlainOnly, nil)
	b := setupOpts(t, clock.Real{}, []app.Option{app.WithManualDispatch(), app.WithGuests(limits)}, onEngine, func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.MailFrom = "127.0.0.1", port, "none", "Comune <noreply@comune.example>"
	})
	e := &guestEnv{t: t, b: b, sink: sink, booking: varcov1connect.NewBookingServiceClient(http.DefaultClient, b.baseURL)}
	_, e.organizer = bootstrapOrganizer(t, b)
	res, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL).GetResource(context.Background(),
		connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: demo.TourID}))
	require.NoError(t, err)
	e.tour = res.Msg.GetResource()
	return e
}

// allow opens the tour to guests, with a per-person limit.
func (e *guestEnv) allow(guests varcov1.GuestBooking, perPerson int32) {
	e.t.Helper()
	e.tour.GuestBooking = guests
	e.tour.GetPolicy().MaxActiveBookingsPerPerson = perPerson
	_, err := varcov1connect.NewAdminServiceClient(http.DefaultClient, e.b.baseURL).UpdateResource(context.Background(),
		authBearer(&varcov1.UpdateResourceRequest{Resource: e.tour}, e.organizer))
	require.NoError(e.t, err)
}

// fieldCode is the code of the FieldViolation an error carries.
func fieldCode(err error) string {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return ""
	}
	for _, d := range ce.Details() {
		if v, e := d.Value(); e == nil {
			if fv, ok := v.(*varcov1.FieldViolation); ok {
				return fv.GetCode()
			}
		}
	}
	return ""
}

// start begins a guest booking of seats in slot.
func (e *guestEnv) start(slot *varcov1.Slot, guest *varcov1.Person) (*varcov1.StartGuestBookingResponse, error) {
	var acks []string
	for _, a := range e.tour.GetAcknowledgements() {
		acks = append(acks, a.GetId())
	}
	res, err := e.booking.StartGuestBooking(context.Background(), connect.NewRequest(&varcov1.StartGuestBookingRequest{
		ResourceId: demo.TourID, SlotStart: slot.GetStart(), Seats: 2, Guest: guest,
		Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY}, AcknowledgementIds: acks,
		IdempotencyKey: uuid.NewString(),
	}))
	if err != nil {
		return nil, err
	}
	return res.Msg, nil
}

func (e *guestEnv) confirm(id, code, key string) (*varcov1.ConfirmGuestBookingResponse, error) {
	res, err := e.booking.ConfirmGuestBooking(context.Background(), connect.NewRequest(&varcov1.ConfirmGuestBookingRequest{
		GuestBookingId: id, Code: code, IdempotencyKey: key}))
	if err != nil {
		return nil, err
	}
	return res.Msg, nil
}

// dispatch sends what is due and returns the messages received since
// `seen` messages had arrived.
func (e *guestEnv) dispatch(seen int) []mailtest.Received {
	e.t.Helper()
	_, err := e.b.app.DispatchOnce(context.Background())
	require.NoError(e.t, err)
	return e.sink.Messages()[seen:]
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// codeIn reads the one-time code from a code e-mail sent to addr.
func codeIn(t *testing.T, m mailtest.Received, addr string) string {
	t.Helper()
	require.Equal(t, []string{addr}, m.To)
	msg, _ := parseMail(t, m.Data)
	code := sixDigits.FindString(subjectOf(t, msg))
	require.NotEmpty(t, code, subjectOf(t, msg))
	return code
}

func otherCode(code string) string {
	var n int
	fmt.Sscanf(code, "%d", &n)
	return fmt.Sprintf("%06d", (n+1)%1_000_000)
}

func TestGuestBookingEndToEnd(t *testing.T) {
	t.Parallel()
	forEngines(t, func(t *testing.T, onEngine func(*config.Config)) {
		e := newGuestEnv(t, onEngine, booking.GuestConfig{})
		e.allow(varcov1.GuestBooking_GUEST_BOOKING_CODICE_FISCALE, 1)
		ctx := context.Background()
		slot := tourSlot(t, e.b, time.Now(), 0)
		cf := person.CompleteCodiceFiscale("GSTNNA90A41H501")
		guest := &varcov1.Person{GivenName: "Anna", FamilyName: "Ospite", Email: "anna.ospite@example.it", CodiceFiscale: cf}

		// The service needs the codice fiscale, and checks it.
		_, err := e.start(slot, &varcov1.Person{GivenName: "Anna", FamilyName: "Ospite", Email: "anna.ospite@example.it"})
		requireFieldViolation(t, err, "guest.codice_fiscale")
		_, err = e.start(slot, &varcov1.Person{GivenName: "Anna", FamilyName: "Ospite", Email: "anna.ospite@example.it", CodiceFiscale: cf[:15] + "X"})
		requireFieldViolation(t, err, "guest.codice_fiscale")

		started, err := e.start(slot, guest)
		require.NoError(t, err)
		left, _ := seatsLeft(t, e.b, slot)
		require.EqualValues(t, 28, left, "the seats are held while the code travels")
		mails := e.dispatch(0)
		require.Len(t, mails, 1)
		code := codeIn(t, mails[0], guest.GetEmail())

		// A wrong code is refused and books nothing.
		_, err = e.confirm(started.GetGuestBookingId(), otherCode(code), uuid.NewString())
		requireFieldViolation(t, err, "code")
		require.Equal(t, "code_wrong", fieldCode(err))

		key := uuid.NewString()
		done, err := e.confirm(started.GetGuestBookingId(), code, key)
		require.NoError(t, err)
		bk := done.GetBooking()
		require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED, bk.GetStatus())
		require.Empty(t, bk.GetBookerAccountId())
		require.Equal(t, cf, bk.GetBeneficiary().GetCodiceFiscale())
		require.Len(t, done.GetTickets(), 1)
		payload := done.GetTickets()[0].GetPayload()
		require.NotEmpty(t, payload)
		require.NotContains(t, payload, cf, "no personal data on the ticket")

		// A retry of the same confirmation returns the booking; the code
		// used again by anyone else is refused.
		again, err := e.confirm(started.GetGuestBookingId(), code, key)
		require.NoError(t, err)
		require.Equal(t, bk.GetId(), again.GetBooking().GetId())
		_, err = e.confirm(started.GetGuestBookingId(), code, uuid.NewString())
		requireFieldViolation(t, err, "code")
		require.Equal(t, "code_used", fieldCode(err))

		// The confirmation e-mail: the ticket's QR and the cancel link.
		mails = e.dispatch(1)
		require.Len(t, mails, 1)
		require.Equal(t, []string{guest.GetEmail()}, mails[0].To)
		_, parts := parseMail(t, mails[0].Data)
		var text string
		var sawQR bool
		for _, p := range parts {
			switch p.contentType {
			case "image/png":
				require.Equal(t, payload, decodeQR(t, p.body))
				sawQR = true
			case "text/plain":
				text = string(p.body)
			}
		}
		require.True(t, sawQR, "the ticket comes by e-mail")
		link := regexp.MustCompile(`https?://\S+/bookings/[A-Z0-9]+/cancel\?token=\S+`).FindString(text)
		require.NotEmpty(t, link, text)
		require.Contains(t, text, "/receipt.pdf?token=", "the receipt link works without an account")

		// An account with the same codice fiscale is at the limit too.
		auth := varcov1connect.NewAuthServiceClient(http.DefaultClient, e.b.baseURL)
		reg, err := auth.Register(ctx, connect.NewRequest(&varcov1.RegisterRequest{GivenName: "Anna", FamilyName: "Ospite",
			Email: "anna.account@example.it", CodiceFiscale: cf, Phone: "3331234567", Password: "una password lunga", PrivacyConsent: true}))
		require.NoError(t, err)
		acct := citizen{token: reg.Msg.GetSession().GetToken(), cf: cf, booking: e.booking}
		other := tourSlot(t, e.b, time.Now(), 1)
		h, err := acct.hold(ctx, other.GetStart(), 1)
		require.NoError(t, err)
		_, err = acct.confirm(ctx, h.GetId())
		require.Equal(t, "person_limit", reasonOf(err), "the guest's booking counts for the account with the same codice fiscale")

		// Cancel with the e-mail's link: the seats come back, and the
		// account can book.
		u, err := url.Parse(link)
		require.NoError(t, err)
		res, err := http.PostForm(e.b.baseURL+u.RequestURI(), url.Values{"reason": {"imprevisto"}})
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		got, err := e.booking.GetBooking(ctx, connect.NewRequest(&varcov1.GetBookingRequest{Code: bk.GetCode(), CancelToken: u.Query().Get("token")}))
		require.NoError(t, err)
		require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CANCELLED_BY_USER, got.Msg.GetBooking().GetStatus())
		left, _ = seatsLeft(t, e.b, slot)
		require.EqualValues(t, 30, left)
		_, err = acct.confirm(ctx, h.GetId())
		require.NoError(t, err)

		// And now the account's booking keeps a guest with that codice
		// fiscale out, whatever e-mail they give: refused before any code.
		_, err = e.start(slot, &varcov1.Person{GivenName: "Anna", FamilyName: "Ospite", Email: "altra@example.it", CodiceFiscale: cf})
		require.Equal(t, "person_limit", reasonOf(err))
	})
}

func TestGuestBookingRefusedAndLimited(t *testing.T) {
	t.Parallel()
	forEngines(t, func(t *testing.T, onEngine func(*config.Config)) {
		// A resource that takes no guests refuses them.
		e := newGuestEnv(t, onEngine, booking.GuestConfig{CodesPerEmail: 3, StartsPerAddress: 4})
		slot := tourSlot(t, e.b, time.Now(), 0)
		_, err := e.start(slot, &varcov1.Person{GivenName: "Ugo", FamilyName: "Rossi", Email: "ugo@example.it"})
		require.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err))
		require.Equal(t, "guests_not_allowed", reasonOf(err))
		require.Empty(t, e.dispatch(0), "no code sent")

		e.allow(varcov1.GuestBooking_GUEST_BOOKING_EMAIL, 1)
		ugo := &varcov1.Person{GivenName: "Ugo", FamilyName: "Rossi", Email: "ugo@example.it"}
		started, err := e.start(slot, ugo)
		require.NoError(t, err)
		code := codeIn(t, e.dispatch(0)[0], ugo.GetEmail())

		// Five wrong codes kill the code: the right one no longer works.
		for range 5 {
			_, err = e.confirm(started.GetGuestBookingId(), otherCode(code), uuid.NewString())
			require.Equal(t, "code_wrong", fieldCode(err))
		}
		_, err = e.confirm(started.GetGuestBookingId(), code, uuid.NewString())
		requireFieldViolation(t, err, "code")
		require.Equal(t, "code_locked", fieldCode(err))

		// A new code works; the old one is dead.
		resent, err := e.booking.ResendGuestCode(context.Background(), connect.NewRequest(&varcov1.ResendGuestCodeRequest{GuestBookingId: started.GetGuestBookingId()}))
		require.NoError(t, err)
		require.NotNil(t, resent.Msg.GetCodeExpiresAt())
		code2 := codeIn(t, e.dispatch(1)[0], ugo.GetEmail())
		if code2 != code {
			_, err = e.confirm(started.GetGuestBookingId(), code, uuid.NewString())
			require.Equal(t, "code_wrong", fieldCode(err))
		}
		_, err = e.confirm(started.GetGuestBookingId(), code2, uuid.NewString())
		require.NoError(t, err)

		// Per verified e-mail without a codice fiscale: one active booking.
		_, err = e.start(tourSlot(t, e.b, time.Now(), 1), &varcov1.Person{GivenName: "Ugo", FamilyName: "Rossi", Email: "UGO@example.it"})
		require.Equal(t, "person_limit", reasonOf(err))

		// Codes per e-mail: the third code of the hour is the last.
		lia := &varcov1.Person{GivenName: "Lia", FamilyName: "Bianchi", Email: "lia@example.it"}
		s2, err := e.start(slot, lia)
		require.NoError(t, err)
		_, err = e.booking.ResendGuestCode(context.Background(), connect.NewRequest(&varcov1.ResendGuestCodeRequest{GuestBookingId: s2.GetGuestBookingId()}))
		require.NoError(t, err)
		_, err = e.booking.ResendGuestCode(context.Background(), connect.NewRequest(&varcov1.ResendGuestCodeRequest{GuestBookingId: s2.GetGuestBookingId()}))
		require.NoError(t, err)
		_, err = e.booking.ResendGuestCode(context.Background(), connect.NewRequest(&varcov1.ResendGuestCodeRequest{GuestBookingId: s2.GetGuestBookingId()}))
		require.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err))
		require.Equal(t, "guest_rate_limited", reasonOf(err))

		// Starts per client address: Ugo and Lia so far (a refused start
		// stores nothing), two more, and the fifth is refused.
		_, err = e.start(slot, &varcov1.Person{GivenName: "Eva", FamilyName: "Neri", Email: "eva@example.it"})
		require.NoError(t, err)
		_, err = e.start(slot, &varcov1.Person{GivenName: "Ada", FamilyName: "Neri", Email: "ada@example.it"})
		require.NoError(t, err)
		_, err = e.start(slot, &varcov1.Person{GivenName: "Ivo", FamilyName: "Neri", Email: "ivo@example.it"})
		require.Equal(t, "guest_rate_limited", reasonOf(err), "the fifth start from one address in an hour")
		require.True(t, strings.Contains(err.Error(), "un'ora") || strings.Contains(err.Error(), "hour"), err.Error())
	})
}
