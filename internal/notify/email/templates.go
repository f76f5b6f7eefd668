package email

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/varco-gate/varco/internal/calendar"
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

var italian = language{
	code: "it",
	labels: labels{
		Greeting: "Gentile %s,", GreetingAnon: "Gentile utente,",
		Code: "Codice prenotazione", Service: "Servizio", Place: "Luogo", When: "Data e ora",
		Operator: "Operatore", Reason: "Motivo", Documents: "Documenti da portare",
		ShowQR:        "Mostra questo QR all'ingresso",
		ShowQRText:    "Mostra il QR del biglietto all'ingresso: lo trovi nella versione HTML di questo messaggio.",
		QRAlt:         "QR del biglietto",
		ICSNote:       "In allegato trovi l'appuntamento da aggiungere al tuo calendario.",
		ICSCancelNote: "In allegato trovi l'aggiornamento che toglie l'appuntamento dal tuo calendario.",
		CancelLead:    "Non puoi venire? Annulla la prenotazione per liberare il posto:", CancelButton: "Annulla la prenotazione",
		Automatic: "Messaggio inviato automaticamente.", Contact: "Per informazioni",
		NoExpiry:        "il tuo biglietto è scaduto.",
		BookedBy:        "Questa prenotazione è stata fatta per te da %s.",
		OfficeCancelled: "l'ufficio ha dovuto annullare la tua prenotazione. Ci scusiamo per il disagio.",
		RebookLead:      "Puoi scegliere un nuovo appuntamento:", RebookButton: "Prenota di nuovo",
		TicketHeading: "Il tuo biglietto", Receipt: "Scarica la ricevuta (PDF)",
		PhoneCall:         "È un appuntamento telefonico: ti chiameremo al %s all'ora indicata. Non devi venire in ufficio.",
		PhoneCallNoNumber: "È un appuntamento telefonico: ti chiameremo all'ora indicata. Non devi venire in ufficio.",
		VideoCall:         "È un appuntamento in videochiamata: l'ufficio ti invierà il link per collegarti. Non devi venire in ufficio.",
		VideoCallLink:     "È un appuntamento in videochiamata: all'ora indicata collegati a %s. Non devi venire in ufficio.",
		OfferLead:         "Conferma il posto (o rinuncia) dall'app, in Le mie prenotazioni:", OfferButton: "Conferma il posto",
		Seats:           "Posti riservati per te: %d",
		ProposalMessage: "Messaggio dell'ufficio", ProposalDates: "Date proposte", ProposalAccept: "Accetta questa data",
		ProposalUntil: "Queste date restano riservate per te fino a %s; poi la prenotazione resta com'è.",
		DeclineLead:   "Nessuna data va bene? Rifiuta: la prenotazione resta com'è.", DeclineButton: "Rifiuta le date proposte",
	},
	kinds: map[string]words{
		KindBookingConfirmed:   {"Prenotazione confermata: %s", "Prenotazione confermata", "la tua prenotazione è confermata. Ecco la ricevuta."},
		KindBookingRescheduled: {"Prenotazione spostata: %s", "Prenotazione spostata", "la tua prenotazione è stata spostata. Ecco i nuovi dati."},
		KindBookingCancelled:   {"Prenotazione annullata: %s", "Prenotazione annullata", "la tua prenotazione è stata annullata."},
		KindBookingReminder:    {"Promemoria: %s", "Promemoria appuntamento", "ti ricordiamo il tuo appuntamento."},
		KindTicketExpiryWarn:   {"Il tuo biglietto scade alle %s", "Il tuo biglietto sta per scadere", "il tuo biglietto scade alle %[1]s: devi uscire entro le %[1]s. Dopo quell'ora non sarà più valido."},
		KindTicketExpired:      {"Il tuo biglietto è scaduto alle %s", "Biglietto scaduto", "il tuo biglietto è scaduto alle %s."},
		KindWaitlistOffer: {"Si è liberato un posto: confermalo entro le %s", "Si è liberato un posto",
			"si è liberato un posto per te dalla lista d'attesa. È riservato a tuo nome fino alle %[1]s: confermalo entro le %[1]s, altrimenti passerà alla persona successiva in lista."},
		KindBookingProposal: {"Ti proponiamo un'altra data: %s", "Proposta di un'altra data",
			"l'ufficio ti propone di spostare la tua prenotazione. Scegli una delle date qui sotto, oppure rifiuta: la prenotazione resta com'è."},
		KindBookingProposalExpired: {"Proposta scaduta: %s", "Proposta di altre date scaduta",
			"le date che ti avevamo proposto non sono più riservate per te: la tua prenotazione resta com'era."},
		KindBookingMeetingLink: {"Link della videochiamata: %s", "Link della videochiamata",
			"l'ufficio ha impostato il link della tua videochiamata. Il calendario allegato è aggiornato."},
	},
	date:    func(t time.Time) string { return textfmt.LongDate("it", t) },
	clockAt: func(t, ref time.Time) string { return textfmt.ClockAt("it", t, ref) },
}

var english = language{
	code: "en",
	labels: labels{
		Greeting: "Dear %s,", GreetingAnon: "Hello,",
		Code: "Booking code", Service: "Service", Place: "Place", When: "Date and time",
		Operator: "Operator", Reason: "Reason", Documents: "Documents to bring",
		ShowQR:        "Show this QR code at the entrance",
		ShowQRText:    "Show the ticket's QR code at the entrance: it is in the HTML version of this message.",
		QRAlt:         "Ticket QR code",
		ICSNote:       "The appointment is attached, ready to add to your calendar.",
		ICSCancelNote: "The attached update removes the appointment from your calendar.",
		CancelLead:    "Can't make it? Cancel the booking to free the slot:", CancelButton: "Cancel the booking",
		Automatic: "This message was sent automatically.", Contact: "Information",
		NoExpiry:        "your ticket has expired.",
		BookedBy:        "This booking was made for you by %s.",
		OfficeCancelled: "the office had to cancel your booking. We apologize for the inconvenience.",
		RebookLead:      "You can choose a new appointment:", RebookButton: "Book again",
		TicketHeading: "Your ticket", Receipt: "Download the receipt (PDF)",
		PhoneCall:         "This is a phone appointment: we will call you on %s at the time given. You do not need to come to the office.",
		PhoneCallNoNumber: "This is a phone appointment: we will call you at the time given. You do not need to come to the office.",
		VideoCall:         "This is a video call: the office will send you the link to join. You do not need to come to the office.",
		VideoCallLink:     "This is a video call: at the time given, join at %s. You do not need to come to the office.",
		OfferLead:         "Confirm the seat (or decline it) in the app, under My bookings:", OfferButton: "Confirm the seat",
		Seats:           "Seats held for you: %d",
		ProposalMessage: "Message from the office", ProposalDates: "Dates proposed", ProposalAccept: "Accept this date",
		ProposalUntil: "These dates are held for you until %s; after that the booking stays as it is.",
		DeclineLead:   "None of them suits you? Decline: the booking stays as it is.", DeclineButton: "Decline the dates proposed",
	},
	kinds: map[string]words{
		KindBookingConfirmed:   {"Booking confirmed: %s", "Booking confirmed", "your booking is confirmed. Here is your receipt."},
		KindBookingRescheduled: {"Booking rescheduled: %s", "Booking rescheduled", "your booking has been moved. Here are the new details."},
		KindBookingCancelled:   {"Booking cancelled: %s", "Booking cancelled", "your booking has been cancelled."},
		KindBookingReminder:    {"Reminder: %s", "Appointment reminder", "this is a reminder of your appointment."},
		KindTicketExpiryWarn:   {"Your ticket expires at %s", "Your ticket is about to expire", "your ticket expires at %[1]s: please leave by %[1]s. After that time it is no longer valid."},
		KindTicketExpired:      {"Your ticket expired at %s", "Ticket expired", "your ticket expired at %s."},
		KindWaitlistOffer: {"A seat is free: confirm it by %s", "A seat is free",
			"a seat has become free for you from the waiting list. It is held in your name until %[1]s: confirm it by %[1]s, or it passes to the next person in line."},
		KindBookingProposal: {"Another date proposed: %s", "Another date proposed",
			"the office proposes to move your booking. Pick one of the dates below, or decline: the booking stays as it is."},
		KindBookingProposalExpired: {"Proposal lapsed: %s", "Proposed dates lapsed",
			"the dates we proposed are no longer held for you: your booking stays as it was."},
		KindBookingMeetingLink: {"Video-call link: %s", "Video-call link",
			"the office set the link of your video call. The attached calendar file is updated."},
	},
	date:    func(t time.Time) string { return textfmt.LongDate("en", t) },
	clockAt: func(t, ref time.Time) string { return textfmt.ClockAt("en", t, ref) },
}

func languageOf(v notify.BookingView) language {
	if v.Language == "en" {
		return english
	}
	return italian
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
// message of the given kind about v, in English when v.Language is "en"
// and in Italian otherwise. Times are shown in v.TimeZone (Europe/Rome
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
