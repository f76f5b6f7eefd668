package api

import (
	"context"
	"time"

	"github.com/varco-gate/varco/internal/auth/token"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// bookingViews converts bookings for responses, loading each resource and
// place once per request.
type bookingViews struct {
	store     CatalogReader
	now       time.Time
	resources map[string]catalog.Resource
	places    map[string]catalog.Place
}

func newBookingViews(s CatalogReader, now time.Time) *bookingViews {
	return &bookingViews{store: s, now: now, resources: map[string]catalog.Resource{}, places: map[string]catalog.Place{}}
}

func (v *bookingViews) resource(ctx context.Context, id string) (catalog.Resource, catalog.Place, error) {
	r, ok := v.resources[id]
	if !ok {
		var err error
		if r, err = v.store.GetResource(ctx, id); err != nil {
			return r, catalog.Place{}, err
		}
		v.resources[id] = r
	}
	p, ok := v.places[r.PlaceID]
	if !ok {
		var err error
		if p, err = v.store.GetPlace(ctx, r.PlaceID); err != nil {
			return r, p, err
		}
		v.places[p.ID] = p
	}
	return r, p, nil
}

func (v *bookingViews) pb(ctx context.Context, b booking.Booking) (*varcov1.Booking, error) {
	r, p, err := v.resource(ctx, b.ResourceID)
	if err != nil {
		return nil, err
	}
	loc, err := p.Zone()
	if err != nil {
		return nil, err
	}
	out := &varcov1.Booking{
		Id: b.ID, Code: token.FormatCode(b.Code), ResourceId: b.ResourceID, ResourceName: r.Name, Place: placePB(p),
		Span:       &varcov1.TimeRange{Start: timestamppb.New(b.Start), End: timestamppb.New(b.End)},
		LocalStart: b.Start.In(loc).Format("2006-01-02 15:04"), Seats: int32(b.Seats), Mode: varcov1.Mode(b.Mode),
		Status: varcov1.BookingStatus(b.Status), Past: b.Past(v.now), BookerAccountId: b.BookerID,
		Reason: b.Reason, Notes: b.Notes, DocumentsToBring: r.DocumentsToBring,
		CancellableUntil:  timestamppb.New(b.Start.Add(-r.Policy.CancelCutoff)),
		RescheduledFromId: b.RescheduledFrom, RescheduledToId: b.RescheduledTo,
		CreatedAt: timestamppb.New(b.CreatedAt), Ticketed: r.Ticketed,
		Beneficiary: &varcov1.Person{
			GivenName: b.Beneficiary.GivenName, FamilyName: b.Beneficiary.FamilyName, CodiceFiscale: b.Beneficiary.CodiceFiscale,
			BirthDate: b.Beneficiary.BirthDate, BirthPlace: b.Beneficiary.BirthPlace, Email: b.Beneficiary.Email, Phone: b.Beneficiary.Phone,
		},
	}
	for _, op := range r.Operators {
		if op.ID == b.OperatorID {
			out.Operator = &varcov1.Operator{Id: op.ID, DisplayName: op.DisplayName}
		}
	}
	if b.Mode == catalog.ModeVideoCall && b.Active() {
		out.MeetingUrl = booking.MeetingLink(b, r.Meeting)
	}
	out.Consents = append(out.Consents, &varcov1.Consent{Kind: varcov1.ConsentKind_CONSENT_KIND_PRIVACY, GivenAt: timestamppb.New(b.PrivacyAt)})
	if !b.PushConsentAt.IsZero() {
		out.Consents = append(out.Consents, &varcov1.Consent{Kind: varcov1.ConsentKind_CONSENT_KIND_PUSH, GivenAt: timestamppb.New(b.PushConsentAt)})
	}
	for _, a := range b.Acks {
		out.Acknowledgements = append(out.Acknowledgements, &varcov1.AcceptedAcknowledgement{Id: a.ID, Text: a.Text, AcceptedAt: timestamppb.New(a.AcceptedAt)})
	}
	for _, c := range b.History {
		out.History = append(out.History, &varcov1.StatusChange{
			Status: varcov1.BookingStatus(c.Status), At: timestamppb.New(c.At), Reason: c.Reason, Event: c.Event,
			Actor: &varcov1.Actor{Kind: varcov1.PrincipalKind(c.Actor.Kind), Id: c.Actor.ID, DisplayName: c.Actor.Name},
		})
	}
	out.OnBehalf = b.OnBehalf
	return out, nil
}
