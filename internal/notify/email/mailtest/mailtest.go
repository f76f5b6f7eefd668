// Package mailtest is an in-process SMTP server for tests
// (github.com/emersion/go-smtp): it keeps what it receives and answers with
// the errors a test sets, with optional STARTTLS, implicit TLS and AUTH.
package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
)

// Received is one message the sink accepted.
type Received struct {
	From string
	To   []string
	Data []byte
	TLS  bool   // the DATA came over TLS
	User string // the authenticated user, if any
}

// Sink is an in-process SMTP server (github.com/emersion/go-smtp) that
// keeps what it receives, and answers with the errors a test sets.
type Sink struct {
	// Set before the server starts; read-only afterwards.
	MailErr, RcptErr, DataErr error
	User, Pass                string // required credentials when user is set
	Discard                   bool   // drop the data (benchmarks)
	// Arrived, when set, receives every accepted message (tests wait on
	// it instead of polling). Give it enough buffer.
	Arrived chan Received

	mu   sync.Mutex
	msgs []Received
}

func (k *Sink) Messages() []Received {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]Received(nil), k.msgs...)
}

// NewSession implements smtp.Backend.
func (k *Sink) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s := &session{Sink: k, conn: c}
	if k.User != "" {
		return &authSession{s}, nil
	}
	return s, nil
}

type session struct {
	Sink *Sink
	conn *smtp.Conn
	user string
	cur  Received
}

func (s *session) Reset()        { s.cur = Received{} }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.Sink.User != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	if s.Sink.MailErr != nil {
		return s.Sink.MailErr
	}
	s.cur.From = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.Sink.RcptErr != nil {
		return s.Sink.RcptErr
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	if s.Sink.DataErr != nil {
		_, _ = io.Copy(io.Discard, r)
		return s.Sink.DataErr
	}
	if s.Sink.Discard {
		_, err := io.Copy(io.Discard, r)
		return err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := s.cur
	m.Data = data
	_, m.TLS = s.conn.TLSConnectionState()
	m.User = s.user
	s.Sink.mu.Lock()
	s.Sink.msgs = append(s.Sink.msgs, m)
	s.Sink.mu.Unlock()
	if s.Sink.Arrived != nil {
		s.Sink.Arrived <- m
	}
	return nil
}

// authSession adds AUTH PLAIN to a session; go-smtp offers AUTH only to
// sessions that implement smtp.AuthSession, and only over TLS.
type authSession struct{ *session }

func (s *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *authSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != s.Sink.User || password != s.Sink.Pass {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

// Mode selects how the Sink speaks TLS.
type Mode int

const (
	PlainOnly   Mode = iota // no TLS at all
	StartTLS                // offers STARTTLS
	ImplicitTLS             // TLS from the first byte
)

// Start serves k on 127.0.0.1 and returns its port; the server stops
// when the test ends.
func Start(tb testing.TB, k *Sink, mode Mode, cert *tls.Certificate) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	srv := smtp.NewServer(k)
	srv.Domain = "Sink.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	switch mode {
	case StartTLS:
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}
	case ImplicitTLS:
		l = tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	tb.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return l.Addr().(*net.TCPAddr).Port
}

// SelfSigned makes a certificate for 127.0.0.1 and a pool that trusts it,
// so the client verifies the server for real instead of skipping checks.
func SelfSigned(tb testing.TB) (*tls.Certificate, *x509.CertPool) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(tb, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Sink.test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		NotBefore:             time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(tb, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(tb, err)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// RawServer accepts connections on 127.0.0.1 and hands each to handle,
// for servers that misbehave below the SMTP level.
func RawServer(tb testing.TB, handle func(net.Conn)) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				handle(c)
			}()
		}
	}()
	tb.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return l.Addr().(*net.TCPAddr).Port
}

// ClosedPort returns a port nothing listens on any more.
func ClosedPort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(tb, l.Close())
	return port
}

// Drain reads until the peer closes, so a handler can hold a connection
// open without busy-waiting.
func Drain(c net.Conn) {
	_, _ = io.Copy(io.Discard, c)
}
