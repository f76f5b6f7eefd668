package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCORSPreflightHeaderLists(t *testing.T) {
	t.Parallel()
	h := withCORS(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}), []string{"https://prenota.example"})
	for _, tc := range []struct {
		name    string
		headers []string // values of Access-Control-Request-Headers
		allowed bool
	}{
		{"browser form", []string{"authorization,connect-protocol-version,content-type"}, true},
		{"capitalised", []string{"Authorization,Connect-Protocol-Version,Content-Type"}, true},
		{"unsorted", []string{"content-type,authorization,connect-protocol-version"}, true},
		{"spaced", []string{"authorization, connect-protocol-version , content-type"}, true},
		{"all at once", []string{"Content-Type, Accept-Language,  Authorization,X-Grpc-Web"}, true},
		{"repeated", []string{"content-type,Content-Type,authorization"}, true},
		{"split over two header lines", []string{"Content-Type", "Authorization"}, true},
		{"empty elements", []string{"content-type,,authorization,"}, true},
		{"not allowed", []string{"Content-Type,X-Secret"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodOptions, "/varco.v1.CatalogService/ListOrganizations", nil)
			req.Header.Set("Origin", "https://prenota.example")
			req.Header.Set("Access-Control-Request-Method", http.MethodPost)
			for _, v := range tc.headers {
				req.Header.Add("Access-Control-Request-Headers", v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if !tc.allowed {
				require.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"))
				return
			}
			require.Equal(t, "https://prenota.example", rec.Header().Get("Access-Control-Allow-Origin"))
			allow := strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers"))
			require.Contains(t, allow, "authorization")
			require.Contains(t, allow, "content-type")
		})
	}
}
