#!/usr/bin/env bash
# Installs the pinned code generators into .tools/bin (inside the repo, so a
# fresh machine needs nothing but Go) and puts them first on PATH.
# Source it: `. .ci/tools.sh`.
set -euo pipefail

BUF_VERSION=v1.75.0
PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_CONNECT_GO_VERSION=v1.21.1

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export GOBIN="$root/.tools/bin"
export PATH="$GOBIN:$PATH"
mkdir -p "$GOBIN"

install() { # name module version
  local stamp="$GOBIN/.$1-$3"
  if [ -x "$GOBIN/$1" ] && [ -f "$stamp" ]; then
    return
  fi
  echo "installing $1 $3" >&2
  (cd "$root" && GOFLAGS=-mod=mod go install "$2@$3")
  touch "$stamp"
}

install buf github.com/bufbuild/buf/cmd/buf "$BUF_VERSION"
install protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go "$PROTOC_GEN_GO_VERSION"
install protoc-gen-connect-go connectrpc.com/connect/cmd/protoc-gen-connect-go "$PROTOC_GEN_CONNECT_GO_VERSION"
unset GOBIN
