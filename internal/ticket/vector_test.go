package ticket

import (
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// docPath is the format specification that carries the test vector.
const docPath = "../../docs/ticket-format.md"

// vector is the test vector of docs/ticket-format.md. Every line is a
// string the doc must contain verbatim.
type vector struct {
	lines   []string
	payload string
}

// testVector builds the vector from a fixed seed; Ed25519 signatures are
// deterministic, so it is the same on every run and every machine.
func testVector(t *testing.T) vector {
	t.Helper()
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(i)
	}
	k, err := KeyFromSeed(seed, time.Time{})
	require.NoError(t, err)
	c := Claims{
		TicketID:   "0f8fad5b-d9cb-469f-a165-70867728950e",
		ResourceID: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
		ValidFrom:  time.Date(2026, 9, 12, 8, 0, 0, 0, time.UTC),
		ValidUntil: time.Date(2026, 9, 12, 20, 0, 0, 0, time.UTC),
		MaxStay:    2 * time.Hour,
		Seats:      2,
	}
	payload, err := c.Encode(k)
	require.NoError(t, err)
	raw, sig := splitPayload(t, payload)
	return vector{
		payload: payload,
		lines: []string{
			"private key seed (hex): " + hex.EncodeToString(seed),
			"public key (hex):       " + hex.EncodeToString(k.Public),
			"key id:                 " + k.ID,
			"key_id:           \"" + k.ID + "\"",
			"ticket_id:        " + hex.EncodeToString(mustUUIDBytes(t, c.TicketID)) + " (" + c.TicketID + ")",
			"resource_id:      " + hex.EncodeToString(mustUUIDBytes(t, c.ResourceID)) + " (" + c.ResourceID + ")",
			fmt.Sprintf("valid_from:       %d (%s)", c.ValidFrom.Unix(), c.ValidFrom.Format(time.RFC3339)),
			fmt.Sprintf("valid_until:      %d (%s)", c.ValidUntil.Unix(), c.ValidUntil.Format(time.RFC3339)),
			fmt.Sprintf("max_stay_seconds: %d (%s)", int64(c.MaxStay/time.Second), c.MaxStay),
			fmt.Sprintf("seats:            %d", c.Seats),
			fmt.Sprintf("claims protobuf (%d bytes, hex): %s", len(raw), hex.EncodeToString(raw)),
			fmt.Sprintf("signature (64 bytes, hex): %s", hex.EncodeToString(sig)),
			fmt.Sprintf("payload (%d characters):", len(payload)),
		},
	}
}

func mustUUIDBytes(t *testing.T, s string) []byte {
	t.Helper()
	id, err := parseID("id", s)
	require.NoError(t, err)
	return id[:]
}

// TestVectorInDocs keeps docs/ticket-format.md from drifting: it rebuilds
// the vector and requires every value verbatim in the doc. When the format
// changes on purpose, paste the block printed on failure into the doc.
func TestVectorInDocs(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(docPath)
	require.NoError(t, err)
	v := testVector(t)
	block := "```\n" + strings.Join(v.lines, "\n") + "\n```\n\n```\n" + v.payload + "\n```"
	for _, line := range v.lines {
		require.Contains(t, string(doc), line+"\n", "docs/ticket-format.md is out of date; the vector is:\n%s", block)
	}
	// The payload stands alone on its line in a code block: it contains
	// spaces, which are part of it.
	require.Contains(t, string(doc), "\n"+v.payload+"\n", "docs/ticket-format.md is out of date; the vector is:\n%s", block)

	// And the vector verifies with nothing but the published public key.
	raw, err := hex.DecodeString(strings.TrimSpace(strings.TrimPrefix(v.lines[1], "public key (hex):")))
	require.NoError(t, err)
	k := Key{ID: DeriveKeyID(raw), Public: raw}
	_, err = Verify(v.payload, ring(t, k), time.Date(2026, 9, 12, 9, 0, 0, 0, time.UTC))
	require.NoError(t, err)
}
