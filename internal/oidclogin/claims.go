package oidclogin

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/person"
)

// claims are the attributes SPID/CIE providers release. Names differ by
// provider: SPID gateways use SAML's attribute names (fiscalNumber,
// dateOfBirth), the SPID/CIE OIDC federation its own URIs, plain OIDC the
// standard ones; all are read.
type claims struct {
	FiscalNumber    string `json:"fiscalNumber"`
	FiscalNumberSnk string `json:"fiscal_number"`
	FiscalNumberURI string `json:"https://attributes.eid.gov.it/fiscal_number"`
	GivenName       string `json:"given_name"`
	FamilyName      string `json:"family_name"`
	Name            string `json:"name"`
	Email           string `json:"email"`
	Birthdate       string `json:"birthdate"`
	DateOfBirth     string `json:"dateOfBirth"`
}

func (c claims) fiscalNumber() string {
	for _, v := range []string{c.FiscalNumber, c.FiscalNumberSnk, c.FiscalNumberURI} {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// merge fills c's empty attributes from o (userinfo).
func (c *claims) merge(o claims) {
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&c.FiscalNumber, o.fiscalNumber())
	fill(&c.GivenName, o.GivenName)
	fill(&c.FamilyName, o.FamilyName)
	fill(&c.Email, o.Email)
	fill(&c.Birthdate, o.Birthdate)
	fill(&c.DateOfBirth, o.DateOfBirth)
}

// identity validates the attributes Varco needs. The fiscal number is
// "TINIT-<codice fiscale>" (SPID's form for Italian natural persons) or
// the bare code; either way the codice fiscale must pass its checksum.
func (c claims) identity(issuer, subject string) (identity.ExternalIdentity, error) {
	fn := c.fiscalNumber()
	if fn == "" {
		return identity.ExternalIdentity{}, fail(ErrNoFiscalNumber, errors.New("no fiscal number claim"))
	}
	if len(fn) > 6 && strings.EqualFold(fn[:6], "TINIT-") {
		fn = fn[6:]
	}
	cf, err := person.ParseCodiceFiscale(fn)
	if err != nil {
		return identity.ExternalIdentity{}, fail(ErrBadFiscalNumber, err)
	}
	ext := identity.ExternalIdentity{
		Issuer: issuer, Subject: subject, CodiceFiscale: cf.String(),
		GivenName: strings.TrimSpace(c.GivenName), FamilyName: strings.TrimSpace(c.FamilyName),
		Email: strings.TrimSpace(c.Email),
	}
	if ext.Email == "" {
		return identity.ExternalIdentity{}, fail(ErrNoEmail, errors.New("no email claim"))
	}
	if ext.GivenName == "" || ext.FamilyName == "" {
		return identity.ExternalIdentity{}, fail(ErrNoName, errors.New("no given_name or family_name claim"))
	}
	bd := c.Birthdate
	if bd == "" {
		bd = c.DateOfBirth
	}
	if bd != "" {
		if _, err := time.Parse(time.DateOnly, bd); err != nil {
			return identity.ExternalIdentity{}, fail(ErrTokenInvalid, fmt.Errorf("birthdate %q: %w", bd, err))
		}
		ext.BirthDate = bd
	}
	return ext, nil
}
