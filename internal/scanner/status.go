package scanner

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/gate"
)

// GateDirectionLabel names what a gate scans.
func (l Lang) GateDirectionLabel(d gate.GateDirection) string {
	switch d {
	case gate.GateEntry:
		return l.Text("scanner.gate_dir.entry")
	case gate.GateExit:
		return l.Text("scanner.gate_dir.exit")
	case gate.GateBoth:
		return l.Text("scanner.gate_dir.both")
	}
	return "?"
}

// WriteSettings prints the gate settings, as shown after enrollment.
func (l Lang) WriteSettings(w io.Writer, s Settings) error {
	_, err := fmt.Fprintf(w, "%s: %s\n%s: %s\n%s: %s\n%s: %s\n",
		l.Text("scanner.settings.gate"), s.Name,
		l.Text("scanner.settings.device"), s.DeviceID,
		l.Text("scanner.settings.resources"), strings.Join(s.ResourceIDs, ", "),
		l.Text("scanner.settings.direction"), l.GateDirectionLabel(s.Direction))
	return err
}

// WriteStatus prints what `scanner status` shows. The credential is never
// printed, only whether there is one.
func (l Lang) WriteStatus(w io.Writer, st Status, now time.Time, loc *time.Location) error {
	s := st.State
	if err := l.WriteSettings(w, s.Settings); err != nil {
		return err
	}
	usable := 0
	for _, k := range s.Keys {
		if k.RetiredAt.IsZero() || !now.After(k.RetiredAt) {
			usable++
		}
	}
	cred := l.Text("scanner.cred.present")
	switch {
	case s.DeviceRevoked:
		cred = l.Text("scanner.cred.revoked")
	case !st.HasCredential:
		cred = l.Text("scanner.cred.missing")
	}
	lastSync := l.Text("scanner.never")
	if !s.LastSync.IsZero() {
		lastSync = s.LastSync.In(loc).Format("2006-01-02 15:04:05 MST")
	}
	c := st.Counters
	_, err := fmt.Fprintf(w, "Server: %s\n%s: %s\n%s: %d (%d %s)\n%s: %d\n%s: %d\n%s: %d\n%s: %d / %d / %d\n%s: %s\n",
		s.ServerURL,
		l.Text("scanner.status.credential"), cred,
		l.Text("scanner.status.keys"), len(s.Keys), usable, l.Text("scanner.status.valid_now"),
		l.Text("scanner.status.revoked"), len(s.Revoked),
		l.Text("scanner.status.presences"), len(s.Presences),
		l.Text("scanner.status.queued"), st.Queued,
		l.Text("scanner.status.counters"), c.Queued, c.Uploaded, c.Lost,
		l.Text("scanner.status.last_sync"), lastSync)
	if err != nil {
		return err
	}
	var warn []string
	if skewed(s.ClockOffset) {
		warn = append(warn, l.Text("scanner.warn.clock", s.ClockOffset.Round(time.Second)))
	}
	if age := s.Settings.MaxDataAge; age > 0 && !s.LastSync.IsZero() && now.Sub(s.LastSync) > age {
		warn = append(warn, l.Text("scanner.warn.data_too_old"))
	}
	for _, line := range warn {
		if _, err := fmt.Fprintln(w, "!! "+line); err != nil {
			return err
		}
	}
	return l.writeProblems(w, st, loc)
}

// writeProblems prints, loudly, what is or was wrong with the store.
func (l Lang) writeProblems(w io.Writer, st Status, loc *time.Location) error {
	var lines []string
	if st.Legacy {
		lines = append(lines, l.Text("scanner.problem.legacy"))
	}
	if st.Problem != "" {
		lines = append(lines, l.Text("scanner.problem.unreadable", st.Problem))
	}
	for _, in := range st.Incidents {
		line := in.At.In(loc).Format("2006-01-02 15:04 MST") + "  " + l.incidentLabel(in.Kind) + ": " + in.Detail
		if in.File != "" {
			line += " (" + in.File + ")"
		}
		lines = append(lines, line)
	}
	for _, line := range lines {
		if _, err := fmt.Fprintln(w, "!! "+line); err != nil {
			return err
		}
	}
	return nil
}

func (l Lang) incidentLabel(kind string) string {
	switch kind {
	case IncidentDamaged:
		return l.Text("scanner.incident.damaged")
	case IncidentMissing:
		return l.Text("scanner.incident.missing")
	case IncidentLost:
		return l.Text("scanner.incident.lost")
	case IncidentCredentialLost:
		return l.Text("scanner.incident.credential_lost")
	case IncidentMigrated:
		return l.Text("scanner.incident.migrated")
	case IncidentIdentity:
		return l.Text("scanner.incident.identity")
	}
	return kind
}
