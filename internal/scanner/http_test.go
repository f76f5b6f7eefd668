package scanner

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/gate"
)

func TestScanPage(t *testing.T) {
	t.Parallel()
	k := testKey(t, 1)
	st := newStore(t, gate.GateBoth, k)
	s := newTestScanner(st, &fakeGate{}, clock.NewFake(t0))
	var mu sync.Mutex
	var seen []Result
	srv := httptest.NewServer(s.Handler(PageOptions{Lang: Italian, Location: time.UTC, OnResult: func(r Result) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r)
	}}))
	defer srv.Close()

	res, err := http.Get(srv.URL + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Header.Get("Content-Type"), "text/html")
	page := string(body)
	require.Contains(t, page, `lang="it"`)
	require.Contains(t, page, "Ingresso")
	require.Contains(t, page, `value="entry">Entrata`)
	require.Contains(t, page, `value="exit">Uscita`)

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

	// A browser without JavaScript posts the form and gets the page back.
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/scan", strings.NewReader(url.Values{"payload": {payload}, "direction": {"exit"}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	require.Contains(t, string(body), `class="ok"`)
	require.Contains(t, string(body), "OK  USCITA  2 posti")

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
