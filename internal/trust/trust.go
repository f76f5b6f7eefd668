// Package trust builds the certificate pool that outbound TLS clients (Web
// Push, webhooks, SMTP) verify servers against: the system's roots plus the
// operator's own CAs, for push services and receivers behind a private CA.
package trust

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// Pool returns the system roots with the certificates of the PEM files
// appended, or nil when files is empty (clients then use the system roots
// as they always do). A file that cannot be read or holds no certificate
// is an error: a typo must stop the start, not surface later as failed
// deliveries.
func Pool(files []string) (*x509.CertPool, error) {
	if len(files) == 0 {
		return nil, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		// No system roots here (some minimal containers): the extra CAs
		// alone are still what the operator asked to trust.
		pool = x509.NewCertPool()
	}
	var errs []error
	for _, f := range files {
		pem, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("extra CA certificates: %w", err))
			continue
		}
		if !pool.AppendCertsFromPEM(pem) {
			errs = append(errs, fmt.Errorf("extra CA certificates: %s holds no PEM certificate", f))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return pool, nil
}
