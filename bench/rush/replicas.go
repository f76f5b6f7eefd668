package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Several replicas (--replicas N with --spawn and a PostgreSQL --db): the
// first spawned server loads the demo data, the others start on the same
// database, and the clients' transport spreads requests over all of them
// round robin, as a load balancer would.

// spreadTransport sends each request to the next base in turn.
type spreadTransport struct {
	next  http.RoundTripper
	hosts []string // host:port of each replica
	n     atomic.Uint64
}

func (t *spreadTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	host := t.hosts[(t.n.Add(1)-1)%uint64(len(t.hosts))]
	r = r.Clone(r.Context())
	r.URL.Host, r.Host = host, host
	return t.next.RoundTrip(r)
}

// spread makes a's clients send their requests over every base in turn.
func (a *api) spread(bases []string) error {
	if len(bases) < 2 {
		return nil
	}
	hosts := make([]string, len(bases))
	for i, b := range bases {
		u, err := url.Parse(b)
		if err != nil {
			return err
		}
		hosts[i] = u.Host
	}
	a.http.Transport = &spreadTransport{next: a.http.Transport, hosts: hosts}
	return nil
}

// spawnReplica starts another server process on the first one's binary
// and database, without --demo (the data is there already).
func spawnReplica(ctx context.Context, first *spawned, i int) (*spawned, error) {
	s := &spawned{dir: first.dir, db: first.db, fs: first.fs, logPath: filepath.Join(first.dir, fmt.Sprintf("server-%d.log", i+1)),
		done: make(chan error, 1)}
	return s, s.start(ctx, filepath.Join(first.dir, "varco-server"), []string{"--addr", "127.0.0.1:0", "--db", s.db, "--log-level", "info"})
}

// ReplicaUsage is what one more replica cost during the rush.
type ReplicaUsage struct {
	PID       int     `json:"pid"`
	CPUS      float64 `json:"cpu_s"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
}

// replicaMeter measures the replicas after the first (whose figures are
// the phase's server figures) and PostgreSQL's processes during a phase.
type replicaMeter struct {
	pids  []int
	start time.Time
	cpu   []float64
	pg    map[int]float64
	stop  chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	peak  []int64
}

func startReplicaMeter(pids []int) *replicaMeter {
	m := &replicaMeter{pids: pids, cpu: make([]float64, len(pids)), peak: make([]int64, len(pids)), pg: postgresCPU(), stop: make(chan struct{})}
	for i, pid := range pids {
		m.cpu[i], _ = cpuSeconds(pid)
		_ = resetPeakRSS(pid)
	}
	m.start = time.Now()
	m.wg.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			for i, pid := range pids {
				if kb, err := statusKB(pid, "VmRSS"); err == nil {
					m.mu.Lock()
					m.peak[i] = max(m.peak[i], kb)
					m.mu.Unlock()
				}
			}
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	})
	return m
}

// done returns each replica's CPU and peak RSS, and the CPU seconds all
// postgres processes used (those alive at the start and the end).
func (m *replicaMeter) done() ([]ReplicaUsage, float64) {
	close(m.stop)
	m.wg.Wait()
	out := make([]ReplicaUsage, len(m.pids))
	for i, pid := range m.pids {
		c, _ := cpuSeconds(pid)
		peak := m.peak[i]
		if kb, err := statusKB(pid, "VmHWM"); err == nil && kb > peak {
			peak = kb
		}
		out[i] = ReplicaUsage{PID: pid, CPUS: round3(c - m.cpu[i]), PeakRSSMB: round1(float64(peak) / 1024)}
	}
	pg := 0.0
	for pid, c := range postgresCPU() {
		pg += c - m.pg[pid] // a backend born during the phase started at 0
	}
	return out, round3(pg)
}

// postgresCPU returns the CPU seconds of every process named postgres.
func postgresCPU() map[int]float64 {
	out := map[int]float64{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		if c, err := cpuSeconds(pid); err == nil {
			out[pid] = c
		}
	}
	return out
}
