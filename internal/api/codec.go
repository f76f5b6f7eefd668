package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// The codecs replace connect-go's protobuf and JSON codecs, which behave
// the same except for one thing: their decoding errors name Go types
// ("unmarshal into *varcov1.GetResourceRequest: …"), internals a caller
// has no use for. Ours say the body is malformed, in Italian and English
// (the codec cannot see Accept-Language), and for JSON where and why, in
// the API's own field names. connect-go turns any decoding error into
// InvalidArgument.

// codecs returns the handler options installing them, under the names
// connect-go registers its own ("proto", "json", "json; charset=utf-8").
func codecs() []connect.HandlerOption {
	return []connect.HandlerOption{
		connect.WithCodec(protoCodec{}),
		connect.WithCodec(jsonCodec{name: "json"}),
		connect.WithCodec(jsonCodec{name: "json; charset=utf-8"}),
	}
}

// errNotMessage is a programming error: only generated messages pass here.
var errNotMessage = errors.New("not a protobuf message")

// malformed is the error for a body that does not decode; detail, when
// given, says where and why.
func malformed(detail string) error {
	msg := "richiesta malformata / malformed request body"
	if detail != "" {
		msg += ": " + detail
	}
	return errors.New(msg)
}

// jsonDetail keeps protojson's explanation ("(line 1:15): invalid value
// for string field resourceId: 5") without its "proto:" prefix; it names
// fields by their JSON names and types by their protobuf names, never Go's.
func jsonDetail(err error) string {
	s := err.Error()
	if rest, ok := strings.CutPrefix(s, "proto:"); ok {
		s = strings.TrimLeft(rest, " \u00a0") // protojson sometimes uses a no-break space
	}
	return s
}

type protoCodec struct{}

func (protoCodec) Name() string { return "proto" }

func (protoCodec) Marshal(m any) ([]byte, error) {
	pm, ok := m.(proto.Message)
	if !ok {
		return nil, errNotMessage
	}
	return proto.Marshal(pm)
}

func (protoCodec) MarshalAppend(dst []byte, m any) ([]byte, error) {
	pm, ok := m.(proto.Message)
	if !ok {
		return nil, errNotMessage
	}
	return proto.MarshalOptions{}.MarshalAppend(dst, pm)
}

func (protoCodec) MarshalStable(m any) ([]byte, error) {
	pm, ok := m.(proto.Message)
	if !ok {
		return nil, errNotMessage
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(pm)
}

func (protoCodec) IsBinary() bool { return true }

func (protoCodec) Unmarshal(data []byte, m any) error {
	pm, ok := m.(proto.Message)
	if !ok {
		return errNotMessage
	}
	if err := proto.Unmarshal(data, pm); err != nil {
		return malformed("protobuf non valido / invalid protobuf")
	}
	return nil
}

type jsonCodec struct{ name string }

func (c jsonCodec) Name() string { return c.name }

func (jsonCodec) Marshal(m any) ([]byte, error) {
	pm, ok := m.(proto.Message)
	if !ok {
		return nil, errNotMessage
	}
	return protojson.MarshalOptions{}.Marshal(pm)
}

func (jsonCodec) MarshalAppend(dst []byte, m any) ([]byte, error) {
	pm, ok := m.(proto.Message)
	if !ok {
		return nil, errNotMessage
	}
	return protojson.MarshalOptions{}.MarshalAppend(dst, pm)
}

func (c jsonCodec) MarshalStable(m any) ([]byte, error) {
	// protojson orders fields by number but varies its whitespace on
	// purpose: compact it, as connect-go's codec does.
	data, err := c.Marshal(m)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Compact(&out, data); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func (jsonCodec) IsBinary() bool { return false }

func (jsonCodec) Unmarshal(data []byte, m any) error {
	pm, ok := m.(proto.Message)
	if !ok {
		return errNotMessage
	}
	if len(data) == 0 {
		return malformed("corpo vuoto, serve un oggetto JSON / empty body, a JSON object is required")
	}
	// Unknown fields are ignored, as by connect-go: a newer frontend keeps
	// working against an older server.
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, pm); err != nil {
		return malformed(jsonDetail(err))
	}
	return nil
}
