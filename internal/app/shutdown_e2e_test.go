package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// A shutdown with scanners connected ends their streams at once with
// Unavailable (which they retry) instead of waiting the whole shutdown
// timeout for streams that never end by themselves.
func TestShutdownEndsStreams(t *testing.T) {
	t.Parallel()
	const shutdownTimeout = time.Minute
	b := setup(t, func(c *config.Config) { c.ShutdownTimeout = shutdownTimeout })
	_, organizer := bootstrapOrganizer(t, b)
	device := enrollGate(t, b, organizer, "Ingresso", varcov1.GateDirection_GATE_DIRECTION_BOTH)
	// Far less than the shutdown timeout: a stream still open by then was
	// not ended by the shutdown.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	syncConnect, err := varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL).Sync(ctx, authBearer(&varcov1.SyncRequest{}, device))
	require.NoError(t, err)
	syncGRPC, err := varcov1connect.NewGateServiceClient(h2cClient(), b.baseURL, connect.WithGRPC()).Sync(ctx, authBearer(&varcov1.SyncRequest{}, device))
	require.NoError(t, err)
	occ, err := varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL, connect.WithGRPCWeb()).WatchOccupancy(ctx,
		authBearer(&varcov1.WatchOccupancyRequest{ResourceIds: []string{demo.TourID}}, organizer))
	require.NoError(t, err)
	conn, err := grpc.NewClient(b.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	health, err := healthpb.NewHealthClient(conn).Watch(ctx, &healthpb.HealthCheckRequest{})
	require.NoError(t, err)
	// Every stream is established: it has delivered its first message.
	require.True(t, syncConnect.Receive(), "%v", syncConnect.Err())
	require.True(t, syncGRPC.Receive(), "%v", syncGRPC.Err())
	require.True(t, occ.Receive(), "%v", occ.Err())
	_, err = health.Recv()
	require.NoError(t, err)

	started := time.Now()
	stopped := make(chan error, 1)
	go func() { stopped <- b.stop() }()

	for name, s := range map[string]interface {
		Receive() bool
		Err() error
	}{"connect sync": syncConnect, "grpc sync": syncGRPC, "grpc-web occupancy": occ} {
		for s.Receive() { // heartbeats may still arrive
		}
		require.Equal(t, connect.CodeUnavailable, connect.CodeOf(s.Err()), "%s: %v", name, s.Err())
	}
	for {
		// NOT_SERVING may come first; then the stream ends.
		if _, err = health.Recv(); err != nil {
			break
		}
	}
	require.Equal(t, codes.Unavailable, status.Code(err), "health watch: %v", err)
	select {
	case err := <-stopped:
		require.NoError(t, err)
	case <-ctx.Done():
		t.Fatal("the server is still shutting down")
	}
	t.Logf("shutdown took %v (timeout %v)", time.Since(started), shutdownTimeout)
}
