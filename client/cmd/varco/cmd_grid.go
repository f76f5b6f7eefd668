package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// gridDays is the default span of `varco grid`: a week fits a terminal.
const gridDays = 7

func (c *cli) grid(ctx context.Context, args []string) error {
	fs := c.flagSet("grid")
	resource := fs.String("resource", "", "bookable resource id")
	from := fs.String("from", "", "first date YYYY-MM-DD (default today)")
	to := fs.String("to", "", fmt.Sprintf("last date YYYY-MM-DD, included (default %d days from --from)", gridDays))
	operator := fs.String("operator", "", "only slots where this operator is free")
	seats := fs.Int("seats", 0, "seats needed (events); a slot with fewer left reads full")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"resource": *resource}); err != nil {
		return err
	}
	if *from != "" {
		if _, err := time.Parse(time.DateOnly, *from); err != nil {
			return usageErrorf("--from %q: use YYYY-MM-DD", *from)
		}
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	title := "Resource " + *resource
	// The name is a courtesy: the grid is worth showing without it. The
	// place's zone decides what "today" is (past 23:00 UTC it is already
	// tomorrow in Rome).
	zone := placeZone(nil)
	if r, err := api.Catalog.GetResource(ctx, connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: *resource})); err == nil {
		title = fmt.Sprintf("%s (%s)", r.Msg.GetResource().GetName(), r.Msg.GetPlace().GetName())
		zone = placeZone(r.Msg.GetPlace())
	}
	if *from == "" {
		*from = c.now().In(zone).Format(time.DateOnly)
	}
	start, _ := time.Parse(time.DateOnly, *from)
	if *to == "" {
		*to = start.AddDate(0, 0, gridDays-1).Format(time.DateOnly)
	}
	res, err := api.Catalog.GetAvailability(ctx, connect.NewRequest(&varcov1.GetAvailabilityRequest{
		ResourceId: *resource, FromDate: *from, ToDate: *to, OperatorId: *operator, Seats: int32(*seats),
	}))
	if err != nil {
		return callErr("grid", err)
	}
	if c.json() {
		return c.printProto(res.Msg)
	}
	return c.renderGrid(c.stdout, title, res.Msg)
}

// slotSymbols are one character per state, so a week fits in a terminal
// line per time of day.
var slotSymbols = map[varcov1.SlotState]string{
	varcov1.SlotState_SLOT_STATE_AVAILABLE:        "✓",
	varcov1.SlotState_SLOT_STATE_FULL:             "✗",
	varcov1.SlotState_SLOT_STATE_HELD:             "~",
	varcov1.SlotState_SLOT_STATE_PAST:             "·",
	varcov1.SlotState_SLOT_STATE_CLOSED:           "-",
	varcov1.SlotState_SLOT_STATE_NOT_YET_BOOKABLE: "»",
	varcov1.SlotState_SLOT_STATE_BOOKING_CLOSED:   "⊘",
}

// renderGrid prints the grid with the times of day as rows and the dates
// as columns, in the place's local time; days closed all day are listed
// under the table with their reason.
func (c *cli) renderGrid(w io.Writer, title string, g *varcov1.GetAvailabilityResponse) error {
	times := map[string]bool{}
	cells := map[string]map[string]string{} // date → local start → cell
	var closed []string
	for _, d := range g.GetDays() {
		cells[d.GetDate()] = map[string]string{}
		if len(d.GetSlots()) == 0 {
			reason := d.GetClosedReason()
			if reason == "" {
				reason = c.t("cli.grid.noHours")
			}
			closed = append(closed, c.t("cli.grid.closed", d.GetDate(), reason))
		}
		for _, s := range d.GetSlots() {
			times[s.GetLocalStart()] = true
			cell := slotSymbols[s.GetState()]
			if cell == "" {
				cell = "?"
			}
			if s.GetState() == varcov1.SlotState_SLOT_STATE_AVAILABLE {
				cell = fmt.Sprintf("%s %d", cell, s.GetSeatsLeft())
			}
			cells[d.GetDate()][s.GetLocalStart()] = cell
		}
	}
	fmt.Fprintf(w, "%s\n\n", c.t("cli.grid.title", title, g.GetTimeZone()))
	if len(times) == 0 {
		fmt.Fprintln(w, c.t("cli.grid.none"))
	} else {
		rows := make([]string, 0, len(times))
		for t := range times {
			rows = append(rows, t)
		}
		sort.Strings(rows) // "HH:MM" sorts as time
		tw := newTable(w)
		header := []string{c.t("cli.grid.time")}
		for _, d := range g.GetDays() {
			header = append(header, c.dayLabel(d.GetDate()))
		}
		fmt.Fprintln(tw, strings.Join(header, "\t"))
		for _, t := range rows {
			line := []string{t}
			for _, d := range g.GetDays() {
				line = append(line, cells[d.GetDate()][t])
			}
			fmt.Fprintln(tw, strings.Join(line, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, line := range closed {
		fmt.Fprintln(w, line)
	}
	_, err := fmt.Fprintf(w, "\n%s\n", c.t("cli.grid.legend"))
	return err
}

// dayLabel is "Mon 07/12" for "2026-12-07", the weekday in --lang ("lun
// 07/12", "Mo 07/12").
func (c *cli) dayLabel(date string) string {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return c.t("cli.wd."+strconv.Itoa(int(d.Weekday()))) + d.Format(" 02/01")
}
