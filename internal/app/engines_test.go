package app_test

import (
	"testing"

	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
)

// engine is a database the end-to-end tests can run the server on.
type engine struct {
	name string
	// db returns the setup mutation that points the server at a fresh
	// database of this engine.
	db func(t testing.TB) func(*config.Config)
}

// engines are SQLite (a file in the test's folder) and PostgreSQL (a
// database of its own in pgtest's throwaway cluster; the test skips when
// PostgreSQL is not installed, unless CI is set).
var engines = []engine{
	{"sqlite", func(t testing.TB) func(*config.Config) {
		path := t.TempDir() + "/varco.db"
		return func(c *config.Config) { c.DB = path }
	}},
	{"postgres", onPostgres},
}

// onPostgres points the server at a new PostgreSQL database.
func onPostgres(t testing.TB) func(*config.Config) {
	url := pgtest.URL(t)
	return func(c *config.Config) { c.DB = url }
}

// forEngines runs test once per engine, in parallel subtests; test calls
// setup (or a variant) with the mutation it is given.
func forEngines(t *testing.T, test func(t *testing.T, onEngine func(*config.Config))) {
	t.Helper()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			test(t, e.db(t))
		})
	}
}
