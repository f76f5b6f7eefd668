package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/varco-gate/varco/internal/outbox"
)

// Cross-replica outbox wake-ups.
//
// A booking or scan transaction that enqueues messages sets this process's
// outbox.Alarm after its commit, so the dispatcher sends them on time. On
// PostgreSQL the other replicas learn of them too: the transaction also
// runs pg_notify (delivered at commit, never for a rollback), and each
// replica with an alarm LISTENs on one dedicated connection and sets its
// own alarm. Without it another replica's dispatcher would see the message
// only at its next poll. A lost connection is reopened; what was notified
// meanwhile is found by the polls.

// outboxChannel is the LISTEN/NOTIFY channel; a payload is
// "<instance>:<due ms>".
const outboxChannel = "varco_outbox"

// announceDue notifies the other replicas, inside tx, of the earliest due
// time of the messages tx enqueued. Nothing on SQLite, or when there are
// none.
func (db *DB) announceDue(ctx context.Context, tx *sql.Tx, due time.Time) error {
	if db.dialect != postgresDialect || due.IsZero() {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify(?, ?)`, outboxChannel, db.instance+":"+strconv.FormatInt(ms(due), 10)); err != nil {
		return fmt.Errorf("notify outbox: %w", err)
	}
	return nil
}

// outboxListener sets alarm from the other replicas' notifications.
type outboxListener struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// listenOutbox starts the listener and returns once it is listening, so a
// message committed by another replica after Open returns always wakes
// this one.
func listenOutbox(ctx context.Context, url, instance string, alarm *outbox.Alarm, log *slog.Logger) (*outboxListener, error) {
	conn, err := listenConn(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("postgres: listen %s: %w", outboxChannel, err)
	}
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l := &outboxListener{cancel: cancel}
	l.wg.Go(func() {
		for conn != nil {
			err := receive(lctx, conn, instance, alarm)
			_ = conn.Close(context.WithoutCancel(lctx))
			if lctx.Err() != nil {
				return
			}
			log.Warn("outbox notifications lost; reconnecting", slog.Any("err", err))
			conn = relisten(lctx, url)
		}
	})
	return l, nil
}

// relisten retries listenConn every second until it succeeds or ctx ends
// (then nil).
func relisten(ctx context.Context, url string) *pgx.Conn {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
		if conn, err := listenConn(ctx, url); err == nil {
			return conn
		}
	}
}

func listenConn(ctx context.Context, url string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, `LISTEN `+outboxChannel); err != nil {
		_ = conn.Close(ctx)
		return nil, err
	}
	return conn, nil
}

// receive sets alarm for each notification of another instance until the
// connection fails or ctx ends.
func receive(ctx context.Context, conn *pgx.Conn, instance string, alarm *outbox.Alarm) error {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		from, due, ok := strings.Cut(n.Payload, ":")
		if !ok || from == instance {
			continue // this process's own commits set the alarm already
		}
		if v, err := strconv.ParseInt(due, 10, 64); err == nil {
			alarm.Set(fromMS(v))
		}
	}
}

func (l *outboxListener) close() {
	if l == nil {
		return
	}
	l.cancel()
	l.wg.Wait()
}

// newInstanceID names this process's DB in notifications.
func newInstanceID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
