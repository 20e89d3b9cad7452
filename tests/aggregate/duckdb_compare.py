#!/usr/bin/env python3
"""bk-aggregate against DuckDB, on the queries of expected.py (each has its SQL there).

DuckDB runs through Node.js and @duckdb/node-api, installed once into
$BK_ANCHOR_CACHE (default ~/.cache/bk-anchor), as shared/bench/duck.sh does. Its
answers are recorded in duckdb/<query>.ndjson, so that the comparison runs where
DuckDB cannot be installed (no network for npm): check.sh always compares against
the recorded files.

How the columns compare (DuckDB sums in binary, not exactly):
  keys, counts, min/max, first/last, count_distinct, windows: equal (timestamps as
      instants, numbers as numbers);
  sums, means, var, stddev and expressions over them: within 1e-9 relative;
  quantile/median: within 1e-12 relative (both interpolate the same way);
  approx_distinct: within 3% of DuckDB's count(DISTINCT x);
  approx_quantile: within 0.5% relative of DuckDB's exact value at rank floor(q*(n-1))
      (list_sort(list(x))[...]; recorded under the same name);
  DuckDB's own approx_count_distinct / approx_quantile are recorded beside
      ("duckdb:NAME"), for reference only: DuckDB's estimates are further from the
      exact values than bk's (approx_count_distinct was up to 12% off on this data).

    duckdb_compare.py available                 exit 0 when DuckDB can run here
    duckdb_compare.py record DATA_DIR           re-record duckdb/*.ndjson from DuckDB
    duckdb_compare.py live BIN_DIR DATA_DIR     run DuckDB now: its answers against the
                                                recorded ones, and bk-aggregate against them
    duckdb_compare.py recorded BIN_DIR DATA_DIR bk-aggregate against the recorded answers
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import expected  # noqa: E402

RECORDED = os.path.join(HERE, "duckdb")
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import duckdb_node  # noqa: E402


def setup_sql(data_file):
    cols = ("{seq:'BIGINT', device:'VARCHAR', site:'VARCHAR', value:'DOUBLE', n:'BIGINT', "
            "fval:'DOUBLE', ts:'VARCHAR', status:'VARCHAR'}")
    return ["SET TimeZone = 'UTC'",
            f"CREATE TABLE r AS SELECT *, ts::TIMESTAMPTZ AS t FROM read_json('{data_file}', "
            f"format = 'newline_delimited', columns = {cols})"]


def available(install=True):
    return duckdb_node.available(install)


def run_duckdb(data_file, queries):
    """{name: [ {column: value} ... ]} for {name: SQL}, and DuckDB's version."""
    return duckdb_node.run(setup_sql(os.path.abspath(data_file)), queries)


def duck_queries():
    return {q.name: q.sql("r") for q in expected.queries() if q.duck}


def record(data_dir):
    data = os.path.join(data_dir, "readings.ndjson")
    answers, version = run_duckdb(data, duck_queries())
    duckdb_node.record(RECORDED, answers, version, [data])


def load_recorded(name):
    return duckdb_node.load(RECORDED, name)


# ---- comparing ---------------------------------------------------------------------------

DUCK_TS = re.compile(r"^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?(?:([+-]\d\d)(?::?(\d\d))?|Z)?$")


def as_instant(v):
    """µs of a timestamp text (bk's RFC 3339, or DuckDB's '2024-03-31 01:00:00+00'), else None."""
    if not isinstance(v, str):
        return None
    m = DUCK_TS.match(v)
    if not m:
        return None
    off = "Z"
    if m.group(4):
        off = f"{m.group(4)}:{m.group(5) or '00'}"
    return expected.parse_time(f"{m.group(1)}T{m.group(2)}{m.group(3) or ''}{off}")


def as_number(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str) and re.fullmatch(r"-?\d+(\.\d+)?", v):
        return int(v) if "." not in v else float(v)
    return None


def equal(a, b):
    """bk's value a and DuckDB's b, exactly."""
    if a is None or b is None:
        return a is None and b is None
    ta, tb = as_instant(a), as_instant(b)
    if ta is not None or tb is not None:
        return ta == tb
    na, nb = as_number(a), as_number(b)
    if na is not None and nb is not None and not isinstance(a, bool):
        return na == nb
    return a == b


def close(a, b, rel, slack=0.0):
    if a is None or b is None:
        return a is None and b is None
    na, nb = as_number(a), as_number(b)
    if na is None or nb is None:
        return False
    return abs(na - nb) <= rel * max(abs(na), abs(nb)) + slack


def column_kinds(q):
    kinds = {name: "key" for name, _ in q.keys}
    if q.window:
        kinds["window_start"] = kinds["window_end"] = "key"
    for name, kind, _, _ in q.items:
        kinds[name] = expected.DUCK_KIND[kind]
    return kinds


def ok_duck(kind, got, want):
    if kind == "exact" or kind == "key":
        return equal(got, want)
    if kind == "float":
        return close(got, want, 1e-9, 1e-9)
    if kind == "q":
        return close(got, want, 1e-12)
    if kind == "ad":
        return got is not None and want is not None and abs(got - as_number(want)) <= max(1, 0.03 * as_number(want))
    if kind == "aq":
        if got is None or want is None:
            return got is None and want is None
        return abs(got - want) <= 0.005 * abs(want) * (1 + 1e-9)
    raise ValueError(kind)


def compare(chk, q, got, duck, label):
    """got: bk-aggregate's rows ([(name, value)...]); duck: DuckDB's rows (dicts)."""
    kinds = column_kinds(q)
    columns = q.columns()
    want_rows = [[row.get(c) for c in columns] for row in duck]

    def ok_cell(col, want, g):
        return ok_duck(kinds[col], g, want)

    expected.compare_rows(chk, f"{q.name} vs {label}", columns, want_rows, got, ok_cell)


def compare_recorded(chk, q, got):
    path = os.path.join(RECORDED, q.name + ".ndjson")
    if not chk.check(os.path.exists(path), f"{q.name}: no recorded DuckDB answer {path} "
                     "(record it: tests/aggregate/duckdb.sh --record)"):
        return
    compare(chk, q, got, load_recorded(q.name), "DuckDB (recorded)")


def run_all_bk(bin_dir, data_dir):
    out = {}
    for q in expected.queries():
        if not q.duck:
            continue
        rc, stdout, stderr = expected.run_bk(bin_dir, q.bk_args(data_dir), {}, 4)
        out[q.name] = (rc, stdout, stderr)
    return out


def main():
    args = sys.argv[1:]
    if args[:1] == ["available"]:
        return 0 if available() else 1
    if len(args) == 2 and args[0] == "record":
        record(args[1])
        return 0
    if len(args) == 3 and args[0] in ("live", "recorded"):
        bin_dir, data_dir = args[1], args[2]
        chk = expected.Checker()
        live = None
        if args[0] == "live":
            live, version = run_duckdb(os.path.join(data_dir, "readings.ndjson"), duck_queries())
            print(f"DuckDB {version} (recorded with {duckdb_node.recorded_version(RECORDED)})")
        for q in expected.queries():
            if not q.duck:
                continue
            rc, stdout, stderr = expected.run_bk(bin_dir, q.bk_args(data_dir), {}, 4)
            if not chk.check(rc == 0, f"{q.name}: bk-aggregate exit {rc}: {stderr.decode(errors='replace').strip()}"):
                continue
            got = expected.parse_ndjson(stdout)
            if live is not None:
                compare(chk, q, got, live[q.name], "DuckDB (live)")
                # The live answers against the recorded ones (as bk's values: same tolerances).
                rec = load_recorded(q.name)
                cols = q.columns()
                kinds = column_kinds(q)
                as_got = [[(c, row.get(c)) for c in cols] for row in live[q.name]]
                expected.compare_rows(chk, f"{q.name}: DuckDB live vs recorded", cols,
                                      [[row.get(c) for c in cols] for row in rec], as_got,
                                      lambda col, w, g: ok_duck(kinds[col] if kinds[col] not in ("ad", "aq") else "exact", g, w))
            else:
                compare_recorded(chk, q, got)
        return chk.report(f"duckdb_compare.py ({args[0]})")
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
