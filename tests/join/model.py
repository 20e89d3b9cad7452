#!/usr/bin/env python3
"""bk-join's answers, computed independently in Python, and the queries they answer.

Every query is defined once, here: its bk-join flags, what it must print (a model
written from man bk-join alone, none of batchkit's code), and the same join in DuckDB's
SQL (duckdb_compare.py runs that).

The model follows man bk-join:
  - keys match when every key is non-null on both sides and equal by value: numbers
    numerically (2 equals 2.0), texts exactly, a number never a text;
  - output fields: the left's, then the right's but its keys; a right field whose
    name the left has gets "_right"; a key holds the left's value, in right and full
    joins the right's where there is no left record;
  - order, the right built: the left's order, each left record's matches in the
    right's order, then (right, full) the unmatched right records in the right's
    order; the left built: the right's order, each right record's matches in the
    left's order, then (left, full) the unmatched left records; semi and anti the
    left's order either way;
  - as-of: for each left record the right record of equal keys with the latest time
    at or before its own (RFC 3339 texts as instants; numbers as numbers), ties to the
    last in the right's input order, within the tolerance (inclusive), else nulls.

    model.py check BIN_DIR DATA_DIR [NAME...]   runs every query (-j1, -j4, 64-byte
        blocks; the right built, and the left where the type allows) and compares the
        output, in order, with the model; and with DuckDB's recorded answer
    model.py list                                the queries' names
"""
import json
import os
import subprocess
import sys
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import duckdb_node  # noqa: E402

LEFT_FIELDS = ["id", "k", "n", "t", "x", "v"]
RIGHT_FIELDS = ["id_r", "k", "n", "t", "x", "v", "w"]


# ---- values ---------------------------------------------------------------------------

def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def equal_key(a, b):
    """SQL '=' on one key part: null equals nothing; numbers by value; a number never a text."""
    if a is None or b is None:
        return False
    if is_number(a) and is_number(b):
        return a == b
    return type(a) is type(b) and a == b


def instant(s):
    """µs since the epoch of an RFC 3339 text."""
    dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    return int(dt.timestamp()) * 1000000 + dt.microsecond


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


# ---- the model ------------------------------------------------------------------------

def right_out_names(keys, suffix="_right"):
    """(right field, output name) of the right's fields that are written."""
    right_keys = {b for _, b in keys}
    out = []
    for f in RIGHT_FIELDS:
        if f in right_keys:
            continue
        o = f
        while o in LEFT_FIELDS:
            o += suffix
        out.append((f, o))
    return out


def joined(l, r, keys, coalesce):
    rec = [(f, l[f] if l is not None else None) for f in LEFT_FIELDS]
    if l is None and coalesce:
        by_left = {a: b for a, b in keys}
        rec = [(f, r[by_left[f]] if f in by_left else v) for f, v in rec]
    return rec + [(o, r[f] if r is not None else None) for f, o in right_out_names(keys)]


def key_of(rec, fields):
    """A record's key as a dict key, or None when a part is null: numbers as numbers
    (2 and 2.0 one key), texts as texts (never equal to a number)."""
    parts = []
    for f in fields:
        v = rec[f]
        if v is None:
            return None
        parts.append(("number", v) if is_number(v) else (type(v).__name__, v))
    return tuple(parts)


def index(records, fields):
    """key -> the numbers of the records with it, in input order."""
    out = {}
    for j, r in enumerate(records):
        k = key_of(r, fields)
        if k is not None:
            out.setdefault(k, []).append(j)
    return out


def equi_join(left, right, keys, how, build):
    """The records of an equi-join in bk-join's documented order."""
    lf, rf = [a for a, _ in keys], [b for _, b in keys]
    coalesce = how in ("right", "full")
    if how in ("semi", "anti"):
        rights = index(right, rf)
        return [[(f, l[f]) for f in LEFT_FIELDS] for l in left
                if (key_of(l, lf) in rights) == (how == "semi")]
    out = []
    if build == "right":
        rights = index(right, rf)
        matched = [False] * len(right)
        for l in left:
            js = rights.get(key_of(l, lf), [])
            for j in js:
                out.append(joined(l, right[j], keys, coalesce))
                matched[j] = True
            if not js and how in ("left", "full"):
                out.append(joined(l, None, keys, coalesce))
        if how in ("right", "full"):
            out += [joined(None, r, keys, coalesce) for j, r in enumerate(right) if not matched[j]]
        return out
    lefts = index(left, lf)
    matched = [False] * len(left)
    for r in right:
        ids = lefts.get(key_of(r, rf), [])
        for i in ids:
            out.append(joined(left[i], r, keys, coalesce))
            matched[i] = True
        if not ids and how in ("right", "full"):
            out.append(joined(None, r, keys, coalesce))
    if how in ("left", "full"):
        out += [joined(l, None, keys, coalesce) for i, l in enumerate(left) if not matched[i]]
    return out


def asof_join(left, right, keys, time, tolerance, numeric):
    """Each left record with the latest right record at or before its time."""
    def at(v):
        if v is None:
            return None
        return float(v) if numeric else instant(v)
    lf, rf = [a for a, _ in keys], [b for _, b in keys]
    rights = index(right, rf)
    times = [at(r[time]) for r in right]
    out = []
    for l in left:
        lt = at(l[time])
        best = None  # (time, number) of the best right record so far
        for j in rights.get(key_of(l, lf), []) if lt is not None else []:
            rt = times[j]
            if rt is None or rt > lt or (tolerance is not None and lt - rt > tolerance):
                continue
            best = max(best, (rt, j)) if best else (rt, j)
        out.append(joined(l, right[best[1]] if best else None, keys, False))
    return out


# ---- the queries ----------------------------------------------------------------------

class Query:
    def __init__(self, name, args, model, sql, columns, builds=("right", "left")):
        self.name = name
        self.args = args  # bk-join's flags after LEFT RIGHT
        self.model = model  # (left, right, build) -> rows of (name, value)
        # DuckDB's answer over tables l and r (see duckdb_compare.setup_sql): the
        # columns that say which records were joined (the records' numbers, the keys).
        self.sql = sql
        self.columns = columns
        self.builds = builds


def key_list(keys, coalesce):
    """The SQL of the key fields as bk-join writes them, under the left's names."""
    return [f"coalesce(l.{a}, r.{b}) AS {a}" if coalesce else f"l.{a} AS {a}" for a, b in keys]


def on_sql(keys):
    return " AND ".join(f"l.{a} = r.{b}" for a, b in keys)


def equi(name, how, keys, where=None, where_sql=None):
    args = ["--on", ",".join(a if a == b else f"{a}={b}" for a, b in keys)] + (["--type", how] if how != "inner" else [])
    if where:
        args += ["--where", where]
    if how in ("semi", "anti"):
        columns = ["id"]
        sql = f"SELECT l.id AS id FROM l {how.upper()} JOIN r ON {on_sql(keys)}"
    else:
        columns = ["id", "id_r"] + [a for a, _ in keys]
        kind = {"inner": "JOIN", "left": "LEFT JOIN", "right": "RIGHT JOIN", "full": "FULL JOIN"}[how]
        select = ", ".join(["l.id AS id", "r.id_r AS id_r"] + key_list(keys, how in ("right", "full")))
        sql = f"SELECT {select} FROM l {kind} r ON {on_sql(keys)}" + (f" WHERE {where_sql}" if where_sql else "")

    def model(left, right, build):
        rows = equi_join(left, right, keys, how, build)
        return [row for row in rows if where_model(where, row)] if where else rows
    return Query(name, args, model, sql, columns)


def where_model(where, row):
    d = dict(row)
    if where == "w is null or v > v_right":
        return d["w"] is None or (d["v"] is not None and d["v_right"] is not None and d["v"] > d["v_right"])
    raise ValueError(where)


def asof(name, keys, time, tolerance=None, numeric=False):
    args = (["--on", ",".join(a for a, _ in keys)] if keys else []) + ["--asof", time]
    tol_model = None
    if tolerance:
        args += ["--tolerance", tolerance]
        tol_model = float(tolerance) if numeric else {"30m": 30 * 60 * 1000000}[tolerance]
    # DuckDB's ASOF takes any of the tied records: the right is first cut to the last
    # record of each key and time (bk-join's tie rule), then ASOF LEFT JOIN finds it;
    # the tolerance drops a match older than that. DuckDB 1.5.6 matches a left record
    # whose time is NULL with the latest right record when it scans the whole table
    # (not when a filter on the left is pushed down): SQL's comparison with NULL is
    # unknown, so the query drops such a match itself.
    t = f"{time}" if numeric else f"{time}::TIMESTAMPTZ"
    part = ", ".join([f"{b}" for _, b in keys] + [t])
    eq = "".join(f"l.{a} = r.{b} AND " for a, b in keys)
    cond = ""
    if tolerance:
        bound = tolerance if numeric else f"INTERVAL '{tolerance[:-1]} minutes'"
        cond = f" AND l.{t} - r.{t} <= {bound}"
    sql = (f"WITH rr AS (SELECT * FROM r WHERE {time} IS NOT NULL "
           f"QUALIFY row_number() OVER (PARTITION BY {part} ORDER BY id_r DESC) = 1), "
           f"m AS (SELECT l.id AS m_id, if(l.{time} IS NULL, NULL, r.id_r) AS m_r "
           f"FROM l ASOF LEFT JOIN rr r ON {eq}l.{t} >= r.{t}) "
           f"SELECT l.id AS id, r.id_r AS id_r FROM l JOIN m ON m.m_id = l.id LEFT JOIN r ON r.id_r = m.m_r{cond}")
    return Query(name, args, lambda left, right, build: asof_join(left, right, keys, time, tol_model, numeric),
                 sql, ["id", "id_r"], builds=("right",))


def queries():
    k = [("k", "k")]
    kn = [("k", "k"), ("n", "n")]
    return [
        equi("inner_k", "inner", k),
        equi("left_k", "left", k),
        equi("right_k", "right", k),
        equi("full_k", "full", k),
        equi("semi_k", "semi", k),
        equi("anti_k", "anti", k),
        equi("inner_kn", "inner", kn),
        equi("left_kn", "left", kn),
        equi("full_kn", "full", kn),
        equi("anti_kn", "anti", kn),
        equi("left_where", "left", k, "w is null or v > v_right", "r.w IS NULL OR l.v > r.v"),
        asof("asof_k", k, "t"),
        asof("asof_k_tolerance", k, "t", "30m"),
        asof("asof_no_keys", [], "t"),
        asof("asof_number", k, "x", numeric=True),
        asof("asof_number_tolerance", k, "x", "20", numeric=True),
    ]


# ---- running and comparing ------------------------------------------------------------

def run_bk(bin_dir, data_dir, args, env_extra):
    env = dict(os.environ, LC_ALL="C", TZ="UTC", **env_extra)
    cmd = [os.path.join(bin_dir, "bk-join"), os.path.join(data_dir, "left.ndjson"),
           os.path.join(data_dir, "right.ndjson")] + args
    p = subprocess.run(cmd, capture_output=True, env=env)
    return p.returncode, p.stdout, p.stderr


def parse_ndjson(data):
    return [json.loads(line, object_pairs_hook=lambda kv: kv) for line in data.decode("utf-8").splitlines()]


def same_value(a, b):
    """Values as written: numbers by value (2 and 2.0 alike), the rest exactly."""
    if is_number(a) and is_number(b):
        return a == b
    return type(a) is type(b) and a == b


class Checker(duckdb_node.Checker):
    def __init__(self, show=int(os.environ.get("BK_JOIN_SHOW", "8"))):
        super().__init__()
        self.show = show

    def same_rows(self, label, want, got, ordered=True):
        """want, got: lists of rows [(name, value)...]; in order, or as multisets."""
        if not ordered:
            want, got = sorted(want, key=sort_key), sorted(got, key=sort_key)
        if not self.check(len(want) == len(got), f"{label}: {len(got)} records, expected {len(want)}"):
            return False
        bad = 0
        for i, (w, g) in enumerate(zip(want, got)):
            ok = [n for n, _ in w] == [n for n, _ in g] and all(same_value(a, b) for (_, a), (_, b) in zip(w, g))
            if not self.check(ok, f"{label}: record {i}: {json.dumps(dict(g))}, expected {json.dumps(dict(w))}"):
                bad += 1
                if bad >= self.show:
                    self.failures.append(f"{label}: (more differences not shown)")
                    return False
        return bad == 0


def sort_key(row):
    return [(v is None, float(v) if is_number(v) else 0.0, str(v) if not is_number(v) else "") for _, v in row]


def check(bin_dir, data_dir, names):
    sys.path.insert(0, HERE)
    import duckdb_compare
    left = load(os.path.join(data_dir, "left.ndjson"))
    right = load(os.path.join(data_dir, "right.ndjson"))
    chk = Checker()
    ran = 0
    for q in queries():
        if names and not any(n in q.name for n in names):
            continue
        ran += 1
        for build in q.builds:
            want = q.model(left, right, build)
            outputs = {}
            for label, env, threads in [("-j4", {}, "4"), ("-j1", {}, "1"), ("64-byte blocks -j4", {"BK_BLOCK_BYTES": "64"}, "4"),
                                        ("64-byte blocks -j1", {"BK_BLOCK_BYTES": "64"}, "1")]:
                rc, out, err = run_bk(bin_dir, data_dir, q.args + ["--build", build, "-j", threads], env)
                what = f"{q.name} (--build {build}, {label})"
                if not chk.check(rc == 0, f"{what}: exit {rc}: {err.decode(errors='replace').strip()}"):
                    continue
                outputs[label] = out
                chk.same_rows(what, want, parse_ndjson(out))
            chk.check(outputs.get("-j1") == outputs.get("-j4"), f"{q.name} (--build {build}): -j1 and -j4 differ")
            chk.check(outputs.get("64-byte blocks -j1") == outputs.get("64-byte blocks -j4"),
                      f"{q.name} (--build {build}): -j1 and -j4 differ with 64-byte blocks")
            if build == "right" and "-j4" in outputs:
                duckdb_compare.compare_recorded(chk, q, parse_ndjson(outputs["-j4"]))
    return chk.report(f"model.py: {ran} queries") or (1 if ran == 0 else 0)


def main():
    args = sys.argv[1:]
    if args[:1] == ["list"]:
        for q in queries():
            print(q.name)
        return 0
    if len(args) >= 3 and args[0] == "check":
        return check(args[1], args[2], args[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
