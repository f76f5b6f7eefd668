package main

import (
	"context"
	"sync"
	"time"

	"connectrpc.com/grpchealth"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// CeilingResult is the transport ceiling: RPCs that do (almost) nothing,
// made by as many concurrent clients as the rush, on the same server and
// connections. Whatever a booking costs beyond it is our own work.
type CeilingResult struct {
	Clients int `json:"clients"`
	// Health is grpc.health.v1.Health/Check: no storage, no
	// authentication; the pure cost of HTTP, Connect and the interceptors.
	Health OpSummary `json:"health_check"`
	// ListOrganizations is a public catalog read: one small SQLite query
	// on the reader pool, for scale between "nothing" and a booking.
	ListOrganizations OpSummary `json:"list_organizations"`
	HealthUsage       Usage     `json:"health_usage"`
	ListUsage         Usage     `json:"list_usage"`
}

// runCeiling makes total calls of each kind, spread over clients
// goroutines, each kind bounded by the phase deadline.
func runCeiling(ctx context.Context, a *api, pid, clients, total int, phase time.Duration) CeilingResult {
	r := CeilingResult{Clients: clients}
	health := newOp("grpc.health.v1.Health/Check")
	r.Health, r.HealthUsage = hammer(ctx, pid, clients, total, phase, health, func(ctx context.Context) error {
		_, err := a.health.Check(ctx, &grpchealth.CheckRequest{})
		return err
	})
	list := newOp("CatalogService/ListOrganizations")
	r.ListOrganizations, r.ListUsage = hammer(ctx, pid, clients, total, phase, list, func(ctx context.Context) error {
		_, err := a.catalog.ListOrganizations(ctx, req(&varcov1.ListOrganizationsRequest{}, ""))
		return err
	})
	return r
}

// hammer runs fn total times from clients goroutines that all start
// together, stopping early at the deadline.
func hammer(ctx context.Context, pid, clients, total int, phase time.Duration, op *opStats, fn func(context.Context) error) (OpSummary, Usage) {
	ctx, cancel := context.WithTimeout(ctx, phase)
	defer cancel()
	per := max(1, total/clients)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			<-start
			for range per {
				if ctx.Err() != nil {
					return
				}
				_, _, _ = call(ctx, op, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) })
			}
		})
	}
	m := startMeter(pid)
	close(start)
	wg.Wait()
	u := m.done()
	return op.summary(time.Duration(u.WallS * float64(time.Second))), u
}
