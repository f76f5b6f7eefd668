package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Report is everything one run measured; --json prints it as is.
type Report struct {
	StartedAt    string             `json:"started_at"`
	TotalS       float64            `json:"total_s"`
	Machine      Machine            `json:"machine"`
	Server       ServerInfo         `json:"server"`
	Params       Params             `json:"params"`
	Event        EventInfo          `json:"event"`
	Registration RegistrationResult `json:"registration"`
	Settle       SettleResult       `json:"settle"`
	Disk         FsyncProbe         `json:"fsync_probe"`
	Ceiling      CeilingResult      `json:"ceiling"`
	Rush         RushResult         `json:"rush"`
	ClickDay     *ClickDayResult    `json:"click_day,omitempty"`
	Mix          *MixResult         `json:"appointment_mix,omitempty"`
	Scans        *ScanResult        `json:"scans,omitempty"`
	Ratios       Ratios             `json:"ratios"`
	Targets      []Target           `json:"targets"`
	Problems     []string           `json:"problems,omitempty"`
}

// ServerInfo says which server was measured and how it behaved.
type ServerInfo struct {
	Mode string `json:"mode"`
	URL  string `json:"url"`
	PID  int    `json:"pid,omitempty"`
	// Replicas is the number of server processes (--replicas), when > 1.
	Replicas      int     `json:"replicas,omitempty"`
	Flags         string  `json:"flags,omitempty"`
	BuildS        float64 `json:"build_s,omitempty"`
	DBFileSystem  string  `json:"db_file_system,omitempty"`
	DBPath        string  `json:"db_path,omitempty"`
	LogWarnings   int     `json:"log_warnings"`
	LogErrors     int     `json:"log_errors"`
	LastErrorLine string  `json:"last_error_line,omitempty"`
}

// Params are the knobs of the run.
type Params struct {
	Clients             int     `json:"clients"`
	Accounts            int     `json:"accounts"`
	RegisterConcurrency int     `json:"register_concurrency"`
	Seats               int     `json:"seats"`
	MaxSeats            int     `json:"max_seats_per_booking"`
	CeilingCalls        int     `json:"ceiling_calls"`
	MixOps              int     `json:"mix_ops"`
	ScanClients         int     `json:"scan_clients"`
	VerifyCount         int     `json:"verify_count"`
	Protocol            string  `json:"protocol"`
	Gzip                bool    `json:"accept_gzip"`
	PhaseTimeoutS       float64 `json:"phase_timeout_s"`
	// ThinkMS is each rush client's pause between hold and confirm and
	// between bookings (a citizen filling in the form); 0 is the worst case.
	ThinkMS float64 `json:"think_ms"`
}

// paramsOf copies the knobs of the run into the report.
func paramsOf(c config) Params {
	return Params{Clients: c.clients, Accounts: c.accounts, RegisterConcurrency: c.regConc, Seats: c.seats, MaxSeats: c.maxSeats,
		CeilingCalls: c.ceiling, MixOps: c.mixOps, ScanClients: c.scanClients, VerifyCount: c.verifyCount,
		Protocol: c.protocol, Gzip: c.gzip, PhaseTimeoutS: c.phase.Seconds(), ThinkMS: float64(c.think.Milliseconds())}
}

// EventInfo is the event the rush was run on.
type EventInfo struct {
	ResourceID string `json:"resource_id"`
	SlotStart  string `json:"slot_start"`
	Seats      int    `json:"seats"`
}

// RegistrationResult is the setup phase: accounts, one argon2id each.
type RegistrationResult struct {
	Accounts    int       `json:"accounts"`
	Concurrency int       `json:"concurrency"`
	Register    OpSummary `json:"register"`
	Usage       Usage     `json:"usage"`
}

// Ratios put our throughput against the transport ceiling measured in the
// same run, on the same server, with the same number of clients.
type Ratios struct {
	// BookingsVsEmptyRPC: confirmed bookings/s ÷ health checks/s. A
	// booking is two RPCs (hold, confirm), so 0.5 would mean each booking
	// RPC costs no more than an empty one.
	BookingsVsEmptyRPC float64 `json:"bookings_vs_empty_rpc"`
	// BookingRPCsVsEmptyRPC: (2 × confirmed bookings/s) ÷ health checks/s.
	BookingRPCsVsEmptyRPC float64 `json:"booking_rpcs_vs_empty_rpc"`
	// ScansVsEmptyRPC: online scans/s ÷ health checks/s (fewer clients:
	// see scan_clients).
	ScansVsEmptyRPC float64 `json:"scans_vs_empty_rpc"`
}

// Target is one goal of issue 8 and where this run stands.
type Target struct {
	Goal   string `json:"goal"`
	Actual string `json:"actual"`
	Met    bool   `json:"met"`
}

// ratio is a/b to three decimals, 0 when b is 0 (a phase that did not run).
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return float64(int64(a/b*1000+0.5)) / 1000
}

// finish computes the ratios and checks the targets of issue 8.
func (r *Report) finish(total time.Duration) {
	r.TotalS = round1(total.Seconds())
	health := r.Ceiling.Health.PerSecond
	r.Ratios.BookingsVsEmptyRPC = ratio(r.Rush.BookingsPerS, health)
	r.Ratios.BookingRPCsVsEmptyRPC = ratio(2*r.Rush.BookingsPerS, health)
	if r.Scans != nil {
		r.Ratios.ScansVsEmptyRPC = ratio(r.Scans.ScansPerS, health)
		if strings.HasPrefix(r.Scans.SnapshotAfterScans, "FAILED") {
			r.Problems = append(r.Problems, "GateService.Sync sent no snapshot after the scans ("+r.Scans.SnapshotAfterScans+
				"): 2,000+ ticket changes within the 2 s sync overlap keep the server's snapshot loop re-reading one full batch")
		}
	}
	p99 := max(r.Rush.Hold.P99MS, r.Rush.Confirm.P99MS)
	r.Targets = []Target{
		{Goal: "oversold seats = 0 (rush and mix)", Actual: fmt.Sprintf("%d", r.Rush.Oversold+mixOversold(r.Mix)),
			Met: r.Rush.Oversold == 0 && mixOversold(r.Mix) == 0},
		{Goal: "thousands (≥ 2,000) of confirmed bookings/s", Actual: fmt.Sprintf("%.0f bookings/s", r.Rush.BookingsPerS),
			Met: r.Rush.BookingsPerS >= 2000},
		{Goal: "≥ 0.5 × empty-RPC ceiling", Actual: fmt.Sprintf("%.3f× (booking RPCs), %.3f× (bookings)",
			r.Ratios.BookingRPCsVsEmptyRPC, r.Ratios.BookingsVsEmptyRPC), Met: r.Ratios.BookingRPCsVsEmptyRPC >= 0.5},
		{Goal: fmt.Sprintf("p99 < 50 ms per booking RPC (%d clients)", r.Rush.Clients),
			Actual: fmt.Sprintf("hold %.1f ms, confirm %.1f ms", r.Rush.Hold.P99MS, r.Rush.Confirm.P99MS), Met: p99 > 0 && p99 < 50},
	}
	if r.Rush.Usage.ServerPeakRSSMB > 0 {
		r.Targets = append(r.Targets, Target{Goal: "server peak RSS during the rush < 150 MB",
			Actual: fmt.Sprintf("%.1f MB", r.Rush.Usage.ServerPeakRSSMB), Met: r.Rush.Usage.ServerPeakRSSMB < 150})
	}
	r.Targets = append(r.Targets, clickDayTargets(r.ClickDay)...)
}

// mixOversold is the mix's oversold seats, 0 when the mix did not run.
func mixOversold(m *MixResult) int {
	if m == nil {
		return 0
	}
	return m.Oversold
}

// writeText prints the report for people.
func writeText(w io.Writer, r *Report) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("Varco rush benchmark, %s (%.0f s in all)", r.StartedAt, r.TotalS)
	mc := r.Machine
	p("machine   %s, %d cores (GOMAXPROCS %d), %.1f GB RAM, %s, Linux %s, %s; load average %s at start",
		mc.CPU, mc.Cores, mc.GOMAXPROCS, mc.MemoryGB, mc.OSArch, mc.Kernel, mc.GoVersion, mc.LoadAvg)
	s := r.Server
	if s.Mode == "spawned" {
		p("server    spawned: go build ./server (%.1f s), pid %d, %s", s.BuildS, s.PID, s.URL)
		if s.Replicas > 1 {
			p("          %d replicas on the one database; the clients spread every call over them round robin", s.Replicas)
		}
		p("          %s; database on %s", s.Flags, s.DBFileSystem)
	} else {
		p("server    external: %s (pid %d)", s.URL, s.PID)
	}
	pr := r.Params
	think := "none (worst case: every client calls again as soon as it is answered)"
	if pr.ThinkMS > 0 {
		think = fmt.Sprintf("%.0f ms ±50%% between hold and confirm and between bookings", pr.ThinkMS)
	}
	p("load      %d clients on %d accounts; protocol %s (gzip accepted: %v); client and server share the machine; think time %s",
		pr.Clients, pr.Accounts, pr.Protocol, pr.Gzip, think)
	p("")

	reg := r.Registration
	p("setup: %d accounts registered in %.1f s, %d in flight (%.1f/s; argon2id m=19 MiB t=2 on the server, not measured below)",
		reg.Accounts, reg.Usage.WallS, reg.Concurrency, reg.Register.PerSecond)
	usage(p, reg.Usage)
	if r.Settle.FromMB > 0 {
		p("  then waited %.1f s for the server to return the hashes' memory: RSS %.1f MB → %.1f MB", r.Settle.Seconds, r.Settle.FromMB, r.Settle.ToMB)
	}
	p("")

	p("transport ceiling (%d concurrent clients)", r.Ceiling.Clients)
	table(p, r.Ceiling.Health, r.Ceiling.ListOrganizations)
	usage(p, r.Ceiling.HealthUsage)
	p("")

	if d := r.Disk; d.Count > 0 {
		p("disk: %d × (4 KiB write + fsync) on the database's file system: p50 %.2f ms, p99 %.2f ms → %.0f serial fsyncs/s",
			d.Count, d.P50MS, d.P99MS, d.PerS)
		p("")
	}

	ru := r.Rush
	p("scenario 1: event rush (%d seats in one slot, %d clients, %d..%d seats per booking)", ru.Capacity, ru.Clients, 1, ru.MaxSeats)
	p("  confirmed          %d bookings, %d seats, sold in %.2f s", ru.ConfirmedBookings, ru.ConfirmedSeats, ru.SelloutS)
	p("  throughput         %.0f confirmed bookings/s (%.0f seats/s); %.0f booking RPCs/s answered", ru.BookingsPerS, ru.SeatsPerS, ru.BookingRPCsPerS)
	p("  vs ceiling         %.3f× health checks/s (%.3f× counting hold and confirm as two RPCs)",
		r.Ratios.BookingsVsEmptyRPC, r.Ratios.BookingRPCsVsEmptyRPC)
	if r.Disk.PerS > 0 {
		p("  vs disk            %.0f durable commits/s for hold + confirm alone (two per booking) = %.2f× the serial fsync rate",
			2*ru.BookingsPerS, ratio(2*ru.BookingsPerS, r.Disk.PerS))
	}
	table(p, ru.Hold, ru.Confirm, ru.HoldConfirm, ru.Release)
	p("  OVERSOLD SEATS     %d   (grid: %d of %d seats left, %s; calendar: %d confirmed bookings, %d seats)",
		ru.Oversold, ru.GridSeatsLeft, ru.GridSeatsTotal, ru.GridState, ru.ServerConfirmedBookings, ru.ServerConfirmedSeats)
	consistency(p, ru.Consistent, ru.Problems)
	usage(p, ru.Usage)
	for i, rp := range ru.Replicas {
		p("                     replica %d (pid %d): %.2f cores busy, peak RSS %.1f MB", i+2, rp.PID, cpuShare(rp.CPUS, ru.Usage.WallS), rp.PeakRSSMB)
	}
	if ru.PostgresCPUS > 0 {
		p("                     PostgreSQL processes: %.2f cores busy", cpuShare(ru.PostgresCPUS, ru.Usage.WallS))
	}
	p("")
	if cd := r.ClickDay; cd != nil {
		clickDayText(p, cd)
	}

	if m := r.Mix; m != nil {
		p("scenario 2: appointment mix on the ID card service (%d slots, %d seats, %s..%s; %d clients)",
			m.Slots, m.SeatsOffered, m.WindowFrom, m.WindowTo, m.Clients)
		p("  operations         %d in %.2f s: %.0f ops/s, %.0f confirmations/s, %.0f booking RPCs/s",
			m.Operations, m.Usage.WallS, m.OpsPerS, m.BookingsPerS, m.RPCsPerS)
		for _, k := range sortedKeys(m.Outcomes) {
			p("    %-60s %6d", k, m.Outcomes[k])
		}
		table(p, m.Hold, m.Confirm, m.HoldConfirm, m.Release, m.Cancel)
		p("  OVERSOLD SEATS     %d   (double-booked operators %d; slots where grid ≠ bookings %d; %d confirmed on the server, %d kept by clients)",
			m.Oversold, m.DoubleBookedOps, m.MismatchedSlots, m.ServerConfirmed, m.ClientsActive)
		consistency(p, m.Consistent, m.Problems)
		usage(p, m.Usage)
		p("")
	}

	if sc := r.Scans; sc != nil {
		p("scenario 3: scans (%d tickets of the rush, %d concurrent scanners, one enrolled gate)", sc.Tickets, sc.Clients)
		table(p, sc.GetTicket, sc.Entry, sc.Exit)
		p("  online scans       %.0f scans/s (%.3f× health checks/s)", sc.ScansPerS, r.Ratios.ScansVsEmptyRPC)
		for _, k := range sortedKeys(sc.Verdicts) {
			p("    %-40s %6d", k, sc.Verdicts[k])
		}
		usage(p, sc.EntryUsage)
		p("  offline verify     %.0f verifications/s on %d goroutines, %.1f µs of CPU each (%d ok, %d failed; %d key(s) from the Sync snapshot)",
			sc.OfflinePerS, sc.OfflineWorkers, sc.OfflineCPUMicros, sc.OfflineVerified, sc.OfflineFailed, sc.SyncKeys)
		usage(p, sc.OfflineUsage)
		p("  new Sync snapshot  %s", sc.SnapshotAfterScans)
		p("")
	}

	p("targets (issue 8)")
	for _, t := range r.Targets {
		mark := "MET   "
		if !t.Met {
			mark = "MISSED"
		}
		p("  %s %-46s %s", mark, t.Goal, t.Actual)
	}
	if r.Server.Mode == "spawned" {
		p("server log: %d warnings, %d errors", r.Server.LogWarnings, r.Server.LogErrors)
		if r.Server.LastErrorLine != "" {
			p("  last error: %s", r.Server.LastErrorLine)
		}
	}
	for _, pb := range r.Problems {
		p("PROBLEM: %s", pb)
	}
}

// table prints operations as rows: successes, failures, throughput and
// latency percentiles of the successful calls; errors by code below.
func table(p func(string, ...any), ops ...OpSummary) {
	p("  %-32s %7s %7s %9s %8s %8s %8s %8s %8s", "operation", "ok", "failed", "ok/s", "mean ms", "p50", "p95", "p99", "max")
	for _, o := range ops {
		if o.OK == 0 && o.Failed == 0 {
			continue
		}
		p("  %-32s %7d %7d %9.0f %8.2f %8.2f %8.2f %8.2f %8.2f", o.Name, o.OK, o.Failed, o.PerSecond, o.MeanMS, o.P50MS, o.P95MS, o.P99MS, o.MaxMS)
		if len(o.Errors) > 0 {
			var parts []string
			for _, k := range sortedKeys(o.Errors) {
				parts = append(parts, fmt.Sprintf("%s ×%d", k, o.Errors[k]))
			}
			p("    errors: %s", strings.Join(parts, ", "))
		}
	}
}

// usage prints a phase's machine line: cores busy, server RSS and disk writes.
func usage(p func(string, ...any), u Usage) {
	line := fmt.Sprintf("  machine            wall %.2f s; cores busy: this program %.2f", u.WallS, cpuShare(u.ClientCPUS, u.WallS))
	if u.ServerPeakRSSMB > 0 {
		line += fmt.Sprintf(", server %.2f", cpuShare(u.ServerCPUS, u.WallS))
	}
	if u.ServerPeakRSSMB > 0 {
		line += fmt.Sprintf(", other processes %.2f", cpuShare(u.OtherCPUS, u.WallS))
	} else {
		// No server pid: the server's CPU is in with everything else.
		line += fmt.Sprintf(", all other processes (server included) %.2f", cpuShare(u.OtherCPUS, u.WallS))
	}
	if u.StealCPUS > 0.005 {
		line += fmt.Sprintf(", stolen by the hypervisor %.2f", cpuShare(u.StealCPUS, u.WallS))
	}
	p("%s", line)
	if u.ServerPeakRSSMB > 0 {
		p("                     server RSS %.1f MB at start, peak %.1f MB (%s); server wrote %.1f MB to disk",
			u.ServerStartRSSMB, u.ServerPeakRSSMB, u.PeakFrom, u.ServerDiskWriteMB)
	}
}

// cpuShare is CPU seconds per second of wall time: average cores busy.
func cpuShare(cpu, wall float64) float64 {
	if wall <= 0 {
		return 0
	}
	return cpu / wall
}

// consistency prints whether the server's views and the clients' count agree.
func consistency(p func(string, ...any), ok bool, problems string) {
	if ok {
		p("  consistency        grid, calendar and clients agree")
		return
	}
	p("  consistency        DISAGREE: %s", problems)
}
