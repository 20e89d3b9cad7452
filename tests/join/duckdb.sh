#!/usr/bin/env bash
# bk-join against DuckDB on the queries of model.py.
#
#   tests/join/duckdb.sh [--install] [--record] BIN_DIR
#
# Where DuckDB runs (Node.js with @duckdb/node-api in $BK_ANCHOR_CACHE, default
# ~/.cache/bk-anchor, as shared/bench/duck.sh installs it): runs every query in DuckDB
# now, compares bk-join with those answers, and those answers with the ones recorded
# in duckdb/ (a change there means DuckDB or gen.py changed).
# Where it does not: says so, and compares bk-join with the recorded answers.
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
if [[ $# -ne 1 || ! -x $1/bk-join ]]; then
  echo "usage: $0 [--install] [--record] BIN_DIR" >&2
  exit 2
fi
bin=$(cd "$1" && pwd)
command -v python3 >/dev/null || { echo "duckdb.sh: python3 is needed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$here/gen.py" "$tmp"

if [[ $install == 1 ]]; then
  python3 -c "import sys; sys.path.insert(0, '$here/../lib'); import duckdb_node; duckdb_node.available()"
fi
if python3 -c "import sys; sys.path.insert(0, '$here/../lib'); import duckdb_node; sys.exit(0 if duckdb_node.node_ok() else 1)"; then
  if [[ $record == 1 ]]; then
    python3 "$here/duckdb_compare.py" record "$tmp"
  fi
  exec python3 "$here/duckdb_compare.py" live "$bin" "$tmp"
fi
if [[ $record == 1 ]]; then
  echo "duckdb.sh: cannot record: DuckDB is not available" >&2
  exit 1
fi
echo "duckdb.sh: DuckDB is NOT available here (no node, or no ${BK_ANCHOR_CACHE:-$HOME/.cache/bk-anchor}/node_modules/@duckdb/node-api;" \
     "--install tries npm): comparing with the answers recorded in tests/join/duckdb/ ($(cat "$here/duckdb/VERSION"))"
exec python3 "$here/duckdb_compare.py" recorded "$bin" "$tmp"
