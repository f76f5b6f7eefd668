package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/varco-gate/varco/internal/authz"
	c "github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// The Cache-Control of the public reads. The catalog changes when an
// organizer edits it, rarely within a minute. The grid changes with every
// booking: shared caches (a town's reverse proxy, a CDN) may absorb a rush
// on it for a few seconds, while the citizen's own browser asks again each
// time, so that after holding or cancelling a slot the citizen sees it so
// at once; a slot shown free too long elsewhere only costs a "slot full"
// at HoldSlots.
const (
	catalogCacheControl = "public, max-age=60"
	gridCacheControl    = "public, max-age=0, s-maxage=10"
)

// httpCache sets Cache-Control on the answers of Connect GET requests, the
// form clients use for RPCs the contract declares NO_SIDE_EFFECTS. Public
// reads (authz Public, no Authorization header) may be cached by anyone
// for a short while: they hold no personal data, and the cookie session
// never counts on a GET (cookieCredential), so the answer is the same for
// every caller with the same URL and language. Anything else — a read with
// credentials, a read of personal data, an error — is "private, no-store".
// POST answers are left alone: HTTP caches do not reuse them.
type httpCache struct {
	public map[string]string // procedure → Cache-Control
}

var _ connect.Interceptor = (*httpCache)(nil)

// newHTTPCache derives the cacheable procedures from the contract and the
// policy table: a public RPC declared NO_SIDE_EFFECTS.
func newHTTPCache() *httpCache {
	h := &httpCache{public: map[string]string{}}
	for proc, rule := range authz.Policy {
		if rule.Access == authz.Public && noSideEffects(proc) {
			h.public[proc] = catalogCacheControl
		}
	}
	if _, ok := h.public[c.CatalogServiceGetAvailabilityProcedure]; ok {
		h.public[c.CatalogServiceGetAvailabilityProcedure] = gridCacheControl
	}
	return h
}

// noSideEffects reports whether the contract declares the procedure
// ("/varco.v1.CatalogService/ListPlaces") NO_SIDE_EFFECTS.
func noSideEffects(procedure string) bool {
	md, ok := methodDescriptor(procedure)
	if !ok {
		return false
	}
	return md.Options().(*descriptorpb.MethodOptions).GetIdempotencyLevel() == descriptorpb.MethodOptions_NO_SIDE_EFFECTS
}

// CacheControl returns the Cache-Control value of a successful GET of
// procedure; authorized tells whether the request carried credentials.
func (h *httpCache) CacheControl(procedure string, authorized bool) string {
	if cc, ok := h.public[procedure]; ok && !authorized {
		return cc
	}
	return "private, no-store"
}

// WrapUnary implements connect.Interceptor.
func (h *httpCache) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		res, err := next(ctx, req)
		if req.HTTPMethod() != http.MethodGet {
			return res, err
		}
		if err != nil {
			var ce *connect.Error
			if !errors.As(err, &ce) {
				ce = connect.NewError(connect.CodeOf(err), err)
				err = ce
			}
			// An error is never worth keeping: the resource may exist a
			// second later, the caller may log in.
			ce.Meta().Set("Cache-Control", "no-store")
			return res, err
		}
		res.Header().Set("Cache-Control", h.CacheControl(req.Spec().Procedure, req.Header().Get("Authorization") != ""))
		// Messages and names follow Accept-Language; a credential turns
		// the answer private.
		res.Header().Add("Vary", "Accept-Language")
		res.Header().Add("Vary", "Authorization")
		return res, err
	}
}

// WrapStreamingClient implements connect.Interceptor; handlers only.
func (h *httpCache) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler leaves streams alone: they are never GET.
func (h *httpCache) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// methodDescriptor finds the descriptor of a procedure path.
func methodDescriptor(procedure string) (protoreflect.MethodDescriptor, bool) {
	// "/varco.v1.CatalogService/ListPlaces" → varco.v1.CatalogService.ListPlaces
	name := protoreflect.FullName(strings.ReplaceAll(strings.TrimPrefix(procedure, "/"), "/", "."))
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(name)
	if err != nil {
		return nil, false
	}
	md, ok := d.(protoreflect.MethodDescriptor)
	return md, ok
}
