package versioned

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMap(t *testing.T) {
	t.Parallel()
	var m Map[string, int]
	_, ok := m.Get(0, "a")
	require.False(t, ok, "empty")
	m.Put(1, "a", 10)
	x, ok := m.Get(1, "a")
	require.True(t, ok)
	require.Equal(t, 10, x)
	_, ok = m.Get(2, "a")
	require.False(t, ok, "the store moved on")
	m.Put(0, "b", 20)
	_, ok = m.Get(1, "b")
	require.False(t, ok, "a value read before the map's version is dropped")
	m.Put(2, "b", 30)
	_, ok = m.Get(2, "a")
	require.False(t, ok, "a newer version empties the map")
	x, _ = m.Get(2, "b")
	require.Equal(t, 30, x)

	bounded := Map[int, int]{Limit: 2}
	bounded.Put(1, 1, 1)
	bounded.Put(1, 2, 2)
	bounded.Put(1, 3, 3)
	_, ok = bounded.Get(1, 1)
	require.False(t, ok, "past the limit it starts over")
	_, ok = bounded.Get(1, 3)
	require.True(t, ok)
}
