package client

import (
	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// idempotencyOf reads the RPC's idempotency_level from its descriptor in
// the contract (proto/varco/v1): the contract, not a list kept here, says
// which calls are safe to repeat, so a new read is retried as soon as it
// is declared NO_SIDE_EFFECTS and a new write never is by accident.
// TestReadsDeclareNoSideEffects keeps the contract honest.
func idempotencyOf(spec connect.Spec) descriptorpb.MethodOptions_IdempotencyLevel {
	if md, ok := spec.Schema.(protoreflect.MethodDescriptor); ok {
		if opts, ok := md.Options().(*descriptorpb.MethodOptions); ok {
			return opts.GetIdempotencyLevel()
		}
	}
	// A client built without schema (not ours): the generated code's copy
	// of the same option.
	switch spec.IdempotencyLevel {
	case connect.IdempotencyNoSideEffects:
		return descriptorpb.MethodOptions_NO_SIDE_EFFECTS
	case connect.IdempotencyIdempotent:
		return descriptorpb.MethodOptions_IDEMPOTENT
	}
	return descriptorpb.MethodOptions_IDEMPOTENCY_UNKNOWN
}

// isRetrySafe reports whether repeating the call cannot change more than
// doing it once: an RPC the contract declares NO_SIDE_EFFECTS (the reads)
// or IDEMPOTENT (Scan and UploadScans, by scan_id), or a write whose
// request carries a non-empty idempotency_key (the server then answers a
// repeat with the first result).
func isRetrySafe(spec connect.Spec, msg any) bool {
	if idempotencyOf(spec) != descriptorpb.MethodOptions_IDEMPOTENCY_UNKNOWN {
		return true
	}
	m, ok := msg.(proto.Message)
	if !ok {
		return false
	}
	r := m.ProtoReflect()
	fd := r.Descriptor().Fields().ByName("idempotency_key")
	return fd != nil && r.Has(fd)
}
