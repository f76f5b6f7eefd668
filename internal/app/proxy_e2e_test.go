package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/config"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// Behind a trusted reverse proxy, login throttling keys by the address the
// proxy reports: one client's wrong passwords lock out that client, not
// everyone else behind the same proxy. Without the setting, the header is
// not believed.
func TestLoginThrottlingBehindTrustedProxy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		trusted        []string
		otherLockedOut bool
	}{
		{"trusted proxy: clients apart", []string{"127.0.0.1"}, false},
		{"no trusted proxy: header ignored", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *config.Config) { c.TrustedProxies = tc.trusted })
			auth := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL)
			login := func(from string, i int) error {
				req := connect.NewRequest(&varcov1.LoginRequest{Login: fmt.Sprintf("nobody%d@example.it", i), Password: "wrong password 123"})
				req.Header().Set("X-Forwarded-For", from)
				_, err := auth.Login(context.Background(), req)
				return err
			}
			// Different unknown logins each time: only the address key counts.
			var err error
			for i := range 6 {
				if err = login("198.51.100.1", i); connect.CodeOf(err) == connect.CodeResourceExhausted {
					break
				}
				require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "attempt %d", i)
			}
			require.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err), "the guessing client is locked out")

			err = login("198.51.100.2", 100)
			if tc.otherLockedOut {
				require.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err), "everyone shares the peer address")
			} else {
				require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "another client may still try")
			}
		})
	}
}
