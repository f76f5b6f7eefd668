package push

import (
	"encoding/base64"
	"github.com/varco-gate/varco/internal/notify/push/pushtest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/notify"
)

func newProductionSender(t *testing.T, hosts ...string) *Sender {
	t.Helper()
	keys, err := GenerateVAPID()
	require.NoError(t, err)
	s, err := New(Config{Subject: testSubject, Keys: keys, AllowedHosts: hosts})
	require.NoError(t, err)
	return s
}

func TestValidateEndpoint(t *testing.T) {
	t.Parallel()
	s := newProductionSender(t)
	tests := []struct {
		endpoint string
		code     string // empty: accepted
	}{
		{"https://fcm.googleapis.com/fcm/send/dXNlcjE:APA91b", ""},
		{"https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk", ""},
		{"https://web.push.apple.com/QGx3c2Vy", ""},
		{"https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB", ""},
		{"https://FCM.googleapis.com:443/fcm/send/x", ""},
		{"https://fcm.googleapis.com./fcm/send/x", ""},
		{"", CodeRequired},
		{"https://fcm.googleapis.com/" + strings.Repeat("a", MaxEndpointLength), CodeTooLong},
		{"fcm.googleapis.com/fcm/send/x", CodeMalformed},
		{"https:///fcm/send/x", CodeMalformed},
		{"https://fcm.googleapis.com/%zz", CodeMalformed},
		{"http://fcm.googleapis.com/fcm/send/x", CodeNotHTTPS},
		{"ftp://fcm.googleapis.com/x", CodeNotHTTPS},
		{"https://user:pw@fcm.googleapis.com/fcm/send/x", CodeUserinfo},
		{"https://fcm.googleapis.com:8443/fcm/send/x", CodePort},
		{"https://127.0.0.1/x", CodeIPLiteral},
		{"https://169.254.169.254/latest/meta-data", CodeIPLiteral},
		{"https://10.0.0.7/x", CodeIPLiteral},
		{"https://[::1]/x", CodeIPLiteral},
		{"https://[fe80::1%25eth0]/x", CodeIPLiteral},
		{"https://localhost/x", CodeHostNotAllowed},
		{"https://evil.example/x", CodeHostNotAllowed},
		{"https://fcm.googleapis.com.evil.example/x", CodeHostNotAllowed},
		{"https://evilfcm.googleapis.com/x", CodeHostNotAllowed},
		{"https://googleapis.com/x", CodeHostNotAllowed},
	}
	for _, tt := range tests {
		err := s.ValidateEndpoint(tt.endpoint)
		if tt.code == "" {
			require.NoError(t, err, tt.endpoint)
			continue
		}
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, tt.endpoint)
		require.Equal(t, FieldEndpoint, ve.Field, tt.endpoint)
		require.Equal(t, tt.code, ve.Code, tt.endpoint)
	}
}

func TestValidateEndpointCustomAllowList(t *testing.T) {
	t.Parallel()
	s := newProductionSender(t, "*.push.comune.example", "Push.Example.")
	require.NoError(t, s.ValidateEndpoint("https://a.push.comune.example/x"))
	require.Error(t, s.ValidateEndpoint("https://push.comune.example/x"), `"*." matches subdomains only`)
	require.NoError(t, s.ValidateEndpoint("https://push.example/x"))
	require.NoError(t, s.ValidateEndpoint("https://eu.push.example/x"))
	require.Error(t, s.ValidateEndpoint("https://fcm.googleapis.com/x"), "a custom list replaces the default")
}

func TestValidateEndpointAllowAnyHTTPS(t *testing.T) {
	t.Parallel()
	keys, err := GenerateVAPID()
	require.NoError(t, err)
	s, err := New(Config{Subject: testSubject, Keys: keys, AllowAnyHTTPS: true})
	require.NoError(t, err)
	require.NoError(t, s.ValidateEndpoint("https://127.0.0.1:8443/push"))
	require.NoError(t, s.ValidateEndpoint("https://push.dev.local/push"))
	require.Error(t, s.ValidateEndpoint("http://127.0.0.1:8443/push"), "still https only")
	require.Error(t, s.ValidateEndpoint("https://u:p@127.0.0.1/push"), "still no credentials")
}

func TestValidateSubscription(t *testing.T) {
	t.Parallel()
	s := newProductionSender(t)
	svc := pushtest.New(t, mustKeys(t).PublicKey, testSubject, pushtest.Always201)
	good := notify.Subscription{
		Endpoint: "https://fcm.googleapis.com/fcm/send/abc",
		P256dh:   svc.P256dh(),
		Auth:     svc.Auth(),
	}
	require.NoError(t, s.ValidateSubscription(good))

	rawKey, err := base64.RawURLEncoding.DecodeString(good.P256dh)
	require.NoError(t, err)
	std := good
	std.P256dh = base64.StdEncoding.EncodeToString(rawKey) // btoa-style, padded
	std.Auth = base64.URLEncoding.EncodeToString(make([]byte, 16))
	require.NoError(t, s.ValidateSubscription(std), "standard and padded base64 are accepted")

	offCurve := append([]byte{0x04}, make([]byte, 64)...)
	compressed := append([]byte{0x02}, rawKey[1:33]...)
	tests := []struct {
		name        string
		mutate      func(*notify.Subscription)
		field, code string
	}{
		{"bad endpoint", func(s *notify.Subscription) { s.Endpoint = "https://10.0.0.1/x" }, FieldEndpoint, CodeIPLiteral},
		{"no p256dh", func(s *notify.Subscription) { s.P256dh = "" }, FieldP256dh, CodeRequired},
		{"p256dh not base64", func(s *notify.Subscription) { s.P256dh = "not*base64!" }, FieldP256dh, CodeMalformed},
		{"p256dh off curve", func(s *notify.Subscription) { s.P256dh = b64(offCurve) }, FieldP256dh, CodeInvalidKey},
		{"p256dh compressed", func(s *notify.Subscription) { s.P256dh = b64(compressed) }, FieldP256dh, CodeInvalidKey},
		{"no auth", func(s *notify.Subscription) { s.Auth = "" }, FieldAuth, CodeRequired},
		{"auth not base64", func(s *notify.Subscription) { s.Auth = "%%%" }, FieldAuth, CodeMalformed},
		{"auth 15 bytes", func(s *notify.Subscription) { s.Auth = b64(make([]byte, 15)) }, FieldAuth, CodeAuthLength},
		{"auth 32 bytes", func(s *notify.Subscription) { s.Auth = b64(make([]byte, 32)) }, FieldAuth, CodeAuthLength},
	}
	for _, tt := range tests {
		sub := good
		tt.mutate(&sub)
		err := s.ValidateSubscription(sub)
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, tt.name)
		require.Equal(t, tt.field, ve.Field, tt.name)
		require.Equal(t, tt.code, ve.Code, tt.name)
	}
}

func TestValidationErrorMessages(t *testing.T) {
	t.Parallel()
	e := &ValidationError{Field: FieldEndpoint, Code: CodeNotHTTPS}
	require.Equal(t, "L'indirizzo del servizio push deve usare https", e.Message("it"))
	require.Equal(t, "The push service address must use https", e.Message("en"))
	require.Equal(t, "Die Adresse des Push-Dienstes muss https verwenden", e.Message("de"))
	require.Equal(t, e.Message("it"), e.Message("fr"), "Italian is the fallback")
	require.Equal(t, "push subscription endpoint: The push service address must use https", e.Error())
	for _, code := range []string{CodeRequired, CodeMalformed, CodeTooLong, CodeNotHTTPS, CodeUserinfo,
		CodeIPLiteral, CodePort, CodeHostNotAllowed, CodeInvalidKey, CodeAuthLength} {
		e := &ValidationError{Field: FieldAuth, Code: code}
		require.NotEqual(t, "push.unknown", e.Key(), code)
		require.NotEqual(t, e.Message("it"), e.Message("en"), code)
	}
	require.Equal(t, "Valore non valido", (&ValidationError{Code: "nope"}).Message("it"))
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustKeys(t *testing.T) VAPIDKeys {
	t.Helper()
	k, err := GenerateVAPID()
	require.NoError(t, err)
	return k
}
