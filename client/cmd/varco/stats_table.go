package main

import (
	"fmt"

	"google.golang.org/protobuf/reflect/protoreflect"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// statKind says how a figure reads and how its change is written.
type statKind int

const (
	statCount   statKind = iota // 12, change +3
	statPercent                 // 4.5%, change +1.2 pp
	statDecimal                 // 1.25, change -0.50
)

// statRow is one line of the stats table; label is its catalog key;
// percent, when set, names the share shown next to a count ("3 (12.5%)").
type statRow struct {
	label   string
	field   protoreflect.Name
	kind    statKind
	percent protoreflect.Name
}

// statRows lists the figures in reading order, with the definitions of
// docs/stats.md in a few words.
var statRows = []statRow{
	{"cli.stats.bookings", "bookings", statCount, ""},
	{"cli.stats.cancelled_by_user", "cancelled_by_user", statCount, "cancelled_by_user_percent"},
	{"cli.stats.cancelled_by_operator", "cancelled_by_operator", statCount, "cancelled_by_operator_percent"},
	{"cli.stats.rescheduled", "rescheduled", statCount, "rescheduled_percent"},
	{"cli.stats.done", "done", statCount, ""},
	{"cli.stats.no_show", "no_show", statCount, "no_show_percent"},
	{"cli.stats.avg_days_to_first_availability", "avg_days_to_first_availability", statDecimal, ""},
	{"cli.stats.saturation_percent", "saturation_percent", statPercent, ""},
	{"cli.stats.capacity_hours", "capacity_hours", statDecimal, ""},
	{"cli.stats.slots_offered", "slots_offered", statCount, ""},
	{"cli.stats.avg_slot_minutes", "avg_slot_minutes", statDecimal, ""},
	{"cli.stats.entries", "entries", statCount, ""},
	{"cli.stats.exits", "exits", statCount, ""},
	{"cli.stats.peak_occupancy", "peak_occupancy", statCount, ""},
	{"cli.stats.overstays", "overstays", statCount, ""},
}

// printStats writes the two periods side by side with the change. A
// figure the server sends that this table does not know yet is still
// shown, under its field name, so a newer server's figures are not lost.
func (c *cli) printStats(cur, prev *varcov1.Stats) error {
	if _, err := fmt.Fprintf(c.stdout, "%s\n\n", c.t("cli.stats.title",
		cur.GetFromDate(), cur.GetToDate(), prev.GetFromDate(), prev.GetToDate())); err != nil {
		return err
	}
	cr, pr := cur.ProtoReflect(), prev.ProtoReflect()
	fields := cr.Descriptor().Fields()
	tw := c.table()
	fmt.Fprintf(tw, "\t%s\t%s\t%s\n", c.t("cli.stats.current"), c.t("cli.stats.previous"), c.t("cli.stats.change"))
	shown := map[protoreflect.Name]bool{"from_date": true, "to_date": true}
	for _, row := range statRows {
		fd := fields.ByName(row.field)
		if fd == nil {
			continue // an older server without this figure
		}
		shown[row.field], shown[row.percent] = true, true
		var share protoreflect.FieldDescriptor
		if row.percent != "" {
			share = fields.ByName(row.percent)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.t(row.label),
			statCell(cr, fd, share, row.kind), statCell(pr, fd, share, row.kind), statChange(cr, pr, fd, share, row.kind))
	}
	for i := range fields.Len() {
		fd := fields.Get(i)
		if shown[fd.Name()] || fd.Kind() == protoreflect.StringKind {
			continue
		}
		kind := statCount
		if fd.Kind() == protoreflect.DoubleKind {
			kind = statDecimal
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", fd.Name(), statCell(cr, fd, nil, kind), statCell(pr, fd, nil, kind), statChange(cr, pr, fd, nil, kind))
	}
	return tw.Flush()
}

func statNumber(m protoreflect.Message, fd protoreflect.FieldDescriptor) float64 {
	switch v := m.Get(fd).Interface().(type) {
	case int32:
		return float64(v)
	case int64:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

func statCell(m protoreflect.Message, fd, share protoreflect.FieldDescriptor, kind statKind) string {
	v := statNumber(m, fd)
	var s string
	switch kind {
	case statPercent:
		s = fmt.Sprintf("%.1f%%", v)
	case statDecimal:
		s = fmt.Sprintf("%.2f", v)
	default:
		s = fmt.Sprintf("%.0f", v)
	}
	if share != nil {
		s += fmt.Sprintf(" (%.1f%%)", statNumber(m, share))
	}
	return s
}

// statChange writes current - previous: "=" when equal, percentages in
// percentage points.
func statChange(cur, prev protoreflect.Message, fd, share protoreflect.FieldDescriptor, kind statKind) string {
	d := statNumber(cur, fd) - statNumber(prev, fd)
	var ds float64
	if share != nil {
		ds = statNumber(cur, share) - statNumber(prev, share)
	}
	var s string
	switch {
	case d == 0 && ds == 0:
		return "="
	case kind == statPercent:
		s = fmt.Sprintf("%+.1f pp", d)
	case kind == statDecimal:
		s = fmt.Sprintf("%+.2f", d)
	default:
		s = fmt.Sprintf("%+.0f", d)
	}
	if share != nil {
		s += fmt.Sprintf(" (%+.1f pp)", ds)
	}
	return s
}
