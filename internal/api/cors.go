package api

import (
	"net/http"
	"slices"
	"strings"

	connectcors "connectrpc.com/cors"
	"github.com/rs/cors"
)

// withCORS lets the configured browser origins call Connect and gRPC-Web,
// exposing the headers those protocols need.
func withCORS(h http.Handler, origins []string) http.Handler {
	if len(origins) == 0 {
		return h
	}
	c := cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: connectcors.AllowedMethods(),
		AllowedHeaders: append(connectcors.AllowedHeaders(), "Authorization", "Accept-Language"),
		ExposedHeaders: connectcors.ExposedHeaders(),
		MaxAge:         7200,
	})
	return normalizeRequestHeaders(c.Handler(h))
}

// normalizeRequestHeaders rewrites a preflight's Access-Control-Request-Headers
// into the form rs/cors (v1.11) insists on: lower case, sorted, unique,
// comma-separated without spaces. Browsers send that form, but proxies,
// older clients and hand-written tools do not, and rs/cors then answers
// without any CORS header, which the browser reports as a network error.
// The header names are case-insensitive and their order carries no
// meaning, so the rewrite changes nothing the check is about.
func normalizeRequestHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values, ok := r.Header["Access-Control-Request-Headers"]
		if ok && r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			var names []string
			for _, v := range values {
				for name := range strings.SplitSeq(v, ",") {
					if name = strings.ToLower(strings.TrimSpace(name)); name != "" {
						names = append(names, name)
					}
				}
			}
			slices.Sort(names)
			r = r.Clone(r.Context())
			r.Header.Set("Access-Control-Request-Headers", strings.Join(slices.Compact(names), ","))
		}
		h.ServeHTTP(w, r)
	})
}
