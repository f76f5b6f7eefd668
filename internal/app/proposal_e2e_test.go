package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/notify/email/mailtest"
	"github.com/varco-gate/varco/internal/store/sqlite"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// proposalEnv is a server with a fake clock, manual dispatch and a real
// SMTP sink, an organizer and the admin client.
type proposalEnv struct {
	b         *bundle
	clk       *clock.Fake
	sink      *mailtest.Sink
	admin     varcov1connect.AdminServiceClient
	organizer string
}

func setupProposals(t *testing.T) proposalEnv {
	t.Helper()
	clk := clock.NewFake(time.Now())
	sink := &mailtest.Sink{}
	port := mailtest.Start(t, sink, mailtest.PlainOnly, nil)
	b := setupOpts(t, clk, []app.Option{app.WithManualDispatch()}, func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS = "127.0.0.1", port, "none"
	})
	_, organizer := bootstrapOrganizer(t, b)
	return proposalEnv{b: b, clk: clk, sink: sink, organizer: organizer,
		admin: varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)}
}

// mailsTo dispatches what is due and returns the text parts of the
// messages to addr received since skip messages.
func (e proposalEnv) mailsTo(t *testing.T, addr string) []string {
	t.Helper()
	_, err := e.b.app.DispatchOnce(context.Background())
	require.NoError(t, err)
	var out []string
	for _, m := range e.sink.Messages() {
		if len(m.To) == 0 || m.To[0] != addr {
			continue
		}
		_, parts := parseMail(t, m.Data)
		for _, p := range parts {
			if p.contentType == "text/plain" {
				out = append(out, string(p.body))
			}
		}
	}
	return out
}

func (e proposalEnv) propose(t *testing.T, bookingID string, validFor time.Duration, slots ...*varcov1.Slot) (*varcov1.BookingProposal, error) {
	t.Helper()
	req := &varcov1.ProposeOtherDatesRequest{BookingId: bookingID, Message: "L'ufficio è chiuso per lavori quel giorno."}
	if validFor > 0 {
		req.ValidFor = durationpb.New(validFor)
	}
	for _, s := range slots {
		req.Alternatives = append(req.Alternatives, &varcov1.ProposedSlot{SlotStart: s.GetStart()})
	}
	res, err := e.admin.ProposeOtherDates(context.Background(), authBearer(req, e.organizer))
	if err != nil {
		return nil, err
	}
	return res.Msg.GetProposal(), nil
}

// tourSeatsLeft reads the tour slot's free seats from the public grid.
func tourSeatsLeft(t *testing.T, b *bundle, slot *varcov1.Slot) int32 {
	t.Helper()
	rome, _ := time.LoadLocation("Europe/Rome")
	day := slot.GetStart().AsTime().In(rome).Format(time.DateOnly)
	res, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL).GetAvailability(context.Background(),
		connect.NewRequest(&varcov1.GetAvailabilityRequest{ResourceId: demo.TourID, FromDate: day, ToDate: day}))
	require.NoError(t, err)
	for _, d := range res.Msg.GetDays() {
		for _, s := range d.GetSlots() {
			if s.GetStart().AsTime().Equal(slot.GetStart().AsTime()) {
				return s.GetSeatsLeft()
			}
		}
	}
	t.Fatal("slot not in the grid")
	return 0
}

func events(h []*varcov1.StatusChange) []string {
	var out []string
	for _, c := range h {
		if c.GetEvent() != "" {
			out = append(out, c.GetEvent())
		} else {
			out = append(out, c.GetStatus().String())
		}
	}
	return out
}

var linkRE = regexp.MustCompile(`https?://\S+/proposals/\S+`)

// linkPath keeps the path and query of an e-mail link, to call this
// test's server whatever public base URL the message used.
func linkPath(t *testing.T, b *bundle, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	return b.baseURL + u.RequestURI()
}

// The office proposes two other dates for a ticketed tour booking: the
// dates are held (a held date cannot be sold to anyone else), the citizen
// gets an e-mail with one link per date and one to decline, opens the
// second date's link without logging in (the page changes nothing),
// confirms it: the booking moves there with a new code and a new ticket,
// the old ticket is revoked, the other date is free again, and both the
// citizen's and the office's views show every step.
func TestProposeOtherDatesAcceptFromEmail(t *testing.T) {
	t.Parallel()
	e := setupProposals(t)
	ctx := context.Background()
	people := registerCitizens(t, e.b, "PRA", 6)
	a := people[0]
	s0, s1, s2 := tourSlot(t, e.b, e.clk.Now(), 0), tourSlot(t, e.b, e.clk.Now(), 1), tourSlot(t, e.b, e.clk.Now(), 2)
	orig, _ := bookTour(t, a, s0, 6)

	// Validation: no dates, the booking's own date, a bad validity.
	_, err := e.propose(t, orig.GetId(), 0)
	requireFieldViolation(t, err, "alternatives")
	_, err = e.propose(t, orig.GetId(), 0, s0)
	requireFieldViolation(t, err, "alternatives[0].slot_start")
	_, err = e.propose(t, orig.GetId(), 30*time.Minute, s1)
	requireFieldViolation(t, err, "valid_for")
	// A citizen is no operator.
	_, err = e.admin.ProposeOtherDates(ctx, authBearer(&varcov1.ProposeOtherDatesRequest{BookingId: orig.GetId(),
		Alternatives: []*varcov1.ProposedSlot{{SlotStart: s1.GetStart()}}}, people[1].token))
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err))

	p, err := e.propose(t, orig.GetId(), 0, s1, s2)
	require.NoError(t, err)
	require.Equal(t, varcov1.ProposalStatus_PROPOSAL_STATUS_PENDING, p.GetStatus())
	require.Len(t, p.GetAlternatives(), 2)
	require.WithinDuration(t, e.clk.Now().Add(48*time.Hour), p.GetExpiresAt().AsTime(), time.Second, "48 hours by default")
	_, err = e.propose(t, orig.GetId(), 0, tourSlot(t, e.b, e.clk.Now(), 3))
	require.Equal(t, "proposal_pending", reasonOf(err), "one pending proposal at a time")

	// Held: 6 of 30 seats of each date are taken; the remaining 24 of the
	// first date sell, the 25th seat does not.
	require.Equal(t, int32(24), tourSeatsLeft(t, e.b, s1))
	require.Equal(t, int32(24), tourSeatsLeft(t, e.b, s2))
	for _, c := range people[1:5] {
		bookTour(t, c, s1, 6)
	}
	_, err = people[5].hold(ctx, s1.GetStart(), 1)
	require.Equal(t, "slot_full", reasonOf(err), "a held alternative is not sold to someone else")

	mails := e.mailsTo(t, "PRA0@example.it")
	var proposal string
	for _, m := range mails {
		if strings.Contains(m, "Date proposte") {
			proposal = m
		}
	}
	require.NotEmpty(t, proposal, "the proposal e-mail arrived: %q", mails)
	require.Contains(t, proposal, "L'ufficio è chiuso per lavori quel giorno.")
	links := linkRE.FindAllString(proposal, -1)
	require.Len(t, links, 3, "one link per date and one to decline")
	require.Contains(t, links[1], "accept=2")
	require.Contains(t, links[2], "decline=1")

	// Opening the link shows the dates and changes nothing.
	resp, err := http.Get(linkPath(t, e.b, links[1]))
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(page), "Accetta questa data")
	still, err := a.booking.GetBooking(ctx, authBearer(&varcov1.GetBookingRequest{BookingId: orig.GetId()}, a.token))
	require.NoError(t, err)
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED, still.Msg.GetBooking().GetStatus())
	require.Len(t, still.Msg.GetBooking().GetProposals(), 1, "the citizen sees the pending proposal")

	// A wrong token is refused.
	bad, err := http.PostForm(strings.Replace(linkPath(t, e.b, links[1]), "token=vp_", "token=vp_x", 1), url.Values{"choice": {"2"}})
	require.NoError(t, err)
	bad.Body.Close()
	require.Equal(t, http.StatusNotFound, bad.StatusCode)

	// Confirming the second date, without logging in.
	resp, err = http.PostForm(linkPath(t, e.b, links[1]), url.Values{"choice": {"2"}})
	require.NoError(t, err)
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(page))
	require.Contains(t, string(page), "spostata")

	old, err := a.booking.GetBooking(ctx, authBearer(&varcov1.GetBookingRequest{BookingId: orig.GetId()}, a.token))
	require.NoError(t, err)
	ob := old.Msg.GetBooking()
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_RESCHEDULED, ob.GetStatus())
	require.Equal(t, []string{"BOOKING_STATUS_CONFIRMED", "proposal.made", "proposal.accepted", "BOOKING_STATUS_RESCHEDULED"}, events(ob.GetHistory()))
	require.Equal(t, varcov1.ProposalStatus_PROPOSAL_STATUS_ACCEPTED, ob.GetProposals()[0].GetStatus())
	require.Equal(t, int32(2), ob.GetProposals()[0].GetChosen())
	nb, err := a.booking.GetBooking(ctx, authBearer(&varcov1.GetBookingRequest{BookingId: ob.GetRescheduledToId()}, a.token))
	require.NoError(t, err)
	moved := nb.Msg.GetBooking()
	require.True(t, moved.GetSpan().GetStart().AsTime().Equal(s2.GetStart().AsTime()))
	require.NotEqual(t, ob.GetCode(), moved.GetCode())
	require.Equal(t, int32(6), moved.GetSeats())

	// The office sees the same story.
	det, err := e.admin.GetBookingDetails(ctx, authBearer(&varcov1.GetBookingDetailsRequest{BookingId: orig.GetId()}, e.organizer))
	require.NoError(t, err)
	require.Equal(t, events(ob.GetHistory()), events(det.Msg.GetBooking().GetHistory()))
	require.Equal(t, p.GetId(), det.Msg.GetBooking().GetProposals()[0].GetId())

	// New ticket, old one revoked; the other date and the old one free again.
	db, err := sqlite.Open(ctx, e.b.dbPath, sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer db.Close()
	oldT, revoked, err := db.TicketsOfBooking(ctx, orig.GetId())
	require.NoError(t, err)
	require.True(t, revoked[0])
	newT, revoked, err := db.TicketsOfBooking(ctx, moved.GetId())
	require.NoError(t, err)
	require.False(t, revoked[0])
	require.NotEqual(t, oldT[0].ID, newT[0].ID)
	require.Equal(t, int32(6), tourSeatsLeft(t, e.b, s1), "the date not chosen is released")
	require.Equal(t, int32(24), tourSeatsLeft(t, e.b, s2))
	require.Equal(t, int32(30), tourSeatsLeft(t, e.b, s0))
	_, err = people[5].hold(ctx, s1.GetStart(), 1)
	require.NoError(t, err)

	// The e-mail of the move arrived; a second answer is refused.
	mails = e.mailsTo(t, "PRA0@example.it")
	require.True(t, strings.Contains(strings.Join(mails, "\n"), "Prenotazione spostata"), "%q", mails)
	resp, err = http.PostForm(linkPath(t, e.b, links[2]), url.Values{"choice": {"0"}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusConflict, resp.StatusCode)
}

// Declined through the API (signed in), the booking stays and the dates
// are freed; only the booking's own citizen may answer, with exactly one
// answer.
func TestProposeOtherDatesDecline(t *testing.T) {
	t.Parallel()
	e := setupProposals(t)
	ctx := context.Background()
	people := registerCitizens(t, e.b, "PRD", 2)
	a := people[0]
	s0, s1 := tourSlot(t, e.b, e.clk.Now(), 0), tourSlot(t, e.b, e.clk.Now(), 1)
	orig, _ := bookTour(t, a, s0, 2)
	_, err := e.propose(t, orig.GetId(), 0, s1)
	require.NoError(t, err)
	require.Equal(t, int32(28), tourSeatsLeft(t, e.b, s1))

	_, err = a.booking.RespondToProposal(ctx, authBearer(&varcov1.RespondToProposalRequest{BookingId: orig.GetId()}, a.token))
	requireFieldViolation(t, err, "accept_alternative")
	_, err = a.booking.RespondToProposal(ctx, authBearer(&varcov1.RespondToProposalRequest{BookingId: orig.GetId(), AcceptAlternative: 1, Decline: true}, a.token))
	requireFieldViolation(t, err, "accept_alternative")
	_, err = people[1].booking.RespondToProposal(ctx, authBearer(&varcov1.RespondToProposalRequest{BookingId: orig.GetId(), Decline: true}, people[1].token))
	require.Equal(t, connect.CodeNotFound, connect.CodeOf(err), "someone else's booking")

	res, err := a.booking.RespondToProposal(ctx, authBearer(&varcov1.RespondToProposalRequest{BookingId: orig.GetId(), Decline: true}, a.token))
	require.NoError(t, err)
	require.Equal(t, varcov1.ProposalStatus_PROPOSAL_STATUS_DECLINED, res.Msg.GetProposal().GetStatus())
	require.Equal(t, orig.GetId(), res.Msg.GetBooking().GetId())
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED, res.Msg.GetBooking().GetStatus())
	require.Equal(t, []string{"BOOKING_STATUS_CONFIRMED", "proposal.made", "proposal.declined"}, events(res.Msg.GetBooking().GetHistory()))
	require.Equal(t, int32(30), tourSeatsLeft(t, e.b, s1))
	_, err = a.booking.RespondToProposal(ctx, authBearer(&varcov1.RespondToProposalRequest{BookingId: orig.GetId(), AcceptAlternative: 1}, a.token))
	require.Equal(t, "proposal_not_found", reasonOf(err))

	// Declined, a new proposal may be made; cancelling the booking
	// withdraws it and frees its dates.
	_, err = e.propose(t, orig.GetId(), 0, s1)
	require.NoError(t, err)
	_, err = a.booking.CancelBooking(ctx, authBearer(&varcov1.CancelBookingRequest{BookingId: orig.GetId()}, a.token))
	require.NoError(t, err)
	require.Equal(t, int32(30), tourSeatsLeft(t, e.b, s1))
}

// Nobody answers: at the end of its validity (the fake clock moves, no
// sleeping) the sweeper closes the proposal, the dates are free, the
// booking stays where it was, the citizen is told, and the link no longer
// accepts.
func TestProposeOtherDatesLapse(t *testing.T) {
	t.Parallel()
	e := setupProposals(t)
	ctx := context.Background()
	a := registerCitizens(t, e.b, "PRL", 1)[0]
	s0, s1 := tourSlot(t, e.b, e.clk.Now(), 0), tourSlot(t, e.b, e.clk.Now(), 1)
	orig, _ := bookTour(t, a, s0, 3)
	_, err := e.propose(t, orig.GetId(), time.Hour, s1)
	require.NoError(t, err)
	link := linkRE.FindString(strings.Join(e.mailsTo(t, "PRL0@example.it"), "\n"))
	require.NotEmpty(t, link)

	n, err := e.b.app.ExpireProposalsOnce(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "not lapsed yet")
	e.clk.Advance(time.Hour + time.Second)
	require.Equal(t, int32(30), tourSeatsLeft(t, e.b, s1), "a lapsed hold stops counting at once")
	n, err = e.b.app.ExpireProposalsOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = e.b.app.ExpireProposalsOnce(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "closed once")

	got, err := a.booking.GetBooking(ctx, authBearer(&varcov1.GetBookingRequest{BookingId: orig.GetId()}, a.token))
	require.NoError(t, err)
	bk := got.Msg.GetBooking()
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED, bk.GetStatus())
	require.True(t, bk.GetSpan().GetStart().AsTime().Equal(s0.GetStart().AsTime()))
	require.Equal(t, []string{"BOOKING_STATUS_CONFIRMED", "proposal.made", "proposal.expired"}, events(bk.GetHistory()))
	require.Equal(t, varcov1.ProposalStatus_PROPOSAL_STATUS_EXPIRED, bk.GetProposals()[0].GetStatus())
	require.Contains(t, strings.Join(e.mailsTo(t, "PRL0@example.it"), "\n"), "la tua prenotazione resta com'era")

	resp, err := http.PostForm(linkPath(t, e.b, link), url.Values{"choice": {"1"}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusConflict, resp.StatusCode)
}

// An operator sets the link of one video-call booking: it replaces the
// resource's in the booking, the calendar file and an e-mail to the
// citizen; a plain-http link and an in-person booking are refused.
func TestOperatorSetsMeetingLink(t *testing.T) {
	t.Parallel()
	e := setupProposals(t)
	ctx := context.Background()
	cat := varcov1connect.NewCatalogServiceClient(http.DefaultClient, e.b.baseURL)
	res, err := cat.GetResource(ctx, connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: demo.CIEID}))
	require.NoError(t, err)
	cie := res.Msg.GetResource()
	cie.Modes = []varcov1.Mode{varcov1.Mode_MODE_IN_PERSON, varcov1.Mode_MODE_VIDEO_CALL}
	cie.Meeting = &varcov1.Meeting{Kind: varcov1.MeetingKind_MEETING_KIND_ROOM_PER_BOOKING, Url: "https://meet.comune.example/"}
	_, err = e.admin.UpdateResource(ctx, authBearer(&varcov1.UpdateResourceRequest{Resource: cie}, e.organizer))
	require.NoError(t, err)
	people := registerCitizens(t, e.b, "MTG", 2)
	ack := cie.GetAcknowledgements()[0].GetId()
	var ids []string
	for i, p := range people {
		mode := varcov1.Mode_MODE_VIDEO_CALL
		if i == 1 {
			mode = varcov1.Mode_MODE_IN_PERSON
		}
		hold, err := p.booking.HoldSlots(ctx, authBearer(&varcov1.HoldSlotsRequest{ResourceId: demo.CIEID, SlotStart: calendarCIESlot(t, e.b).GetStart()}, p.token))
		require.NoError(t, err)
		conf, err := p.booking.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{
			HoldId: hold.Msg.GetHold().GetId(), IdempotencyKey: "meeting-" + p.cf, Mode: mode,
			Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY}, AcknowledgementIds: []string{ack},
		}, p.token))
		require.NoError(t, err)
		ids = append(ids, conf.Msg.GetBooking().GetId())
	}
	const link = "https://video.comune.example/sportello-laura?room=42"
	set := func(id, u string) (*varcov1.Booking, error) {
		r, err := e.admin.SetBookingMeetingUrl(ctx, authBearer(&varcov1.SetBookingMeetingUrlRequest{BookingId: id, MeetingUrl: u}, e.organizer))
		if err != nil {
			return nil, err
		}
		return r.Msg.GetBooking(), nil
	}
	_, err = set(ids[0], "http://video.comune.example/x")
	requireFieldViolation(t, err, "meeting_url")
	_, err = set(ids[0], "https://"+strings.Repeat("a", 500)+".example")
	requireFieldViolation(t, err, "meeting_url")
	_, err = set(ids[1], link)
	requireFieldViolation(t, err, "meeting_url")
	_, err = e.admin.SetBookingMeetingUrl(ctx, authBearer(&varcov1.SetBookingMeetingUrlRequest{BookingId: ids[0], MeetingUrl: link}, people[0].token))
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err))

	bk, err := set(ids[0], link)
	require.NoError(t, err)
	require.Equal(t, link, bk.GetMeetingUrl())
	p := people[0]
	got, err := p.booking.GetBooking(ctx, authBearer(&varcov1.GetBookingRequest{BookingId: ids[0]}, p.token))
	require.NoError(t, err)
	require.Equal(t, link, got.Msg.GetBooking().GetMeetingUrl())
	require.Equal(t, "meeting_url.set", got.Msg.GetBooking().GetHistory()[1].GetEvent())
	file, err := p.booking.GetCalendarFile(ctx, authBearer(&varcov1.GetCalendarFileRequest{BookingId: ids[0]}, p.token))
	require.NoError(t, err)
	loc, err := parseCalendarEvent(t, file.Msg.GetIcs()).Props.Text("LOCATION")
	require.NoError(t, err)
	require.Equal(t, link, loc)
	mails := e.mailsTo(t, "MTG0@example.it")
	var sent bool
	for _, m := range mails {
		if strings.Contains(m, "Link della videochiamata") {
			sent = true
			require.Contains(t, m, link)
		}
	}
	require.True(t, sent, "%q", mails)
}
