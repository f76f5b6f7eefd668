package oidclogin

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClaimsIdentity(t *testing.T) {
	t.Parallel()
	const cf = "RSSMRA85T10A562S"
	base := claims{GivenName: " Mario ", FamilyName: "Rossi", Email: "mario@example.it"}
	with := func(edit func(*claims)) claims { c := base; edit(&c); return c }
	for _, tc := range []struct {
		name    string
		c       claims
		wantCF  string
		wantBD  string
		wantErr error
	}{
		{name: "SPID gateway fiscalNumber with TINIT", c: with(func(c *claims) { c.FiscalNumber = "TINIT-" + cf }), wantCF: cf},
		{name: "lower case prefix and code", c: with(func(c *claims) { c.FiscalNumber = "tinit-rssmra85t10a562s" }), wantCF: cf},
		{name: "bare code", c: with(func(c *claims) { c.FiscalNumberSnk = cf }), wantCF: cf},
		{name: "SPID/CIE OIDC federation claim", c: with(func(c *claims) { c.FiscalNumberURI = "TINIT-" + cf }), wantCF: cf},
		{name: "birthdate", c: with(func(c *claims) { c.FiscalNumber = cf; c.Birthdate = "1985-12-10" }), wantCF: cf, wantBD: "1985-12-10"},
		{name: "SAML dateOfBirth", c: with(func(c *claims) { c.FiscalNumber = cf; c.DateOfBirth = "1985-12-10" }), wantCF: cf, wantBD: "1985-12-10"},
		{name: "missing", c: base, wantErr: ErrNoFiscalNumber},
		{name: "checksum", c: with(func(c *claims) { c.FiscalNumber = "TINIT-RSSMRA85T10A562T" }), wantErr: ErrBadFiscalNumber},
		{name: "foreign TIN", c: with(func(c *claims) { c.FiscalNumber = "TINDE-123456789" }), wantErr: ErrBadFiscalNumber},
		{name: "no e-mail", c: with(func(c *claims) { c.FiscalNumber = cf; c.Email = "" }), wantErr: ErrNoEmail},
		{name: "no family name", c: with(func(c *claims) { c.FiscalNumber = cf; c.FamilyName = "" }), wantErr: ErrNoName},
		{name: "bad birthdate", c: with(func(c *claims) { c.FiscalNumber = cf; c.Birthdate = "10/12/1985" }), wantErr: ErrTokenInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ext, err := tc.c.identity("https://idp.example", "sub-1")
			if tc.wantErr != nil {
				require.True(t, errors.Is(err, tc.wantErr), "got %v", err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantCF, ext.CodiceFiscale)
			require.Equal(t, "Mario", ext.GivenName)
			require.Equal(t, tc.wantBD, ext.BirthDate)
			require.Equal(t, "https://idp.example", ext.Issuer)
		})
	}
}
