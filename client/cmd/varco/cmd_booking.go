package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/client"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// listFlag is a flag that may be repeated, or given comma-separated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

type bookFlags struct {
	resource, start, operator       string
	seats, slots                    int
	forCF, forName, forEmail, phone string
	acks                            listFlag
	privacy                         bool
	reason, notes                   string
}

func (c *cli) book(ctx context.Context, args []string) error {
	fs := c.flagSet("book")
	var f bookFlags
	fs.StringVar(&f.resource, "resource", "", "bookable resource id")
	fs.StringVar(&f.start, "start", "", "slot start, RFC 3339 (as in varco grid --output json), e.g. 2026-12-07T07:30:00Z")
	fs.IntVar(&f.seats, "seats", 1, "seats (events)")
	fs.IntVar(&f.slots, "slots", 1, "consecutive slots")
	fs.StringVar(&f.operator, "operator", "", "operator id (appointments); any when empty")
	fs.StringVar(&f.forCF, "for-cf", "", "book for someone else: their codice fiscale")
	fs.StringVar(&f.forName, "for-name", "", `their name, "Given Family" or "Family, Given"`)
	fs.StringVar(&f.forEmail, "for-email", "", "their e-mail")
	fs.StringVar(&f.phone, "for-phone", "", "their phone (optional)")
	fs.Var(&f.acks, "ack", "id of an acknowledgement the citizen accepts (repeat, or comma-separate)")
	fs.BoolVar(&f.privacy, "accept-privacy", false, "the citizen read and accepts the privacy notice (required)")
	fs.StringVar(&f.reason, "reason", "", "reason for the appointment")
	fs.StringVar(&f.notes, "notes", "", "notes for the office")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	req, err := f.confirmRequest()
	if err != nil {
		return err
	}
	start, err := time.Parse(time.RFC3339, f.start)
	if err != nil {
		return usageErrorf("--start %q: use RFC 3339, e.g. 2026-12-07T07:30:00Z", f.start)
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	// Checked before holding: a hold keeps seats from others for minutes,
	// and a confirmation that must fail should not cost them that.
	if err := checkAcknowledgements(ctx, api, f.resource, f.acks); err != nil {
		return err
	}
	hold, err := api.Booking.HoldSlots(ctx, connect.NewRequest(&varcov1.HoldSlotsRequest{
		ResourceId: f.resource, SlotStart: timestamppb.New(start), SlotCount: int32(f.slots),
		Seats: int32(f.seats), OperatorId: f.operator,
	}))
	if err != nil {
		return callErr("hold", err)
	}
	req.HoldId = hold.Msg.GetHold().GetId()
	// One key for this booking: the client may repeat the confirmation
	// after a network failure, and the server then answers with the same
	// booking instead of a second one.
	req.IdempotencyKey = uuid.NewString()
	req.Language = c.lang
	res, err := api.Booking.ConfirmBooking(ctx, connect.NewRequest(req))
	if err != nil {
		// Free the seats now rather than when the hold lapses. Cancelled
		// context or not, try: the user pressing Ctrl-C wants that too.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_, _ = api.Booking.ReleaseHold(rctx, connect.NewRequest(&varcov1.ReleaseHoldRequest{HoldId: req.HoldId}))
		cancel()
		return callErr("confirm", err)
	}
	if c.json() {
		return c.printProto(res.Msg)
	}
	b := res.Msg.GetBooking()
	fmt.Fprintln(c.stdout, c.t("cli.booking.booked",
		b.GetCode(), b.GetResourceName(), b.GetLocalStart(), b.GetSeats(), b.GetId()))
	if docs := b.GetDocumentsToBring(); len(docs) > 0 {
		fmt.Fprintln(c.stdout, c.t("cli.booking.bring"))
		for _, d := range docs {
			fmt.Fprintln(c.stdout, "  -", d)
		}
	}
	return nil
}

// confirmRequest builds the confirmation from the flags, refusing what the
// server would refuse anyway before any seat is held.
func (f *bookFlags) confirmRequest() (*varcov1.ConfirmBookingRequest, error) {
	if err := required(map[string]string{"resource": f.resource, "start": f.start}); err != nil {
		return nil, err
	}
	if !f.privacy {
		return nil, usageErrorf("the citizen must accept the privacy notice: add --accept-privacy once they have")
	}
	req := &varcov1.ConfirmBookingRequest{
		Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY}, AcknowledgementIds: f.acks,
		Reason: f.reason, Notes: f.notes,
	}
	if f.forCF != "" || f.forName != "" || f.forEmail != "" || f.phone != "" {
		if err := required(map[string]string{"for-cf": f.forCF, "for-name": f.forName, "for-email": f.forEmail}); err != nil {
			return nil, fmt.Errorf("booking for someone else: %w", err)
		}
		given, family, err := splitName(f.forName)
		if err != nil {
			return nil, err
		}
		req.Beneficiary = &varcov1.Person{GivenName: given, FamilyName: family, CodiceFiscale: f.forCF, Email: f.forEmail, Phone: f.phone}
	}
	return req, nil
}

// splitName reads "Family, Given" exactly, or "Given Family" with the
// family name as the last word (write "De Luca, Anna" for a family name of
// two words).
func splitName(s string) (given, family string, err error) {
	if fam, giv, ok := strings.Cut(s, ","); ok {
		given, family = strings.TrimSpace(giv), strings.TrimSpace(fam)
	} else if i := strings.LastIndexByte(strings.TrimSpace(s), ' '); i > 0 {
		s = strings.TrimSpace(s)
		given, family = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	}
	if given == "" || family == "" {
		return "", "", usageErrorf(`--for-name %q: write "Given Family" or "Family, Given"`, s)
	}
	return given, family, nil
}

// checkAcknowledgements tells which statements the resource asks to accept
// when some are missing, with their ids.
func checkAcknowledgements(ctx context.Context, api *client.Client, resourceID string, given []string) error {
	res, err := api.Catalog.GetResource(ctx, connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: resourceID}))
	if err != nil {
		return callErr("book", err)
	}
	var missing []string
	for _, a := range res.Msg.GetResource().GetAcknowledgements() {
		if !slices.Contains(given, a.GetId()) {
			missing = append(missing, fmt.Sprintf("  --ack %s  (%s)", a.GetId(), a.GetText()))
		}
	}
	if len(missing) > 0 {
		return usageErrorf("the citizen must accept these statements; add for each:\n%s", strings.Join(missing, "\n"))
	}
	return nil
}

func (c *cli) cancel(ctx context.Context, args []string) error {
	fs := c.flagSet("cancel")
	id := fs.String("booking", "", "booking id")
	reason := fs.String("reason", "", "reason (required with --as-operator: it is sent to the citizen)")
	asOperator := fs.Bool("as-operator", false, "cancel as the office (staff), telling the citizen the reason")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"booking": *id}); err != nil {
		return err
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	var b *varcov1.Booking
	if *asOperator {
		res, err := api.Admin.CancelBookingAsOperator(ctx, connect.NewRequest(&varcov1.CancelBookingAsOperatorRequest{BookingId: *id, Reason: *reason}))
		if err != nil {
			return callErr("cancel", err)
		}
		b = res.Msg.GetBooking()
		if c.json() {
			return c.printProto(res.Msg)
		}
	} else {
		res, err := api.Booking.CancelBooking(ctx, connect.NewRequest(&varcov1.CancelBookingRequest{BookingId: *id, Reason: *reason}))
		if err != nil {
			return callErr("cancel", err)
		}
		b = res.Msg.GetBooking()
		if c.json() {
			return c.printProto(res.Msg)
		}
	}
	_, err = fmt.Fprintln(c.stdout, c.t("cli.booking.status", b.GetCode(), b.GetResourceName(), b.GetLocalStart(), enumName(b.GetStatus())))
	return err
}

func (c *cli) mine(ctx context.Context, args []string) error {
	fs := c.flagSet("mine")
	filter := fs.String("filter", "upcoming", "upcoming, past or all")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	var which varcov1.BookingFilter
	switch *filter {
	case "upcoming":
		which = varcov1.BookingFilter_BOOKING_FILTER_UPCOMING
	case "past":
		which = varcov1.BookingFilter_BOOKING_FILTER_PAST
	case "all":
	default:
		return usageErrorf("--filter %q: use upcoming, past or all", *filter)
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	all := &varcov1.ListMyBookingsResponse{}
	for token := ""; ; {
		res, err := api.Booking.ListMyBookings(ctx, connect.NewRequest(&varcov1.ListMyBookingsRequest{Filter: which, PageSize: 200, PageToken: token}))
		if err != nil {
			return callErr("mine", err)
		}
		all.Bookings = append(all.Bookings, res.Msg.GetBookings()...)
		if token = res.Msg.GetNextPageToken(); token == "" {
			break
		}
	}
	if c.json() {
		return c.printProto(all)
	}
	return c.printBookings(all.GetBookings(), false)
}

// printBookings prints a booking list; staff see who attends. Times are
// in the zone of each booking's place, with the zone named.
func (c *cli) printBookings(list []*varcov1.Booking, staff bool) error {
	if len(list) == 0 {
		_, err := fmt.Fprintln(c.stdout, c.t("cli.bookings.none"))
		return err
	}
	tw := c.table()
	cols := []string{"when", "code", "resource", "seats", "status", "id"}
	if staff {
		cols = []string{"when", "code", "resource", "seats", "status", "who", "operator", "id"}
	}
	for i, col := range cols {
		cols[i] = c.t("cli.col." + col)
	}
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	for _, b := range list {
		if staff {
			who := strings.TrimSpace(b.GetBeneficiary().GetGivenName() + " " + b.GetBeneficiary().GetFamilyName())
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", bookingWhen(b), b.GetCode(), b.GetResourceName(),
				b.GetSeats(), enumName(b.GetStatus()), who, b.GetOperator().GetDisplayName(), b.GetId())
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", bookingWhen(b), b.GetCode(), b.GetResourceName(),
			b.GetSeats(), enumName(b.GetStatus()), b.GetId())
	}
	return tw.Flush()
}

var _ flag.Value = (*listFlag)(nil)
