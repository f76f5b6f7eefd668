package identity_test

import (
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/auth/password"
	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/person"
	"github.com/varco-gate/varco/internal/store/sqlite"
)

var start = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// cheap argon2id parameters: tests hash dozens of passwords.
var cheap = password.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

const (
	cfMario = "RSSMRA85T10A562S"
	cfLaura = "BNCLRA92E52F205Y"
	cfPeppe = "VRDGPP13R10B293P"
	goodPW  = "correct horse battery"
)

type env struct {
	svc *identity.Service
	clk *clock.Fake
	db  *sqlite.DB
}

// newEnv returns a Service on a fresh SQLite file holding the demo catalog
// (staff roles and devices refer to its organizations and resources).
func newEnv(t *testing.T) *env {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	db, err := sqlite.Open(t.Context(), t.TempDir()+"/x.db", sqlite.Options{Logger: log})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	_, err = demo.Load(t.Context(), db, start)
	require.NoError(t, err)
	clk := clock.NewFake(start)
	return &env{svc: identity.New(identity.Config{PasswordParams: cheap}, db, clk, log), clk: clk, db: db}
}

func mario() identity.RegisterInput {
	return identity.RegisterInput{
		GivenName: "Mario", FamilyName: "Rossi", Email: "Mario.Rossi@Example.it", CodiceFiscale: cfMario,
		Phone: "333 123 4567", Password: goodPW, PrivacyConsent: true,
	}
}

func (e *env) register(t *testing.T, in identity.RegisterInput) (identity.Account, identity.Session) {
	t.Helper()
	a, s, err := e.svc.Register(t.Context(), in, "it")
	require.NoError(t, err)
	return a, s
}

func (e *env) authenticate(t *testing.T, bearer string) (authz.Principal, error) {
	t.Helper()
	return e.svc.Authenticate(t.Context(), bearer)
}

// invalid returns the field and bilingual messages of an InvalidArgument
// failure, whichever of the two validation error types carries it.
func invalid(t *testing.T, err error) (field, it, en string) {
	t.Helper()
	var ve *person.ValidationError
	if errors.As(err, &ve) {
		return ve.Field, ve.Message("it"), ve.Message("en")
	}
	var fe *fault.Error
	require.True(t, errors.As(err, &fe), "want a validation failure, got %v", err)
	require.Equal(t, fault.Invalid, fe.Kind, "%v", err)
	return fe.Field, fe.Message("it"), fe.Message("en")
}

func kind(t *testing.T, err error) fault.Kind {
	t.Helper()
	var fe *fault.Error
	require.True(t, errors.As(err, &fe), "want a fault, got %v", err)
	return fe.Kind
}

func TestRegisterValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		name, field string
		mutate      func(*identity.RegisterInput)
	}{
		{"no given name", "given_name", func(in *identity.RegisterInput) { in.GivenName = " " }},
		{"digits in given name", "given_name", func(in *identity.RegisterInput) { in.GivenName = "R2D2" }},
		{"no family name", "family_name", func(in *identity.RegisterInput) { in.FamilyName = "" }},
		{"no e-mail", "email", func(in *identity.RegisterInput) { in.Email = "" }},
		{"bad e-mail", "email", func(in *identity.RegisterInput) { in.Email = "mario@gmail" }},
		{"short codice fiscale", "codice_fiscale", func(in *identity.RegisterInput) { in.CodiceFiscale = "RSSMRA85T10" }},
		{"wrong check character", "codice_fiscale", func(in *identity.RegisterInput) { in.CodiceFiscale = "RSSMRA85T10A562X" }},
		{"no phone", "phone", func(in *identity.RegisterInput) { in.Phone = "" }},
		{"bad phone", "phone", func(in *identity.RegisterInput) { in.Phone = "call me" }},
		{"short password", "password", func(in *identity.RegisterInput) { in.Password = "short" }},
		{"repeated password", "password", func(in *identity.RegisterInput) { in.Password = strings.Repeat("a", 12) }},
		{"unknown language", "language", func(in *identity.RegisterInput) { in.Language = "fr" }},
		{"no privacy consent", "privacy_consent", func(in *identity.RegisterInput) { in.PrivacyConsent = false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := mario()
			tc.mutate(&in)
			_, _, err := e.svc.Register(t.Context(), in, "it")
			field, it, en := invalid(t, err)
			require.Equal(t, tc.field, field)
			require.NotEmpty(t, it)
			require.NotEmpty(t, en)
			require.NotEqual(t, it, en, "two languages")
		})
	}
	// Nothing was created along the way.
	_, _, err := e.svc.Login(t.Context(), mario().Email, goodPW, "")
	require.ErrorIs(t, err, identity.ErrInvalidCredentials)
}

func TestRegisterNormalizes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := mario()
	in.CodiceFiscale = " rssmra85t10a562s "
	in.GivenName = "  Maria   Grazia "
	a, s, err := e.svc.Register(t.Context(), in, "en")
	require.NoError(t, err)
	require.Equal(t, cfMario, a.CodiceFiscale)
	require.Equal(t, "Maria Grazia", a.GivenName)
	require.Equal(t, "+393331234567", a.Phone)
	require.Equal(t, "en", a.Language, "the request's language when none chosen")
	require.Equal(t, start, a.CreatedAt)
	require.Equal(t, start, a.PrivacyConsentAt)
	require.True(t, token.Valid(s.Token, token.PrefixSession))
	require.Equal(t, token.Hash(s.Token), s.TokenHash)
	require.Equal(t, start.Add(identity.DefaultSessionTTL), s.ExpiresAt)

	p, err := e.authenticate(t, s.Token)
	require.NoError(t, err, "registering logs in")
	require.Equal(t, a.ID, p.AccountID)

	in = mario()
	in.Email, in.CodiceFiscale, in.Language = "other@example.it", cfLaura, ""
	b, _ := e.register(t, in)
	require.Equal(t, "it", b.Language, "Italian by default")
}

func TestRegisterDuplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, mario())

	in := mario()
	in.Email, in.CodiceFiscale = "mario.rossi@EXAMPLE.IT", cfLaura
	_, _, err := e.svc.Register(t.Context(), in, "it")
	require.ErrorIs(t, err, identity.ErrEmailTaken)
	require.Equal(t, fault.AlreadyExists, kind(t, err))

	in = mario()
	in.Email, in.CodiceFiscale = "laura@example.it", strings.ToLower(cfMario)
	_, _, err = e.svc.Register(t.Context(), in, "it")
	require.ErrorIs(t, err, identity.ErrCodiceFiscaleTaken)
	require.Equal(t, fault.AlreadyExists, kind(t, err))
}

func TestLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, _ := e.register(t, mario())
	ctx := t.Context()

	for _, login := range []string{"mario.rossi@example.it", " MARIO.ROSSI@EXAMPLE.IT ", "rssmra85t10a562s", cfMario} {
		got, s, err := e.svc.Login(ctx, login, goodPW, "192.0.2.1")
		require.NoError(t, err, login)
		require.Equal(t, a.ID, got.ID)
		p, err := e.authenticate(t, s.Token)
		require.NoError(t, err)
		require.Equal(t, authz.Principal{Kind: authz.Account, AccountID: a.ID, SessionHash: s.TokenHash}, p)
	}

	for name, try := range map[string][2]string{
		"wrong password":  {cfMario, goodPW + "!"},
		"unknown e-mail":  {"nobody@example.it", goodPW},
		"unknown cf":      {cfLaura, goodPW},
		"empty":           {"", ""},
		"password as cf":  {goodPW, goodPW},
		"empty password":  {cfMario, ""},
		"oversized input": {strings.Repeat("x", 10_000), strings.Repeat("y", 10_000)},
	} {
		// No address: seven failures from one would lock it.
		_, _, err := e.svc.Login(ctx, try[0], try[1], "")
		require.ErrorIs(t, err, identity.ErrInvalidCredentials, name)
		require.Equal(t, fault.Unauthenticated, kind(t, err))
	}
}

func TestLoginThrottledPerAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, mario())
	ctx := t.Context()

	// Failures alternate e-mail and codice fiscale, and come from different
	// addresses: they still add up on the one account.
	for i := range 5 {
		login := cfMario
		if i%2 == 1 {
			login = "mario.rossi@example.it"
		}
		_, _, err := e.svc.Login(ctx, login, "wrong password", "192.0.2."+string(rune('1'+i)))
		require.ErrorIs(t, err, identity.ErrInvalidCredentials)
	}
	_, _, err := e.svc.Login(ctx, cfMario, goodPW, "198.51.100.7")
	require.ErrorIs(t, err, identity.ErrLoginThrottled, "even the right password waits")
	require.Equal(t, fault.Exhausted, kind(t, err))
	wait, ok := identity.RetryAfter(err)
	require.True(t, ok)
	require.Equal(t, 15*time.Minute, wait)
	var fe *fault.Error
	require.ErrorAs(t, err, &fe)
	require.Contains(t, fe.Message("it"), "riprova tra 15 minuti")
	require.Contains(t, fe.Message("en"), "try again in 15 minutes")

	e.clk.Advance(15*time.Minute - time.Second)
	_, _, err = e.svc.Login(ctx, cfMario, goodPW, "198.51.100.7")
	wait, _ = identity.RetryAfter(err)
	require.Equal(t, time.Second, wait)

	e.clk.Advance(time.Second)
	_, _, err = e.svc.Login(ctx, cfMario, goodPW, "198.51.100.7")
	require.NoError(t, err, "unlocked once the lockout has passed")
}

func TestLoginThrottledPerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, mario())
	ctx := t.Context()

	// One IPv6 client sprays guesses over many accounts from its /64.
	for i := range 5 {
		_, _, err := e.svc.Login(ctx, "user"+string(rune('a'+i))+"@example.it", goodPW, "2001:db8:1:2::"+string(rune('1'+i)))
		require.ErrorIs(t, err, identity.ErrInvalidCredentials)
	}
	_, _, err := e.svc.Login(ctx, cfMario, goodPW, "2001:db8:1:2:ffff::9")
	require.ErrorIs(t, err, identity.ErrLoginThrottled, "same /64")
	_, _, err = e.svc.Login(ctx, cfMario, goodPW, "2001:db8:1:3::1")
	require.NoError(t, err, "another /64 is another client")
}

func TestSuccessDoesNotClearAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, mario())
	ctx := t.Context()
	const ip = "203.0.113.5"
	for i := range 4 {
		_, _, err := e.svc.Login(ctx, "victim"+string(rune('a'+i))+"@example.it", "guess", ip)
		require.ErrorIs(t, err, identity.ErrInvalidCredentials)
	}
	_, _, err := e.svc.Login(ctx, cfMario, goodPW, ip)
	require.NoError(t, err, "the attacker's own account")
	_, _, err = e.svc.Login(ctx, "victime@example.it", "guess", ip)
	require.ErrorIs(t, err, identity.ErrInvalidCredentials)
	_, _, err = e.svc.Login(ctx, cfMario, goodPW, ip)
	require.ErrorIs(t, err, identity.ErrLoginThrottled, "the address counter was not reset by the success")
}

func TestSessionExpiresAtAbsoluteTTL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, mario())
	_, s, err := e.svc.Login(t.Context(), cfMario, goodPW, "")
	require.NoError(t, err)

	e.clk.Advance(identity.DefaultSessionTTL - time.Millisecond)
	_, err = e.authenticate(t, s.Token)
	require.NoError(t, err, "use does not extend the session")
	e.clk.Advance(time.Millisecond)
	_, err = e.authenticate(t, s.Token)
	require.ErrorIs(t, err, identity.ErrSessionInvalid)
	require.Equal(t, fault.Unauthenticated, kind(t, err))

	n, err := e.svc.PruneSessions(t.Context())
	require.NoError(t, err)
	require.Equal(t, 0, n, "expired this very instant, not before")
	e.clk.Advance(time.Millisecond)
	n, err = e.svc.PruneSessions(t.Context())
	require.NoError(t, err)
	require.Equal(t, 2, n, "the registration session and the login one")
}

func TestLogoutRevokes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, s := e.register(t, mario())
	_, other, err := e.svc.Login(t.Context(), cfMario, goodPW, "")
	require.NoError(t, err)

	p, err := e.authenticate(t, s.Token)
	require.NoError(t, err)
	require.NoError(t, e.svc.Logout(t.Context(), p.SessionHash))
	_, err = e.authenticate(t, s.Token)
	require.ErrorIs(t, err, identity.ErrSessionInvalid)
	_, err = e.authenticate(t, other.Token)
	require.NoError(t, err, "only the session used is revoked")

	require.ErrorIs(t, e.svc.Logout(t.Context(), [32]byte{1}), identity.ErrSessionInvalid)
}

func TestAuthenticateRefusesForeignCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, s := e.register(t, mario())
	unknown, _, err := token.New(token.PrefixSession)
	require.NoError(t, err)
	cancel, _, err := token.New(token.PrefixCancel)
	require.NoError(t, err)
	for name, bearer := range map[string]string{
		"empty":          "",
		"garbage":        "hello",
		"scheme kept":    "Bearer " + s.Token,
		"truncated":      s.Token[:len(s.Token)-1],
		"extended":       s.Token + "A",
		"never issued":   unknown,
		"cancel secret":  cancel,
		"session as vd_": "vd_" + strings.TrimPrefix(s.Token, "vs_"),
	} {
		_, err := e.authenticate(t, bearer)
		require.Error(t, err, name)
		require.Equal(t, fault.Unauthenticated, kind(t, err), name)
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	a, mine := e.register(t, mario())
	_, stolen, err := e.svc.Login(ctx, cfMario, goodPW, "")
	require.NoError(t, err)
	const next = "a brand new passphrase"

	err = e.svc.ChangePassword(ctx, a.ID, mine.TokenHash, "not it", next)
	require.ErrorIs(t, err, identity.ErrWrongPassword)
	field, _, _ := invalid(t, err)
	require.Equal(t, "current_password", field)

	err = e.svc.ChangePassword(ctx, a.ID, mine.TokenHash, goodPW, "short")
	field, _, _ = invalid(t, err)
	require.Equal(t, "new_password", field)

	require.NoError(t, e.svc.ChangePassword(ctx, a.ID, mine.TokenHash, goodPW, next))
	_, err = e.authenticate(t, stolen.Token)
	require.ErrorIs(t, err, identity.ErrSessionInvalid, "other sessions end")
	_, err = e.authenticate(t, mine.Token)
	require.NoError(t, err, "the caller stays logged in")

	_, _, err = e.svc.Login(ctx, cfMario, goodPW, "")
	require.ErrorIs(t, err, identity.ErrInvalidCredentials)
	_, _, err = e.svc.Login(ctx, cfMario, next, "")
	require.NoError(t, err)
}

func TestChangePasswordThrottled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, s := e.register(t, mario())
	for range 5 {
		require.ErrorIs(t, e.svc.ChangePassword(t.Context(), a.ID, s.TokenHash, "guess", "a brand new passphrase"), identity.ErrWrongPassword)
	}
	err := e.svc.ChangePassword(t.Context(), a.ID, s.TokenHash, goodPW, "a brand new passphrase")
	require.ErrorIs(t, err, identity.ErrLoginThrottled)
	_, _, err = e.svc.Login(t.Context(), cfMario, goodPW, "")
	require.ErrorIs(t, err, identity.ErrLoginThrottled, "one allowance per account")
}

func TestLoginRehashesOldParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, _ := e.register(t, mario())
	before, err := e.db.GetAccount(t.Context(), a.ID)
	require.NoError(t, err)
	require.Contains(t, before.PasswordHash, "$m=64,t=1,p=1$")

	stronger := cheap
	stronger.Iterations = 2
	svc := identity.New(identity.Config{PasswordParams: stronger}, e.db, e.clk, slog.New(slog.DiscardHandler))
	_, _, err = svc.Login(t.Context(), cfMario, goodPW, "")
	require.NoError(t, err)
	after, err := e.db.GetAccount(t.Context(), a.ID)
	require.NoError(t, err)
	require.Contains(t, after.PasswordHash, "$m=64,t=2,p=1$")
	_, _, err = svc.Login(t.Context(), cfMario, goodPW, "")
	require.NoError(t, err, "the new hash verifies")
}

func TestUpdateProfile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, _ := e.register(t, mario())
	e.clk.Advance(time.Hour)
	got, err := e.svc.UpdateProfile(t.Context(), a.ID, identity.ProfileUpdate{Phone: "0376 123456", Language: "EN"})
	require.NoError(t, err)
	require.Equal(t, "+390376123456", got.Phone)
	require.Equal(t, "en", got.Language)
	require.Equal(t, "Mario", got.GivenName, "empty fields are kept")
	require.Equal(t, start.Add(time.Hour), got.UpdatedAt)

	c, err := e.svc.WhoAmI(t.Context(), authz.Principal{Kind: authz.Account, AccountID: a.ID})
	require.NoError(t, err)
	require.Equal(t, got, c.Account, "stored")

	_, err = e.svc.UpdateProfile(t.Context(), a.ID, identity.ProfileUpdate{FamilyName: "R055i"})
	field, _, _ := invalid(t, err)
	require.Equal(t, "family_name", field)
}

func TestWhoAmI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, s := e.register(t, mario())
	p, err := e.authenticate(t, s.Token)
	require.NoError(t, err)
	c, err := e.svc.WhoAmI(t.Context(), p)
	require.NoError(t, err)
	require.Equal(t, authz.Account, c.Kind)
	require.Equal(t, a.ID, c.Account.ID)
	require.Empty(t, c.Roles)
	require.False(t, c.InstallationAdmin)

	_, err = e.svc.WhoAmI(t.Context(), authz.Principal{})
	require.ErrorIs(t, err, identity.ErrLoginRequired)
}

func TestStaffRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	org, _ := e.register(t, mario())
	in := mario()
	in.GivenName, in.FamilyName, in.Email, in.CodiceFiscale = "Laura", "Bianchi", "laura@example.it", cfLaura
	op, opSession := e.register(t, in)

	m, err := e.svc.GrantRole(ctx, demo.ComuneID, "mario.rossi@example.it", authz.RoleOrganizer, nil)
	require.NoError(t, err)
	require.Equal(t, org.ID, m.AccountID)
	m, err = e.svc.GrantRole(ctx, demo.ComuneID, strings.ToLower(cfLaura), authz.RoleOperator,
		[]string{demo.TourID, demo.CIEID, demo.TourID})
	require.NoError(t, err)
	require.Equal(t, op.ID, m.AccountID)
	want := authz.Role{OrganizationID: demo.ComuneID, Kind: authz.RoleOperator, ResourceIDs: slices.Sorted(slices.Values([]string{demo.CIEID, demo.TourID}))}
	require.Equal(t, want, m.Role, "deduplicated and sorted")

	// The next request of the operator sees the role.
	p, err := e.authenticate(t, opSession.Token)
	require.NoError(t, err)
	require.Equal(t, []authz.Role{want}, p.Roles)
	require.True(t, p.CanOperate(demo.ComuneID, demo.CIEID))
	require.False(t, p.CanOperate(demo.ComuneID, ""))
	c, err := e.svc.WhoAmI(ctx, p)
	require.NoError(t, err)
	require.Equal(t, []authz.Role{want}, c.Roles)

	staff, err := e.svc.ListStaff(ctx, demo.ComuneID)
	require.NoError(t, err)
	require.Len(t, staff, 2)
	require.Equal(t, "Bianchi", staff[0].FamilyName)

	for name, tc := range map[string]struct {
		org, login string
		kind       authz.RoleKind
		ids        []string
		want       error
	}{
		"organizer limited":   {demo.ComuneID, cfLaura, authz.RoleOrganizer, []string{demo.CIEID}, nil},
		"no kind":             {demo.ComuneID, cfLaura, 0, nil, nil},
		"no login":            {demo.ComuneID, " ", authz.RoleOperator, nil, nil},
		"no organization":     {"", cfLaura, authz.RoleOperator, nil, nil},
		"empty resource id":   {demo.ComuneID, cfLaura, authz.RoleOperator, []string{""}, nil},
		"other org resource":  {demo.ComuneID, cfLaura, authz.RoleOperator, []string{demo.BoatTripID}, identity.ErrResourceNotInOrganization},
		"unknown account":     {demo.ComuneID, cfPeppe, authz.RoleOperator, nil, identity.ErrAccountNotFound},
		"unknown org":         {"nope", cfLaura, authz.RoleOperator, nil, identity.ErrOrganizationNotFound},
		"demote the only one": {demo.ComuneID, cfMario, authz.RoleOperator, nil, identity.ErrLastOrganizer},
	} {
		_, err := e.svc.GrantRole(ctx, tc.org, tc.login, tc.kind, tc.ids)
		if tc.want == nil {
			invalid(t, err)
		} else {
			require.ErrorIs(t, err, tc.want, name)
		}
	}

	require.ErrorIs(t, e.svc.RevokeRole(ctx, demo.ComuneID, org.ID), identity.ErrLastOrganizer)
	require.NoError(t, e.svc.RevokeRole(ctx, demo.ComuneID, op.ID))
	require.ErrorIs(t, e.svc.RevokeRole(ctx, demo.ComuneID, op.ID), identity.ErrRoleNotFound)
	p, err = e.authenticate(t, opSession.Token)
	require.NoError(t, err)
	require.Empty(t, p.Roles, "revoked at once")
}

func TestDevicePrincipal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	cred, hash, err := token.New(token.PrefixDevice)
	require.NoError(t, err)
	require.NoError(t, e.db.CreateDevice(ctx, identity.Device{
		ID: "gate-1", OrganizationID: demo.ComuneID, Name: "Ingresso nord", Direction: identity.DirectionEntry,
		ResourceIDs: []string{demo.TourID}, CredentialHash: hash, EnrolledAt: start, CreatedAt: start,
	}))

	p, err := e.authenticate(t, cred)
	require.NoError(t, err)
	require.Equal(t, authz.Principal{
		Kind: authz.Device, DeviceID: "gate-1", DeviceOrgID: demo.ComuneID, DeviceResourceIDs: []string{demo.TourID},
		DeviceDirection: int(identity.DirectionEntry),
	}, p)
	require.False(t, p.IsStaff(), "a device is never staff")

	lastSeen := func() time.Time {
		d, err := e.db.GetDevice(ctx, "gate-1")
		require.NoError(t, err)
		return d.LastSeenAt
	}
	require.Equal(t, start, lastSeen())
	e.clk.Advance(59 * time.Second)
	_, err = e.authenticate(t, cred)
	require.NoError(t, err)
	require.Equal(t, start, lastSeen(), "not written more than once a minute")
	e.clk.Advance(time.Second)
	_, err = e.authenticate(t, cred)
	require.NoError(t, err)
	require.Equal(t, start.Add(time.Minute), lastSeen())

	c, err := e.svc.WhoAmI(ctx, p)
	require.NoError(t, err)
	require.Equal(t, authz.Device, c.Kind)
	require.Equal(t, "Ingresso nord", c.Device.Name)

	_, err = e.db.RevokeDevice(ctx, "gate-1", e.clk.Now())
	require.NoError(t, err)
	_, err = e.authenticate(t, cred)
	require.ErrorIs(t, err, identity.ErrDeviceInvalid)
	require.Equal(t, fault.Unauthenticated, kind(t, err))

	// A device credential's hash is not a session's.
	_, err = e.authenticate(t, "vs_"+strings.TrimPrefix(cred, "vd_"))
	require.ErrorIs(t, err, identity.ErrSessionInvalid)
}

func TestBootstrap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	admin := identity.BootstrapInput{
		Email: "admin@comune.example.it", Password: goodPW, GivenName: "Giuseppe", FamilyName: "Verdi", CodiceFiscale: cfPeppe,
	}
	created, err := e.svc.Bootstrap(ctx, admin)
	require.NoError(t, err)
	require.True(t, created)

	_, s, err := e.svc.Login(ctx, admin.Email, goodPW, "")
	require.NoError(t, err)
	p, err := e.authenticate(t, s.Token)
	require.NoError(t, err)
	require.True(t, p.InstallationAdmin)

	second := admin
	second.Email, second.CodiceFiscale = "other@example.it", cfLaura
	created, err = e.svc.Bootstrap(ctx, second)
	require.NoError(t, err)
	require.False(t, created, "accounts exist: nothing to do")
	_, _, err = e.svc.Login(ctx, second.Email, goodPW, "")
	require.ErrorIs(t, err, identity.ErrInvalidCredentials)

	weak := admin
	weak.Password = "admin"
	_, err = e.svc.Bootstrap(ctx, weak)
	field, _, _ := invalid(t, err)
	require.Equal(t, "password", field, "validated even when there is nothing to do")

	// Citizens registered later are not administrators.
	_, cs := e.register(t, mario())
	p, err = e.authenticate(t, cs.Token)
	require.NoError(t, err)
	require.False(t, p.InstallationAdmin)
}
