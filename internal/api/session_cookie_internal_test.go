package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCookieCredential: the cookie counts only on requests a page of
// another site cannot send without a CORS preflight. connect-go refuses
// most forgeable ones itself (415, 405); this check must not rely on it.
func TestCookieCredential(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, contentType, cookie string
		want                        string
	}{
		{"POST", "application/json", "varco_session=tok", "tok"},
		{"POST", "application/json; charset=utf-8", "a=b; varco_session=tok", "tok"},
		{"POST", "application/proto", "varco_session=tok", "tok"},
		{"POST", "application/connect+json", "varco_session=tok", "tok"},
		{"POST", "application/grpc-web+proto", "varco_session=tok", "tok"},
		{"POST", "application/grpc-web", "varco_session=tok", "tok"},
		{"POST", "text/plain", "varco_session=tok", ""},
		{"POST", "text/plain;charset=UTF-8", "varco_session=tok", ""},
		{"POST", "application/x-www-form-urlencoded", "varco_session=tok", ""},
		{"POST", "multipart/form-data; boundary=x", "varco_session=tok", ""},
		{"POST", "", "varco_session=tok", ""},
		{"POST", "application/grpc", "varco_session=tok", ""},
		{"GET", "application/json", "varco_session=tok", ""},
		{"GET", "", "varco_session=tok", ""},
		{"POST", "application/json", "other=tok", ""},
		{"POST", "application/json", "", ""},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.contentType != "" {
			h.Set("Content-Type", tt.contentType)
		}
		if tt.cookie != "" {
			h.Set("Cookie", tt.cookie)
		}
		require.Equal(t, tt.want, cookieCredential(tt.method, h), "%s %q %q", tt.method, tt.contentType, tt.cookie)
		require.Equal(t, tt.want, credential(tt.method, h))
		h.Set("Authorization", "Bearer header")
		require.Equal(t, "header", credential(tt.method, h), "the bearer header wins")
	}
}
