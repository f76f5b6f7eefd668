package catalog

import "github.com/varco-gate/varco/internal/fault"

// GuestBooking says whether a resource takes bookings from people without
// an account, and what they must give; values match varco.v1.GuestBooking.
type GuestBooking int

// Guest booking settings.
const (
	// GuestsNo: only citizens with an account book.
	GuestsNo GuestBooking = 0
	// GuestsEmail: name and a verified e-mail (codice fiscale optional).
	GuestsEmail GuestBooking = 1
	// GuestsCodiceFiscale: name, verified e-mail and codice fiscale.
	GuestsCodiceFiscale GuestBooking = 2
)

// validateGuests accepts the known settings only.
func validateGuests(field string, g GuestBooking) error {
	if g < GuestsNo || g > GuestsCodiceFiscale {
		return fault.InvalidField(field, "unknown_guest_booking")
	}
	return nil
}
