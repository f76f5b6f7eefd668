package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/i18n"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/notify/push"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// PushSubscriptions stores browser subscriptions.
type PushSubscriptions interface {
	SaveSubscription(ctx context.Context, t notify.Target, at time.Time) (string, error)
	DeleteSubscriptionByEndpoint(ctx context.Context, endpoint string) (bool, error)
}

// PushKeys validates subscriptions and publishes the VAPID key; nil when
// push is not configured.
type PushKeys interface {
	PublicKey() string
	ValidateSubscription(sub notify.Subscription) error
}

// Notifications serves varco.v1.NotificationService.
type Notifications struct {
	varcov1connect.UnimplementedNotificationServiceHandler
	push     PushKeys
	subs     PushSubscriptions
	bookings Bookings
	clk      clock.Clock
	log      *slog.Logger
}

// NewNotifications returns the NotificationService handler.
func NewNotifications(p PushKeys, s PushSubscriptions, b Bookings, clk clock.Clock, log *slog.Logger) *Notifications {
	return &Notifications{push: p, subs: s, bookings: b, clk: clk, log: log}
}

var errPushDisabled = fault.New(fault.FailedPrecondition, "push_disabled")

func (n *Notifications) fail(ctx context.Context, h http.Header, err error) error {
	var ve *push.ValidationError
	if errors.As(err, &ve) {
		err = fault.InvalidField(ve.Field, string(ve.Code)).Text(ve.Key())
	}
	return ToConnect(ctx, n.log, Language(h), err)
}

// GetVapidPublicKey returns the applicationServerKey for subscribe().
func (n *Notifications) GetVapidPublicKey(ctx context.Context, req *connect.Request[varcov1.GetVapidPublicKeyRequest]) (*connect.Response[varcov1.GetVapidPublicKeyResponse], error) {
	if n.push == nil {
		return nil, n.fail(ctx, req.Header(), errPushDisabled)
	}
	return connect.NewResponse(&varcov1.GetVapidPublicKeyResponse{PublicKey: n.push.PublicKey()}), nil
}

// SubscribePush stores a subscription for the caller's account, or for one
// booking named by its code and cancel token.
func (n *Notifications) SubscribePush(ctx context.Context, req *connect.Request[varcov1.SubscribePushRequest]) (*connect.Response[varcov1.SubscribePushResponse], error) {
	if n.push == nil {
		return nil, n.fail(ctx, req.Header(), errPushDisabled)
	}
	m := req.Msg
	t := notify.Target{Subscription: notify.Subscription{ID: uuid.NewString(), Endpoint: m.GetEndpoint(), P256dh: m.GetP256Dh(), Auth: m.GetAuth()},
		Language: m.GetLanguage()}
	if t.Language == "" {
		t.Language = Language(req.Header())
	}
	if !i18n.Supported(t.Language) {
		return nil, n.fail(ctx, req.Header(), invalidLanguage)
	}
	if err := n.push.ValidateSubscription(t.Subscription); err != nil {
		return nil, n.fail(ctx, req.Header(), err)
	}
	switch caller := authz.FromContext(ctx); {
	case m.GetBookingCode() != "" || m.GetCancelToken() != "":
		b, err := n.bookings.GetWithToken(ctx, m.GetBookingCode(), m.GetCancelToken())
		if err != nil {
			return nil, n.fail(ctx, req.Header(), err)
		}
		t.BookingID = b.ID
	case caller.Kind == authz.Account:
		t.AccountID = caller.AccountID
	default:
		return nil, n.fail(ctx, req.Header(), authz.ErrUnauthenticated)
	}
	id, err := n.subs.SaveSubscription(ctx, t, n.clk.Now())
	if err != nil {
		return nil, n.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.SubscribePushResponse{SubscriptionId: id}), nil
}

// UnsubscribePush removes a subscription; removing an unknown one is not
// an error (the browser may retry).
func (n *Notifications) UnsubscribePush(ctx context.Context, req *connect.Request[varcov1.UnsubscribePushRequest]) (*connect.Response[varcov1.UnsubscribePushResponse], error) {
	if err := required("endpoint", req.Msg.GetEndpoint()); err != nil {
		return nil, n.fail(ctx, req.Header(), err)
	}
	if _, err := n.subs.DeleteSubscriptionByEndpoint(ctx, req.Msg.GetEndpoint()); err != nil {
		return nil, n.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.UnsubscribePushResponse{}), nil
}
