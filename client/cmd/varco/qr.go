package main

import (
	"net/url"
	"strings"
)

// qrPNGModule is the side of one module in the PNG of --png, in pixels: a
// code of a link (version 3–5) comes out 300–400 px wide, sharp printed.
const qrPNGModule = 8

// enrollLink is what the enrollment QR holds: a link to the server's gate
// app with the code, which a phone's own camera app opens with the code
// filled in, and which the gate app's "Inquadra il QR del codice" reads
// too (it takes the code from ?codice=).
func enrollLink(server, code string) string {
	return strings.TrimRight(server, "/") + "/gate/#/?codice=" + url.QueryEscape(code)
}
