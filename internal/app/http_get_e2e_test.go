package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/api"
	"github.com/varco-gate/varco/internal/demo"
)

// connectGET calls a procedure with Connect's GET form (the message in the
// query string) and returns the status, headers and body.
func connectGET(t *testing.T, b *bundle, procedure, message string, header http.Header) (int, http.Header, string) {
	t.Helper()
	q := url.Values{"connect": {"v1"}, "encoding": {"json"}, "message": {message}}
	req, err := http.NewRequest(http.MethodGet, b.baseURL+procedure+"?"+q.Encode(), nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, res.Header, string(body)
}

// The reads declared NO_SIDE_EFFECTS answer a plain HTTP GET; the public
// catalog and grid may be cached for a short while, everything with
// credentials or personal data never, and writes refuse GET.
func TestConnectGETAndCaching(t *testing.T) {
	t.Parallel()
	b := setup(t)
	citizens := registerCitizens(t, b, "GTC", 1)
	bearer := http.Header{"Authorization": {"Bearer " + citizens[0].token}}

	// The catalog: public, cacheable for a minute, per language.
	status, h, body := connectGET(t, b, "/varco.v1.CatalogService/ListOrganizations", `{}`, http.Header{"Accept-Language": {"en"}})
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "public, max-age=60", h.Get("Cache-Control"))
	require.Contains(t, h.Values("Vary"), "Accept-Language")
	var orgs struct {
		Organizations []struct{ ID string } `json:"organizations"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &orgs))
	require.NotEmpty(t, orgs.Organizations)

	// The grid: ten seconds in shared caches, none in the browser (seats
	// change with every booking, the citizen's own included).
	status, h, body = connectGET(t, b, "/varco.v1.CatalogService/GetAvailability",
		`{"resourceId":"`+demo.CIEID+`","fromDate":"2026-12-07","toDate":"2026-12-08"}`, nil)
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "public, max-age=0, s-maxage=10", h.Get("Cache-Control"))

	// The same public read with credentials is the caller's own.
	status, h, _ = connectGET(t, b, "/varco.v1.CatalogService/ListOrganizations", `{}`, bearer)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "private, no-store", h.Get("Cache-Control"))

	// A read of personal data over GET, with a bearer token: answered,
	// never stored.
	status, h, body = connectGET(t, b, "/varco.v1.BookingService/ListMyBookings", `{}`, bearer)
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "private, no-store", h.Get("Cache-Control"))

	// The session cookie does not count on a GET (a cross-site page could
	// send one without a preflight): Unauthenticated, not stored.
	cookie := http.Header{"Cookie": {api.SessionCookieName + "=" + citizens[0].token}}
	status, h, body = connectGET(t, b, "/varco.v1.BookingService/ListMyBookings", `{}`, cookie)
	require.Equal(t, http.StatusUnauthorized, status, body)
	require.Equal(t, "no-store", h.Get("Cache-Control"))

	// An error of a public read is not stored either.
	status, h, _ = connectGET(t, b, "/varco.v1.CatalogService/GetResource", `{"resourceId":"nope"}`, nil)
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, "no-store", h.Get("Cache-Control"))

	// A write is POST only.
	status, _, _ = connectGET(t, b, "/varco.v1.BookingService/HoldSlots", `{}`, bearer)
	require.Equal(t, http.StatusMethodNotAllowed, status)
}
