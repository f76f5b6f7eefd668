package main

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/internal/person"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

func TestPercentileIsNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{0.50: 50 * time.Millisecond, 0.95: 95 * time.Millisecond,
		0.99: 99 * time.Millisecond, 1: 100 * time.Millisecond} {
		if got := percentile(d, p); got != want {
			t.Errorf("p%.0f = %v, want %v", p*100, got, want)
		}
	}
	if got := percentile(d[:1], 0.99); got != time.Millisecond {
		t.Errorf("one sample: %v", got)
	}
}

// The generated codici fiscali pass the server's own validation and never
// repeat within a run, across both series.
func TestCodiciFiscaliAreValidAndDistinct(t *testing.T) {
	p := newPeople()
	seen := map[string]bool{}
	for _, series := range []byte{'A', 'F'} {
		for i := range 30000 {
			cf := p.codiceFiscale(series, i)
			if _, err := person.ParseCodiceFiscale(cf); err != nil {
				t.Fatalf("%s (series %c, %d): %v", cf, series, i, err)
			}
			if seen[cf] {
				t.Fatalf("%s repeats", cf)
			}
			seen[cf] = true
		}
	}
}

func TestOnlyLoopbackServers(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080", "http://127.1.2.3"} {
		if err := checkLoopback(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://10.0.0.1:8080", "http://example.org", "https://127.0.0.1:8443", "http://0.0.0.0:8080", "127.0.0.1:8080"} {
		if err := checkLoopback(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestErrKeyNamesCodeAndReason(t *testing.T) {
	ce := connect.NewError(connect.CodeResourceExhausted, errors.New("full"))
	d, err := connect.NewErrorDetail(&varcov1.ErrorReason{Code: "slot_full"})
	if err != nil {
		t.Fatal(err)
	}
	ce.AddDetail(d)
	if got := errKey(fmt.Errorf("hold: %w", ce)); got != "resource_exhausted/slot_full" {
		t.Errorf("got %q", got)
	}
	if got := errKey(connect.NewError(connect.CodeInternal, errors.New("x"))); got != "internal" {
		t.Errorf("got %q", got)
	}
	if got := errKey(os.ErrDeadlineExceeded); got == "" {
		t.Error("empty key")
	}
}
