package main

import (
	"fmt"
	"sort"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// enum is any generated protobuf enum.
type enum interface {
	protoreflect.Enum
	String() string
}

// enumName shows an enum value the way a person would write it:
// BOOKING_STATUS_NO_SHOW is "no-show", SLOT_STATE_AVAILABLE "available".
func enumName(e enum) string {
	d := e.Descriptor()
	prefix := enumPrefix(d)
	v := d.Values().ByNumber(e.Number())
	if v == nil {
		return fmt.Sprint(int32(e.Number()))
	}
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(string(v.Name()), prefix)), "_", "-")
}

// parseEnum reads a value written as enumName writes it (or with
// underscores, or in upper case), refusing UNSPECIFIED. It returns the
// number and, on failure, the accepted spellings.
func parseEnum(d protoreflect.EnumDescriptor, s string) (protoreflect.EnumNumber, error) {
	want := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "_", "-")
	prefix := enumPrefix(d)
	var names []string
	for i := range d.Values().Len() {
		v := d.Values().Get(i)
		if v.Number() == 0 {
			continue
		}
		name := strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(string(v.Name()), prefix)), "_", "-")
		if name == want {
			return v.Number(), nil
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return 0, fmt.Errorf("%q is not one of %s", s, strings.Join(names, ", "))
}

// enumPrefix is the shared prefix of an enum's value names
// ("BOOKING_STATUS_"), taken from its UNSPECIFIED value.
func enumPrefix(d protoreflect.EnumDescriptor) string {
	if v := d.Values().ByNumber(0); v != nil {
		return strings.TrimSuffix(string(v.Name()), "UNSPECIFIED")
	}
	return ""
}
