package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/varco-gate/varco/internal/person"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// rome is the demo places' time zone: slots are laid out on its wall clock.
var rome = mustZone("Europe/Rome")

// mustZone loads a time zone that the Go distribution always embeds.
func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// people makes distinct, valid identities for one run. Against a server
// that already has data (--server), a random three-letter salt keeps the
// e-mails and codici fiscali of this run from colliding with earlier runs.
type people struct {
	salt string
	next atomic.Int64
}

// newPeople draws the run's salt.
func newPeople() *people {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = 'A' + b[i]%26
	}
	return &people{salt: string(b)}
}

// codiceFiscale returns the i-th code of a series: the salt, three letters
// and the two year digits from i (1.7 million codes per series), and the
// series letter in the birth-place code so that accounts ('A') and
// beneficiaries ('F') never share a code. The check character is computed,
// so the server's full validation passes.
func (p *people) codiceFiscale(series byte, i int) string {
	j := i / 100
	l := []byte{byte('A' + (j/676)%26), byte('A' + (j/26)%26), byte('A' + j%26)}
	return person.CompleteCodiceFiscale(fmt.Sprintf("%s%s%02dT10%c501", p.salt, l, i%100, series))
}

// beneficiary returns a fresh person to book for. Each booking gets its
// own codice fiscale: the per-person limit counts by codice fiscale, and a
// real rush is thousands of different people.
func (p *people) beneficiary() *varcov1.Person {
	i := int(p.next.Add(1))
	return &varcov1.Person{GivenName: "Ospite", FamilyName: "Prova", CodiceFiscale: p.codiceFiscale('F', i),
		Email: fmt.Sprintf("ospite.%s.%d@example.it", strings.ToLower(p.salt), i)}
}

// account is a registered citizen with a live session.
type account struct {
	token string
	cf    string
}

const citizenPassword = "una password lunga"

// registerAccounts creates n citizen accounts with conc registrations in
// flight. Each one costs an argon2id hash on the server (19 MiB, the
// production parameters: the server has no cheaper mode), so this runs
// before and apart from the measured phases, with bounded concurrency so
// that the hashes' memory does not swamp the server.
func registerAccounts(ctx context.Context, a *api, ppl *people, n, conc int, op *opStats) ([]account, error) {
	out := make([]account, n)
	var (
		next   atomic.Int64
		wg     sync.WaitGroup
		mu     sync.Mutex
		firstE error
	)
	for range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				cf := ppl.codiceFiscale('A', i)
				res, _, err := call(ctx, op, func(ctx context.Context) (*varcov1.RegisterResponse, error) {
					r, err := a.auth.Register(ctx, req(&varcov1.RegisterRequest{
						GivenName: "Cittadino", FamilyName: "Prova", CodiceFiscale: cf,
						Email:    fmt.Sprintf("rush.%s.%d@example.it", strings.ToLower(ppl.salt), i),
						Phone:    fmt.Sprintf("333%07d", i%10_000_000),
						Password: citizenPassword, PrivacyConsent: true,
					}, ""))
					if err != nil {
						return nil, err
					}
					return r.Msg, nil
				})
				if err != nil {
					mu.Lock()
					if firstE == nil {
						firstE = fmt.Errorf("register account %d: %w", i, err)
					}
					mu.Unlock()
					return
				}
				out[i] = account{token: res.GetSession().GetToken(), cf: cf}
			}
		})
	}
	wg.Wait()
	if firstE != nil {
		return nil, firstE
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("registration: %w", err)
	}
	return out, nil
}

// login returns a session token for a staff account.
func login(ctx context.Context, a *api, user, password string) (string, error) {
	res, _, err := call(ctx, nil, func(ctx context.Context) (*varcov1.LoginResponse, error) {
		r, err := a.auth.Login(ctx, req(&varcov1.LoginRequest{Login: user, Password: password}, ""))
		if err != nil {
			return nil, err
		}
		return r.Msg, nil
	})
	if err != nil {
		return "", fmt.Errorf("log in as %s: %w", user, err)
	}
	return res.GetSession().GetToken(), nil
}

// event is the capacity-limited event created for the rush.
type event struct {
	resourceID string
	slot       *varcov1.Slot
	date       string
}

// createEvent creates, as the organizer, a ticketed event with one slot of
// seats seats tomorrow (Rome time), the way an organizer would set up a
// concert: a resource, then a weekly rule valid on that single date.
// Tickets are valid from 48 h before the start, so the scan scenario can
// admit them today with the server's real clock.
//
// With week, the event runs all six days from tomorrow, twelve one-hour
// slots a day from 10:00 (a 72-slot week grid, as a click-day's citizens
// refresh), each of seats; the rush books the first.
func createEvent(ctx context.Context, a *api, token, orgID, placeID string, seats, maxSeats int, week bool) (event, error) {
	tomorrow := time.Now().In(rome).AddDate(0, 0, 1)
	date := tomorrow.Format(time.DateOnly)
	res, _, err := call(ctx, nil, func(ctx context.Context) (*varcov1.CreateResourceResponse, error) {
		r, err := a.admin.CreateResource(ctx, req(&varcov1.CreateResourceRequest{Resource: &varcov1.Resource{
			OrganizationId: orgID, PlaceId: placeID, Kind: varcov1.ResourceKind_RESOURCE_KIND_EVENT,
			Name:        "Concerto in piazza (banco di prova rush " + time.Now().Format("15:04:05") + ")",
			Description: "Evento creato dal generatore di carico bench/rush.",
			Ticketed:    true,
			Policy: &varcov1.BookingPolicy{
				HoldDuration:               durationpb.New(10 * time.Minute),
				MaxConsecutiveSlots:        1,
				MaxSeatsPerBooking:         int32(maxSeats),
				MaxActiveBookingsPerPerson: 2,
				CancelCutoff:               durationpb.New(time.Hour),
				Tickets: &varcov1.TicketPolicy{
					ValidBeforeStart: durationpb.New(48 * time.Hour),
					MaxStay:          durationpb.New(3 * time.Hour),
					WarningLead:      durationpb.New(10 * time.Minute),
				},
			},
		}}, token))
		if err != nil {
			return nil, err
		}
		return r.Msg, nil
	})
	if err != nil {
		return event{}, fmt.Errorf("create the event: %w", err)
	}
	id := res.GetResource().GetId()
	wd := int32(tomorrow.Weekday())
	if wd == 0 {
		wd = 7 // proto: Monday 1 ... Sunday 7
	}
	_, _, err = call(ctx, nil, func(ctx context.Context) (*varcov1.SetScheduleResponse, error) {
		rules := []*varcov1.WeeklyRule{{
			Weekday: varcov1.Weekday(wd), StartTime: "21:00", EndTime: "23:00", SlotLength: durationpb.New(2 * time.Hour),
			SeatsPerSlot: int32(seats), ValidFrom: date, ValidUntil: date,
		}}
		if week {
			rules = nil
			for i := range 6 {
				rules = append(rules, &varcov1.WeeklyRule{
					Weekday: varcov1.Weekday((int(wd)-1+i)%7 + 1), StartTime: "10:00", EndTime: "22:00", SlotLength: durationpb.New(time.Hour),
					SeatsPerSlot: int32(seats), ValidFrom: date, ValidUntil: tomorrow.AddDate(0, 0, 5).Format(time.DateOnly),
				})
			}
		}
		r, err := a.admin.SetSchedule(ctx, req(&varcov1.SetScheduleRequest{ResourceId: id, Rules: rules}, token))
		if err != nil {
			return nil, err
		}
		return r.Msg, nil
	})
	if err != nil {
		return event{}, fmt.Errorf("set the event's schedule: %w", err)
	}
	slot, err := eventSlot(ctx, a, id, date)
	if err != nil {
		return event{}, err
	}
	if slot.GetState() != varcov1.SlotState_SLOT_STATE_AVAILABLE || int(slot.GetSeatsLeft()) != seats {
		return event{}, fmt.Errorf("the new event's slot is %s with %d seats left, want AVAILABLE with %d",
			slot.GetState(), slot.GetSeatsLeft(), seats)
	}
	return event{resourceID: id, slot: slot, date: date}, nil
}

// eventSlot reads the event's only slot from the public availability grid.
func eventSlot(ctx context.Context, a *api, resourceID, date string) (*varcov1.Slot, error) {
	res, _, err := call(ctx, nil, func(ctx context.Context) (*varcov1.GetAvailabilityResponse, error) {
		r, err := a.catalog.GetAvailability(ctx, req(&varcov1.GetAvailabilityRequest{ResourceId: resourceID, FromDate: date}, ""))
		if err != nil {
			return nil, err
		}
		return r.Msg, nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the event's grid: %w", err)
	}
	for _, d := range res.GetDays() {
		for _, s := range d.GetSlots() {
			return s, nil
		}
	}
	return nil, errors.New("the event has no slot on " + date)
}
