package webapp_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/webapp"
)

const indexHTML = `<!doctype html><html lang="it"><head><title>Varco</title><script src="assets/app-1234.js"></script></head><body><main><h1>Varco</h1></main></body></html>`

func fixture() fstest.MapFS {
	big := strings.Repeat("console.log('varco');\n", 200)
	return fstest.MapFS{
		"index.html":             {Data: []byte(indexHTML)},
		"assets/app-1234.js":     {Data: []byte(big)},
		"assets/app-1234.css":    {Data: []byte(strings.Repeat("body{margin:0}\n", 50))},
		"assets/font-99.woff2":   {Data: []byte("wOF2\x00\x01binary")},
		"manifest.webmanifest":   {Data: []byte(`{"name":"Varco","start_url":".","display":"standalone","icons":[]}`)},
		"sw.js":                  {Data: []byte(big)},
		"icons/icon-192.png":     {Data: []byte("\x89PNG\r\n\x1a\nnot really")},
		"tiny.txt":               {Data: []byte("a")},
		"assets/data/strings.js": {Data: []byte("export const s = 1;")},
	}
}

func newHandler(t *testing.T, prefix string) http.Handler {
	t.Helper()
	h, err := webapp.New(fixture(), webapp.Options{Prefix: prefix})
	require.NoError(t, err)
	return h
}

func do(h http.Handler, method, target string, hdr map[string]string) *http.Response {
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return b
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	h := newHandler(t, "/")
	for _, target := range []string{"/", "/sw.js", "/assets/app-1234.js", "/nope", "/assets/"} {
		for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPost} {
			res := do(h, method, target, nil)
			require.Equal(t, webapp.ContentSecurityPolicy, res.Header.Get("Content-Security-Policy"), "%s %s", method, target)
			require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
			require.Equal(t, "same-origin", res.Header.Get("Referrer-Policy"))
			require.Equal(t, "same-origin", res.Header.Get("Cross-Origin-Opener-Policy"))
			require.Equal(t, "camera=(self), microphone=(), geolocation=()", res.Header.Get("Permissions-Policy"))
		}
	}
	require.NotContains(t, webapp.ContentSecurityPolicy, "unsafe")
	require.Contains(t, webapp.ContentSecurityPolicy, "frame-ancestors 'none'")
}

// An app that compiles WebAssembly gets exactly one more permission than
// the strict policy, and still no JavaScript eval or inline script.
func TestWasmPolicyAddsOnlyWasm(t *testing.T) {
	t.Parallel()
	h, err := webapp.New(fixture(), webapp.Options{Prefix: "/gate/", Wasm: true})
	require.NoError(t, err)
	res := do(h, http.MethodGet, "/gate/", nil)
	require.Equal(t, webapp.WasmContentSecurityPolicy, res.Header.Get("Content-Security-Policy"))
	require.Equal(t, webapp.ContentSecurityPolicy,
		strings.Replace(webapp.WasmContentSecurityPolicy, "script-src 'self' 'wasm-unsafe-eval';", "script-src 'self';", 1))
	require.NotContains(t, strings.ReplaceAll(webapp.WasmContentSecurityPolicy, "'wasm-unsafe-eval'", ""), "unsafe")
}

func TestContentTypesAndCaching(t *testing.T) {
	t.Parallel()
	h := newHandler(t, "/")
	tests := []struct {
		path, ctype, cache string
	}{
		{"/", "text/html; charset=utf-8", "no-cache"},
		{"/index.html", "text/html; charset=utf-8", "no-cache"},
		{"/sw.js", "text/javascript; charset=utf-8", "no-cache"},
		{"/manifest.webmanifest", "application/manifest+json", "no-cache"},
		{"/icons/icon-192.png", "image/png", "no-cache"},
		{"/tiny.txt", "text/plain; charset=utf-8", "no-cache"},
		{"/assets/app-1234.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"/assets/app-1234.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"/assets/font-99.woff2", "font/woff2", "public, max-age=31536000, immutable"},
		{"/assets/data/strings.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			res := do(h, http.MethodGet, tt.path, nil)
			require.Equal(t, http.StatusOK, res.StatusCode)
			require.Equal(t, tt.ctype, res.Header.Get("Content-Type"))
			require.Equal(t, tt.cache, res.Header.Get("Cache-Control"))
			name := strings.TrimPrefix(tt.path, "/")
			if name == "" {
				name = "index.html"
			}
			require.Equal(t, fixture()[name].Data, body(t, res))
		})
	}
}

func TestGzip(t *testing.T) {
	t.Parallel()
	h := newHandler(t, "/")
	tests := []struct {
		name, accept string
		gzip         bool
	}{
		{"none", "", false},
		{"gzip", "gzip, deflate, br, zstd", true},
		{"gzip refused", "gzip;q=0, br", false},
		{"star", "*", true},
		{"star but not gzip", "*, gzip;q=0", false},
		{"identity only", "identity", false},
		{"upper case with quality", "GZIP;q=0.5", true},
	}
	want := fixture()["assets/app-1234.js"].Data
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := do(h, http.MethodGet, "/assets/app-1234.js", map[string]string{"Accept-Encoding": tt.accept})
			require.Equal(t, "Accept-Encoding", res.Header.Get("Vary"))
			b := body(t, res)
			require.Equal(t, strconv.Itoa(len(b)), res.Header.Get("Content-Length"))
			if !tt.gzip {
				require.Empty(t, res.Header.Get("Content-Encoding"))
				require.Equal(t, want, b)
				return
			}
			require.Equal(t, "gzip", res.Header.Get("Content-Encoding"))
			require.Less(t, len(b), len(want)/4)
			zr, err := gzip.NewReader(bytes.NewReader(b))
			require.NoError(t, err)
			plain, err := io.ReadAll(zr)
			require.NoError(t, err)
			require.Equal(t, want, plain)
		})
	}
	t.Run("not compressible or too small", func(t *testing.T) {
		t.Parallel()
		for _, p := range []string{"/assets/font-99.woff2", "/icons/icon-192.png", "/tiny.txt"} {
			res := do(h, http.MethodGet, p, map[string]string{"Accept-Encoding": "gzip"})
			require.Empty(t, res.Header.Get("Content-Encoding"), p)
			require.Empty(t, res.Header.Get("Vary"), p)
		}
	})
}

func TestETagAndNotModified(t *testing.T) {
	t.Parallel()
	h := newHandler(t, "/")
	plain := do(h, http.MethodGet, "/sw.js", nil)
	zipped := do(h, http.MethodGet, "/sw.js", map[string]string{"Accept-Encoding": "gzip"})
	etag, zetag := plain.Header.Get("ETag"), zipped.Header.Get("ETag")
	require.Regexp(t, `^"[A-Za-z0-9_-]+"$`, etag, "strong")
	require.Regexp(t, `^"[A-Za-z0-9_-]+"$`, zetag, "strong")
	require.NotEqual(t, etag, zetag, "each representation has its own strong ETag")
	require.NotEqual(t, etag, do(h, http.MethodGet, "/assets/app-1234.css", nil).Header.Get("ETag"))

	tests := []struct {
		name, inm, accept string
		status            int
	}{
		{"same", etag, "", http.StatusNotModified},
		{"weak form", "W/" + etag, "", http.StatusNotModified},
		{"in a list", `"other", ` + etag, "", http.StatusNotModified},
		{"star", "*", "", http.StatusNotModified},
		{"gzip", zetag, "gzip", http.StatusNotModified},
		{"identity tag but gzip wanted", etag, "gzip", http.StatusOK},
		{"other", `"other"`, "", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := do(h, http.MethodGet, "/sw.js", map[string]string{"If-None-Match": tt.inm, "Accept-Encoding": tt.accept})
			require.Equal(t, tt.status, res.StatusCode)
			if tt.status == http.StatusNotModified {
				require.Empty(t, body(t, res))
				require.NotEmpty(t, res.Header.Get("ETag"))
				require.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
			}
		})
	}
}

func TestHead(t *testing.T) {
	t.Parallel()
	h := newHandler(t, "/")
	get := do(h, http.MethodGet, "/assets/app-1234.js", map[string]string{"Accept-Encoding": "gzip"})
	head := do(h, http.MethodHead, "/assets/app-1234.js", map[string]string{"Accept-Encoding": "gzip"})
	require.Equal(t, http.StatusOK, head.StatusCode)
	require.Empty(t, body(t, head))
	for _, k := range []string{"Content-Length", "Content-Type", "Content-Encoding", "ETag", "Cache-Control"} {
		require.Equal(t, get.Header.Get(k), head.Header.Get(k), k)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	h := newHandler(t, "/")
	tests := []struct{ method, path string }{
		{http.MethodGet, "/nope"},
		{http.MethodGet, "/assets/"},
		{http.MethodGet, "/assets"},
		{http.MethodGet, "/icons"},
		{http.MethodGet, "/prenota"},
		{http.MethodPost, "/varco.v1.Missing/Call"},
	}
	for _, tt := range tests {
		res := do(h, tt.method, tt.path, nil)
		require.Equal(t, http.StatusNotFound, res.StatusCode, "%s %s", tt.method, tt.path)
		b := string(body(t, res))
		require.Contains(t, b, `lang="it"`)
		require.Contains(t, b, "Pagina non trovata")
		require.Contains(t, b, "Page not found")
		require.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	}
	res := do(h, http.MethodPost, "/index.html", nil)
	require.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
	require.Equal(t, "GET, HEAD", res.Header.Get("Allow"))
}

func TestPrefix(t *testing.T) {
	t.Parallel()
	h := newHandler(t, "/gate/")
	res := do(h, http.MethodGet, "/gate/", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, indexHTML, string(body(t, res)))
	require.Equal(t, http.StatusOK, do(h, http.MethodGet, "/gate/sw.js", nil).StatusCode)
	require.Equal(t, http.StatusNotFound, do(h, http.MethodGet, "/sw.js", nil).StatusCode)
	nf := do(h, http.MethodGet, "/gate/nope", nil)
	require.Contains(t, string(body(t, nf)), `href="/gate/"`)
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	_, err := webapp.New(fstest.MapFS{"app.js": {Data: []byte("x")}}, webapp.Options{})
	require.ErrorContains(t, err, "index.html")
	_, err = webapp.New(fixture(), webapp.Options{Prefix: "/gate"})
	require.ErrorContains(t, err, "prefix")
}

func TestEmbeddedCitizenApp(t *testing.T) {
	t.Parallel()
	sub, err := fs.Sub(webapp.Dist(), "citizen")
	require.NoError(t, err)
	h, err := webapp.New(sub, webapp.Options{})
	require.NoError(t, err)
	res := do(h, http.MethodGet, "/", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, string(body(t, res)), `lang="it"`)
}
