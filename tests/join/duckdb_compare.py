#!/usr/bin/env python3
"""bk-join against DuckDB, on the queries of model.py (each has its SQL there).

DuckDB runs through Node.js and @duckdb/node-api (tests/lib/duckdb_node.py). Its
answers are recorded in duckdb/<query>.ndjson, so that the comparison runs where
DuckDB cannot be installed: check.sh always compares with the recorded files.

DuckDB's order of joined rows is its own, so the records compare as multisets: the
same records, each as often; values equal as written (numbers by value).

    duckdb_compare.py record DATA_DIR           re-record duckdb/*.ndjson from DuckDB
    duckdb_compare.py live BIN_DIR DATA_DIR     run DuckDB now: its answers against the
                                                recorded ones, and bk-join against them
    duckdb_compare.py recorded BIN_DIR DATA_DIR bk-join against the recorded answers
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import duckdb_node  # noqa: E402
import model  # noqa: E402

RECORDED = os.path.join(HERE, "duckdb")


def setup_sql(data_dir):
    left = os.path.abspath(os.path.join(data_dir, "left.ndjson"))
    right = os.path.abspath(os.path.join(data_dir, "right.ndjson"))
    lcols = "{id:'BIGINT', k:'VARCHAR', n:'BIGINT', t:'VARCHAR', x:'BIGINT', v:'DOUBLE'}"
    rcols = "{id_r:'BIGINT', k:'VARCHAR', n:'DOUBLE', t:'VARCHAR', x:'DOUBLE', v:'DOUBLE', w:'VARCHAR'}"
    return ["SET TimeZone = 'UTC'",
            f"CREATE TABLE l AS SELECT * FROM read_json('{left}', format = 'newline_delimited', columns = {lcols})",
            f"CREATE TABLE r AS SELECT * FROM read_json('{right}', format = 'newline_delimited', columns = {rcols})"]


def duck_queries():
    return {q.name: q.sql for q in model.queries()}


def as_rows(dicts, columns):
    return [[(c, d.get(c)) for c in columns] for d in dicts]


def record(data_dir):
    answers, version = duckdb_node.run(setup_sql(data_dir), duck_queries())
    duckdb_node.record(RECORDED, answers, version,
                       [os.path.join(data_dir, side + ".ndjson") for side in ("left", "right")])


def compare(chk, q, got, duck, label):
    """got: bk-join's records ([(name, value)...]); duck: DuckDB's rows (dicts), of
    the query's columns: which records were joined, as multisets."""
    mine = [[(c, dict(row).get(c)) for c in q.columns] for row in got]
    chk.same_rows(f"{q.name} vs {label}", as_rows(duck, q.columns), mine, ordered=False)


def compare_recorded(chk, q, got):
    path = os.path.join(RECORDED, q.name + ".ndjson")
    if chk.check(os.path.exists(path), f"{q.name}: no recorded DuckDB answer {path} "
                 "(record it: tests/join/duckdb.sh --record BIN_DIR)"):
        compare(chk, q, got, duckdb_node.load(RECORDED, q.name), "DuckDB (recorded)")


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "record":
        record(args[1])
        return 0
    if len(args) == 3 and args[0] in ("live", "recorded"):
        bin_dir, data_dir = args[1], args[2]
        chk = model.Checker()
        live = None
        if args[0] == "live":
            live, version = duckdb_node.run(setup_sql(data_dir), duck_queries())
            print(f"DuckDB {version} (recorded with {duckdb_node.recorded_version(RECORDED)})")
        for q in model.queries():
            rc, out, err = model.run_bk(bin_dir, data_dir, q.args + ["-j", "4"], {})
            if not chk.check(rc == 0, f"{q.name}: bk-join exit {rc}: {err.decode(errors='replace').strip()}"):
                continue
            got = model.parse_ndjson(out)
            if live is None:
                compare_recorded(chk, q, got)
                continue
            compare(chk, q, got, live[q.name], "DuckDB (live)")
            chk.same_rows(f"{q.name}: DuckDB live vs recorded", as_rows(duckdb_node.load(RECORDED, q.name), q.columns),
                          as_rows(live[q.name], q.columns), ordered=False)
        return chk.report(f"duckdb_compare.py ({args[0]})")
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
