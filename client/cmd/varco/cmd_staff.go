package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/internal/qrcode"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

func (c *cli) bookings(ctx context.Context, args []string) error {
	fs := c.flagSet("bookings")
	org := fs.String("org", "", "organization id")
	resource := fs.String("resource", "", "only this resource")
	operator := fs.String("operator", "", "only this operator")
	date := fs.String("date", "", "day YYYY-MM-DD (default today)")
	to := fs.String("to", "", "last day YYYY-MM-DD, included (default --date)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"org": *org}); err != nil {
		return err
	}
	if *date == "" {
		*date = c.now().Format(time.DateOnly)
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	all := &varcov1.ListBookingsResponse{}
	for token := ""; ; {
		res, err := api.Admin.ListBookings(ctx, connect.NewRequest(&varcov1.ListBookingsRequest{
			OrganizationId: *org, ResourceId: *resource, OperatorId: *operator, FromDate: *date, ToDate: *to,
			PageSize: 500, PageToken: token,
		}))
		if err != nil {
			return callErr("bookings", err)
		}
		all.Bookings = append(all.Bookings, res.Msg.GetBookings()...)
		if token = res.Msg.GetNextPageToken(); token == "" {
			break
		}
	}
	if c.json() {
		return c.printProto(all)
	}
	return c.printBookings(all.GetBookings(), true)
}

func (c *cli) attend(ctx context.Context, args []string) error {
	fs := c.flagSet("attend")
	id := fs.String("booking", "", "booking id")
	status := fs.String("status", "", "done or no-show")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"booking": *id, "status": *status}); err != nil {
		return err
	}
	var st varcov1.BookingStatus
	switch *status {
	case "done":
		st = varcov1.BookingStatus_BOOKING_STATUS_DONE
	case "no-show", "no_show", "noshow":
		st = varcov1.BookingStatus_BOOKING_STATUS_NO_SHOW
	default:
		return usageErrorf("--status %q: use done or no-show", *status)
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	res, err := api.Admin.MarkAttendance(ctx, connect.NewRequest(&varcov1.MarkAttendanceRequest{BookingId: *id, Status: st}))
	if err != nil {
		return callErr("attend", err)
	}
	if c.json() {
		return c.printProto(res.Msg)
	}
	b := res.Msg.GetBooking()
	_, err = fmt.Fprintln(c.stdout, c.t("cli.booking.status", b.GetCode(), b.GetResourceName(), b.GetLocalStart(), enumName(b.GetStatus())))
	return err
}

func (c *cli) enrollCode(ctx context.Context, args []string) error {
	fs := c.flagSet("enroll-code")
	org := fs.String("org", "", "organization id")
	name := fs.String("name", "", `gate name, e.g. "Ingresso nord"`)
	var resources listFlag
	fs.Var(&resources, "resource", "resource the gate serves (repeat, or comma-separate)")
	direction := fs.String("direction", "", "entry, exit or both")
	pngFile := fs.String("png", "", "also write the code's QR to this PNG file (to print or send)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"org": *org, "name": *name, "direction": *direction, "resource": resources.String()}); err != nil {
		return err
	}
	dir, err := parseEnum(varcov1.GateDirection(0).Descriptor(), *direction)
	if err != nil {
		return usageErrorf("--direction: %v", err)
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	res, err := api.Admin.CreateDeviceEnrollment(ctx, connect.NewRequest(&varcov1.CreateDeviceEnrollmentRequest{
		OrganizationId: *org, Name: *name, ResourceIds: resources, Direction: varcov1.GateDirection(dir),
	}))
	if err != nil {
		return callErr("enroll-code", err)
	}
	// The code is already made (and works once): a QR that cannot be drawn
	// or written is reported, with the code still printed to type.
	m, qrErr := qrcode.Encode(enrollLink(c.server, res.Msg.GetEnrollmentCode()))
	if qrErr == nil && *pngFile != "" {
		var img []byte
		if img, qrErr = m.PNG(qrPNGModule); qrErr == nil {
			qrErr = os.WriteFile(*pngFile, img, 0o644)
		}
	}
	if c.json() {
		return errors.Join(c.printProto(res.Msg), qrErr)
	}
	if qrErr == nil {
		if _, err := io.WriteString(c.stdout, m.Text()); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintln(c.stdout, c.t("cli.enroll.done",
		*name, res.Msg.GetEnrollmentCode(), res.Msg.GetExpiresAt().AsTime().Local().Format("15:04")))
	return errors.Join(err, qrErr)
}

func (c *cli) stats(ctx context.Context, args []string) error {
	fs := c.flagSet("stats")
	org := fs.String("org", "", "organization id")
	resource := fs.String("resource", "", "only this resource (and its subtree)")
	from := fs.String("from", "", "first date YYYY-MM-DD")
	to := fs.String("to", "", "last date YYYY-MM-DD, included")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"org": *org, "from": *from, "to": *to}); err != nil {
		return err
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	res, err := api.Admin.GetStats(ctx, connect.NewRequest(&varcov1.GetStatsRequest{
		OrganizationId: *org, ResourceId: *resource, FromDate: *from, ToDate: *to,
	}))
	if err != nil {
		return callErr("stats", err)
	}
	if c.json() {
		return c.printProto(res.Msg)
	}
	return c.printStats(res.Msg.GetCurrent(), res.Msg.GetPrevious())
}
