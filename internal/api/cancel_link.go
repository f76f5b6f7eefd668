package api

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/i18n"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
)

// CancelLinkPattern is the landing page of the e-mail's cancel link.
const CancelLinkPattern = "/bookings/{code}/cancel"

var cancelPage = template.Must(template.New("cancel").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}
.code{font-size:1.6rem;font-weight:700;letter-spacing:.1em}.ok{color:#0a6b2a}.err{color:#a40000}
button{font-size:1.1rem;padding:.6rem 1.2rem}</style></head><body>
<h1>{{.Title}}</h1>
{{if .Error}}<p class="err">{{.Error}}</p>{{end}}
{{if .Booking}}<p class="code">{{.Code}}</p><p>{{.Resource}}<br>{{.When}}<br>{{.Place}}</p>
{{if .Done}}<p class="ok">{{.DoneText}}</p>
{{else if .CanCancel}}<form method="post"><label>{{.ReasonLabel}}<br><input name="reason" maxlength="500" size="40"></label>
<p><button type="submit">{{.Button}}</button></p></form>{{end}}{{end}}
</body></html>`))

// NewCancelLinkHandler serves the cancel link: GET shows the booking, POST
// cancels it. The link's token is the capability; nothing else is asked.
func NewCancelLinkHandler(b Bookings, cat CatalogReader, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := Language(r.Header)
		pick := i18n.Picker(lang)
		data := map[string]any{"Lang": lang, "Title": pick("page.cancel.cancel_the_booking"),
			"ReasonLabel": pick("page.cancel.reason_optional"), "Button": pick("page.cancel.cancel_the_booking"),
			"DoneText": pick("page.cancel.the_booking_was_cancelled_you")}
		code, tok := r.PathValue("code"), r.URL.Query().Get("token")
		bk, err := b.GetWithToken(r.Context(), code, tok)
		if err == nil && r.Method == http.MethodPost {
			if err = r.ParseForm(); err == nil {
				bk, err = b.CancelWithToken(r.Context(), code, tok, r.PostFormValue("reason"))
				data["Done"] = err == nil
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("X-Frame-Options", "DENY")
		if err != nil {
			var fe *fault.Error
			if !errors.As(err, &fe) {
				log.ErrorContext(r.Context(), "cancel link", slog.Any("err", err))
				w.WriteHeader(http.StatusInternalServerError)
				data["Error"] = pick("page.cancel.internal_error_try_again_later")
			} else {
				if fe.Kind == fault.PermissionDenied || fe.Kind == fault.NotFound {
					w.WriteHeader(http.StatusNotFound)
				} else {
					w.WriteHeader(http.StatusConflict)
				}
				data["Error"] = fe.Message(lang)
			}
		}
		if bk.ID != "" {
			if d, derr := catalog.Describe(r.Context(), cat, bk.ResourceID, bk.OperatorID); derr == nil {
				loc, _ := d.Place.Zone()
				data["Booking"], data["Code"], data["Resource"], data["Place"] = true, token.FormatCode(bk.Code), d.Resource.Name, d.Place.Name
				data["When"] = bk.Start.In(loc).Format("02/01/2006 15:04")
				// The cut-off is the domain's to enforce: a late click gets its message.
				data["CanCancel"] = bk.Status == booking.Confirmed
			}
		}
		_ = cancelPage.Execute(w, data)
	})
}
