package email_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/varco-gate/varco/internal/notify/email/mailtest"
	"image/png"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/emersion/go-smtp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/calendar"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/notify/email"
	"github.com/varco-gate/varco/internal/ticket"
)

var rome = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic(err)
	}
	return loc
}()

// sentAt is the fake clock of every Sender: the Date header.
var sentAt = time.Date(2026, 11, 30, 9, 0, 0, 0, rome)

// qrPayload is what the ticket QR encodes (QR alphanumeric, like VT1).
const qrPayload = "VT1:6BFOXN%TS3DHPVO13J /G-/2YRVA.Q/R82JD2FCJG96V75DOW"

const (
	fromAddr    = "prenotazioni@comune.borgovarco.example"
	replyTo     = "anagrafe@comune.borgovarco.example"
	citizenAddr = "mario.rossi@example.org"
)

// bookingView is a ticketed booking on Monday 7 December 2026 at 08:30 in
// Rome, with its QR and calendar file.
func bookingView(t testing.TB) notify.BookingView {
	t.Helper()
	start := time.Date(2026, 12, 7, 8, 30, 0, 0, rome)
	qr, err := ticket.PNG(qrPayload, 400)
	require.NoError(t, err)
	ics, err := calendar.Generate(calendar.Event{
		BookingID: "0b8f6a64-5c1e-4e84-a6a3-1f2d3c4b5a69", Code: "KM7R-4TXA",
		Start: start, End: start.Add(15 * time.Minute), ResourceName: "Carta d'identità elettronica",
		PlaceName: "Ufficio Anagrafe",
	}, sentAt)
	require.NoError(t, err)
	return notify.BookingView{
		Language: "it", Code: "KM7R-4TXA", Beneficiary: "Mario Rossi", Email: citizenAddr,
		Resource: "Carta d'identità elettronica", Place: "Ufficio Anagrafe",
		Address: "Piazza del Municipio 1, 46010 Borgo Varco (MN)",
		Start:   start, End: start.Add(15 * time.Minute), TimeZone: rome,
		Operator:  "Sportello 2 – Laura",
		Documents: []string{"Una fototessera recente", "La vecchia carta d'identità"},
		CancelURL: "https://prenota.borgovarco.example/bookings/KM7R4TXA/cancel?token=vc_abc&x=1",
		QRPNG:     qr, ICS: ics,
		OrgName: "Comune di Borgo Varco", OrgContact: "0376 000001",
		TicketExpires: time.Date(2026, 12, 7, 16, 40, 0, 0, rome),
	}
}

func config(port int) email.Config {
	return email.Config{
		Host: "127.0.0.1", Port: port, TLS: email.TLSNone,
		From: "Comune di Borgo Varco <" + fromAddr + ">", ReplyTo: replyTo,
		HelloName: "varco.test", Timeout: 10 * time.Second, Clock: clock.NewFake(sentAt),
	}
}

func newSender(t testing.TB, cfg email.Config) *email.Sender {
	t.Helper()
	s, err := email.New(cfg)
	require.NoError(t, err)
	return s
}

// leaf is a non-multipart MIME part, with the media types of the
// multiparts that enclose it, outermost first.
type leaf struct {
	Path      []string
	MediaType string
	Params    map[string]string
	Header    textproto.MIMEHeader
	Body      []byte // transfer encoding removed
}

// parseMessage parses data with the standard library only (net/mail,
// mime/multipart), independently of the library that wrote it.
func parseMessage(t *testing.T, data []byte) (*mail.Message, []leaf) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	require.NoError(t, err)
	return msg, walk(t, textproto.MIMEHeader(msg.Header), msg.Body, nil)
}

func walk(t *testing.T, h textproto.MIMEHeader, body io.Reader, path []string) []leaf {
	t.Helper()
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	require.NoError(t, err, "Content-Type %q", h.Get("Content-Type"))
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		var out []leaf
		for {
			// Raw, so that every part is decoded the same way below
			// (NextPart would silently decode quoted-printable only).
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return out
			}
			require.NoError(t, err)
			out = append(out, walk(t, p.Header, p, append(slices.Clone(path), mt))...)
		}
	}
	var r io.Reader = body
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	}
	data, err := io.ReadAll(r)
	require.NoError(t, err)
	return []leaf{{Path: path, MediaType: mt, Params: params, Header: h, Body: data}}
}

func find(t *testing.T, leaves []leaf, mediaType string) leaf {
	t.Helper()
	for _, l := range leaves {
		if l.MediaType == mediaType {
			return l
		}
	}
	require.Failf(t, "part missing", "no %s part in %v", mediaType, leaves)
	return leaf{}
}

func decodeHeader(t *testing.T, v string) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(v)
	require.NoError(t, err)
	return s
}

func TestSendConfirmationParsesAsMIME(t *testing.T) {
	t.Parallel()
	k := &mailtest.Sink{}
	s := newSender(t, config(mailtest.Start(t, k, mailtest.PlainOnly, nil)))
	v := bookingView(t)
	e, err := email.Compose(email.KindBookingConfirmed, v, "outbox-42@varco.example")
	require.NoError(t, err)

	require.NoError(t, s.Send(t.Context(), e))

	msgs := k.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, fromAddr, msgs[0].From, "envelope sender")
	require.Equal(t, []string{citizenAddr}, msgs[0].To)

	msg, leaves := parseMessage(t, msgs[0].Data)
	require.Equal(t, "<outbox-42@varco.example>", msg.Header.Get("Message-Id"))
	require.Equal(t, "Prenotazione confermata: KM7R-4TXA", decodeHeader(t, msg.Header.Get("Subject")))
	from, err := msg.Header.AddressList("From")
	require.NoError(t, err)
	require.Equal(t, []*mail.Address{{Name: "Comune di Borgo Varco", Address: fromAddr}}, from)
	rt, err := msg.Header.AddressList("Reply-To")
	require.NoError(t, err)
	require.Equal(t, replyTo, rt[0].Address)
	to, err := msg.Header.AddressList("To")
	require.NoError(t, err)
	require.Equal(t, citizenAddr, to[0].Address)
	date, err := msg.Header.Date()
	require.NoError(t, err)
	require.True(t, date.Equal(sentAt), "Date %v from the injected clock", date)
	require.Equal(t, "1.0", msg.Header.Get("Mime-Version"))
	require.Equal(t, "auto-generated", msg.Header.Get("Auto-Submitted"))
	require.Empty(t, msg.Header.Get("User-Agent"))
	require.Empty(t, msg.Header.Get("X-Mailer"))

	// mixed(related(alternative(text, html), qr), ics)
	text := find(t, leaves, "text/plain")
	require.Equal(t, []string{"multipart/mixed", "multipart/related", "multipart/alternative"}, text.Path)
	require.Equal(t, "utf-8", strings.ToLower(text.Params["charset"]))
	require.Contains(t, string(text.Body), "KM7R-4TXA")
	require.Contains(t, string(text.Body), "lunedì 7 dicembre 2026, ore 08:30")
	require.Contains(t, string(text.Body), v.CancelURL)

	html := find(t, leaves, "text/html")
	require.Equal(t, text.Path, html.Path)
	require.Contains(t, string(html.Body), `<img src="cid:qr"`)
	require.Contains(t, string(html.Body), "KM7R-4TXA")

	img := find(t, leaves, "image/png")
	require.Equal(t, []string{"multipart/mixed", "multipart/related"}, img.Path)
	require.Equal(t, "<qr>", img.Header.Get("Content-Id"))
	require.True(t, strings.HasPrefix(img.Header.Get("Content-Disposition"), "inline"))
	require.Equal(t, qrPayload, decodeQR(t, img.Body), "the inline QR is the ticket")

	ics := find(t, leaves, "text/calendar")
	require.Equal(t, []string{"multipart/mixed"}, ics.Path)
	require.Equal(t, "PUBLISH", ics.Params["method"])
	require.Equal(t, "utf-8", strings.ToLower(ics.Params["charset"]))
	disp, dparams, err := mime.ParseMediaType(ics.Header.Get("Content-Disposition"))
	require.NoError(t, err)
	require.Equal(t, "attachment", disp)
	require.Equal(t, "prenotazione-KM7R4TXA.ics", dparams["filename"])
	require.Equal(t, v.ICS, ics.Body)
	cal, err := goical.NewDecoder(bytes.NewReader(ics.Body)).Decode()
	require.NoError(t, err)
	events := cal.Events()
	require.Len(t, events, 1)
	start, err := events[0].DateTimeStart(time.UTC)
	require.NoError(t, err)
	require.True(t, start.Equal(v.Start), "DTSTART %v, booking starts %v", start, v.Start)
}

func decodeQR(t *testing.T, data []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	require.NoError(t, err)
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	require.NoError(t, err)
	return res.GetText()
}

func TestSendMessageIDGetsFromDomain(t *testing.T) {
	t.Parallel()
	k := &mailtest.Sink{}
	s := newSender(t, config(mailtest.Start(t, k, mailtest.PlainOnly, nil)))
	e := notify.Email{To: citizenAddr, Subject: "Prova àèì", Text: "solo testo", MessageID: "<7f3c-outbox-row>"}

	require.NoError(t, s.Send(t.Context(), e))
	// A crash between send and commit resends with the same id.
	require.NoError(t, s.Send(t.Context(), e))

	msgs := k.Messages()
	require.Len(t, msgs, 2)
	for _, m := range msgs {
		msg, leaves := parseMessage(t, m.Data)
		require.Equal(t, "<7f3c-outbox-row@comune.borgovarco.example>", msg.Header.Get("Message-Id"))
		require.Equal(t, "Prova àèì", decodeHeader(t, msg.Header.Get("Subject")))
		require.Len(t, leaves, 1)
		require.Equal(t, "text/plain", leaves[0].MediaType)
		require.Nil(t, leaves[0].Path, "a lone text part is the whole body")
	}
}

func TestSendSubjectHeaderInjection(t *testing.T) {
	t.Parallel()
	k := &mailtest.Sink{}
	s := newSender(t, config(mailtest.Start(t, k, mailtest.PlainOnly, nil)))
	e := notify.Email{To: citizenAddr, Subject: "Ciao\r\nBcc: victim@example.org", Text: "x", MessageID: "m1"}
	require.NoError(t, s.Send(t.Context(), e))
	msg, _ := parseMessage(t, k.Messages()[0].Data)
	require.Empty(t, msg.Header.Get("Bcc"))
	require.Equal(t, "Ciao Bcc: victim@example.org", decodeHeader(t, msg.Header.Get("Subject")))
}

func TestSendRejectsMalformedEmailPermanently(t *testing.T) {
	t.Parallel()
	// Nothing listens: a malformed message must fail before dialling.
	s := newSender(t, config(mailtest.ClosedPort(t)))
	for name, e := range map[string]notify.Email{
		"no recipient":      {Text: "x", MessageID: "m"},
		"bad recipient":     {To: "not an address", Text: "x", MessageID: "m"},
		"no message id":     {To: citizenAddr, Text: "x"},
		"bad message id":    {To: citizenAddr, Text: "x", MessageID: "a b@c"},
		"no body":           {To: citizenAddr, MessageID: "m"},
		"inline without id": {To: citizenAddr, HTML: "x", MessageID: "m", Inline: []notify.Attachment{{Name: "a.png", Data: []byte{1}}}},
	} {
		err := s.Send(t.Context(), e)
		require.ErrorIs(t, err, notify.ErrPermanent, name)
	}
}

func TestSendErrorClassification(t *testing.T) {
	t.Parallel()
	smtpErr := func(code int, msg string) error {
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: msg}
	}
	for _, tc := range []struct {
		name      string
		k         *mailtest.Sink
		permanent bool
	}{
		{"RCPT 550 no such user", &mailtest.Sink{RcptErr: smtpErr(550, "No such user")}, true},
		{"RCPT 451 greylisted", &mailtest.Sink{RcptErr: smtpErr(451, "Greylisted, try later")}, false},
		{"DATA 554 content rejected", &mailtest.Sink{DataErr: smtpErr(554, "Message rejected as spam")}, true},
		{"DATA 452 out of storage", &mailtest.Sink{DataErr: smtpErr(452, "Insufficient storage")}, false},
		// The sender is ours: a fault in the configuration, to fix while
		// the dispatcher backs off rather than drop every message.
		{"MAIL 550 sender refused", &mailtest.Sink{MailErr: smtpErr(550, "Sender not allowed")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSender(t, config(mailtest.Start(t, tc.k, mailtest.PlainOnly, nil)))
			err := s.Send(t.Context(), notify.Email{To: citizenAddr, Text: "x", MessageID: "m1"})
			requireClass(t, err, tc.permanent)
			require.Empty(t, tc.k.Messages())
		})
	}
}

func requireClass(t *testing.T, err error, permanent bool) {
	t.Helper()
	require.Error(t, err)
	var re *notify.RetryError
	if permanent {
		require.ErrorIs(t, err, notify.ErrPermanent)
		require.False(t, errors.As(err, &re), "permanent, not retry: %v", err)
		return
	}
	require.ErrorAs(t, err, &re, "%v", err)
	require.NotErrorIs(t, err, notify.ErrPermanent)
}

func TestSendServerGoneIsRetry(t *testing.T) {
	t.Parallel()
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		s := newSender(t, config(mailtest.ClosedPort(t)))
		requireClass(t, s.Send(t.Context(), notify.Email{To: citizenAddr, Text: "x", MessageID: "m"}), false)
	})
	t.Run("stopped server", func(t *testing.T) {
		t.Parallel()
		k := &mailtest.Sink{}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		srv := smtp.NewServer(k)
		go func() { _ = srv.Serve(l) }()
		s := newSender(t, config(l.Addr().(*net.TCPAddr).Port))
		require.NoError(t, s.Send(t.Context(), notify.Email{To: citizenAddr, Text: "x", MessageID: "m"}))
		require.NoError(t, srv.Close())
		requireClass(t, s.Send(t.Context(), notify.Email{To: citizenAddr, Text: "x", MessageID: "m2"}), false)
		require.Len(t, k.Messages(), 1)
	})
	t.Run("hang-up after the greeting", func(t *testing.T) {
		t.Parallel()
		port := mailtest.RawServer(t, func(c net.Conn) {
			_, _ = io.WriteString(c, "220 sink.test ESMTP\r\n")
			_ = c.Close()
		})
		s := newSender(t, config(port))
		requireClass(t, s.Send(t.Context(), notify.Email{To: citizenAddr, Text: "x", MessageID: "m"}), false)
	})
	t.Run("421 at the greeting", func(t *testing.T) {
		t.Parallel()
		port := mailtest.RawServer(t, func(c net.Conn) {
			_, _ = io.WriteString(c, "421 4.3.2 Too busy, try later\r\n")
			_ = c.Close()
		})
		s := newSender(t, config(port))
		requireClass(t, s.Send(t.Context(), notify.Email{To: citizenAddr, Text: "x", MessageID: "m"}), false)
	})
}

func TestSendTimeoutIsRetry(t *testing.T) {
	t.Parallel()
	// A server that accepts and never greets.
	port := mailtest.RawServer(t, mailtest.Drain)
	cfg := config(port)
	cfg.Timeout = 200 * time.Millisecond
	err := newSender(t, cfg).Send(t.Context(), notify.Email{To: citizenAddr, Text: "x", MessageID: "m"})
	requireClass(t, err, false)
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
}

func TestSendCancelledMidDialogue(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// The server greets, reads the EHLO and then stalls; the test cancels
	// once the EHLO arrived, so the client is waiting inside go-mail.
	port := mailtest.RawServer(t, func(c net.Conn) {
		_, _ = io.WriteString(c, "220 sink.test ESMTP\r\n")
		_, _ = bufio.NewReader(c).ReadString('\n')
		cancel()
		mailtest.Drain(c)
	})
	cfg := config(port)
	cfg.Timeout = time.Hour // only the cancellation can end this Send
	err := newSender(t, cfg).Send(ctx, notify.Email{To: citizenAddr, Text: "x", MessageID: "m"})
	requireClass(t, err, false)
	require.ErrorIs(t, err, context.Canceled)
}

func TestSendStartTLSWithAuth(t *testing.T) {
	t.Parallel()
	cert, pool := mailtest.SelfSigned(t)
	k := &mailtest.Sink{User: "varco", Pass: "s3cret-Pa55"}
	cfg := config(mailtest.Start(t, k, mailtest.StartTLS, cert))
	cfg.TLS = email.TLSStartTLS
	cfg.Username, cfg.Password = "varco", "s3cret-Pa55"
	// The test CA, not InsecureSkipVerify: the certificate is verified.
	cfg.TLSConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	s := newSender(t, cfg)

	require.NoError(t, s.Send(t.Context(), notify.Email{To: citizenAddr, Text: "x", MessageID: "m"}))
	msgs := k.Messages()
	require.Len(t, msgs, 1)
	require.True(t, msgs[0].TLS, "the message went over TLS")
	require.Equal(t, "varco", msgs[0].User)

	t.Run("wrong password is retried and not echoed", func(t *testing.T) {
		t.Parallel()
		bad := cfg
		bad.Password = "wrong-Pa55word"
		err := newSender(t, bad).Send(t.Context(), notify.Email{To: citizenAddr, Text: "x", MessageID: "m"})
		requireClass(t, err, false)
		require.NotContains(t, err.Error(), "wrong-Pa55word")
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		t.Parallel()
		untrusted := cfg
		untrusted.TLSConfig = nil // system roots do not know the test CA
		err := newSender(t, untrusted).Send(t.Context(), notify.Email{To: citizenAddr, Text: "x", MessageID: "m"})
		require.Error(t, err)
		var uerr x509.UnknownAuthorityError
		require.ErrorAs(t, err, &uerr)
	})
}

func TestSendStartTLSRequired(t *testing.T) {
	t.Parallel()
	// A server (or a man in the middle) that offers no STARTTLS.
	k := &mailtest.Sink{}
	cfg := config(mailtest.Start(t, k, mailtest.PlainOnly, nil))
	cfg.TLS = email.TLSStartTLS
	err := newSender(t, cfg).Send(t.Context(), notify.Email{To: citizenAddr, Text: "x", MessageID: "m"})
	requireClass(t, err, false)
	require.Empty(t, k.Messages(), "nothing sent in clear text")
}

func TestSendImplicitTLS(t *testing.T) {
	t.Parallel()
	cert, pool := mailtest.SelfSigned(t)
	k := &mailtest.Sink{User: "varco", Pass: "pw"}
	cfg := config(mailtest.Start(t, k, mailtest.ImplicitTLS, cert))
	cfg.TLS = email.TLSImplicit
	cfg.Username, cfg.Password = "varco", "pw"
	cfg.TLSConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	require.NoError(t, newSender(t, cfg).Send(t.Context(), notify.Email{To: citizenAddr, Text: "x", MessageID: "m"}))
	msgs := k.Messages()
	require.Len(t, msgs, 1)
	require.True(t, msgs[0].TLS)
	require.Equal(t, "varco", msgs[0].User)
}

func TestSendConcurrent(t *testing.T) {
	t.Parallel()
	k := &mailtest.Sink{}
	s := newSender(t, config(mailtest.Start(t, k, mailtest.PlainOnly, nil)))
	e, err := email.Compose(email.KindBookingConfirmed, bookingView(t), "x")
	require.NoError(t, err)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			m := e
			m.MessageID = fmt.Sprintf("outbox-%d", i)
			errs <- s.Send(t.Context(), m)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	ids := map[string]bool{}
	for _, m := range k.Messages() {
		msg, _ := parseMessage(t, m.Data)
		ids[msg.Header.Get("Message-Id")] = true
	}
	require.Len(t, ids, n)
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	base := email.Config{Host: "smtp.example.it", From: fromAddr}
	for name, mutate := range map[string]func(*email.Config){
		"no host":               func(c *email.Config) { c.Host = "" },
		"no from":               func(c *email.Config) { c.From = "" },
		"bad from":              func(c *email.Config) { c.From = "nobody" },
		"bad reply-to":          func(c *email.Config) { c.ReplyTo = "a@b@c" },
		"bad tls":               func(c *email.Config) { c.TLS = "ssl" },
		"bad port":              func(c *email.Config) { c.Port = 70000 },
		"negative timeout":      func(c *email.Config) { c.Timeout = -time.Second },
		"password in clear":     func(c *email.Config) { c.TLS, c.Username, c.Password = email.TLSNone, "u", "p" },
		"password without user": func(c *email.Config) { c.Password = "p" },
		"hello with blanks":     func(c *email.Config) { c.HelloName = "a b" },
	} {
		cfg := base
		mutate(&cfg)
		_, err := email.New(cfg)
		require.Error(t, err, name)
	}
	s, err := email.New(base)
	require.NoError(t, err)
	require.Equal(t, "smtp.example.it:587", s.Addr(), "starttls on the submission port by default")
	cfg := base
	cfg.TLS = email.TLSImplicit
	s, err = email.New(cfg)
	require.NoError(t, err)
	require.Equal(t, "smtp.example.it:465", s.Addr())
}

func TestConfigNeverPrintsPassword(t *testing.T) {
	t.Parallel()
	cfg := email.Config{Host: "smtp.example.it", From: fromAddr, Username: "u", Password: "hunter2-secret"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("smtp", "config", cfg)
	for _, s := range []string{
		fmt.Sprint(cfg), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), logs.String(),
	} {
		require.NotContains(t, s, "hunter2-secret")
		require.Contains(t, s, "REDACTED")
	}
}
