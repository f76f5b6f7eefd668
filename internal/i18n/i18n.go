// Package i18n is the one message catalog of Varco: every text shown to
// people (e-mails, push and App IO messages, errors, receipts, calendar
// files, CLI tables, web pages) lives under a stable key in
// locales/<domain>/<lang>.json, in Italian, English and German. The server
// and the CLI read the server and cli domains through T; the web build
// imports the citizen, staff and gate domains from the same directory, so
// one file per language is reviewed and translated.
//
// Italian is the default: Varco serves Italian municipalities, and the
// bilingual ones of Alto Adige / Südtirol add German.
package i18n

import (
	"strings"

	"golang.org/x/text/language"
)

// The languages of the catalog. Codes are the ones stored in accounts and
// bookings and sent in Accept-Language.
const (
	IT = "it"
	EN = "en"
	DE = "de"
)

// Langs lists the languages, the default first.
var Langs = []string{IT, EN, DE}

// matcher picks among the catalog's languages; the first is the default.
// A Matcher is safe for concurrent use and never changes after creation.
var matcher = language.NewMatcher([]language.Tag{language.Italian, language.English, language.German})

// Match picks the language for an Accept-Language header value, honouring
// q-values ("fr;q=1, de;q=0.8, en;q=0.5" is German) and regional variants
// ("de-AT", "en-GB"); Italian when nothing matches or the header is empty
// or malformed.
func Match(acceptLanguage string) string {
	if strings.TrimSpace(acceptLanguage) == "" {
		return IT
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return IT
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return IT
	}
	return Langs[i]
}

// Supported reports whether code names a catalog language exactly ("it",
// "en", "de"), for request fields that store a language.
func Supported(code string) bool {
	for _, l := range Langs {
		if code == l {
			return true
		}
	}
	return false
}

// Normalize returns the catalog language of lang ("de", "DE", "de-AT" are
// German) and Italian otherwise, so stored values from older versions or
// typos still render.
func Normalize(lang string) string {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	if Supported(base) {
		return base
	}
	return IT
}
