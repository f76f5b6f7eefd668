package identity_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/identity"
)

func requireField(t *testing.T, err error, field string) {
	t.Helper()
	var fe *fault.Error
	require.ErrorAs(t, err, &fe)
	require.Equal(t, fault.Invalid, fe.Kind)
	require.Equal(t, field, fe.Field)
}

func external(cf, email, issuer string) identity.ExternalIdentity {
	return identity.ExternalIdentity{Issuer: issuer, Subject: "sub-" + cf, CodiceFiscale: cf,
		GivenName: "Laura", FamilyName: "Bianchi", Email: email, BirthDate: "1992-05-12"}
}

// TestExternalLogin: an unknown codice fiscale needs consent, a password
// account needs its password before it is linked (a wrong one, or none,
// links nothing), a linked account logs in, also through another provider
// (a town changing gateway), and an e-mail taken by someone else is a
// clear error, not a half-made account.
func TestExternalLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	const gwA, gwB = "https://gateway-a.example", "https://gateway-b.example"

	out, _, _, err := e.svc.ExternalLogin(ctx, external(cfLaura, "laura@example.it", gwA))
	require.NoError(t, err)
	require.Equal(t, identity.ExternalNeedsConsent, out)
	_, _, err = e.svc.CreateExternalAccount(ctx, external(cfLaura, "laura@example.it", gwA), false, "it")
	requireField(t, err, "privacy_consent")
	created, sess, err := e.svc.CreateExternalAccount(ctx, external(cfLaura, "laura@example.it", gwA), true, "en")
	require.NoError(t, err)
	require.NotEmpty(t, sess.Token)
	require.Equal(t, "en", created.Language)
	require.Empty(t, created.PasswordHash)

	for _, gw := range []string{gwA, gwB} {
		out, a, sess, err := e.svc.ExternalLogin(ctx, external(cfLaura, "laura@example.it", gw))
		require.NoError(t, err)
		require.Equal(t, identity.ExternalLoggedIn, out, gw)
		require.Equal(t, created.ID, a.ID)
		require.NotEmpty(t, sess.Token)
	}

	// A password account: linked only with its password.
	reg, _, err := e.svc.Register(ctx, mario(), "it")
	require.NoError(t, err)
	ext := external(cfMario, "mario.spid@example.it", gwA)
	out, a, _, err := e.svc.ExternalLogin(ctx, ext)
	require.NoError(t, err)
	require.Equal(t, identity.ExternalNeedsLink, out)
	require.Equal(t, reg.ID, a.ID)
	for _, pw := range []string{"", "wrong password here"} {
		_, _, err = e.svc.LinkExternal(ctx, reg.ID, pw, ext, "")
		requireField(t, err, "password")
		out, _, _, err = e.svc.ExternalLogin(ctx, ext)
		require.NoError(t, err)
		require.Equal(t, identity.ExternalNeedsLink, out, "still not linked")
	}
	_, sess, err = e.svc.LinkExternal(ctx, reg.ID, goodPW, ext, "")
	require.NoError(t, err)
	require.NotEmpty(t, sess.Token)
	out, _, _, err = e.svc.ExternalLogin(ctx, ext)
	require.NoError(t, err)
	require.Equal(t, identity.ExternalLoggedIn, out)

	// Someone else's e-mail.
	_, _, err = e.svc.CreateExternalAccount(ctx, external(cfPeppe, "mario.rossi@example.it", gwA), true, "it")
	require.ErrorIs(t, err, identity.ErrExternalEmailTaken)
	out, _, _, err = e.svc.ExternalLogin(ctx, external(cfPeppe, "x@example.it", gwA))
	require.NoError(t, err)
	require.Equal(t, identity.ExternalNeedsConsent, out, "no account was made")
}
