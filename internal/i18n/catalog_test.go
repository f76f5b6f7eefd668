package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// goVerb matches fmt verbs (%s, %d, %[1]s, %%); webArg matches the web's
// {0}, {1}… placeholders.
var (
	goVerb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)
	webArg = regexp.MustCompile(`\{\d+\}`)
)

// placeholders returns the sorted placeholders of s; %[1]s and %s count
// as the same kind of verb, since a translation may reorder its values.
func placeholders(domain, s string) []string {
	var out []string
	if domain == "server" || domain == "cli" {
		for _, v := range goVerb.FindAllString(s, -1) {
			out = append(out, v[len(v)-1:]+positional(v))
		}
	} else {
		out = webArg.FindAllString(s, -1)
	}
	slices.Sort(out)
	return out
}

func positional(v string) string {
	if i := strings.Index(v, "]"); i > 0 {
		return v[1 : i+1]
	}
	return ""
}

// TestCatalogComplete fails when a user-facing text is missing, empty or
// has different placeholders in one of the languages: every key of the
// Italian file of every domain must be in the English and German files,
// and no other key.
func TestCatalogComplete(t *testing.T) {
	t.Parallel()
	for _, domain := range Domains {
		ref, err := LoadFile(domain, IT)
		if err != nil {
			t.Fatal(err)
		}
		for _, lang := range Langs {
			m, err := LoadFile(domain, lang)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range ref {
				got, ok := m[k]
				switch {
				case !ok:
					t.Errorf("%s/%s.json: missing %q (it: %q)", domain, lang, k, v)
				case strings.TrimSpace(got) == "":
					t.Errorf("%s/%s.json: %q is empty", domain, lang, k)
				case !slices.Equal(placeholders(domain, got), placeholders(domain, v)):
					t.Errorf("%s/%s.json: %q has placeholders %v, Italian %v", domain, lang, k,
						placeholders(domain, got), placeholders(domain, v))
				}
			}
			for k := range m {
				if _, ok := ref[k]; !ok {
					t.Errorf("%s/%s.json: %q is not in Italian", domain, lang, k)
				}
			}
		}
	}
	if _, err := Load("server", "cli"); err != nil {
		t.Fatal(err)
	}
}

// TestGoKeysInCatalog fails when Go code names a text the catalog lacks:
// every fault code ("error.<code>"), every key given to Text, T, Picker's
// functions and Msg, read from the source of the whole module.
func TestGoKeysInCatalog(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (d.Name() == "node_modules" || d.Name() == "gen" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, p, src, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			for _, key := range keysOf(n) {
				checked++
				if !Has(key) {
					t.Errorf("%s: %q is not in the catalog", fset.Position(n.Pos()), key)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 300 {
		t.Fatalf("only %d keys found in the source: is the walk broken?", checked)
	}
}

// keysOf returns the catalog keys a call or literal names.
func keysOf(n ast.Node) []string {
	str := func(e ast.Expr) (string, bool) {
		b, ok := e.(*ast.BasicLit)
		if !ok || b.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(b.Value)
		return s, err == nil
	}
	switch n := n.(type) {
	case *ast.CompositeLit:
		// i18n.Msg{Key: "..."}
		for _, e := range n.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				if id, ok := kv.Key.(*ast.Ident); ok && id.Name == "Key" {
					if s, ok := str(kv.Value); ok && strings.Contains(s, ".") && !strings.HasSuffix(s, ".") {
						return []string{s}
					}
				}
			}
		}
	case *ast.CallExpr:
		name := ""
		switch fn := n.Fun.(type) {
		case *ast.SelectorExpr:
			name = fn.Sel.Name
			if id, ok := fn.X.(*ast.Ident); ok && id.Name == "fault" && (name == "New" || name == "InvalidField") && len(n.Args) == 2 {
				if code, ok := str(n.Args[1]); ok {
					return []string{"error." + code}
				}
			}
		case *ast.Ident:
			name = fn.Name
		}
		var arg ast.Expr
		switch {
		case name == "Text" && len(n.Args) >= 1:
			arg = n.Args[0]
		case (name == "T") && len(n.Args) >= 2:
			arg = n.Args[1]
		case (name == "pick" || name == "t" || name == "tr") && len(n.Args) >= 1:
			arg = n.Args[0]
		}
		if arg != nil {
			if s, ok := str(arg); ok && strings.Contains(s, ".") {
				return []string{s}
			}
		}
	}
	return nil
}
