package api

import (
	"context"
	"errors"
	"time"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/internal/authz"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// Privacy implements the citizen's rights of access and erasure.
type Privacy interface {
	ExportData(ctx context.Context, p authz.Principal) ([]byte, time.Time, error)
	DeleteAccount(ctx context.Context, p authz.Principal, password string) (cancelled, anonymized int, err error)
}

var errNoPrivacy = connect.NewError(connect.CodeUnimplemented, errors.New("not available"))

// ExportMyData returns everything held about the caller.
func (a *Auth) ExportMyData(ctx context.Context, req *connect.Request[varcov1.ExportMyDataRequest]) (*connect.Response[varcov1.ExportMyDataResponse], error) {
	if a.privacy == nil {
		return nil, errNoPrivacy
	}
	p, err := accountPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	data, at, err := a.privacy.ExportData(ctx, p)
	if err != nil {
		return nil, ToConnect(ctx, a.log, Language(req.Header()), err)
	}
	return connect.NewResponse(&varcov1.ExportMyDataResponse{Json: data,
		FileName: "varco-dati-personali-" + at.Format(time.DateOnly) + ".json"}), nil
}

// DeleteMyAccount erases the caller's account.
func (a *Auth) DeleteMyAccount(ctx context.Context, req *connect.Request[varcov1.DeleteMyAccountRequest]) (*connect.Response[varcov1.DeleteMyAccountResponse], error) {
	if a.privacy == nil {
		return nil, errNoPrivacy
	}
	p, err := accountPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	// The password is required of accounts that have one: identity checks
	// (accounts created through SPID/CIE confirm by a fresh login).
	cancelled, anonymized, err := a.privacy.DeleteAccount(ctx, p, req.Msg.GetPassword())
	if err != nil {
		return nil, ToConnect(ctx, a.log, Language(req.Header()), err)
	}
	return connect.NewResponse(&varcov1.DeleteMyAccountResponse{CancelledBookings: int32(cancelled), AnonymizedBookings: int32(anonymized)}), nil
}
