package api

import (
	"context"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/fault"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// StaffWaitlists reads the waiting lists for staff (*booking.Service).
type StaffWaitlists interface {
	Waitlist(ctx context.Context, q booking.WaitQuery) ([]booking.WaitEntry, error)
}

// ListWaitlist lists an organization's waiting lists, in line order. An
// operator limited to some resources sees only theirs.
func (a *Admin) ListWaitlist(ctx context.Context, req *connect.Request[varcov1.ListWaitlistRequest]) (*connect.Response[varcov1.ListWaitlistResponse], error) {
	m := req.Msg
	q := booking.WaitQuery{OrganizationID: m.GetOrganizationId(), SlotStart: timeOf(m.GetSlotStart()), IncludeEnded: m.GetIncludeEnded()}
	if !q.SlotStart.IsZero() && m.GetResourceId() == "" {
		return nil, a.fail(ctx, req.Header(), fault.InvalidField("resource_id", "required").Text("error.required.resource_id"))
	}
	switch role, _ := authz.FromContext(ctx).RoleIn(q.OrganizationID); {
	case m.GetResourceId() != "":
		q.ResourceIDs = []string{m.GetResourceId()}
	case role.Kind == authz.RoleOperator && len(role.ResourceIDs) > 0:
		q.ResourceIDs = role.ResourceIDs
	}
	list, err := a.deps.Waitlists.Waitlist(ctx, q)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	out := &varcov1.ListWaitlistResponse{}
	for _, e := range list {
		out.Entries = append(out.Entries, waitEntryPB(e, true))
	}
	return connect.NewResponse(out), nil
}
