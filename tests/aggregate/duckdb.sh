#!/usr/bin/env bash
# bk-aggregate against DuckDB on the queries of expected.py.
#
#   tests/aggregate/duckdb.sh [--install] [--record] BIN_DIR
#
# DuckDB live where it runs, else its recorded answers (tests/lib/duckdb.sh says how).
TOOL=bk-aggregate
prepare() {
  python3 "$(dirname "$0")/gen.py" > "$1/readings.ndjson"
  "$2/bk-ingest" "$1/readings.ndjson" --time ts -o "$1/readings.bkc"
}
source "$(dirname "$0")/../lib/duckdb.sh"
