package person

import "strings"

// ParsePhone accepts an international number ("+..." or "00...") or an
// Italian national number (mobile 3xx, landline 0xx), tolerating spaces, dots,
// dashes and parentheses, and returns it in E.164 form ("+39..." for Italy).
func ParsePhone(s string) (string, error) {
	const field = "phone"
	s = strings.TrimSpace(s)
	if s == "" {
		return "", newError(field, CodeRequired)
	}
	var digits []byte
	plus := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digits = append(digits, c)
		case c == ' ' || c == '.' || c == '-' || c == '(' || c == ')':
		// '+' is allowed only before any digit, so "(+39) 333..." passes
		// but "333+1" does not.
		case c == '+' && !plus && len(digits) == 0:
			plus = true
		default:
			return "", newError(field, CodePhoneFormat)
		}
	}
	n := string(digits)
	switch {
	case plus:
	case strings.HasPrefix(n, "00"):
		n = n[2:]
	default:
		return italianNational(field, n)
	}
	// E.164 allows at most 15 digits; under 8 no real subscriber number exists.
	if len(n) < 8 || len(n) > 15 {
		return "", newError(field, CodePhoneLength)
	}
	if n[0] == '0' {
		return "", newError(field, CodePhoneFormat)
	}
	if strings.HasPrefix(n, "39") {
		// Italian numbers keep their trunk '0' in E.164, so the national
		// rules apply unchanged after the country code.
		return italianNational(field, n[2:])
	}
	return "+" + n, nil
}

// italianNational validates a number as dialled inside Italy. Other national
// ranges (toll-free 80x, premium 89x, short codes) are refused because they
// cannot be used to reach a citizen about a booking.
func italianNational(field, n string) (string, error) {
	switch {
	case strings.HasPrefix(n, "3"):
		if len(n) < 9 || len(n) > 10 {
			return "", newError(field, CodePhoneLength)
		}
	case strings.HasPrefix(n, "0"):
		if len(n) < 6 || len(n) > 11 {
			return "", newError(field, CodePhoneLength)
		}
	default:
		return "", newError(field, CodePhoneFormat)
	}
	return "+39" + n, nil
}
