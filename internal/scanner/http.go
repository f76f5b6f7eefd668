package scanner

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/i18n"
	"github.com/varco-gate/varco/internal/webapp"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// maxFormBytes bounds a POST /scan body: a payload and a direction.
const maxFormBytes = 8 << 10

// LocalModeMeta is the <meta> the scanner adds to the gate app's
// index.html: the app then talks to the scanner's local API (GET /status,
// POST /scan) instead of GateService, with no enrollment of its own.
const LocalModeMeta = `<meta name="varco-gate-mode" content="local">`

// PageOptions configures the gate page.
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
	// App is the built gate web app (webapp.Dist's "gate" folder), served
	// at /gate/. Nil: the JSON API only.
	App fs.FS
	// Token, when set, must come with every API call as "Authorization:
	// Bearer <token>" (a page reachable from the LAN). Without it the API
	// answers only requests addressed to a loopback host.
	Token string
	// Occupancy, when set, follows the server's live occupancy
	// (GateService.WatchOccupancy), calling each with every message until
	// ctx ends or the stream fails; Page.Run keeps it going.
	Occupancy func(ctx context.Context, each func(*varcov1.WatchOccupancyResponse)) error
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
	EnteredAt       time.Time `json:"entered_at,omitzero"`
	Online          bool      `json:"online"`
	Queued          bool      `json:"queued,omitempty"`
	ScanID          string    `json:"scan_id"`
	// ScannedAt is when the box decided, by its clock (corrected by the
	// server's offset when it decided offline).
	ScannedAt time.Time `json:"scanned_at,omitzero"`
}

// StatusJSON is the answer of GET /status: what the gate page shows
// besides the verdicts.
type StatusJSON struct {
	Gate GateJSON `json:"gate"`
	// Online: the server answers (Scanner.Connected).
	Online bool `json:"online"`
	// LastSync is the last message from the server; zero when none.
	LastSync time.Time `json:"last_sync,omitzero"`
	// ClockOffsetMs is the server's clock minus the device's.
	ClockOffsetMs int64 `json:"clock_offset_ms"`
	// DataTooOld: offline scans are refused (DATA_TOO_OLD) now.
	DataTooOld bool `json:"data_too_old"`
	Queued     int  `json:"queued"`
	// Inside counts the people inside each served resource as the device
	// knows them (what an offline entry is checked against).
	Inside map[string]int `json:"inside"`
	// Occupancy is the server's last word on today's attendance; absent
	// while the server has not sent any.
	Occupancy *OccupancyJSON `json:"occupancy,omitempty"`
}

// GateJSON is the gate's settings as the page needs them.
type GateJSON struct {
	DeviceID    string         `json:"device_id"`
	Name        string         `json:"name"`
	ResourceIDs []string       `json:"resource_ids"`
	Direction   string         `json:"direction"` // both, entry, exit
	TimeZone    string         `json:"time_zone"`
	MaxInside   map[string]int `json:"max_inside,omitempty"`
}

// OccupancyJSON is one GateService.WatchOccupancy message.
type OccupancyJSON struct {
	At        time.Time  `json:"at"`
	Connected bool       `json:"connected"`
	Slots     []SlotJSON `json:"slots"`
}

// SlotJSON is the attendance of one slot.
type SlotJSON struct {
	ResourceID string    `json:"resource_id"`
	SlotStart  time.Time `json:"slot_start"`
	Inside     int32     `json:"inside"`
	Booked     int32     `json:"booked"`
	Entries    int32     `json:"entries"`
	Exits      int32     `json:"exits"`
	Overstays  int32     `json:"overstays"`
}

// scanRequest is the JSON body of POST /scan.
type scanRequest struct {
	Payload   string `json:"payload"`
	Direction string `json:"direction"`
}

// Page is the gate box's web page: the gate web app at /gate/ in local
// mode, and the small JSON API it uses.
type Page struct {
	s   *Scanner
	o   PageOptions
	mux *http.ServeMux

	mu  sync.Mutex
	occ *OccupancyJSON
}

// NewPage returns the page of s: GET / redirects to the app at /gate/,
// GET /status and POST /scan are the API. There is no user login: the
// page is for loopback, or for the LAN with Token (see PageOptions).
func (s *Scanner) NewPage(o PageOptions) (*Page, error) {
	p := &Page{s: s, o: o, mux: http.NewServeMux()}
	if o.App != nil {
		app, err := webapp.New(o.App, webapp.Options{Prefix: "/gate/", Wasm: true, Index: markLocal})
		if err != nil {
			return nil, err
		}
		p.mux.Handle("/gate/", app)
		p.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/gate/", http.StatusSeeOther)
		})
	}
	p.mux.HandleFunc("GET /status", p.guard(p.status))
	p.mux.HandleFunc("POST /scan", p.guard(p.scan))
	return p, nil
}

// markLocal puts LocalModeMeta in the app's <head>.
func markLocal(index []byte) []byte {
	return bytes.Replace(index, []byte("<head>"), []byte("<head>\n"+LocalModeMeta), 1)
}

// ServeHTTP serves the page.
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.mux.ServeHTTP(w, r) }

// Run follows the server's occupancy for the page until ctx ends,
// reconnecting with backoff; without PageOptions.Occupancy it just waits.
func (p *Page) Run(ctx context.Context) {
	if p.o.Occupancy == nil {
		<-ctx.Done()
		return
	}
	bo := Backoff{Base: time.Second, Max: 30 * time.Second, Rand: p.s.cfg.Rand}
	for ctx.Err() == nil {
		err := p.o.Occupancy(ctx, func(m *varcov1.WatchOccupancyResponse) {
			bo.Reset()
			p.setOccupancy(m)
		})
		p.mu.Lock()
		if p.occ != nil {
			p.occ.Connected = false
		}
		p.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		p.s.log.Debug("occupancy stream interrupted", "err", err)
		if !wait(ctx, bo.Next(), nil) {
			return
		}
	}
}

func (p *Page) setOccupancy(m *varcov1.WatchOccupancyResponse) {
	o := &OccupancyJSON{At: m.GetAt().AsTime(), Connected: true, Slots: []SlotJSON{}}
	for _, s := range m.GetOccupancy() {
		o.Slots = append(o.Slots, SlotJSON{ResourceID: s.GetResourceId(), SlotStart: s.GetSlotStart().AsTime(),
			Inside: s.GetInside(), Booked: s.GetBooked(), Entries: s.GetEntries(), Exits: s.GetExits(), Overstays: s.GetOverstays()})
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.occ = o
}

// guard lets an API call through only from whom may make it: with a
// token, who presents it; without, requests to a loopback host name (a
// page on another site resolving its own name to 127.0.0.1, DNS
// rebinding, is refused by its Host). Posts must come from the page's own
// origin either way (another site's page in the same browser).
func (p *Page) guard(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if p.o.Token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(p.o.Token)) != 1 {
				http.Error(w, "pairing code missing or wrong", http.StatusUnauthorized)
				return
			}
		} else if !loopbackHost(r.Host) {
			http.Error(w, "this page answers on loopback only (start the scanner with --http-token to open it to the LAN)", http.StatusForbidden)
			return
		}
		if r.Method == http.MethodPost && !sameOrigin(r) {
			http.Error(w, "cross-origin request refused", http.StatusForbidden)
			return
		}
		next(w, r)
	}
}

// loopbackHost reports whether a Host header names this machine.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (p *Page) lang(r *http.Request) Lang {
	if al := r.Header.Get("Accept-Language"); al != "" {
		return Lang(i18n.Match(al))
	}
	return p.o.Lang
}

func (p *Page) status(w http.ResponseWriter, r *http.Request) {
	// Not State: it copies every ticket, and the page asks every few
	// seconds.
	set := p.s.store.Settings()
	offset, lastSync := p.s.store.Offline()
	out := StatusJSON{
		Gate: GateJSON{DeviceID: set.DeviceID, Name: set.Name, ResourceIDs: set.ResourceIDs,
			Direction: gateDirectionName(set.Direction), TimeZone: set.Location().String(), MaxInside: set.MaxInside},
		Online: p.s.Connected(), LastSync: lastSync, ClockOffsetMs: offset.Milliseconds(),
		Queued: p.s.store.QueueLen(), Inside: map[string]int{},
	}
	if out.Gate.ResourceIDs == nil {
		out.Gate.ResourceIDs = []string{}
	}
	now := p.s.clk.Now().Add(offset)
	out.DataTooOld = freshness{AsOf: lastSync.Add(offset), MaxAge: set.MaxDataAge}.stale(now)
	for _, id := range set.ResourceIDs {
		out.Inside[id] = p.s.store.Inside(id)
	}
	p.mu.Lock()
	if p.occ != nil {
		o := *p.occ
		out.Occupancy = &o
	}
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func gateDirectionName(d gate.GateDirection) string {
	switch d {
	case gate.GateEntry:
		return "entry"
	case gate.GateExit:
		return "exit"
	}
	return "both"
}

func (p *Page) scan(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	in, err := readScanRequest(r)
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
	payload, lineDir := ParseLine(in.Payload, DefaultDirection(p.s.Settings().Direction, p.o.Direction))
	if dir == 0 {
		dir = lineDir
	}
	if payload == "" {
		http.Error(w, "payload missing", http.StatusBadRequest)
		return
	}
	res, err := p.s.Decide(r.Context(), payload, dir)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	if p.o.OnResult != nil {
		p.o.OnResult(res)
	}
	loc := p.o.Location
	if loc == nil {
		loc = p.s.Settings().Location()
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(p.lang(r).toJSON(res, loc))
}

func readScanRequest(r *http.Request) (scanRequest, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		var in scanRequest
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			return in, errors.New("bad JSON: want {\"payload\": ..., \"direction\": \"entry\"|\"exit\"}")
		}
		return in, nil
	}
	if err := r.ParseForm(); err != nil {
		return scanRequest{}, errors.New("bad form")
	}
	return scanRequest{Payload: r.PostForm.Get("payload"), Direction: r.PostForm.Get("direction")}, nil
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
		TicketID: r.TicketID, Seats: r.Seats, ExpiresAt: r.ExpiresAt, EnteredAt: r.EnteredAt, Online: r.Online,
		Queued: r.Queued, ScanID: r.ScanID, ScannedAt: r.ScannedAt}
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
