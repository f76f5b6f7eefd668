package email_test

import (
	"fmt"
	"github.com/varco-gate/varco/internal/notify/email/mailtest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/notify/email"
)

// BenchmarkSend measures e-mail dispatch throughput to a local sink: a
// full confirmation (text, HTML, inline QR, .ics) per message, one SMTP
// connection per Send as in production. "serial" is one dispatcher
// worker; "parallel" is GOMAXPROCS workers sharing one Sender.
func BenchmarkSend(b *testing.B) {
	port := mailtest.Start(b, &mailtest.Sink{Discard: true}, mailtest.PlainOnly, nil)
	s := newSender(b, config(port))
	e, err := email.Compose(email.KindBookingConfirmed, bookingView(b), "bench")
	require.NoError(b, err)

	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			e.MessageID = fmt.Sprintf("bench-%d", i)
			if err := s.Send(b.Context(), e); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			m := e
			for pb.Next() {
				m.MessageID = fmt.Sprintf("bench-p-%d", n.Add(1))
				if err := s.Send(b.Context(), m); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}

// BenchmarkRender is the template cost alone, per message.
func BenchmarkRender(b *testing.B) {
	v := bookingView(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := email.Render(email.KindBookingConfirmed, v); err != nil {
			b.Fatal(err)
		}
	}
}
