package api

import (
	"context"
	"errors"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/internal/i18n"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// endlessStreams never end by themselves: a graceful shutdown would wait
// its whole timeout for them. Exports are streams too, but finite, and
// are left to finish within the grace period.
var endlessStreams = map[string]bool{
	varcov1connect.GateServiceSyncProcedure:                          true,
	varcov1connect.GateServiceWatchOccupancyProcedure:                true,
	"/grpc.health.v1.Health/Watch":                                   true,
	"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      true,
	"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": true,
}

// errShuttingDown is the cause given to an endless stream's context when
// the server starts shutting down.
var errShuttingDown = errors.New("server shutting down")

// drain ends the endless streams when closing is closed (shutdown has
// begun) with Unavailable, the status clients retry: a scanner reconnects
// to another replica, or to this one once it is back, instead of holding
// the shutdown for its whole timeout and then seeing the connection cut.
type drain struct{ closing <-chan struct{} }

func (d drain) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc { return next }

func (d drain) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (d drain) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if d.closing == nil || !endlessStreams[conn.Spec().Procedure] {
			return next(ctx, conn)
		}
		ctx, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		go func() {
			select {
			case <-d.closing:
				cancel(errShuttingDown)
			case <-ctx.Done():
			}
		}()
		err := next(ctx, conn)
		if errors.Is(context.Cause(ctx), errShuttingDown) {
			msg := shuttingDownMessage(Language(conn.RequestHeader()))
			return withDetail(connect.CodeUnavailable, msg, &varcov1.ErrorReason{Code: "shutting_down", Description: msg})
		}
		return err
	}
}

func shuttingDownMessage(lang string) string { return i18n.T(lang, "server.shutting_down") }
