package app_test

import (
	"context"
	"net/http"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

func authBearer[T any](msg *T, token string) *connect.Request[T] {
	req := connect.NewRequest(msg)
	req.Header().Set("Authorization", "Bearer "+token)
	return req
}

// Register → Login by e-mail and by codice fiscale → WhoAmI → Logout →
// token refused, through a real client over the network, in the Connect and
// gRPC protocols.
func TestAuthEndToEnd(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct {
		name, email, cf string
		opts            []connect.ClientOption
		http            *http.Client
	}{
		{"connect json", "mario.rossi@example.it", "RSSMRA85T10A562S", []connect.ClientOption{connect.WithProtoJSON()}, http.DefaultClient},
		{"grpc", "laura.bianchi@example.it", "BNCLRA92E52F205Y", []connect.ClientOption{connect.WithGRPC()}, h2cClient()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			c := varcov1connect.NewAuthServiceClient(tc.http, b.baseURL, tc.opts...)
			const pw = "una password lunga"

			reg, err := c.Register(ctx, connect.NewRequest(&varcov1.RegisterRequest{
				GivenName: "Cittadino", FamilyName: "Prova", Email: tc.email, CodiceFiscale: tc.cf,
				Phone: "+39 333 765 4321", Password: pw, PrivacyConsent: true,
			}))
			require.NoError(t, err)
			id := reg.Msg.GetAccount().GetId()
			require.NotEmpty(t, id)
			require.NotEmpty(t, reg.Msg.GetSession().GetToken())

			byEmail, err := c.Login(ctx, connect.NewRequest(&varcov1.LoginRequest{Login: tc.email, Password: pw}))
			require.NoError(t, err)
			require.Equal(t, id, byEmail.Msg.GetAccount().GetId())
			byCF, err := c.Login(ctx, connect.NewRequest(&varcov1.LoginRequest{Login: tc.cf, Password: pw}))
			require.NoError(t, err)
			require.Equal(t, id, byCF.Msg.GetAccount().GetId())
			tok := byCF.Msg.GetSession().GetToken()
			require.NotEqual(t, byEmail.Msg.GetSession().GetToken(), tok)

			_, err = c.Login(ctx, connect.NewRequest(&varcov1.LoginRequest{Login: tc.cf, Password: "sbagliata!!"}))
			require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))

			who, err := c.WhoAmI(ctx, authBearer(&varcov1.WhoAmIRequest{}, tok))
			require.NoError(t, err)
			require.Equal(t, varcov1.PrincipalKind_PRINCIPAL_KIND_CITIZEN, who.Msg.GetKind())
			require.Equal(t, id, who.Msg.GetAccount().GetId())
			require.Equal(t, tc.cf, who.Msg.GetAccount().GetCodiceFiscale())

			_, err = c.Logout(ctx, authBearer(&varcov1.LogoutRequest{}, tok))
			require.NoError(t, err)
			_, err = c.WhoAmI(ctx, authBearer(&varcov1.WhoAmIRequest{}, tok))
			require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "the token is refused after logout")

			_, err = c.WhoAmI(ctx, authBearer(&varcov1.WhoAmIRequest{}, byEmail.Msg.GetSession().GetToken()))
			require.NoError(t, err, "other sessions live on")
			_, err = c.WhoAmI(ctx, connect.NewRequest(&varcov1.WhoAmIRequest{}))
			require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "no token")
		})
	}
}
