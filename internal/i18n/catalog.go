package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

//go:embed locales
var localesFS embed.FS

// Catalog is the texts of some domains in every language: lang → key →
// text. It is read once and never changed.
type Catalog map[string]map[string]string

// Domains are the catalog's parts: the Go code reads server and cli, the
// web build reads citizen, staff and gate.
var Domains = []string{"server", "cli", "citizen", "staff", "gate"}

// goCatalog holds the texts Go code shows, read from the embedded files at
// start-up; a broken file stops the binary at once rather than sending a
// key to a citizen.
var goCatalog = mustLoad("server", "cli")

// Load reads the given domains from the embedded locales, merged per
// language; a key defined in two domains is an error.
func Load(domains ...string) (Catalog, error) {
	c := Catalog{}
	for _, lang := range Langs {
		c[lang] = map[string]string{}
		for _, d := range domains {
			m, err := LoadFile(d, lang)
			if err != nil {
				return nil, err
			}
			for k, v := range m {
				if _, dup := c[lang][k]; dup {
					return nil, fmt.Errorf("i18n: key %q in two domains", k)
				}
				c[lang][k] = v
			}
		}
	}
	return c, nil
}

// LoadFile reads one domain's texts in one language.
func LoadFile(domain, lang string) (map[string]string, error) {
	b, err := fs.ReadFile(localesFS, path.Join("locales", domain, lang+".json"))
	if err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("i18n: %s/%s.json: %w", domain, lang, err)
	}
	return m, nil
}

func mustLoad(domains ...string) Catalog {
	c, err := Load(domains...)
	if err != nil {
		panic(err)
	}
	return c
}

// T returns the text of key in lang (Italian for an unknown language),
// formatted with args by fmt.Sprintf when there are any. A key missing in
// lang falls back to Italian, and a key missing everywhere is returned as
// is; the completeness test keeps both from happening.
func T(lang, key string, args ...any) string {
	s, ok := goCatalog[Normalize(lang)][key]
	if !ok {
		if s, ok = goCatalog[IT][key]; !ok {
			s = key
		}
	}
	if len(args) > 0 {
		args = append([]any(nil), args...) // the caller's slice stays as given
		for i, a := range args {
			if l, ok := a.(Localized); ok {
				args[i] = l.In(lang)
			}
		}
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Localized is an argument whose words depend on the language ("3
// minuti", "3 Minuten"); T spells it in the language of the text.
type Localized interface {
	In(lang string) string
}

// Msg is a catalog text with its arguments, itself Localized: a text put
// inside another.
type Msg struct {
	Key  string
	Args []any
}

// In implements Localized.
func (m Msg) In(lang string) string {
	return T(lang, m.Key, append([]any(nil), m.Args...)...)
}

// Has reports whether key is in the Go catalog.
func Has(key string) bool {
	_, ok := goCatalog[IT][key]
	return ok
}

// Picker returns T bound to one language, for code that writes many texts.
func Picker(lang string) func(key string, args ...any) string {
	lang = Normalize(lang)
	return func(key string, args ...any) string { return T(lang, key, args...) }
}

// Keys returns the Go catalog's keys with prefix, for tests that check a
// family of texts (every error code, every e-mail kind) is complete.
func Keys(prefix string) []string {
	var out []string
	for k := range goCatalog[IT] {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out
}
