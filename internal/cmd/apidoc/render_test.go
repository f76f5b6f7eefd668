package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/varco-gate/varco/internal/authz"
	_ "github.com/varco-gate/varco/proto/gen/varco/v1" // registers the contract
)

var (
	headingRe = regexp.MustCompile(`(?m)^#+ (.+)$`)
	linkRe    = regexp.MustCompile(`\]\(([a-z_]*\.md)?#([a-z0-9_-]+)\)`)
)

// The reference names every RPC with its access rule, and every link in it
// lands on a heading. The compiled descriptors have no comments; the
// structure is the same as from buf's.
func TestRenderCoversEveryRPCAndLinksResolve(t *testing.T) {
	t.Parallel()
	pages, err := Render(protoregistry.GlobalFiles, "varco.v1", authz.Policy)
	require.NoError(t, err)

	anchors := map[string]bool{}
	for name, b := range pages {
		for _, h := range headingRe.FindAllStringSubmatch(string(b), -1) {
			anchors[name+"#"+anchor(h[1])] = true
		}
	}
	for name, b := range pages {
		for _, l := range linkRe.FindAllStringSubmatch(string(b), -1) {
			page := l[1]
			if page == "" {
				page = name
			}
			require.True(t, anchors[page+"#"+l[2]], "%s: broken link %s", name, l[0])
		}
	}

	all := ""
	for _, b := range pages {
		all += string(b)
	}
	for proc := range authz.Policy {
		require.Contains(t, all, "| Path | `POST "+proc+"` |")
	}
	require.Contains(t, string(pages["catalog.md"]), "| Access | Public: anyone, logged in or not |")
	require.Contains(t, string(pages["admin.md"]), "Staff: organizer of the organization")
}

// An RPC without a rule fails the generator rather than being documented
// as open to anyone.
func TestRenderRefusesAnRPCWithoutAPolicy(t *testing.T) {
	t.Parallel()
	policy := map[string]authz.Rule{}
	for k, v := range authz.Policy {
		if !strings.HasSuffix(k, "/ListPlaces") {
			policy[k] = v
		}
	}
	_, err := Render(protoregistry.GlobalFiles, protoreflect.FullName("varco.v1"), policy)
	require.ErrorContains(t, err, "ListPlaces has no rule")
}
