package api

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/clientip"
	"github.com/varco-gate/varco/internal/identity"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// Identity is what the AuthService handler needs from the identity domain.
type Identity interface {
	Register(ctx context.Context, in identity.RegisterInput, lang string) (identity.Account, identity.Session, error)
	Login(ctx context.Context, login, password, clientAddr string) (identity.Account, identity.Session, error)
	Logout(ctx context.Context, sessionHash [32]byte) error
	WhoAmI(ctx context.Context, p authz.Principal) (identity.Caller, error)
	UpdateProfile(ctx context.Context, accountID string, in identity.ProfileUpdate) (identity.Account, error)
	ChangePassword(ctx context.Context, accountID string, keepSession [32]byte, current, next string) error
}

// Auth serves varco.v1.AuthService. The authorization interceptor puts the
// caller's principal in the context; handlers only read it.
type Auth struct {
	varcov1connect.UnimplementedAuthServiceHandler
	id      Identity
	privacy Privacy
	log     *slog.Logger
	clients clientip.Resolver
	// oidc runs SPID/CIE logins; nil when none is configured (auth_oidc.go).
	oidc       OIDC
	oidcSecure bool
}

// NewAuth returns the AuthService handler. Without a Privacy service the
// data export and erasure RPCs answer Unimplemented.
func NewAuth(id Identity, log *slog.Logger, privacy ...Privacy) *Auth {
	a := &Auth{id: id, log: log}
	if len(privacy) > 0 {
		a.privacy = privacy[0]
	}
	return a
}

// errNotAccount is the handlers' own check that the caller is an account;
// the interceptor enforces it first, this is defense in depth. A new error
// each time, since a *connect.Error carries mutable metadata.
func errNotAccount() error {
	return connect.NewError(connect.CodeUnauthenticated,
		errors.New("devi accedere per questa operazione / you must log in for this operation"))
}

func accountPrincipal(ctx context.Context) (authz.Principal, error) {
	p := authz.FromContext(ctx)
	if p.Kind != authz.Account || p.AccountID == "" {
		return authz.Principal{}, errNotAccount()
	}
	return p, nil
}

// Register creates a citizen account and logs it in.
func (a *Auth) Register(ctx context.Context, req *connect.Request[varcov1.RegisterRequest]) (*connect.Response[varcov1.RegisterResponse], error) {
	lang := Language(req.Header())
	m := req.Msg
	acct, sess, err := a.id.Register(ctx, identity.RegisterInput{
		GivenName: m.GetGivenName(), FamilyName: m.GetFamilyName(), Email: m.GetEmail(),
		CodiceFiscale: m.GetCodiceFiscale(), Phone: m.GetPhone(), Password: m.GetPassword(),
		Language: m.GetLanguage(), PrivacyConsent: m.GetPrivacyConsent(),
	}, lang)
	if err != nil {
		return nil, ToConnect(ctx, a.log, lang, err)
	}
	return connect.NewResponse(&varcov1.RegisterResponse{Account: accountPB(acct), Session: sessionPB(sess)}), nil
}

// Login trades credentials for a session. While throttled, the error
// carries a Retry-After header in whole seconds.
func (a *Auth) Login(ctx context.Context, req *connect.Request[varcov1.LoginRequest]) (*connect.Response[varcov1.LoginResponse], error) {
	lang := Language(req.Header())
	acct, sess, err := a.id.Login(ctx, req.Msg.GetLogin(), req.Msg.GetPassword(), a.clients.Client(req.Peer().Addr, req.Header()))
	if err != nil {
		cerr := ToConnect(ctx, a.log, lang, err)
		var ce *connect.Error
		if wait, ok := identity.RetryAfter(err); ok && errors.As(cerr, &ce) {
			// Rounded up: retrying a fraction of a second early would fail.
			ce.Meta().Set("Retry-After", strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10))
		}
		return nil, cerr
	}
	return connect.NewResponse(&varcov1.LoginResponse{Account: accountPB(acct), Session: sessionPB(sess)}), nil
}

// TrustProxies makes Login find the client's address through these reverse
// proxies (see package clientip); by default the peer is the client.
func (a *Auth) TrustProxies(r clientip.Resolver) *Auth {
	a.clients = r
	return a
}

// Logout revokes the session used for the call.
func (a *Auth) Logout(ctx context.Context, req *connect.Request[varcov1.LogoutRequest]) (*connect.Response[varcov1.LogoutResponse], error) {
	p, err := accountPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	// The provider's logout URL, when SPID/CIE opened the session.
	providerLogout := a.providerLogoutURL(ctx, p.SessionHash)
	if err := a.id.Logout(ctx, p.SessionHash); err != nil {
		return nil, ToConnect(ctx, a.log, Language(req.Header()), err)
	}
	return connect.NewResponse(&varcov1.LogoutResponse{ProviderLogoutUrl: providerLogout}), nil
}

// WhoAmI describes the caller.
func (a *Auth) WhoAmI(ctx context.Context, req *connect.Request[varcov1.WhoAmIRequest]) (*connect.Response[varcov1.WhoAmIResponse], error) {
	p := authz.FromContext(ctx)
	if p.Kind == authz.Anonymous {
		return nil, errNotAccount()
	}
	c, err := a.id.WhoAmI(ctx, p)
	if err != nil {
		return nil, ToConnect(ctx, a.log, Language(req.Header()), err)
	}
	res := &varcov1.WhoAmIResponse{}
	switch c.Kind {
	case authz.Account:
		res.Kind = varcov1.PrincipalKind_PRINCIPAL_KIND_CITIZEN
		if len(c.Roles) > 0 {
			res.Kind = varcov1.PrincipalKind_PRINCIPAL_KIND_STAFF
		}
		res.Account = accountPB(c.Account)
		res.InstallationAdmin = c.InstallationAdmin
		for _, r := range c.Roles {
			res.Roles = append(res.Roles, staffRolePB(r))
		}
	case authz.Device:
		res.Kind = varcov1.PrincipalKind_PRINCIPAL_KIND_DEVICE
		res.Device = devicePB(c.Device)
	}
	return connect.NewResponse(res), nil
}

// UpdateProfile changes the caller's names, phone or language.
func (a *Auth) UpdateProfile(ctx context.Context, req *connect.Request[varcov1.UpdateProfileRequest]) (*connect.Response[varcov1.UpdateProfileResponse], error) {
	p, err := accountPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	acct, err := a.id.UpdateProfile(ctx, p.AccountID, identity.ProfileUpdate{
		GivenName: m.GetGivenName(), FamilyName: m.GetFamilyName(), Phone: m.GetPhone(), Language: m.GetLanguage(),
		AppIOOptOut: m.AppIoOptOut,
	})
	if err != nil {
		return nil, ToConnect(ctx, a.log, Language(req.Header()), err)
	}
	return connect.NewResponse(&varcov1.UpdateProfileResponse{Account: accountPB(acct)}), nil
}

// ChangePassword replaces the caller's password and revokes its other
// sessions.
func (a *Auth) ChangePassword(ctx context.Context, req *connect.Request[varcov1.ChangePasswordRequest]) (*connect.Response[varcov1.ChangePasswordResponse], error) {
	p, err := accountPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	err = a.id.ChangePassword(ctx, p.AccountID, p.SessionHash, req.Msg.GetCurrentPassword(), req.Msg.GetNewPassword())
	if err != nil {
		return nil, ToConnect(ctx, a.log, Language(req.Header()), err)
	}
	return connect.NewResponse(&varcov1.ChangePasswordResponse{}), nil
}

func accountPB(a identity.Account) *varcov1.Account {
	return &varcov1.Account{
		Id: a.ID, GivenName: a.GivenName, FamilyName: a.FamilyName, Email: a.Email,
		CodiceFiscale: a.CodiceFiscale, Phone: a.Phone, Language: a.Language,
		CreatedAt: timestamppb.New(a.CreatedAt), AppIoOptOut: a.AppIOOptOut, HasPassword: a.PasswordHash != "",
	}
}

func sessionPB(s identity.Session) *varcov1.Session {
	return &varcov1.Session{Token: s.Token, ExpiresAt: timestamppb.New(s.ExpiresAt)}
}

func staffRolePB(r authz.Role) *varcov1.StaffRole {
	return &varcov1.StaffRole{
		OrganizationId: r.OrganizationID, Kind: varcov1.StaffRoleKind(r.Kind), ResourceIds: r.ResourceIDs,
	}
}

func devicePB(d identity.Device) *varcov1.Device {
	return &varcov1.Device{
		Id: d.ID, OrganizationId: d.OrganizationID, Name: d.Name, ResourceIds: d.ResourceIDs,
		Direction: varcov1.GateDirection(d.Direction), EnrolledAt: optionalTimestamp(d.EnrolledAt),
		LastSeenAt: optionalTimestamp(d.LastSeenAt), RevokedAt: optionalTimestamp(d.RevokedAt),
	}
}

// optionalTimestamp leaves unset instants unset instead of sending 1970.
func optionalTimestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
