package sqlite

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/jackc/pgx/v5/stdlib"
)

// pgConnector wraps pgx's database/sql connector so that the store's
// statements, written with SQLite placeholders, run unchanged on
// PostgreSQL: every statement text is rebound ('?' → $n) before pgx sees
// it, and arguments are converted the way go-sqlite3 converts them.
type pgConnector struct {
	inner driver.Connector
	binds *rebinder
}

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(*stdlib.Conn)
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("postgres: unexpected driver connection %T", conn)
	}
	return &pgConn{Conn: sc, binds: c.binds}, nil
}

func (c pgConnector) Driver() driver.Driver { return c.inner.Driver() }

// pgConn is a pgx connection that rebinds statement texts. Transactions,
// pings and session resets are pgx's own (embedded).
type pgConn struct {
	*stdlib.Conn
	binds *rebinder
}

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(c.binds.rebind(query))
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, c.binds.rebind(query))
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, c.binds.rebind(query), args)
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, c.binds.rebind(query), args)
}

// CheckNamedValue converts arguments as database/sql does by default
// (named types to their base kind, driver.Valuer called), then stores
// booleans as 0 and 1: the schema keeps SQLite's INTEGER flags on both
// engines, and PostgreSQL does not cast a boolean parameter to an integer.
func (c *pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	v, err := driver.DefaultParameterConverter.ConvertValue(nv.Value)
	if err != nil {
		return err
	}
	if b, ok := v.(bool); ok {
		if b {
			v = int64(1)
		} else {
			v = int64(0)
		}
	}
	nv.Value = v
	return nil
}
