package schedule

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every clock formats as HH:MM, as fmt would.
func TestClockString(t *testing.T) {
	t.Parallel()
	for c := Clock(-1); c <= 24*60+1; c++ {
		require.Equal(t, fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60), c.String())
	}
}
