package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/notify/email/mailtest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// A video-call appointment: the organizer offers video calls on the ID
// card service with a room per booking on the town's Jitsi server; each
// booking gets its own unguessable room, in the booking's details, the
// confirmation e-mail and the calendar file's LOCATION, and the e-mail
// sends nobody to the office with documents. A plain-http meeting address
// is refused with the field named.
func TestVideoCallMeetingLinks(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	sink := &mailtest.Sink{}
	port := mailtest.Start(t, sink, mailtest.PlainOnly, nil)
	b := setupOpts(t, clk, []app.Option{app.WithManualDispatch()}, func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS = "127.0.0.1", port, "none"
	})
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	cat := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL)
	res, err := cat.GetResource(ctx, connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: demo.CIEID}))
	require.NoError(t, err)
	cie := res.Msg.GetResource()
	cie.Modes = []varcov1.Mode{varcov1.Mode_MODE_IN_PERSON, varcov1.Mode_MODE_VIDEO_CALL, varcov1.Mode_MODE_PHONE}

	cie.Meeting = &varcov1.Meeting{Kind: varcov1.MeetingKind_MEETING_KIND_ROOM_PER_BOOKING, Url: "http://meet.comune.example"}
	_, err = admin.UpdateResource(ctx, authBearer(&varcov1.UpdateResourceRequest{Resource: cie}, organizer))
	requireFieldViolation(t, err, "resource.meeting.url")
	cie.Meeting.Url = "https://meet.comune.example/"
	upd, err := admin.UpdateResource(ctx, authBearer(&varcov1.UpdateResourceRequest{Resource: cie}, organizer))
	require.NoError(t, err)
	require.Equal(t, "https://meet.comune.example/", upd.Msg.GetResource().GetMeeting().GetUrl())

	people := registerCitizens(t, b, "VID", 2)
	ack := cie.GetAcknowledgements()[0].GetId()
	slot := calendarCIESlot(t, b)
	var links []string
	for _, p := range people {
		hold, err := p.booking.HoldSlots(ctx, authBearer(&varcov1.HoldSlotsRequest{ResourceId: demo.CIEID, SlotStart: slot.GetStart()}, p.token))
		require.NoError(t, err)
		conf, err := p.booking.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{
			HoldId: hold.Msg.GetHold().GetId(), IdempotencyKey: uuid.NewString(), Mode: varcov1.Mode_MODE_VIDEO_CALL,
			Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY}, AcknowledgementIds: []string{ack},
		}, p.token))
		require.NoError(t, err)
		got, err := p.booking.GetBooking(ctx, authBearer(&varcov1.GetBookingRequest{BookingId: conf.Msg.GetBooking().GetId()}, p.token))
		require.NoError(t, err)
		link := got.Msg.GetBooking().GetMeetingUrl()
		require.Regexp(t, `^https://meet\.comune\.example/Varco[a-z2-7]{24}$`, link)
		links = append(links, link)

		file, err := p.booking.GetCalendarFile(ctx, authBearer(&varcov1.GetCalendarFileRequest{BookingId: got.Msg.GetBooking().GetId()}, p.token))
		require.NoError(t, err)
		loc, err := parseCalendarEvent(t, file.Msg.GetIcs()).Props.Text("LOCATION")
		require.NoError(t, err)
		require.Equal(t, link, loc)
	}
	require.NotEqual(t, links[0], links[1], "a room per booking")

	// A phone appointment: the office calls the number on the account.
	caller := registerCitizens(t, b, "TEL", 1)[0]
	hold, err := caller.booking.HoldSlots(ctx, authBearer(&varcov1.HoldSlotsRequest{ResourceId: demo.CIEID,
		SlotStart: calendarCIESlot(t, b).GetStart()}, caller.token)) // the first slot is full by now
	require.NoError(t, err)
	_, err = caller.booking.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{
		HoldId: hold.Msg.GetHold().GetId(), IdempotencyKey: uuid.NewString(), Mode: varcov1.Mode_MODE_PHONE,
		Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY}, AcknowledgementIds: []string{ack},
	}, caller.token))
	require.NoError(t, err)

	_, err = b.app.DispatchOnce(ctx)
	require.NoError(t, err)
	msgs := sink.Messages()
	require.Len(t, msgs, 3)
	for _, m := range msgs {
		_, parts := parseMail(t, m.Data)
		for _, part := range parts {
			if part.contentType != "text/plain" {
				continue
			}
			text := string(part.body)
			if strings.Contains(text, "appuntamento telefonico") {
				require.Contains(t, text, "ti chiameremo al +39 333 000 0000 all'ora indicata", "registerCitizens gave TEL0 3330000000")
			} else {
				require.True(t, strings.Contains(text, links[0]) || strings.Contains(text, links[1]), text)
			}
			require.Contains(t, text, "Non devi venire in ufficio.")
			require.NotContains(t, text, "Documenti da portare")
			require.NotContains(t, text, "Piazza del Municipio", "no office address")
		}
	}
}
