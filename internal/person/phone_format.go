package person

import "strings"

// italianAreaCodes2 and italianAreaCodes3 are the Italian landline area
// codes of two and three digits (with the trunk 0); every other landline
// has a four-digit one. Grouping a number by its area code is how Italians
// read and dial it ("+39 0376 000050", "+39 02 1234 5678").
var (
	italianAreaCodes2 = []string{"02", "06"}
	italianAreaCodes3 = []string{"010", "011", "015", "019", "030", "031", "035", "039", "040", "041", "045", "049",
		"050", "051", "055", "059", "070", "071", "075", "079", "080", "081", "085", "089", "090", "091", "095", "099"}
)

// FormatPhone shows an E.164 number (as ParsePhone returns it) the way
// people read it: Italian mobiles as "+39 333 123 4567", Italian landlines
// split after the area code ("+39 0376 000050"), other countries' numbers
// after the country code is not known here, so they stay as they are.
// Anything that is not E.164 is returned unchanged.
func FormatPhone(e164 string) string {
	n, ok := strings.CutPrefix(e164, "+39")
	if !ok || n == "" {
		return e164
	}
	for i := range len(n) {
		if !isDigit(n[i]) {
			return e164
		}
	}
	switch {
	case n[0] == '3' && len(n) == 10:
		return "+39 " + n[:3] + " " + n[3:6] + " " + n[6:]
	case n[0] == '3':
		return "+39 " + n[:3] + " " + n[3:]
	case n[0] == '0':
		area := 4
		for _, c := range italianAreaCodes2 {
			if strings.HasPrefix(n, c) {
				area = 2
			}
		}
		for _, c := range italianAreaCodes3 {
			if strings.HasPrefix(n, c) {
				area = 3
			}
		}
		if len(n) <= area {
			return e164
		}
		rest := n[area:]
		if area == 2 && len(rest) == 8 {
			rest = rest[:4] + " " + rest[4:]
		}
		return "+39 " + n[:area] + " " + rest
	}
	return e164
}
