package app_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/export"
	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/store/sqlite/sqlitetest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// seedExport inserts n bookings of the demo guided tour from 3 January
// 2026, 30 per hourly slot, straight into the server's database file.
func seedExport(tb testing.TB, b *bundle, n int) {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, b.dbPath, sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(tb, err)
	defer db.Close()
	require.NoError(tb, sqlitetest.SeedBookings(ctx, db.W, sqlitetest.Bookings{OrganizationID: demo.ComuneID, ResourceID: demo.TourID,
		First: time.Date(2026, 1, 3, 9, 0, 0, 0, time.UTC), Every: time.Hour, PerSlot: 30, N: n, Prefix: "M"}))
}

// procStatusKB reads a "VmXxx: 1234 kB" line of /proc/self/status; 0 when
// the system has none (not Linux).
func procStatusKB(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			fields := strings.Fields(rest)
			if len(fields) > 0 {
				v, _ := strconv.ParseInt(fields[0], 10, 64)
				return v
			}
		}
	}
	return 0
}

// heapSampler records the peak of the Go heap while an export runs. It
// samples from the reading loop, every few chunks, rather than on a timer:
// deterministic, and often enough to see a heap that grew with the file.
// Two figures: HeapInuse, which includes garbage the collector has not
// reclaimed yet (its peak depends on GOGC pacing), and the live heap right
// after a forced collection, which is what the export really holds.
type heapSampler struct {
	base, peak         uint64 // HeapInuse
	liveBase, livePeak uint64 // HeapAlloc after runtime.GC
	n                  int
}

func newHeapSampler() *heapSampler {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return &heapSampler{base: m.HeapInuse, peak: m.HeapInuse, liveBase: m.HeapAlloc, livePeak: m.HeapAlloc}
}

func (h *heapSampler) sample(force bool) {
	h.n++
	var m runtime.MemStats
	if force || h.n%8 == 0 {
		runtime.ReadMemStats(&m)
		h.peak = max(h.peak, m.HeapInuse)
	}
	if force || h.n%64 == 0 {
		runtime.GC()
		runtime.ReadMemStats(&m)
		h.livePeak = max(h.livePeak, m.HeapAlloc)
	}
}

// growth is the peak heap in use above what was in use before the export.
func (h *heapSampler) growth() uint64 { return h.peak - min(h.base, h.peak) }

// liveGrowth is the peak live heap above the live heap before.
func (h *heapSampler) liveGrowth() uint64 { return h.livePeak - min(h.liveBase, h.livePeak) }

// countingCSV parses what is written to it as CSV in a goroutine and counts
// the records, so the test reads the export like a client would without
// keeping it.
type countingCSV struct {
	w     *io.PipeWriter
	done  chan error
	rows  int
	bytes int64
}

func newCountingCSV() *countingCSV {
	pr, pw := io.Pipe()
	c := &countingCSV{w: pw, done: make(chan error, 1)}
	go func() {
		br := bufio.NewReader(pr)
		bom := make([]byte, len(export.BOM))
		if _, err := io.ReadFull(br, bom); err != nil || string(bom) != export.BOM {
			_ = pr.CloseWithError(fmt.Errorf("no BOM"))
			c.done <- fmt.Errorf("no BOM: %q %v", bom, err)
			return
		}
		r := csv.NewReader(br)
		r.Comma = ';'
		r.ReuseRecord = true
		for {
			_, err := r.Read()
			if err == io.EOF {
				c.done <- nil
				return
			}
			if err != nil {
				_ = pr.CloseWithError(err)
				c.done <- err
				return
			}
			c.rows++
		}
	}()
	return c
}

func (c *countingCSV) Write(p []byte) (int, error) {
	c.bytes += int64(len(p))
	return c.w.Write(p)
}

func (c *countingCSV) close() error {
	c.w.Close()
	return <-c.done
}

// An export of 100,000 bookings streams in flat memory: the Go heap of the
// whole process (server and client) grows by a small fraction of the file
// while it goes out, through the RPC and through the GET link. Not
// parallel: the heap measured is the process's, and this test wants it to
// itself. Under -race it exports 20,000 (the live-heap bound is the same);
// the figures in docs/exports.md come from a run without it.
func TestExportHundredThousandBookingsInFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100,000 bookings")
	}
	flatRows := 100_000
	if raceDetector {
		flatRows = 20_000
	}
	b, organizer := bootstrapOrganizer(t, setup(t))
	seedExport(t, b, flatRows)
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	req := &varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID, FromDate: "2026-01-01", ToDate: "2026-12-31"}

	for _, via := range []string{"rpc", "get"} {
		out := newCountingCSV()
		heap := newHeapSampler()
		// Resetting VmHWM needs Linux 4.0+; elsewhere the figure is the
		// process's lifetime peak.
		_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
		rssBefore := procStatusKB("VmRSS")
		start := time.Now()
		chunks := 0
		switch via {
		case "rpc":
			stream, err := admin.ExportBookings(context.Background(), authBearer(req, organizer))
			require.NoError(t, err)
			for stream.Receive() {
				_, err := out.Write(stream.Msg().GetChunk())
				require.NoError(t, err)
				chunks++
				heap.sample(false)
			}
			require.NoError(t, stream.Err())
			require.NoError(t, stream.Close())
		case "get":
			r, err := http.NewRequest(http.MethodGet, b.baseURL+"/admin/export/bookings.csv?organization_id="+demo.ComuneID+
				"&from_date=2026-01-01&to_date=2026-12-31", nil)
			require.NoError(t, err)
			r.Header.Set("Authorization", "Bearer "+organizer)
			res, err := http.DefaultClient.Do(r)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, res.StatusCode)
			buf := make([]byte, export.ChunkSize)
			for {
				n, err := res.Body.Read(buf)
				if n > 0 {
					_, werr := out.Write(buf[:n])
					require.NoError(t, werr)
					chunks++
					heap.sample(false)
				}
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
			}
			require.NoError(t, res.Body.Close())
		}
		heap.sample(true)
		elapsed := time.Since(start)
		require.NoError(t, out.close())
		require.Equal(t, flatRows+1, out.rows, "header and every booking")

		growth, live := heap.growth(), heap.liveGrowth()
		t.Logf("%s: %d rows, %.1f MB CSV in %d pieces, %.0f rows/s; Go heap in use %.1f MiB before, peak +%.1f MiB; "+
			"live heap peak +%.2f MiB; process RSS %.1f MiB before, peak (VmHWM) %.1f MiB",
			via, flatRows, float64(out.bytes)/1e6, chunks, float64(flatRows)/elapsed.Seconds(),
			float64(heap.base)/(1<<20), float64(growth)/(1<<20), float64(live)/(1<<20),
			float64(rssBefore)/1024, float64(procStatusKB("VmHWM"))/1024)
		// The bounds: what the export holds (one batch of rows, a chunk,
		// the connections' buffers) stays under 4 MiB, and the heap in use,
		// garbage included, under a third of the file, whatever the
		// number of rows.
		require.Less(t, live, uint64(4<<20), "live heap grew by %d bytes", live)
		if !raceDetector {
			// Garbage included, the heap in use may grow until the next
			// collection, which GOGC=100 starts when the heap reaches twice
			// what was live after the last one: the whole server's live
			// heap sets that allowance, not the export. The bound is a
			// third of the file or that allowance (plus a few MiB of
			// slack), whichever is larger — both independent of the
			// number of rows; the live-heap bound above is the sharp one.
			limit := max(uint64(out.bytes/3), heap.liveBase+8<<20)
			require.Less(t, growth, limit, "heap in use grew by %d bytes for a %d-byte file (live heap before: %d)", growth, out.bytes, heap.liveBase)
		}
	}
}

// BenchmarkExportBookings measures the export of 20,000 bookings through
// the real server and a Connect client (rows/s and bytes/s).
func BenchmarkExportBookings(b *testing.B) {
	const n = 20_000
	bd, organizer := bootstrapOrganizer(b, setup(b))
	seedExport(b, bd, n)
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, bd.baseURL)
	req := &varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID, FromDate: "2026-01-01", ToDate: "2026-12-31"}
	var size int64
	b.ResetTimer()
	for b.Loop() {
		stream, err := admin.ExportBookings(context.Background(), authBearer(req, organizer))
		if err != nil {
			b.Fatal(err)
		}
		size = 0
		for stream.Receive() {
			size += int64(len(stream.Msg().GetChunk()))
		}
		if err := stream.Err(); err != nil {
			b.Fatal(err)
		}
		stream.Close()
	}
	b.SetBytes(size)
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
