package app

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"

	"github.com/varco-gate/varco/internal/webapp"
)

// webAppMounts are the built apps the server serves, by folder of
// webapp.Dist and mount path. An app whose folder was not built is not
// mounted.
var webAppMounts = []struct {
	dir, prefix string
	wasm        bool
}{
	{"citizen", "/", false},
	// The gate app decodes QR codes with WebAssembly (web/src/gate/camera.ts).
	{"gate", "/gate/", true},
	{"staff", "/staff/", false},
}

// webApps returns the handler of the apps present in dist, for
// api.Options.Fallback: it receives only the GET and HEAD requests no
// route of the API matches, so the apps never take a route from the RPCs,
// /metrics or the plain links.
func webApps(dist fs.FS) (http.Handler, error) {
	mux := http.NewServeMux()
	for _, m := range webAppMounts {
		sub, err := fs.Sub(dist, m.dir)
		if err != nil {
			return nil, fmt.Errorf("web app %s: %w", m.dir, err)
		}
		if _, err := fs.Stat(sub, "."); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		h, err := webapp.New(sub, webapp.Options{Prefix: m.prefix, Wasm: m.wasm})
		if err != nil {
			return nil, fmt.Errorf("web app %s: %w", m.dir, err)
		}
		mux.Handle(m.prefix, h)
	}
	return mux, nil
}
