package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/varco-gate/varco/client"
)

func (c *cli) json() bool { return c.output == "json" }

// printProto writes a response message as JSON in the API's own mapping
// (camelCase, enums by name, RFC 3339 instants), so a script reads exactly
// what the API documents. protojson varies its whitespace on purpose (so
// nobody depends on it); it is normalized here, so output diffs stay quiet.
func (c *cli) printProto(m proto.Message) error {
	b, err := protojson.Marshal(m)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, compactJSON(b), "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err = c.stdout.Write(buf.Bytes())
	return err
}

// printProtoLine writes a message as one line of JSON (JSON Lines), for
// streams.
func (c *cli) printProtoLine(m proto.Message) error {
	b, err := protojson.Marshal(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "%s\n", compactJSON(b))
	return err
}

func compactJSON(b []byte) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return b // protojson output is valid JSON; keep it as is if not
	}
	return buf.Bytes()
}

// printJSON writes a value that is not an API message (the apply summary).
func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// table returns a writer aligning tab-separated columns on stdout; Flush
// prints.
func (c *cli) table() *tabwriter.Writer { return newTable(c.stdout) }

func newTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

// rpcError is a failed call with what the CLI was doing at the time.
type rpcError struct {
	doing string
	e     *client.Error
}

func (r *rpcError) Error() string {
	var b strings.Builder
	if r.doing != "" {
		b.WriteString(r.doing + ": ")
	}
	if r.e.Field != "" {
		b.WriteString(r.e.Field + ": ")
	}
	b.WriteString(r.e.Message)
	switch r.e.Code {
	case connect.CodeUnauthenticated:
		b.WriteString(" (log in with: varco login)")
	case connect.CodeUnavailable:
		b.WriteString(" (is the server running? check --server or VARCO_SERVER)")
	}
	return b.String()
}

func (r *rpcError) Unwrap() error { return r.e }

// callErr describes a failed call as "doing: field: message"; other errors
// pass through with the context prefixed.
func callErr(doing string, err error) error {
	if err == nil {
		return nil
	}
	if e, ok := client.AsError(err); ok {
		return &rpcError{doing: doing, e: e}
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// notYet turns Unimplemented into a plain sentence: some commands come
// before the server side they need.
func notYet(what string, err error) error {
	if connect.CodeOf(err) == connect.CodeUnimplemented {
		return fmt.Errorf("%s: not available on this server yet", what)
	}
	return callErr(what, err)
}

// jsonError is the shape of a failure on stderr with --output json.
type jsonError struct {
	Error struct {
		Code    string `json:"code"`
		Reason  string `json:"reason,omitempty"`
		Field   string `json:"field,omitempty"`
		Message string `json:"message"`
	} `json:"error"`
}

// fail reports err on stderr, once, and returns it; nil and a -h request
// are not failures.
func (c *cli) fail(err error) error {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return nil
	}
	var printed *printedError
	if errors.As(err, &printed) {
		return err
	}
	if c.json() {
		var je jsonError
		je.Error.Code = "failed"
		je.Error.Message = err.Error()
		var usage *usageError
		if errors.As(err, &usage) {
			je.Error.Code = "usage"
		}
		if e, ok := client.AsError(err); ok {
			je.Error.Code, je.Error.Reason, je.Error.Field = e.Code.String(), e.Reason, e.Field
		}
		enc := json.NewEncoder(c.stderr)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(je)
		return err
	}
	fmt.Fprintln(c.stderr, "varco:", err)
	return err
}
