#!/usr/bin/env bash
# bk-join against DuckDB on the queries of model.py.
#
#   tests/join/duckdb.sh [--install] [--record] BIN_DIR
#
# DuckDB live where it runs, else its recorded answers (tests/lib/duckdb.sh says how).
TOOL=bk-join
prepare() { python3 "$(dirname "$0")/gen.py" "$1"; }
source "$(dirname "$0")/../lib/duckdb.sh"
