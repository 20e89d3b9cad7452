# The DuckDB step of a test suite, sourced by the suite's duckdb.sh after it sets
#   TOOL       the tool it tests (bk-join)
#   prepare    a function: prepare DATA_DIR BIN_DIR writes the suite's data
# and given the suite's arguments: [--install] [--record] BIN_DIR.
#
# Where DuckDB runs (Node.js with @duckdb/node-api in $BK_ANCHOR_CACHE, default
# ~/.cache/bk-anchor, as shared/bench/duck.sh installs it): runs the suite's queries in
# DuckDB now (duckdb_compare.py live), the tool against those answers and those answers
# against the ones recorded in the suite's duckdb/ (a change there means DuckDB or the
# data changed). Where it does not: says so, and compares the tool with the recorded
# answers (duckdb_compare.py recorded).
#   --install  try to install DuckDB first (npm; needs the network)
#   --record   re-record the suite's duckdb/*.ndjson (after changing a query or the data)
set -euo pipefail
suite=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
install=0 record=0
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
    --install) install=1 ;;
    --record) record=1 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
  shift
done
source "$lib/suite.sh"
[[ $# -eq 1 ]] || set -- ""
suite_start "[--install] [--record] BIN_DIR" "$TOOL" "$@"
prepare "$tmp" "$bin"

duckdb_node() { python3 -c "import sys; sys.path.insert(0, '$lib'); import duckdb_node; $1"; }
[[ $install == 1 ]] && duckdb_node "duckdb_node.available()"
if duckdb_node "sys.exit(0 if duckdb_node.node_ok() else 1)"; then
  [[ $record == 1 ]] && python3 "$suite/duckdb_compare.py" record "$tmp"
  exec python3 "$suite/duckdb_compare.py" live "$bin" "$tmp"
fi
if [[ $record == 1 ]]; then
  echo "duckdb.sh: cannot record: DuckDB is not available" >&2
  exit 1
fi
echo "duckdb.sh: DuckDB is NOT available here (no node, or no ${BK_ANCHOR_CACHE:-$HOME/.cache/bk-anchor}/node_modules/@duckdb/node-api;" \
     "--install tries npm): comparing with the answers recorded in ${suite#"$(cd "$lib/../.." && pwd)/"}/duckdb/ ($(cat "$suite/duckdb/VERSION"))"
exec python3 "$suite/duckdb_compare.py" recorded "$bin" "$tmp"
