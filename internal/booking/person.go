package booking

import (
	"errors"
	"time"

	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/person"
)

// beneficiary validates the person a booking is for, naming fields under
// prefix ("beneficiary."). A nil input means "myself": the data comes from
// the booker's account, which was validated at registration.
func beneficiary(in *Person, self identity.Account, prefix string, now time.Time) (Person, error) {
	if in == nil {
		p := Person{GivenName: self.GivenName, FamilyName: self.FamilyName, CodiceFiscale: self.CodiceFiscale,
			Email: self.Email, Phone: self.Phone}
		if cf, err := person.ParseCodiceFiscale(self.CodiceFiscale); err == nil {
			p.BirthDate = cf.BirthDate(now).Format(time.DateOnly)
		}
		return p, nil
	}
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
	cf, err := person.ParseCodiceFiscale(in.CodiceFiscale)
	if err != nil {
		return out, wrap(err, "codice_fiscale")
	}
	out.CodiceFiscale = cf.String()
	if out.Email, err = person.ParseEmail(in.Email); err != nil {
		return out, wrap(err, "email")
	}
	if in.Phone != "" {
		if out.Phone, err = person.ParsePhone(in.Phone); err != nil {
			return out, wrap(err, "phone")
		}
	}
	if in.BirthDate == "" {
		out.BirthDate = cf.BirthDate(now).Format(time.DateOnly)
	} else {
		bd, err := time.Parse(time.DateOnly, in.BirthDate)
		if err != nil || bd.After(now) {
			return out, fault.InvalidField(prefix+"birth_date", "date_format").Text("error.date_format.birth_date")
		}
		// The codice fiscale encodes the birth date: a mismatch is a typo.
		if bd.Month() != cf.BirthMonth() || bd.Day() != cf.BirthDay() || bd.Year()%100 != cf.BirthYear2() {
			return out, fault.InvalidField(prefix+"birth_date", "birth_date_mismatch")
		}
		out.BirthDate = in.BirthDate
	}
	if len([]rune(in.BirthPlace)) > 100 {
		return out, fault.InvalidField(prefix+"birth_place", "too_long").Text("error.too_long.100")
	}
	if err := person.CheckLine(prefix+"birth_place", in.BirthPlace); err != nil {
		return out, err
	}
	out.BirthPlace = in.BirthPlace
	return out, nil
}
