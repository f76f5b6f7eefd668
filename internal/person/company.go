package person

import "strings"

// ParseCompanyCode validates the 11-digit numeric codice fiscale of companies
// and other non-natural persons (the same number as their partita IVA) and
// returns it trimmed. Letters or an "IT" prefix are rejected on purpose: the
// codice fiscale never has them, only the VAT number in EU contexts does.
func ParseCompanyCode(s string) (string, error) {
	const field = "codice_fiscale"
	s = strings.TrimSpace(s)
	if s == "" {
		return "", newError(field, CodeRequired)
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return "", newError(field, CodeCompanyFormat)
		}
	}
	if len(s) != 11 {
		return "", newError(field, CodeCompanyLength)
	}
	// All zeros passes the checksum but is never issued.
	if s == "00000000000" {
		return "", newError(field, CodeCompanyCheck)
	}
	if companyCheckDigit(s[:10]) != s[10] {
		return "", newError(field, CodeCompanyCheck)
	}
	return s, nil
}

// companyCheckDigit is the Luhn variant used by the tax agency: digits in
// even 0-based positions count as they are, the others are doubled with 9
// subtracted when the double exceeds 9.
func companyCheckDigit(s string) byte {
	sum := 0
	for i := 0; i < 10; i++ {
		v := int(s[i] - '0')
		if i%2 == 1 {
			if v *= 2; v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return byte('0' + (10-sum%10)%10)
}
