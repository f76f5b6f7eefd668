package api

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/audit"
	"github.com/varco-gate/varco/internal/fault"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// ListAuditEvents reads the organization's audit trail, newest first.
func (a *Admin) ListAuditEvents(ctx context.Context, req *connect.Request[varcov1.ListAuditEventsRequest]) (*connect.Response[varcov1.ListAuditEventsResponse], error) {
	m := req.Msg
	size := int(m.GetPageSize())
	switch {
	case size == 0:
		size = 100
	case size < 0 || size > 500:
		return nil, a.fail(ctx, req.Header(), invalidPageSize500)
	}
	cur, err := decodeCursor(m.GetPageToken())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	q := audit.Query{OrganizationID: m.GetOrganizationId(), Since: timeOf(m.GetSince()), TargetID: m.GetTargetId(),
		ActorID: m.GetActorId(), Action: m.GetAction(), Until: timeOf(m.GetUntil()), Limit: size + 1, BeforeID: cur.ID}
	if !q.Until.IsZero() && !q.Until.After(q.Since) {
		return nil, a.fail(ctx, req.Header(), fault.InvalidField("until", "end_before_start").Text("error.end_before_start.until"))
	}
	if cur.ID != "" {
		if q.BeforeAt, err = time.Parse(time.RFC3339Nano, cur.Key); err != nil {
			return nil, a.fail(ctx, req.Header(), errPageToken)
		}
	}
	list, err := a.deps.Audit.ListAudit(ctx, q)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	res := &varcov1.ListAuditEventsResponse{}
	if len(list) > size {
		list = list[:size]
		last := list[size-1]
		res.NextPageToken = encodeCursor(cursor{Key: last.At.Format(time.RFC3339Nano), ID: last.ID})
	}
	for _, e := range list {
		res.Events = append(res.Events, &varcov1.AuditEvent{
			Id: e.ID, At: timestamppb.New(e.At), Action: e.Action, TargetType: e.TargetType, TargetId: e.TargetID, Detail: e.Detail,
			Actor: &varcov1.Actor{Kind: varcov1.PrincipalKind(e.ActorKind), Id: e.ActorID, DisplayName: e.ActorName},
		})
	}
	return connect.NewResponse(res), nil
}
