package scanner

import (
	"encoding/json"
	"errors"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/gate"
)

// maxFormBytes bounds a POST /scan body: a payload and a direction.
const maxFormBytes = 8 << 10

// PageOptions configures the local web page.
type PageOptions struct {
	Lang Lang
	// Direction is used when a request gives none (see DefaultDirection).
	Direction gate.Direction
	// Location is the time zone of the times shown; by default the
	// place's (Settings.Location), as it stands at each scan.
	Location *time.Location
	// OnResult, when set, sees every decided scan (to print it on the
	// device's console too).
	OnResult func(Result)
}

// ScanJSON is the answer of POST /scan.
type ScanJSON struct {
	// OK is true when the gate opens (accepted or flagged).
	OK        bool   `json:"ok"`
	Verdict   string `json:"verdict"` // ACCEPTED, REFUSED, FLAGGED
	Reason    string `json:"reason"`  // a varco.v1.ScanReason name without prefix
	Direction string `json:"direction"`
	Line      string `json:"line"`
	Message   string `json:"message"`
	TicketID  string `json:"ticket_id,omitempty"`
	Seats     int    `json:"seats,omitempty"`
	// TimeLeftSeconds is the stay left, for timed tickets let in.
	TimeLeftSeconds int64     `json:"time_left_seconds,omitempty"`
	ExpiresAt       time.Time `json:"expires_at,omitzero"`
	Online          bool      `json:"online"`
	ScanID          string    `json:"scan_id"`
}

// scanRequest is the JSON body of POST /scan.
type scanRequest struct {
	Payload   string `json:"payload"`
	Direction string `json:"direction"`
}

// Handler serves the page for phones and tablets: GET / is a form with the
// payload field and the direction buttons; POST /scan decides a scan and
// answers JSON (or the page again, for a browser without JavaScript).
// There is no login: the page is meant for loopback or a private link to
// the gate box, and refuses cross-site posts.
func (s *Scanner) Handler(o PageOptions) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s.renderPage(w, o, nil)
	})
	mux.HandleFunc("POST /scan", func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			http.Error(w, "cross-origin request refused", http.StatusForbidden)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		in, isJSON, err := readScanRequest(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		dir, err := ParseDirection(in.Direction)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// A button beats a prefix typed or pasted into the field.
		payload, lineDir := ParseLine(in.Payload, DefaultDirection(s.Settings().Direction, o.Direction))
		if dir == 0 {
			dir = lineDir
		}
		if payload == "" {
			http.Error(w, "payload missing", http.StatusBadRequest)
			return
		}
		res, err := s.Decide(r.Context(), payload, dir)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if o.OnResult != nil {
			o.OnResult(res)
		}
		loc := o.Location
		if loc == nil {
			loc = s.Settings().Location()
		}
		out := o.Lang.toJSON(res, loc)
		if !isJSON && strings.Contains(r.Header.Get("Accept"), "text/html") {
			s.renderPage(w, o, &out)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(out)
	})
	return mux
}

func readScanRequest(r *http.Request) (scanRequest, bool, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		var in scanRequest
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			return in, true, errors.New("bad JSON: want {\"payload\": ..., \"direction\": \"entry\"|\"exit\"}")
		}
		return in, true, nil
	}
	if err := r.ParseForm(); err != nil {
		return scanRequest{}, false, errors.New("bad form")
	}
	return scanRequest{Payload: r.PostForm.Get("payload"), Direction: r.PostForm.Get("direction")}, false, nil
}

// sameOrigin refuses posts made by another site's page in the same
// browser: a browser sends Origin with every cross-site POST, and the page
// itself posts to its own host.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser, or a same-origin form in an old one
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

func (l Lang) toJSON(r Result, loc *time.Location) ScanJSON {
	out := ScanJSON{OK: r.LetThrough(), Reason: string(r.Reason), Line: l.Line(r, loc), Message: l.Message(r),
		TicketID: r.TicketID, Seats: r.Seats, ExpiresAt: r.ExpiresAt, Online: r.Online, ScanID: r.ScanID}
	switch r.Verdict {
	case gate.Accepted:
		out.Verdict = "ACCEPTED"
	case gate.Flagged:
		out.Verdict = "FLAGGED"
	default:
		out.Verdict = "REFUSED"
	}
	switch r.Direction {
	case gate.Entry:
		out.Direction = "entry"
	case gate.Exit:
		out.Direction = "exit"
	}
	if r.LetThrough() && r.TimeLeft > 0 {
		out.TimeLeftSeconds = int64(r.TimeLeft / time.Second)
	}
	return out
}

type pageData struct {
	Lang    string
	Title   string
	Gate    string
	Field   string
	Buttons []pageButton
	Result  *ScanJSON
	Offline string
}

type pageButton struct{ Value, Label string }

func (s *Scanner) renderPage(w http.ResponseWriter, o PageOptions, res *ScanJSON) {
	l := o.Lang
	settings := s.Settings()
	d := pageData{Lang: string(l), Title: l.pick("Varco – controllo biglietti", "Varco – ticket check"),
		Gate: settings.Name, Field: l.pick("Codice del biglietto (QR)", "Ticket code (QR)"), Result: res,
		Offline: l.pick("deciso dal dispositivo (server non raggiungibile)", "decided by the device (server unreachable)")}
	switch settings.Direction {
	case gate.GateEntry:
		d.Buttons = []pageButton{{"entry", l.pick("Entrata", "Entry")}}
	case gate.GateExit:
		d.Buttons = []pageButton{{"exit", l.pick("Uscita", "Exit")}}
	default:
		d.Buttons = []pageButton{{"entry", l.pick("Entrata", "Entry")}, {"exit", l.pick("Uscita", "Exit")}}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
	_ = page.Execute(w, d)
}

// page is deliberately one small self-contained file: the device may have
// no internet, so nothing is loaded from elsewhere.
var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;padding:1rem;background:#f4f4f4;color:#111}
h1{font-size:1.2rem;margin:0 0 1rem}
label{display:block;margin-bottom:.3rem}
input{width:100%;box-sizing:border-box;font-size:1.3rem;padding:.6rem}
.buttons{display:flex;gap:.6rem;margin-top:.8rem}
button{flex:1;font-size:1.4rem;padding:1rem;border:0;border-radius:.4rem;background:#1f4e8c;color:#fff}
#result{margin-top:1.2rem;padding:1.2rem;border-radius:.4rem;font-size:2rem;font-weight:700;min-height:2.5rem;color:#fff}
#result.ok{background:#1b7f2a}#result.no{background:#b3261e}#result.flag{background:#b36b00}
#result small{display:block;font-size:1rem;font-weight:400;margin-top:.4rem}
</style>
</head>
<body>
<h1>{{.Title}}{{if .Gate}} · {{.Gate}}{{end}}</h1>
<form id="f" method="post" action="scan">
<label for="payload">{{.Field}}</label>
<input id="payload" name="payload" autocomplete="off" autofocus required>
<div class="buttons">{{range .Buttons}}<button name="direction" value="{{.Value}}">{{.Label}}</button>{{end}}</div>
</form>
<div id="result" {{with .Result}}class="{{if eq .Verdict "ACCEPTED"}}ok{{else if eq .Verdict "FLAGGED"}}flag{{else}}no{{end}}"{{end}}>{{with .Result}}{{.Line}}<small>{{.Message}}</small>{{end}}</div>
<script>
const f = document.getElementById('f'), out = document.getElementById('result'), input = document.getElementById('payload');
const offline = {{.Offline}};
f.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const direction = ev.submitter ? ev.submitter.value : '';
  out.className = ''; out.textContent = '…';
  try {
    const res = await fetch('scan', {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({payload: input.value, direction: direction})});
    if (!res.ok) { throw new Error(await res.text()); }
    const v = await res.json();
    out.className = v.verdict === 'ACCEPTED' ? 'ok' : (v.verdict === 'FLAGGED' ? 'flag' : 'no');
    out.textContent = v.line;
    const small = document.createElement('small');
    small.textContent = v.message + (v.online ? '' : ' · ' + offline);
    out.appendChild(small);
  } catch (e) {
    out.className = 'no'; out.textContent = String(e.message || e);
  }
  input.value = ''; input.focus();
});
</script>
</body>
</html>
`))
