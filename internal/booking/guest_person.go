package booking

import (
	"errors"
	"time"

	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/person"
)

// guestPerson validates a guest, naming fields under "guest.": name and
// e-mail always, the codice fiscale (with its check character) when the
// resource needs it or the guest gave it, the phone when given.
func guestPerson(in Person, needCF bool, now time.Time) (Person, error) {
	const prefix = "guest."
	var out Person
	var err error
	wrap := func(err error, field string) error {
		var ve *person.ValidationError
		if errors.As(err, &ve) {
			return ve.WithField(prefix + field)
		}
		return err
	}
	if out.GivenName, err = person.ParseName(prefix+"given_name", in.GivenName); err != nil {
		return out, err
	}
	if out.FamilyName, err = person.ParseName(prefix+"family_name", in.FamilyName); err != nil {
		return out, err
	}
	if out.Email, err = person.ParseEmail(in.Email); err != nil {
		return out, wrap(err, "email")
	}
	switch {
	case in.CodiceFiscale != "":
		cf, err := person.ParseCodiceFiscale(in.CodiceFiscale)
		if err != nil {
			return out, wrap(err, "codice_fiscale")
		}
		out.CodiceFiscale = cf.String()
		out.BirthDate = cf.BirthDate(now).Format(time.DateOnly)
	case needCF:
		return out, fault.InvalidField(prefix+"codice_fiscale", "required").Text("error.required.codice_fiscale")
	}
	if in.Phone != "" {
		if out.Phone, err = person.ParsePhone(in.Phone); err != nil {
			return out, wrap(err, "phone")
		}
	}
	return out, nil
}
