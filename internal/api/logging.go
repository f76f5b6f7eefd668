package api

import (
	"context"
	"log/slog"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/internal/clock"
)

// logging records every RPC at debug level, and failures that are the
// server's fault at error level. Request bodies and headers are never
// logged: they carry personal data and bearer tokens.
type logging struct {
	log *slog.Logger
	clk clock.Clock
}

// NewLogging returns the logging interceptor.
func NewLogging(log *slog.Logger, clk clock.Clock) connect.Interceptor { return logging{log, clk} }

func (l logging) record(ctx context.Context, procedure, protocol string, start int64, err error) {
	elapsed := l.clk.Now().UnixMicro() - start
	code := "ok"
	level := slog.LevelDebug
	if err != nil {
		c := connect.CodeOf(err)
		code = c.String()
		if c == connect.CodeInternal || c == connect.CodeUnknown || c == connect.CodeDataLoss {
			level = slog.LevelError
		}
	}
	l.log.LogAttrs(ctx, level, "rpc", slog.String("procedure", procedure), slog.String("protocol", protocol),
		slog.String("code", code), slog.Int64("micros", elapsed))
}

func (l logging) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		start := l.clk.Now().UnixMicro()
		res, err := next(ctx, req)
		l.record(ctx, req.Spec().Procedure, req.Peer().Protocol, start, err)
		return res, err
	}
}

func (l logging) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (l logging) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		start := l.clk.Now().UnixMicro()
		err := next(ctx, conn)
		l.record(ctx, conn.Spec().Procedure, conn.Peer().Protocol, start, err)
		return err
	}
}
