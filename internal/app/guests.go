package app

import "github.com/varco-gate/varco/internal/booking"

// WithGuests sets the limits of booking without an account (tests lower
// them to reach them quickly).
func WithGuests(c booking.GuestConfig) Option { return func(o *options) { o.guests = c } }

func guestConfig(o options) booking.GuestConfig { return o.guests.WithDefaults() }
