// Package email is the e-mail channel of the notifications: a Sender that
// delivers a notify.Email over SMTP (STARTTLS, implicit TLS or plain, with
// authentication) and classifies failures for the dispatcher, and the
// templates (Render, Compose) that turn a notify.BookingView into the
// Italian or English message with the receipt, the QR code inline and the
// .ics attached.
//
// Message building and the SMTP dialogue are left to
// github.com/wneessen/go-mail; this package decides the MIME layout, the
// headers that make a resend recognizable (Message-ID), and which SMTP
// answers are worth retrying.
package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/notify"
)

// TLS modes of Config.TLS.
const (
	// TLSStartTLS connects in plain text and upgrades with STARTTLS before
	// anything else is sent; a server that does not offer it is refused,
	// so a man in the middle cannot downgrade the connection.
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (SMTPS, port 465).
	TLSImplicit = "tls"
	// TLSNone sends in clear text: only for a relay on the same host or
	// network, and never with a password.
	TLSNone = "none"
)

// Default ports per TLS mode (RFC 8314 for submission over TLS).
const (
	DefaultPortStartTLS = 587
	DefaultPortTLS      = 465
	DefaultPortNone     = 25
)

// DefaultTimeout bounds the connection and every SMTP exchange of a Send.
const DefaultTimeout = 30 * time.Second

// Config is how to reach the SMTP server and who the messages come from.
type Config struct {
	// Host is the SMTP server name; required. With TLS it is also the name
	// the certificate must match.
	Host string
	// Port is the server port; 0 means the default of the TLS mode
	// (587 for starttls, 465 for tls, 25 for none).
	Port int
	// Username and Password authenticate (PLAIN or LOGIN, whichever the
	// server offers). Empty Username means no authentication.
	Username string
	Password string
	// TLS is "starttls" (the default when empty), "tls" or "none".
	TLS string
	// TLSConfig overrides the TLS settings (for example a private CA in
	// RootCAs). Nil means the system roots, at least TLS 1.2, and Host
	// as the server name.
	TLSConfig *tls.Config
	// From is the sender, with or without a display name
	// ("Comune di Borgo Varco <prenotazioni@comune.example.it>"); required.
	From string
	// ReplyTo is where citizens' replies go (the office's mailbox), when
	// the From address is not read.
	ReplyTo string
	// Timeout bounds the connection and each phase of a Send;
	// DefaultTimeout when zero.
	Timeout time.Duration
	// HelloName is the name given in EHLO; the host name when empty.
	// Some relays reject a HELO that is not a fully qualified domain.
	HelloName string
	// Clock stamps the Date header; the system clock when nil.
	Clock clock.Clock
}

// String describes the configuration without the password, so a Config
// printed by mistake (%v, %+v, a panic) leaks no credential.
func (c Config) String() string {
	return fmt.Sprintf("email.Config{Host:%q Port:%d TLS:%q Username:%q Password:%s From:%q ReplyTo:%q Timeout:%s HelloName:%q}",
		c.Host, c.Port, c.TLS, c.Username, redacted(c.Password), c.From, c.ReplyTo, c.Timeout, c.HelloName)
}

// GoString is String, so %#v does not print the password either.
func (c Config) GoString() string { return c.String() }

// LogValue keeps the password out of structured logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host), slog.Int("port", c.Port), slog.String("tls", c.TLS),
		slog.String("username", c.Username), slog.String("password", redacted(c.Password)),
		slog.String("from", c.From), slog.String("reply_to", c.ReplyTo),
		slog.Duration("timeout", c.Timeout), slog.String("hello_name", c.HelloName),
	)
}

func redacted(secret string) string {
	if secret == "" {
		return `""`
	}
	return "[REDACTED]"
}

// withDefaults fills the zero values and checks the rest.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	c.Host = strings.TrimSpace(c.Host)
	if c.Host == "" {
		errs = append(errs, errors.New("host is required"))
	}
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	switch c.TLS {
	case TLSStartTLS:
		if c.Port == 0 {
			c.Port = DefaultPortStartTLS
		}
	case TLSImplicit:
		if c.Port == 0 {
			c.Port = DefaultPortTLS
		}
	case TLSNone:
		if c.Port == 0 {
			c.Port = DefaultPortNone
		}
		if c.Username != "" {
			errs = append(errs, errors.New(`tls "none" cannot carry a password: use "starttls" or "tls"`))
		}
	default:
		errs = append(errs, fmt.Errorf(`tls must be "starttls", "tls" or "none", not %q`, c.TLS))
	}
	if c.Port < 0 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("port %d is out of range", c.Port))
	}
	if c.Password != "" && c.Username == "" {
		errs = append(errs, errors.New("password without username"))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %s is negative", c.Timeout))
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if strings.ContainsAny(c.HelloName, " \r\n\t") {
		errs = append(errs, fmt.Errorf("hello name %q has blanks", c.HelloName))
	}
	if c.From == "" {
		errs = append(errs, errors.New("from is required"))
	} else if _, err := mail.ParseAddress(c.From); err != nil {
		errs = append(errs, fmt.Errorf("from %q: %w", c.From, err))
	}
	if c.ReplyTo != "" {
		if _, err := mail.ParseAddress(c.ReplyTo); err != nil {
			errs = append(errs, fmt.Errorf("reply-to %q: %w", c.ReplyTo, err))
		}
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("email: config: %w", err)
	}
	return c, nil
}

// Sender delivers e-mails over SMTP. It is safe for concurrent use: it
// holds only its immutable configuration and opens one connection per
// Send. That costs a TCP (and TLS) handshake per message — a few
// milliseconds against a nearby relay — but keeps a failure confined to
// its own message, needs no pool to reap dead connections from, and lets
// a cancelled context abort exactly one delivery. Throughput scales with
// concurrent Sends; a pooled connection would be the next step if the
// relay's handshake became the bottleneck.
type Sender struct {
	cfg      Config
	from     *mail.Address
	replyTo  *mail.Address
	tls      *tls.Config
	domain   string // of From: the right half of generated Message-IDs
	baseOpts []gomail.Option
}

// New checks cfg and returns a Sender. It does not connect: an unreachable
// server shows in the first Send as a retryable error.
func New(cfg Config) (*Sender, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Sender{cfg: cfg}
	s.from, _ = mail.ParseAddress(cfg.From) // checked by withDefaults
	if cfg.ReplyTo != "" {
		s.replyTo, _ = mail.ParseAddress(cfg.ReplyTo)
	}
	s.domain = s.from.Address[strings.LastIndexByte(s.from.Address, '@')+1:]

	if cfg.TLSConfig != nil {
		s.tls = cfg.TLSConfig.Clone()
	} else {
		s.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if s.tls.ServerName == "" {
		s.tls.ServerName = cfg.Host
	}

	s.baseOpts = []gomail.Option{
		gomail.WithPort(cfg.Port),
		gomail.WithTimeout(cfg.Timeout),
		// A fresh connection carries one message: the NOOP before it and
		// the RSET after it would only add round trips.
		gomail.WithoutNoop(),
		gomail.WithoutRset(),
	}
	switch cfg.TLS {
	case TLSStartTLS:
		s.baseOpts = append(s.baseOpts, gomail.WithTLSPolicy(gomail.TLSMandatory), gomail.WithTLSConfig(s.tls))
	default:
		// Implicit TLS is done by our dialer (see dial), so go-mail must
		// not try STARTTLS on top of it; "none" wants no TLS at all.
		s.baseOpts = append(s.baseOpts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if cfg.HelloName != "" {
		s.baseOpts = append(s.baseOpts, gomail.WithHELO(cfg.HelloName))
	}
	return s, nil
}

// Addr is the server address a Sender connects to, for logs.
func (s *Sender) Addr() string { return net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port)) }

// Send delivers e. Errors wrap notify.ErrPermanent when retrying cannot
// help (the server refused the recipient or the message with a 5xx, or e
// itself is malformed) and are a *notify.RetryError otherwise (connection
// refused or dropped, timeouts, 4xx answers, a cancelled ctx, and
// authentication or sender rejections, which are configuration faults an
// operator fixes while the dispatcher backs off).
//
// e.MessageID is required: it is what lets a client recognize the resend
// of a message whose first delivery was not recorded. Without an "@" the
// domain of From is appended, as RFC 5322 wants one.
func (s *Sender) Send(ctx context.Context, e notify.Email) error {
	msg, err := s.message(e)
	if err != nil {
		return fmt.Errorf("email: %w: %w", notify.ErrPermanent, err)
	}
	if err := ctx.Err(); err != nil {
		return &notify.RetryError{Err: fmt.Errorf("email: %w", context.Cause(ctx))}
	}

	// The connection is closed when ctx ends, which is the only way to
	// interrupt go-mail mid-dialogue: it honours ctx while dialling only
	// and otherwise waits for its own deadline.
	var stop func() bool
	defer func() {
		if stop != nil {
			stop()
		}
	}()
	dial := func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		conn, err := s.dial(dialCtx, network, addr)
		if err != nil {
			return nil, err
		}
		stop = context.AfterFunc(ctx, func() { _ = conn.Close() })
		return conn, nil
	}
	opts := append(s.baseOpts[:len(s.baseOpts):len(s.baseOpts)], gomail.WithDialContextFunc(dial))
	if s.cfg.Username != "" {
		// A fresh negotiatedAuth per Send: it remembers the mechanism it
		// chose for its connection.
		opts = append(opts, gomail.WithSMTPAuthCustom(&negotiatedAuth{
			user: s.cfg.Username, pass: s.cfg.Password, host: s.cfg.Host,
		}))
	}
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("email: %w: client: %w", notify.ErrPermanent, err)
	}
	err = client.DialAndSendWithContext(ctx, msg)
	// Once the server has accepted the DATA the message is delivered;
	// a failure afterwards (QUIT, a dropped connection) must not make the
	// dispatcher send it again.
	if err == nil || msg.IsDelivered() {
		return nil
	}
	return classify(ctx, err)
}

// dial opens the TCP connection, with the TLS handshake for implicit TLS.
// go-mail does no TLS itself once it is given a dialer.
func (s *Sender) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if s.cfg.TLS != TLSImplicit {
		return conn, nil
	}
	tc := tls.Client(conn, s.tls)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return tc, nil
}

// message builds the MIME message:
//
//	multipart/mixed
//	├── multipart/related
//	│   ├── multipart/alternative
//	│   │   ├── text/plain
//	│   │   └── text/html
//	│   └── image/png (Content-ID: <qr>)
//	└── text/calendar (attachment)
//
// go-mail drops the levels that have a single child.
func (s *Sender) message(e notify.Email) (*gomail.Msg, error) {
	if e.Text == "" && e.HTML == "" {
		return nil, errors.New("no body")
	}
	to, err := mail.ParseAddress(e.To)
	if err != nil {
		return nil, fmt.Errorf("recipient %q: %w", e.To, err)
	}
	id, err := s.messageID(e.MessageID)
	if err != nil {
		return nil, err
	}

	// No User-Agent: the library and its version are nobody's business.
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	m.FromMailAddress(s.from)
	m.ToMailAddress(to)
	if s.replyTo != nil {
		m.ReplyToMailAddress(s.replyTo)
	}
	m.Subject(oneLine(e.Subject))
	m.SetDateWithValue(s.cfg.Clock.Now())
	m.SetMessageIDWithValue(id)
	// RFC 3834: out-of-office and other robots must not answer.
	m.SetGenHeader("Auto-Submitted", "auto-generated")

	switch {
	case e.Text != "" && e.HTML != "":
		m.SetBodyString(gomail.TypeTextPlain, e.Text)
		m.AddAlternativeString(gomail.TypeTextHTML, e.HTML)
	case e.Text != "":
		m.SetBodyString(gomail.TypeTextPlain, e.Text)
	default:
		m.SetBodyString(gomail.TypeTextHTML, e.HTML)
	}
	for _, a := range e.Inline {
		if a.ContentID == "" {
			return nil, fmt.Errorf("inline %q has no content id", a.Name)
		}
		if err := checkToken(a.ContentID); err != nil {
			return nil, fmt.Errorf("inline %q: content id: %w", a.Name, err)
		}
		// go-mail writes WithFileContentID verbatim; the angle brackets
		// are the msg-id syntax of RFC 2392 that cid: links resolve to.
		if err := m.EmbedReader(fileName(a), bytes.NewReader(a.Data),
			gomail.WithFileContentType(gomail.ContentType(contentType(a))),
			gomail.WithFileContentID("<"+a.ContentID+">")); err != nil {
			return nil, fmt.Errorf("inline %q: %w", a.Name, err)
		}
	}
	for _, a := range e.Files {
		if err := m.AttachReader(fileName(a), bytes.NewReader(a.Data),
			gomail.WithFileContentType(gomail.ContentType(contentType(a)))); err != nil {
			return nil, fmt.Errorf("attachment %q: %w", a.Name, err)
		}
	}
	return m, nil
}

// messageID is the id without angle brackets, with the domain of From
// when the caller gave only a local part (an outbox row id).
func (s *Sender) messageID(id string) (string, error) {
	id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
	if id == "" {
		return "", errors.New("message id is required")
	}
	if err := checkToken(id); err != nil {
		return "", fmt.Errorf("message id: %w", err)
	}
	if !strings.Contains(id, "@") {
		id += "@" + s.domain
	}
	return id, nil
}

// checkToken refuses what would break a header line or a msg-id.
func checkToken(s string) error {
	for _, r := range s {
		if r <= ' ' || r >= 0x7f || r == '<' || r == '>' || r == '"' || r == '\\' {
			return fmt.Errorf("%q has a character not allowed in a msg-id", s)
		}
	}
	return nil
}

func fileName(a notify.Attachment) string {
	if a.Name != "" {
		return a.Name
	}
	return a.ContentID
}

func contentType(a notify.Attachment) string {
	if a.ContentType != "" {
		return oneLine(a.ContentType)
	}
	return "application/octet-stream"
}

// oneLine folds line breaks and runs of blanks into single spaces: a
// header is one line, and a name that spans lines looks like an attack.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// classify turns a go-mail error into the dispatcher's vocabulary.
func classify(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return &notify.RetryError{Err: fmt.Errorf("email: %w: %w", context.Cause(ctx), err)}
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		switch se.Reason {
		case gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
			// 5xx here is about this recipient or this message (no such
			// mailbox, content refused): the same message would fail again.
			if code := se.ErrorCode(); code >= 500 && code <= 599 {
				return fmt.Errorf("email: %w: smtp %d: %w", notify.ErrPermanent, code, err)
			}
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			return fmt.Errorf("email: %w: %w", notify.ErrPermanent, err)
		}
	}
	return &notify.RetryError{Err: fmt.Errorf("email: %w", err)}
}

// negotiatedAuth picks PLAIN or LOGIN from what the server offers, and
// only on an encrypted connection. go-mail's own auto-discovery cannot be
// used: it judges encryption by its own TLS dialling, which our dialer
// (needed for cancellation) bypasses, and would then refuse PLAIN over a
// perfectly good implicit-TLS connection. smtp.ServerInfo.TLS, instead,
// looks at the connection itself, after STARTTLS too.
type negotiatedAuth struct {
	user, pass, host string
	chosen           smtp.Auth
}

// Start implements smtp.Auth. A negotiatedAuth serves one connection, so
// keeping the choice here is safe.
func (a *negotiatedAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS {
		return "", nil, errors.New("refusing to send the password over an unencrypted connection")
	}
	switch {
	case hasMech(server.Auth, "PLAIN"):
		a.chosen = smtp.PlainAuth("", a.user, a.pass, a.host, false)
	case hasMech(server.Auth, "LOGIN"):
		a.chosen = smtp.LoginAuth(a.user, a.pass, a.host, false)
	default:
		return "", nil, fmt.Errorf("server offers no PLAIN or LOGIN authentication (offers %s)", strings.Join(server.Auth, " "))
	}
	return a.chosen.Start(server)
}

// Next implements smtp.Auth.
func (a *negotiatedAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	return a.chosen.Next(fromServer, more)
}

func hasMech(mechs []string, want string) bool {
	for _, m := range mechs {
		if strings.EqualFold(m, want) {
			return true
		}
	}
	return false
}
