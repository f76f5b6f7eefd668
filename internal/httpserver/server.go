// Package httpserver runs the single listener that serves Connect, gRPC,
// gRPC-Web and plain HTTP: cleartext HTTP/2 through http.Server.Protocols
// (no x/net h2c), timeouts that spare long-lived streams, and a graceful
// shutdown.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Options are the server's limits.
type Options struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
	// IsStreaming reports whether a request path is a streaming RPC, which
	// must not be cut by ReadTimeout/WriteTimeout.
	IsStreaming func(path string) bool
	Logger      *slog.Logger
}

// MaxHeaderBytes bounds request headers; bearer tokens and gRPC metadata are
// far smaller.
const MaxHeaderBytes = 64 << 10

// New builds an http.Server for h. The server-wide WriteTimeout stays zero:
// per-request deadlines are set by the handler wrapper instead, so that
// streams can opt out.
func New(h http.Handler, o Options) *http.Server {
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true) // gRPC clients speak h2c with prior knowledge.
	return &http.Server{
		Handler:           deadlines(h, o),
		Protocols:         &protocols,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn),
	}
}

// deadlines gives unary requests a read and write deadline and a context
// deadline (so database work stops when the client can no longer be
// answered), and clears any deadline for streams.
func deadlines(h http.Handler, o Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if o.IsStreaming != nil && o.IsStreaming(r.URL.Path) {
			// Errors mean "not supported by this connection": nothing to clear.
			_ = rc.SetReadDeadline(time.Time{})
			_ = rc.SetWriteDeadline(time.Time{})
			h.ServeHTTP(w, r)
			return
		}
		now := time.Now()
		_ = rc.SetReadDeadline(now.Add(o.ReadTimeout))
		_ = rc.SetWriteDeadline(now.Add(o.WriteTimeout))
		ctx, cancel := context.WithTimeout(r.Context(), o.WriteTimeout)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Serve runs srv on ln until ctx is cancelled, then shuts down gracefully:
// it stops accepting, lets requests in flight finish for up to
// ShutdownTimeout, and then closes what is left (streams included).
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, o Options) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	o.Logger.Info("shutting down", slog.Duration("grace", o.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		o.Logger.Warn("grace period over, closing remaining connections")
		err = srv.Close()
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", serr)
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
