package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// flaky answers the first call of each procedure with Unavailable (or, in
// slow mode, by hanging until the caller gives up) and the later ones
// normally, counting calls.
type flaky struct {
	varcov1connect.UnimplementedCatalogServiceHandler
	varcov1connect.UnimplementedBookingServiceHandler

	slow  bool
	mu    sync.Mutex
	calls map[string]int
}

func (f *flaky) fail(ctx context.Context, procedure string) error {
	f.mu.Lock()
	f.calls[procedure]++
	n := f.calls[procedure]
	f.mu.Unlock()
	if n > 1 {
		return nil
	}
	if f.slow {
		<-ctx.Done() // the client's per-attempt timeout ends this attempt
		return connect.NewError(connect.CodeDeadlineExceeded, ctx.Err())
	}
	return connect.NewError(connect.CodeUnavailable, errors.New("restarting"))
}

func (f *flaky) count(procedure string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[procedure]
}

func (f *flaky) ListOrganizations(ctx context.Context, _ *connect.Request[varcov1.ListOrganizationsRequest]) (*connect.Response[varcov1.ListOrganizationsResponse], error) {
	if err := f.fail(ctx, varcov1connect.CatalogServiceListOrganizationsProcedure); err != nil {
		return nil, err
	}
	return connect.NewResponse(&varcov1.ListOrganizationsResponse{Organizations: []*varcov1.Organization{{Name: "Comune"}}}), nil
}

func (f *flaky) HoldSlots(ctx context.Context, _ *connect.Request[varcov1.HoldSlotsRequest]) (*connect.Response[varcov1.HoldSlotsResponse], error) {
	if err := f.fail(ctx, varcov1connect.BookingServiceHoldSlotsProcedure); err != nil {
		return nil, err
	}
	return connect.NewResponse(&varcov1.HoldSlotsResponse{Hold: &varcov1.Hold{Id: "h1"}}), nil
}

func (f *flaky) ConfirmBooking(ctx context.Context, req *connect.Request[varcov1.ConfirmBookingRequest]) (*connect.Response[varcov1.ConfirmBookingResponse], error) {
	if err := f.fail(ctx, varcov1connect.BookingServiceConfirmBookingProcedure+"/"+req.Msg.GetIdempotencyKey()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&varcov1.ConfirmBookingResponse{Booking: &varcov1.Booking{Id: "b1"}}), nil
}

func newFlaky(t *testing.T, slow bool) (*flaky, string) {
	t.Helper()
	f := &flaky{slow: slow, calls: map[string]int{}}
	mux := http.NewServeMux()
	mux.Handle(varcov1connect.NewCatalogServiceHandler(f))
	mux.Handle(varcov1connect.NewBookingServiceHandler(f))
	srv := httptest.NewUnstartedServer(mux)
	// Cleartext HTTP/2 too, so the gRPC client can reach it.
	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetUnencryptedHTTP2(true)
	srv.Config.Protocols = &protos
	srv.Start()
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func TestRetriesOnlySafeCalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, p := range []Protocol{Connect, GRPC} {
		t.Run(p.String(), func(t *testing.T) {
			t.Parallel()
			f, url := newFlaky(t, false)
			c, err := New(url, WithProtocol(p), WithRetries(2), withBackoff(time.Millisecond))
			require.NoError(t, err)

			// A read: retried, and the caller sees only the success.
			res, err := c.Catalog.ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
			require.NoError(t, err)
			require.Equal(t, "Comune", res.Msg.GetOrganizations()[0].GetName())
			require.Equal(t, 2, f.count(varcov1connect.CatalogServiceListOrganizationsProcedure))

			// A write without idempotency key: a repeat could hold seats
			// twice, so the failure is the caller's to handle.
			_, err = c.Booking.HoldSlots(ctx, connect.NewRequest(&varcov1.HoldSlotsRequest{ResourceId: "r"}))
			require.Equal(t, connect.CodeUnavailable, connect.CodeOf(err))
			require.Equal(t, 1, f.count(varcov1connect.BookingServiceHoldSlotsProcedure))

			// The same RPC with an idempotency key is safe to repeat...
			key := "5f0c6a57-1d7b-4d0f-8f2e-0a8d3c1e9b11"
			b, err := c.Booking.ConfirmBooking(ctx, connect.NewRequest(&varcov1.ConfirmBookingRequest{HoldId: "h1", IdempotencyKey: key}))
			require.NoError(t, err)
			require.Equal(t, "b1", b.Msg.GetBooking().GetId())
			require.Equal(t, 2, f.count(varcov1connect.BookingServiceConfirmBookingProcedure+"/"+key))
			// ...and without one it is not.
			_, err = c.Booking.ConfirmBooking(ctx, connect.NewRequest(&varcov1.ConfirmBookingRequest{HoldId: "h1"}))
			require.Equal(t, connect.CodeUnavailable, connect.CodeOf(err))
			require.Equal(t, 1, f.count(varcov1connect.BookingServiceConfirmBookingProcedure+"/"))
		})
	}
}

func TestNoRetriesByDefault(t *testing.T) {
	t.Parallel()
	f, url := newFlaky(t, false)
	c, err := New(url)
	require.NoError(t, err)
	_, err = c.Catalog.ListOrganizations(context.Background(), connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
	require.Equal(t, connect.CodeUnavailable, connect.CodeOf(err))
	require.Equal(t, 1, f.count(varcov1connect.CatalogServiceListOrganizationsProcedure))
}

// The timeout bounds each attempt, so an attempt that hangs is abandoned
// and retried within the caller's own deadline.
func TestTimeoutPerAttempt(t *testing.T) {
	t.Parallel()
	f, url := newFlaky(t, true)
	c, err := New(url, WithRetries(1), WithTimeout(50*time.Millisecond), withBackoff(time.Millisecond))
	require.NoError(t, err)
	res, err := c.Catalog.ListOrganizations(context.Background(), connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
	require.NoError(t, err)
	require.Len(t, res.Msg.GetOrganizations(), 1)
	require.Equal(t, 2, f.count(varcov1connect.CatalogServiceListOrganizationsProcedure))

	// Without retries the hanging attempt is the answer.
	f2, url2 := newFlaky(t, true)
	c2, err := New(url2, WithTimeout(50*time.Millisecond))
	require.NoError(t, err)
	_, err = c2.Catalog.ListOrganizations(context.Background(), connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
	require.Equal(t, connect.CodeDeadlineExceeded, connect.CodeOf(err))
	require.Equal(t, 1, f2.count(varcov1connect.CatalogServiceListOrganizationsProcedure))
}

// A caller that gives up stops the retries at once.
func TestRetriesStopWithTheCaller(t *testing.T) {
	t.Parallel()
	f, url := newFlaky(t, false)
	c, err := New(url, WithRetries(5), withBackoff(time.Hour))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Catalog.ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
		done <- err
	}()
	require.Eventually(t, func() bool { return f.count(varcov1connect.CatalogServiceListOrganizationsProcedure) == 1 }, 5*time.Second, time.Millisecond)
	cancel()
	// Returning at all proves the hour of backoff was abandoned. The code
	// is the last failure (Unavailable) when the cancel came during the
	// backoff, Canceled when it beat the first answer back.
	require.Contains(t, []connect.Code{connect.CodeUnavailable, connect.CodeCanceled}, connect.CodeOf(<-done))
	require.Equal(t, 1, f.count(varcov1connect.CatalogServiceListOrganizationsProcedure))
}
