package main

import (
	"context"
	"fmt"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// schedule applies the weekly rules and the exceptions of a resource, each
// only when the file lists them.
func (a *applier) schedule(ctx context.Context, spec resourceSpec, path string, r *varcov1.Resource) error {
	if spec.Rules == nil && spec.Exceptions == nil {
		return nil
	}
	have := &varcov1.Schedule{}
	if r.GetId() != pending {
		res, err := a.api.Admin.GetSchedule(ctx, connect.NewRequest(&varcov1.GetScheduleRequest{ResourceId: r.GetId()}))
		if err != nil {
			return callErr(fmt.Sprintf("read the schedule of %q", path), err)
		}
		have = res.Msg.GetSchedule()
	}
	if spec.Rules != nil {
		if err := a.rules(ctx, spec, path, r, have); err != nil {
			return err
		}
	}
	if spec.Exceptions != nil {
		return a.exceptions(ctx, spec, path, r, have)
	}
	return nil
}

func (a *applier) rules(ctx context.Context, spec resourceSpec, path string, r *varcov1.Resource, have *varcov1.Schedule) error {
	want, err := rulesProto(spec.Rules, r)
	if err != nil {
		return fmt.Errorf("resource %q: %w", path, err)
	}
	kind := r.GetKind()
	if r.GetId() == pending {
		if len(want) > 0 {
			a.record("created", "rules", path, "", nil)
		}
		return nil
	}
	action := "updated"
	if len(have.GetRules()) == 0 {
		action = "created"
	}
	return a.reconcileAs(action, "rules", path, r.GetId(), canonRules(kind, want), canonRules(kind, have.GetRules()), func() (proto.Message, error) {
		res, err := a.api.Admin.SetSchedule(ctx, connect.NewRequest(&varcov1.SetScheduleRequest{ResourceId: r.GetId(), Rules: want}))
		if err != nil {
			return nil, callErr(fmt.Sprintf("set the weekly rules of %q", path), err)
		}
		a.warnStranded(path, res.Msg.GetStrandedBookings())
		return canonRules(kind, res.Msg.GetSchedule().GetRules()), nil
	})
}

// exceptions adds the exceptions the server lacks, matching by content;
// with --prune it deletes those the file does not list.
func (a *applier) exceptions(ctx context.Context, spec resourceSpec, path string, r *varcov1.Resource, have *varcov1.Schedule) error {
	unmatched := map[string][]*varcov1.ScheduleException{}
	for _, e := range have.GetExceptions() {
		k := exceptionKey(e)
		unmatched[k] = append(unmatched[k], e)
	}
	for i, s := range spec.Exceptions {
		e, err := s.proto(r, fmt.Sprintf("exceptions[%d]", i))
		if err != nil {
			return fmt.Errorf("resource %q: %w", path, err)
		}
		label := path + ": " + describeException(e)
		k := exceptionKey(e)
		if list := unmatched[k]; len(list) > 0 {
			unmatched[k] = list[1:]
			a.record("unchanged", "exception", label, list[0].GetId(), nil)
			continue
		}
		if a.dryRun {
			a.record("created", "exception", label, "", nil)
			continue
		}
		res, err := a.api.Admin.AddScheduleException(ctx, connect.NewRequest(&varcov1.AddScheduleExceptionRequest{ResourceId: r.GetId(), Exception: e}))
		if err != nil {
			return callErr(fmt.Sprintf("add exception %q", label), err)
		}
		a.warnStranded(path, res.Msg.GetStrandedBookings())
		a.record("created", "exception", label, res.Msg.GetException().GetId(), nil)
	}
	var extra int
	for _, list := range unmatched {
		for _, e := range list {
			if !a.prune {
				extra++
				continue
			}
			label := path + ": " + describeException(e)
			if !a.dryRun {
				_, err := a.api.Admin.DeleteScheduleException(ctx, connect.NewRequest(&varcov1.DeleteScheduleExceptionRequest{ResourceId: r.GetId(), ExceptionId: e.GetId()}))
				if err != nil {
					return callErr(fmt.Sprintf("delete exception %q", label), err)
				}
			}
			a.record("deleted", "exception", label, e.GetId(), nil)
		}
	}
	if extra > 0 {
		// Kept by default: closures made from the back office (BlockSlots,
		// a strike day) are not in the file, and deleting them would
		// reopen slots whose bookings were cancelled.
		a.warn("resource %q has %d exception(s) the file does not list; kept (use --prune to delete them)", path, extra)
	}
	return nil
}

func (a *applier) warnStranded(path string, stranded []*varcov1.Booking) {
	if n := len(stranded); n > 0 {
		a.warn("resource %q: %d future booking(s) no longer fit its schedule; see varco bookings and move or cancel them", path, n)
	}
}

// describeException is a short label: "closure 2026-12-25 yearly (Natale)".
func describeException(e *varcov1.ScheduleException) string {
	s := enumName(e.GetKind()) + " " + e.GetStartDate()
	if e.GetEndDate() != "" && e.GetEndDate() != e.GetStartDate() {
		s += "…" + e.GetEndDate()
	}
	if e.GetStartTime() != "" {
		s += " " + e.GetStartTime() + "-" + e.GetEndTime()
	}
	if e.GetYearly() {
		s += " yearly"
	}
	if e.GetReason() != "" {
		s += " (" + e.GetReason() + ")"
	}
	return s
}
