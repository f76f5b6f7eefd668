package app

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"

	"github.com/varco-gate/varco/internal/webapp"
)

// webAppMounts are the built apps the server serves, by folder of
// webapp.Dist and mount path. The citizen app owns "/" under every method:
// a method-less pattern is the only one ServeMux lets coexist with the
// method-less RPC patterns ("GET /" would conflict with
// "/varco.v1.AuthService/" at registration), and being the most general
// pattern it loses to every other one, so RPCs, /metrics and the plain
// links keep their routes. An app whose folder was not built is not
// mounted.
var webAppMounts = []struct{ dir, pattern string }{
	{"citizen", "/"},
	{"gate", "/gate/"},
	{"staff", "/staff/"},
}

// webApps returns the handlers of the apps present in dist, by mux pattern.
func webApps(dist fs.FS) (map[string]http.Handler, error) {
	out := map[string]http.Handler{}
	for _, m := range webAppMounts {
		sub, err := fs.Sub(dist, m.dir)
		if err != nil {
			return nil, fmt.Errorf("web app %s: %w", m.dir, err)
		}
		if _, err := fs.Stat(sub, "."); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		h, err := webapp.New(sub, webapp.Options{Prefix: m.pattern})
		if err != nil {
			return nil, fmt.Errorf("web app %s: %w", m.dir, err)
		}
		out[m.pattern] = h
	}
	return out, nil
}
