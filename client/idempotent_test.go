package client

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	// The generated code registers the varco.v1 files this test walks.
	_ "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// readPrefixes name the RPCs that only read. A unary RPC named so must be
// declared NO_SIDE_EFFECTS: that is what lets clients retry it and send it
// as a cacheable HTTP GET.
var readPrefixes = []string{"Get", "List", "Preview", "Export", "WhoAmI"}

// notReads are RPCs whose names read like a read but that write; none so
// far. Each entry needs its reason.
var notReads = map[string]string{}

// idempotentByID are the writes declared IDEMPOTENT: the request carries a
// client-chosen id the server deduplicates on, so a repeat records nothing
// twice.
var idempotentByID = map[string]string{
	"varco.v1.GateService.Scan":        "scan_id: a repeated scan is answered as the first",
	"varco.v1.GateService.UploadScans": "scan_id: scans already known are reported as duplicates",
}

// Every RPC of every varco.v1 service declares its idempotency level as the
// rules say: unary reads NO_SIDE_EFFECTS, scans IDEMPOTENT, streams and
// other writes nothing. Streams stay unmarked: Connect GET is unary-only
// and no client replays a stream. Reads that write an audit record are
// still NO_SIDE_EFFECTS: like an access log, the record is the server's,
// not a change the caller asked for or can observe (RFC 9110 §9.2.1).
func TestReadsDeclareNoSideEffects(t *testing.T) {
	t.Parallel()
	methods := 0
	protoregistry.GlobalFiles.RangeFilesByPackage("varco.v1", func(f protoreflect.FileDescriptor) bool {
		for i := range f.Services().Len() {
			s := f.Services().Get(i)
			for j := range s.Methods().Len() {
				m := s.Methods().Get(j)
				methods++
				name := string(m.FullName())
				level := m.Options().(*descriptorpb.MethodOptions).GetIdempotencyLevel()
				streaming := m.IsStreamingClient() || m.IsStreamingServer()
				read := false
				for _, p := range readPrefixes {
					read = read || strings.HasPrefix(string(m.Name()), p)
				}
				_, writes := notReads[name]
				_, byID := idempotentByID[name]
				var want descriptorpb.MethodOptions_IdempotencyLevel
				switch {
				case streaming:
					want = descriptorpb.MethodOptions_IDEMPOTENCY_UNKNOWN
				case byID:
					want = descriptorpb.MethodOptions_IDEMPOTENT
				case read && !writes:
					want = descriptorpb.MethodOptions_NO_SIDE_EFFECTS
				default:
					want = descriptorpb.MethodOptions_IDEMPOTENCY_UNKNOWN
				}
				require.Equal(t, want, level, "%s: option idempotency_level", name)
			}
		}
		return true
	})
	require.Greater(t, methods, 50, "the varco.v1 services are linked")
	for name := range idempotentByID {
		_, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
		require.NoError(t, err, name)
	}
}
