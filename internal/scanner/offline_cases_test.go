package scanner

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/ticket"
)

// offlineCasesPath is the one table of offline decisions shared by the Go
// scanner (TestOfflineCases) and the gate web app's port in
// web/src/gate/offline (TestGateAppOfflineCases in internal/app, in real
// Chromium): both must give every case exactly the recorded answer.
// Regenerate it with VARCO_UPDATE_CASES=1 go test ./internal/scanner -run TestOfflineCases.
const offlineCasesPath = "testdata/offline_cases.json"

// offlineCase is one scan decided offline, with everything the decider
// reads. Instants are Unix milliseconds (0: not set), a form both languages
// read the same way.
type offlineCase struct {
	Name      string                  `json:"name"`
	Payload   string                  `json:"payload"`
	Keys      []caseKey               `json:"keys"`
	Revoked   []string                `json:"revoked"`
	Presences map[string]casePresence `json:"presences"`
	Gate      caseGate                `json:"gate"`
	Direction gate.Direction          `json:"direction"`
	NowMs     int64                   `json:"now_ms"`
	// SyncedAtMs is the device's last contact with the server and
	// MaxDataAgeMs the most its data may age for offline decisions (0: no
	// bound), both as the device knows them in the server's time.
	SyncedAtMs   int64      `json:"synced_at_ms,omitempty"`
	MaxDataAgeMs int64      `json:"max_data_age_ms,omitempty"`
	Want         caseResult `json:"want"`
}

type caseKey struct {
	ID          string `json:"id"`
	PublicHex   string `json:"public_hex"`
	RetiredAtMs int64  `json:"retired_at_ms,omitempty"`
}

type casePresence struct {
	ResourceID  string     `json:"resource_id,omitempty"`
	State       gate.State `json:"state"`
	EnteredAtMs int64      `json:"entered_at_ms,omitempty"`
	ExpiresAtMs int64      `json:"expires_at_ms,omitempty"`
	ExitedAtMs  int64      `json:"exited_at_ms,omitempty"`
	Seats       int        `json:"seats,omitempty"`
}

type caseGate struct {
	ResourceIDs        []string           `json:"resource_ids"`
	Direction          gate.GateDirection `json:"direction"`
	ReentryResourceIDs []string           `json:"reentry_resource_ids,omitempty"`
	MaxInside          map[string]int     `json:"max_inside,omitempty"`
}

// caseResult is the answer: what the operator is shown and the presence
// stored (next, nil when nothing changes).
type caseResult struct {
	Verdict     gate.Verdict  `json:"verdict"`
	Reason      gate.Reason   `json:"reason"`
	TicketID    string        `json:"ticket_id,omitempty"`
	Seats       int           `json:"seats,omitempty"`
	EnteredAtMs int64         `json:"entered_at_ms,omitempty"`
	ExpiresAtMs int64         `json:"expires_at_ms,omitempty"`
	TimeLeftMs  int64         `json:"time_left_ms,omitempty"`
	Next        *casePresence `json:"next"`
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMs(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func (p casePresence) presence() Presence {
	return Presence{ResourceID: p.ResourceID, State: p.State, EnteredAt: fromMs(p.EnteredAtMs),
		ExpiresAt: fromMs(p.ExpiresAtMs), ExitedAt: fromMs(p.ExitedAtMs), Seats: p.Seats}
}

func presenceOf(p Presence) casePresence {
	return casePresence{ResourceID: p.ResourceID, State: p.State, EnteredAtMs: ms(p.EnteredAt),
		ExpiresAtMs: ms(p.ExpiresAt), ExitedAtMs: ms(p.ExitedAt), Seats: p.Seats}
}

// run decides c with the scanner's own offline decider, keys loaded the
// way a synced store loads them.
func (c offlineCase) run(t *testing.T) caseResult {
	t.Helper()
	var keys []PublicKey
	for _, k := range c.Keys {
		pub, err := hex.DecodeString(k.PublicHex)
		require.NoError(t, err)
		keys = append(keys, PublicKey{ID: k.ID, Public: pub, RetiredAt: fromMs(k.RetiredAtMs)})
	}
	// Keys that do not belong together are left out, as the store does.
	ring, _ := buildRing(keys)
	lookup := func(id string) (bool, Presence) {
		p, ok := c.Presences[id]
		if !ok {
			p.State = gate.Issued
		}
		for _, r := range c.Revoked {
			if r == id {
				return true, p.presence()
			}
		}
		return false, p.presence()
	}
	inside := func(resourceID string) int {
		presences, revoked := newPresenceMap(len(c.Presences)), newRevokedMap(len(c.Revoked))
		for id, p := range c.Presences {
			presences.set(id, p.presence())
		}
		for _, id := range c.Revoked {
			revoked.set(id, time.Time{})
		}
		return presences.inside(resourceID, &revoked)
	}
	g := gate.Gate{ResourceIDs: c.Gate.ResourceIDs, Direction: c.Gate.Direction, ReentryResourceIDs: c.Gate.ReentryResourceIDs,
		MaxInside: c.Gate.MaxInside}
	fresh := freshness{AsOf: fromMs(c.SyncedAtMs), MaxAge: time.Duration(c.MaxDataAgeMs) * time.Millisecond}
	r, next := judge(c.Payload, ring, lookup, inside, fresh, g, c.Direction, fromMs(c.NowMs))
	out := caseResult{Verdict: r.Verdict, Reason: r.Reason, TicketID: r.TicketID, Seats: r.Seats,
		EnteredAtMs: ms(r.EnteredAt), ExpiresAtMs: ms(r.ExpiresAt), TimeLeftMs: r.TimeLeft.Milliseconds()}
	if next != nil {
		p := presenceOf(*next)
		out.Next = &p
	}
	return out
}

// TestOfflineCases decides every case of the shared table with the Go
// scanner and requires the recorded answer; the table itself must be what
// offlineCases builds (each case's verdict and reason written by hand
// there), so it cannot drift from the rules it documents.
func TestOfflineCases(t *testing.T) {
	t.Parallel()
	built := offlineCases(t)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(built))
	if os.Getenv("VARCO_UPDATE_CASES") != "" {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(offlineCasesPath, b.Bytes(), 0o644))
	}
	file, err := os.ReadFile(offlineCasesPath)
	require.NoError(t, err)
	require.Equal(t, b.String(), string(file), "stale %s: regenerate with VARCO_UPDATE_CASES=1", offlineCasesPath)

	var cases []offlineCase
	require.NoError(t, json.Unmarshal(file, &cases))
	require.GreaterOrEqual(t, len(cases), 40)
	names := map[string]bool{}
	for _, c := range cases {
		require.False(t, names[c.Name], "duplicate case %q", c.Name)
		names[c.Name] = true
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, c.Want, c.run(t))
		})
	}
}

// Fixed material: keys from fixed seeds (Ed25519 signs deterministically),
// fixed ids and instants, so the table is the same on every machine.
const (
	caseTicket   = "0f8fad5b-d9cb-469f-a165-70867728950e"
	caseResource = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	caseOther    = "5adb7f79-f5d3-5abf-b860-a5f9b3dce0ee"
)

var (
	caseFrom  = time.Date(2026, 9, 12, 8, 0, 0, 0, time.UTC)
	caseUntil = time.Date(2026, 9, 12, 20, 0, 0, 0, time.UTC)
)

func seededKey(t *testing.T, first byte) ticket.Key {
	t.Helper()
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = first + byte(i)
	}
	k, err := ticket.KeyFromSeed(seed, time.Time{})
	require.NoError(t, err)
	return k
}

// claimsFields are the claims as raw protobuf fields, so a case can build
// encodings the server never would (reordered, unknown, non-minimal).
type claimsFields struct {
	keyID              string
	ticketID, resource []byte
	from, until        int64
	stay, seats        uint64
}

func uuidBytes(s string) []byte {
	u := uuid.MustParse(s)
	return u[:]
}

func defaultFields(k ticket.Key) claimsFields {
	return claimsFields{keyID: k.ID, ticketID: uuidBytes(caseTicket), resource: uuidBytes(caseResource),
		from: caseFrom.Unix(), until: caseUntil.Unix(), stay: 7200, seats: 2}
}

// encode is the canonical encoding (what the server signs).
func (f claimsFields) encode() []byte {
	var b []byte
	if f.keyID != "" {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, f.keyID)
	}
	if len(f.ticketID) > 0 {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendBytes(b, f.ticketID)
	}
	if len(f.resource) > 0 {
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		b = protowire.AppendBytes(b, f.resource)
	}
	for _, v := range []struct {
		n protowire.Number
		v uint64
	}{{4, uint64(f.from)}, {5, uint64(f.until)}, {6, f.stay}, {7, f.seats}} {
		if v.v != 0 {
			b = protowire.AppendTag(b, v.n, protowire.VarintType)
			b = protowire.AppendVarint(b, v.v)
		}
	}
	return b
}

// encodeBase45 is RFC 9285 (package ticket keeps its own unexported).
func encodeBase45(src []byte) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	var out []byte
	for i := 0; i+1 < len(src); i += 2 {
		n := int(src[i])<<8 | int(src[i+1])
		out = append(out, alphabet[n%45], alphabet[n/45%45], alphabet[n/2025])
	}
	if len(src)%2 == 1 {
		n := int(src[len(src)-1])
		out = append(out, alphabet[n%45], alphabet[n/45])
	}
	return string(out)
}

func signRaw(k ticket.Key, raw []byte) []byte {
	return ed25519.Sign(k.Private, append([]byte("VT1"), raw...))
}

func payloadOf(raw, sig []byte) string {
	return ticket.Prefix + encodeBase45(append(append([]byte{}, raw...), sig...))
}

// signed is a payload of raw claims bytes validly signed by k.
func signed(k ticket.Key, raw []byte) string { return payloadOf(raw, signRaw(k, raw)) }

// offlineCases builds the table: each case states by hand the verdict and
// reason it is about; the rest of the answer (ticket id, instants, the
// presence to store) is recorded from the Go decider after it agreed.
func offlineCases(t *testing.T) []offlineCase {
	t.Helper()
	keyA, keyB, keyC := seededKey(t, 0), seededKey(t, 32), seededKey(t, 64)
	retireC := caseFrom.Add(3 * time.Hour)
	known := []caseKey{
		{ID: keyA.ID, PublicHex: hex.EncodeToString(keyA.Public)},
		{ID: keyC.ID, PublicHex: hex.EncodeToString(keyC.Public), RetiredAtMs: ms(retireC)},
	}
	both := caseGate{ResourceIDs: []string{caseResource}, Direction: gate.GateBoth}
	entryOnly := caseGate{ResourceIDs: []string{caseResource}, Direction: gate.GateEntry}
	exitOnly := caseGate{ResourceIDs: []string{caseResource}, Direction: gate.GateExit}
	reentry := caseGate{ResourceIDs: []string{caseOther, caseResource}, Direction: gate.GateBoth, ReentryResourceIDs: []string{caseResource}}

	good := defaultFields(keyA)
	raw := good.encode()
	sig := signRaw(keyA, raw)
	ok := payloadOf(raw, sig)
	body := strings.TrimPrefix(ok, ticket.Prefix)

	noStay := good
	noStay.stay = 0
	oneSeat := good
	oneSeat.seats = 1
	oneSeat.stay = 60
	byB := defaultFields(keyB)
	byC := defaultFields(keyC)
	before1970 := good
	before1970.from = -1

	mid := caseFrom.Add(2 * time.Hour) // 10:00, inside the window
	entered := caseFrom.Add(time.Hour)
	inside := casePresence{ResourceID: caseResource, State: gate.Inside, EnteredAtMs: ms(entered), ExpiresAtMs: ms(entered.Add(2 * time.Hour))}
	insideNoLimit := inside
	insideNoLimit.ExpiresAtMs = 0
	exited := inside
	exited.State, exited.ExitedAtMs = gate.Exited, ms(entered.Add(30*time.Minute))
	at := func(p casePresence) map[string]casePresence { return map[string]casePresence{caseTicket: p} }
	// Occupancy: a cap of 3 people on the ticket's resource; others' tickets.
	capped := caseGate{ResourceIDs: []string{caseResource}, Direction: gate.GateBoth, MaxInside: map[string]int{caseResource: 3}}
	cappedReentry := capped
	cappedReentry.ReentryResourceIDs = []string{caseResource}
	const other1, other2 = "11111111-2222-4333-8444-555555555555", "22222222-3333-4444-8555-666666666666"
	seated := func(p casePresence, seats int) casePresence { p.Seats = seats; return p }
	withOthers := func(own *casePresence, others ...casePresence) map[string]casePresence {
		m := map[string]casePresence{}
		if own != nil {
			m[caseTicket] = *own
		}
		for i, p := range others {
			m[[]string{other1, other2}[i]] = p
		}
		return m
	}
	insideElsewhere := seated(inside, 3)
	insideElsewhere.ResourceID = caseOther

	// Malformed material.
	withField := func(extra ...byte) string { return signed(keyA, append(append([]byte{}, raw...), extra...)) }
	reordered := func() string {
		// seats (field 7, "38 02") first: the same fields, not canonical.
		r := append([]byte{0x38, 0x02}, raw[:len(raw)-2]...)
		return signed(keyA, r)
	}()
	nonMinimal := signed(keyA, append(append([]byte{}, raw[:len(raw)-1]...), 0x82, 0x00))
	seatsOver32 := signed(keyA, append(append([]byte{}, raw[:len(raw)-1]...), protowire.AppendVarint(nil, 1<<32+2)...))
	zeroSeats := good
	zeroSeats.seats = 0
	tooManySeats := good
	tooManySeats.seats = 1 << 31
	nilTicket := good
	nilTicket.ticketID = make([]byte, 16)
	shortTicket := good
	shortTicket.ticketID = uuidBytes(caseTicket)[:15]
	badKeyID := good
	badKeyID.keyID = "KZDVVJ21"
	lowerKeyID := good
	lowerKeyID.keyID = strings.ToLower(keyA.ID)
	backwards := good
	backwards.from, backwards.until = good.until, good.from
	wrongWire := signed(keyA, append([]byte{0x08, 0x01}, raw...)) // field 1 as a varint
	truncated := signed(keyA, raw[:len(raw)-1])                   // seats tag with no value
	emptyKeyField := signed(keyA, append([]byte{0x0a, 0x00}, raw...))
	dupSeats := withField(0x38, 0x02)

	// Forgeries.
	tampered := good
	tampered.seats = 9
	flipped := append([]byte{}, sig...)
	flipped[10] ^= 1
	// S + L: the same signature, non-canonical (RFC 8032 requires S < L).
	l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	s := new(big.Int).SetBytes(reverse(sig[32:]))
	highS := append(append([]byte{}, sig[:32]...), reverse(s.Add(s, l).FillBytes(make([]byte, 32)))...)

	type spec struct {
		name    string
		payload string
		keys    []caseKey
		revoked []string
		pres    map[string]casePresence
		g       caseGate
		dir     gate.Direction
		now     time.Time
		verdict gate.Verdict
		reason  gate.Reason
	}
	acc, ref, flag := gate.Accepted, gate.Refused, gate.Flagged
	in, out := gate.Entry, gate.Exit
	specs := []spec{
		// Accepted.
		{"accepted: first entry starts the stay", ok, known, nil, nil, both, in, mid, acc, "OK"},
		{"accepted: at valid_from exactly", ok, known, nil, nil, both, in, caseFrom, acc, "OK"},
		{"accepted: at valid_until exactly", ok, known, nil, nil, both, in, caseUntil, acc, "OK"},
		{"accepted: no maximum stay", signed(keyA, noStay.encode()), known, nil, nil, both, in, mid, acc, "OK"},
		{"accepted: one seat, one-minute stay", signed(keyA, oneSeat.encode()), known, nil, nil, both, in, mid, acc, "OK"},
		{"accepted: at an entry-only gate", ok, known, nil, nil, entryOnly, in, mid, acc, "OK"},
		{"accepted: the gate serves several resources", ok, known, nil, nil, reentry, in, mid, acc, "OK"},
		{"accepted: valid_from before 1970", signed(keyA, before1970.encode()), known, nil, nil, both, in, mid, acc, "OK"},
		{"accepted: exit", ok, known, nil, at(inside), both, out, mid, acc, "OK"},
		{"accepted: exit at an exit-only gate after valid_until", ok, known, nil, at(insideNoLimit), exitOnly, out, caseUntil.Add(time.Minute), acc, "OK"},
		{"accepted: re-entry keeps the first stay", ok, known, nil, at(exited), reentry, in, mid, acc, "OK"},
		{"accepted: retired key, scanned before retirement", signed(keyC, byC.encode()), known, nil, nil, both, in, retireC, acc, "OK"},
		{"accepted: unrelated ticket revoked", ok, known, []string{"11111111-2222-4333-8444-555555555555"}, nil, both, in, mid, acc, "OK"},
		// Flagged.
		{"flagged: exit after the stay ran out", ok, known, nil, at(inside), both, out, entered.Add(2*time.Hour + time.Millisecond), flag, gate.ReasonStayExpired},
		// Gate rules.
		{"already inside", ok, known, nil, at(inside), both, in, mid, ref, gate.ReasonAlreadyInside},
		{"not inside: exit without entry", ok, known, nil, nil, both, out, mid, ref, gate.ReasonNotInside},
		{"not inside: second exit", ok, known, nil, at(exited), both, out, mid, ref, gate.ReasonNotInside},
		{"already used", ok, known, nil, at(exited), both, in, mid, ref, gate.ReasonAlreadyUsed},
		{"revoked", ok, known, []string{caseTicket}, nil, both, in, mid, ref, gate.ReasonRevoked},
		{"revoked while inside, at the exit", ok, known, []string{caseTicket}, at(inside), both, out, mid, ref, gate.ReasonRevoked},
		{"revoked presence state", ok, known, nil, at(casePresence{State: gate.Revoked}), both, in, mid, ref, gate.ReasonRevoked},
		{"wrong resource", ok, known, nil, nil, caseGate{ResourceIDs: []string{caseOther}, Direction: gate.GateBoth}, in, mid, ref, gate.ReasonWrongResource},
		{"wrong resource: gate with no resources", ok, known, nil, nil, caseGate{Direction: gate.GateBoth}, in, mid, ref, gate.ReasonWrongResource},
		{"wrong direction: entry at an exit-only gate", ok, known, nil, nil, exitOnly, in, mid, ref, gate.ReasonWrongDirection},
		{"wrong direction: exit at an entry-only gate", ok, known, nil, at(inside), entryOnly, out, mid, ref, gate.ReasonWrongDirection},
		{"wrong direction: unspecified", ok, known, nil, nil, both, 0, mid, ref, gate.ReasonWrongDirection},
		{"too early", ok, known, nil, nil, both, in, caseFrom.Add(-time.Millisecond), ref, "TOO_EARLY"},
		{"too late", ok, known, nil, nil, both, in, caseUntil.Add(time.Millisecond), ref, "TOO_LATE"},
		{"too late: re-entry after valid_until", ok, known, nil, at(exited), reentry, in, caseUntil.Add(time.Second), ref, "TOO_LATE"},
		{"stay expired: entry after the stay ran out", ok, known, nil, at(inside), both, in, entered.Add(3 * time.Hour), ref, gate.ReasonStayExpired},
		{"stay expired: re-entry after the stay ran out", ok, known, nil, at(exited), reentry, in, entered.Add(2*time.Hour + time.Second), ref, gate.ReasonStayExpired},
		{"stay expired: expired state", ok, known, nil, at(casePresence{State: gate.Expired}), both, in, mid, ref, gate.ReasonStayExpired},
		// Occupancy cap (the ticket admits 2).
		{"venue full: 2 inside, 2 more would make 4 of 3", ok, known, nil, withOthers(nil, seated(inside, 2)), capped, in, mid, ref, gate.ReasonVenueFull},
		{"venue full: 1 inside, 2 more fill the cap exactly", ok, known, nil, withOthers(nil, seated(inside, 1)), capped, in, mid, acc, "OK"},
		{"venue full: those who left do not count", ok, known, nil, withOthers(nil, seated(exited, 2), seated(inside, 1)), capped, in, mid, acc, "OK"},
		{"venue full: revoked tickets inside do not count", ok, known, []string{other1}, withOthers(nil, seated(inside, 2)), capped, in, mid, acc, "OK"},
		{"venue full: people inside another resource do not count", ok, known, nil, withOthers(nil, insideElsewhere), capped, in, mid, acc, "OK"},
		{"venue full: an exit is let out over the cap", ok, known, nil, withOthers(&inside, seated(inside, 3)), capped, out, mid, acc, "OK"},
		{"venue full: a re-entry counts like an entry", ok, known, nil, withOthers(&exited, seated(inside, 2)), cappedReentry, in, mid, ref, gate.ReasonVenueFull},
		{"venue full: anti-passback comes first", ok, known, nil, withOthers(&inside, seated(inside, 3)), capped, in, mid, ref, gate.ReasonAlreadyInside},
		// Signatures and keys.
		{"forged: claims altered", payloadOf(tampered.encode(), sig), known, nil, nil, both, in, mid, ref, "FORGED"},
		{"forged: signature altered", payloadOf(raw, flipped), known, nil, nil, both, in, mid, ref, "FORGED"},
		{"forged: non-canonical signature (S + L)", payloadOf(raw, highS), known, nil, nil, both, in, mid, ref, "FORGED"},
		{"forged: revoked and forged", payloadOf(raw, flipped), known, []string{caseTicket}, nil, both, in, mid, ref, "FORGED"},
		{"forged: naming a retired key", payloadOf(byC.encode(), sig), known, nil, nil, both, in, retireC.Add(time.Hour), ref, "FORGED"},
		{"unknown key", signed(keyB, byB.encode()), known, nil, nil, both, in, mid, ref, "UNKNOWN_KEY"},
		{"unknown key: no keys synced yet", ok, nil, nil, nil, both, in, mid, ref, "UNKNOWN_KEY"},
		{"unknown key: retired before the scan", signed(keyC, byC.encode()), known, nil, nil, both, in, retireC.Add(time.Millisecond), ref, "UNKNOWN_KEY"},
		{"unknown key: id does not match the public key", signed(keyB, byB.encode()),
			[]caseKey{{ID: keyB.ID, PublicHex: hex.EncodeToString(keyA.Public)}}, nil, nil, both, in, mid, ref, "UNKNOWN_KEY"},
		{"unknown key: public key of 31 bytes", ok,
			[]caseKey{{ID: keyA.ID, PublicHex: hex.EncodeToString(keyA.Public[:31])}}, nil, nil, both, in, mid, ref, "UNKNOWN_KEY"},
		// Malformed.
		{"malformed: empty", "", known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: not a ticket", "https://example.org/biglietto", known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: lower-case prefix", "vt1:" + body, known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: another version", "VT2:" + body, known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: leading space", " " + ok, known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: lower-case letter", ticket.Prefix + body[:20] + "a" + body[21:], known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: non-ASCII character", ticket.Prefix + body[:20] + "è" + body[22:], known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: length 1 mod 3", ok + "00", known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: group above 65535", ticket.Prefix + "GGW" + body[3:], known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: final pair above 255", ok[:len(ok)-2] + "::", known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: only a signature", payloadOf(nil, sig), known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: longer than 512 characters", ticket.Prefix + strings.Repeat("000", 170), known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: unknown field, signed", withField(0x40, 0x01), known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: fields out of order, signed", reordered, known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: field repeated, signed", dupSeats, known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: non-minimal varint, signed", nonMinimal, known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: seats beyond 32 bits, signed", seatsOver32, known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: no seats, signed", signed(keyA, zeroSeats.encode()), known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: 2^31 seats, signed", signed(keyA, tooManySeats.encode()), known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: nil ticket id, signed", signed(keyA, nilTicket.encode()), known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: 15-byte ticket id, signed", signed(keyA, shortTicket.encode()), known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: key id not base32, signed", signed(keyA, badKeyID.encode()), known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: lower-case key id, signed", signed(keyA, lowerKeyID.encode()), known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: valid_until before valid_from, signed", signed(keyA, backwards.encode()), known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: wrong wire type, signed", wrongWire, known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: truncated field, signed", truncated, known, nil, nil, both, in, mid, ref, "MALFORMED"},
		{"malformed: empty field present, signed", emptyKeyField, known, nil, nil, both, in, mid, ref, "MALFORMED"},
	}
	// Data age: the device decides offline only while its last contact
	// with the server is at most max_data_age old.
	type aged struct {
		spec
		synced time.Time
		maxAge time.Duration
	}
	day := 24 * time.Hour
	var all []aged
	for _, sp := range specs {
		all = append(all, aged{spec: sp})
	}
	all = append(all, []aged{
		{spec{"data too old: a day and a millisecond since the last sync", ok, known, nil, nil, both, in, mid, ref, ReasonDataTooOld}, mid.Add(-day - time.Millisecond), day},
		{spec{"data age: exactly at the limit it still decides", ok, known, nil, nil, both, in, mid, acc, "OK"}, mid.Add(-day), day},
		{spec{"data too old: whatever the ticket", payloadOf(tampered.encode(), sig), known, nil, nil, both, in, mid, ref, ReasonDataTooOld}, mid.Add(-2 * day), day},
		// The bound guards entries (a missed revocation or key); an exit
		// lets no one in, and refusing it would keep a person who left
		// counted inside (the cap, overstays) on the device and, as a
		// conflict the server does not apply, on the server too.
		{spec{"data too old: an exit is still decided", ok, known, nil, at(inside), both, out, mid, acc, "OK"}, mid.Add(-time.Hour), 30 * time.Minute},
		{spec{"data too old: an exit without entry is refused by the rules", ok, known, nil, nil, both, out, mid, ref, gate.ReasonNotInside}, mid.Add(-time.Hour), 30 * time.Minute},
		{spec{"data too old: an exit of a revoked ticket, revoked", ok, known, []string{caseTicket}, at(inside), both, out, mid, ref, gate.ReasonRevoked}, mid.Add(-time.Hour), 30 * time.Minute},
		{spec{"data age: no bound synced", ok, known, nil, nil, both, in, mid, acc, "OK"}, mid.Add(-100 * day), 0},
	}...)
	var cases []offlineCase
	for _, as := range all {
		sp := as.spec
		c := offlineCase{Name: sp.name, Payload: sp.payload, Keys: sp.keys, Revoked: sp.revoked, Presences: sp.pres,
			Gate: sp.g, Direction: sp.dir, NowMs: ms(sp.now), SyncedAtMs: ms(as.synced), MaxDataAgeMs: as.maxAge.Milliseconds()}
		if c.Keys == nil {
			c.Keys = []caseKey{}
		}
		if c.Revoked == nil {
			c.Revoked = []string{}
		}
		if c.Presences == nil {
			c.Presences = map[string]casePresence{}
		}
		if c.Gate.ResourceIDs == nil {
			c.Gate.ResourceIDs = []string{}
		}
		c.Want = c.run(t)
		require.Equal(t, sp.verdict, c.Want.Verdict, sp.name)
		require.Equal(t, sp.reason, c.Want.Reason, sp.name)
		cases = append(cases, c)
	}
	return cases
}

func reverse(b []byte) []byte {
	out := make([]byte, len(b))
	for i := range b {
		out[len(b)-1-i] = b[i]
	}
	return out
}
