//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package scanner

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// A second process on the same store directory is refused while the first
// runs (the lock is per open file description, so a second Open in this
// process stands in for it), and the lock goes with Close or a failed Open.
func TestOneProcessPerStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, err := Open(dir)
	require.NoError(t, err)
	_, err = Open(dir)
	require.ErrorContains(t, err, "in use by another scanner process")
	require.NoError(t, first.Close())

	second, err := Open(dir)
	require.NoError(t, err, "free again after Close")
	require.NoError(t, second.Close())

	// A store of a newer layout is refused, not repaired.
	editDB(t, dir, func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put([]byte(metaVersion), []byte("99")) })
	_, err = Open(dir)
	require.ErrorContains(t, err, "layout 99")
	require.NoError(t, os.Remove(filepath.Join(dir, DBFile)))
	third, err := Open(dir)
	require.NoError(t, err, "a failed Open does not keep the lock")
	require.NoError(t, third.Close())
}
