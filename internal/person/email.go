package person

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseEmail validates a bare e-mail address (no display name, no angle
// brackets) and returns it trimmed with the domain lower-cased. The local
// part keeps its case because RFC 5321 lets servers treat it as significant.
func ParseEmail(s string) (string, error) {
	const field = "email"
	s = strings.TrimSpace(s)
	if s == "" {
		return "", newError(field, CodeRequired)
	}
	// RFC 5321 path limit; longer addresses cannot be delivered anyway.
	if len(s) > 254 {
		return "", newError(field, CodeEmailLength)
	}
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) {
			return "", newError(field, CodeEmailFormat)
		}
	}
	addr, err := mail.ParseAddress(s)
	// Requiring the parsed address to equal the input rejects display names,
	// <angle> forms and quoted local parts that net/mail would rewrite:
	// the confirmation e-mail must go to exactly what the citizen typed.
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", newError(field, CodeEmailFormat)
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if len(local) > 64 {
		return "", newError(field, CodeEmailLength)
	}
	if !validDomain(domain) {
		return "", newError(field, CodeEmailDomain)
	}
	return local + "@" + domain, nil
}

// validDomain requires a dotted host name whose TLD is at least two letters
// (or an IDN "xn--" label), which catches typos like "gmail" or "libero.i"
// that net/mail accepts as syntactically valid.
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	tld := labels[len(labels)-1]
	if strings.HasPrefix(tld, "xn--") {
		return len(tld) > 4
	}
	if utf8.RuneCountInString(tld) < 2 {
		return false
	}
	for _, r := range tld {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}
