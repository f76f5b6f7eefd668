package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/varco-gate/varco/client"
	"github.com/varco-gate/varco/client/internal/testserver"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// user is one person at a terminal: their own environment, hence their own
// session file, against one real server running in this process.
type user struct {
	t   *testing.T
	srv *testserver.Server
	env map[string]string
}

func newUser(t *testing.T, srv *testserver.Server, vars ...string) *user {
	t.Helper()
	u := &user{t: t, srv: srv, env: map[string]string{
		"VARCO_SERVER": srv.URL, "VARCO_CONFIG_DIR": t.TempDir(), "VARCO_LANG": "en",
	}}
	for i := 0; i+1 < len(vars); i += 2 {
		u.env[vars[i]] = vars[i+1]
	}
	return u
}

// run runs varco in-process and returns what it printed.
func (u *user) run(stdin string, args ...string) (stdout, stderr string, err error) {
	u.t.Helper()
	var out, errOut strings.Builder
	err = run(context.Background(), args, func(k string) string { return u.env[k] }, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// ok runs a command that must succeed and returns its stdout.
func (u *user) ok(args ...string) string {
	u.t.Helper()
	out, errOut, err := u.run("", args...)
	require.NoError(u.t, err, "varco %s\nstderr: %s", strings.Join(args, " "), errOut)
	require.Empty(u.t, errOut)
	return out
}

// proto runs a command with --output json and decodes its answer.
func (u *user) proto(m proto.Message, args ...string) {
	u.t.Helper()
	out := u.ok(append(args, "--output", "json")...)
	require.NoError(u.t, protojson.Unmarshal([]byte(out), m), out)
}

func (u *user) apply(args ...string) applyReport {
	u.t.Helper()
	out := u.ok(append([]string{"apply", "--output", "json"}, args...)...)
	var r applyReport
	require.NoError(u.t, json.Unmarshal([]byte(out), &r), out)
	return r
}

// admin starts a server and logs its installation administrator in.
func admin(t *testing.T) *user {
	t.Helper()
	srv := testserver.New(t)
	require.NoError(t, srv.Bootstrap(context.Background(), ""))
	u := newUser(t, srv, "VARCO_PASSWORD", testserver.AdminPassword)
	out := u.ok("login", "--login", testserver.AdminEmail)
	require.Contains(t, out, "Logged in to "+srv.URL+" as Anna Verdi")
	return u
}

// snapshot is everything apply manages, read back through the API.
func snapshot(t *testing.T, u *user, orgID string) []proto.Message {
	t.Helper()
	ctx := context.Background()
	api, err := client.New(u.srv.URL, client.WithToken(u.token()))
	require.NoError(t, err)
	orgs, err := api.Catalog.ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
	require.NoError(t, err)
	places, err := api.Catalog.ListPlaces(ctx, connect.NewRequest(&varcov1.ListPlacesRequest{OrganizationId: orgID}))
	require.NoError(t, err)
	resources, err := api.Catalog.ListResources(ctx, connect.NewRequest(&varcov1.ListResourcesRequest{OrganizationId: orgID}))
	require.NoError(t, err)
	out := []proto.Message{orgs.Msg, places.Msg, resources.Msg}
	for _, r := range resources.Msg.GetResources() {
		if r.GetKind() == varcov1.ResourceKind_RESOURCE_KIND_GROUP {
			continue
		}
		s, err := api.Admin.GetSchedule(ctx, connect.NewRequest(&varcov1.GetScheduleRequest{ResourceId: r.GetId()}))
		require.NoError(t, err)
		out = append(out, s.Msg)
	}
	return out
}

func requireSameSnapshot(t *testing.T, want, got []proto.Message) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		require.True(t, proto.Equal(want[i], got[i]), "changed:\nbefore %v\nafter  %v", want[i], got[i])
	}
}

func (u *user) token() string {
	store := &sessionStore{path: filepath.Join(u.env["VARCO_CONFIG_DIR"], "session.json")}
	s, ok, err := store.get(u.srv.URL)
	require.NoError(u.t, err)
	require.True(u.t, ok)
	return s.Token
}

// The example catalog applied twice: the second run changes nothing, and
// the catalog read back is identical. A changed file is reported (and in a
// dry run left alone), then applied, then quiet again.
func TestApplyIsIdempotent(t *testing.T) {
	t.Parallel()
	u := admin(t)

	// A dry run against an empty installation predicts everything and
	// creates nothing.
	dry := u.apply("-f", "testdata/comune.yaml", "--dry-run")
	require.Equal(t, 13, dry.Created, "%+v", dry.Changes)
	require.Empty(t, dry.OrganizationID)
	require.Contains(t, u.ok("apply", "-f", "testdata/comune.yaml", "--dry-run"), "13 created, 0 updated, 0 unchanged (dry run: nothing was changed).")

	first := u.apply("-f", "testdata/comune.yaml")
	// organization, 2 places, 4 resources, 3 sets of weekly rules, 3 exceptions
	require.Equal(t, 13, first.Created, "%+v", first.Changes)
	require.Zero(t, first.Updated)
	require.Empty(t, first.Warnings)
	require.NotEmpty(t, first.OrganizationID)
	before := snapshot(t, u, first.OrganizationID)

	// The two services share "Sportello 1 - Giulia": one operator, not two.
	resources := before[2].(*varcov1.ListResourcesResponse).GetResources()
	require.Len(t, resources, 4)
	giulia := map[string]bool{}
	for _, r := range resources {
		for _, op := range r.GetOperators() {
			if op.GetDisplayName() == "Sportello 1 - Giulia" {
				giulia[op.GetId()] = true
			}
		}
	}
	require.Len(t, giulia, 1)

	out := u.ok("apply", "-f", "testdata/comune.yaml")
	require.Equal(t, "0 created, 0 updated, 13 unchanged.\n", out)
	requireSameSnapshot(t, before, snapshot(t, u, first.OrganizationID))

	second := u.apply("-f", "testdata/comune.yaml")
	require.Zero(t, second.Created+second.Updated+second.Deleted)
	require.Equal(t, first.OrganizationID, second.OrganizationID)

	// One edit: a longer slot for the certificates and a new exception.
	data, err := os.ReadFile("testdata/comune.yaml")
	require.NoError(t, err)
	edited := strings.Replace(string(data), "slot_length: 10m", "slot_length: 20m", 1)
	edited = strings.Replace(edited, "        reason: Natale\n", "        reason: Natale\n      - kind: closure\n        start_date: 2027-01-01\n        yearly: true\n        reason: Capodanno\n", 1)
	editedPath := filepath.Join(t.TempDir(), "comune.yaml")
	require.NoError(t, os.WriteFile(editedPath, []byte(edited), 0o600))

	out = u.ok("apply", "-f", editedPath, "--dry-run")
	require.Contains(t, out, "would be updated  rules      Servizi demografici / Certificati anagrafici  (rules)")
	require.Contains(t, out, "would be created  exception  Concerto d'autunno: closure 2027-01-01 yearly (Capodanno)")
	require.Contains(t, out, "1 created, 1 updated, 12 unchanged (dry run: nothing was changed).")
	requireSameSnapshot(t, before, snapshot(t, u, first.OrganizationID))

	third := u.apply("-f", editedPath)
	require.Equal(t, 1, third.Created)
	require.Equal(t, 1, third.Updated)
	require.Equal(t, 12, third.Unchanged)
	require.Equal(t, "0 created, 0 updated, 14 unchanged.\n", u.ok("apply", "-f", editedPath))

	// Back to the original file: the rules return; the extra exception is
	// kept unless pruning is asked for.
	back := u.apply("-f", "testdata/comune.yaml")
	require.Equal(t, 1, back.Updated)
	require.Zero(t, back.Deleted)
	require.Len(t, back.Warnings, 1)
	require.Contains(t, back.Warnings[0], "1 exception(s) the file does not list; kept (use --prune to delete them)")
	pruned := u.apply("-f", "testdata/comune.yaml", "--prune")
	require.Equal(t, 1, pruned.Deleted)
	requireSameSnapshot(t, before, snapshot(t, u, first.OrganizationID))
}

// A value the server normalizes (a phone number) does not make apply
// report an update forever: it says how to write it instead.
func TestApplyWarnsAboutNormalizedValues(t *testing.T) {
	t.Parallel()
	u := admin(t)
	data, err := os.ReadFile("testdata/comune.yaml")
	require.NoError(t, err)
	first := u.apply("-f", "testdata/comune.yaml")
	path := filepath.Join(t.TempDir(), "comune.yaml")
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(data), `"+390376111000"`, `"0376 111000"`, 1)), 0o600))
	r := u.apply("-f", path)
	require.Zero(t, r.Created+r.Updated, "%+v", r.Changes)
	require.Equal(t, []string{`organization "Comune di Valle Serena": the server stores contacts.phone as "+390376111000", the file says "0376 111000": write it as the server does`}, r.Warnings)
	require.Equal(t, first.OrganizationID, r.OrganizationID)
}

func TestApplyRefusesBadFiles(t *testing.T) {
	t.Parallel()
	u := admin(t)
	for name, tc := range map[string]struct{ yaml, want string }{
		"unknown key":      {"organization: {name: X, kind: business, colour: red}\n", "field colour not found"},
		"bad enum":         {"organization: {name: X, kind: shop}\n", `line 1: "shop" is not one of association, business, public-office`},
		"duplicate":        {"organization: {name: X, kind: business}\nplaces: [{name: A}]\nresources: [{name: R, kind: group, place: A}, {name: R, kind: group, place: A}]\n", `"R" appears twice`},
		"bad duration":     {"organization: {name: X, kind: business}\nplaces: [{name: A}]\nresources:\n- {name: R, kind: event, place: A, policy: {min_notice: soon}}\n", `line 4: "soon" is not a duration`},
		"bad weekday":      {"organization: {name: X, kind: business}\nplaces: [{name: A}]\nresources:\n- name: R\n  kind: event\n  place: A\n  rules: [{weekdays: [someday]}]\n", `line 7: "someday" is not a weekday`},
		"unknown place":    {"organization: {name: X, kind: business}\nresources: [{name: R, kind: group, place: Nowhere}]\n", `place "Nowhere" is neither in the file nor on the server`},
		"rules on a group": {"organization: {name: X, kind: business}\nplaces: [{name: A}]\nresources: [{name: R, kind: group, place: A, rules: []}]\n", "a group is not booked"},
	} {
		path := filepath.Join(t.TempDir(), "bad.yaml")
		require.NoError(t, os.WriteFile(path, []byte(tc.yaml), 0o600))
		_, errOut, err := u.run("", "apply", "-f", path)
		require.Error(t, err, name)
		require.Contains(t, errOut, tc.want, name)
	}

	// The server's own validation names the field, in the language asked.
	path := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(path, []byte("organization: {name: Y, kind: business}\nplaces: [{name: A, time_zone: Mars/Olympus}]\n"), 0o600))
	out, errOut, err := u.run("", "apply", "-f", path)
	require.Error(t, err)
	require.Equal(t, "varco: create place \"A\": place.time_zone: Unknown time zone: use an IANA name such as Europe/Rome.\n", errOut)
	require.Contains(t, out, "created  organization  Y", "what was done before the failure is reported")
}

// A citizen sees the grid, books a seat of the event (hold + confirm),
// sees it in their bookings and in the grid, and cancels it.
func TestBookGridCancel(t *testing.T) {
	t.Parallel()
	staff := admin(t)
	report := staff.apply("-f", "testdata/comune.yaml")
	event := changeID(t, report, "resource", "Concerto d'autunno")

	// Registered through the library; logged in through the CLI, with the
	// password on stdin as when piped.
	ctx := context.Background()
	api, err := client.New(staff.srv.URL)
	require.NoError(t, err)
	_, err = api.Auth.Register(ctx, connect.NewRequest(&varcov1.RegisterRequest{
		GivenName: "Mario", FamilyName: "Rossi", Email: "mario.rossi@example.org", CodiceFiscale: "RSSMRA85T10A562S",
		Phone: "3331234567", Password: "una-password-lunga", PrivacyConsent: true,
	}))
	require.NoError(t, err)
	mario := newUser(t, staff.srv)
	_, errOut, err := mario.run("una-password-lunga\n", "login", "--login", "RSSMRA85T10A562S")
	require.NoError(t, err, errOut)

	from := time.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	slot, left := firstFreeSlot(t, mario, event, from)

	// The event asks for an acknowledgement; the CLI says which, before
	// holding anything.
	_, errOut, err = mario.run("", "book", "--resource", event, "--start", slot, "--accept-privacy")
	require.Error(t, err)
	require.Contains(t, errOut, "Ho letto il regolamento del teatro")
	ack := strings.Fields(errOut[strings.Index(errOut, "--ack ")+len("--ack "):])[0]

	// A bad beneficiary: the hold is made, the confirmation refused with
	// the field named, and the hold released at once.
	_, errOut, err = mario.run("", "book", "--resource", event, "--start", slot, "--accept-privacy", "--ack", ack,
		"--for-cf", "RSSMRA85T10A562X", "--for-name", "Luigi Rossi", "--for-email", "luigi@example.org")
	require.Error(t, err)
	require.Equal(t, "varco: confirm: beneficiary.codice_fiscale: The codice fiscale is not correct: the check character does not match\n", errOut)
	_, stillLeft := slotState(t, mario, event, from, slot)
	require.Equal(t, left, stillLeft, "the failed booking's hold was released")
	_, errOut, err = mario.run("", "book", "--resource", event, "--start", slot, "--accept-privacy", "--ack", ack,
		"--for-cf", "RSSMRA85T10A562X", "--for-name", "Luigi Rossi", "--for-email", "luigi@example.org", "--output", "json")
	require.Error(t, err)
	var je jsonError
	require.NoError(t, json.Unmarshal([]byte(errOut), &je), errOut)
	require.Equal(t, "invalid_argument", je.Error.Code)
	require.Equal(t, "beneficiary.codice_fiscale", je.Error.Field)
	require.Equal(t, "cf_check", je.Error.Reason)

	var booked varcov1.ConfirmBookingResponse
	mario.proto(&booked, "book", "--resource", event, "--start", slot, "--accept-privacy", "--ack", ack)
	b := booked.GetBooking()
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED, b.GetStatus())
	require.EqualValues(t, 1, b.GetSeats())

	// The grid shows the booked slot with one seat fewer, in JSON and in
	// the table.
	state, after := slotState(t, mario, event, from, slot)
	require.Equal(t, varcov1.SlotState_SLOT_STATE_AVAILABLE, state)
	require.Equal(t, left-1, after)
	day := b.GetLocalStart()[:len(time.DateOnly)]
	table := mario.ok("grid", "--resource", event, "--from", day, "--to", day)
	require.Contains(t, table, "Concerto d'autunno (Teatro Comunale), times in Europe/Rome")
	require.Contains(t, table, "✓ 19", "the booked slot")
	require.Contains(t, table, "✓ 20", "the other slots of the day")
	require.Contains(t, table, "✓ n available (seats left)")

	mine := mario.ok("mine")
	require.Contains(t, mine, b.GetCode())
	require.Contains(t, mine, "confirmed")
	calendar := staff.ok("bookings", "--org", report.OrganizationID, "--date", day)
	require.Contains(t, calendar, b.GetCode())
	require.Contains(t, calendar, "Mario Rossi")

	// Attendance is for bookings that have started: the server's message.
	_, errOut, err = staff.run("", "attend", "--booking", b.GetId(), "--status", "done")
	require.Error(t, err)
	require.True(t, strings.HasPrefix(errOut, "varco: attend: "), errOut)

	out := mario.ok("cancel", "--booking", b.GetId(), "--reason", "imprevisto")
	require.Equal(t, "Booking "+b.GetCode()+" (Concerto d'autunno, "+b.GetLocalStart()+"): cancelled-by-user.\n", out)
	_, after = slotState(t, mario, event, from, slot)
	require.Equal(t, left, after, "the seat is free again")
	_, errOut, err = mario.run("", "cancel", "--booking", b.GetId())
	require.Error(t, err)
	require.Contains(t, errOut, "varco: cancel: ")
}

// firstFreeSlot returns the first bookable slot in the week from `from`,
// with its seats left, read from `varco grid --output json`.
func firstFreeSlot(t *testing.T, u *user, resource, from string) (start string, seatsLeft int32) {
	t.Helper()
	var g varcov1.GetAvailabilityResponse
	u.proto(&g, "grid", "--resource", resource, "--from", from)
	for _, d := range g.GetDays() {
		for _, s := range d.GetSlots() {
			if s.GetState() == varcov1.SlotState_SLOT_STATE_AVAILABLE {
				return s.GetStart().AsTime().Format(time.RFC3339), s.GetSeatsLeft()
			}
		}
	}
	t.Fatal("no free slot within a week")
	return "", 0
}

func slotState(t *testing.T, u *user, resource, from, start string) (varcov1.SlotState, int32) {
	t.Helper()
	var g varcov1.GetAvailabilityResponse
	u.proto(&g, "grid", "--resource", resource, "--from", from)
	for _, d := range g.GetDays() {
		for _, s := range d.GetSlots() {
			if s.GetStart().AsTime().Format(time.RFC3339) == start {
				return s.GetState(), s.GetSeatsLeft()
			}
		}
	}
	t.Fatalf("slot %s not in the grid", start)
	return 0, 0
}

func changeID(t *testing.T, r applyReport, kind, name string) string {
	t.Helper()
	for _, c := range r.Changes {
		if c.Kind == kind && c.Name == name {
			return c.ID
		}
	}
	t.Fatalf("no %s %q in %+v", kind, name, r.Changes)
	return ""
}

// The session is kept per server in a private file; logout ends it on the
// server and forgets it.
func TestSessionLifecycle(t *testing.T) {
	t.Parallel()
	u := admin(t)
	path := filepath.Join(u.env["VARCO_CONFIG_DIR"], "session.json")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	if runtime.GOOS != "windows" {
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	}
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(raw), `"`+u.srv.URL+`"`)
	token := u.token()

	var who varcov1.WhoAmIResponse
	u.proto(&who, "whoami")
	require.True(t, who.GetInstallationAdmin())
	require.Contains(t, u.ok("whoami"), "installation administrator  yes")
	// A trailing slash is the same server, hence the same session.
	require.Contains(t, u.ok("whoami", "--server", u.srv.URL+"/"), "admin@comune.example")

	require.Equal(t, "Logged out of "+u.srv.URL+".\n", u.ok("logout"))
	_, errOut, err := u.run("", "whoami")
	require.Error(t, err)
	require.Contains(t, errOut, "(log in with: varco login)")

	// The token itself no longer works (revoked on the server), which
	// VARCO_TOKEN lets us check.
	u.env["VARCO_TOKEN"] = token
	_, _, err = u.run("", "whoami")
	require.Error(t, err)
	delete(u.env, "VARCO_TOKEN")

	// Wrong password: the server's message, no session written.
	u.env["VARCO_PASSWORD"] = "sbagliata-sbagliata"
	_, errOut, err = u.run("", "login", "--login", testserver.AdminEmail)
	require.Error(t, err)
	require.True(t, strings.HasPrefix(errOut, "varco: login: "), errOut)
	_, ok, err := (&sessionStore{path: path}).get(u.srv.URL)
	require.NoError(t, err)
	require.False(t, ok)
}

// Staff commands: enrollment codes, live occupancy until cancelled, and the
// back-office command this server does not offer yet.
func TestStaffCommands(t *testing.T) {
	t.Parallel()
	u := admin(t)
	report := u.apply("-f", "testdata/comune.yaml")
	event := changeID(t, report, "resource", "Concerto d'autunno")

	var code varcov1.CreateDeviceEnrollmentResponse
	u.proto(&code, "enroll-code", "--org", report.OrganizationID, "--name", "Ingresso teatro", "--resource", event, "--direction", "both")
	require.NotEmpty(t, code.GetEnrollmentCode())
	_, errOut, err := u.run("", "enroll-code", "--org", report.OrganizationID, "--name", "X", "--resource", event, "--direction", "sideways")
	require.Error(t, err)
	require.Contains(t, errOut, `"sideways" is not one of both, entry, exit`)

	// occupancy streams until its context ends, which is how Ctrl-C ends it.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"occupancy", "--resource", event}, func(k string) string { return u.env[k] }, strings.NewReader(""), pw, io.Discard)
		pw.Close()
		done <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	require.Contains(t, line, "nobody booked or inside today")
	cancel()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.NoError(t, <-done)
}

// Webhooks from the terminal: the secret is printed once, the list shows
// the events, bad events are named, deliveries list (none yet: no event
// happened, so nothing is sent anywhere), unknown deliveries are refused.
func TestWebhookCommands(t *testing.T) {
	t.Parallel()
	u := admin(t)
	report := u.apply("-f", "testdata/comune.yaml")
	org := report.OrganizationID
	const url = "https://hooks.comune.invalid/varco"
	require.Equal(t, "No webhooks.\n", u.ok("webhooks", "list", "--org", org))
	out := u.ok("webhooks", "create", "--org", org, "--url", url, "--event", "booking.created,booking.cancelled")
	require.Contains(t, out, "Signing secret (shown only now, keep it): whsec_")
	var created varcov1.CreateWebhookResponse
	u.proto(&created, "webhooks", "create", "--org", org, "--url", url)
	require.Len(t, created.GetWebhook().GetEvents(), 7, "all events by default")
	list := u.ok("webhooks", "list", "--org", org)
	require.Contains(t, list, url+"  booking-created,booking-cancelled\n")
	require.NotContains(t, list, "whsec_")
	_, errOut, err := u.run("", "webhooks", "create", "--org", org, "--url", url, "--event", "booking.eaten")
	require.Error(t, err)
	require.Contains(t, errOut, `"booking-eaten" is not one of`)
	_, errOut, err = u.run("", "webhooks", "create", "--org", org, "--url", "http://hooks.comune.invalid/")
	require.Error(t, err)
	require.Contains(t, errOut, "url")
	var ds varcov1.ListWebhookDeliveriesResponse
	u.proto(&ds, "webhooks", "deliveries", "--webhook", created.GetWebhook().GetId())
	require.Empty(t, ds.GetDeliveries())
	_, _, err = u.run("", "webhooks", "replay", "--delivery", "nope")
	require.Error(t, err)
	require.Contains(t, u.ok("webhooks", "delete", "--webhook", created.GetWebhook().GetId()), "deleted")
	_, errOut, err = u.run("", "webhooks", "frobnicate")
	require.Error(t, err)
	require.Contains(t, errOut, "usage: varco webhooks create|list|delete|deliveries|replay")
}

func TestUsage(t *testing.T) {
	t.Parallel()
	u := newUser(t, &testserver.Server{URL: "http://127.0.0.1:1"})
	out := u.ok("help")
	for _, cmd := range commands {
		require.Contains(t, out, "  "+cmd.name)
	}
	_, errOut, err := u.run("", "frobnicate")
	require.Error(t, err)
	require.Equal(t, "varco: unknown command \"frobnicate\" (run varco help)\n", errOut)
	_, errOut, err = u.run("", "grid")
	require.Error(t, err)
	require.Equal(t, "varco: missing --resource\n", errOut)
	_, errOut, err = u.run("", "grid", "--resource", "x", "--output", "yaml")
	require.Error(t, err)
	require.Equal(t, "varco: --output \"yaml\": use table or json\n", errOut)
	_, errOut, err = u.run("", "book", "--resource", "x", "--start", "2026-12-07T07:30:00Z")
	require.Error(t, err)
	require.Contains(t, errOut, "--accept-privacy")
	_, _, err = u.run("", "grid", "-h")
	require.NoError(t, err, "help is not a failure")

	// Nobody listens on port 1: the error says what to check.
	_, errOut, err = u.run("", "grid", "--resource", "x")
	require.Error(t, err)
	require.Contains(t, errOut, "is the server running?")
}
