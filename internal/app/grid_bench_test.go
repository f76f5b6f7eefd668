package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// BenchmarkGetAvailabilityWeek reads the week grid of the demo ID card
// service (96 appointment slots, three operators, some booked) over
// loopback through the real server, as a citizen's refresh does: with the
// grid cache ("cached"), without it ("uncached", every grid computed as
// before the cache), and a health check ("health", the transport alone) in
// the same run. cpu-µs/op is the CPU of the whole process per call: the
// server's and an HTTP client's that reads the gzipped answer without
// decoding it (the health check's client decodes a few bytes).
func BenchmarkGetAvailabilityWeek(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts []app.Option
	}{{"health", nil}, {"uncached", []app.Option{app.WithoutGridCache()}}, {"cached", nil}} {
		b.Run(tc.name, func(b *testing.B) {
			clk := clock.Real{}
			srv := setupOpts(b, clk, tc.opts)
			ctx := context.Background()
			rome, err := time.LoadLocation("Europe/Rome")
			require.NoError(b, err)
			monday := clk.Now().In(rome)
			for monday.Weekday() != time.Monday {
				monday = monday.AddDate(0, 0, 1)
			}
			q := &varcov1.GetAvailabilityRequest{ResourceId: demo.CIEID,
				FromDate: monday.Format(time.DateOnly), ToDate: monday.AddDate(0, 0, 6).Format(time.DateOnly)}
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			cat := varcov1connect.NewCatalogServiceClient(hc, srv.baseURL)
			health := grpchealth.NewClient(hc, srv.baseURL)
			first, err := cat.GetAvailability(ctx, connect.NewRequest(q))
			require.NoError(b, err)
			slots := 0
			for _, d := range first.Msg.GetDays() {
				slots += len(d.GetSlots())
			}
			// The grids are fetched as raw Connect calls, read but not
			// decoded: the process's CPU is then the server's plus an
			// HTTP client's, as for the health checks.
			body, err := proto.Marshal(q)
			require.NoError(b, err)
			url := srv.baseURL + varcov1connect.CatalogServiceGetAvailabilityProcedure
			call := func() error {
				if tc.name == "health" {
					_, err := health.Check(ctx, &grpchealth.CheckRequest{})
					return err
				}
				r, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
				if err != nil {
					return err
				}
				r.Header.Set("Content-Type", "application/proto")
				r.Header.Set("Connect-Protocol-Version", "1")
				r.Header.Set("Accept-Encoding", "gzip")
				res, err := hc.Do(r)
				if err != nil {
					return err
				}
				defer res.Body.Close()
				if _, err := io.Copy(io.Discard, res.Body); err != nil {
					return err
				}
				if res.StatusCode != http.StatusOK {
					return fmt.Errorf("status %s", res.Status)
				}
				return nil
			}
			b.ReportAllocs()
			cpu0 := processCPU()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := call(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
			b.ReportMetric(float64(slots), "slots/op")
		})
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
