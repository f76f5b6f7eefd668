package app

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"time"
)

// trustRoots makes the Web Push, App IO, SMTP and webhook clients verify servers
// against roots (the system's plus --extra-ca-certs) when there are extra
// CAs; nil leaves them on the system roots. A client or TLS configuration
// given by a test option wins.
func (o *options) trustRoots(roots *x509.CertPool) {
	if roots == nil {
		return
	}
	cfg := func() *tls.Config { return &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12} }
	if o.pushClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = cfg()
		o.pushClient = &http.Client{Transport: tr} // push adds its timeout and redirect policy
	}
	if o.appIOClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = cfg()
		o.appIOClient = &http.Client{Transport: tr, Timeout: 15 * time.Second}
	}
	if o.smtpTLS == nil {
		o.smtpTLS = cfg() // the sender fills in ServerName
	}
	if o.webhookTLS == nil {
		o.webhookTLS = cfg()
	}
}
