package api

import (
	"context"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/identity"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// The interceptor has already checked that the caller is organizer of the
// request's organization_id; these handlers only translate.

// GrantRole gives a registered account a staff role.
func (a *Admin) GrantRole(ctx context.Context, req *connect.Request[varcov1.GrantRoleRequest]) (*connect.Response[varcov1.GrantRoleResponse], error) {
	lang := Language(req.Header())
	m := req.Msg
	if err := required("login", m.GetLogin()); err != nil {
		return nil, ToConnect(ctx, a.log, lang, err)
	}
	kind := authz.RoleKind(m.GetKind())
	if kind != authz.RoleOperator && kind != authz.RoleOrganizer {
		return nil, ToConnect(ctx, a.log, lang, fault.InvalidField("kind", "role_kind"))
	}
	member, err := a.deps.Staff.GrantRole(ctx, m.GetOrganizationId(), m.GetLogin(), kind, m.GetResourceIds())
	if err != nil {
		return nil, ToConnect(ctx, a.log, lang, err)
	}
	return connect.NewResponse(&varcov1.GrantRoleResponse{Member: staffMemberPB(member)}), nil
}

// RevokeRole removes an account's role.
func (a *Admin) RevokeRole(ctx context.Context, req *connect.Request[varcov1.RevokeRoleRequest]) (*connect.Response[varcov1.RevokeRoleResponse], error) {
	lang := Language(req.Header())
	if err := required("account_id", req.Msg.GetAccountId()); err != nil {
		return nil, ToConnect(ctx, a.log, lang, err)
	}
	if err := a.deps.Staff.RevokeRole(ctx, req.Msg.GetOrganizationId(), req.Msg.GetAccountId()); err != nil {
		return nil, ToConnect(ctx, a.log, lang, err)
	}
	return connect.NewResponse(&varcov1.RevokeRoleResponse{}), nil
}

// ListStaff lists the organization's staff.
func (a *Admin) ListStaff(ctx context.Context, req *connect.Request[varcov1.ListStaffRequest]) (*connect.Response[varcov1.ListStaffResponse], error) {
	members, err := a.deps.Staff.ListStaff(ctx, req.Msg.GetOrganizationId())
	if err != nil {
		return nil, ToConnect(ctx, a.log, Language(req.Header()), err)
	}
	res := &varcov1.ListStaffResponse{}
	for _, m := range members {
		res.Members = append(res.Members, staffMemberPB(m))
	}
	return connect.NewResponse(res), nil
}

func staffMemberPB(m identity.StaffMember) *varcov1.StaffMember {
	return &varcov1.StaffMember{
		AccountId: m.AccountID, DisplayName: m.GivenName + " " + m.FamilyName, Email: m.Email,
		Role: staffRolePB(m.Role),
	}
}
