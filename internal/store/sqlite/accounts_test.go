package sqlite_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/store"
	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
)

// t0 is a fixed instant with millisecond precision, as stored.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// openIdentityDB opens a fresh, migrated database file.
func openIdentityDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), pgtest.Or(t, t.TempDir()+"/x.db"), sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	return db
}

func testAccount(id, email, cf string) identity.Account {
	return identity.Account{
		ID: id, Email: email, CodiceFiscale: cf, GivenName: "Mario", FamilyName: "Rossi",
		Phone: "+393331234567", Language: "it", PasswordHash: "$argon2id$hash-" + id,
		PrivacyConsentAt: t0, CreatedAt: t0, UpdatedAt: t0,
	}
}

func mustCreateAccount(t *testing.T, db *sqlite.DB, a identity.Account) {
	t.Helper()
	require.NoError(t, db.CreateAccount(t.Context(), a))
}

func TestAccountRoundTrip(t *testing.T) {
	t.Parallel()
	db := openIdentityDB(t)
	ctx := t.Context()
	a := testAccount("a1", "Mario.Rossi@example.it", "RSSMRA85T10A562S")
	a.InstallationAdmin = true
	a.PrivacyConsentAt = t0.Add(-time.Minute)
	mustCreateAccount(t, db, a)

	got, err := db.GetAccount(ctx, "a1")
	require.NoError(t, err)
	require.Equal(t, a, got)

	got, err = db.GetAccountByEmail(ctx, "mario.rossi@EXAMPLE.IT")
	require.NoError(t, err, "e-mail lookup ignores case")
	require.Equal(t, "a1", got.ID)
	require.Equal(t, "Mario.Rossi@example.it", got.Email, "stored as typed")

	got, err = db.GetAccountByCodiceFiscale(ctx, "RSSMRA85T10A562S")
	require.NoError(t, err)
	require.Equal(t, "a1", got.ID)

	for name, lookup := range map[string]func(context.Context) error{
		"id":    func(ctx context.Context) error { _, err := db.GetAccount(ctx, "nope"); return err },
		"email": func(ctx context.Context) error { _, err := db.GetAccountByEmail(ctx, "x@example.it"); return err },
		"cf": func(ctx context.Context) error {
			_, err := db.GetAccountByCodiceFiscale(ctx, "BNCLRA92E52F205Y")
			return err
		},
	} {
		require.ErrorIs(t, lookup(ctx), store.ErrNotFound, name)
	}
}

func TestCreateAccountConflicts(t *testing.T) {
	t.Parallel()
	db := openIdentityDB(t)
	ctx := t.Context()
	mustCreateAccount(t, db, testAccount("a1", "mario@example.it", "RSSMRA85T10A562S"))

	err := db.CreateAccount(ctx, testAccount("a2", "MARIO@Example.IT", "BNCLRA92E52F205Y"))
	require.ErrorIs(t, err, store.ErrConflict)
	require.ErrorIs(t, err, identity.ErrEmailTaken, "e-mail differing only in case")
	require.NotErrorIs(t, err, identity.ErrCodiceFiscaleTaken)

	err = db.CreateAccount(ctx, testAccount("a3", "other@example.it", "RSSMRA85T10A562S"))
	require.ErrorIs(t, err, store.ErrConflict)
	require.ErrorIs(t, err, identity.ErrCodiceFiscaleTaken)
	require.NotErrorIs(t, err, identity.ErrEmailTaken)
}

func TestCreateFirstAdmin(t *testing.T) {
	t.Parallel()
	db := openIdentityDB(t)
	ctx := t.Context()
	admin := func(id, email, cf string) identity.Account {
		a := testAccount(id, email, cf)
		a.InstallationAdmin = true
		return a
	}
	// A citizen registered first does not stop the administrator.
	mustCreateAccount(t, db, testAccount("c1", "citizen@example.it", "VRDGPP80A01F205X"))
	created, err := db.CreateFirstAdmin(ctx, admin("a1", "admin@example.it", "RSSMRA85T10A562S"))
	require.NoError(t, err)
	require.True(t, created)
	created, err = db.CreateFirstAdmin(ctx, admin("a2", "other@example.it", "BNCLRA92E52F205Y"))
	require.NoError(t, err)
	require.False(t, created, "a second administrator must not be created")
	n, err := db.CountAccounts(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, n)
}

func TestUpdateAccountProfile(t *testing.T) {
	t.Parallel()
	db := openIdentityDB(t)
	ctx := t.Context()
	a := testAccount("a1", "mario@example.it", "RSSMRA85T10A562S")
	mustCreateAccount(t, db, a)
	a.GivenName, a.FamilyName, a.Phone, a.Language, a.UpdatedAt = "Maria", "Bianchi", "+390376123456", "en", t0.Add(time.Hour)
	// Fields outside the profile must not be written.
	changed := a
	changed.Email, changed.PasswordHash = "hacker@example.it", "x"
	require.NoError(t, db.UpdateAccountProfile(ctx, changed))
	got, err := db.GetAccount(ctx, "a1")
	require.NoError(t, err)
	require.Equal(t, a, got)

	changed.ID = "nope"
	require.ErrorIs(t, db.UpdateAccountProfile(ctx, changed), store.ErrNotFound)
}

func TestReplacePasswordHashIsCompareAndSwap(t *testing.T) {
	t.Parallel()
	db := openIdentityDB(t)
	ctx := t.Context()
	a := testAccount("a1", "mario@example.it", "RSSMRA85T10A562S")
	mustCreateAccount(t, db, a)

	ok, err := db.ReplacePasswordHash(ctx, "a1", "stale", "new", t0)
	require.NoError(t, err)
	require.False(t, ok, "hash changed meanwhile: keep it")

	ok, err = db.ReplacePasswordHash(ctx, "a1", a.PasswordHash, "new", t0.Add(time.Second))
	require.NoError(t, err)
	require.True(t, ok)
	got, err := db.GetAccount(ctx, "a1")
	require.NoError(t, err)
	require.Equal(t, "new", got.PasswordHash)
	require.Equal(t, t0.Add(time.Second), got.UpdatedAt)
}

func TestChangePasswordRevokesOtherSessions(t *testing.T) {
	t.Parallel()
	db := openIdentityDB(t)
	ctx := t.Context()
	mustCreateAccount(t, db, testAccount("a1", "mario@example.it", "RSSMRA85T10A562S"))
	mustCreateAccount(t, db, testAccount("a2", "laura@example.it", "BNCLRA92E52F205Y"))
	keep, other, alreadyRevoked, stranger := hash(1), hash(2), hash(3), hash(4)
	for _, s := range []identity.Session{
		{TokenHash: keep, AccountID: "a1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
		{TokenHash: other, AccountID: "a1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
		{TokenHash: alreadyRevoked, AccountID: "a1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), RevokedAt: t0},
		{TokenHash: stranger, AccountID: "a2", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
	} {
		require.NoError(t, db.CreateSession(ctx, s))
	}
	at := t0.Add(time.Minute)
	require.NoError(t, db.ChangePassword(ctx, "a1", "newhash", keep, at))

	a, err := db.GetAccount(ctx, "a1")
	require.NoError(t, err)
	require.Equal(t, "newhash", a.PasswordHash)
	for h, wantRevoked := range map[[32]byte]time.Time{keep: {}, other: at, alreadyRevoked: t0, stranger: {}} {
		s, err := db.GetSession(ctx, h)
		require.NoError(t, err)
		require.Equal(t, wantRevoked, s.RevokedAt, "session %x", h[:1])
	}
	require.ErrorIs(t, db.ChangePassword(ctx, "nope", "h", keep, at), store.ErrNotFound)
}

func hash(b byte) [32]byte {
	var h [32]byte
	h[0] = b
	return h
}
