package sqlite

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRebind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT ? , ?`, `SELECT $1 , $2`},
		{`UPDATE t SET a = a + ?1 WHERE id = ?2 AND a + ?1 <= cap`, `UPDATE t SET a = a + $1 WHERE id = $2 AND a + $1 <= cap`},
		{`SELECT '?', ? FROM t WHERE s = 'it''s ?' AND x = ?`, `SELECT '?', $1 FROM t WHERE s = 'it''s ?' AND x = $2`},
		{`SELECT "odd?name" FROM t WHERE a = ?`, `SELECT "odd?name" FROM t WHERE a = $1`},
		{"SELECT ? -- why? because\nFROM t WHERE a = ?", "SELECT $1 -- why? because\nFROM t WHERE a = $2"},
		{`SELECT /* a ? here */ ? FROM t`, `SELECT /* a ? here */ $1 FROM t`},
		{`SELECT 'unterminated ?`, `SELECT 'unterminated ?`},
	} {
		require.Equal(t, tc.want, rebind(tc.in), tc.in)
	}
	var r rebinder
	q := `SELECT ?`
	require.Equal(t, `SELECT $1`, r.rebind(q))
	require.Equal(t, `SELECT $1`, r.rebind(q), "from the cache")
	require.Equal(t, int64(1), r.n.Load())
}
