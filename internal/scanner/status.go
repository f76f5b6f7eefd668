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
		return l.pick("solo entrata", "entry only")
	case gate.GateExit:
		return l.pick("solo uscita", "exit only")
	case gate.GateBoth:
		return l.pick("entrata e uscita (prefisso E: / U:)", "entry and exit (prefix E: / U:)")
	}
	return "?"
}

// WriteSettings prints the gate settings, as shown after enrollment.
func (l Lang) WriteSettings(w io.Writer, s Settings) error {
	_, err := fmt.Fprintf(w, "%s: %s\n%s: %s\n%s: %s\n%s: %s\n",
		l.pick("Varco", "Gate"), s.Name,
		l.pick("Dispositivo", "Device"), s.DeviceID,
		l.pick("Servizi", "Resources"), strings.Join(s.ResourceIDs, ", "),
		l.pick("Direzione", "Direction"), l.GateDirectionLabel(s.Direction))
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
	cred := l.pick("presente", "present")
	switch {
	case s.DeviceRevoked:
		cred = l.pick("REVOCATA dall'organizzatore", "REVOKED by the organizer")
	case !st.HasCredential:
		cred = l.pick("assente (eseguire scanner enroll)", "missing (run scanner enroll)")
	}
	lastSync := l.pick("mai", "never")
	if !s.LastSync.IsZero() {
		lastSync = s.LastSync.In(loc).Format("2006-01-02 15:04:05 MST")
	}
	c := st.Counters
	_, err := fmt.Fprintf(w, "Server: %s\n%s: %s\n%s: %d (%d %s)\n%s: %d\n%s: %d\n%s: %d\n%s: %d / %d / %d\n%s: %s\n",
		s.ServerURL,
		l.pick("Credenziale", "Credential"), cred,
		l.pick("Chiavi pubbliche", "Public keys"), len(s.Keys), usable, l.pick("valide ora", "valid now"),
		l.pick("Biglietti annullati noti", "Revoked tickets known"), len(s.Revoked),
		l.pick("Presenze note", "Known presences"), len(s.Presences),
		l.pick("Scansioni offline da inviare", "Offline scans to upload"), st.Queued,
		l.pick("Scansioni offline registrate / inviate / perse", "Offline scans queued / uploaded / lost"), c.Queued, c.Uploaded, c.Lost,
		l.pick("Ultima sincronizzazione", "Last sync"), lastSync)
	if err != nil {
		return err
	}
	var warn []string
	if skewed(s.ClockOffset) {
		warn = append(warn, fmt.Sprintf(l.pick("OROLOGIO SFASATO di %s rispetto al server: fuori linea vale l'ora del server",
			"CLOCK OFF by %s from the server's: offline the server's time is used"), s.ClockOffset.Round(time.Second)))
	}
	if age := s.Settings.MaxDataAge; age > 0 && !s.LastSync.IsZero() && now.Sub(s.LastSync) > age {
		warn = append(warn, l.pick("DATI TROPPO VECCHI: fuori linea ogni scansione è rifiutata, ricollegare alla rete",
			"DATA TOO OLD: offline every scan is refused, reconnect to the network"))
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
		lines = append(lines, l.pick("archivio nel formato precedente: sarà convertito al prossimo avvio",
			"store in the older format: it is converted at the next start"))
	}
	if st.Problem != "" {
		lines = append(lines, l.pick("ARCHIVIO ILLEGGIBILE: ", "STORE UNREADABLE: ")+st.Problem)
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
		return l.pick("ARCHIVIO DANNEGGIATO", "STORE DAMAGED")
	case IncidentMissing:
		return l.pick("ARCHIVIO MANCANTE", "STORE MISSING")
	case IncidentLost:
		return l.pick("SCANSIONI PERSE", "SCANS LOST")
	case IncidentCredentialLost:
		return l.pick("CREDENZIALE PERSA: registrare di nuovo il dispositivo", "CREDENTIAL LOST: enroll the device again")
	case IncidentMigrated:
		return l.pick("archivio convertito", "store converted")
	case IncidentIdentity:
		return l.pick("identità riscritta", "identity rewritten")
	}
	return kind
}
