package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime/stime in /proc/<pid>/stat. It is
// 100 on every Linux build Go supports, and reading it properly would need
// sysconf through cgo.
const clockTicks = 100

// statusKB reads a "VmXxx:  1234 kB" line of /proc/<pid>/status.
func statusKB(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			fields := strings.Fields(rest)
			if len(fields) == 0 {
				break
			}
			return strconv.ParseInt(fields[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("%s not in /proc/%d/status", field, pid)
}

// resetPeakRSS resets VmHWM so that the next reading is the peak of the
// phase being measured, not of the whole life of the process (argon2id
// during registration would otherwise hide the rush's own peak). Writing
// "5" to clear_refs does exactly that (Linux 4.0+) and needs only the same
// user as the process.
func resetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// cpuSeconds returns the user+system CPU time a process has used.
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may contain spaces:
	// count fields after the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	// After ')': state is field 3, so utime (14) and stime (15) are at
	// indexes 11 and 12.
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return float64(ut+st) / clockTicks, nil
}

// selfCPUSeconds is the CPU time this load generator has used: on a shared
// machine it is CPU the server could not have.
func selfCPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// Usage is what one phase cost the machine.
type Usage struct {
	WallS float64 `json:"wall_s"`
	// ServerCPUS and ClientCPUS are CPU seconds used by the server process
	// and by this program during the phase; divided by WallS they are the
	// average number of cores busy.
	ServerCPUS float64 `json:"server_cpu_s,omitempty"`
	ClientCPUS float64 `json:"client_cpu_s"`
	// ServerPeakRSSMB is the server's peak resident memory during the
	// phase: VmHWM reset at the start of the phase, or, when the reset was
	// refused, the largest VmRSS sampled every 10 ms.
	ServerPeakRSSMB float64 `json:"server_peak_rss_mb,omitempty"`
	// ServerStartRSSMB is VmRSS when the phase began: the peak minus it is
	// what the phase itself added (memory a previous phase left to the Go
	// runtime counts in the peak until the runtime returns it).
	ServerStartRSSMB float64 `json:"server_start_rss_mb,omitempty"`
	// PeakFrom says which of the two it is ("VmHWM" or "VmRSS samples").
	PeakFrom string `json:"peak_from,omitempty"`
	// OtherCPUS is CPU time used by every other process of the machine
	// during the phase (all busy time in /proc/stat minus server and
	// client), and StealCPUS the time the hypervisor gave to other
	// guests: both are load the figures had to share the cores with.
	OtherCPUS float64 `json:"other_cpu_s"`
	StealCPUS float64 `json:"steal_cpu_s"`
	// ServerDiskWriteMB is what the server sent to storage during the
	// phase (write_bytes of /proc/<pid>/io: WAL and checkpoints).
	ServerDiskWriteMB float64 `json:"server_disk_write_mb,omitempty"`
}

// diskWriteBytes reads write_bytes from /proc/<pid>/io.
func diskWriteBytes(pid int) int64 {
	n, err := procField(fmt.Sprintf("/proc/%d/io", pid), "write_bytes")
	if err != nil {
		return 0
	}
	return n
}

// machineCPU returns the CPU seconds all cores spent busy (user, nice,
// system, irq, softirq) and stolen by the hypervisor since boot.
func machineCPU() (busy, steal float64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0
	}
	v := make([]float64, len(f))
	for i := 1; i < len(f); i++ {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		v[i] = float64(n) / clockTicks
	}
	// Fields: user nice system idle iowait irq softirq steal ...
	return v[1] + v[2] + v[3] + v[6] + v[7], v[8]
}

// meter measures one phase: wall time, CPU of both processes and the
// server's peak RSS. pid 0 means the server process is unknown (an
// external server without --pid): only the client side is measured.
type meter struct {
	pid       int
	start     time.Time
	serverCPU float64
	clientCPU float64
	hwmReset  bool
	startRSS  int64
	busy      float64
	steal     float64
	written   int64
	stop      chan struct{}
	wg        sync.WaitGroup
	maxRSS    int64
}

// startMeter begins measuring a phase; call done at its end.
func startMeter(pid int) *meter {
	m := &meter{pid: pid, stop: make(chan struct{})}
	if pid > 0 {
		m.startRSS, _ = statusKB(pid, "VmRSS")
		m.hwmReset = resetPeakRSS(pid) == nil
		m.serverCPU, _ = cpuSeconds(pid)
		m.written = diskWriteBytes(pid)
		m.wg.Add(1)
		go m.sample()
	}
	m.clientCPU = selfCPUSeconds()
	m.busy, m.steal = machineCPU()
	m.start = time.Now()
	return m
}

// sample polls VmRSS: the fallback when VmHWM cannot be reset, and a
// cross-check of it otherwise. It stops with the phase.
func (m *meter) sample() {
	defer m.wg.Done()
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		if kb, err := statusKB(m.pid, "VmRSS"); err == nil && kb > m.maxRSS {
			m.maxRSS = kb
		}
		select {
		case <-m.stop:
			return
		case <-t.C:
		}
	}
}

// done ends the phase and returns what it cost.
func (m *meter) done() Usage {
	// Read every counter at the same moment, before stopping the sampler,
	// so that the CPU shares add up.
	u := Usage{WallS: round3(time.Since(m.start).Seconds()), ClientCPUS: round3(selfCPUSeconds() - m.clientCPU)}
	busy, steal := machineCPU()
	if m.pid > 0 {
		if c, err := cpuSeconds(m.pid); err == nil {
			u.ServerCPUS = round3(c - m.serverCPU)
		}
		u.ServerDiskWriteMB = round1(float64(diskWriteBytes(m.pid)-m.written) / 1e6)
	}
	u.StealCPUS = round3(steal - m.steal)
	// Without a server pid, the server's own CPU is counted here too.
	u.OtherCPUS = round3(max(0, busy-m.busy-u.ClientCPUS-u.ServerCPUS))
	if m.pid <= 0 {
		return u
	}
	close(m.stop)
	m.wg.Wait()
	peak, from := m.maxRSS, "VmRSS samples"
	if m.hwmReset {
		if kb, err := statusKB(m.pid, "VmHWM"); err == nil && kb >= peak {
			peak, from = kb, "VmHWM"
		}
	}
	u.ServerPeakRSSMB = round1(float64(peak) / 1024)
	u.ServerStartRSSMB = round1(float64(m.startRSS) / 1024)
	u.PeakFrom = from
	return u
}

// round1 and round3 keep the report's figures to meaningful digits.
func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }
func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// Machine describes where the figures were measured.
type Machine struct {
	CPU        string  `json:"cpu"`
	Cores      int     `json:"cores"`
	GOMAXPROCS int     `json:"gomaxprocs"`
	MemoryGB   float64 `json:"memory_gb"`
	Kernel     string  `json:"kernel"`
	OSArch     string  `json:"os_arch"`
	GoVersion  string  `json:"go_version"`
	// LoadAvg is /proc/loadavg (1, 5, 15 minutes) when the run started:
	// other work on a shared machine moves every figure.
	LoadAvg string `json:"load_avg_at_start"`
}

// machine describes this computer from /proc and the Go runtime.
func machine() Machine {
	m := Machine{Cores: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), OSArch: runtime.GOOS + "/" + runtime.GOARCH,
		GoVersion: runtime.Version(), CPU: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if kb, err := procField("/proc/meminfo", "MemTotal"); err == nil {
		m.MemoryGB = round1(float64(kb) / 1024 / 1024)
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// procField reads the first number after "field:" in a /proc file.
func procField(path, field string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("%s not in %s", field, path)
}

// fsType names the file system holding dir: fsync on tmpfs is free, so a
// database there would flatter every write figure.
func fsType(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "unknown"
	}
	switch uint64(st.Type) {
	case 0xEF53:
		return "ext4"
	case 0x58465342:
		return "xfs"
	case 0x9123683E:
		return "btrfs"
	case 0x01021994:
		return "tmpfs (fsync is free: write figures are flattered)"
	case 0x794C7630:
		return "overlayfs"
	}
	return fmt.Sprintf("0x%x", uint64(st.Type))
}

// FsyncProbe is the disk's durable-write ceiling, measured in the same run
// on the file system of the database: one 4 KiB write and fsync at a time,
// as a commit of the server's single writer does with synchronous=FULL.
type FsyncProbe struct {
	Dir    string  `json:"-"`
	Count  int     `json:"count"`
	P50MS  float64 `json:"p50_ms"`
	P99MS  float64 `json:"p99_ms"`
	MeanMS float64 `json:"mean_ms"`
	// PerS is serial fsyncs per second: an upper bound for durable commits
	// per second through one writer connection.
	PerS float64 `json:"serial_per_s"`
}

// probeFsync times up to n write+fsync pairs in dir, within maxWait.
func probeFsync(dir string, n int, maxWait time.Duration) (FsyncProbe, error) {
	f, err := os.CreateTemp(dir, "fsync-probe-")
	if err != nil {
		return FsyncProbe{}, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	op := newOp("fsync")
	t0 := time.Now()
	for i := 0; i < n && time.Since(t0) < maxWait; i++ {
		buf[0] = byte(i)
		start := time.Now()
		if _, err := f.WriteAt(buf, int64(i%64)*4096); err != nil {
			return FsyncProbe{}, err
		}
		err := f.Sync()
		op.record(time.Since(start), err)
		if err != nil {
			return FsyncProbe{}, err
		}
	}
	s := op.summary(time.Since(t0))
	return FsyncProbe{Dir: dir, Count: s.OK, P50MS: s.P50MS, P99MS: s.P99MS, MeanMS: s.MeanMS, PerS: s.PerSecond}, nil
}
