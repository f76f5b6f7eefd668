// Command apidoc writes the API reference of the varco.v1 contract,
// docs/api/, from the comments in proto/varco/v1: one page per proto file
// (its services with each RPC's access rule from the authz policy table and
// its idempotency, then its messages and enums), and an index.
//
//	go run ./internal/cmd/apidoc            # from the repository root; needs buf
//	go run ./internal/cmd/apidoc -set x.binpb -out docs/api
//
// The compiled Go descriptors carry no comments (protoc-gen-go strips
// them), so the contract is read from `buf build --as-file-descriptor-set`,
// which keeps them. CI regenerates docs/api and fails when it differs.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/varco-gate/varco/internal/authz"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "apidoc:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("apidoc", flag.ContinueOnError)
	set := fs.String("set", "", "FileDescriptorSet with source info (default: run buf build)")
	out := fs.String("out", "docs/api", "directory to write the markdown into")
	if err := fs.Parse(args); err != nil {
		return err
	}
	raw, err := descriptorSet(*set)
	if err != nil {
		return err
	}
	var fds descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(raw, &fds); err != nil {
		return fmt.Errorf("decode descriptor set: %w", err)
	}
	files, err := protodesc.NewFiles(&fds)
	if err != nil {
		return fmt.Errorf("link descriptor set: %w", err)
	}
	pages, err := Render(files, "varco.v1", authz.Policy)
	if err != nil {
		return err
	}
	// Rewrite the whole directory: a page of a deleted file must go too.
	if err := os.RemoveAll(*out); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for name, content := range pages {
		if err := os.WriteFile(filepath.Join(*out, name), content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// descriptorSet reads the set from path, or builds it with buf.
func descriptorSet(path string) ([]byte, error) {
	if path != "" {
		return os.ReadFile(path)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("buf", "build", "--as-file-descriptor-set", "-o", "-#format=binpb")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("buf build (install it with .ci/tools.sh): %w: %s", err, stderr.String())
	}
	return stdout.Bytes(), nil
}
