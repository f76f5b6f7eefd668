package email

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"

	"github.com/varco-gate/varco/internal/i18n"
	"github.com/varco-gate/varco/internal/notify"
)

// guestCodeHTML is the HTML part of the code e-mail; one short paragraph
// and the code, large, so it reads on a phone's lock screen too.
var guestCodeHTML = htmltemplate.Must(htmltemplate.New("code").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family:sans-serif">
<p>{{.Intro}}</p>
<p style="font-size:32px;font-weight:bold;letter-spacing:6px">{{.Code}}</p>
<p>{{.Validity}}</p>
<p style="color:#555">{{.Ignore}}</p>
</body></html>`))

// ComposeCode builds the e-mail with a guest's one-time code. The code is
// in the subject as well, so it can be read from the notification.
func ComposeCode(v notify.GuestCodeView, messageID string) (notify.Email, error) {
	if strings.TrimSpace(v.Email) == "" || strings.TrimSpace(messageID) == "" {
		return notify.Email{}, errors.New("email: compose code: recipient and message id are required")
	}
	minutes := int(v.Valid.Minutes())
	what := v.Resource
	if v.OrgName != "" {
		what += " (" + v.OrgName + ")"
	}
	lang := i18n.Normalize(v.Language)
	t := i18n.Picker(lang)
	d := struct{ Lang, Subject, Intro, Code, Validity, Ignore string }{
		Lang:     lang,
		Code:     v.Code,
		Subject:  t("email.guest_code.subject", v.Code),
		Intro:    t("email.guest_code.intro", what),
		Validity: t("email.guest_code.validity", minutes),
		Ignore:   t("email.guest_code.ignore"),
	}
	var html bytes.Buffer
	if err := guestCodeHTML.Execute(&html, d); err != nil {
		return notify.Email{}, fmt.Errorf("email: compose code: %w", err)
	}
	text := d.Intro + "\n\n    " + d.Code + "\n\n" + d.Validity + "\n\n" + d.Ignore + "\n"
	return notify.Email{To: v.Email, Subject: d.Subject, Text: text, HTML: html.String(), MessageID: messageID}, nil
}
