package scanner

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/varco-gate/varco/internal/gate"
)

// MaxLine bounds one input line. A QR payload is at most 512 characters;
// anything much longer is noise on a serial line, and is cut into pieces
// (each refused as malformed) rather than buffered without limit.
const MaxLine = 4096

// ParseDirection reads "entry"/"exit" (or the Italian "entrata"/"uscita",
// or E/U); empty is 0, meaning "not given".
func ParseDirection(s string) (gate.Direction, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return 0, nil
	case "entry", "entrata", "ingresso", "e", "in":
		return gate.Entry, nil
	case "exit", "uscita", "u", "out":
		return gate.Exit, nil
	}
	return 0, fmt.Errorf("direction %q: want entry or exit", s)
}

// DefaultDirection is the direction of a scan that does not say: the one
// given on the command line, else the only one the gate scans, else entry
// (a gate that scans both ways and gets no prefix is most often an
// entrance with an occasional exit, and an exit scanned as an entry is
// refused as ALREADY_INSIDE, never let through by mistake).
func DefaultDirection(g gate.GateDirection, flag gate.Direction) gate.Direction {
	switch {
	case flag != 0:
		return flag
	case g == gate.GateExit:
		return gate.Exit
	}
	return gate.Entry
}

// ParseLine turns one line from a handheld scanner into a payload and a
// direction. Spaces, CR and LF around it are dropped (keyboard-wedge
// scanners add them); a leading "E:" (entrata) or "U:" (uscita), which
// scanners at two-way gates can be programmed to add, picks the
// direction, otherwise def applies. A VT1 payload starts with "VT1:", so
// the prefixes cannot be mistaken for part of a ticket.
func ParseLine(line string, def gate.Direction) (payload string, dir gate.Direction) {
	line = strings.TrimSpace(line)
	if len(line) >= 2 && line[1] == ':' {
		switch line[0] {
		case 'E', 'e':
			return strings.TrimSpace(line[2:]), gate.Entry
		case 'U', 'u':
			return strings.TrimSpace(line[2:]), gate.Exit
		}
	}
	return line, def
}

// splitLines is a bufio.SplitFunc for scanner input: lines end at CR, LF
// or CRLF (handhelds are configured with any of them), empty lines are
// skipped, and a line longer than MaxLine is cut.
func splitLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	start := 0
	for start < len(data) && (data[start] == '\r' || data[start] == '\n') {
		start++
	}
	if i := bytes.IndexAny(data[start:], "\r\n"); i >= 0 {
		return start + i + 1, data[start : start+i], nil
	}
	if len(data)-start >= MaxLine || (atEOF && len(data) > start) {
		end := min(len(data), start+MaxLine)
		return end, data[start:end], nil
	}
	return start, nil, nil
}

// ReadLines calls fn for every non-empty line of r until r ends, ctx ends
// or fn returns an error. It returns nil at the end of the input.
func ReadLines(ctx context.Context, r io.Reader, fn func(line string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), MaxLine+2)
	sc.Split(splitLines)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if line := strings.TrimSpace(sc.Text()); line != "" {
			if err := fn(line); err != nil {
				return err
			}
		}
	}
	return sc.Err()
}
