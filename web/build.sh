#!/usr/bin/env bash
# Rebuilds the web apps from source, as CI does: installs the pinned npm
# packages (web/package-lock.json), regenerates the TypeScript clients from
# proto/ (buf with protoc-gen-es from web/node_modules), type-checks, and
# bundles into internal/webapp/dist/, which the server embeds and which is
# committed. Needs Node.js ≥ 18 and npm; buf comes from .ci/tools.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! command -v buf >/dev/null; then
  . .ci/tools.sh
fi
(cd web && npm ci --no-audit --no-fund --loglevel=error)
buf generate --template web/buf.gen.yaml
(cd web && npx tsc --noEmit -p . && node build.mjs)
