package person

import (
	"strings"
	"time"
	"unicode/utf8"
)

const fieldCF = "codice_fiscale"

// CodiceFiscale is a validated, normalized personal codice fiscale together
// with the birth data encoded in it. The zero value is not a valid code.
type CodiceFiscale struct {
	code  string
	sex   byte
	year2 int
	month time.Month
	day   int
	place string
}

// monthLetters maps the month letter to its month: index+1 is the month.
const monthLetters = "ABCDEHLMPRST"

// omocodiaLetters replace digits 0-9 when two people would otherwise share a
// code; the tax agency then substitutes digits right to left.
const omocodiaLetters = "LMNPQRSTUV"

// numericPositions are the only positions omocodia may turn into letters.
var numericPositions = [...]int{6, 7, 9, 10, 12, 13, 14}

// oddValues is the official value of each character (0-9 and A-Z share a
// value: '0' as 'A', '1' as 'B', ...) at odd 1-based positions. Even
// positions simply use the index in the alphabet.
var oddValues = [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

// ParseCodiceFiscale trims and upper-cases s and validates it as a 16-character
// personal codice fiscale, including omocodic variants.
func ParseCodiceFiscale(s string) (CodiceFiscale, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return CodiceFiscale{}, newError(fieldCF, CodeRequired)
	}
	if utf8.RuneCountInString(s) != 16 {
		return CodiceFiscale{}, newError(fieldCF, CodeCFLength)
	}
	// After the rune count, any non-ASCII byte would make len(s) > 16.
	if len(s) != 16 {
		return CodiceFiscale{}, newError(fieldCF, CodeCFFormat)
	}
	// d holds the code with omocodia undone, so positions decode as digits.
	d := []byte(s)
	for i := 0; i < 16; i++ {
		if !isUpper(s[i]) && !isDigit(s[i]) {
			return CodiceFiscale{}, newError(fieldCF, CodeCFFormat)
		}
	}
	for _, p := range numericPositions {
		if k := strings.IndexByte(omocodiaLetters, s[p]); k >= 0 {
			d[p] = byte('0' + k)
		} else if !isDigit(s[p]) {
			return CodiceFiscale{}, newError(fieldCF, CodeCFFormat)
		}
	}
	for _, p := range [...]int{0, 1, 2, 3, 4, 5, 8, 11, 15} {
		if !isUpper(s[p]) {
			return CodiceFiscale{}, newError(fieldCF, CodeCFFormat)
		}
	}
	m := strings.IndexByte(monthLetters, s[8])
	if m < 0 {
		return CodiceFiscale{}, newError(fieldCF, CodeCFMonth)
	}
	cf := CodiceFiscale{
		code:  s,
		sex:   'M',
		year2: twoDigits(d[6:8]),
		month: time.Month(m + 1),
		day:   twoDigits(d[9:11]),
		place: string(d[11:15]),
	}
	if cf.day > 40 {
		cf.sex, cf.day = 'F', cf.day-40
	}
	if cf.day < 1 || cf.day > daysIn(cf.month, cf.year2) {
		return CodiceFiscale{}, newError(fieldCF, CodeCFDay)
	}
	if checkChar(s[:15]) != s[15] {
		return CodiceFiscale{}, newError(fieldCF, CodeCFCheck)
	}
	return cf, nil
}

// checkChar computes the control character over the first 15 characters
// exactly as written (omocodic letters included, as the agency does).
func checkChar(s string) byte {
	sum := 0
	for i := 0; i < 15; i++ {
		v := int(s[i] - 'A')
		if isDigit(s[i]) {
			v = int(s[i] - '0')
		}
		if i%2 == 0 { // 1-based odd position
			sum += oddValues[v]
		} else {
			sum += v
		}
	}
	return byte('A' + sum%26)
}

// daysIn returns the days of month m in a year ending in yy. The century is
// unknown, but 19yy and 20yy are leap together except for 1900, so 29
// February is accepted exactly when yy is a multiple of 4 (00 meaning 2000).
func daysIn(m time.Month, yy int) int {
	switch m {
	case time.February:
		if yy%4 == 0 {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// String returns the normalized (trimmed, upper-case) code.
func (c CodiceFiscale) String() string { return c.code }

// Sex returns 'M' or 'F' as encoded by the day of birth (women have +40).
func (c CodiceFiscale) Sex() byte { return c.sex }

// BirthMonth returns the encoded month of birth.
func (c CodiceFiscale) BirthMonth() time.Month { return c.month }

// BirthDay returns the day of birth (1-31), with the +40 for women removed.
func (c CodiceFiscale) BirthDay() int { return c.day }

// BirthYear2 returns the two-digit year of birth (0-99); the code has no century.
func (c CodiceFiscale) BirthYear2() int { return c.year2 }

// BirthPlace returns the Belfiore code of the birthplace (a municipality, or
// a foreign country when it starts with 'Z') with omocodia undone.
func (c CodiceFiscale) BirthPlace() string { return c.place }

// BirthDate resolves the missing century by picking the latest date not after
// ref, so the person is between 0 and 99 years old at ref. The result is
// midnight in ref's location; it is the zero Time for the zero CodiceFiscale
// or when the only candidate would be the non-existent 29 February 1900.
func (c CodiceFiscale) BirthDate(ref time.Time) time.Time {
	if c.code == "" {
		return time.Time{}
	}
	y := ref.Year() - ref.Year()%100 + c.year2
	t := time.Date(y, c.month, c.day, 0, 0, 0, 0, ref.Location())
	if t.After(ref) {
		y -= 100
		t = time.Date(y, c.month, c.day, 0, 0, 0, 0, ref.Location())
	}
	if t.Day() != c.day { // time.Date normalized an impossible 29 February
		return time.Time{}
	}
	return t
}

func twoDigits(b []byte) int { return int(b[0]-'0')*10 + int(b[1]-'0') }

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// CompleteCodiceFiscale appends the check character to the first 15
// characters of a codice fiscale (upper case); it does not validate them.
// Test fixtures and demo data use it to make valid codes.
func CompleteCodiceFiscale(first15 string) string { return first15 + string(checkChar(first15)) }
