package api

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/varco-gate/varco/internal/fault"
)

// fieldPath is a field reachable from a request message: the fields
// leading to it from the request, the last one being the field itself.
type fieldPath []protoreflect.FieldDescriptor

// requestFields lists every field reachable from the request message of
// every RPC of the seven services.
func requestFields(t *testing.T) map[protoreflect.FullName][]fieldPath {
	t.Helper()
	out := map[protoreflect.FullName][]fieldPath{}
	var walk func(req protoreflect.FullName, md protoreflect.MessageDescriptor, prefix fieldPath)
	walk = func(req protoreflect.FullName, md protoreflect.MessageDescriptor, prefix fieldPath) {
		fs := md.Fields()
		for i := range fs.Len() {
			fd := fs.Get(i)
			p := append(prefix[:len(prefix):len(prefix)], fd)
			out[req] = append(out[req], p)
			if fd.Message() != nil && !fd.IsMap() && len(p) < 8 {
				walk(req, fd.Message(), p)
			}
		}
	}
	for _, name := range ServiceNames {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
		require.NoError(t, err)
		methods := d.(protoreflect.ServiceDescriptor).Methods()
		for i := range methods.Len() {
			in := methods.Get(i).Input()
			if _, done := out[in.FullName()]; !done {
				walk(in.FullName(), in, nil)
			}
		}
	}
	return out
}

// build returns a request with the field at p filled with n items (a
// list) or a string of n characters, and the path an error names.
func build(t *testing.T, req protoreflect.FullName, p fieldPath, n int) (proto.Message, string) {
	t.Helper()
	mt, err := protoregistry.GlobalTypes.FindMessageByName(req)
	require.NoError(t, err)
	root := mt.New()
	m := root
	var names []string
	for _, fd := range p[:len(p)-1] {
		names = append(names, string(fd.Name()))
		if fd.IsList() {
			m = m.Mutable(fd).List().AppendMutable().Message()
			names[len(names)-1] += "[0]"
			continue
		}
		m = m.Mutable(fd).Message()
	}
	fd := p[len(p)-1]
	names = append(names, string(fd.Name()))
	switch {
	case fd.IsList():
		l := m.Mutable(fd).List()
		for range n {
			l.Append(l.NewElement())
		}
	case fd.Kind() == protoreflect.StringKind:
		m.Set(fd, protoreflect.ValueOfString(strings.Repeat("è", n)))
	}
	return root.Interface(), strings.Join(names, ".")
}

// Every repeated field of every request has a limit somebody chose for it
// (a new field cannot be forgotten), every limit names a field that exists,
// and one item more than the limit is refused naming the field — as is one
// character more than a string field's limit.
func TestEveryRequestFieldIsBounded(t *testing.T) {
	t.Parallel()
	used := map[protoreflect.FullName]bool{}
	for req, paths := range requestFields(t) {
		for _, p := range paths {
			fd := p[len(p)-1]
			switch {
			case fd.IsList() || fd.IsMap():
				limit, ok := repeatedLimit(fd)
				require.True(t, ok, "%s (in %s) has no limit in repeatedLimits", fd.FullName(), req)
				used[fd.FullName()] = true
				if fd.IsMap() {
					continue
				}
				m, path := build(t, req, p, limit)
				require.NoError(t, CheckLimits(m), "%s with %d items", path, limit)
				m, _ = build(t, req, p, limit+1)
				requireViolation(t, CheckLimits(m), path, "too_many")
			case fd.Kind() == protoreflect.StringKind:
				limit := stringLimit(fd)
				if _, ok := stringLimits[fd.FullName()]; ok {
					used[fd.FullName()] = true
				}
				m, path := build(t, req, p, limit)
				require.NoError(t, CheckLimits(m), "%s with %d characters", path, limit)
				m, _ = build(t, req, p, limit+1)
				requireViolation(t, CheckLimits(m), path, "too_long")
			}
		}
	}
	for name := range repeatedLimits {
		require.True(t, used[name], "repeatedLimits names %s, which no request has", name)
	}
	for name := range stringLimits {
		require.True(t, used[name], "stringLimits names %s, which no request has", name)
	}
}

func requireViolation(t *testing.T, err error, field, code string) {
	t.Helper()
	var fe *fault.Error
	require.True(t, errors.As(err, &fe), "%s: %v", field, err)
	require.Equal(t, fault.Invalid, fe.Kind)
	require.Equal(t, field, fe.Field)
	require.Equal(t, code, fe.Code)
}
