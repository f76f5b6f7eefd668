#!/usr/bin/env bash
# buf breaking as a real check of the API contract (proto/varco/v1).
#
#   .ci/breaking.sh           check (CI runs this)
#   .ci/breaking.sh --update  record the current contract as the baseline
#
# Two comparisons, both fatal:
#  1. against proto/baseline.binpb, the contract as last recorded on purpose:
#     it holds however many commits pass, and a clone with no history (CI's
#     fresh clone) still has it;
#  2. against the previous commit, which also guards what was added since
#     the baseline — skipped when this commit records a new baseline, the
#     one deliberate way to break the contract (say why in the commit).
# Then a canary proves the check bites: a copy of the contract with one
# field renumbered must fail it.
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=proto/baseline.binpb

if [ "${1:-}" = "--update" ]; then
  buf build --exclude-source-info -o "$baseline"
  echo "recorded $baseline; commit it with the change that needs it"
  exit 0
fi

echo "against the recorded baseline ($baseline)"
buf breaking --against "$baseline"

if git rev-parse -q --verify 'HEAD~1^{commit}' >/dev/null && git cat-file -e 'HEAD~1:buf.yaml' 2>/dev/null; then
  if git cat-file -e "HEAD~1:$baseline" 2>/dev/null && ! git diff --quiet HEAD~1 HEAD -- "$baseline"; then
    echo "this commit records a new baseline: not compared with the previous commit"
  elif ! git cat-file -e "HEAD~1:$baseline" 2>/dev/null; then
    echo "the previous commit has no baseline yet: not compared with it"
  else
    echo "against the previous commit"
    buf breaking --against '.git#ref=HEAD~1'
  fi
else
  echo "no previous commit in this clone: compared with the baseline only"
fi

echo "canary: a renumbered field must fail the check"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/proto"
cp buf.yaml "$tmp/"
cp -r proto/varco "$tmp/proto/"
perl -0pi -e 's/(message GetAvailabilityRequest \{.*?string from_date = )2;/${1}12;/s' "$tmp/proto/varco/v1/catalog.proto"
if out=$(cd "$tmp" && buf breaking --against "$OLDPWD/$baseline" 2>&1); then
  echo "buf breaking accepted a renumbered field: the check is not working" >&2
  exit 1
fi
if ! grep -q 'from_date' <<<"$out"; then
  echo "buf breaking failed the canary for another reason:" >&2
  echo "$out" >&2
  exit 1
fi
echo "ok: $(grep -m1 from_date <<<"$out")"
