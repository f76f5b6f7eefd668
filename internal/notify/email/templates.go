package email

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"reflect"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/varco-gate/varco/internal/calendar"
	"github.com/varco-gate/varco/internal/i18n"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/textfmt"
)

// Message kinds Render knows. The booking kinds are the outbox's; the
// ticket kinds are those the admission package schedules (not imported:
// it would pull the gate logic into the mailer).
const (
	KindBookingConfirmed   = outbox.KindBookingConfirmed
	KindBookingRescheduled = outbox.KindBookingRescheduled
	KindBookingCancelled   = outbox.KindBookingCancelled
	KindBookingReminder    = outbox.KindBookingReminder
	KindTicketExpiryWarn   = "ticket.expiry_warning"
	KindTicketExpired      = "ticket.expired"
	KindWaitlistOffer      = outbox.KindWaitlistOffer
	// The office's proposal of other dates, its lapse, and the video-call
	// link an operator set on a booking.
	KindBookingProposal        = outbox.KindBookingProposal
	KindBookingProposalExpired = outbox.KindBookingProposalExpired
	KindBookingMeetingLink     = outbox.KindBookingMeetingLink
)

// Kinds lists every kind Render knows, in a stable order.
var Kinds = []string{
	KindBookingConfirmed, KindBookingRescheduled, KindBookingCancelled,
	KindBookingReminder, KindTicketExpiryWarn, KindTicketExpired,
	KindWaitlistOffer,
	KindBookingProposal, KindBookingProposalExpired, KindBookingMeetingLink,
}

// ErrUnknownKind is returned for a kind without templates.
var ErrUnknownKind = errors.New("email: unknown message kind")

// Inline and attachment conventions of the composed messages.
const (
	// QRContentID is the Content-ID of the inline QR image; the HTML
	// shows it as <img src="cid:qr">.
	QRContentID = "qr"
	// ICSContentType is the media type of the attached calendar file.
	// METHOD:PUBLISH in the file and method=PUBLISH here must agree, or
	// Outlook shows the file as a meeting invitation to answer.
	ICSContentType = "text/calendar; method=PUBLISH; charset=UTF-8"
)

//go:embed templates/message.html.tmpl templates/message.txt.tmpl
var templateFS embed.FS

// One template pair serves every kind: the kinds differ in their texts
// and in which sections they show (kindSpec), not in layout, and one
// layout cannot drift between messages.
var (
	htmlTmpl = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/message.html.tmpl"))
	textTmpl = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/message.txt.tmpl"))
)

// kindSpec says which sections a kind shows.
type kindSpec struct {
	when      bool // the appointment's date and time
	operator  bool
	documents bool
	qr        bool // when the booking is ticketed (QRPNG set)
	cancel    bool // when the link is known
	reason    bool
	expiry    bool // the intro states TicketExpires
	ics       bool // the calendar file is attached (when ICS is set)
	offer     bool // the intro and subject state OfferExpires
}

var specs = map[string]kindSpec{
	KindBookingConfirmed:   {when: true, operator: true, documents: true, qr: true, cancel: true, ics: true},
	KindBookingRescheduled: {when: true, operator: true, documents: true, qr: true, cancel: true, ics: true},
	KindBookingReminder:    {when: true, operator: true, documents: true, qr: true, cancel: true, ics: true},
	// The file of a cancelled booking is a CANCELLED event that removes
	// the appointment from the calendar that imported it.
	KindBookingCancelled: {when: true, reason: true, ics: true},
	// The holder is inside and may need the QR to scan out.
	KindTicketExpiryWarn: {qr: true, expiry: true},
	KindTicketExpired:    {expiry: true},
	// Seats held for the first in line of a waiting list, until a time.
	KindWaitlistOffer: {when: true, offer: true},
	// The proposal shows the booking as it is now, then the dates offered.
	KindBookingProposal:        {when: true, operator: true},
	KindBookingProposalExpired: {when: true, operator: true, documents: true},
	KindBookingMeetingLink:     {when: true, operator: true, ics: true},
}

// words are the texts of one kind in one language. Subject and Intro may
// hold one %s: the appointment time for the booking kinds, the expiry
// time for the ticket kinds.
type words struct {
	Subject, Heading, Intro string
}

// labels are the texts every message shares in one language. NoExpiry is
// the ticket intro when the expiry time is unknown.
type labels struct {
	Greeting, GreetingAnon                                 string
	Code, Service, Place, When, Operator, Reason           string
	Documents, ShowQR, ShowQRText, QRAlt                   string
	ICSNote, ICSCancelNote                                 string
	CancelLead, CancelButton, Automatic, Contact, NoExpiry string
	// BookedBy holds one %s, the booker's name.
	BookedBy string
	// OfficeCancelled replaces the cancellation's intro when the office
	// cancelled; RebookLead and RebookButton offer a new booking.
	OfficeCancelled, RebookLead, RebookButton string
	// TicketHeading titles the ticket's terms (textfmt.TicketTerms).
	TicketHeading string
	// Receipt introduces the PDF receipt's link.
	Receipt string
	// PhoneCall (with the number, %s) and PhoneCallNoNumber, VideoCall:
	// how a remote appointment takes place, instead of a place to come to.
	PhoneCall, PhoneCallNoNumber, VideoCall string
	// VideoCallLink has the meeting's link (%s).
	VideoCallLink string
	// OfferLead and OfferButton lead to a waiting-list offer; Seats (%d)
	// states the seats held.
	OfferLead, OfferButton, Seats string
	// The proposal of other dates: the office's message, the dates with
	// their accept buttons, until when they are held (%s), and the
	// decline link.
	ProposalMessage, ProposalDates, ProposalAccept, ProposalUntil string
	DeclineLead, DeclineButton                                    string
}

type language struct {
	code   string // BCP 47, for <html lang>
	labels labels
	kinds  map[string]words
	// date formats an instant as people write it in the language.
	date func(time.Time) string
	// clockAt formats a time of day for "at 16:40", with the date when
	// it is not the reference day.
	clockAt func(t, ref time.Time) string
}

// languageOf fills the texts of v's language from the catalog
// (internal/i18n): labels under "email.label.<field>", each kind's words
// under "email.<kind>.subject|heading|intro". The structs stay so the
// templates keep their typed fields.
func languageOf(v notify.BookingView) language {
	code := i18n.Normalize(v.Language)
	t := i18n.Picker(code)
	l := language{
		code:    code,
		kinds:   map[string]words{},
		date:    func(tm time.Time) string { return textfmt.LongDate(code, tm) },
		clockAt: func(tm, ref time.Time) string { return textfmt.ClockAt(code, tm, ref) },
	}
	lv := reflect.ValueOf(&l.labels).Elem()
	for i := range lv.NumField() {
		lv.Field(i).SetString(t(LabelKey(lv.Type().Field(i).Name)))
	}
	for _, k := range Kinds {
		l.kinds[k] = words{Subject: t("email." + k + ".subject"), Heading: t("email." + k + ".heading"), Intro: t("email." + k + ".intro")}
	}
	return l
}

// LabelKey is the catalog key of a labels field ("Greeting" →
// "email.label.greeting").
func LabelKey(field string) string {
	return "email.label." + strings.ToLower(field[:1]) + field[1:]
}

// LabelFields lists the labels every message shares, for the test that
// checks the catalog has them all.
func LabelFields() []string {
	t := reflect.TypeFor[labels]()
	out := make([]string, t.NumField())
	for i := range out {
		out[i] = t.Field(i).Name
	}
	return out
}

// view is what the templates see: every value already formatted, so the
// templates hold no logic beyond showing or hiding a section.
type view struct {
	Lang                       string
	T                          labels
	Subject, Heading, Greeting string
	Intro                      string
	OrgName, OrgContact        string
	Code, Resource             string
	Place, Address, When       string
	Operator, Reason           string
	Documents                  []string
	CancelURL                  string
	ICSNote                    string // set when the calendar file is attached
	QR, HasDetails             bool
	BookedBy                   string // the sentence naming the booker
	RebookURL                  string
	OfferURL                   string // a waiting-list offer's page
	ReceiptURL                 string
	Remote                     string // how a remote appointment takes place
	// TicketLines state the ticket's seats, entry window and stay.
	TicketLines []string
	// Proposal is set for the proposal of other dates.
	Proposal *proposalView
}

type proposalView struct {
	Message, Until, DeclineURL string
	Options                    []proposalOption
}

type proposalOption struct {
	When, Operator, AcceptURL string
}

// Render returns the subject and the plain-text and HTML bodies of a
// message of the given kind about v, in v.Language ("it", "en", "de";
// Italian otherwise). Times are shown in v.TimeZone (Europe/Rome
// when nil). Every value from v is escaped in the HTML.
func Render(kind string, v notify.BookingView) (subject, text, html string, err error) {
	spec, ok := specs[kind]
	if !ok {
		return "", "", "", fmt.Errorf("%w %q", ErrUnknownKind, kind)
	}
	lang := languageOf(v)
	w := lang.kinds[kind]
	loc := v.TimeZone
	if loc == nil {
		loc = defaultLocation()
	}

	d := view{
		Lang: lang.code, T: lang.labels, Heading: w.Heading,
		OrgName: oneLine(v.OrgName), OrgContact: oneLine(v.OrgContact),
		Code: oneLine(v.Code), Resource: oneLine(v.Resource),
		Place: oneLine(v.Place), Address: oneLine(v.Address),
		QR: spec.qr && len(v.QRPNG) > 0,
	}
	if spec.ics && len(v.ICS) > 0 {
		d.ICSNote = lang.labels.ICSNote
		if kind == KindBookingCancelled {
			d.ICSNote = lang.labels.ICSCancelNote
		}
	}
	d.Greeting = lang.labels.GreetingAnon
	if name := oneLine(v.Beneficiary); name != "" {
		d.Greeting = fmt.Sprintf(lang.labels.Greeting, name)
	}
	if spec.when && !v.Start.IsZero() {
		d.When = lang.date(v.Start.In(loc))
	}
	if spec.operator {
		d.Operator = oneLine(v.Operator)
	}
	if spec.documents {
		for _, doc := range v.Documents {
			if doc = oneLine(doc); doc != "" {
				d.Documents = append(d.Documents, doc)
			}
		}
	}
	if spec.cancel {
		d.CancelURL = webLink(v.CancelURL)
		d.ReceiptURL = webLink(v.ReceiptURL)
	}
	if spec.reason {
		d.Reason = oneLine(v.Reason)
	}
	if spec.when && kind != KindBookingCancelled {
		switch v.Remote {
		case notify.RemotePhone:
			d.Remote = lang.labels.PhoneCallNoNumber
			if n := oneLine(v.CallPhone); n != "" {
				d.Remote = fmt.Sprintf(lang.labels.PhoneCall, n)
			}
		case notify.RemoteVideo:
			d.Remote = lang.labels.VideoCall
			if link := webLink(v.MeetingURL); link != "" {
				d.Remote = fmt.Sprintf(lang.labels.VideoCallLink, link)
			}
		}
	}
	if name := oneLine(v.BookedBy); name != "" {
		d.BookedBy = fmt.Sprintf(lang.labels.BookedBy, name)
	}
	if kind == KindBookingCancelled && v.CancelledByOffice {
		d.RebookURL = webLink(v.RebookURL)
	}
	if t := v.Ticket; t != nil && spec.qr && kind != KindTicketExpiryWarn {
		d.TicketLines = textfmt.TicketTerms(lang.code, t.Seats, t.ValidFrom, t.ValidUntil, t.MaxStay, loc, v.Start)
	}
	if p := v.Proposal; p != nil && kind == KindBookingProposal {
		pv := &proposalView{Message: oneLine(p.Message), DeclineURL: webLink(p.DeclineURL)}
		if !p.ExpiresAt.IsZero() {
			pv.Until = fmt.Sprintf(lang.labels.ProposalUntil, lang.date(p.ExpiresAt.In(loc)))
		}
		for _, o := range p.Options {
			pv.Options = append(pv.Options, proposalOption{When: lang.date(o.Start.In(loc)), Operator: oneLine(o.Operator), AcceptURL: webLink(o.AcceptURL)})
		}
		d.Proposal = pv
	}
	d.HasDetails = d.Resource != "" || d.Place != "" || d.Address != "" || d.When != "" || d.Operator != "" || d.Reason != ""

	// What the subject names: the time for the ticket kinds, the date
	// for the reminder, which is about when, and otherwise the code, what
	// the office asks for on the phone. The intro continues the greeting,
	// which ends with a comma, hence its lower-case start.
	d.Intro = w.Intro
	d.Subject = fmt.Sprintf(w.Subject, d.Code)
	switch {
	case spec.expiry && v.TicketExpires.IsZero():
		d.Intro, d.Subject = lang.labels.NoExpiry, w.Heading
	case spec.expiry:
		at := lang.clockAt(v.TicketExpires.In(loc), v.Start.In(loc))
		d.Intro, d.Subject = fmt.Sprintf(w.Intro, at), fmt.Sprintf(w.Subject, at)
	case spec.offer:
		at := lang.clockAt(v.OfferExpires.In(loc), v.Start.In(loc))
		d.Intro, d.Subject = fmt.Sprintf(w.Intro, at), fmt.Sprintf(w.Subject, at)
		d.OfferURL = webLink(v.OfferURL)
		if v.Seats > 0 {
			d.Intro += " " + fmt.Sprintf(lang.labels.Seats, v.Seats) + "."
		}
	case kind == KindBookingReminder && d.When != "":
		d.Subject = fmt.Sprintf(w.Subject, d.When)
	case kind == KindBookingCancelled && v.CancelledByOffice:
		d.Intro = lang.labels.OfficeCancelled
	case d.Code == "":
		d.Subject = w.Heading
	}

	var tb, hb bytes.Buffer
	if err := textTmpl.Execute(&tb, d); err != nil {
		return "", "", "", fmt.Errorf("email: render %s text: %w", kind, err)
	}
	if err := htmlTmpl.Execute(&hb, d); err != nil {
		return "", "", "", fmt.Errorf("email: render %s html: %w", kind, err)
	}
	return oneLine(d.Subject), tb.String(), hb.String(), nil
}

// Compose renders kind for v and returns the e-mail to v.Email, with the
// QR inline (Content-ID "qr") when v.QRPNG is set and the kind shows it,
// and v.ICS attached as calendar.FileName(v.Code) ("prenotazione-
// KM7R4TXA.ics") when set and the kind is about a booking. messageID is
// the outbox message's stable id (see Sender.Send).
func Compose(kind string, v notify.BookingView, messageID string) (notify.Email, error) {
	if strings.TrimSpace(v.Email) == "" {
		return notify.Email{}, errors.New("email: compose: the recipient has no e-mail address")
	}
	if strings.TrimSpace(messageID) == "" {
		return notify.Email{}, errors.New("email: compose: message id is required")
	}
	subject, text, html, err := Render(kind, v)
	if err != nil {
		return notify.Email{}, err
	}
	e := notify.Email{To: v.Email, Subject: subject, Text: text, HTML: html, MessageID: messageID}
	// Attach the image only when the HTML refers to it: an unreferenced
	// inline part shows up as a stray attachment in most clients.
	if specs[kind].qr && len(v.QRPNG) > 0 {
		e.Inline = append(e.Inline, notify.Attachment{
			Name: "qr.png", ContentType: "image/png", ContentID: QRContentID, Data: v.QRPNG,
		})
	}
	if specs[kind].ics && len(v.ICS) > 0 {
		e.Files = append(e.Files, notify.Attachment{
			Name: calendar.FileName(v.Code), ContentType: ICSContentType, Data: v.ICS,
		})
	}
	return e, nil
}

// webLink returns u when it is an absolute http(s) URL, and "" otherwise:
// html/template would neutralize a javascript: link in the HTML, but the
// plain-text part would still show it.
func webLink(u string) string {
	u = strings.TrimSpace(u)
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return ""
	}
	return u
}

// defaultLocation is Europe/Rome, where Varco's offices are, or UTC on a
// system without the time zone database.
var defaultLocation = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return time.UTC
	}
	return loc
})
