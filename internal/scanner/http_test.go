package scanner

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/webapp"
)

func TestScanPage(t *testing.T) {
	t.Parallel()
	k := testKey(t, 1)
	st := newStore(t, gate.GateBoth, k)
	s := newTestScanner(st, &fakeGate{}, clock.NewFake(t0))
	var mu sync.Mutex
	var seen []Result
	page, err := s.NewPage(PageOptions{Lang: Italian, Location: time.UTC, App: webapp.Dist(), OnResult: func(r Result) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r)
	}})
	require.Error(t, err, "the app folder, not the whole dist")
	gateApp, err := fs.Sub(webapp.Dist(), "gate")
	require.NoError(t, err)
	page, err = s.NewPage(PageOptions{Lang: Italian, Location: time.UTC, App: gateApp, OnResult: func(r Result) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r)
	}})
	require.NoError(t, err)
	srv := httptest.NewServer(page)
	defer srv.Close()

	// The root leads to the gate app, marked as the gate box's own.
	res, err := http.Get(srv.URL + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "/gate/", res.Request.URL.Path)
	require.Contains(t, string(body), LocalModeMeta)
	require.Contains(t, res.Header.Get("Content-Security-Policy"), "script-src 'self' 'wasm-unsafe-eval'")

	payload, _ := sign(t, k, tourID)
	post := func(body string) ScanJSON {
		t.Helper()
		res, err := http.Post(srv.URL+"/scan", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		var out ScanJSON
		require.NoError(t, json.NewDecoder(res.Body).Decode(&out))
		return out
	}
	in, _ := json.Marshal(map[string]string{"payload": payload + "\r\n", "direction": "entry"})
	v := post(string(in))
	require.True(t, v.OK)
	require.Equal(t, "ACCEPTED", v.Verdict)
	require.Equal(t, "OK", v.Reason)
	require.Equal(t, "entry", v.Direction)
	require.Equal(t, 2, v.Seats)
	require.Equal(t, int64(90*60), v.TimeLeftSeconds)
	require.False(t, v.Online)
	require.Equal(t, "OK  ENTRATA  2 posti  tempo rimasto 1h30m  [offline]", v.Line)

	in, _ = json.Marshal(map[string]string{"payload": payload})
	v = post(string(in))
	require.False(t, v.OK)
	require.Equal(t, "ALREADY_INSIDE", v.Reason, "no direction: the default (entry)")
	require.Equal(t, "Già entrato: il titolare risulta dentro", v.Message)

	// A form post works too, and the answer follows Accept-Language.
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/scan", strings.NewReader(url.Values{"payload": {payload}, "direction": {"exit"}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	var exit ScanJSON
	require.NoError(t, json.NewDecoder(res.Body).Decode(&exit))
	res.Body.Close()
	require.True(t, exit.OK)
	require.Equal(t, "OK  EXIT  2 seats  [offline]", exit.Line)

	var status StatusJSON
	res, err = http.Get(srv.URL + "/status")
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(res.Body).Decode(&status))
	res.Body.Close()
	require.False(t, status.Online)
	require.Equal(t, 3, status.Queued)
	require.Equal(t, "both", status.Gate.Direction)
	require.Equal(t, map[string]int{tourID: 0}, status.Inside, "entered and left")

	// Another site's page cannot post scans through the operator's browser.
	req, err = http.NewRequest(http.MethodPost, srv.URL+"/scan", strings.NewReader(string(in)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://evil.example")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusForbidden, res.StatusCode)

	for _, bad := range []string{`{"payload": ""}`, `{"payload": "VT1:A", "direction": "up"}`, `not json`} {
		res, err := http.Post(srv.URL+"/scan", "application/json", strings.NewReader(bad))
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusBadRequest, res.StatusCode, bad)
	}
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 3, "every decided scan is also reported to the console")
	require.Equal(t, 3, st.QueueLen())
}

// TestScanPageGuard: without a token the API answers only requests
// addressed to loopback (DNS rebinding); with one, only who presents it.
func TestScanPageGuard(t *testing.T) {
	t.Parallel()
	k := testKey(t, 1)
	st := newStore(t, gate.GateBoth, k)
	s := newTestScanner(st, &fakeGate{}, clock.NewFake(t0))
	for _, tc := range []struct {
		name, token, host, auth string
		want                    int
	}{
		{"loopback, no token", "", "127.0.0.1:8090", "", http.StatusOK},
		{"localhost, no token", "", "localhost:8090", "", http.StatusOK},
		{"ipv6 loopback", "", "[::1]:8090", "", http.StatusOK},
		{"rebound name, no token", "", "evil.example:8090", "", http.StatusForbidden},
		{"lan address, no token", "", "192.168.1.20:8090", "", http.StatusForbidden},
		{"token given", "s3cret", "192.168.1.20:8090", "Bearer s3cret", http.StatusOK},
		{"token wrong", "s3cret", "192.168.1.20:8090", "Bearer s3cre", http.StatusUnauthorized},
		{"token missing", "s3cret", "127.0.0.1:8090", "", http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, err := s.NewPage(PageOptions{Token: tc.token})
			require.NoError(t, err)
			req := httptest.NewRequest(http.MethodGet, "/status", nil)
			req.Host = tc.host
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			page.ServeHTTP(rec, req)
			require.Equal(t, tc.want, rec.Code, rec.Body.String())
		})
	}
}

// The page's pairing code is made once and kept, private, in the store
// directory: a phone paired once stays paired across restarts.
func TestHTTPToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tok, err := HTTPToken(dir)
	require.NoError(t, err)
	require.Len(t, tok, 26, "128 bits in base32")
	again, err := HTTPToken(dir)
	require.NoError(t, err)
	require.Equal(t, tok, again)
	fi, err := os.Stat(filepath.Join(dir, HTTPTokenFile))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	other, err := HTTPToken(t.TempDir())
	require.NoError(t, err)
	require.NotEqual(t, tok, other)
}
