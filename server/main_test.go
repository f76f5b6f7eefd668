package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/notify/email/mailtest"
	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/ticket"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// buildServer compiles this command once per test, as `go run ./server` would.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "varco-server")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

type proc struct {
	cmd  *exec.Cmd
	addr string
	done chan error
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// start runs the server and waits for its "listening" log line.
func start(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "VARCO_LOG_LEVEL=info")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &proc{cmd: cmd, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		p.done <- cmd.Wait()
	}()
	select {
	case p.addr = <-addr:
	case err := <-p.done:
		t.Fatalf("server exited before listening: %v", err)
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("server did not start listening")
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return p
}

// stop sends SIGTERM and requires a clean, prompt exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.done:
		require.NoError(t, err, "graceful shutdown must exit 0")
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop after SIGTERM")
	}
}

func TestServerBinary(t *testing.T) {
	t.Parallel()
	bin := buildServer(t)
	db := filepath.Join(t.TempDir(), "varco.db")
	ctx := context.Background()

	p := start(t, bin, "--db", db, "--demo")
	orgs, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, "http://"+p.addr).
		ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
	require.NoError(t, err)
	require.Len(t, orgs.Msg.GetOrganizations(), 2)
	// The README registers a citizen before bootstrapping the administrator:
	// an installation with citizens but no administrator must still accept
	// bootstrap.
	_, err = varcov1connect.NewAuthServiceClient(http.DefaultClient, "http://"+p.addr).Register(ctx,
		connect.NewRequest(&varcov1.RegisterRequest{GivenName: "Mario", FamilyName: "Rossi", Email: "mario.rossi@example.org",
			CodiceFiscale: "RSSMRA85T10A562S", Phone: "333 123 4567", Password: "una-password-lunga", PrivacyConsent: true}))
	require.NoError(t, err)
	p.stop(t)

	bootstrap := func() string {
		cmd := exec.Command(bin, "bootstrap", "--db", db, "--email", "admin@comune.example", "--given-name", "Anna",
			"--family-name", "Bianchi", "--codice-fiscale", "BNCLRA92E52F205Y", "--organization", demo.ComuneID)
		cmd.Env = append(os.Environ(), "VARCO_BOOTSTRAP_PASSWORD=una-password-lunga")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return string(out)
	}
	require.Contains(t, bootstrap(), "created, organizer of "+demo.ComuneID)
	require.Contains(t, bootstrap(), "nothing done", "a second bootstrap must change nothing")

	p = start(t, bin, "--db", db, "--demo") // demo data is not loaded twice
	base := "http://" + p.addr
	auth := varcov1connect.NewAuthServiceClient(http.DefaultClient, base)
	login, err := auth.Login(ctx, connect.NewRequest(&varcov1.LoginRequest{Login: "bnclra92e52f205y", Password: "una-password-lunga"}))
	require.NoError(t, err)
	req := connect.NewRequest(&varcov1.WhoAmIRequest{})
	req.Header().Set("Authorization", "Bearer "+login.Msg.GetSession().GetToken())
	who, err := auth.WhoAmI(ctx, req)
	require.NoError(t, err)
	require.True(t, who.Msg.GetInstallationAdmin())
	require.Len(t, who.Msg.GetRoles(), 1)
	require.Equal(t, demo.ComuneID, who.Msg.GetRoles()[0].GetOrganizationId())
	require.Equal(t, varcov1.StaffRoleKind_STAFF_ROLE_KIND_ORGANIZER, who.Msg.GetRoles()[0].GetKind())
	orgs, err = varcov1connect.NewCatalogServiceClient(http.DefaultClient, base).
		ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
	require.NoError(t, err)
	require.Len(t, orgs.Msg.GetOrganizations(), 2)
	p.stop(t)
}

func TestBootstrapRefusesBadInput(t *testing.T) {
	t.Parallel()
	bin := buildServer(t)
	cmd := exec.Command(bin, "bootstrap", "--db", filepath.Join(t.TempDir(), "v.db"), "--email", "not-an-email",
		"--given-name", "Anna", "--family-name", "Bianchi", "--codice-fiscale", "BNCLRA92E52F205Y")
	cmd.Stdin = strings.NewReader("una-password-lunga\n")
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "email")
}

// A booking acknowledged to the client survives the server being killed
// with SIGKILL right after: it is on disk before the answer leaves.
func TestAcknowledgedBookingSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	bin := buildServer(t)
	db := filepath.Join(t.TempDir(), "varco.db")
	ctx := context.Background()
	p := start(t, bin, "--db", db, "--demo")
	base := "http://" + p.addr

	reg, err := varcov1connect.NewAuthServiceClient(http.DefaultClient, base).Register(ctx, connect.NewRequest(&varcov1.RegisterRequest{
		GivenName: "Mario", FamilyName: "Rossi", Email: "mario.rossi@example.it", CodiceFiscale: "RSSMRA85T10A562S",
		Phone: "3331234567", Password: "una password lunga", PrivacyConsent: true,
	}))
	require.NoError(t, err)
	tok := reg.Msg.GetSession().GetToken()
	bearer := func(r interface{ Header() http.Header }) { r.Header().Set("Authorization", "Bearer "+tok) }

	from := time.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	grid, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, base).GetAvailability(ctx,
		connect.NewRequest(&varcov1.GetAvailabilityRequest{ResourceId: demo.TourID, FromDate: from,
			ToDate: time.Now().AddDate(0, 0, 14).Format(time.DateOnly)}))
	require.NoError(t, err)
	var slot *varcov1.Slot
	for _, d := range grid.Msg.GetDays() {
		if len(d.GetSlots()) > 0 && slot == nil {
			slot = d.GetSlots()[0]
		}
	}
	require.NotNil(t, slot)
	bookings := varcov1connect.NewBookingServiceClient(http.DefaultClient, base)
	hreq := connect.NewRequest(&varcov1.HoldSlotsRequest{ResourceId: demo.TourID, SlotStart: slot.GetStart(), Seats: 3})
	bearer(hreq)
	hold, err := bookings.HoldSlots(ctx, hreq)
	require.NoError(t, err)
	creq := connect.NewRequest(&varcov1.ConfirmBookingRequest{HoldId: hold.Msg.GetHold().GetId(), IdempotencyKey: "crash-test-0001",
		Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY}})
	bearer(creq)
	conf, err := bookings.ConfirmBooking(ctx, creq)
	require.NoError(t, err)

	require.NoError(t, p.cmd.Process.Kill()) // SIGKILL: no shutdown, no flush.
	<-p.done

	p = start(t, bin, "--db", db)
	base = "http://" + p.addr
	bookings = varcov1connect.NewBookingServiceClient(http.DefaultClient, base)
	greq := connect.NewRequest(&varcov1.GetBookingRequest{BookingId: conf.Msg.GetBooking().GetId()})
	bearer(greq)
	got, err := bookings.GetBooking(ctx, greq)
	require.NoError(t, err)
	require.Equal(t, conf.Msg.GetBooking().GetCode(), got.Msg.GetBooking().GetCode())
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED, got.Msg.GetBooking().GetStatus())
	after, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, base).GetAvailability(ctx,
		connect.NewRequest(&varcov1.GetAvailabilityRequest{ResourceId: demo.TourID,
			FromDate: slot.GetStart().AsTime().In(mustRome(t)).Format(time.DateOnly)}))
	require.NoError(t, err)
	for _, s := range after.Msg.GetDays()[0].GetSlots() {
		if s.GetStart().AsTime().Equal(slot.GetStart().AsTime()) {
			require.Equal(t, int32(27), s.GetSeatsLeft(), "the seats are still taken")
		}
	}
	p.stop(t)
}

func mustRome(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	return loc
}

// Rotating the ticket key: after a restart new tickets are signed with the
// new key, tickets signed before keep verifying until their key is retired.
func TestTicketKeyRotation(t *testing.T) {
	t.Parallel()
	bin := buildServer(t)
	db := filepath.Join(t.TempDir(), "varco.db")
	ctx := context.Background()
	ticketPayload := func(base, tok, bookingID string) string {
		req := connect.NewRequest(&varcov1.GetTicketRequest{BookingId: bookingID})
		req.Header().Set("Authorization", "Bearer "+tok)
		res, err := varcov1connect.NewBookingServiceClient(http.DefaultClient, base).GetTicket(ctx, req)
		require.NoError(t, err)
		return res.Msg.GetTickets()[0].GetPayload()
	}
	p := start(t, bin, "--db", db, "--demo")
	base := "http://" + p.addr
	reg, err := varcov1connect.NewAuthServiceClient(http.DefaultClient, base).Register(ctx, connect.NewRequest(&varcov1.RegisterRequest{
		GivenName: "Mario", FamilyName: "Rossi", Email: "mario.rossi@example.it", CodiceFiscale: "RSSMRA85T10A562S",
		Phone: "3331234567", Password: "una password lunga", PrivacyConsent: true,
	}))
	require.NoError(t, err)
	tok := reg.Msg.GetSession().GetToken()
	grid, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, base).GetAvailability(ctx,
		connect.NewRequest(&varcov1.GetAvailabilityRequest{ResourceId: demo.TourID, FromDate: time.Now().AddDate(0, 0, 1).Format(time.DateOnly),
			ToDate: time.Now().AddDate(0, 0, 14).Format(time.DateOnly)}))
	require.NoError(t, err)
	var slot *varcov1.Slot
	for _, d := range grid.Msg.GetDays() {
		if len(d.GetSlots()) > 0 && slot == nil {
			slot = d.GetSlots()[0]
		}
	}
	bookings := varcov1connect.NewBookingServiceClient(http.DefaultClient, base)
	hreq := connect.NewRequest(&varcov1.HoldSlotsRequest{ResourceId: demo.TourID, SlotStart: slot.GetStart()})
	hreq.Header().Set("Authorization", "Bearer "+tok)
	hold, err := bookings.HoldSlots(ctx, hreq)
	require.NoError(t, err)
	creq := connect.NewRequest(&varcov1.ConfirmBookingRequest{HoldId: hold.Msg.GetHold().GetId(), IdempotencyKey: "rotation-0001",
		Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY}})
	creq.Header().Set("Authorization", "Bearer "+tok)
	conf, err := bookings.ConfirmBooking(ctx, creq)
	require.NoError(t, err)
	before := ticketPayload(base, tok, conf.Msg.GetBooking().GetId())
	p.stop(t)

	keysCmd := func(args ...string) string {
		out, err := exec.Command(bin, append([]string{"keys"}, append(args, "--db", db)...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		return string(out)
	}
	old, err := ticket.Decode(before)
	require.NoError(t, err)
	require.Contains(t, keysCmd("rotate"), "new ticket key")
	require.Equal(t, 2, strings.Count(keysCmd("list"), "active"))

	p = start(t, bin, "--db", db)
	after := ticketPayload("http://"+p.addr, tok, conf.Msg.GetBooking().GetId())
	p.stop(t)
	renewed, err := ticket.Decode(after)
	require.NoError(t, err)
	require.NotEqual(t, old.KeyID, renewed.KeyID, "signed with the new key after the restart")

	ring := func() *ticket.KeyRing {
		st, err := sqlite.Open(ctx, db, sqlite.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		require.NoError(t, err)
		defer st.Close()
		keys, err := st.LoadKeys(ctx)
		require.NoError(t, err)
		r, err := ticket.NewKeyRing(keys...)
		require.NoError(t, err)
		return r
	}
	now := slot.GetStart().AsTime()
	_, err = ticket.Verify(before, ring(), now)
	require.NoError(t, err, "old tickets stay valid until their key is retired")
	_, err = ticket.Verify(after, ring(), now)
	require.NoError(t, err)

	keysCmd("retire", "--id", old.KeyID, "--at", time.Now().Format(time.RFC3339))
	_, err = ticket.Verify(before, ring(), now)
	require.ErrorIs(t, err, ticket.ErrRetiredKey)
	_, err = ticket.Verify(after, ring(), now)
	require.NoError(t, err)
}

// A confirmation committed but not yet sent when the server is SIGKILLed —
// waiting to be claimed, or claimed and stuck in the middle of its send —
// is sent after the restart, exactly once.
func TestNotificationSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	bin := buildServer(t)
	db := filepath.Join(t.TempDir(), "varco.db")
	sink := &mailtest.Sink{Arrived: make(chan mailtest.Received, 10)}
	port := mailtest.Start(t, sink, mailtest.PlainOnly, nil)
	// The first life's mail server accepts connections and never answers, so
	// the send it starts (the dispatcher wakes at once for a confirmation)
	// cannot finish before the kill.
	mutePort, _ := muteSMTP(t)
	common := []string{"--db", db, "--smtp-tls", "none", "--mail-from", "Comune <noreply@comune.example>", "--notify-lease", "2s"}
	smtp := append([]string{"--smtp-host", "127.0.0.1", "--smtp-port", strconv.Itoa(port)}, common...)

	p := start(t, bin, append([]string{"--smtp-host", "127.0.0.1", "--smtp-port", strconv.Itoa(mutePort), "--demo"}, common...)...)
	code := bookFirstTour(t, "http://"+p.addr, "mario.rossi@example.it", "RSSMRA85T10A562S", "notify-kill-0001")
	require.NoError(t, p.cmd.Process.Kill())
	<-p.done
	require.Empty(t, sink.Messages(), "nothing was sent before the kill")

	// Second life: the message goes out (at once, or when the dead
	// process's 2-second lease has passed), once.
	p = start(t, bin, append(smtp, "--notify-poll-interval", "50ms")...)
	select {
	case m := <-sink.Arrived:
		require.Contains(t, string(m.Data), code)
	case <-time.After(30 * time.Second):
		t.Fatal("the confirmation was not sent after the restart")
	}
	p.stop(t) // graceful: the dispatcher finishes and records the send
	require.Len(t, sink.Messages(), 1, "sent exactly once")
}

// The binary's edge with the shell: --version from the build info, exit 2
// with the error printed once for a command-line mistake, exit 1 for a
// failure, and the healthcheck a container runs.
func TestVersionExitCodesAndHealthcheck(t *testing.T) {
	t.Parallel()
	bin := buildServer(t)
	out, err := exec.Command(bin, "--version").Output()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(out), "varco-server "), "%s", out)
	require.Contains(t, string(out), "go1.")

	exit := func(args []string, env ...string) (int, string) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), env...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), stderr.String()
		}
		require.NoError(t, err)
		return 0, stderr.String()
	}
	code, stderr := exit([]string{"--no-such-flag"})
	require.Equal(t, 2, code)
	require.Equal(t, 1, strings.Count(stderr, "no-such-flag"), "printed once: %q", stderr)
	code, stderr = exit([]string{"--db", filepath.Join(t.TempDir(), "v.db")}, "VARCO_NOTIFY_MAX_ATTEMPTS=many")
	require.Equal(t, 2, code, stderr)
	require.Equal(t, 1, strings.Count(stderr, "VARCO_NOTIFY_MAX_ATTEMPTS"), stderr)
	code, _ = exit([]string{"--help"})
	require.Equal(t, 0, code)

	// Nothing listening there: the healthcheck fails with 1.
	code, stderr = exit([]string{"healthcheck", "--addr", "127.0.0.1:1", "--timeout", "2s"})
	require.Equal(t, 1, code, stderr)
	p := start(t, bin, "--db", filepath.Join(t.TempDir(), "varco.db"))
	hc, err := exec.Command(bin, "healthcheck", "--addr", p.addr).Output()
	require.NoError(t, err)
	require.Equal(t, "SERVING\n", string(hc))
	p.stop(t)
}

// --metrics-addr takes /metrics off the public port onto its own.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	t.Parallel()
	bin := buildServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	metricsAddr := ln.Addr().String()
	require.NoError(t, ln.Close())
	p := start(t, bin, "--db", filepath.Join(t.TempDir(), "varco.db"), "--metrics-addr", metricsAddr)
	res, err := http.Get("http://" + p.addr + "/metrics")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusNotFound, res.StatusCode, "not on the public port")
	res, err = http.Get("http://" + metricsAddr + "/metrics")
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, string(body), "varco_queue_due")
	p.stop(t)
}
