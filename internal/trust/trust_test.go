package trust_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/trust"
)

func TestPool(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Comune CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o600))
		return p
	}
	good := write("ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	notPEM := write("key.txt", []byte("not a certificate"))

	for _, tc := range []struct {
		name    string
		files   []string
		wantErr bool
	}{
		{"none", nil, false},
		{"one CA", []string{good}, false},
		{"missing file", []string{good, filepath.Join(dir, "nope.pem")}, true},
		{"no certificate in it", []string{notPEM}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool, err := trust.Pool(tc.files)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			if len(tc.files) == 0 {
				require.Nil(t, pool, "no extra CAs: clients keep the system roots")
				return
			}
			_, err = ca.Verify(x509.VerifyOptions{Roots: pool})
			require.NoError(t, err, "the extra CA is trusted")
		})
	}
}
