package api

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/i18n"
	"github.com/varco-gate/varco/internal/textfmt"
)

// ProposalLinkPattern is the landing page of the links in the e-mail that
// proposes other dates (render.ProposalPath).
const ProposalLinkPattern = "/proposals/{id}"

var proposalPage = template.Must(template.New("proposal").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}
.code{font-size:1.6rem;font-weight:700;letter-spacing:.1em}.ok{color:#0a6b2a}.err{color:#a40000}
.alt{border:1px solid #999;border-radius:.5rem;padding:.8rem;margin:.8rem 0}.alt.picked{border:3px solid #0066cc}
button{font-size:1.1rem;padding:.6rem 1.2rem}</style></head><body>
<h1>{{.Title}}</h1>
{{if .Error}}<p class="err">{{.Error}}</p>{{end}}
{{if .Done}}<p class="ok">{{.Done}}</p>{{end}}
{{if .Code}}<p class="code">{{.Code}}</p><p>{{.Resource}}<br>{{.CurrentLabel}}: {{.When}}</p>{{end}}
{{if .Message}}<p><strong>{{.MessageLabel}}:</strong> {{.Message}}</p>{{end}}
{{if .Open}}<p>{{.Until}}</p>
{{range .Alternatives}}<div class="alt{{if .Picked}} picked{{end}}"><p><strong>{{.When}}</strong>{{if .Operator}} ({{.Operator}}){{end}}</p>
<form method="post"><input type="hidden" name="choice" value="{{.N}}"><button type="submit"{{if .Picked}} autofocus{{end}}>{{$.Accept}}</button></form></div>
{{end}}
<form method="post"><input type="hidden" name="choice" value="0"><p>{{.DeclineLead}}</p><button type="submit"{{if .Declining}} autofocus{{end}}>{{.Decline}}</button></form>
{{end}}
</body></html>`))

type proposalAlt struct {
	N              int
	When, Operator string
	Picked         bool
}

// NewProposalLinkHandler serves the proposal's links: GET shows the dates
// (the one the link names highlighted), POST with choice=N accepts date N
// and choice=0 declines. A GET changes nothing, so a mail scanner that
// follows links accepts nothing. The link's token is the capability.
func NewProposalLinkHandler(b Bookings, cat CatalogReader, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := Language(r.Header)
		pick := i18n.Picker(lang)
		data := map[string]any{"Lang": lang, "Title": pick("page.proposal.another_date_proposed"),
			"Accept": pick("page.proposal.accept_this_date"), "Decline": pick("page.proposal.decline_the_dates_proposed"),
			"DeclineLead":  pick("page.proposal.none_suits_you_decline_the"),
			"CurrentLabel": pick("page.proposal.current_date"), "MessageLabel": pick("page.proposal.message_from_the_office")}
		id, tok := r.PathValue("id"), r.URL.Query().Get("token")
		p, bk, err := b.ProposalWithToken(r.Context(), id, tok)
		if err == nil && r.Method == http.MethodPost {
			if err = r.ParseForm(); err == nil {
				choice, _ := strconv.Atoi(r.PostFormValue("choice"))
				var res booking.ProposalResult
				if res, err = b.RespondWithToken(r.Context(), id, tok, choice); err == nil {
					p, bk = res.Proposal, res.Booking
					data["Done"] = pick("page.proposal.you_declined_the_dates_proposed")
					if choice > 0 {
						data["Done"] = pick("page.proposal.done_the_booking_was_moved")
					}
				}
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("X-Frame-Options", "DENY")
		if err != nil {
			var fe *fault.Error
			switch {
			case !errors.As(err, &fe):
				log.ErrorContext(r.Context(), "proposal link", slog.Any("err", err))
				w.WriteHeader(http.StatusInternalServerError)
				data["Error"] = pick("page.proposal.internal_error_try_again_later")
			case fe.Kind == fault.PermissionDenied || fe.Kind == fault.NotFound:
				w.WriteHeader(http.StatusNotFound)
				data["Error"] = fe.Message(lang)
			default:
				w.WriteHeader(http.StatusConflict)
				data["Error"] = fe.Message(lang)
			}
		}
		if bk.ID != "" {
			if d, derr := catalog.Describe(r.Context(), cat, bk.ResourceID, bk.OperatorID); derr == nil {
				loc, _ := d.Place.Zone()
				data["Code"], data["Resource"], data["When"] = token.FormatCode(bk.Code), d.Resource.Name, textfmt.LongDate(lang, bk.Start.In(loc))
				data["Message"] = p.Message
				if p.Status == booking.ProposalPending && b.Now().Before(p.ExpiresAt) {
					picked, _ := strconv.Atoi(r.URL.Query().Get("accept"))
					data["Open"], data["Declining"] = true, r.URL.Query().Get("decline") != ""
					data["Until"] = pick("page.proposal.the_dates_are_held_for") + textfmt.LongDate(lang, p.ExpiresAt.In(loc)) + "."
					var alts []proposalAlt
					for i, a := range p.Alternatives {
						alt := proposalAlt{N: i + 1, When: textfmt.LongDate(lang, a.Start.In(loc)), Picked: picked == i+1}
						if a.OperatorID != "" && a.OperatorID != bk.OperatorID {
							if od, err := catalog.Describe(r.Context(), cat, bk.ResourceID, a.OperatorID); err == nil {
								alt.Operator = od.Operator
							}
						}
						alts = append(alts, alt)
					}
					data["Alternatives"] = alts
				} else if data["Done"] == nil && err == nil {
					data["Error"] = booking.ErrProposalClosed.Message(lang)
					if p.Status == booking.ProposalExpired || p.Status == booking.ProposalPending {
						data["Error"] = booking.ErrProposalExpired.Message(lang)
					}
				}
			}
		}
		_ = proposalPage.Execute(w, data)
	})
}
