#!/usr/bin/env bash
# bk-aggregate against DuckDB on the queries of expected.py.
#
#   tests/aggregate/duckdb.sh [--install] [--record] BIN_DIR
#
# Where DuckDB runs (Node.js with @duckdb/node-api in $BK_ANCHOR_CACHE, default
# ~/.cache/bk-anchor, as shared/bench/duck.sh installs it): runs every query in
# DuckDB now, compares bk-aggregate with those answers, and those answers with the
# ones recorded in duckdb/ (a change there means DuckDB or gen.py changed).
# Where it does not: says so, and compares bk-aggregate with the recorded answers.
#   --install  try to install DuckDB first (npm; needs the network)
#   --record   re-record duckdb/*.ndjson (after changing a query or gen.py)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
install=0 record=0
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
    --install) install=1 ;;
    --record) record=1 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ $# -ne 1 || ! -x $1/bk-aggregate ]]; then
  echo "usage: $0 [--install] [--record] BIN_DIR" >&2
  exit 2
fi
bin=$(cd "$1" && pwd)
command -v python3 >/dev/null || { echo "duckdb.sh: python3 is needed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$here/gen.py" > "$tmp/readings.ndjson"
"$bin/bk-ingest" "$tmp/readings.ndjson" --time ts -o "$tmp/readings.bkc"

cache=${BK_ANCHOR_CACHE:-$HOME/.cache/bk-anchor}
if [[ $install == 1 && ! -d $cache/node_modules/@duckdb/node-api ]] && command -v npm >/dev/null; then
  mkdir -p "$cache"
  (cd "$cache" && { [[ -f package.json ]] || npm init -y >/dev/null; } &&
     timeout 300 npm install --silent @duckdb/node-api >/dev/null) || true
fi
if command -v node >/dev/null && [[ -d $cache/node_modules/@duckdb/node-api ]]; then
  if [[ $record == 1 ]]; then
    python3 "$here/duckdb_compare.py" record "$tmp"
  fi
  exec python3 "$here/duckdb_compare.py" live "$bin" "$tmp"
fi
if [[ $record == 1 ]]; then
  echo "duckdb.sh: cannot record: DuckDB is not available" >&2
  exit 1
fi
echo "duckdb.sh: DuckDB is NOT available here (no node, or no $cache/node_modules/@duckdb/node-api;" \
     "--install tries npm): comparing with the answers recorded in tests/aggregate/duckdb/ ($(cat "$here/duckdb/VERSION"))"
exec python3 "$here/duckdb_compare.py" recorded "$bin" "$tmp"
