package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// defaultMemoryLimit is the scanner's default soft memory limit (issue 19:
// 50,000 synced tickets in under 50 MB). Without a limit Go's collector
// lets the heap grow to twice the live data before collecting; with it,
// the program's own memory stays near 20 MiB through a 50,000-ticket
// snapshot (peak RSS 47 MiB with the binary and the store's mapping,
// against 58 MiB without; 32 MiB gave 52). The live heap of such a store
// is about 5 MiB of tickets plus the pages of one write transaction, so
// the collector runs only somewhat more often; near the limit Go caps its
// work at about half the CPU, so a much bigger store is slower, never
// stuck, and --memory-limit raises it.
const defaultMemoryLimit = 24 << 20

// memoryLimit is the value of --memory-limit: bytes, 0 for none. It reads
// the syntax of GOMEMLIMIT (a number with an optional B, KiB, MiB, GiB or
// TiB suffix) or "off".
type memoryLimit int64

var memoryUnits = []struct {
	suffix string
	shift  uint
}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}

// Set parses a limit.
func (m *memoryLimit) Set(s string) error {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		*m = 0
		return nil
	}
	num, shift := s, uint(0)
	for _, u := range memoryUnits {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			num, shift = rest, u.shift
			break
		}
	}
	n, err := strconv.ParseUint(num, 10, 63)
	if err != nil || n == 0 || n > math.MaxInt64>>shift {
		return fmt.Errorf("%q is not a memory size such as 40MiB, or off", s)
	}
	*m = memoryLimit(n << shift)
	return nil
}

// String formats the limit as Set reads it.
func (m memoryLimit) String() string {
	if m == 0 {
		return "off"
	}
	for _, u := range memoryUnits {
		if int64(m)%(1<<u.shift) == 0 {
			return strconv.FormatInt(int64(m)>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(m), 10) + "B"
}

// applyMemoryLimit gives the runtime the limit of --memory-limit (or
// VARCO_SCANNER_MEMORY_LIMIT), through set (debug.SetMemoryLimit). A
// GOMEMLIMIT in the environment wins over the default, so a unit file
// that already sets it keeps its value. It returns the limit in force,
// for the log, and where it came from.
func applyMemoryLimit(limit memoryLimit, given bool, getenv func(string) string, set func(int64) int64) (int64, string) {
	if !given && getenv("GOMEMLIMIT") != "" {
		return set(-1), "GOMEMLIMIT"
	}
	bytes := int64(limit)
	if bytes == 0 {
		bytes = math.MaxInt64 // the runtime's "no limit"
	}
	set(bytes)
	if given {
		return bytes, "--memory-limit"
	}
	return bytes, "default"
}
