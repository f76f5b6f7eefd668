package person

import (
	"errors"
	"testing"
	"time"
)

// withCheck appends the computed check character. The literal codes below
// were checked by hand against the official tables, which anchors it.
func withCheck(s15 string) string { return s15 + string(checkChar(s15)) }

func TestParseCodiceFiscaleValid(t *testing.T) {
	tests := []struct {
		name, in, want string
		sex            byte
		yy, day        int
		month          time.Month
		place          string
	}{
		{"mario rossi", "RSSMRA85T10A562S", "RSSMRA85T10A562S", 'M', 85, 10, time.December, "A562"},
		{"woman day 52", "BNCLRA92E52F205Y", "BNCLRA92E52F205Y", 'F', 92, 12, time.May, "F205"},
		{"born 1813", "VRDGPP13R10B293P", "VRDGPP13R10B293P", 'M', 13, 10, time.October, "B293"},
		{"woman 29 feb 2000", "FRRGLI00B69H501A", "FRRGLI00B69H501A", 'F', 0, 29, time.February, "H501"},
		{"omocodic place digit", "RSSMRA85T10A56NH", "RSSMRA85T10A56NH", 'M', 85, 10, time.December, "A562"},
		{"lowercase and spaces", "  rssmra85t10a562s\t", "RSSMRA85T10A562S", 'M', 85, 10, time.December, "A562"},
		{"all seven omocodic", withCheck("RSSMRAUR" + "TMLARSN"), "", 'M', 85, 10, time.December, "A562"},
		{"woman day 41", withCheck("BNCLRA92E41F205"), "", 'F', 92, 1, time.May, "F205"},
		{"woman day 71", withCheck("BNCLRA92A71F205"), "", 'F', 92, 31, time.January, "F205"},
		{"day 31 december", withCheck("RSSMRA85T31A562"), "", 'M', 85, 31, time.December, "A562"},
		{"30 april", withCheck("RSSMRA85D30A562"), "", 'M', 85, 30, time.April, "A562"},
		{"29 feb leap yy", withCheck("RSSMRA84B29A562"), "", 'M', 84, 29, time.February, "A562"},
		{"foreign born", withCheck("RSSMRA85T10Z404"), "", 'M', 85, 10, time.December, "Z404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cf, err := ParseCodiceFiscale(tt.in)
			if err != nil {
				t.Fatalf("ParseCodiceFiscale(%q): %v", tt.in, err)
			}
			if tt.want != "" && cf.String() != tt.want {
				t.Errorf("String() = %q, want %q", cf.String(), tt.want)
			}
			if cf.Sex() != tt.sex || cf.BirthYear2() != tt.yy || cf.BirthMonth() != tt.month ||
				cf.BirthDay() != tt.day || cf.BirthPlace() != tt.place {
				t.Errorf("decoded %c %02d-%v-%02d %s, want %c %02d-%v-%02d %s",
					cf.Sex(), cf.BirthYear2(), cf.BirthMonth(), cf.BirthDay(), cf.BirthPlace(),
					tt.sex, tt.yy, tt.month, tt.day, tt.place)
			}
		})
	}
}

func TestParseCodiceFiscaleInvalid(t *testing.T) {
	tests := []struct{ name, in, code string }{
		{"empty", "   ", CodeRequired},
		{"too short", "RSSMRA85T10A562", CodeCFLength},
		{"too long", "RSSMRA85T10A562SX", CodeCFLength},
		{"inner space", "RSSMRA 85T10A562S", CodeCFLength},
		{"non ascii", "RSSMRÀ85T10A562S", CodeCFFormat},
		{"punctuation", "RSSMRA85T10A562-", CodeCFFormat},
		{"digit in surname", "R5SMRA85T10A562S", CodeCFFormat},
		{"digit as month", "RSSMRA85110A562S", CodeCFFormat},
		{"non omocodic letter in year", "RSSMRA8AT10A562S", CodeCFFormat},
		{"digit as place letter", "RSSMRA85T101562S", CodeCFFormat},
		{"digit as check", "RSSMRA85T10A5621", CodeCFFormat},
		{"month letter F", withCheck("RSSMRA85F10A562"), CodeCFMonth},
		{"month letter Z", withCheck("RSSMRA85Z10A562"), CodeCFMonth},
		{"day 00", withCheck("RSSMRA85T00A562"), CodeCFDay},
		{"day 32", withCheck("RSSMRA85T32A562"), CodeCFDay},
		{"day 40", withCheck("RSSMRA85T40A562"), CodeCFDay},
		{"day 72", withCheck("RSSMRA85T72A562"), CodeCFDay},
		{"31 april", withCheck("RSSMRA85D31A562"), CodeCFDay},
		{"feb 30", withCheck("RSSMRA84B30A562"), CodeCFDay},
		{"woman feb 70", withCheck("RSSMRA84B70A562"), CodeCFDay},
		{"29 feb non leap yy", withCheck("RSSMRA85B29A562"), CodeCFDay},
		{"wrong check", "RSSMRA85T10A562T", CodeCFCheck},
		{"omocodic with plain check", "RSSMRA85T10A56NS", CodeCFCheck},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCodiceFiscale(tt.in)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("ParseCodiceFiscale(%q) error = %v, want *ValidationError", tt.in, err)
			}
			if ve.Code != tt.code || ve.Field != "codice_fiscale" {
				t.Errorf("got %s/%s, want codice_fiscale/%s", ve.Field, ve.Code, tt.code)
			}
		})
	}
}

func TestBirthDate(t *testing.T) {
	ref := time.Date(2026, time.March, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, code string
		ref        time.Time
		want       time.Time
	}{
		{"last century", "RSSMRA85T10A562S", ref, date(1985, 12, 10)},
		{"this century", "FRRGLI00B69H501A", ref, date(2000, 2, 29)},
		{"born today", withCheck("RSSMRA26C15A562"), ref, date(2026, 3, 15)},
		{"tomorrow means 99 years ago", withCheck("RSSMRA26C16A562"), ref, date(1926, 3, 16)},
		{"29 feb 1900 impossible", "FRRGLI00B69H501A", date(1999, 1, 1), time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cf, err := ParseCodiceFiscale(tt.code)
			if err != nil {
				t.Fatal(err)
			}
			if got := cf.BirthDate(tt.ref); !got.Equal(tt.want) {
				t.Errorf("BirthDate = %v, want %v", got, tt.want)
			}
		})
	}
	if got := (CodiceFiscale{}).BirthDate(ref); !got.IsZero() {
		t.Errorf("zero CodiceFiscale BirthDate = %v, want zero", got)
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func FuzzParseCodiceFiscale(f *testing.F) {
	for _, s := range []string{"RSSMRA85T10A562S", "rssmra85t10a56nh", "BNCLRA92E52F205Y", "FRRGLI00B69H501A", "", "RSSMRA85T10A562", "ÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cf, err := ParseCodiceFiscale(s)
		if err != nil {
			return
		}
		again, err := ParseCodiceFiscale(cf.String())
		if err != nil || again != cf {
			t.Fatalf("%q accepted as %q but re-parses to %+v, %v", s, cf.String(), again, err)
		}
		if d := cf.BirthDate(time.Now()); !d.IsZero() && d.Day() != cf.BirthDay() {
			t.Fatalf("%q: BirthDate %v disagrees with day %d", s, d, cf.BirthDay())
		}
	})
}

func TestCompleteCodiceFiscale(t *testing.T) {
	t.Parallel()
	if got := CompleteCodiceFiscale("RSSMRA85T10A562"); got != "RSSMRA85T10A562S" {
		t.Fatalf("got %s", got)
	}
}
