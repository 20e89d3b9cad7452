#!/usr/bin/env bash
# bk-partition against the independent model of model.py (every record in the one
# right file, the union the input, -j1 = -j4, 64-byte blocks, 10,000 values with
# --max-open 16), in a scratch directory.
#
#   tests/partition/check.sh BIN_DIR        (KEEP=1 keeps the scratch directory)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[[ $# -eq 1 && -x $1/bk-partition ]] || { echo "usage: $0 BIN_DIR   (BIN_DIR holds bk-partition and bk-cat)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "check.sh: python3 is needed (packaging/install-deps.sh)" >&2; exit 1; }
# In a sanitizer build a report must not pass for a tool's own exit status 1.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=87"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bk-partition-model.XXXXXX")
trap '[[ -n ${KEEP:-} ]] && echo "kept $tmp" || rm -rf "$tmp"' EXIT
python3 "$here/model.py" "$(cd "$1" && pwd)" "$tmp"
