package person

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseName validates a given name or surname and returns it with outer
// spaces trimmed, inner whitespace collapsed to one space and the
// typographic apostrophe (’) turned into ASCII ('), so that "D’Angelo" typed
// on a phone and "D'Angelo" typed on a PC are stored and matched alike.
// field names the request field in errors, e.g. "name" or "surname".
func ParseName(field, s string) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "", newError(field, CodeRequired)
	}
	if utf8.RuneCountInString(s) > 100 {
		return "", newError(field, CodeNameLength)
	}
	letters := 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letters++
		// Combining marks let decomposed accents (e + U+0301) through,
		// since the standard library offers no Unicode normalization.
		case unicode.IsMark(r), r == ' ', r == '\'', r == '’', r == '-', r == '.':
		default:
			return "", newError(field, CodeNameChars)
		}
	}
	// Punctuation alone ("-", "...") is not a name.
	if letters == 0 {
		return "", newError(field, CodeNameChars)
	}
	return strings.ReplaceAll(s, "’", "'"), nil
}

// CheckLine refuses free text that must fit on one line (a gate's name, a
// birth place) when it holds a control character: a NUL, a line break or
// an escape would break lists, e-mails, CSV exports and terminals.
func CheckLine(field, s string) error {
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return newError(field, CodeControlChars)
	}
	return nil
}

// StripControl removes control characters from text that is shown but
// not worth refusing a request for (a scanner's hardware description).
func StripControl(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
