package app_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/clock"
)

// offlineAnswer is an answer of the shared table of offline cases
// (internal/scanner/testdata/offline_cases.json, whose TestOfflineCases
// holds the Go scanner to it); zero and missing fields read the same.
type offlineAnswer struct {
	Verdict     int    `json:"verdict"`
	Reason      string `json:"reason"`
	TicketID    string `json:"ticket_id"`
	Seats       int    `json:"seats"`
	EnteredAtMs int64  `json:"entered_at_ms"`
	ExpiresAtMs int64  `json:"expires_at_ms"`
	TimeLeftMs  int64  `json:"time_left_ms"`
	Next        *struct {
		ResourceID  string `json:"resource_id"`
		State       int    `json:"state"`
		EnteredAtMs int64  `json:"entered_at_ms"`
		ExpiresAtMs int64  `json:"expires_at_ms"`
		ExitedAtMs  int64  `json:"exited_at_ms"`
	} `json:"next"`
}

// The gate web app decides offline exactly as the Go scanner does: every
// case of the one shared table (signature, keys, revocations, presences,
// gate rules, malformed payloads) gets the recorded answer from the app's
// own bundled decider, in real Chromium with its WebCrypto Ed25519.
func TestGateAppOfflineCases(t *testing.T) {
	t.Parallel()
	b := setupWith(t, clock.NewFake(time.Now()))
	file, err := os.ReadFile("../scanner/testdata/offline_cases.json")
	require.NoError(t, err)
	var cases []struct {
		Name string        `json:"name"`
		Want offlineAnswer `json:"want"`
	}
	require.NoError(t, json.Unmarshal(file, &cases))

	tab := browsertest.New(t).NewTab(t)
	u := &citizenUI{t: t, b: b, ctx: tab}
	u.run(chromedp.Navigate(b.baseURL + "/gate/?selftest"))
	u.waitFor(`typeof window.varcoGateSelftest === "function"`)
	out, err := chromedp.Run(tab, chromedp.Evaluate[string](`varcoGateSelftest(`+string(file)+`).then(JSON.stringify)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	var got []offlineAnswer
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Len(t, got, len(cases))
	for i, c := range cases {
		require.Equal(t, c.Want, got[i], "case %q", c.Name)
	}
	browsertest.RequireNoConsoleErrors(t, tab)
}
