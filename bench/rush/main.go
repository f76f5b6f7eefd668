// Command rush is Varco's load generator. Against a server on this
// machine's loopback interface it measures, in one run:
//
//   - the transport ceiling: an empty RPC (grpc.health.v1.Health/Check)
//     and a trivial catalog read, made by as many concurrent clients as the
//     rush;
//   - scenario 1, the event rush: C clients, each with its own citizen
//     account, race to hold and confirm the seats of one event slot until
//     it is sold out; then the grid and the organizer's calendar are read
//     back to prove that no seat was oversold; with --clickday-clients N,
//     N more clients refresh the event's week grid meanwhile (the
//     click-day), each answer checked against the bookings already
//     confirmed;
//   - scenario 2, an appointment mix on the demo ID card service: holds,
//     confirmations, releases and cancellations;
//   - scenario 3, scans: the rush's tickets go in and out through an
//     enrolled gate (GateService.Scan), then are verified offline with the
//     keys of a GateService.Sync snapshot.
//
// Usage, from the repository root:
//
//	go run ./bench/rush --spawn            # build and start a fresh server
//	go run ./bench/rush --server http://127.0.0.1:8080 --admin-login admin@comune.example
//
// With --spawn the program builds ./server, starts it on 127.0.0.1:0 with
// --demo and a new database, makes an organizer with `server bootstrap`,
// and samples the server's CPU time and peak RSS phase by phase. Every loop
// has a count and a deadline, so the program always stops by itself. See
// bench/README.md for what each figure means.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// config is the command line.
type config struct {
	server      string
	spawn       bool
	db          string
	keep        bool
	dir         string
	pid         int
	adminLogin  string
	org         string
	place       string
	clients     int
	accounts    int
	regConc     int
	seats       int
	maxSeats    int
	ceiling     int
	mixOps      int
	scanClients int
	verifyCount int
	phase       time.Duration
	timeout     time.Duration
	protocol    string
	gzip        bool
	jsonOut     bool
	// serverProfile, with --spawn, is where to write a CPU profile of the
	// server taken during scenario 1.
	serverProfile string
	profileSecs   int
	think         time.Duration
	// replicas, with --spawn and a PostgreSQL --db, is how many server
	// processes share the database; the clients spread calls over them.
	replicas int
	// clickDay is the number of grid readers during scenario 1 (0: none).
	clickDay int
}

// maxClientsPerAccount is the server's limit of live holds per account:
// clients sharing an account each keep at most one hold at a time.
const maxClientsPerAccount = 3

// parseFlags reads and checks the command line; it refuses any server that
// is not on loopback before a single request is made.
func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("rush", flag.ContinueOnError)
	fs.StringVar(&c.server, "server", "", "base URL of a running server on loopback (e.g. http://127.0.0.1:8080)")
	fs.BoolVar(&c.spawn, "spawn", false, "build ./server and start it on 127.0.0.1:0 with --demo and a fresh database")
	fs.StringVar(&c.db, "db", "", "with --spawn: the spawned server's --db (default: a fresh SQLite file in the temporary directory); an empty PostgreSQL database's postgres:// URL runs it on PostgreSQL")
	fs.BoolVar(&c.keep, "keep", false, "with --spawn: keep the temporary directory (database, server.log)")
	fs.StringVar(&c.dir, "dir", os.TempDir(), "with --spawn: where to create the temporary directory (use a real disk, not tmpfs); with --server: where to probe fsync")
	fs.IntVar(&c.pid, "pid", 0, "with --server: the server's process id, to sample its CPU and peak RSS")
	fs.StringVar(&c.adminLogin, "admin-login", "", "with --server: an organizer's login; password in VARCO_BENCH_ADMIN_PASSWORD")
	fs.StringVar(&c.org, "organization", demo.ComuneID, "organization that owns the event and the gate")
	fs.StringVar(&c.place, "place", demo.ID("place/palazzo"), "place of the event (of that organization)")
	fs.IntVar(&c.clients, "clients", 500, "concurrent clients in the rush, the mix and the ceiling")
	fs.IntVar(&c.accounts, "accounts", 0, "citizen accounts to register (0: one per client); clients share them, at most 3 per account")
	fs.IntVar(&c.regConc, "register-concurrency", 2*runtime.NumCPU(), "registrations in flight (each costs the server a 19 MiB argon2id hash)")
	fs.IntVar(&c.seats, "seats", 2000, "seats of the event's slot")
	fs.IntVar(&c.maxSeats, "max-seats", 1, "seats per booking: uniform in 1..max-seats (at most 4)")
	fs.IntVar(&c.ceiling, "ceiling-calls", 20000, "calls of each empty RPC for the transport ceiling")
	fs.IntVar(&c.mixOps, "mix-ops", 2000, "operations (hold + confirm/release/cancel) in the appointment mix; 0 skips it")
	fs.IntVar(&c.scanClients, "scan-clients", 50, "concurrent scanners in the scan scenario")
	fs.IntVar(&c.verifyCount, "verify-count", 50000, "offline ticket verifications")
	fs.DurationVar(&c.phase, "phase-timeout", 90*time.Second, "deadline of each measured phase")
	fs.DurationVar(&c.timeout, "timeout", 6*time.Minute, "deadline of the whole run")
	fs.StringVar(&c.protocol, "protocol", "connect", "connect (HTTP/1.1, binary), grpc (h2c) or grpcweb")
	fs.BoolVar(&c.gzip, "gzip", true, "accept gzip responses, as connect-go clients and browsers do by default")
	fs.BoolVar(&c.jsonOut, "json", false, "print the report as JSON instead of text")
	fs.StringVar(&c.serverProfile, "server-cpuprofile", "", "with --spawn: write a CPU profile of the server, started with scenario 1 (the rush), to this file (go tool pprof)")
	fs.IntVar(&c.profileSecs, "server-cpuprofile-seconds", 2, "length of that profile")
	fs.DurationVar(&c.think, "think", 0, "scenario 1: each client's pause (±50%) between hold and confirm and between bookings, like a citizen filling in the form; 0 is the worst case")
	fs.IntVar(&c.replicas, "replicas", 1, "with --spawn and a postgres:// --db: server processes on the one database; every client spreads its calls over them round robin, as behind a load balancer")
	fs.IntVar(&c.clickDay, "clickday-clients", 0, "scenario 1 as a click-day: this many more clients refresh the event's week grid (72 slots) without pause while the rush books, and every answer is checked against the bookings confirmed before it was asked; 0 skips it")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case c.spawn == (c.server != ""):
		return c, errors.New("give exactly one of --spawn or --server URL")
	case c.server != "" && c.adminLogin == "":
		return c, errors.New("--server needs --admin-login (an organizer of --organization) and VARCO_BENCH_ADMIN_PASSWORD")
	case c.clients < 1 || c.clients > 20000:
		return c, errors.New("--clients must be in 1..20000")
	case c.seats < 1 || c.seats > 1_000_000:
		return c, errors.New("--seats must be in 1..1000000")
	case c.maxSeats < 1 || c.maxSeats > 4:
		return c, errors.New("--max-seats must be in 1..4")
	case c.regConc < 1 || c.ceiling < 1 || c.scanClients < 1 || c.verifyCount < 1 || c.mixOps < 0:
		return c, errors.New("counts must be positive")
	case c.clickDay < 0 || c.clickDay > 20000:
		return c, errors.New("--clickday-clients must be in 0..20000")
	case c.replicas < 1 || c.replicas > 8:
		return c, errors.New("--replicas must be in 1..8")
	case c.replicas > 1 && (!c.spawn || !(strings.HasPrefix(c.db, "postgres://") || strings.HasPrefix(c.db, "postgresql://"))):
		return c, errors.New("--replicas > 1 needs --spawn and a PostgreSQL --db (SQLite is one process)")
	case c.phase <= 0 || c.timeout <= 0:
		return c, errors.New("timeouts must be positive")
	}
	if c.accounts == 0 {
		c.accounts = c.clients
	}
	c.accounts = min(c.accounts, c.clients)
	if per := (c.clients + c.accounts - 1) / c.accounts; per > maxClientsPerAccount {
		return c, fmt.Errorf("%d clients on %d accounts is %d per account; the server allows %d live holds per account",
			c.clients, c.accounts, per, maxClientsPerAccount)
	}
	if c.server != "" {
		if err := checkLoopback(c.server); err != nil {
			return c, err
		}
	}
	return c, nil
}

// main runs the benchmark and prints its report; see the package comment.
func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "rush:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	rep, err := run(ctx, cfg)
	if rep != nil {
		if cfg.jsonOut {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			_ = enc.Encode(rep)
		} else {
			writeText(os.Stdout, rep)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rush:", err)
		os.Exit(1)
	}
	if rep != nil && (rep.Rush.Oversold > 0 || (rep.Mix != nil && rep.Mix.Oversold > 0) || (rep.ClickDay != nil && rep.ClickDay.Stale > 0)) {
		os.Exit(3) // an oversold seat or a stale grid is a correctness failure, whatever the speed
	}
}

// progress logs to stderr, so that stdout carries only the report.
func progress(start time.Time) func(string, ...any) {
	return func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "[%6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
}

// run performs the phases in order. A failure of the setup (server,
// accounts, event) ends the run; a failure of a later scenario is recorded
// in the report and the others still run.
func run(ctx context.Context, cfg config) (rep *Report, err error) {
	began := time.Now()
	logf := progress(began)
	rep = &Report{StartedAt: began.UTC().Format(time.RFC3339), Machine: machine(), Params: paramsOf(cfg)}

	base, pid, adminLogin, adminPassword := cfg.server, cfg.pid, cfg.adminLogin, os.Getenv("VARCO_BENCH_ADMIN_PASSWORD")
	dbDir := ""           // the spawned database's directory, where the fsync probe runs
	var bases []string    // every replica's base URL (with --replicas)
	var replicaPIDs []int // the replicas after the first
	debugAddr := ""       // the spawned server's profiler, with --server-cpuprofile
	rep.Server = ServerInfo{Mode: "external", URL: cfg.server, PID: cfg.pid}
	if cfg.spawn {
		srv, err := spawnServer(ctx, cfg.dir, cfg.db, cfg.serverProfile != "", logf)
		if srv != nil {
			// rp, not the named result: an early `return nil, err` must not
			// leave the deferred shutdown writing through a nil pointer.
			rp := rep
			defer func() {
				warn, errs, last := srv.logCounts()
				rp.Server.LogWarnings, rp.Server.LogErrors, rp.Server.LastErrorLine = warn, errs, last
				if serr := srv.stop(cfg.keep); serr != nil {
					rp.Problems = append(rp.Problems, serr.Error())
				}
				if cfg.keep {
					logf("kept %s", srv.dir)
				}
			}()
		}
		if err != nil {
			return nil, err
		}
		base, pid, adminLogin, adminPassword = srv.base, srv.pid, benchAdminEmail, benchAdminPassword
		dbDir = srv.dir
		debugAddr = srv.profilerAddr()
		rep.Server = ServerInfo{Mode: "spawned", URL: srv.base, PID: srv.pid, BuildS: round1(srv.buildTime.Seconds()),
			DBFileSystem: srv.fs, Flags: "--addr 127.0.0.1:0 --db " + srv.dbFlag() + " --demo --log-level info"}
		if cfg.keep {
			rep.Server.DBPath = srv.db
		}
		logf("server pid %d listening on %s (database on %s)", srv.pid, srv.base, srv.fs)
		bases = append(bases, srv.base)
		for i := 1; i < cfg.replicas; i++ {
			r, err := spawnReplica(ctx, srv, i)
			if r != nil && r.cmd != nil {
				defer func() { _ = r.stop(true) }() // the first replica's stop removes the directory
			}
			if err != nil {
				return nil, fmt.Errorf("replica %d: %w", i+1, err)
			}
			logf("replica %d pid %d listening on %s", i+1, r.pid, r.base)
			bases, replicaPIDs = append(bases, r.base), append(replicaPIDs, r.pid)
		}
		rep.Server.Replicas = len(bases)
	}
	conns := max(cfg.clients+cfg.clickDay, cfg.scanClients)
	a, err := newAPI(base, cfg.protocol, cfg.gzip, conns)
	if err != nil {
		return nil, err
	}
	if err := a.spread(bases); err != nil {
		return nil, err
	}
	admin, err := login(ctx, a, adminLogin, adminPassword)
	if err != nil {
		return nil, err
	}
	ev, err := createEvent(ctx, a, admin, cfg.org, cfg.place, cfg.seats, cfg.maxSeats, cfg.clickDay > 0)
	if err != nil {
		return nil, err
	}
	rep.Event = EventInfo{ResourceID: ev.resourceID, SlotStart: ev.slot.GetStart().AsTime().In(rome).Format("2006-01-02 15:04 MST"), Seats: cfg.seats}
	logf("event %s: one slot of %d seats at %s", ev.resourceID, cfg.seats, rep.Event.SlotStart)

	// Accounts first and apart: argon2id is deliberately slow, and it is
	// not what the rush measures.
	ppl := newPeople()
	logf("registering %d citizen accounts (%d in flight) ...", cfg.accounts, cfg.regConc)
	regOp := newOp("AuthService/Register")
	m := startMeter(pid)
	accts, err := registerAccounts(ctx, a, ppl, cfg.accounts, cfg.regConc, regOp)
	u := m.done()
	rep.Registration = RegistrationResult{Accounts: cfg.accounts, Concurrency: cfg.regConc,
		Register: regOp.summary(time.Duration(u.WallS * float64(time.Second))), Usage: u}
	if err != nil {
		return rep, err
	}
	if pid > 0 {
		rep.Settle = settle(ctx, a, pid, u.ServerStartRSSMB, 20*time.Second)
		logf("server RSS settled from %.1f MB to %.1f MB in %.1f s", rep.Settle.FromMB, rep.Settle.ToMB, rep.Settle.Seconds)
	}

	logf("transport ceiling: %d calls each, %d clients ...", cfg.ceiling, cfg.clients)
	rep.Ceiling = runCeiling(ctx, a, pid, cfg.clients, cfg.ceiling, cfg.phase)

	// The disk's serial fsync rate, measured now on the database's file
	// system: the floor under every durable commit the rush will make.
	probeDir := cfg.dir
	if dbDir != "" {
		probeDir = dbDir
	}
	if fp, err := probeFsync(probeDir, 300, 3*time.Second); err == nil {
		rep.Disk = fp
		logf("fsync on %s: p50 %.2f ms, %.0f/s serial", fsType(probeDir), fp.P50MS, fp.PerS)
	} else {
		rep.Problems = append(rep.Problems, "fsync probe: "+err.Error())
	}

	logf("scenario 1: %d clients race for %d seats ...", cfg.clients, cfg.seats)
	profDone := startServerProfile(ctx, debugAddr, cfg.serverProfile, cfg.profileSecs, logf)
	var rm *replicaMeter
	if len(replicaPIDs) > 0 || strings.HasPrefix(cfg.db, "postgres") {
		rm = startReplicaMeter(replicaPIDs)
	}
	var acked *atomic.Int64
	var cd *clickDay
	if cfg.clickDay > 0 {
		logf("  ... while %d clients refresh the event's week grid (click-day)", cfg.clickDay)
		acked = new(atomic.Int64)
		cd = startClickDay(ctx, a, pid, ev, cfg.clickDay, cfg.seats, acked)
	}
	rep.Rush = runRush(ctx, a, pid, ev, accts, ppl, cfg.clients, cfg.maxSeats, cfg.seats, cfg.phase, cfg.think, acked)
	if cd != nil {
		res := cd.stop()
		rep.ClickDay = &res
	}
	if rm != nil {
		rep.Rush.Replicas, rep.Rush.PostgresCPUS = rm.done()
	}
	defer profDone()
	if err := verifyRush(ctx, a, admin, cfg.org, ev, &rep.Rush); err != nil {
		rep.Problems = append(rep.Problems, "rush verification: "+err.Error())
	}
	logf("  %d bookings (%d seats) in %.2fs; oversold %d", rep.Rush.ConfirmedBookings, rep.Rush.ConfirmedSeats, rep.Rush.SelloutS, rep.Rush.Oversold)

	if cfg.mixOps > 0 {
		logf("scenario 2: appointment mix, %d operations ...", cfg.mixOps)
		mix, err := runMix(ctx, a, pid, accts, ppl, cfg.clients, cfg.mixOps, cfg.phase)
		if err == nil {
			err = verifyMix(ctx, a, admin, mix)
		}
		if err != nil {
			rep.Problems = append(rep.Problems, "appointment mix: "+err.Error())
		}
		rep.Mix = mix
	}

	if len(rep.Rush.booked) > 0 {
		logf("scenario 3: %d tickets through a gate, %d scanners ...", len(rep.Rush.booked), cfg.scanClients)
		scans, err := runScans(ctx, a, pid, admin, cfg.org, ev, rep.Rush.booked, cfg.scanClients, cfg.verifyCount, cfg.phase)
		if err != nil {
			rep.Problems = append(rep.Problems, "scans: "+err.Error())
		}
		rep.Scans = scans
	}
	if ctx.Err() != nil {
		rep.Problems = append(rep.Problems, "the run hit its --timeout: later phases are incomplete")
	}
	rep.finish(time.Since(began))
	logf("done")
	return rep, nil
}

// SettleResult is the pause between registration and the measured phases.
type SettleResult struct {
	FromMB  float64 `json:"from_mb"`
	ToMB    float64 `json:"to_mb"`
	Seconds float64 `json:"seconds"`
}

// settle waits for the server to give back the memory of the argon2id
// hashes before anything is measured: the Go runtime returns freed memory
// only after garbage collections lower its heap goal, and a server that
// sits idle collects nothing. A trickle of cheap catalog reads makes the
// collections happen; the wait ends when RSS is within 1.5× of what it was
// before registration, stops falling for eight rounds, or after max. Without
// it, the rush's "peak RSS" would mostly be registration leftovers, which
// in production are days old.
func settle(ctx context.Context, a *api, pid int, baselineMB float64, maxWait time.Duration) SettleResult {
	t0 := time.Now()
	rss := func() float64 {
		kb, _ := statusKB(pid, "VmRSS")
		return round1(float64(kb) / 1024)
	}
	res := SettleResult{FromMB: rss()}
	best, still := res.FromMB, 0
	for time.Since(t0) < maxWait && ctx.Err() == nil {
		// About 1,000 calls: enough garbage to reach the heap goal the
		// hashes left behind and trigger a collection.
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 125 {
					_, _, _ = call(ctx, nil, func(ctx context.Context) (struct{}, error) {
						_, err := a.catalog.ListOrganizations(ctx, req(&varcov1.ListOrganizationsRequest{}, ""))
						return struct{}{}, err
					})
				}
			})
		}
		wg.Wait()
		time.Sleep(250 * time.Millisecond)
		now := rss()
		if now <= 1.5*baselineMB {
			break
		}
		if now < best-1 {
			best, still = now, 0
		} else if still++; still >= 8 {
			break
		}
	}
	res.ToMB, res.Seconds = rss(), round1(time.Since(t0).Seconds())
	return res
}
