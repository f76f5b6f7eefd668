// Package webapp serves one built web app (the citizen app, the gate app,
// the staff app) from its files: precompressed, with strong ETags, cache
// rules that fit content-hashed bundles, and a strict Content-Security-
// Policy on every response. The built files are embedded in the binary
// (Dist), so the server needs nothing beside it.
package webapp

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
)

// Options configure a Handler.
type Options struct {
	// Prefix is the path the app is mounted at, ending in "/": "/" for the
	// citizen app, "/gate/" for the gate app. Default "/".
	Prefix string
	// Wasm sends WasmContentSecurityPolicy instead of the strict
	// ContentSecurityPolicy: for an app that compiles WebAssembly.
	Wasm bool
	// Index, when set, rewrites index.html once at load: the scanner
	// marks the gate app it serves as the gate box's own (a <meta> the
	// app reads), without a second build.
	Index func([]byte) []byte
}

// Handler serves one app. Build it with New.
type Handler struct {
	prefix   string
	csp      string
	files    map[string]*file
	notFound []byte
}

// file is one served file, loaded and compressed once.
type file struct {
	ctype    string
	cache    string
	identity variant
	gzip     *variant // nil when not worth it
}

type variant struct {
	body []byte
	etag string
}

// New loads every file of fsys (the app's own folder, e.g.
// fs.Sub(Dist(), "citizen")) into memory, gzipping the text ones, so that
// requests cost no disk access and no compression. It fails when fsys
// cannot be read or has no index.html.
func New(fsys fs.FS, opts Options) (*Handler, error) {
	prefix := opts.Prefix
	if prefix == "" {
		prefix = "/"
	}
	if !strings.HasPrefix(prefix, "/") || !strings.HasSuffix(prefix, "/") {
		return nil, fmt.Errorf("webapp: prefix %q must start and end with /", prefix)
	}
	h := &Handler{prefix: prefix, csp: ContentSecurityPolicy, files: map[string]*file{}, notFound: notFoundPage(prefix)}
	if opts.Wasm {
		h.csp = WasmContentSecurityPolicy
	}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if name == "index.html" && opts.Index != nil {
			body = opts.Index(body)
		}
		f, err := load(name, body)
		if err != nil {
			return err
		}
		h.files[name] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webapp: %w", err)
	}
	if h.files["index.html"] == nil {
		return nil, fmt.Errorf("webapp: no index.html")
	}
	return h, nil
}

func load(name string, body []byte) (*file, error) {
	sum := sha256.Sum256(body)
	tag := base64.RawURLEncoding.EncodeToString(sum[:18])
	f := &file{
		ctype:    contentType(name),
		cache:    cacheControl(name),
		identity: variant{body: body, etag: `"` + tag + `"`},
	}
	if f.ctype == "" {
		f.ctype = http.DetectContentType(body)
	}
	if isCompressible(name) {
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			return nil, err
		}
		if _, err := zw.Write(body); err != nil {
			return nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		// Tiny files can grow; then identity is all there is.
		if buf.Len() < len(body) {
			// Each representation needs its own strong ETag.
			f.gzip = &variant{body: buf.Bytes(), etag: `"` + tag + `-gz"`}
		}
	}
	return f, nil
}

// ServeHTTP serves GET and HEAD of the app's files; the mount root serves
// index.html. The apps route with the URL's fragment, so there is no
// fallback to index.html for unknown paths: those are 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header(), h.csp)
	name, ok := strings.CutPrefix(r.URL.Path, h.prefix)
	if !ok {
		h.serveNotFound(w, r)
		return
	}
	if name == "" {
		name = "index.html"
	}
	f := h.files[name]
	if f == nil {
		// Whatever the method: a client posting to a path no one serves
		// gets 404, which Connect and gRPC read as Unimplemented.
		h.serveNotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	v := &f.identity
	hdr := w.Header()
	if f.gzip != nil {
		// Caches must key on the encoding even when this client got
		// identity.
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Values("Accept-Encoding")) {
			v = f.gzip
			hdr.Set("Content-Encoding", "gzip")
		}
	}
	hdr.Set("Content-Type", f.ctype)
	hdr.Set("Cache-Control", f.cache)
	hdr.Set("ETag", v.etag)
	if etagMatches(r.Header.Values("If-None-Match"), v.etag) {
		hdr.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Length", strconv.Itoa(len(v.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(v.body)
	}
}

func (h *Handler) serveNotFound(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("Content-Length", strconv.Itoa(len(h.notFound)))
	w.WriteHeader(http.StatusNotFound)
	if r.Method != http.MethodHead {
		_, _ = w.Write(h.notFound)
	}
}

// notFoundPage is a small page in both languages, styled by nothing (the
// CSP forbids inline style) and linking back to the app.
func notFoundPage(prefix string) []byte {
	return []byte(`<!doctype html>
<html lang="it">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Pagina non trovata - Varco</title></head>
<body><main>
<h1>Pagina non trovata</h1>
<p>L'indirizzo non corrisponde a nessuna pagina. <a href="` + prefix + `">Torna all'inizio</a></p>
<h2 lang="en">Page not found</h2>
<p lang="en">This address matches no page. <a href="` + prefix + `">Back to the start</a></p>
</main></body>
</html>
`)
}

// acceptsGzip reads Accept-Encoding: gzip (or *) with a non-zero quality.
func acceptsGzip(values []string) bool {
	star, gz := false, -1
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			ok := qualityNonZero(params)
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gz = 0
				if ok {
					gz = 1
				}
			case "*":
				star = ok
			}
		}
	}
	if gz >= 0 {
		return gz == 1
	}
	return star
}

// qualityNonZero reports whether the parameters of one coding leave it
// acceptable ("q=0" refuses it).
func qualityNonZero(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return err == nil && q > 0
		}
	}
	return true
}

// etagMatches applies If-None-Match with the weak comparison RFC 9110
// prescribes for it.
func etagMatches(values []string, etag string) bool {
	for _, v := range values {
		for tag := range strings.SplitSeq(v, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
				return true
			}
		}
	}
	return false
}
