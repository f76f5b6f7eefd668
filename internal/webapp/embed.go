package webapp

import (
	"embed"
	"io/fs"
)

// dist holds the built web apps, one folder each (citizen/, later gate/ and
// staff/). The build (web/build.sh) writes them and they are committed, so
// `go build` needs no Node; CI rebuilds them and fails when they are stale.
// "all:" keeps files whose names start with "." or "_", which bundlers emit.
//
//go:embed all:dist
var dist embed.FS

// Dist returns the built apps, one folder per app ("citizen", "gate",
// "staff"); pass fs.Sub of one of them to New.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("webapp: embedded dist missing: " + err.Error()) // a build bug: the directive embeds it.
	}
	return sub
}
