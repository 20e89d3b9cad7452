#!/usr/bin/env bash
# bk-join against an independent model and DuckDB's recorded answers:
#
#   tests/join/check.sh BIN_DIR [NAME...]
#
#  1. gen.py writes a left and a right input with duplicate and null keys, int64 keys
#     on one side and float64 on the other, and unsorted times with ties.
#  2. model.py runs every query (-j1, -j4, 64-byte blocks; the right built, and the
#     left where the type allows) and compares the output, in order, with its Python
#     model of man bk-join, and the joined records with DuckDB's answer recorded in
#     duckdb/ (duckdb.sh runs DuckDB live where it can).
# NAME... limits the run to the queries whose names contain one of them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/suite.sh"
suite_start "BIN_DIR [NAME...]" bk-join "$@"
shift

python3 "$here/gen.py" "$tmp"
if ! (cd "$tmp" && sha256sum --quiet -c "$here/duckdb/DATA.sha256"); then
  echo "FAIL gen.py wrote other data than DuckDB's answers in duckdb/ were recorded for:" \
       "re-record them with tests/join/duckdb.sh --record BIN_DIR" >&2
  exit 1
fi
exec python3 "$here/model.py" check "$bin" "$tmp" "$@"
