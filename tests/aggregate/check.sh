#!/usr/bin/env bash
# bk-aggregate against an independent model, DuckDB's recorded answers, and itself
# (threads, block sizes, shards):
#
#   tests/aggregate/check.sh BIN_DIR [NAME...]
#
#  1. gen.py writes a few thousand deterministic readings (nulls, negatives, short
#     decimals, binary doubles, int64 near 2^55, times around month ends, the leap day
#     and the DST changes of Europe/Berlin and America/New_York); bk-ingest makes a
#     chunk file of them with the event time marked.
#  2. expected.py runs each query (-j1, -j4, BK_BLOCK_BYTES=64: the same bytes) and
#     compares the output with its Python model (fractions, zoneinfo) and with
#     DuckDB's answer recorded in duckdb/ (duckdb.sh re-records and compares live).
#  3. shards.py: --partial per shard + --merge (1, 2, 7 shards; line ranges and
#     device hash; merges of merges) prints exactly the bytes of one run.
# NAME... limits step 2 to the queries whose names contain one of them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/suite.sh"
suite_start "BIN_DIR [NAME...]" bk-aggregate "$@"
shift

python3 "$here/gen.py" > "$tmp/readings.ndjson"
want=$(cut -d' ' -f1 "$here/duckdb/DATA.sha256")
got=$(python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$tmp/readings.ndjson")
if [[ $want != "$got" ]]; then
  echo "FAIL gen.py wrote other data than DuckDB's answers in duckdb/ were recorded for" \
       "($got, recorded $want): re-record them with tests/aggregate/duckdb.sh --record BIN_DIR" >&2
  exit 1
fi
"$bin/bk-ingest" "$tmp/readings.ndjson" --time ts -o "$tmp/readings.bkc"

rc=0
python3 "$here/expected.py" check "$bin" "$tmp" "$@" || rc=1
if [[ $# -eq 0 ]]; then
  python3 "$here/shards.py" "$bin" "$tmp" || rc=1
fi
exit $rc
