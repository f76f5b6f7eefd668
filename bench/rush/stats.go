package main

import (
	"context"
	"errors"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// opStats gathers the latencies and failures of one kind of operation. One
// mutex is enough: an append costs nanoseconds against RPCs that take
// milliseconds, so it cannot distort what is measured.
type opStats struct {
	name string
	mu   sync.Mutex
	lat  []time.Duration
	errs map[string]int
}

// newOp returns empty statistics for the operation name.
func newOp(name string) *opStats { return &opStats{name: name, errs: map[string]int{}} }

// record adds one call: its latency when it succeeded, its error key when
// it failed. Failed calls are kept out of the percentiles because a quick
// refusal (slot_full) would otherwise make the successful path look faster.
func (o *opStats) record(d time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err != nil {
		o.errs[errKey(err)]++
		return
	}
	o.lat = append(o.lat, d)
}

// ok returns the number of successful calls so far.
func (o *opStats) ok() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.lat)
}

// OpSummary is what the report shows of one operation.
type OpSummary struct {
	Name string `json:"name"`
	// OK counts successful calls, Failed the others (by key in Errors).
	OK     int            `json:"ok"`
	Failed int            `json:"failed"`
	Errors map[string]int `json:"errors,omitempty"`
	// PerSecond is successful calls per second of the phase's wall time.
	PerSecond float64 `json:"ok_per_second"`
	// Latencies of successful calls, in milliseconds.
	MeanMS float64 `json:"mean_ms"`
	P50MS  float64 `json:"p50_ms"`
	P95MS  float64 `json:"p95_ms"`
	P99MS  float64 `json:"p99_ms"`
	MaxMS  float64 `json:"max_ms"`
}

// summary freezes the statistics; wall is the phase's duration, the
// denominator of the throughput.
func (o *opStats) summary(wall time.Duration) OpSummary {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := OpSummary{Name: o.name, OK: len(o.lat), Errors: map[string]int{}}
	for k, n := range o.errs {
		s.Errors[k] = n
		s.Failed += n
	}
	if len(s.Errors) == 0 {
		s.Errors = nil
	}
	if wall > 0 {
		s.PerSecond = round1(float64(s.OK) / wall.Seconds())
	}
	if len(o.lat) == 0 {
		return s
	}
	sorted := slices.Clone(o.lat)
	slices.Sort(sorted)
	var sum time.Duration
	for _, d := range sorted {
		sum += d
	}
	s.MeanMS = ms(sum / time.Duration(len(sorted)))
	s.P50MS = ms(percentile(sorted, 0.50))
	s.P95MS = ms(percentile(sorted, 0.95))
	s.P99MS = ms(percentile(sorted, 0.99))
	s.MaxMS = ms(sorted[len(sorted)-1])
	return s
}

// percentile is the nearest-rank percentile of sorted (not interpolated:
// the value reported is one that some request really took).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// ms converts to milliseconds with microsecond precision.
func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Millisecond)*1000) / 1000 }

// errKey names a failure as "code/reason", the way docs/booking.md lists
// them (e.g. "resource_exhausted/slot_full"); failures that never reached
// the server are "client/...".
func errKey(err error) string {
	var ce *connect.Error
	if errors.As(err, &ce) {
		reason := ""
		for _, d := range ce.Details() {
			v, e := d.Value()
			if e != nil {
				continue
			}
			switch m := v.(type) {
			case *varcov1.ErrorReason:
				reason = m.GetCode()
			case *varcov1.FieldViolation:
				reason = m.GetField() + ":" + m.GetCode()
			}
		}
		// A deadline set by this program shows up as a Connect error too;
		// say so rather than blaming the server.
		if ce.Code() == connect.CodeDeadlineExceeded && reason == "" {
			return "client/deadline_exceeded"
		}
		if ce.Code() == connect.CodeUnavailable && reason == "" {
			return "unavailable/" + firstWords(ce.Message())
		}
		if reason == "" {
			return ce.Code().String()
		}
		return ce.Code().String() + "/" + reason
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "client/deadline_exceeded"
	case errors.Is(err, context.Canceled):
		return "client/canceled"
	}
	return "client/" + firstWords(err.Error())
}

// firstWords keeps error keys short and bounded in number: transport
// errors embed addresses and ports that would make every key unique.
func firstWords(s string) string {
	f := strings.Fields(s)
	if len(f) > 4 {
		f = f[:4]
	}
	return strings.Join(f, "_")
}

// reasonOf returns the ErrorReason code of err, or "".
func reasonOf(err error) string {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return ""
	}
	for _, d := range ce.Details() {
		if v, e := d.Value(); e == nil {
			if r, ok := v.(*varcov1.ErrorReason); ok {
				return r.GetCode()
			}
		}
	}
	return ""
}

// sortedKeys returns the keys of m in order, for stable output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
