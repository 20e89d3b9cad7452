# Shared by the bk-ingest scenario tests: the tools under test, a scratch directory,
# checks that count, and the closing "N passed, M failed" line.
# Usage (sourced): BIN_DIR is $1 of the test script.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"

BIN=$(cd "${1:?usage: $0 BIN_DIR}" && pwd) || exit 2
INGEST="$BIN/bk-ingest"
CAT="$BIN/bk-cat"
GEN="$BIN/bk-bench-gen"
for t in "$INGEST" "$CAT"; do [ -x "$t" ] || { echo "no $t" >&2; exit 2; }; done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bk-ingest-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"

# rows DATASET: the records the dataset holds, read through its manifest.
rows() { "$CAT" "$1" | wc -l | tr -d ' '; }
# files DATASET: how many chunk files its manifest lists.
files() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]+"/_manifest.json"))["files"]))' "$1"; }
# manifest_rows DATASET: the sum of the rows its manifest lists.
manifest_rows() {
  python3 -c 'import json,sys; print(sum(f["rows"] for f in json.load(open(sys.argv[1]+"/_manifest.json"))["files"]))' "$1"
}
# counts STATS_FILE: the five record counts of a --stats file, as compact JSON.
counts() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(json.dumps({k: d[k] for k in ("read","written","rejected","deduplicated","filtered")}, separators=(",",":")))' "$1"
}
